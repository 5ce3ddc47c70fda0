//! The `zilla` gateway binary's library: which factories it is built with, how its settings
//! resolve, and what each command does.

pub mod commands;
pub mod properties;
pub mod settings;

use zilla_engine::registry::Registry;

/// Every binding, guard, vault, store and exporter factory this binary is built with.
pub fn registry() -> Registry {
    // Factories are registered here as their crates land, one line each, e.g.
    // `.binding(zilla_binding_tcp::TcpFactory)`.
    Registry::new()
}

/// Looks up `${{ env.NAME }}` in the process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

//! The protocol-agnostic core of the gateway: the config pipeline, streams and frames, routing,
//! guards and vaults as traits, telemetry events and the runtime that runs a configuration.
//!
//! The engine knows no protocol. Bindings, guards, vaults, stores and exporters live in their own
//! crates and are registered by `type` in a [`registry::Registry`].

pub mod binding;
pub mod channel;
pub mod config;
#[cfg(test)]
mod counting_waker;
pub mod frame;
pub mod guard;
pub mod io;
pub mod readiness;
pub mod registry;
pub mod route;
pub mod runtime;
pub mod stream;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod vault;
pub mod woken;

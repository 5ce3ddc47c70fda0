//! Two bindings cannot listen on one port: found here, before anything is opened.

use std::path::Path;

use super::scope::Scope;
use super::Finding;
use crate::binding::CheckContext;
use crate::config::error::Problem;
use crate::config::yaml::locations::child;
use crate::registry::Registry;

struct Listener<'a> {
    document: usize,
    binding: &'a str,
    host: String,
    port: u16,
}

/// A wildcard address accepts on every interface, so it clashes with any host on its port.
fn is_wildcard(host: &str) -> bool {
    matches!(host, "" | "0.0.0.0" | "::" | "[::]" | "*")
}

fn clash(first: &Listener<'_>, second: &Listener<'_>) -> bool {
    first.port == second.port
        && (first.host == second.host || is_wildcard(&first.host) || is_wildcard(&second.host))
}

pub fn check(
    scope: &Scope<'_>,
    registry: &Registry,
    config_dir: &Path,
    findings: &mut Vec<Finding>,
) {
    let mut listeners: Vec<Listener<'_>> = Vec::new();
    for (document, partial) in scope.namespaces.iter().enumerate() {
        let namespace = &partial.namespace;
        for (name, binding) in &namespace.bindings {
            let Some(factory) = registry.bindings.get(binding.type_.as_str()) else {
                continue;
            };
            if !factory.kinds().contains(&binding.kind) {
                continue;
            }
            let context = CheckContext {
                name,
                config: binding,
                namespace,
                config_dir,
            };
            for (host, port) in factory.listens(&context) {
                let listener = Listener {
                    document,
                    binding: name,
                    host,
                    port,
                };
                if let Some(earlier) = listeners.iter().find(|earlier| clash(earlier, &listener)) {
                    let owner = scope
                        .namespaces
                        .get(earlier.document)
                        .map(|partial| partial.namespace.name.as_str())
                        .unwrap_or_default();
                    findings.push(Finding {
                        document,
                        problem: Problem::new(
                            format!("{}/options/port", child("/bindings", name)),
                            format!(
                                "{}:{} is already listened on by binding {owner}:{} ({}:{})",
                                listener.host,
                                listener.port,
                                earlier.binding,
                                earlier.host,
                                earlier.port
                            ),
                        ),
                    });
                }
                listeners.push(listener);
            }
        }
    }
}

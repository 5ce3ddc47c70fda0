//! A generation: every binding of one loaded configuration, built and started together, and
//! stopped together. A reload builds a new generation next to the running one; streams stay
//! with the generation that opened them.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::binding::{Binding, BuildContext, Exit, Limits};
use crate::config::model::BindingConfig;
use crate::config::LoadedConfig;
use crate::frame::BindingId;
use crate::registry::Registry;
use crate::runtime::listeners::Listeners;
use crate::telemetry::events::Events;

use super::components::Components;
use super::error::RuntimeError;
use super::names::{exits_of, qualify};
use super::order::exits_first;

/// What the engine owns and lends to every generation: it outlives reloads.
#[derive(Clone, Debug, Default)]
pub struct Shared {
    pub listeners: Listeners,
    pub events: Events,
    pub limits: Limits,
}

/// The running bindings of one configuration.
pub struct Generation {
    components: Components,
    /// In build order: every binding after its exits.
    bindings: Vec<(BindingId, Arc<dyn Binding>)>,
    /// The engine's listeners as this generation asked for them.
    listeners: Listeners,
}

struct Declared<'a> {
    namespace: &'a str,
    config: &'a BindingConfig,
}

impl Generation {
    /// Builds every binding of `loaded`, exits first. `components` were built from the same
    /// config (the caller installs their exporters before, so build events reach them).
    pub fn build(
        loaded: &LoadedConfig,
        registry: &Registry,
        shared: &Shared,
        components: Components,
    ) -> Result<Self, RuntimeError> {
        let shared = &Shared {
            listeners: shared.listeners.for_generation(),
            ..shared.clone()
        };
        let declared: BTreeMap<String, Declared<'_>> = loaded
            .config
            .namespaces
            .iter()
            .flat_map(|namespace| {
                namespace.bindings.iter().map(|(name, config)| {
                    let declared = Declared {
                        namespace: &namespace.name,
                        config,
                    };
                    (format!("{}:{name}", namespace.name), declared)
                })
            })
            .collect();

        let mut graph = BTreeMap::new();
        for (id, binding) in &declared {
            let mut exits = Vec::new();
            for written in exits_of(binding.config) {
                let exit = qualify(binding.namespace, written);
                if !declared.contains_key(&exit) {
                    return Err(RuntimeError::Unresolved {
                        binding: id.clone(),
                        reference: "exit",
                        name: written.to_owned(),
                    });
                }
                exits.push(exit);
            }
            graph.insert(id.clone(), exits);
        }

        let mut built: BTreeMap<String, Arc<dyn Binding>> = BTreeMap::new();
        let mut bindings = Vec::with_capacity(declared.len());
        for id in exits_first(&graph)? {
            let Some(binding) = declared.get(&id) else {
                continue;
            };
            let instance = build_one(&id, binding, &built, loaded, registry, shared, &components)?;
            built.insert(id.clone(), instance.clone());
            bindings.push((BindingId::from(id), instance));
        }
        Ok(Self {
            components,
            bindings,
            listeners: shared.listeners.clone(),
        })
    }

    /// Starts every binding, exits first so that nothing accepts work before its next hop
    /// runs. When one fails, those already started are stopped again.
    pub async fn start(&self) -> Result<(), RuntimeError> {
        for (index, (id, binding)) in self.bindings.iter().enumerate() {
            if let Err(source) = binding.start().await {
                for (_, started) in self.bindings.iter().take(index).rev() {
                    started.stop().await;
                }
                return Err(RuntimeError::Start {
                    name: id.to_string(),
                    source,
                });
            }
        }
        Ok(())
    }

    /// Stops every binding accepting work, those that take work from outside first.
    pub async fn stop(&self) {
        for (_, binding) in self.bindings.iter().rev() {
            binding.stop().await;
        }
    }

    /// Stops accepting new work for a reload; open connections carry on (see
    /// [`Binding::retire`]).
    pub async fn retire(&self) {
        for (_, binding) in self.bindings.iter().rev() {
            binding.retire().await;
        }
    }

    /// Resolves once every binding's own connections have closed.
    pub async fn idle(&self) {
        for (_, binding) in &self.bindings {
            binding.idle().await;
        }
    }

    /// Tells each binding its successor of the same name in `next`, if any.
    pub fn succeeded_by(&self, next: &Generation) {
        for (id, binding) in &self.bindings {
            if let Some(successor) = next.binding(id) {
                binding.succeeded_by(successor);
            }
        }
    }

    /// Addresses this generation listens on.
    pub fn addresses(&self) -> Vec<std::net::SocketAddr> {
        self.listeners.claimed()
    }

    pub fn components(&self) -> &Components {
        &self.components
    }

    /// The binding with qualified name `id`.
    pub fn binding(&self, id: &str) -> Option<&Arc<dyn Binding>> {
        self.bindings
            .iter()
            .find(|(candidate, _)| &**candidate == id)
            .map(|(_, binding)| binding)
    }

    /// Qualified binding names, in build order.
    pub fn binding_ids(&self) -> impl Iterator<Item = &BindingId> {
        self.bindings.iter().map(|(id, _)| id)
    }
}

fn build_one(
    id: &str,
    binding: &Declared<'_>,
    built: &BTreeMap<String, Arc<dyn Binding>>,
    loaded: &LoadedConfig,
    registry: &Registry,
    shared: &Shared,
    components: &Components,
) -> Result<Arc<dyn Binding>, RuntimeError> {
    let config = binding.config;
    let factory =
        registry
            .bindings
            .get(&*config.type_)
            .ok_or_else(|| RuntimeError::UnknownType {
                what: "binding",
                name: id.to_owned(),
                type_name: config.type_.clone(),
            })?;
    let unresolved = |reference, name: &str| RuntimeError::Unresolved {
        binding: id.to_owned(),
        reference,
        name: name.to_owned(),
    };

    let mut exits = BTreeMap::new();
    for written in exits_of(config) {
        let exit = qualify(binding.namespace, written);
        let target = built
            .get(&exit)
            .ok_or_else(|| unresolved("exit", written))?;
        exits.insert(
            written.to_owned(),
            Exit {
                id: BindingId::from(exit),
                binding: target.clone(),
            },
        );
    }
    let vault = match &config.vault {
        None => None,
        Some(written) => {
            let vault = components
                .vaults
                .get(&qualify(binding.namespace, written))
                .ok_or_else(|| unresolved("vault", written))?;
            Some(vault.clone())
        }
    };

    let context = BuildContext {
        id: BindingId::from(id),
        config,
        config_dir: &loaded.dir,
        exits,
        guards: components.guards_seen_from(binding.namespace),
        vault,
        listeners: shared.listeners.clone(),
        events: shared.events.clone(),
        limits: shared.limits.clone(),
    };
    factory
        .build(context)
        .map_err(|source| RuntimeError::Build {
            what: "binding",
            name: id.to_owned(),
            source,
        })
}

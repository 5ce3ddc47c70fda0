//! The parts of a generation that bindings refer to by name: stores, vaults, guards and
//! telemetry exporters, each keyed by its qualified name.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::binding::BuildError;
use crate::config::model::Config;
use crate::guard::Guard;
use crate::registry::{ComponentContext, Registry, Store};
use crate::telemetry::events::{EventSink, Events};
use crate::vault::Vault;

use super::error::RuntimeError;

/// Built components, by qualified name (`namespace:name`).
#[derive(Default, Clone)]
pub struct Components {
    pub stores: BTreeMap<String, Arc<dyn Store>>,
    pub vaults: BTreeMap<String, Arc<dyn Vault>>,
    pub guards: BTreeMap<String, Arc<dyn Guard>>,
    pub exporters: BTreeMap<String, Arc<dyn EventSink>>,
}

impl Components {
    /// Builds every component the config declares, in dependency order: stores and vaults
    /// first (guards and exporters may use them), then guards, then exporters.
    pub fn build(
        config: &Config,
        registry: &Registry,
        config_dir: &Path,
        events: &Events,
    ) -> Result<Self, RuntimeError> {
        let mut components = Components::default();
        let context = |id: &str, options| component_context(id, options, config_dir, events);
        for namespace in &config.namespaces {
            let qualified = |name: &str| format!("{}:{name}", namespace.name);
            for (name, store) in &namespace.stores {
                let id = qualified(name);
                let factory = find(
                    "store",
                    &id,
                    &store.type_,
                    registry.stores.get(&*store.type_),
                )?;
                let built = factory
                    .build(context(&id, store.options.as_ref()))
                    .map_err(failed("store", &id))?;
                components.stores.insert(id, built);
            }
            for (name, vault) in &namespace.vaults {
                let id = qualified(name);
                let factory = find(
                    "vault",
                    &id,
                    &vault.type_,
                    registry.vaults.get(&*vault.type_),
                )?;
                let built = factory
                    .build(context(&id, vault.options.as_ref()))
                    .map_err(failed("vault", &id))?;
                components.vaults.insert(id, built);
            }
        }
        for namespace in &config.namespaces {
            for (name, guard) in &namespace.guards {
                let id = format!("{}:{name}", namespace.name);
                let factory = find(
                    "guard",
                    &id,
                    &guard.type_,
                    registry.guards.get(&*guard.type_),
                )?;
                let built = factory
                    .build(context(&id, guard.options.as_ref()))
                    .map_err(failed("guard", &id))?;
                components.guards.insert(id, built);
            }
            let exporters = namespace
                .telemetry
                .iter()
                .flat_map(|telemetry| telemetry.exporters.iter());
            for (name, exporter) in exporters {
                let id = format!("{}:{name}", namespace.name);
                let factory = find(
                    "exporter",
                    &id,
                    &exporter.type_,
                    registry.exporters.get(&*exporter.type_),
                )?;
                let built = factory
                    .build(context(&id, exporter.options.as_ref()))
                    .map_err(failed("exporter", &id))?;
                components.exporters.insert(id, built);
            }
        }
        Ok(components)
    }

    /// The exporters, for [`Events::set_sinks`].
    pub fn sinks(&self) -> Vec<Arc<dyn EventSink>> {
        self.exporters.values().cloned().collect()
    }

    /// The guards a binding in `namespace` can name: its own namespace's by their short name,
    /// and every guard by its qualified name.
    pub fn guards_seen_from(&self, namespace: &str) -> BTreeMap<String, Arc<dyn Guard>> {
        let prefix = format!("{namespace}:");
        let mut seen = BTreeMap::new();
        for (id, guard) in &self.guards {
            if let Some(local) = id.strip_prefix(&prefix) {
                seen.insert(local.to_owned(), guard.clone());
            }
            seen.insert(id.clone(), guard.clone());
        }
        seen
    }
}

fn component_context<'a>(
    id: &str,
    options: Option<&'a Value>,
    config_dir: &'a Path,
    events: &Events,
) -> ComponentContext<'a> {
    ComponentContext {
        id: Arc::from(id),
        options,
        config_dir,
        events: events.clone(),
    }
}

fn find<'a, F: ?Sized>(
    what: &'static str,
    id: &str,
    type_name: &str,
    factory: Option<&'a Arc<F>>,
) -> Result<&'a Arc<F>, RuntimeError> {
    factory.ok_or_else(|| RuntimeError::UnknownType {
        what,
        name: id.to_owned(),
        type_name: type_name.to_owned(),
    })
}

fn failed<'a>(what: &'static str, id: &'a str) -> impl FnOnce(BuildError) -> RuntimeError + 'a {
    move |source| RuntimeError::Build {
        what,
        name: id.to_owned(),
        source,
    }
}

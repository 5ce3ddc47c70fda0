//! Zilla's own example configs (when the reference folder is present beside the project) go
//! through the whole pipeline with permissive stand-in factories: every name resolves, no cycle,
//! no port clash, every position recorded.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value};

use super::*;
use crate::binding::{Binding, BindingFactory, BindingSchema, BuildContext, BuildError};
use crate::config::model::Kind;
use crate::guard::Guard;
use crate::registry::{ComponentContext, ComponentFactory, GuardFactory, Store, StoreFactory};
use crate::telemetry::events::EventSink;
use crate::vault::Vault;

struct AnyBinding(&'static str);

impl BindingFactory for AnyBinding {
    fn type_name(&self) -> &'static str {
        self.0
    }

    fn kinds(&self) -> &'static [Kind] {
        &[
            Kind::Server,
            Kind::Client,
            Kind::Proxy,
            Kind::CacheClient,
            Kind::CacheServer,
        ]
    }

    fn schema(&self, _: Kind) -> BindingSchema {
        BindingSchema {
            options: Some(json!({"type": "object"})),
            condition: Some(json!({"type": "object"})),
            with: Some(json!({"type": "object"})),
            routes: true,
            exit: true,
        }
    }

    fn build(&self, _: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
        Err(BuildError::Config("stand-in".to_owned()))
    }
}

struct AnyComponent(&'static str);

impl ComponentFactory for AnyComponent {
    fn type_name(&self) -> &'static str {
        self.0
    }

    fn options_schema(&self) -> Option<Value> {
        Some(json!({"type": "object"}))
    }
}

impl GuardFactory for AnyComponent {
    fn build(&self, _: ComponentContext<'_>) -> Result<Arc<dyn Guard>, BuildError> {
        Err(BuildError::Config("stand-in".to_owned()))
    }
}

impl crate::registry::VaultFactory for AnyComponent {
    fn build(&self, _: ComponentContext<'_>) -> Result<Arc<dyn Vault>, BuildError> {
        Err(BuildError::Config("stand-in".to_owned()))
    }
}

impl StoreFactory for AnyComponent {
    fn build(&self, _: ComponentContext<'_>) -> Result<Arc<dyn Store>, BuildError> {
        Err(BuildError::Config("stand-in".to_owned()))
    }
}

impl crate::registry::ExporterFactory for AnyComponent {
    fn build(&self, _: ComponentContext<'_>) -> Result<Arc<dyn EventSink>, BuildError> {
        Err(BuildError::Config("stand-in".to_owned()))
    }
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    for name in [
        "tcp",
        "tls",
        "echo",
        "fan",
        "mqtt",
        "mqtt-kafka",
        "kafka",
        "http",
        "ws",
    ] {
        registry = registry.binding(AnyBinding(name));
    }
    registry
        .guard(AnyComponent("jwt"))
        .vault(AnyComponent("filesystem"))
        .store(AnyComponent("memory"))
        .exporter(AnyComponent("stdout"))
        .exporter(AnyComponent("prometheus"))
}

fn examples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/upstream-examples");
    let mut found = Vec::new();
    let mut pending = vec![root];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if path.is_dir() {
                pending.push(path);
            } else if name.starts_with("zilla") && name.ends_with(".yaml") {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn upstream_examples_load() {
    let registry = registry();
    let env = |name: &str| match name {
        "MOSQUITTO_BROKER_PORT" => Some("1883".to_owned()),
        _ => Some("value".to_owned()),
    };
    let options = LoadOptions {
        registry: &registry,
        env: &env,
        check_files: false,
    };
    let examples = examples();
    let present = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/upstream-examples")
        .is_dir();
    assert!(!present || examples.len() >= 5, "{examples:?}");
    for path in examples {
        if let Err(errors) = load_file(&path, &options) {
            panic!("{}:\n{errors}", path.display());
        }
    }
}

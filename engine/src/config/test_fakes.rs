//! Small factories for testing the pipeline without the real binding crates.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::binding::{
    Binding, BindingFactory, BindingSchema, BuildContext, BuildError, CheckContext,
};
use crate::config::error::Problem;
use crate::config::model::Kind;
use crate::guard::Guard;
use crate::registry::{ComponentCheck, ComponentContext, ComponentFactory, GuardFactory, Registry};

pub fn registry() -> Registry {
    Registry::new()
        .binding(FakeTcp)
        .binding(FakeEcho)
        .guard(FakeGuard)
}

pub struct FakeTcp;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TcpOptions {
    host: Option<String>,
    port: Option<u16>,
}

impl BindingFactory for FakeTcp {
    fn type_name(&self) -> &'static str {
        "tcp"
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Server, Kind::Client]
    }

    fn schema(&self, kind: Kind) -> BindingSchema {
        BindingSchema {
            options: Some(json!({
                "type": "object",
                "properties": {
                    "host": {"type": "string"},
                    "port": {"type": "integer", "minimum": 0, "maximum": 65535},
                },
                "additionalProperties": false,
            })),
            condition: (kind == Kind::Server).then(|| {
                json!({
                    "type": "object",
                    "properties": {"cidr": {"type": "string"}},
                    "additionalProperties": false,
                })
            }),
            with: None,
            routes: true,
            exit: kind == Kind::Server,
        }
    }

    fn check(&self, context: &CheckContext<'_>) -> Vec<Problem> {
        match context.options::<TcpOptions>() {
            Ok(options) if options.port == Some(1) => {
                vec![Problem::new("/options/port", "port 1 is reserved")]
            }
            Ok(_) => Vec::new(),
            Err(problem) => vec![problem],
        }
    }

    fn listens(&self, context: &CheckContext<'_>) -> Vec<(String, u16)> {
        if context.config.kind != Kind::Server {
            return Vec::new();
        }
        match context.options::<TcpOptions>() {
            Ok(TcpOptions {
                host: Some(host),
                port: Some(port),
            }) => vec![(host, port)],
            _ => Vec::new(),
        }
    }

    fn build(&self, _: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
        Err(BuildError::Config("fake".to_owned()))
    }
}

pub struct FakeEcho;

impl BindingFactory for FakeEcho {
    fn type_name(&self) -> &'static str {
        "echo"
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Server]
    }

    fn schema(&self, _: Kind) -> BindingSchema {
        BindingSchema::default()
    }

    fn build(&self, _: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
        Err(BuildError::Config("fake".to_owned()))
    }
}

/// A guard whose `options.keys` names a local file, read only when files may be checked.
pub struct FakeGuard;

impl ComponentFactory for FakeGuard {
    fn type_name(&self) -> &'static str {
        "fake"
    }

    fn options_schema(&self) -> Option<Value> {
        Some(json!({
            "type": "object",
            "properties": {"issuer": {"type": "string"}, "keys": {"type": "string"}},
            "additionalProperties": false,
        }))
    }

    fn check_component(&self, check: &ComponentCheck<'_>) -> Vec<Problem> {
        let keys = check
            .options
            .and_then(|options| options.get("keys"))
            .and_then(Value::as_str);
        match keys {
            Some(keys) if check.check_files && !check.config_dir.join(keys).exists() => {
                vec![Problem::new("/options/keys", format!("cannot read {keys}"))]
            }
            _ => Vec::new(),
        }
    }

    fn check(&self, _: Option<&Value>, _: &Path) -> Vec<Problem> {
        Vec::new()
    }
}

impl GuardFactory for FakeGuard {
    fn build(&self, _: ComponentContext<'_>) -> Result<Arc<dyn Guard>, BuildError> {
        Err(BuildError::Config("fake".to_owned()))
    }
}

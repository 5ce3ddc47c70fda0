//! Bindings: the running nodes of a pipeline, and the factories that build them from config.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::error::Problem;
use crate::config::model::{BindingConfig, Kind, NamespaceConfig};
use crate::frame::{Begin, BindingId};
use crate::guard::Guard;
use crate::runtime::listeners::Listeners;
use crate::stream::StreamEnd;
use crate::telemetry::events::Events;
use crate::vault::Vault;

/// A running binding.
#[async_trait]
pub trait Binding: Send + Sync {
    /// Qualified name (`namespace:name`).
    fn id(&self) -> &BindingId;

    /// A stream opened toward this binding. The binding accepts it by sending its reply `Begin`
    /// on `stream.tx`, or refuses it by resetting `stream.rx`. It must not block the caller:
    /// long-lived work goes into a spawned task.
    fn open(&self, begin: Begin, stream: StreamEnd);

    /// Starts whatever the binding drives on its own (a listener's accept loop). Called after
    /// every binding of the configuration was built.
    async fn start(&self) -> Result<(), BuildError> {
        Ok(())
    }

    /// Stops accepting new work; streams already open carry on until they close or the drain
    /// deadline passes.
    async fn stop(&self) {}

    /// Resolves once every connection or stream the binding drives on its own has closed, so
    /// that a stopping runtime can wait for them (within its drain deadline) after `stop`.
    async fn idle(&self) {}

    /// Stops accepting new work because a reload replaced the configuration. Unlike `stop`,
    /// connections already open carry on untouched: they stay with this binding until they
    /// close (or the engine's deadline for a retired generation passes, then `stop` follows).
    /// By default the same as `stop`.
    async fn retire(&self) {
        self.stop().await;
    }

    /// After a reload, the binding of the same name in the new generation, so that connections
    /// this binding still carries can be re-checked against the new configuration. A binding
    /// reaches its own type's state through the successor's [`Binding::as_any`].
    fn succeeded_by(&self, successor: &Arc<dyn Binding>) {
        let _ = successor;
    }

    /// The binding itself, for a predecessor of the same type to read (see `succeeded_by`).
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

/// The route target a binding resolved at build time.
#[derive(Clone)]
pub struct Exit {
    pub id: BindingId,
    pub binding: Arc<dyn Binding>,
}

impl std::fmt::Debug for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Exit({})", self.id)
    }
}

/// Why a binding, guard or vault could not be built or started.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum BuildError {
    #[error("{0}")]
    Config(String),
    #[error("cannot listen on {address}: {reason}")]
    Listen { address: String, reason: String },
    #[error("{0}")]
    Io(String),
}

/// What a factory's config check can see: the binding's config and the names the namespace
/// declares. It opens nothing.
pub struct CheckContext<'a> {
    pub name: &'a str,
    pub config: &'a BindingConfig,
    /// The namespace the binding is declared in, to check names its options refer to.
    pub namespace: &'a NamespaceConfig,
    /// Directory of the config file, against which relative paths resolve.
    pub config_dir: &'a Path,
}

impl CheckContext<'_> {
    pub fn options<T: DeserializeOwned + Default>(&self) -> Result<T, Problem> {
        parse_options(self.config.options.as_ref())
    }
}

/// What a factory gets to build a running binding.
pub struct BuildContext<'a> {
    pub id: BindingId,
    pub config: &'a BindingConfig,
    pub config_dir: &'a Path,
    /// Route exits (and the binding-level `exit`) by the name written in the config.
    pub exits: BTreeMap<String, Exit>,
    pub guards: BTreeMap<String, Arc<dyn Guard>>,
    pub vault: Option<Arc<dyn Vault>>,
    pub listeners: Listeners,
    pub events: Events,
    pub limits: Limits,
}

impl BuildContext<'_> {
    pub fn options<T: DeserializeOwned + Default>(&self) -> Result<T, BuildError> {
        parse_options(self.config.options.as_ref())
            .map_err(|problem| BuildError::Config(format!("{}: {}", self.id, problem.message)))
    }

    /// The exit named in the config, as the factory resolved it.
    pub fn exit(&self, name: &str) -> Result<Exit, BuildError> {
        self.exits.get(name).cloned().ok_or_else(|| {
            BuildError::Config(format!("{}: exit {name} is not a known binding", self.id))
        })
    }

    /// Resolves a path from the config against the config file's directory.
    pub fn resolve_path(&self, path: &str) -> PathBuf {
        self.config_dir.join(path)
    }
}

/// Engine-wide limits every binding honours.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections accepted at once across all listeners; further ones are closed at accept.
    pub max_connections: usize,
    /// Window a binding grants a stream, in bytes.
    pub stream_window: u32,
    /// How long a stopping binding's streams may take to close.
    pub drain: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 65_536,
            stream_window: 64 * 1024,
            drain: std::time::Duration::from_secs(5),
        }
    }
}

/// The schemas a factory contributes, merged into the whole schema the way Zilla's per-module
/// patch files extend `engine.schema.json`.
#[derive(Debug, Clone, Default)]
pub struct BindingSchema {
    /// Schema of `options`, or `None` when the binding takes none.
    pub options: Option<Value>,
    /// Schema of one route `when` condition, or `None` when routes take no conditions.
    pub condition: Option<Value>,
    /// Schema of a route's `with`, or `None` when routes take none.
    pub with: Option<Value>,
    /// Whether the binding accepts `routes` at all.
    pub routes: bool,
    /// Whether the binding accepts a binding-level `exit`.
    pub exit: bool,
}

/// Builds bindings of one `type`.
pub trait BindingFactory: Send + Sync {
    fn type_name(&self) -> &'static str;

    fn kinds(&self) -> &'static [Kind];

    fn schema(&self, kind: Kind) -> BindingSchema;

    /// Checks that need the typed options (beyond the schema): returns every problem found,
    /// with pointers relative to the binding.
    fn check(&self, context: &CheckContext<'_>) -> Vec<Problem> {
        let _ = context;
        Vec::new()
    }

    /// The `(host, port)` pairs the binding would listen on, so that validation can report two
    /// bindings on one port without opening anything.
    fn listens(&self, context: &CheckContext<'_>) -> Vec<(String, u16)> {
        let _ = context;
        Vec::new()
    }

    fn build(&self, context: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError>;
}

/// Deserializes an `options` value into its typed struct, naming the field that failed.
pub fn parse_options<T: DeserializeOwned + Default>(options: Option<&Value>) -> Result<T, Problem> {
    match options {
        None => Ok(T::default()),
        Some(value) => serde_json::from_value(value.clone())
            .map_err(|error| Problem::new("/options", format!("invalid options: {error}"))),
    }
}

/// Generates a JSON schema value for `T`, inlined (no `$ref`s) so it can be merged anywhere.
pub fn schema_of<T: schemars::JsonSchema>() -> Value {
    let settings = schemars::generate::SchemaSettings::draft2019_09().with(|settings| {
        settings.inline_subschemas = true;
    });
    let schema = settings.into_generator().into_root_schema_for::<T>();
    let mut value = schema.to_value();
    if let Some(object) = value.as_object_mut() {
        object.remove("$schema");
        object.remove("title");
    }
    value
}

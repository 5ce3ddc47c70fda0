//! Factories registered by `type`: the only place that knows which bindings, guards, vaults,
//! stores and exporters exist.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::binding::{BindingFactory, BuildError};
use crate::config::error::Problem;
use crate::guard::Guard;
use crate::telemetry::events::{EventSink, Events};
use crate::vault::Vault;

/// What a guard, vault, store or exporter factory gets: its qualified name, options and where
/// relative paths resolve.
pub struct ComponentContext<'a> {
    pub id: Arc<str>,
    pub options: Option<&'a Value>,
    pub config_dir: &'a Path,
    pub events: Events,
}

/// A typed options value plus the checks the schema cannot express.
pub trait ComponentFactory: Send + Sync {
    fn type_name(&self) -> &'static str;

    /// Schema of `options`, or `None` when the component takes none.
    fn options_schema(&self) -> Option<Value>;

    /// Problems with pointers relative to the component (e.g. `/options/keys/0/n`). Reads local
    /// files where it must (keystores), never the network.
    fn check(&self, options: Option<&Value>, config_dir: &Path) -> Vec<Problem> {
        let _ = (options, config_dir);
        Vec::new()
    }

    /// The check the config pipeline calls. `check_files` says whether local files (keystores,
    /// JWKS files) may be read; a factory that reads files overrides this to skip those reads
    /// when it is false. By default it runs [`ComponentFactory::check`].
    fn check_component(&self, check: &ComponentCheck<'_>) -> Vec<Problem> {
        self.check(check.options, check.config_dir)
    }
}

/// What a guard, vault, store or exporter's config check can see.
pub struct ComponentCheck<'a> {
    pub options: Option<&'a Value>,
    /// Directory of the config file, against which relative paths resolve.
    pub config_dir: &'a Path,
    /// Whether referenced local files may be read to check them.
    pub check_files: bool,
}

pub trait GuardFactory: ComponentFactory {
    fn build(&self, context: ComponentContext<'_>) -> Result<Arc<dyn Guard>, BuildError>;
}

pub trait VaultFactory: ComponentFactory {
    fn build(&self, context: ComponentContext<'_>) -> Result<Arc<dyn Vault>, BuildError>;
}

/// Stores keep state (sessions, retained messages) for bindings that name them.
pub trait Store: Send + Sync {
    fn name(&self) -> &str;
}

pub trait StoreFactory: ComponentFactory {
    fn build(&self, context: ComponentContext<'_>) -> Result<Arc<dyn Store>, BuildError>;
}

pub trait ExporterFactory: ComponentFactory {
    fn build(&self, context: ComponentContext<'_>) -> Result<Arc<dyn EventSink>, BuildError>;
}

/// Every factory the binary was built with.
#[derive(Default, Clone)]
pub struct Registry {
    pub bindings: BTreeMap<&'static str, Arc<dyn BindingFactory>>,
    pub guards: BTreeMap<&'static str, Arc<dyn GuardFactory>>,
    pub vaults: BTreeMap<&'static str, Arc<dyn VaultFactory>>,
    pub stores: BTreeMap<&'static str, Arc<dyn StoreFactory>>,
    pub exporters: BTreeMap<&'static str, Arc<dyn ExporterFactory>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn binding(mut self, factory: impl BindingFactory + 'static) -> Self {
        self.bindings.insert(factory.type_name(), Arc::new(factory));
        self
    }

    pub fn guard(mut self, factory: impl GuardFactory + 'static) -> Self {
        self.guards.insert(factory.type_name(), Arc::new(factory));
        self
    }

    pub fn vault(mut self, factory: impl VaultFactory + 'static) -> Self {
        self.vaults.insert(factory.type_name(), Arc::new(factory));
        self
    }

    pub fn store(mut self, factory: impl StoreFactory + 'static) -> Self {
        self.stores.insert(factory.type_name(), Arc::new(factory));
        self
    }

    pub fn exporter(mut self, factory: impl ExporterFactory + 'static) -> Self {
        self.exporters
            .insert(factory.type_name(), Arc::new(factory));
        self
    }
}

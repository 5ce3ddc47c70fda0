//! The factory registered for `type: filesystem` vaults.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use zilla_engine::binding::{parse_options, schema_of, BuildError};
use zilla_engine::config::error::Problem;
use zilla_engine::registry::{ComponentCheck, ComponentContext, ComponentFactory, VaultFactory};
use zilla_engine::vault::Vault;

use crate::error::StoreProblem;
use crate::options::{FilesystemOptions, VaultStore};
use crate::store;
use crate::vault::FilesystemVault;

#[derive(Debug, Default, Clone, Copy)]
pub struct FilesystemVaultFactory;

impl ComponentFactory for FilesystemVaultFactory {
    fn type_name(&self) -> &'static str {
        "filesystem"
    }

    fn options_schema(&self) -> Option<Value> {
        Some(schema_of::<FilesystemOptions>())
    }

    fn check(&self, options: Option<&Value>, config_dir: &Path) -> Vec<Problem> {
        self.check_component(&ComponentCheck {
            options,
            config_dir,
            check_files: true,
        })
    }

    /// With file checks allowed, every store is decoded as the vault would at start (password,
    /// format, listed entries); without, only the options are checked.
    fn check_component(&self, check: &ComponentCheck<'_>) -> Vec<Problem> {
        let options: FilesystemOptions = match parse_options(check.options) {
            Ok(options) => options,
            Err(problem) => return vec![problem],
        };
        if !check.check_files {
            return Vec::new();
        }
        options
            .stores()
            .filter_map(|(name, store)| store_problem(name, store, check.config_dir))
            .collect()
    }
}

fn store_problem(name: &str, store: &VaultStore, config_dir: &Path) -> Option<Problem> {
    let path = config_dir.join(&store.store);
    let problem = store::load(store, &path).err()?;
    let pointer = match &problem {
        StoreProblem::WrongPassword => format!("/options/{name}/password"),
        StoreProblem::MissingEntry { alias, .. } => store
            .entries
            .iter()
            .flatten()
            .position(|entry| entry == alias)
            .map(|index| format!("/options/{name}/entries/{index}"))
            .unwrap_or_else(|| format!("/options/{name}/entries")),
        _ => format!("/options/{name}/store"),
    };
    let message = format!("the {name} store {}: {problem}", path.display());
    let problem = Problem::new(pointer, message);
    Some(if path.exists() {
        problem
    } else {
        problem.with_hint("a relative store path resolves against the config file's directory")
    })
}

impl VaultFactory for FilesystemVaultFactory {
    fn build(&self, context: ComponentContext<'_>) -> Result<Arc<dyn Vault>, BuildError> {
        let options: FilesystemOptions = parse_options(context.options).map_err(|problem| {
            BuildError::Config(format!("{}: {}", context.id, problem.message))
        })?;
        let vault = FilesystemVault::load(&context.id, &options, context.config_dir)
            .map_err(|error| BuildError::Config(error.to_string()))?;
        Ok(Arc::new(vault))
    }
}

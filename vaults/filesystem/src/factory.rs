//! The factory registered for `type: filesystem` vaults.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use zilla_engine::binding::{parse_options, schema_of, BuildError};
use zilla_engine::config::error::Problem;
use zilla_engine::registry::{ComponentContext, ComponentFactory, VaultFactory};
use zilla_engine::vault::Vault;

use crate::options::FilesystemOptions;

#[derive(Debug, Default, Clone, Copy)]
pub struct FilesystemVaultFactory;

impl ComponentFactory for FilesystemVaultFactory {
    fn type_name(&self) -> &'static str {
        "filesystem"
    }

    fn options_schema(&self) -> Option<Value> {
        Some(schema_of::<FilesystemOptions>())
    }

    /// Each store file must be there; its contents are decoded when the vault is built.
    fn check(&self, options: Option<&Value>, config_dir: &Path) -> Vec<Problem> {
        let options: FilesystemOptions = match parse_options(options) {
            Ok(options) => options,
            Err(problem) => return vec![problem],
        };
        options
            .stores()
            .filter_map(|(name, store)| {
                let path = config_dir.join(&store.store);
                let pointer = format!("/options/{name}/store");
                match std::fs::metadata(&path) {
                    Ok(metadata) if metadata.is_file() => None,
                    Ok(_) => Some(Problem::new(
                        pointer,
                        format!("the {name} store {} is not a file", path.display()),
                    )),
                    Err(error) => Some(
                        Problem::new(
                            pointer,
                            format!("cannot open the {name} store {}: {error}", path.display()),
                        )
                        .with_hint(
                            "a relative store path resolves against the config file's directory",
                        ),
                    ),
                }
            })
            .collect()
    }
}

impl VaultFactory for FilesystemVaultFactory {
    fn build(&self, context: ComponentContext<'_>) -> Result<Arc<dyn Vault>, BuildError> {
        let _options: FilesystemOptions = parse_options(context.options).map_err(|problem| {
            BuildError::Config(format!("{}: {}", context.id, problem.message))
        })?;
        Err(BuildError::Config(format!(
            "{}: the filesystem vault is not available in this build yet",
            context.id
        )))
    }
}

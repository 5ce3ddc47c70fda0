//! Helpers for the unit tests of binding crates: compile a config schema, and run a binding's
//! own checks on one config.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::binding::{BindingFactory, CheckContext};
use crate::config::model::{BindingConfig, NamespaceConfig};

/// `schema` compiled as a draft 2019-09 validator; panics, showing the schema, when it does
/// not compile.
pub fn schema_validator(schema: &Value) -> jsonschema::Validator {
    match jsonschema::draft201909::new(schema) {
        Ok(validator) => validator,
        Err(error) => panic!("schema does not compile: {error}\n{schema:#}"),
    }
}

/// The pointers of the problems `factory`'s checks find in `config`, declared as `name` in an
/// empty namespace.
pub fn check_pointers<F: BindingFactory + ?Sized>(
    factory: &F,
    name: &str,
    config: &BindingConfig,
) -> Vec<String> {
    let namespace = NamespaceConfig::default();
    let context = CheckContext {
        name,
        config,
        namespace: &namespace,
        config_dir: Path::new("."),
    };
    factory
        .check(&context)
        .into_iter()
        .map(|problem| problem.pointer)
        .collect()
}

/// The files of a fuzz corpus or regression directory, sorted; none when it does not exist.
/// Placeholders that keep an empty directory in git are not inputs.
pub fn fuzz_inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && !path.ends_with(".gitkeep"))
        .collect();
    files.sort();
    files
}

//! The config pipeline: text → expressions → YAML → schema → typed model → semantic checks.
//! One path for `start`, `validate` and reload.

pub mod error;
pub mod expression;
pub mod model;
mod pipeline;
mod report;
pub mod schema;
mod schema_errors;
mod semantic;
#[cfg(test)]
mod test_fakes;
#[cfg(test)]
mod tests;
mod typed;
#[cfg(test)]
mod upstream_tests;
pub mod yaml;

use std::path::{Path, PathBuf};

use crate::registry::Registry;
use error::{ConfigError, ConfigErrors};
use model::Config;

/// A config that passed every check.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    /// The file it came from.
    pub path: PathBuf,
    /// Directory against which relative paths in the config resolve.
    pub dir: PathBuf,
    /// The text as written, before `${{env.X}}` substitution (what `-v` prints: no secrets).
    pub written: String,
    /// Warnings such as unset environment variables; the caller prints them.
    pub warnings: Vec<String>,
}

/// How to load.
pub struct LoadOptions<'a> {
    pub registry: &'a Registry,
    /// Looks up `${{env.NAME}}`.
    pub env: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// Read referenced local files (keystores, JWKS files) to check them.
    pub check_files: bool,
}

/// Reads, substitutes, parses, validates and types the config at `path`.
pub fn load_file(path: &Path, options: &LoadOptions<'_>) -> Result<LoadedConfig, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        ConfigErrors(vec![ConfigError {
            file: Some(path.to_path_buf()),
            pointer: String::new(),
            location: None,
            message: format!("cannot read config: {error}"),
            hint: None,
        }])
    })?;
    load_text(&text, path, options)
}

/// Like [`load_file`], for text already read. Never panics; on failure returns every error
/// found, in file order.
pub fn load_text(
    text: &str,
    path: &Path,
    options: &LoadOptions<'_>,
) -> Result<LoadedConfig, ConfigErrors> {
    let substituted = expression::substitute(text, options.env);
    let errors = match pipeline::run(&substituted.text, path, options) {
        Ok(config) => {
            return Ok(LoadedConfig {
                config,
                path: path.to_path_buf(),
                dir: config_dir(path),
                written: text.to_owned(),
                warnings: substituted.warnings,
            })
        }
        Err(errors) => errors,
    };
    // An unset variable often explains the errors it caused, so it is reported beside them.
    let mut errors = errors;
    for (name, offset) in &substituted.unset {
        errors.push(ConfigError {
            file: Some(path.to_path_buf()),
            pointer: String::new(),
            location: Some(position_of(text, *offset)),
            message: expression::unset_warning(name),
            hint: None,
        });
    }
    errors.sort_by(|a, b| (a.location, &a.pointer).cmp(&(b.location, &b.pointer)));
    Err(ConfigErrors(errors))
}

/// The schema of one namespace (one YAML document) for every type in `registry`: what
/// `zilla schema` prints.
pub fn schema(registry: &Registry) -> serde_json::Value {
    schema::schema(registry)
}

/// Where relative paths in the config resolve: the config file's directory.
fn config_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn position_of(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = before
        .get(line_start..)
        .map_or(0, |line| line.chars().count())
        + 1;
    (line, column)
}

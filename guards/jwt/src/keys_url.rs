//! Where a JWK set given as a URL lives: over HTTP(S), or in a local file.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysLocation {
    Http(String),
    /// Resolved against the config file's directory when relative.
    File(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeysUrlError {
    #[error("{0:?} is not a URL (expected http://, https:// or file:)")]
    NotUrl(String),
    #[error("keys URL scheme {0:?} is not supported (expected http, https or file)")]
    Scheme(String),
    #[error("keys URL {0:?} names no file")]
    EmptyPath(String),
}

/// Parses the `keys` URL. `file:` takes `file:///abs`, `file:/abs` and `file:relative`.
pub fn keys_location(url: &str, config_dir: &Path) -> Result<KeysLocation, KeysUrlError> {
    let (scheme, rest) = url
        .split_once(':')
        .ok_or_else(|| KeysUrlError::NotUrl(url.to_string()))?;
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "https" if rest.starts_with("//") && rest.len() > 2 => {
            Ok(KeysLocation::Http(url.to_string()))
        }
        "http" | "https" => Err(KeysUrlError::NotUrl(url.to_string())),
        "file" => {
            // `file://host/path` is not meaningful here; only an empty host is.
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(KeysUrlError::EmptyPath(url.to_string()));
            }
            Ok(KeysLocation::File(config_dir.join(path)))
        }
        other => Err(KeysUrlError::Scheme(other.to_string())),
    }
}

/// Where an issuer publishes its keys when `keys` is not given, as Zilla derives it.
pub fn default_keys_url(issuer: &str) -> String {
    if issuer.ends_with('/') {
        format!("{issuer}.well-known/jwks.json")
    } else {
        format!("{issuer}/.well-known/jwks.json")
    }
}

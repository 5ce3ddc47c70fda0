//! The local files a configuration reads besides itself, so that a reload also follows them:
//! keystores of vaults (`options.{keys,trust,signers}.store`) and JWK sets of guards given as
//! `file:` URLs. Relative paths resolve against the config file's directory.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::LoadedConfig;

/// Vault options whose `store` names a keystore file.
const STORES: [&str; 3] = ["keys", "trust", "signers"];

/// The config file and every local file it references, without duplicates.
pub fn watched_files(loaded: &LoadedConfig) -> Vec<PathBuf> {
    let mut files = vec![loaded.path.clone()];
    for namespace in &loaded.config.namespaces {
        let vaults = namespace
            .vaults
            .values()
            .map(|vault| vault.options.as_ref());
        for options in vaults.flatten() {
            for store in STORES {
                if let Some(path) = options.pointer(&format!("/{store}/store")) {
                    files.extend(path.as_str().map(|path| loaded.dir.join(path)));
                }
            }
        }
        let guards = namespace
            .guards
            .values()
            .map(|guard| guard.options.as_ref());
        for options in guards.flatten() {
            files.extend(
                options
                    .get("keys")
                    .and_then(Value::as_str)
                    .and_then(|url| file_url(url, &loaded.dir)),
            );
        }
    }
    let mut seen = Vec::with_capacity(files.len());
    files.retain(|file| {
        let new = !seen.contains(file);
        seen.push(file.clone());
        new
    });
    files
}

/// The path of a `file:` URL (`file:///abs`, `file:/abs`, `file:relative`).
fn file_url(url: &str, dir: &Path) -> Option<PathBuf> {
    let (scheme, rest) = url.split_once(':')?;
    if !scheme.eq_ignore_ascii_case("file") {
        return None;
    }
    let path = rest.strip_prefix("//").unwrap_or(rest);
    (!path.is_empty()).then(|| dir.join(path))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::model::{Config, NamespaceConfig};

    #[test]
    fn keystores_and_jwks_files_resolve_against_the_config_dir() {
        let namespace: NamespaceConfig = serde_json::from_value(json!({
            "name": "example",
            "vaults": {"server": {"type": "filesystem", "options": {
                "keys": {"store": "tls/keys.p12"}, "trust": {"store": "/abs/trust.p12"}}}},
            "guards": {
                "local": {"type": "jwt", "options": {"keys": "file:jwks.json"}},
                "remote": {"type": "jwt", "options": {"keys": "https://auth/jwks.json"}},
                "inline": {"type": "jwt", "options": {"keys": [{"kty": "RSA"}]}}
            }
        }))
        .expect("namespace");
        let loaded = LoadedConfig {
            config: Config {
                namespaces: vec![namespace],
            },
            path: PathBuf::from("conf/zilla.yaml"),
            dir: PathBuf::from("conf"),
            written: String::new(),
            warnings: Vec::new(),
        };
        assert_eq!(
            watched_files(&loaded),
            vec![
                PathBuf::from("conf/zilla.yaml"),
                PathBuf::from("conf/tls/keys.p12"),
                PathBuf::from("/abs/trust.p12"),
                PathBuf::from("conf/jwks.json"),
            ]
        );
    }
}

//! Typed `options` of a filesystem vault.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilesystemOptions {
    /// Private keys with their certificate chains, presented by TLS servers and clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "VaultStore")]
    pub keys: Option<VaultStore>,
    /// CA certificates that peers' certificates must chain to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "VaultStore")]
    pub trust: Option<VaultStore>,
    /// CA keys that sign certificates on demand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "VaultStore")]
    pub signers: Option<VaultStore>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Revocation")]
    pub revocation: Option<Revocation>,
}

impl FilesystemOptions {
    /// The stores configured, named as in the config.
    pub fn stores(&self) -> impl Iterator<Item = (&'static str, &VaultStore)> {
        [
            ("keys", self.keys.as_ref()),
            ("trust", self.trust.as_ref()),
            ("signers", self.signers.as_ref()),
        ]
        .into_iter()
        .filter_map(|(name, store)| store.map(|store| (name, store)))
    }
}

/// One keystore file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VaultStore {
    /// Path of the file (or, for PEM, a directory), relative to the config file's directory
    /// unless absolute.
    pub store: String,
    #[serde(default, rename = "type")]
    pub type_: StoreType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub password: Option<String>,
    /// Aliases to load; every entry when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub entries: Option<Vec<String>>,
}

/// Keystore formats this vault reads. Zilla takes any Java keystore type name; only PKCS#12
/// is portable outside the JVM, so other Java types are refused at validation instead of at
/// start. `pem` is ours: a PEM file, or a directory of them (aliases are file stems).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StoreType {
    #[default]
    Pkcs12,
    Pem,
}

/// How certificate revocation is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Revocation {
    Crl,
}

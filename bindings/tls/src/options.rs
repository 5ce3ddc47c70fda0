//! Typed `options` of a tls binding, field for field as Zilla names them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Whether the peer must present a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mutual {
    Required,
    Requested,
    None,
}

/// The options of every kind that takes them; kinds differ only in which are required
/// (see the factory's per-kind schema).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// Zilla pairs a key with its own signer chain or signs on the fly, never both.
#[schemars(extend("not" = { "required": ["keys", "signers"] }))]
pub struct TlsOptions {
    /// Protocol version, e.g. `TLSv1.3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub version: Option<String>,
    /// Vault aliases of the keys to present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub keys: Option<Vec<String>>,
    /// Vault aliases of the certificates to trust.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub trust: Option<Vec<String>>,
    /// Also trust the platform's CA certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub trustcacerts: Option<bool>,
    /// Server names: what a server answers to, or what a client asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub sni: Option<Vec<String>>,
    /// Application protocols to negotiate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub alpn: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Mutual")]
    pub mutual: Option<Mutual>,
    /// Vault aliases of CA keys that sign certificates on demand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub signers: Option<Vec<String>>,
    /// Guard name → how the peer certificate is handed to it (at most one guard).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(
        extend("maxProperties" = 1),
        extend("propertyNames" = { "pattern": "^[a-zA-Z]+[a-zA-Z0-9\\._\\-]*$" })
    )]
    pub authorization: BTreeMap<String, TlsAuthorization>,
}

impl TlsOptions {
    /// The options that name vault entries, with the field each came from.
    pub fn vault_references(&self) -> impl Iterator<Item = (&'static str, &[String])> {
        [
            ("keys", self.keys.as_deref()),
            ("trust", self.trust.as_deref()),
            ("signers", self.signers.as_deref()),
        ]
        .into_iter()
        .filter_map(|(field, aliases)| aliases.map(|aliases| (field, aliases)))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsAuthorization {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "TlsCredentials")]
    pub credentials: Option<TlsCredentials>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsCredentials {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "CertificatesFormat")]
    pub certificates: Option<CertificatesFormat>,
}

/// How the peer's certificate chain is passed to a guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificatesFormat {
    Pem,
}

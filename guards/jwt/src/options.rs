//! Typed `options` of a jwt guard: Zilla's fields plus `leeway`, `refresh` and
//! `enforce-expiry`, which go further than Zilla (see the design notes on the jwt guard).

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

use crate::jwk::Jwk;

pub const DEFAULT_ROLES_CLAIM: &str = "scope";
pub const DEFAULT_IDENTITY_CLAIM: &str = "sub";
/// How often keys from a URL are fetched again when nothing else prompts it.
pub const DEFAULT_REFRESH_SECONDS: u64 = 300;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JwtOptions {
    /// Required `iss` claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub issuer: Option<String>,
    /// Required `aud`: one value, or several of which the token must carry one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Audience")]
    pub audience: Option<Audience>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "JwtKeys")]
    pub keys: Option<JwtKeys>,
    /// Claim holding the roles: a space-separated string or an array.
    #[serde(default = "default_roles")]
    pub roles: String,
    /// Claim holding the identity.
    #[serde(default = "default_identity")]
    pub identity: String,
    /// Attribute name → claim it is read from.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = { "pattern": "^[a-zA-Z]+[a-zA-Z0-9._-]*$" }))]
    pub attributes: BTreeMap<String, String>,
    /// Seconds before expiry at which a client is asked to re-authenticate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u64")]
    pub challenge: Option<u64>,
    /// Seconds of clock skew tolerated on `exp` and `nbf`.
    #[serde(default)]
    pub leeway: u64,
    /// Seconds between fetches of keys given as a URL.
    #[serde(default = "default_refresh")]
    #[schemars(range(min = 1))]
    pub refresh: u64,
    /// End a session when its token expires, not just refuse expired tokens at login.
    /// Zilla only checks at login; this is on by default and can be switched off.
    #[serde(default = "default_enforce_expiry", rename = "enforce-expiry")]
    pub enforce_expiry: bool,
}

impl Default for JwtOptions {
    fn default() -> Self {
        Self {
            issuer: None,
            audience: None,
            keys: None,
            roles: default_roles(),
            identity: default_identity(),
            attributes: BTreeMap::new(),
            challenge: None,
            leeway: 0,
            refresh: default_refresh(),
            enforce_expiry: default_enforce_expiry(),
        }
    }
}

fn default_roles() -> String {
    DEFAULT_ROLES_CLAIM.into()
}

fn default_identity() -> String {
    DEFAULT_IDENTITY_CLAIM.into()
}

fn default_refresh() -> u64 {
    DEFAULT_REFRESH_SECONDS
}

fn default_enforce_expiry() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    AnyOf(Vec<String>),
}

impl Audience {
    pub fn values(&self) -> &[String] {
        match self {
            Audience::One(value) => std::slice::from_ref(value),
            Audience::AnyOf(values) => values,
        }
    }
}

/// Inline keys, or where to fetch a JWK set from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum JwtKeys {
    Url(String),
    Inline(Vec<Jwk>),
}

impl JsonSchema for JwtKeys {
    fn schema_name() -> Cow<'static, str> {
        "JwtKeys".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let key = generator.subschema_for::<Jwk>();
        json_schema!({
            "oneOf": [
                { "type": "string", "pattern": "^(?:https?|file):" },
                { "type": "array", "items": key }
            ]
        })
    }
}

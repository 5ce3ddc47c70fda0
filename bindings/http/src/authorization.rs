//! Where an http server finds the credentials it hands to a guard.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpAuthorization {
    pub credentials: HttpCredentials,
}

/// Name → pattern; `{credentials}` marks the part passed to the guard (a header may instead
/// carry `{username}` and `{password}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("anyOf" = [
    { "required": ["cookies"] }, { "required": ["headers"] }, { "required": ["query"] }
]))]
pub struct HttpCredentials {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        with = "BTreeMap<String, String>",
        extend("additionalProperties" = { "type": "string", "pattern": "\\{credentials\\}" })
    )]
    pub cookies: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        with = "BTreeMap<String, String>",
        extend("additionalProperties" = {
            "type": "string",
            "pattern": "\\{credentials\\}|\\{username\\}.*\\{password\\}"
        })
    )]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        with = "BTreeMap<String, String>",
        extend("additionalProperties" = { "type": "string", "pattern": "\\{credentials\\}" })
    )]
    pub query: Option<BTreeMap<String, String>>,
}

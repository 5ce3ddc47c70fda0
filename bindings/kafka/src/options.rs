//! Typed `options` of a kafka binding, one struct per kind as Zilla's schema has them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::models::{Model, Transforms};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KafkaCacheClientOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<CacheClientTopic>")]
    pub topics: Option<Vec<CacheClientTopic>>,
}

/// How a cache client validates one topic's messages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CacheClientTopic {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Model")]
    pub key: Option<Model>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Model")]
    pub value: Option<Model>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KafkaCacheServerOptions {
    /// Topics fetched from startup, before any client asks for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub bootstrap: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<CacheServerTopic>")]
    pub topics: Option<Vec<CacheServerTopic>>,
}

/// How a cache server fetches and reshapes one topic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CacheServerTopic {
    pub name: String,
    #[serde(
        default,
        rename = "defaultOffset",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "DefaultOffset")]
    pub default_offset: Option<DefaultOffset>,
    /// Deprecated in Zilla; accepted so older configs keep validating.
    #[serde(default, rename = "deltaType", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "DeltaType")]
    pub delta_type: Option<DeltaType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Transforms")]
    pub transforms: Option<Transforms>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Model")]
    pub key: Option<Model>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Model")]
    pub value: Option<Model>,
}

/// Where a new consumer of a non-compacted topic starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DefaultOffset {
    Live,
    #[default]
    Historical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeltaType {
    None,
    JsonPatch,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KafkaClientOptions {
    /// Bootstrap brokers as `host:port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>", inner(regex(pattern = r"^\S+:[0-9]+$")))]
    pub servers: Option<Vec<String>>,
    /// Guard name → SASL credentials presented to the brokers (at most one).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(
        extend("maxProperties" = 1),
        extend("propertyNames" = { "pattern": "^[a-zA-Z]+[a-zA-Z0-9\\._\\-]*$" })
    )]
    pub authorization: BTreeMap<String, KafkaAuthorization>,
    /// The 0.9 generation's way to give SASL credentials, kept so those configs still load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "KafkaSasl")]
    pub sasl: Option<KafkaSasl>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KafkaAuthorization {
    pub credentials: KafkaCredentials,
}

/// SASL credentials: a username and password, or an OAuth bearer token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend(
    "if" = { "properties": { "mechanism": { "const": "oauthbearer" } } },
    "then" = { "required": ["token"], "not": { "anyOf": [{ "required": ["username"] }, { "required": ["password"] }] } },
    "else" = { "required": ["username", "password"], "not": { "required": ["token"] } }
))]
pub struct KafkaCredentials {
    pub mechanism: CredentialsMechanism,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialsMechanism {
    Plain,
    #[serde(rename = "scram-sha-1")]
    ScramSha1,
    #[serde(rename = "scram-sha-256")]
    ScramSha256,
    #[serde(rename = "scram-sha-512")]
    ScramSha512,
    Oauthbearer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KafkaSasl {
    pub mechanism: SaslMechanism,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub password: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SaslMechanism {
    #[serde(rename = "plain")]
    Plain,
    #[serde(rename = "scram-sha-1")]
    ScramSha1,
    #[serde(rename = "scram-sha-256")]
    ScramSha256,
    #[serde(rename = "scram-sha-512")]
    ScramSha512,
}

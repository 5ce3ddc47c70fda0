//! The mqtt binding's `options`, per kind, as `zilla.yaml` writes them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::codec::ProtocolVersion;

/// An entry of `options.versions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum MqttVersion {
    #[serde(rename = "v3.1.1")]
    V3_1_1,
    #[serde(rename = "v5")]
    V5,
}

impl From<MqttVersion> for ProtocolVersion {
    fn from(version: MqttVersion) -> Self {
        match version {
            MqttVersion::V3_1_1 => ProtocolVersion::V3_1_1,
            MqttVersion::V5 => ProtocolVersion::V5,
        }
    }
}

/// Options of an mqtt `server`. Zilla 2.x names a `store`; 0.9/1.x configs have none, so it
/// is optional here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MqttServerOptions {
    /// Versions accepted; empty means both.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<MqttVersion>,
    /// Name of a store declared under `stores:` (sessions, retained messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("maxProperties" = 1))]
    pub authorization: BTreeMap<String, MqttAuthorization>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<MqttTopicConfig>,
}

impl MqttServerOptions {
    /// Whether a client speaking `version` may connect.
    pub fn accepts(&self, version: ProtocolVersion) -> bool {
        self.versions.is_empty()
            || self
                .versions
                .iter()
                .any(|allowed| ProtocolVersion::from(*allowed) == version)
    }
}

/// Options of an mqtt `client`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MqttClientOptions {
    /// The broker the client speaks to, e.g. `mqtt://broker:1883`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("maxProperties" = 1))]
    pub authorization: BTreeMap<String, MqttAuthorization>,
    /// Seconds to wait for the connection to the broker before refusing the session with
    /// 0x88 (server unavailable); 3 when absent. An extension beyond Zilla's options.
    #[serde(
        default,
        rename = "connect-timeout",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(min = 1))]
    pub connect_timeout: Option<u32>,
    /// Seconds to wait for the broker's CONNACK before refusing the session with 0x88; 3 when
    /// absent. An extension beyond Zilla's options.
    #[serde(
        default,
        rename = "connack-timeout",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(range(min = 1))]
    pub connack_timeout: Option<u32>,
}

/// How the guard named by the map key gets its credentials from CONNECT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MqttAuthorization {
    pub credentials: MqttCredentials,
    /// Beyond Zilla: `identity` confines a client to the client id that equals its token's
    /// identity (an empty client id is assigned that identity), so one valid token cannot take
    /// over another device's session.
    #[serde(default, rename = "client-id", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ClientIdPolicy")]
    pub client_id: Option<ClientIdPolicy>,
}

/// Which client ids an authorized connection may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClientIdPolicy {
    /// Only the identity of the connection's authorization.
    Identity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MqttCredentials {
    pub connect: MqttConnectCredentials,
}

/// Exactly one of the two: a pattern such as `Bearer {credentials}` that the whole field must
/// match; the `{credentials}` part goes to the guard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1, "maxProperties" = 1))]
pub struct MqttConnectCredentials {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A topic the server knows more about: the model of its content and of its user properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MqttTopicConfig {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<MqttModelConfig>,
    #[serde(
        default,
        rename = "user-properties",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub user_properties: BTreeMap<String, MqttModelConfig>,
}

/// A model: its name alone, or an object naming it with model-specific settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum MqttModelConfig {
    Name(String),
    Inline {
        model: String,
        #[serde(flatten)]
        settings: BTreeMap<String, Value>,
    },
}

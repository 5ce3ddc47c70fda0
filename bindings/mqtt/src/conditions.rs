//! Route conditions of the mqtt binding: `session`, `publish` and `subscribe`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One entry of a route's `when`. Within an entry, each list is any-of.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MqttConditionConfig {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub session: Vec<MqttSessionCondition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publish: Vec<MqttTopicCondition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscribe: Vec<MqttTopicCondition>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MqttSessionCondition {
    /// A client id, `*` standing for any run of characters.
    #[serde(default, rename = "client-id", skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MqttTopicCondition {
    /// A topic filter whose levels may hold `{param}` placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Placeholder name → the value it must equal, e.g. `${guarded['jwt'].identity}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

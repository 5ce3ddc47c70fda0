//! Route conditions (`when`) and overrides (`with`) of an mqtt-kafka binding.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An MQTT topic filter as a route condition: levels of word characters, `{param}`, `.` and
/// `-`, or `+`; optionally ending in `#`. Levels after the first may not start with `-` or `_`.
pub const TOPIC_FILTER_PATTERN: &str = concat!(
    r"^(?:#|",
    r"/?(?:\+|[\w{}.-]*)(?:/(?:\+|(?:[A-Za-z0-9{}.][\w{}.-]*)?))*(?:/#)?|",
    r"\$SYS(?:/(?:\+|(?:[A-Za-z0-9{}.][\w{}.-]*)?))*(?:/#)?",
    r")$"
);

/// One `when` entry: a list of publish topics or a list of subscribe filters, not both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("not" = { "required": ["publish", "subscribe"] }))]
pub struct MqttKafkaCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<TopicCondition>")]
    pub publish: Option<Vec<TopicCondition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<TopicCondition>")]
    pub subscribe: Option<Vec<TopicCondition>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", regex(pattern = TOPIC_FILTER_PATTERN))]
    pub topic: Option<String>,
}

/// `with` of a route: the Kafka topic its messages go to instead of `topics.messages`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MqttKafkaWith {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub messages: Option<String>,
}

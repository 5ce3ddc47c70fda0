//! Typed `options` of an mqtt-kafka binding.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MqttKafkaOptions {
    pub topics: MqttKafkaTopics,
    /// Topic patterns whose `{identity}` level names the client that owns them, so sessions
    /// for the same client meet on the same Kafka partition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub clients: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "MqttKafkaPublish")]
    pub publish: Option<MqttKafkaPublish>,
}

/// The three Kafka topics the mapping lives in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MqttKafkaTopics {
    /// Compacted topic keyed by client id, holding session state.
    pub sessions: String,
    /// Where published messages go, unless a route says otherwise.
    pub messages: String,
    /// Compacted topic holding the last retained message per MQTT topic.
    pub retained: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MqttKafkaPublish {
    #[serde(rename = "qosMax")]
    pub qos_max: QosMax,
}

/// The highest QoS the mapping grants a publisher.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QosMax {
    AtMostOnce,
    AtLeastOnce,
    #[default]
    ExactlyOnce,
}

impl MqttKafkaOptions {
    pub fn qos_max(&self) -> QosMax {
        self.publish
            .as_ref()
            .map(|publish| publish.qos_max)
            .unwrap_or_default()
    }
}

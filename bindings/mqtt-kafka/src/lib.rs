//! The mqtt-kafka binding (proxy kind): maps MQTT sessions, publishes and subscriptions onto
//! Kafka topics.
//!
//! This crate models and validates the binding's config surface; the mapping runtime comes
//! later, so building one reports that it is not available yet.

pub mod conditions;
pub mod factory;
pub mod options;
mod shape;

pub use conditions::{MqttKafkaCondition, MqttKafkaWith, TopicCondition};
pub use factory::MqttKafkaBindingFactory;
pub use options::{MqttKafkaOptions, MqttKafkaPublish, MqttKafkaTopics, QosMax};

#[cfg(test)]
mod tests;

//! The mqtt-kafka binding: maps MQTT sessions, publishes and subscriptions onto Kafka topics

//! The kafka binding: client, cache_client and cache_server kinds.
//!
//! This crate models and validates the binding's config surface; the Kafka runtime comes
//! later, so building one reports that it is not available yet.

pub mod conditions;
pub mod factory;
pub mod models;
pub mod options;
mod shape;

pub use conditions::KafkaCondition;
pub use factory::KafkaBindingFactory;
pub use models::{Model, ModelConfig, Transform, Transforms};
pub use options::{
    CacheClientTopic, CacheServerTopic, CredentialsMechanism, DefaultOffset, DeltaType,
    KafkaAuthorization, KafkaCacheClientOptions, KafkaCacheServerOptions, KafkaClientOptions,
    KafkaCredentials, KafkaSasl, SaslMechanism,
};

#[cfg(test)]
mod tests;

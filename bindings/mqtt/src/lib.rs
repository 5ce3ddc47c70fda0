//! The mqtt binding: server and client kinds, MQTT 3.1.1 and 5.
//!
//! The server turns connections into application streams ([`contract`]); the client speaks
//! MQTT upstream from those streams.

mod check;
mod client;
pub mod codec;
pub mod conditions;
pub mod contract;
pub mod credentials;
mod factory;
pub mod options;
mod outbound_aliases;
pub mod properties;
mod server;
pub mod topic;

pub use factory::MqttBindingFactory;
pub use properties::MqttProperties;

//! The mqtt binding: server and client kinds, MQTT 3.1.1 and 5.
//!
//! So far: the packet codec, topic validation and matching, and the binding's typed options,
//! route conditions and config checks.

mod check;
pub mod codec;
pub mod conditions;
pub mod credentials;
mod factory;
pub mod options;
pub mod topic;

pub use factory::MqttBindingFactory;

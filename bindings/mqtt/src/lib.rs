//! The mqtt binding: server and client kinds, MQTT 3.1.1 and 5.
//!
//! So far: the packet codec, topic validation and matching, and the binding's typed options.

pub mod codec;
pub mod topic;

//! The ws binding: server and client kinds.
//!
//! This crate models and validates the binding's config surface; the WebSocket runtime comes
//! later, so building one reports that it is not available yet.

pub mod factory;
pub mod model;
mod shape;

pub use factory::WsBindingFactory;
pub use model::{WsClientOptions, WsCondition, WsDefaults};

#[cfg(test)]
mod tests;

//! The http binding: server and client kinds.
//!
//! This crate models and validates the binding's config surface; the HTTP runtime comes later,
//! so building one reports that it is not available yet.

pub mod access_control;
pub mod authorization;
pub mod conditions;
pub mod factory;
pub mod options;
pub mod requests;
mod shape;

pub use access_control::{AccessControl, AccessControlAllow, AccessControlExpose, Policy};
pub use authorization::{HttpAuthorization, HttpCredentials};
pub use conditions::{HttpCondition, HttpWith, HttpWithHeaders};
pub use factory::HttpBindingFactory;
pub use options::{HttpOptions, HttpVersion};
pub use requests::HttpRequest;

#[cfg(test)]
mod tests;

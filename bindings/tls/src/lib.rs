//! The tls binding: server, client and proxy kinds.
//!
//! This crate models and validates the binding's config surface; the TLS runtime comes later,
//! so building one reports that it is not available yet.

pub mod conditions;
pub mod factory;
pub mod options;
mod shape;

pub use conditions::{CertificateSubject, PortSpec, PortValue, TlsCondition, TlsWith};
pub use factory::TlsBindingFactory;
pub use options::{CertificatesFormat, Mutual, TlsOptions};

#[cfg(test)]
mod tests;

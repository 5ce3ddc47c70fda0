//! The jwt guard: verifies JSON Web Tokens against a JWK set.
//!
//! This crate models and validates the guard's config surface; token verification comes
//! later, so building one reports that it is not available yet.

pub mod factory;
pub mod jwk;
pub mod keys_url;
pub mod options;

pub use factory::JwtGuardFactory;
pub use jwk::{Jwk, JwsAlgorithm, KeyFamily};
pub use options::{Audience, JwtKeys, JwtOptions};

#[cfg(test)]
mod tests;

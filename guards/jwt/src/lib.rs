//! The jwt guard: verifies JSON Web Tokens against a JWK set, inline or fetched from a URL,
//! and turns their claims into sessions (identity, roles, attributes, expiry).

mod algorithms;
mod claim_policy;
mod claims;
pub mod events;
pub mod factory;
mod fetch;
mod guard_builder;
pub mod jwk;
mod jwt_guard;
mod key_material;
mod key_set;
mod key_store;
pub mod keys_url;
pub mod options;
mod rejection;
mod token_header;
mod verification_key;
mod verifier;

pub use factory::JwtGuardFactory;
pub use jwk::{Jwk, JwsAlgorithm, KeyFamily};
pub use jwt_guard::JwtGuard;
pub use options::{Audience, JwtKeys, JwtOptions};
#[doc(hidden)]
pub use token_header::fuzz_token_header;

#[cfg(test)]
mod tests;

//! The filesystem vault: keys, trust and signers from keystore files.
//!
//! This crate models and validates the vault's config surface; decoding the stores comes
//! with the TLS runtime, so building one reports that it is not available yet.

pub mod factory;
pub mod options;

pub use factory::FilesystemVaultFactory;
pub use options::{FilesystemOptions, Revocation, StoreType, VaultStore};

#[cfg(test)]
mod tests;

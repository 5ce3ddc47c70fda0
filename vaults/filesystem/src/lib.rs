//! The filesystem vault: keys, trust and signers from keystore files.
//!
//! Each store is a PKCS#12 file (aliases are friendly names; legacy RC2/3DES keystores load
//! too) or, with `type: pem`, a PEM file or directory (aliases are file stems, see [`pem`]).
//! Private keys are handed out as PKCS#8 whatever form they were stored in.

mod der;
pub mod error;
pub mod factory;
pub mod options;
pub mod pem;
mod pkcs12;
mod pkcs8;
pub mod store;
pub mod vault;

pub use error::{StoreProblem, VaultError};
pub use factory::FilesystemVaultFactory;
pub use options::{FilesystemOptions, Revocation, StoreType, VaultStore};
pub use vault::FilesystemVault;

#[cfg(test)]
mod tests;

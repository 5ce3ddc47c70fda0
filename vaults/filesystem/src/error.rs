//! Why a store could not be loaded, named by vault, store and entry so that the message alone
//! tells an operator what to fix.

use std::path::PathBuf;

/// A store that failed to load, or an entry it lacks.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("vault {vault}: {store} store {}: {problem}", path.display())]
pub struct VaultError {
    pub vault: String,
    /// `keys`, `trust` or `signers`.
    pub store: &'static str,
    pub path: PathBuf,
    pub problem: StoreProblem,
}

/// What went wrong with one store.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StoreProblem {
    #[error("cannot read it: {0}")]
    Unreadable(String),
    #[error("the password does not open it (wrong password, or the file is damaged)")]
    WrongPassword,
    #[error("not a valid {format} store: {reason}")]
    Malformed {
        format: &'static str,
        reason: String,
    },
    #[error("it has no entry {alias:?}; entries: {}", list(.available))]
    MissingEntry {
        alias: String,
        available: Vec<String>,
    },
    #[error("entry {alias:?} has a private key but no certificate")]
    KeyWithoutCertificate { alias: String },
}

fn list(aliases: &[String]) -> String {
    if aliases.is_empty() {
        "none".into()
    } else {
        aliases.join(", ")
    }
}

//! One store file (or PEM directory) decoded into entries by alias.

use std::collections::BTreeMap;
use std::path::Path;

use zilla_engine::vault::KeyEntry;

use crate::error::StoreProblem;
use crate::options::{StoreType, VaultStore};
use crate::{pem, pkcs12};

/// The entries of one store.
#[derive(Debug, Default, Clone)]
pub struct LoadedStore {
    /// Private keys with their chains.
    pub keys: BTreeMap<String, KeyEntry>,
    /// Certificates by alias (DER). A key entry's leaf certificate is also listed under the
    /// key's alias, as a Java keystore answers `getCertificate` for a key entry.
    pub certificates: BTreeMap<String, Vec<u8>>,
}

impl LoadedStore {
    /// Every alias, keys and certificates alike.
    pub fn aliases(&self) -> Vec<String> {
        let mut aliases: Vec<String> = self
            .keys
            .keys()
            .chain(self.certificates.keys())
            .cloned()
            .collect();
        aliases.sort();
        aliases.dedup();
        aliases
    }

    fn contains(&self, alias: &str) -> bool {
        self.keys.contains_key(alias) || self.certificates.contains_key(alias)
    }

    /// Keeps only the aliases `entries` lists (all when absent); a listed alias the store
    /// lacks is an error.
    fn select(mut self, entries: Option<&[String]>) -> Result<Self, StoreProblem> {
        let Some(entries) = entries else {
            return Ok(self);
        };
        if let Some(missing) = entries.iter().find(|alias| !self.contains(alias)) {
            return Err(StoreProblem::MissingEntry {
                alias: missing.clone(),
                available: self.aliases(),
            });
        }
        self.keys.retain(|alias, _| entries.contains(alias));
        self.certificates.retain(|alias, _| entries.contains(alias));
        Ok(self)
    }
}

/// Reads and decodes the store at `path` as `store` describes it.
pub fn load(store: &VaultStore, path: &Path) -> Result<LoadedStore, StoreProblem> {
    let password = store.password.as_deref().unwrap_or("");
    let loaded = match store.type_ {
        StoreType::Pkcs12 => {
            let bytes = std::fs::read(path).map_err(unreadable)?;
            pkcs12::decode(&bytes, password)?
        }
        StoreType::Pem => pem::load(path)?,
    };
    loaded.select(store.entries.as_deref())
}

pub(crate) fn unreadable(error: std::io::Error) -> StoreProblem {
    StoreProblem::Unreadable(error.to_string())
}

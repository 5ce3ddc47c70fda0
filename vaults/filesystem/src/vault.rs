//! The running vault: every store decoded once, at build.

use std::collections::BTreeMap;
use std::path::Path;

use zilla_engine::vault::{KeyEntry, Vault};

use crate::error::VaultError;
use crate::options::FilesystemOptions;
use crate::store::{self, LoadedStore};

#[derive(Debug)]
pub struct FilesystemVault {
    name: String,
    keys: LoadedStore,
    trust: LoadedStore,
    signers: LoadedStore,
}

impl FilesystemVault {
    /// Loads every configured store; paths resolve against `config_dir`.
    pub fn load(
        name: &str,
        options: &FilesystemOptions,
        config_dir: &Path,
    ) -> Result<Self, VaultError> {
        let mut stores: BTreeMap<&'static str, LoadedStore> = BTreeMap::new();
        for (store_name, store) in options.stores() {
            let path = config_dir.join(&store.store);
            let loaded = store::load(store, &path).map_err(|problem| VaultError {
                vault: name.to_owned(),
                store: store_name,
                path,
                problem,
            })?;
            stores.insert(store_name, loaded);
        }
        Ok(Self {
            name: name.to_owned(),
            keys: stores.remove("keys").unwrap_or_default(),
            trust: stores.remove("trust").unwrap_or_default(),
            signers: stores.remove("signers").unwrap_or_default(),
        })
    }
}

impl Vault for FilesystemVault {
    fn name(&self) -> &str {
        &self.name
    }

    fn key(&self, alias: &str) -> Option<KeyEntry> {
        self.keys.keys.get(alias).cloned()
    }

    fn certificate(&self, alias: &str) -> Option<Vec<u8>> {
        self.trust.certificates.get(alias).cloned()
    }

    fn signer(&self, alias: &str) -> Option<Vec<u8>> {
        self.signers.certificates.get(alias).cloned()
    }

    fn key_aliases(&self) -> Vec<String> {
        self.keys.keys.keys().cloned().collect()
    }
}

//! PKCS#12 stores, modern (PBES2/AES, SHA-256 MAC) and legacy (RC2/3DES, SHA-1 MAC) alike.
//!
//! Aliases are the bags' friendly names, as Java keystores and `openssl pkcs12 -name` write
//! them. A certificate without a friendly name is listed under its subject.

use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12Archive, Pkcs12ImportPolicy};
use zilla_engine::vault::KeyEntry;

use crate::error::StoreProblem;
use crate::store::LoadedStore;

pub(crate) fn decode(bytes: &[u8], password: &str) -> Result<LoadedStore, StoreProblem> {
    let archive = Pkcs12Archive::from_pkcs12(bytes, password).map_err(problem)?;
    let keystore =
        KeyStore::from_pkcs12(bytes, password, Pkcs12ImportPolicy::Strict).map_err(problem)?;

    let mut loaded = LoadedStore::default();
    for (alias, entry) in keystore.entries() {
        if let KeyStoreEntry::PrivateKeyChain(chain) = entry {
            let entry = KeyEntry {
                private_key: chain.key().as_der().to_vec(),
                chain: chain
                    .certs()
                    .iter()
                    .map(|cert| cert.as_der().to_vec())
                    .collect(),
            };
            if let Some(leaf) = entry.chain.first() {
                loaded.certificates.insert(alias.clone(), leaf.clone());
            }
            loaded.keys.insert(alias.clone(), entry);
        }
    }
    for bag in archive.certs {
        let alias = bag
            .friendly_name
            .unwrap_or_else(|| bag.cert.subject().to_owned());
        loaded
            .certificates
            .entry(alias)
            .or_insert_with(|| bag.cert.as_der().to_vec());
    }
    Ok(loaded)
}

/// A failed MAC or a failed unpadding is what a wrong password looks like; anything else is
/// a file that is not PKCS#12 (or uses an algorithm we do not read).
fn problem(error: p12_keystore::error::Error) -> StoreProblem {
    use p12_keystore::error::Error;
    match error {
        Error::MacError(_) | Error::UnpadError => StoreProblem::WrongPassword,
        other => StoreProblem::Malformed {
            format: "PKCS#12",
            reason: other.to_string(),
        },
    }
}

//! The keys a server presents, chosen per connection by the name the client asked for.
//!
//! A client that sends a server name (SNI) outside the `sni` option is refused. Otherwise it
//! gets the first key whose certificate covers the name, or, when the binding has exactly one
//! key, that key whatever the name (so a client that connects by address still reaches a
//! single-certificate server, as it would Zilla's). A client that sends no name gets the key
//! when there is exactly one, and is refused when there are several, since nothing says which.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use zilla_engine::binding::BuildError;
use zilla_engine::vault::{KeyEntry, Vault};

use crate::names;

#[derive(Debug)]
pub(crate) struct NamedKey {
    pub names: Vec<String>,
    pub key: Arc<CertifiedKey>,
}

/// Loads each alias from the vault as a key rustls can sign with.
pub(crate) fn load_keys(
    id: &str,
    vault: &dyn Vault,
    aliases: &[String],
    provider: &CryptoProvider,
) -> Result<Vec<NamedKey>, BuildError> {
    aliases
        .iter()
        .map(|alias| {
            let entry = vault.key(alias).ok_or_else(|| {
                BuildError::Config(format!(
                    "{id}: vault {} has no key {alias:?}; keys: {}",
                    vault.name(),
                    vault.key_aliases().join(", ")
                ))
            })?;
            let names = entry
                .chain
                .first()
                .map(|leaf| names::certificate_names(leaf))
                .unwrap_or_default();
            let key = certified_key(&entry, provider).map_err(|reason| {
                BuildError::Config(format!(
                    "{id}: key {alias:?} of vault {}: {reason}",
                    vault.name()
                ))
            })?;
            Ok(NamedKey { names, key })
        })
        .collect()
}

pub(crate) fn certified_key(
    entry: &KeyEntry,
    provider: &CryptoProvider,
) -> Result<Arc<CertifiedKey>, String> {
    if entry.chain.is_empty() {
        return Err("no certificate".into());
    }
    let der = PrivateKeyDer::from(PrivatePkcs8KeyDer::from(entry.private_key.clone()));
    let signing = provider
        .key_provider
        .load_private_key(der)
        .map_err(|error| format!("unusable private key: {error}"))?;
    let chain = entry
        .chain
        .iter()
        .map(|der| CertificateDer::from(der.clone()))
        .collect();
    Ok(Arc::new(CertifiedKey::new(chain, signing)))
}

/// Picks a server key per ClientHello (see the module docs).
#[derive(Debug)]
pub(crate) struct ServerKeys {
    pub keys: Vec<NamedKey>,
    /// The `sni` option: names this server answers to, when restricted.
    pub sni: Option<Vec<String>>,
}

impl ServerKeys {
    pub(crate) fn select(&self, server_name: Option<&str>) -> Option<Arc<CertifiedKey>> {
        let only = match self.keys.as_slice() {
            [only] => Some(only.key.clone()),
            _ => None,
        };
        let Some(name) = server_name else {
            return only;
        };
        if let Some(allowed) = &self.sni {
            if !allowed.iter().any(|pattern| names::matches(pattern, name)) {
                return None;
            }
        }
        self.keys
            .iter()
            .find(|key| {
                key.names
                    .iter()
                    .any(|pattern| names::matches(pattern, name))
            })
            .map(|key| key.key.clone())
            .or(only)
    }
}

impl ResolvesServerCert for ServerKeys {
    fn resolve(&self, client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let selected = self.select(client_hello.server_name());
        if selected.is_none() {
            tracing::debug!(server_name = ?client_hello.server_name(), "no key for this server name");
        }
        selected
    }
}

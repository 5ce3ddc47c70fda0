//! Turns a binding's options and vault into rustls configurations.
//!
//! Versions: `TLSv1.2` or `TLSv1.3` pins one; `TLS` or no `version` allows both. Trust is the
//! vault's `trust` entries named in the options; a client with `trustcacerts: true` also
//! trusts the Mozilla root set compiled in (webpki-roots), so it behaves the same on every
//! host and in minimal container images without a CA bundle. A server checks client
//! certificates against its `trust` and `signers` entries; `mutual` defaults to `required`
//! when `trust` is given (as in Zilla), else `none`.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig, SupportedProtocolVersion};
use zilla_engine::binding::BuildError;
use zilla_engine::vault::Vault;

use crate::keys::{load_keys, ServerKeys};
use crate::options::{Mutual, TlsOptions};

pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn config_error(id: &str, what: impl std::fmt::Display) -> BuildError {
    BuildError::Config(format!("{id}: {what}"))
}

fn versions(
    id: &str,
    version: Option<&str>,
) -> Result<&'static [&'static SupportedProtocolVersion], BuildError> {
    static BOTH: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13, &rustls::version::TLS12];
    static ONLY_12: &[&SupportedProtocolVersion] = &[&rustls::version::TLS12];
    static ONLY_13: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13];
    match version {
        None | Some("TLS") => Ok(BOTH),
        Some("TLSv1.2") => Ok(ONLY_12),
        Some("TLSv1.3") => Ok(ONLY_13),
        Some(other) => Err(config_error(
            id,
            format!("version {other:?} is not supported; use TLS, TLSv1.2 or TLSv1.3"),
        )),
    }
}

fn alpn(options: &TlsOptions) -> Vec<Vec<u8>> {
    options
        .alpn
        .iter()
        .flatten()
        .map(|protocol| protocol.as_bytes().to_vec())
        .collect()
}

/// Certificates named by `aliases`, looked up with `lookup`; an unknown alias is an error.
fn certificates(
    id: &str,
    vault: &dyn Vault,
    store: &str,
    aliases: &[String],
    lookup: impl Fn(&str) -> Option<Vec<u8>>,
) -> Result<Vec<CertificateDer<'static>>, BuildError> {
    aliases
        .iter()
        .map(|alias| {
            lookup(alias).map(CertificateDer::from).ok_or_else(|| {
                config_error(
                    id,
                    format!("vault {} has no {store} entry {alias:?}", vault.name()),
                )
            })
        })
        .collect()
}

fn roots(
    id: &str,
    certificates: Vec<CertificateDer<'static>>,
    cacerts: bool,
) -> Result<RootCertStore, BuildError> {
    let mut roots = RootCertStore::empty();
    for certificate in certificates {
        roots
            .add(certificate)
            .map_err(|error| config_error(id, format!("unusable trusted certificate: {error}")))?;
    }
    if cacerts {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    Ok(roots)
}

pub(crate) fn server_config(
    id: &str,
    options: &TlsOptions,
    vault: Option<&dyn Vault>,
) -> Result<ServerConfig, BuildError> {
    let provider = provider();
    let vault = vault.ok_or_else(|| config_error(id, "a tls server needs a vault for its keys"))?;
    let aliases = options.keys.as_deref().unwrap_or_default();
    if aliases.is_empty() {
        return Err(config_error(
            id,
            "a tls server needs keys (certificates signed on demand are not supported)",
        ));
    }
    let keys = ServerKeys {
        keys: load_keys(id, vault, aliases, &provider)?,
        sni: options.sni.clone(),
    };

    let trust = options.trust.as_deref().unwrap_or_default();
    let signers = options.signers.as_deref().unwrap_or_default();
    let mut client_roots = certificates(id, vault, "trust", trust, |a| vault.certificate(a))?;
    client_roots.extend(certificates(id, vault, "signers", signers, |a| {
        vault.signer(a)
    })?);
    let default_mutual = if options.trust.is_some() {
        Mutual::Required
    } else {
        Mutual::None
    };
    let mutual = options.mutual.unwrap_or(default_mutual);

    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions(id, options.version.as_deref())?)
        .map_err(|error| config_error(id, error))?;
    let builder = if mutual == Mutual::None {
        builder.with_no_client_auth()
    } else {
        if client_roots.is_empty() {
            return Err(config_error(
                id,
                "mutual TLS needs trust or signers entries to check client certificates against",
            ));
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots(id, client_roots, false)?),
            provider,
        );
        let verifier = match mutual {
            Mutual::Requested => verifier.allow_unauthenticated(),
            _ => verifier,
        };
        let verifier = verifier.build().map_err(|error| config_error(id, error))?;
        builder.with_client_cert_verifier(verifier)
    };
    let mut config = builder.with_cert_resolver(Arc::new(keys));
    config.alpn_protocols = alpn(options);
    Ok(config)
}

pub(crate) fn client_config(
    id: &str,
    options: &TlsOptions,
    vault: Option<&dyn Vault>,
) -> Result<ClientConfig, BuildError> {
    let provider = provider();
    let trust = options.trust.as_deref().unwrap_or_default();
    let trusted = match vault {
        Some(vault) => certificates(id, vault, "trust", trust, |a| vault.certificate(a))?,
        None => Vec::new(),
    };
    let cacerts = options.trustcacerts.unwrap_or(false) || trust.is_empty();
    let roots = Arc::new(roots(id, trusted, cacerts)?);
    let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|error| config_error(id, error))?;

    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions(id, options.version.as_deref())?)
        .map_err(|error| config_error(id, error))?
        .with_webpki_verifier(verifier);
    // The first key is the client certificate offered to servers that ask for one.
    let client_key = match (vault, options.keys.as_deref()) {
        (Some(vault), Some([alias, ..])) => Some(vault.key(alias).ok_or_else(|| {
            config_error(id, format!("vault {} has no key {alias:?}", vault.name()))
        })?),
        _ => None,
    };
    let mut config = match client_key {
        Some(entry) => {
            let chain = entry.chain.into_iter().map(CertificateDer::from).collect();
            let key = PrivateKeyDer::from(PrivatePkcs8KeyDer::from(entry.private_key));
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|error| config_error(id, error))?
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = alpn(options);
    Ok(config)
}

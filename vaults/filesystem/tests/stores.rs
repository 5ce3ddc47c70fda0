//! Loading real keystores: the committed test keys, and the upstream example's keystore.

use std::path::{Path, PathBuf};

use serde_json::json;
use zilla_engine::registry::{ComponentContext, VaultFactory};
use zilla_engine::telemetry::events::Events;
use zilla_engine::vault::Vault;
use zilla_vault_filesystem::{
    FilesystemOptions, FilesystemVault, FilesystemVaultFactory, StoreProblem,
};

const PASSWORD: &str = "test-password";

fn keys_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bindings/tls/tests/keys")
}

fn load(options: serde_json::Value) -> Result<FilesystemVault, zilla_vault_filesystem::VaultError> {
    let options: FilesystemOptions =
        serde_json::from_value(options).unwrap_or_else(|error| panic!("options: {error}"));
    FilesystemVault::load("test:my_servers", &options, &keys_dir())
}

fn loaded(options: serde_json::Value) -> FilesystemVault {
    load(options).unwrap_or_else(|error| panic!("{error}"))
}

/// The key must be usable by rustls as it is handed out (PKCS#8).
fn assert_usable(vault: &FilesystemVault, alias: &str, chain_length: usize) {
    let Some(entry) = vault.key(alias) else {
        panic!("no key {alias}; have {:?}", vault.key_aliases());
    };
    assert_eq!(entry.chain.len(), chain_length, "{alias}");
    let der = rustls::pki_types::PrivatePkcs8KeyDer::from(entry.private_key);
    let signer = rustls::crypto::ring::sign::any_supported_type(&der.into());
    assert!(signer.is_ok(), "{alias}: {:?}", signer.err());
}

#[test]
fn modern_pkcs12_loads_with_its_chain() {
    let vault = loaded(json!({ "keys": { "store": "localhost.p12", "password": PASSWORD } }));
    assert_usable(&vault, "localhost", 2);
    assert_eq!(vault.key_aliases(), vec!["localhost".to_string()]);
}

#[test]
fn legacy_pkcs12_loads() {
    let vault =
        loaded(json!({ "keys": { "store": "localhost-legacy.p12", "password": PASSWORD } }));
    assert_usable(&vault, "localhost", 2);
}

#[test]
fn a_trust_store_lists_its_certificates_by_name() {
    let vault = loaded(json!({
        "trust": { "store": "trust.p12", "password": PASSWORD },
        "signers": { "store": "ca.crt", "type": "pem" }
    }));
    let ca = std::fs::read(keys_dir().join("ca.crt")).unwrap_or_default();
    assert!(vault.certificate("ca").is_some());
    assert!(!ca.is_empty());
    assert_eq!(vault.certificate("ca"), vault.signer("ca"));
    assert!(vault.certificate("missing").is_none());
}

#[test]
fn pem_keys_load_from_a_directory_by_file_stem() {
    let vault = loaded(json!({ "keys": { "store": "pem", "type": "pem" } }));
    assert_eq!(
        vault.key_aliases(),
        vec!["client".to_string(), "example".into(), "localhost".into()]
    );
    assert_usable(&vault, "localhost", 2);
    assert_usable(&vault, "example", 2);
}

#[test]
fn pkcs1_and_sec1_keys_become_pkcs8() {
    let dir = std::env::temp_dir().join(format!("filesystem-vault-pem-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("{error}"));
    for (from, to) in [
        ("localhost.pkcs1.key", "rsa.key"),
        ("localhost.crt", "rsa.crt"),
        ("client.sec1.key", "ec.key"),
        ("client.crt", "ec.crt"),
    ] {
        std::fs::copy(keys_dir().join(from), dir.join(to))
            .unwrap_or_else(|error| panic!("{error}"));
    }
    let vault = loaded(json!({ "keys": { "store": dir.to_string_lossy(), "type": "pem" } }));
    assert_usable(&vault, "rsa", 1);
    assert_usable(&vault, "ec", 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_wrong_password_names_the_vault_and_store() {
    for store in ["localhost.p12", "localhost-legacy.p12"] {
        let error = load(json!({ "keys": { "store": store, "password": "wrong" } }))
            .err()
            .unwrap_or_else(|| panic!("{store} opened with a wrong password"));
        assert_eq!(error.problem, StoreProblem::WrongPassword, "{store}");
        let message = error.to_string();
        assert!(
            message.contains("test:my_servers") && message.contains("keys store"),
            "{message}"
        );
    }
}

#[test]
fn a_missing_file_names_the_vault_and_path() {
    let error = load(json!({ "trust": { "store": "absent.p12" } }))
        .err()
        .unwrap_or_else(|| panic!("loaded a missing file"));
    assert!(matches!(error.problem, StoreProblem::Unreadable(_)));
    assert!(error.to_string().contains("absent.p12"), "{error}");
}

#[test]
fn a_missing_entry_lists_what_there_is() {
    let error = load(json!({ "keys": {
        "store": "localhost.p12", "password": PASSWORD, "entries": ["elsewhere"]
    } }))
    .err()
    .unwrap_or_else(|| panic!("found an entry that is not there"));
    let message = error.to_string();
    assert!(
        message.contains("\"elsewhere\"") && message.contains("localhost"),
        "{message}"
    );
}

#[test]
fn garbage_is_not_a_keystore() {
    let error = load(json!({ "keys": { "store": "ca.crt", "password": PASSWORD } }))
        .err()
        .unwrap_or_else(|| panic!("a PEM file decoded as PKCS#12"));
    assert!(
        matches!(error.problem, StoreProblem::Malformed { .. }),
        "{error}"
    );
}

#[test]
fn the_factory_builds_a_named_vault() {
    let options = json!({ "keys": { "store": "localhost.p12", "password": PASSWORD } });
    let built = FilesystemVaultFactory.build(ComponentContext {
        id: "test:my_servers".into(),
        options: Some(&options),
        config_dir: &keys_dir(),
        events: Events::new(),
    });
    let vault = built.unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(vault.name(), "test:my_servers");
    assert!(vault.key("localhost").is_some());

    let wrong = json!({ "keys": { "store": "localhost.p12", "password": "x" } });
    let error = FilesystemVaultFactory
        .build(ComponentContext {
            id: "test:my_servers".into(),
            options: Some(&wrong),
            config_dir: &keys_dir(),
            events: Events::new(),
        })
        .err()
        .map(|error| error.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("test:my_servers") && error.contains("password"),
        "{error}"
    );
}

/// The upstream example's keystore: legacy RC2/3DES with a SHA-1 MAC.
#[test]
fn the_upstream_example_keystore_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/upstream-examples/mqtt.proxy.jwt/etc");
    if !dir.exists() {
        println!("skipped: upstream examples not found at {}", dir.display());
        return;
    }
    let options: FilesystemOptions = serde_json::from_value(json!({
        "keys": { "store": "tls/localhost.p12", "type": "pkcs12", "password": "generated" }
    }))
    .unwrap_or_else(|error| panic!("{error}"));
    let vault = FilesystemVault::load("example:my_servers", &options, &dir)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_usable(&vault, "localhost", 2);
}

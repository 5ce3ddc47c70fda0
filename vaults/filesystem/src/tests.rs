use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use zilla_engine::registry::{ComponentCheck, ComponentFactory};

use crate::{FilesystemOptions, FilesystemVaultFactory, StoreType};

fn validator() -> jsonschema::Validator {
    let schema = FilesystemVaultFactory.options_schema().expect("schema");
    match jsonschema::draft201909::new(&schema) {
        Ok(validator) => validator,
        Err(error) => panic!("schema does not compile: {error}\n{schema:#}"),
    }
}

fn upstream_like_options() -> Value {
    json!({ "keys": { "store": "tls/localhost.p12", "type": "pkcs12", "password": "secret" } })
}

/// A directory of its own for one test, under the system's temporary directory.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("filesystem-vault-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn pointers(options: &Value, config_dir: &Path) -> Vec<String> {
    FilesystemVaultFactory
        .check(Some(options), config_dir)
        .into_iter()
        .map(|problem| problem.pointer)
        .collect()
}

#[test]
fn upstream_options_deserialize_and_validate() {
    let options = upstream_like_options();
    assert!(validator().is_valid(&options));
    let typed: FilesystemOptions = serde_json::from_value(options).expect("typed");
    let keys = typed.keys.expect("keys");
    assert_eq!(keys.store, "tls/localhost.p12");
    assert_eq!(keys.type_, StoreType::Pkcs12);
}

#[test]
fn type_defaults_to_pkcs12_and_rejects_others() {
    let options = json!({ "trust": { "store": "ca.p12" } });
    assert!(validator().is_valid(&options));
    let typed: FilesystemOptions = serde_json::from_value(options).expect("typed");
    assert_eq!(
        typed.trust.map(|store| store.type_),
        Some(StoreType::Pkcs12)
    );
    let jks = json!({ "trust": { "store": "ca.jks", "type": "jks" } });
    assert!(!validator().is_valid(&jks));
    assert!(serde_json::from_value::<FilesystemOptions>(jks).is_err());
}

#[test]
fn unknown_fields_are_rejected() {
    let validator = validator();
    for options in [
        json!({ "key": { "store": "a.p12" } }),
        json!({ "keys": { "store": "a.p12", "alias": "x" } }),
        json!({ "keys": { "password": "x" } }),
        json!({ "revocation": "ocsp" }),
    ] {
        assert!(!validator.is_valid(&options), "{options}");
        assert!(serde_json::from_value::<FilesystemOptions>(options).is_err());
    }
    assert!(validator.is_valid(
        &json!({ "signers": { "store": "s.p12", "entries": ["ca"] }, "revocation": "crl" })
    ));
}

/// The committed test keys, shared with the tls binding.
fn test_keys() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bindings/tls/tests/keys")
}

#[test]
fn stores_must_exist_relative_to_the_config() {
    let dir = scratch_dir("stores");
    let options = json!({ "keys": { "store": "tls/localhost.p12", "password": "test-password" } });
    assert_eq!(pointers(&options, &dir), vec!["/options/keys/store"]);
    let problems = FilesystemVaultFactory.check(Some(&options), &dir);
    assert!(
        problems[0].message.contains("keys store"),
        "{}",
        problems[0].message
    );
    std::fs::create_dir_all(dir.join("tls")).expect("tls dir");
    std::fs::copy(
        test_keys().join("localhost.p12"),
        dir.join("tls/localhost.p12"),
    )
    .expect("copy");
    assert!(pointers(&options, &dir).is_empty());
    let directory = json!({ "trust": { "store": "tls" } });
    assert_eq!(pointers(&directory, &dir), vec!["/options/trust/store"]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn files_are_left_alone_when_file_checks_are_off() {
    let options = upstream_like_options();
    let check = ComponentCheck {
        options: Some(&options),
        config_dir: Path::new("/nonexistent"),
        check_files: false,
    };
    assert!(FilesystemVaultFactory.check_component(&check).is_empty());
}

#[test]
fn a_wrong_password_is_reported_at_the_password() {
    let options = json!({ "keys": { "store": "localhost.p12", "password": "nope" } });
    assert_eq!(
        pointers(&options, &test_keys()),
        vec!["/options/keys/password"]
    );
}

#[test]
fn a_listed_entry_the_store_lacks_is_reported_at_the_entry() {
    let options = json!({ "keys": {
        "store": "localhost.p12", "password": "test-password", "entries": ["localhost", "other"]
    } });
    assert_eq!(
        pointers(&options, &test_keys()),
        vec!["/options/keys/entries/1"]
    );
    let problems = FilesystemVaultFactory.check(Some(&options), &test_keys());
    assert!(
        problems[0].message.contains("\"other\"") && problems[0].message.contains("localhost"),
        "{}",
        problems[0].message
    );
}

#[test]
fn bad_options_are_one_problem_at_options() {
    assert_eq!(
        pointers(&json!({ "keys": "a.p12" }), Path::new(".")),
        vec!["/options"]
    );
    assert!(FilesystemVaultFactory
        .check(None, Path::new("."))
        .is_empty());
}

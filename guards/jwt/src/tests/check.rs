use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use zilla_engine::registry::ComponentFactory;

use crate::{Audience, JwtGuardFactory, JwtKeys, JwtOptions};

fn validator() -> jsonschema::Validator {
    let schema = JwtGuardFactory.options_schema().expect("schema");
    match jsonschema::draft201909::new(&schema) {
        Ok(validator) => validator,
        Err(error) => panic!("schema does not compile: {error}\n{schema:#}"),
    }
}

fn rsa_key() -> Value {
    super::support::keys()
        .rsa
        .jwk(Some("example"), Some("RS256"))
}

fn upstream_like_options() -> Value {
    json!({
        "issuer": "https://auth.example.com",
        "audience": "https://api.example.com",
        "keys": [rsa_key()]
    })
}

fn pointers(options: Value, config_dir: &Path) -> Vec<String> {
    JwtGuardFactory
        .check(Some(&options), config_dir)
        .into_iter()
        .map(|problem| problem.pointer)
        .collect()
}

fn with_key(key: Value) -> Value {
    json!({ "keys": [key] })
}

/// A directory of its own for one test, under the system's temporary directory.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jwt-guard-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn upstream_options_deserialize_validate_and_check_clean() {
    let options = upstream_like_options();
    assert!(validator().is_valid(&options));
    let typed: JwtOptions = serde_json::from_value(options.clone()).expect("typed");
    assert_eq!(typed.roles, "scope");
    assert_eq!(typed.identity, "sub");
    assert_eq!(typed.leeway, 0);
    assert!(typed.enforce_expiry);
    assert!(matches!(typed.keys, Some(JwtKeys::Inline(ref keys)) if keys.len() == 1));
    assert!(pointers(options, Path::new(".")).is_empty());
}

#[test]
fn every_option_deserializes() {
    let options = json!({
        "issuer": "https://auth.example.com",
        "audience": ["https://api.example.com", "https://mqtt.example.com"],
        "keys": "https://auth.example.com/.well-known/jwks.json",
        "roles": "permissions",
        "identity": "client_id",
        "attributes": { "tenant": "org" },
        "challenge": 30,
        "leeway": 5,
        "refresh": 60,
        "enforce-expiry": false
    });
    assert!(validator().is_valid(&options));
    let typed: JwtOptions = serde_json::from_value(options.clone()).expect("typed");
    assert_eq!(
        typed
            .audience
            .as_ref()
            .map(Audience::values)
            .map(<[_]>::len),
        Some(2)
    );
    assert!(!typed.enforce_expiry);
    assert!(pointers(options, Path::new(".")).is_empty());
}

#[test]
fn unknown_fields_and_bad_values_are_rejected() {
    let validator = validator();
    for options in [
        json!({ "issuer": "a", "algorithm": "RS256" }),
        json!({ "leeway": -1 }),
        json!({ "challenge": "30s" }),
        json!({ "refresh": 0 }),
        json!({ "enforce-expiry": "yes" }),
        json!({ "audience": 7 }),
        json!({ "keys": "ftp://keys.example.com/jwks" }),
        json!({ "keys": [{ "n": "AQAB" }] }),
        json!({ "attributes": { "1tenant": "org" } }),
    ] {
        assert!(!validator.is_valid(&options), "{options}");
    }
    assert!(
        serde_json::from_value::<JwtOptions>(json!({ "issuer": "a", "algorithm": "RS256" }))
            .is_err()
    );
}

#[test]
fn keys_may_carry_other_jwk_members() {
    let mut key = rsa_key();
    key["x5t"] = json!("abc");
    assert!(validator().is_valid(&with_key(key.clone())));
    assert!(pointers(with_key(key), Path::new(".")).is_empty());
}

#[test]
fn rsa_keys_need_modulus_and_exponent() {
    let key = json!({ "kty": "RSA", "e": "AQAB", "kid": "a" });
    assert_eq!(
        pointers(with_key(key), Path::new(".")),
        vec!["/options/keys/0/n"]
    );
    let key = json!({ "kty": "RSA", "n": "not base64!", "e": "AQAB" });
    assert_eq!(
        pointers(with_key(key), Path::new(".")),
        vec!["/options/keys/0/n"]
    );
}

#[test]
fn ec_and_okp_keys_need_their_curve_points() {
    let ec = json!({ "kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "alg": "ES256" });
    assert_eq!(
        pointers(with_key(ec), Path::new(".")),
        vec!["/options/keys/0/y"]
    );
    let ec = json!({ "kty": "EC", "crv": "P-384", "x": "AQ", "y": "AQ", "alg": "ES256" });
    assert_eq!(
        pointers(with_key(ec), Path::new(".")),
        vec!["/options/keys/0/alg"]
    );
    let okp = json!({ "kty": "OKP", "crv": "X25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" });
    assert_eq!(
        pointers(with_key(okp), Path::new(".")),
        vec!["/options/keys/0/crv"]
    );
    let okp = json!({ "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "alg": "EdDSA" });
    assert!(pointers(with_key(okp), Path::new(".")).is_empty());
}

#[test]
fn algorithms_are_signatures_that_fit_the_key() {
    for (alg, pointer) in [
        ("none", "/options/keys/0/alg"),
        ("HS256", "/options/keys/0/alg"),
        ("ES256", "/options/keys/0/alg"),
        ("RS257", "/options/keys/0/alg"),
    ] {
        let mut key = rsa_key();
        key["alg"] = json!(alg);
        assert_eq!(
            pointers(with_key(key), Path::new(".")),
            vec![pointer],
            "{alg}"
        );
    }
    let mut key = rsa_key();
    key["alg"] = json!("PS512");
    assert!(pointers(with_key(key), Path::new(".")).is_empty());
}

#[test]
fn symmetric_and_encryption_keys_are_refused() {
    let oct = json!({ "kty": "oct", "k": "c2VjcmV0", "alg": "HS256" });
    assert_eq!(
        pointers(with_key(oct), Path::new(".")),
        vec!["/options/keys/0/kty"]
    );
    let mut key = rsa_key();
    key["use"] = json!("enc");
    assert_eq!(
        pointers(with_key(key), Path::new(".")),
        vec!["/options/keys/0/use"]
    );
}

#[test]
fn duplicate_kids_are_reported() {
    let options = json!({ "keys": [rsa_key(), rsa_key()] });
    assert_eq!(
        pointers(options, Path::new(".")),
        vec!["/options/keys/1/kid"]
    );
}

#[test]
fn missing_options_or_keys_are_reported() {
    let problems = JwtGuardFactory.check(None, Path::new("."));
    assert_eq!(problems.len(), 1);
    assert_eq!(pointers(json!({}), Path::new(".")), vec!["/options"]);
    // Without keys, keys come from the issuer's well-known JWK set, which must be a URL.
    assert_eq!(
        pointers(json!({ "issuer": "a" }), Path::new(".")),
        vec!["/options/issuer"]
    );
    assert!(pointers(
        json!({ "issuer": "https://auth.example.com/" }),
        Path::new(".")
    )
    .is_empty());
}

#[test]
fn keys_urls_are_http_https_or_a_readable_file() {
    let dir = scratch_dir("urls");
    assert!(pointers(json!({ "keys": "http://idp:8080/jwks" }), &dir).is_empty());
    assert_eq!(
        pointers(json!({ "keys": "ftp://idp/jwks" }), &dir),
        vec!["/options/keys"]
    );
    assert_eq!(
        pointers(json!({ "keys": "file:missing.json" }), &dir),
        vec!["/options/keys"]
    );
    std::fs::write(
        dir.join("jwks.json"),
        json!({ "keys": [rsa_key()] }).to_string(),
    )
    .expect("write");
    assert!(pointers(json!({ "keys": "file:jwks.json" }), &dir).is_empty());
    let absolute = format!("file://{}", dir.join("jwks.json").display());
    assert!(pointers(json!({ "keys": absolute }), Path::new("/nonexistent")).is_empty());
    std::fs::write(
        dir.join("bad.json"),
        json!({ "keys": [{ "kty": "RSA", "alg": "none" }] }).to_string(),
    )
    .expect("write");
    let problems = JwtGuardFactory.check(Some(&json!({ "keys": "file:bad.json" })), &dir);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems
        .iter()
        .all(|problem| problem.pointer == "/options/keys"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_schema_is_self_contained_and_never_takes_null() {
    let schema = JwtGuardFactory
        .options_schema()
        .expect("schema")
        .to_string();
    assert!(!schema.contains("$ref"), "{schema}");
    assert!(!schema.contains("\"null\""), "{schema}");
}

#[test]
fn validate_refuses_keys_that_start_would_refuse() {
    let short = json!({ "kty": "RSA", "n": "sT4x+9f/Ab0Qw2E1rZ7y==", "e": "AQAB", "kid": "short" });
    assert_eq!(
        pointers(with_key(short), Path::new(".")),
        vec!["/options/keys/0/n"]
    );
    let p256 = super::support::keys().p256.jwk(None, None);
    let mut short_point = p256.clone();
    short_point["y"] = json!("AQAB");
    assert_eq!(
        pointers(with_key(short_point), Path::new(".")),
        vec!["/options/keys/0/y"]
    );
    assert!(pointers(with_key(p256), Path::new(".")).is_empty());
    let es512 = json!({ "kty": "EC", "crv": "P-521", "x": "AQ", "y": "AQ", "alg": "ES512" });
    assert_eq!(
        pointers(with_key(es512), Path::new(".")),
        vec!["/options/keys/0/alg"]
    );
}

//! Keys from a URL: `file:` relative to the config, HTTP fetched at start, refreshed on a
//! timer and on an unknown kid, last good keys kept, size capped.

use std::path::Path;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use serde_json::json;
use zilla_engine::guard::Guard;

use super::support::*;
use crate::events::KEYS_FETCH_FAILED;
use crate::fetch::FetchLimits;
use crate::guard_builder::Tuning;

fn eager() -> Tuning {
    Tuning {
        on_demand_interval: Duration::ZERO,
        ..Tuning::default()
    }
}

fn from_url(url: &str) -> serde_json::Value {
    options(json!(url))
}

#[tokio::test]
async fn a_file_url_resolves_against_the_config_directory() {
    let keys = keys();
    let dir = scratch_dir("file-keys");
    std::fs::write(
        dir.join("jwks.json"),
        jwks(&[keys.rsa.jwk(Some("test"), Some("RS256"))]),
    )
    .expect("write");
    let built = try_build(&from_url("file:jwks.json"), &dir, Tuning::default()).expect("builds");
    let token = sign(&keys.rsa, Algorithm::RS256, Some("test"), &claims());
    assert!(built.guard.authorize(&token).await.is_ok());
    let error = try_build(&from_url("file:missing.json"), &dir, Tuning::default())
        .err()
        .expect("a missing file stops the start");
    assert!(error.contains("missing.json"), "{error}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn http_keys_are_fetched_at_start() {
    let keys = keys();
    let server = JwksServer::start(jwks(&[keys.rsa.jwk(Some("test"), Some("RS256"))]));
    let built = try_build(
        &from_url(&format!("{}/jwks", server.url)),
        Path::new("."),
        Tuning::default(),
    )
    .expect("builds");
    assert_eq!(server.hits(), 1);
    assert_eq!(server.last_path(), "/jwks");
    let token = sign(&keys.rsa, Algorithm::RS256, Some("test"), &claims());
    assert!(built.guard.authorize(&token).await.is_ok());
}

#[tokio::test]
async fn without_keys_the_issuers_well_known_set_is_used() {
    let keys = keys();
    let server = JwksServer::start(jwks(&[keys.rsa.jwk(Some("test"), Some("RS256"))]));
    let options = json!({ "issuer": format!("{}/realms/demo", server.url) });
    let built = try_build(&options, Path::new("."), Tuning::default()).expect("builds");
    assert_eq!(server.last_path(), "/realms/demo/.well-known/jwks.json");
    let mut claims = claims();
    claims["iss"] = json!(format!("{}/realms/demo", server.url));
    let token = sign(&keys.rsa, Algorithm::RS256, Some("test"), &claims);
    assert!(built.guard.authorize(&token).await.is_ok());
}

#[tokio::test]
async fn keys_are_refreshed_on_the_timer() {
    let keys = keys();
    let server = JwksServer::start(jwks(&[keys.rsa.jwk(Some("one"), Some("RS256"))]));
    let mut options = from_url(&server.url);
    options["refresh"] = json!(1);
    let built = try_build(&options, Path::new("."), Tuning::default()).expect("builds");
    server.serve(jwks(&[keys.rsa_other.jwk(Some("two"), Some("RS256"))]));
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert!(server.hits() >= 2, "{}", server.hits());
    let token = sign(&keys.rsa_other, Algorithm::RS256, Some("two"), &claims());
    assert!(built.guard.authorize(&token).await.is_ok());
    let token = sign(&keys.rsa, Algorithm::RS256, Some("one"), &claims());
    assert!(built.guard.authorize(&token).await.is_err(), "rotated out");
}

#[tokio::test]
async fn an_unknown_kid_fetches_the_set_again() {
    let keys = keys();
    let server = JwksServer::start(jwks(&[keys.rsa.jwk(Some("one"), Some("RS256"))]));
    let built = try_build(&from_url(&server.url), Path::new("."), eager()).expect("builds");
    server.serve(jwks(&[
        keys.rsa.jwk(Some("one"), Some("RS256")),
        keys.rsa_other.jwk(Some("two"), Some("RS256")),
    ]));
    let token = sign(&keys.rsa_other, Algorithm::RS256, Some("two"), &claims());
    assert!(built.guard.authorize(&token).await.is_ok());
    assert_eq!(server.hits(), 2);
    assert_eq!(built.guard.keys().len(), 2);
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_interval() {
    let keys = keys();
    let server = JwksServer::start(jwks(&[keys.rsa.jwk(Some("one"), Some("RS256"))]));
    let built =
        try_build(&from_url(&server.url), Path::new("."), Tuning::default()).expect("builds");
    for kid in ["a", "b", "c"] {
        let token = sign(&keys.rsa_other, Algorithm::RS256, Some(kid), &claims());
        assert!(built.guard.authorize(&token).await.is_err());
    }
    assert_eq!(
        server.hits(),
        1,
        "the fetch at start is too recent to fetch again"
    );
}

#[tokio::test]
async fn the_last_good_keys_are_kept_when_a_fetch_returns_garbage() {
    let keys = keys();
    let server = JwksServer::start(jwks(&[keys.rsa.jwk(Some("one"), Some("RS256"))]));
    let built = try_build(&from_url(&server.url), Path::new("."), eager()).expect("builds");
    for garbage in [
        &b"<html>oops</html>"[..],
        br#"{"keys": []}"#,
        br#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#,
    ] {
        server.serve(garbage);
        let unknown = sign(&keys.rsa_other, Algorithm::RS256, Some("two"), &claims());
        assert!(built.guard.authorize(&unknown).await.is_err());
        let known = sign(&keys.rsa, Algorithm::RS256, Some("one"), &claims());
        assert!(built.guard.authorize(&known).await.is_ok());
    }
    assert_eq!(server.hits(), 4);
    let failures = built.events.named(KEYS_FETCH_FAILED);
    assert_eq!(failures.len(), 3, "{failures:?}");
    assert!(failures.iter().all(
        |event| &*event.source == GUARD && event.message.contains("keeping the previous ones")
    ));
}

#[tokio::test]
async fn keys_the_guard_cannot_use_are_skipped_in_a_fetched_set() {
    let keys = keys();
    let server = JwksServer::start(jwks(&[
        json!({ "kty": "RSA", "use": "enc", "kid": "enc", "n": "AQAB", "e": "AQAB" }),
        keys.rsa.jwk(Some("one"), Some("RS256")),
    ]));
    let built =
        try_build(&from_url(&server.url), Path::new("."), Tuning::default()).expect("builds");
    assert_eq!(built.guard.keys().len(), 1);
}

#[tokio::test]
async fn an_http_failure_at_start_starts_with_no_keys_and_retries() {
    let keys = keys();
    let server = JwksServer::start(b"not yet".to_vec());
    let built = try_build(&from_url(&server.url), Path::new("."), eager()).expect("builds anyway");
    assert_eq!(built.events.named(KEYS_FETCH_FAILED).len(), 1);
    server.serve(jwks(&[keys.rsa.jwk(Some("one"), Some("RS256"))]));
    let token = sign(&keys.rsa, Algorithm::RS256, Some("one"), &claims());
    assert!(
        built.guard.authorize(&token).await.is_ok(),
        "the token prompts a fetch"
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/jwks", closed.local_addr().expect("address"));
    drop(closed);
    let built =
        try_build(&from_url(&url), Path::new("."), Tuning::default()).expect("builds anyway");
    let refusal = built.guard.authorize(&token).await.expect_err("no keys");
    assert!(
        refusal.reason.contains("no keys are loaded"),
        "{}",
        refusal.reason
    );
}

#[tokio::test]
async fn a_set_over_the_size_cap_is_refused() {
    let keys = keys();
    let mut document = jwks(&[keys.rsa.jwk(Some("one"), Some("RS256"))]);
    document.extend(std::iter::repeat_n(b' ', 4096));
    let tuning = Tuning {
        limits: FetchLimits {
            max_bytes: 4096,
            ..FetchLimits::default()
        },
        ..Tuning::default()
    };
    let server = JwksServer::start(document.clone());
    let built = try_build(&from_url(&server.url), Path::new("."), tuning).expect("builds");
    let failures = built.events.named(KEYS_FETCH_FAILED);
    assert!(
        failures
            .first()
            .is_some_and(|event| event.message.contains("larger than 4096 bytes")),
        "{failures:?}"
    );
    assert!(built.guard.keys().is_empty());

    let dir = scratch_dir("file-cap");
    std::fs::write(dir.join("jwks.json"), &document).expect("write");
    let error = try_build(&from_url("file:jwks.json"), &dir, tuning)
        .err()
        .expect("refused");
    assert!(error.contains("larger than 4096 bytes"), "{error}");
    let _ = std::fs::remove_dir_all(dir);
}

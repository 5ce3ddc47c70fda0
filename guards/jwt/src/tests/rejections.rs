//! Tokens the guard refuses, each with the reason the event log gets.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use zilla_engine::guard::Guard;

use super::support::*;
use crate::events::AUTHORIZATION_FAILED;

fn rsa_guard() -> Built {
    build(&options(json!([keys()
        .rsa
        .jwk(Some("test"), Some("RS256"))])))
}

async fn refusal(built: &Built, token: &str) -> String {
    match built.guard.authorize(token).await {
        Ok(session) => panic!("authorized {session:?}"),
        Err(rejection) => rejection.reason,
    }
}

async fn refusal_for(claims: &Value) -> String {
    let token = sign(&keys().rsa, Algorithm::RS256, Some("test"), claims);
    refusal(&rsa_guard(), &token).await
}

#[tokio::test]
async fn algorithm_differs_from_the_keys() {
    let token = sign(&keys().rsa, Algorithm::PS256, Some("test"), &claims());
    let reason = refusal(&rsa_guard(), &token).await;
    assert_eq!(
        reason,
        "the token is signed with PS256, but key \"test\" is for RS256"
    );
}

#[tokio::test]
async fn credentials_missing_or_malformed() {
    let built = rsa_guard();
    assert_eq!(refusal(&built, "").await, "no credentials were given");
    for token in ["token", "a.b", "a.b.c", "a.b.c.d"] {
        let reason = refusal(&built, token).await;
        assert!(
            reason.starts_with("the token is malformed"),
            "{token}: {reason}"
        );
    }
    let not_an_object = sign(&keys().rsa, Algorithm::RS256, Some("test"), &json!("text"));
    let reason = refusal(&built, &not_an_object).await;
    assert!(
        reason.starts_with("the token is malformed: its claims are not a JSON object"),
        "{reason}"
    );
}

#[tokio::test]
async fn signature_does_not_verify() {
    let built = rsa_guard();
    let forged = sign(&keys().rsa_other, Algorithm::RS256, Some("test"), &claims());
    assert_eq!(
        refusal(&built, &forged).await,
        "the signature does not verify"
    );
    let genuine = sign(&keys().rsa, Algorithm::RS256, Some("test"), &claims());
    let mut altered = claims();
    altered["sub"] = json!("admin");
    let altered = sign(&keys().rsa, Algorithm::RS256, Some("test"), &altered);
    let genuine: Vec<&str> = genuine.split('.').collect();
    let altered: Vec<&str> = altered.split('.').collect();
    let (header, payload, signature) = (genuine[0], altered[1], genuine[2]);
    let spliced = format!("{header}.{payload}.{signature}");
    assert_eq!(
        refusal(&built, &spliced).await,
        "the signature does not verify"
    );
}

#[tokio::test]
async fn issuer_differs_or_is_missing() {
    let mut claims = claims();
    claims["iss"] = json!("https://evil.example.com");
    assert_eq!(
        refusal_for(&claims).await,
        format!("the token's issuer \"https://evil.example.com\" differs from \"{ISSUER}\"")
    );
    claims.as_object_mut().map(|claims| claims.remove("iss"));
    assert!(refusal_for(&claims)
        .await
        .starts_with("the token has no iss claim"));
}

#[tokio::test]
async fn audience_differs_or_is_missing() {
    let mut claims = claims();
    claims["aud"] = json!("https://mqtt.example.com");
    assert_eq!(
        refusal_for(&claims).await,
        format!(
            "the token's audience \"https://mqtt.example.com\" includes none of \"{AUDIENCE}\""
        )
    );
    claims.as_object_mut().map(|claims| claims.remove("aud"));
    assert!(refusal_for(&claims)
        .await
        .starts_with("the token has no aud claim"));
}

#[tokio::test]
async fn expired_or_not_yet_valid() {
    let mut expired = claims();
    expired["exp"] = json!(now() - 1);
    assert!(refusal_for(&expired)
        .await
        .starts_with("the token expired at"));
    let mut early = claims();
    early["nbf"] = json!(now() + 5);
    assert!(refusal_for(&early)
        .await
        .starts_with("the token is not valid before"));
    let mut odd = claims();
    odd["exp"] = json!("tomorrow");
    assert_eq!(
        refusal_for(&odd).await,
        "claim \"exp\" is not a NumericDate"
    );
}

#[tokio::test]
async fn unsigned_tokens_are_refused() {
    let built = rsa_guard();
    for alg in ["none", "None", "NONE"] {
        let token = raw_token(&json!({ "alg": alg, "kid": "test" }), &claims(), "");
        assert_eq!(
            refusal(&built, &token).await,
            "the token is not signed (alg \"none\")"
        );
    }
}

#[tokio::test]
async fn hmac_signed_with_the_public_key_is_refused() {
    let keys = keys();
    let built = rsa_guard();
    // The classic confusion: the attacker knows the public key and uses its bytes as an HMAC
    // secret, hoping the verifier feeds the same bytes to HMAC.
    let public = crate::key_material::decode_member("n", keys.rsa.public["n"].as_str().expect("n"))
        .expect("n")
        .bytes;
    for secret in [public.as_slice(), keys.rsa.pem.as_slice()] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("test".into());
        let token = jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(secret))
            .expect("token");
        assert!(refusal(&built, &token).await.contains("HMAC"));
    }
}

#[tokio::test]
async fn unknown_algorithms_and_kids_are_refused() {
    let built = rsa_guard();
    let token = raw_token(&json!({ "alg": "RS257", "kid": "test" }), &claims(), "c2ln");
    assert_eq!(
        refusal(&built, &token).await,
        "the token's algorithm \"RS257\" is not one this guard verifies"
    );
    let token = sign(&keys().rsa, Algorithm::RS256, Some("other"), &claims());
    assert_eq!(
        refusal(&built, &token).await,
        "the token names kid \"other\", which no known key has"
    );
}

#[tokio::test]
async fn every_refusal_is_an_event_with_its_reason() {
    let built = rsa_guard();
    let mut claims = claims();
    claims["exp"] = json!(now() - 100);
    let token = sign(&keys().rsa, Algorithm::RS256, Some("test"), &claims);
    let reason = refusal(&built, &token).await;
    assert_eq!(refusal(&built, "").await, "no credentials were given");
    let events = built.events.named(AUTHORIZATION_FAILED);
    assert_eq!(events.len(), 2, "{events:?}");
    let expired = events.first().expect("first event");
    assert_eq!(&*expired.source, GUARD);
    assert_eq!(
        expired.message,
        format!("JWT authorization failed for identity testSubject: {reason}")
    );
    let missing = events.get(1).expect("second event");
    assert_eq!(
        missing.message,
        "JWT authorization failed for identity -: no credentials were given"
    );
}

#[tokio::test]
async fn keys_that_cannot_be_decoded_fail_the_build_naming_the_key() {
    let keys = keys();
    let mut bad = keys.rsa.jwk(Some("broken"), Some("RS256"));
    bad["n"] = json!("AQAB");
    let error = try_build(
        &options(json!([bad])),
        std::path::Path::new("."),
        Default::default(),
    )
    .err()
    .expect("refused");
    assert!(
        error.contains("key \"broken\"") && error.contains("at least 2048"),
        "{error}"
    );
    let mut bad = keys.p256.jwk(None, None);
    bad["x"] = json!("AQAB");
    let error = try_build(
        &options(json!([keys.rsa.jwk(Some("ok"), None), bad])),
        std::path::Path::new("."),
        Default::default(),
    )
    .err()
    .expect("refused");
    assert!(error.contains("key #1"), "{error}");
    let es512 =
        json!({ "kty": "EC", "crv": "P-521", "x": "AQ", "y": "AQ", "alg": "ES512", "kid": "big" });
    let error = try_build(
        &options(json!([es512])),
        std::path::Path::new("."),
        Default::default(),
    )
    .err()
    .expect("refused");
    assert!(error.contains("ES512 cannot be verified"), "{error}");
}

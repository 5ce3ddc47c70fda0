//! Tokens the guard accepts, and what their sessions carry.

use std::time::{Duration, UNIX_EPOCH};

use jsonwebtoken::Algorithm;
use serde_json::json;
use zilla_engine::guard::{Authorization, Guard};

use super::support::*;

fn base64url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

fn roles(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

#[tokio::test]
async fn authorizes_a_token_like_zillas_guard_tests() {
    let keys = keys();
    let built = build(&options(json!([keys.rsa.jwk(Some("test"), Some("RS256"))])));
    let claims = claims();
    let token = sign(&keys.rsa, Algorithm::RS256, Some("test"), &claims);
    let session = built.guard.authorize(&token).await.expect("authorized");
    assert_eq!(&*session.guard, GUARD);
    assert_eq!(session.identity, "testSubject");
    assert_eq!(session.roles, roles(&["read:stream", "write:stream"]));
    let exp = claims["exp"].as_u64().expect("exp");
    assert_eq!(
        session.expires_at,
        Some(UNIX_EPOCH + Duration::from_secs(exp))
    );
    let authorization = Authorization::single(session);
    assert!(authorization.verify(GUARD, &roles(&["read:stream", "write:stream"])));
    assert_eq!(built.guard.challenge(), Some(Duration::from_secs(3)));
    assert!(built.guard.enforces_expiry());
    assert!(built
        .events
        .named(crate::events::AUTHORIZATION_FAILED)
        .is_empty());
}

#[tokio::test]
async fn roles_insufficient_are_refused_by_verify() {
    let keys = keys();
    let built = build(&options(json!([keys.rsa.jwk(Some("test"), Some("RS256"))])));
    let mut claims = claims();
    claims["scope"] = json!("read:stream");
    let token = sign(&keys.rsa, Algorithm::RS256, Some("test"), &claims);
    let session = built.guard.authorize(&token).await.expect("authorized");
    let authorization = Authorization::single(session);
    assert!(!authorization.verify(GUARD, &roles(&["read:stream", "write:stream"])));
    assert!(authorization.verify(GUARD, &roles(&["read:stream"])));
}

#[tokio::test]
async fn custom_identity_and_role_claims() {
    let keys = keys();
    let mut options = options(json!([keys.rsa.jwk(Some("test"), Some("RS256"))]));
    options["identity"] = json!("preferred_username");
    options["roles"] = json!("realm_access.roles");
    options["enforce-expiry"] = json!(false);
    let built = build(&options);
    let mut claims = claims();
    claims["preferred_username"] = json!("johndoe");
    claims["realm_access"] =
        json!({ "roles": ["default-roles-backend", "offline_access", "uma_authorization"] });
    let token = sign(&keys.rsa, Algorithm::RS256, Some("test"), &claims);
    let session = built.guard.authorize(&token).await.expect("authorized");
    assert_eq!(session.identity, "johndoe");
    let authorization = Authorization::single(session);
    assert!(authorization.verify(
        GUARD,
        &roles(&[
            "default-roles-backend",
            "offline_access",
            "uma_authorization"
        ])
    ));
    assert!(!authorization.verify(GUARD, &roles(&["admin"])));
    assert!(!built.guard.enforces_expiry());
}

#[tokio::test]
async fn attributes_come_from_claim_paths() {
    let keys = keys();
    let mut options = options(json!([keys.rsa.jwk(Some("test"), Some("RS256"))]));
    options["attributes"] = json!({
        "tenant": "org",
        "region": "meta.region",
        "tier": "meta.tier",
        "groups": "groups",
        "absent": "nowhere"
    });
    let built = build(&options);
    let mut claims = claims();
    claims["org"] = json!("acme");
    claims["meta"] = json!({ "region": "eu", "tier": 2 });
    claims["groups"] = json!(["a", "b"]);
    let token = sign(&keys.rsa, Algorithm::RS256, Some("test"), &claims);
    let session = built.guard.authorize(&token).await.expect("authorized");
    let attribute = |name: &str| session.attributes.get(name).map(String::as_str);
    assert_eq!(attribute("tenant"), Some("acme"));
    assert_eq!(attribute("region"), Some("eu"));
    assert_eq!(attribute("tier"), Some("2"));
    assert_eq!(attribute("groups"), Some(r#"["a","b"]"#));
    assert_eq!(attribute("absent"), None);
}

#[tokio::test]
async fn a_token_without_kid_is_tried_against_every_fitting_key() {
    let keys = keys();
    let built = build(&options(json!([
        keys.p256.jwk(Some("ec"), Some("ES256")),
        keys.rsa_other.jwk(Some("first"), Some("RS256")),
        keys.rsa.jwk(None, Some("RS256")),
    ])));
    let token = sign(&keys.rsa, Algorithm::RS256, None, &claims());
    assert!(built.guard.authorize(&token).await.is_ok());
    let token = sign(&keys.p256, Algorithm::ES256, None, &claims());
    assert!(built.guard.authorize(&token).await.is_ok());
    let token = sign(&keys.ed25519, Algorithm::EdDSA, None, &claims());
    let refusal = built
        .guard
        .authorize(&token)
        .await
        .expect_err("no EdDSA key");
    assert!(
        refusal.reason.contains("no key is for EdDSA"),
        "{}",
        refusal.reason
    );
}

#[tokio::test]
async fn a_key_without_alg_accepts_its_familys_algorithms() {
    let keys = keys();
    let built = build(&options(json!([
        keys.rsa.jwk(Some("rsa"), None),
        keys.p256.jwk(Some("ec"), None),
        keys.ed25519.jwk(Some("ed"), None),
    ])));
    for (key, alg, kid) in [
        (&keys.rsa, Algorithm::RS256, "rsa"),
        (&keys.rsa, Algorithm::PS384, "rsa"),
        (&keys.rsa, Algorithm::RS512, "rsa"),
        (&keys.p256, Algorithm::ES256, "ec"),
        (&keys.ed25519, Algorithm::EdDSA, "ed"),
    ] {
        let token = sign(key, alg, Some(kid), &claims());
        let outcome = built.guard.authorize(&token).await;
        assert!(outcome.is_ok(), "{alg:?}: {outcome:?}");
    }
    let es256 = sign(&keys.p256, Algorithm::ES256, Some("ec"), &claims());
    let (_, rest) = es256.split_once('.').expect("header");
    let header = json!({ "alg": "ES384", "kid": "ec" }).to_string();
    let relabelled = format!("{}.{rest}", base64url(&header));
    let refusal = built
        .guard
        .authorize(&relabelled)
        .await
        .expect_err("P-256 is ES256 only");
    assert_eq!(
        refusal.reason,
        "the token is signed with ES384, but key \"ec\" is for ES256"
    );
}

#[tokio::test]
async fn a_standard_base64_padded_modulus_is_accepted() {
    let keys = keys();
    let mut jwk = keys.rsa.jwk(Some("example"), Some("RS256"));
    let n = jwk["n"].as_str().expect("n").to_string();
    jwk["n"] = json!(standard_base64(&n));
    jwk["e"] = json!("AQAB");
    assert!(jwk["n"]
        .as_str()
        .is_some_and(|n| n.ends_with('=') || n.contains('+') || n.contains('/')));
    let built = build(&options(json!([jwk])));
    let token = sign(&keys.rsa, Algorithm::RS256, Some("example"), &claims());
    assert!(built.guard.authorize(&token).await.is_ok());
}

#[tokio::test]
async fn leeway_tolerates_clock_skew_on_exp_and_nbf() {
    let keys = keys();
    let mut options = options(json!([keys.rsa.jwk(Some("test"), Some("RS256"))]));
    options["leeway"] = json!(30);
    let lenient = build(&options);
    let strict = build(&super::support::options(json!([keys
        .rsa
        .jwk(Some("test"), Some("RS256"))])));
    let mut expired = claims();
    expired["exp"] = json!(now() - 10);
    let mut early = claims();
    early["nbf"] = json!(now() + 10);
    for claims in [expired, early] {
        let token = sign(&keys.rsa, Algorithm::RS256, Some("test"), &claims);
        assert!(lenient.guard.authorize(&token).await.is_ok(), "{claims}");
        assert!(strict.guard.authorize(&token).await.is_err(), "{claims}");
    }
}

#[tokio::test]
async fn audience_may_be_a_list_of_which_the_token_carries_one() {
    let keys = keys();
    let mut options = options(json!([keys.rsa.jwk(Some("test"), Some("RS256"))]));
    options["audience"] = json!(["https://mqtt.example.com", AUDIENCE]);
    let built = build(&options);
    let mut claims = claims();
    claims["aud"] = json!(["https://other.example.com", AUDIENCE]);
    let token = sign(&keys.rsa, Algorithm::RS256, Some("test"), &claims);
    assert!(built.guard.authorize(&token).await.is_ok());
    claims["aud"] = json!("https://mqtt.example.com");
    let token = sign(&keys.rsa, Algorithm::RS256, Some("test"), &claims);
    assert!(built.guard.authorize(&token).await.is_ok());
}

#[tokio::test]
async fn a_token_without_exp_never_expires_as_in_zilla() {
    let keys = keys();
    let built = build(&options(json!([keys.rsa.jwk(Some("test"), Some("RS256"))])));
    let mut claims = claims();
    claims.as_object_mut().map(|claims| claims.remove("exp"));
    let token = sign(&keys.rsa, Algorithm::RS256, Some("test"), &claims);
    let session = built.guard.authorize(&token).await.expect("authorized");
    assert_eq!(session.expires_at, None);
}

#[tokio::test]
async fn the_factory_builds_a_guard() {
    use zilla_engine::registry::{ComponentContext, GuardFactory};
    let keys = keys();
    let options = options(json!([keys.rsa.jwk(Some("test"), Some("RS256"))]));
    let guard = crate::JwtGuardFactory
        .build(ComponentContext {
            id: std::sync::Arc::from(GUARD),
            options: Some(&options),
            config_dir: std::path::Path::new("."),
            events: zilla_engine::telemetry::events::Events::new(),
        })
        .expect("guard");
    assert_eq!(guard.name(), GUARD);
    let token = sign(&keys.rsa, Algorithm::RS256, Some("test"), &claims());
    assert!(guard.authorize(&token).await.is_ok());
}

/// The upstream example's key (standard base64 with padding) builds, when the reference
/// examples sit beside the project.
#[tokio::test]
async fn the_upstream_example_key_builds() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/upstream-examples/mqtt.proxy.jwt/etc/zilla.yaml");
    let Ok(config) = std::fs::read_to_string(&path) else {
        return;
    };
    let member = |name: &str| {
        config
            .lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(&format!("{name}: ")))
            .map(str::to_string)
    };
    let (Some(n), Some(e)) = (member("n"), member("e")) else {
        panic!("the example names its key's n and e");
    };
    let jwk = json!({ "kty": "RSA", "n": n, "e": e, "alg": "RS256", "kid": "example" });
    let built = build(&options(json!([jwk])));
    assert_eq!(built.guard.keys().len(), 1);
}

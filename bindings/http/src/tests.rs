use serde_json::{json, Value};
use zilla_engine::binding::BindingFactory;
use zilla_engine::config::model::{BindingConfig, Kind};
use zilla_engine::testing::{check_pointers, schema_validator};

use crate::{HttpBindingFactory, HttpCondition, HttpOptions, HttpVersion, HttpWith, Policy};

fn validator(schema: Option<Value>) -> jsonschema::Validator {
    schema_validator(&schema.expect("schema"))
}

fn options_validator(kind: Kind) -> jsonschema::Validator {
    validator(HttpBindingFactory.schema(kind).options)
}

fn check(config: Value) -> Vec<String> {
    let config: BindingConfig = serde_json::from_value(config).expect("binding config");
    check_pointers(&HttpBindingFactory, "north_http_server", &config)
}

fn upstream_binding() -> Value {
    json!({
        "type": "http", "kind": "server",
        "routes": [{
            "when": [{ "headers": { ":scheme": "http", ":authority": "localhost:7114", "upgrade": "websocket" } }],
            "exit": "north_ws_server"
        }]
    })
}

#[test]
fn the_upstream_condition_deserializes_and_validates() {
    let binding = upstream_binding();
    let condition = &binding["routes"][0]["when"][0];
    assert!(validator(HttpBindingFactory.schema(Kind::Server).condition).is_valid(condition));
    let typed: HttpCondition = serde_json::from_value(condition.clone()).expect("typed");
    assert_eq!(
        typed
            .headers
            .and_then(|headers| headers.get("upgrade").cloned())
            .as_deref(),
        Some("websocket")
    );
}

#[test]
fn the_upstream_binding_checks_clean() {
    let problems = check(upstream_binding());
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn conditions_and_with_reject_unknown_fields() {
    let conditions = validator(HttpBindingFactory.schema(Kind::Server).condition);
    assert!(!conditions.is_valid(&json!({ "method": "GET" })));
    assert!(!conditions.is_valid(&json!({ "headers": { ":path": 7 } })));
    assert!(serde_json::from_value::<HttpCondition>(json!({ "path": "/" })).is_err());
    let with = validator(HttpBindingFactory.schema(Kind::Server).with);
    let good = json!({ "headers": { "overrides": { "x-tenant": "a" } } });
    assert!(with.is_valid(&good));
    serde_json::from_value::<HttpWith>(good).expect("typed");
    assert!(!with.is_valid(&json!({ "headers": { "set": {} } })));
}

#[test]
fn every_top_level_option_deserializes() {
    let options = json!({
        "versions": ["h2"],
        "access-control": {
            "policy": "cross-origin",
            "allow": { "origins": ["https://example.com"], "methods": ["GET"], "headers": ["x"], "credentials": true },
            "max-age": 10,
            "expose": { "headers": ["x-id"] }
        },
        "authorization": { "authn_jwt": { "credentials": {
            "headers": { "authorization": "Bearer {credentials}" },
            "query": { "access_token": "{credentials}" },
            "cookies": { "token": "{credentials}" }
        } } },
        "overrides": { "x-gateway": "zilla" },
        "requests": [{
            "path": "/items/{id}",
            "method": "GET",
            "params": { "path": { "id": "string" } },
            "responses": [{ "status": [200, 201], "content-type": ["application/json"], "content": "json" }]
        }]
    });
    assert!(options_validator(Kind::Server).is_valid(&options));
    let typed: HttpOptions = serde_json::from_value(options).expect("typed");
    assert_eq!(typed.versions(), &[HttpVersion::H2]);
    assert_eq!(
        typed.access_control.map(|cors| cors.policy),
        Some(Policy::CrossOrigin)
    );
}

#[test]
fn versions_default_to_both_and_reject_others() {
    assert_eq!(HttpOptions::default().versions().len(), 2);
    let bad = json!({ "versions": ["http/2"] });
    assert!(!options_validator(Kind::Server).is_valid(&bad));
    assert!(serde_json::from_value::<HttpOptions>(bad).is_err());
}

#[test]
fn unknown_fields_are_rejected() {
    let bad = json!({ "version": ["h2"] });
    assert!(!options_validator(Kind::Server).is_valid(&bad));
    assert!(serde_json::from_value::<HttpOptions>(bad).is_err());
}

#[test]
fn cross_origin_settings_need_the_cross_origin_policy() {
    let validator = options_validator(Kind::Server);
    assert!(validator.is_valid(&json!({ "access-control": { "policy": "same-origin" } })));
    assert!(!validator
        .is_valid(&json!({ "access-control": { "policy": "same-origin", "max-age": 5 } })));
    assert!(!validator.is_valid(&json!({ "access-control": { "policy": "any-origin" } })));
}

#[test]
fn a_client_takes_no_access_control() {
    let options = json!({ "access-control": { "policy": "same-origin" } });
    assert!(!options_validator(Kind::Client).is_valid(&options));
    assert!(options_validator(Kind::Client).is_valid(&json!({ "versions": ["http/1.1"] })));
}

#[test]
fn credentials_patterns_name_what_the_guard_gets() {
    let validator = options_validator(Kind::Server);
    let with =
        |credentials: Value| json!({ "authorization": { "g": { "credentials": credentials } } });
    assert!(validator.is_valid(&with(
        json!({ "headers": { "authorization": "Basic {username}:{password}" } })
    )));
    assert!(!validator.is_valid(&with(
        json!({ "headers": { "authorization": "Bearer token" } })
    )));
    assert!(!validator.is_valid(&with(json!({ "query": { "t": "{username}" } }))));
    assert!(!validator.is_valid(&with(json!({}))));
    let two = json!({ "authorization": {
        "a": { "credentials": { "query": { "t": "{credentials}" } } },
        "b": { "credentials": { "query": { "t": "{credentials}" } } }
    } });
    assert!(!validator.is_valid(&two));
}

#[test]
fn requests_need_a_path_and_something_to_check() {
    let validator = options_validator(Kind::Server);
    assert!(!validator.is_valid(&json!({ "requests": [{ "path": "/a" }] })));
    assert!(!validator.is_valid(&json!({ "requests": [{ "content": "json" }] })));
    assert!(!validator.is_valid(
        &json!({ "requests": [{ "path": "/a", "method": "FETCH", "content": "json" }] })
    ));
    assert!(!validator
        .is_valid(&json!({ "requests": [{ "path": "/a", "responses": [{ "status": 200 }] }] })));
    assert!(validator.is_valid(
        &json!({ "requests": [{ "path": "/a", "method": "POST", "content": { "model": "json" } }] })
    ));
}

#[test]
fn shape_problems_have_pointers() {
    let problems = check(
        json!({ "type": "http", "kind": "client", "vault": "v", "options": { "versions": "h2" } }),
    );
    assert_eq!(
        problems,
        vec![String::new(), "/vault".to_string(), "/options".to_string()]
    );
}

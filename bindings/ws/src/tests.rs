use serde_json::{json, Value};
use zilla_engine::binding::BindingFactory;
use zilla_engine::config::model::{BindingConfig, Kind};
use zilla_engine::testing::{check_pointers, schema_validator};

use crate::{WsBindingFactory, WsClientOptions, WsCondition};

fn check(config: Value) -> Vec<String> {
    let config: BindingConfig = serde_json::from_value(config).expect("binding config");
    check_pointers(&WsBindingFactory, "north_ws_server", &config)
}

#[test]
fn the_upstream_condition_deserializes_and_validates() {
    let condition = json!({ "protocol": "mqtt" });
    let schema = WsBindingFactory
        .schema(Kind::Server)
        .condition
        .expect("condition");
    assert!(schema_validator(&schema).is_valid(&condition));
    let typed: WsCondition = serde_json::from_value(condition).expect("typed");
    assert_eq!(typed.protocol.as_deref(), Some("mqtt"));
}

#[test]
fn conditions_reject_unknown_fields() {
    let condition = json!({ "protocol": "mqtt", "subprotocol": "mqtt" });
    let schema = WsBindingFactory
        .schema(Kind::Server)
        .condition
        .expect("condition");
    assert!(!schema_validator(&schema).is_valid(&condition));
    assert!(serde_json::from_value::<WsCondition>(condition).is_err());
}

#[test]
fn client_defaults_deserialize_and_validate() {
    let options = json!({
        "defaults": { "protocol": "mqtt", "scheme": "ws", "authority": "localhost:8080", "path": "/mqtt" }
    });
    let schema = WsBindingFactory
        .schema(Kind::Client)
        .options
        .expect("options");
    let validator = schema_validator(&schema);
    assert!(validator.is_valid(&options));
    let typed: WsClientOptions = serde_json::from_value(options).expect("typed");
    assert_eq!(
        typed.defaults.and_then(|d| d.path).as_deref(),
        Some("/mqtt")
    );
    assert!(!validator.is_valid(&json!({ "defaults": { "host": "x" } })));
    assert!(!validator.is_valid(&json!({ "protocol": "mqtt" })));
    assert!(!validator.is_valid(&json!({ "defaults": { "path": 7 } })));
}

#[test]
fn a_server_takes_no_options_and_no_route_takes_with() {
    assert!(WsBindingFactory.schema(Kind::Server).options.is_none());
    assert!(WsBindingFactory.schema(Kind::Client).with.is_none());
}

#[test]
fn the_upstream_server_checks_clean() {
    let problems = check(json!({
        "type": "ws", "kind": "server",
        "routes": [{ "when": [{ "protocol": "mqtt" }], "exit": "north_mqtt_server" }]
    }));
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn shape_problems_have_pointers() {
    let problems = check(json!({ "type": "ws", "kind": "client", "vault": "v" }));
    assert_eq!(problems, vec![String::new(), "/vault".to_string()]);
    let problems = check(json!({
        "type": "ws", "kind": "client", "exit": "next", "options": { "default": {} }
    }));
    assert_eq!(problems, vec!["/options".to_string()]);
}

//! The binding's options and conditions: the shapes the upstream examples write, the schema
//! contributed to the whole config schema, and the checks beyond it.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};
use zilla_binding_mqtt::conditions::MqttConditionConfig;
use zilla_binding_mqtt::options::{MqttClientOptions, MqttServerOptions, MqttVersion};
use zilla_binding_mqtt::MqttBindingFactory;
use zilla_engine::binding::{BindingFactory, CheckContext};
use zilla_engine::config::error::Problem;
use zilla_engine::config::model::{
    BindingConfig, GuardConfig, Kind, NamespaceConfig, RouteConfig, StoreConfig,
};

fn server_options_2x() -> Value {
    json!({
        "store": "memory0",
        "authorization": {
            "authn_jwt": { "credentials": { "connect": { "username": "Bearer {credentials}" } } }
        }
    })
}

fn full_server_options() -> Value {
    json!({
        "versions": ["v3.1.1", "v5"],
        "store": "memory0",
        "authorization": {
            "authn_jwt": { "credentials": { "connect": { "password": "{credentials}" } } }
        },
        "topics": [
            { "name": "sensor/one", "content": "json",
              "user-properties": { "trace-id": { "model": "string", "maxLength": 8 } } }
        ]
    })
}

fn condition_example() -> Value {
    json!({
        "session": [{ "client-id": "device-*" }],
        "publish": [{ "topic": "place/+/device/#" }, { "topic": "device/#" }],
        "subscribe": [{ "topic": "place/{id}/#", "params": { "id": "${guarded['authn_jwt'].identity}" } }]
    })
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(schema).unwrap_or_else(|e| panic!("schema does not compile: {e}"))
}

#[test]
fn upstream_shapes_deserialize() {
    let options: MqttServerOptions =
        serde_json::from_value(server_options_2x()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(options.store.as_deref(), Some("memory0"));
    let connect = &options.authorization["authn_jwt"].credentials.connect;
    assert_eq!(connect.username.as_deref(), Some("Bearer {credentials}"));

    let full: MqttServerOptions =
        serde_json::from_value(full_server_options()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(full.versions, [MqttVersion::V3_1_1, MqttVersion::V5]);
    assert_eq!(full.topics.len(), 1);

    // 0.9/1.x configs name no store.
    let legacy: MqttServerOptions = serde_json::from_value(json!({})).unwrap_or_default();
    assert_eq!(legacy, MqttServerOptions::default());

    let client: MqttClientOptions =
        serde_json::from_value(json!({ "server": "mqtt://broker:1883" }))
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(client.server.as_deref(), Some("mqtt://broker:1883"));

    let condition: MqttConditionConfig =
        serde_json::from_value(condition_example()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(condition.publish.len(), 2);
    assert_eq!(condition.session[0].client_id.as_deref(), Some("device-*"));
}

#[test]
fn unknown_fields_are_rejected() {
    let bad_options = [
        json!({ "store": "memory0", "port": 1883 }),
        json!({ "authorization": { "g": { "credentials": { "connect": { "username": "x" } }, "extra": 1 } } }),
        json!({ "topics": [{ "name": "a", "colour": "red" }] }),
        json!({ "versions": ["v4"] }),
    ];
    for options in bad_options {
        assert!(
            serde_json::from_value::<MqttServerOptions>(options.clone()).is_err(),
            "{options}"
        );
    }
    assert!(serde_json::from_value::<MqttClientOptions>(json!({ "store": "m" })).is_err());
    let condition = json!({ "publish": [{ "topic": "a", "qos": 1 }] });
    assert!(serde_json::from_value::<MqttConditionConfig>(condition).is_err());
}

#[test]
fn schema_accepts_and_rejects() {
    let factory = MqttBindingFactory::default();
    let server = factory.schema(Kind::Server);
    let server_options = validator(server.options.as_ref().unwrap_or(&Value::Null));
    assert!(server_options.is_valid(&server_options_2x()));
    assert!(server_options.is_valid(&full_server_options()));
    assert!(server_options.is_valid(&json!({})));
    for bad in [
        json!({ "port": 1 }),
        json!({ "versions": ["v4"] }),
        json!({ "store": 7 }),
        json!({ "authorization": {
            "a": { "credentials": { "connect": { "username": "{credentials}" } } },
            "b": { "credentials": { "connect": { "username": "{credentials}" } } }
        } }),
        json!({ "authorization": { "a": { "credentials": { "connect": {} } } } }),
        json!({ "authorization": { "a": { "credentials": { "connect": {
            "username": "{credentials}", "password": "{credentials}" } } } } }),
    ] {
        assert!(!server_options.is_valid(&bad), "accepted {bad}");
    }

    let client = factory.schema(Kind::Client);
    let client_options = validator(client.options.as_ref().unwrap_or(&Value::Null));
    assert!(client_options.is_valid(&json!({ "server": "mqtt://b:1883" })));
    assert!(!client_options.is_valid(&json!({ "store": "memory0" })));

    let condition = validator(server.condition.as_ref().unwrap_or(&Value::Null));
    assert!(condition.is_valid(&condition_example()));
    assert!(!condition.is_valid(&json!({ "retain": [] })));
    assert!(!condition.is_valid(&json!({ "session": [{ "client": "x" }] })));
    assert!(server.with.is_none());
    assert!(server.routes && server.exit);
    assert_eq!(factory.kinds(), [Kind::Server, Kind::Client]);
}

fn namespace() -> NamespaceConfig {
    let mut stores = BTreeMap::new();
    stores.insert(
        "memory0".to_owned(),
        StoreConfig {
            type_: "memory".into(),
            options: None,
        },
    );
    let mut guards = BTreeMap::new();
    guards.insert(
        "authn_jwt".to_owned(),
        GuardConfig {
            type_: "jwt".into(),
            kind: None,
            store: None,
            options: None,
        },
    );
    NamespaceConfig {
        name: "example".into(),
        stores,
        guards,
        ..NamespaceConfig::default()
    }
}

fn binding(kind: Kind, options: Value, when: Vec<Value>) -> BindingConfig {
    BindingConfig {
        type_: "mqtt".into(),
        kind,
        vault: None,
        catalog: None,
        options: Some(options),
        routes: vec![RouteConfig {
            exit: Some("next".into()),
            when,
            ..RouteConfig::default()
        }],
        exit: None,
        entry: None,
        telemetry: None,
    }
}

fn check(config: &BindingConfig) -> Vec<Problem> {
    let namespace = namespace();
    let context = CheckContext {
        name: "north_mqtt_server",
        config,
        namespace: &namespace,
        config_dir: Path::new("."),
    };
    MqttBindingFactory::default().check(&context)
}

#[test]
fn check_passes_the_upstream_example() {
    let config = binding(Kind::Server, server_options_2x(), vec![condition_example()]);
    assert_eq!(check(&config), []);
    let qualified = json!({ "store": "example:memory0" });
    assert_eq!(check(&binding(Kind::Server, qualified, vec![])), []);
}

#[test]
fn check_names_unknown_store_and_guard() {
    let options = json!({
        "store": "memory1",
        "authorization": { "jwt1": { "credentials": { "connect": { "username": "{credentials}" } } } }
    });
    let problems = check(&binding(Kind::Server, options, vec![]));
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].pointer, "/options/store");
    assert!(problems[0].message.contains("memory1"));
    assert_eq!(problems[0].hint.as_deref(), Some("declared: memory0"));
    assert_eq!(problems[1].pointer, "/options/authorization/jwt1");
    assert_eq!(problems[1].hint.as_deref(), Some("declared: authn_jwt"));
}

#[test]
fn check_credential_patterns() {
    for (pattern, found) in [("Bearer", 0), ("{credentials}{credentials}", 2)] {
        let options = json!({
            "authorization": { "authn_jwt": { "credentials": { "connect": { "password": pattern } } } }
        });
        let problems = check(&binding(Kind::Client, options, vec![]));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].pointer,
            "/options/authorization/authn_jwt/credentials/connect/password"
        );
        assert!(problems[0].message.contains(&format!("found {found}")));
    }
}

#[test]
fn check_route_topic_patterns() {
    let when = vec![json!({
        "publish": [{ "topic": "a/#/b" }],
        "subscribe": [{ "topic": "place/{id}/#", "params": { "other": "x" } }]
    })];
    let problems = check(&binding(Kind::Server, json!({}), when));
    let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/routes/0/when/0/publish/0/topic",
            "/routes/0/when/0/subscribe/0/params/other"
        ]
    );
}

#[test]
fn check_reports_options_that_do_not_parse() {
    let problems = check(&binding(Kind::Server, json!({ "versions": "v5" }), vec![]));
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].pointer, "/options");
}

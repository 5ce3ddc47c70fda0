use serde_json::{json, Value};
use zilla_engine::binding::BindingFactory;
use zilla_engine::config::model::{BindingConfig, Kind};
use zilla_engine::testing::{check_pointers, schema_validator};

use crate::{
    DefaultOffset, KafkaBindingFactory, KafkaCacheClientOptions, KafkaCacheServerOptions,
    KafkaClientOptions, KafkaCondition, Model,
};

fn validator(schema: Option<Value>) -> jsonschema::Validator {
    schema_validator(&schema.expect("schema"))
}

fn options_validator(kind: Kind) -> jsonschema::Validator {
    validator(KafkaBindingFactory.schema(kind).options)
}

fn check(config: Value) -> Vec<String> {
    let config: BindingConfig = serde_json::from_value(config).expect("binding config");
    check_pointers(&KafkaBindingFactory, "south_kafka_client", &config)
}

#[test]
fn upstream_cache_server_options_deserialize_and_validate() {
    let options = json!({ "bootstrap": ["mqtt-messages", "mqtt-retained", "mqtt-devices"] });
    assert!(options_validator(Kind::CacheServer).is_valid(&options));
    let typed: KafkaCacheServerOptions = serde_json::from_value(options).expect("typed");
    assert_eq!(typed.bootstrap.map(|topics| topics.len()), Some(3));
}

#[test]
fn upstream_client_options_deserialize_and_validate() {
    let options = json!({ "servers": ["kafka:29092"] });
    assert!(options_validator(Kind::Client).is_valid(&options));
    let typed: KafkaClientOptions = serde_json::from_value(options).expect("typed");
    assert_eq!(typed.servers, Some(vec!["kafka:29092".to_string()]));
    for server in ["kafka", "", "kafka:port", "[::1]"] {
        assert!(
            !options_validator(Kind::Client).is_valid(&json!({ "servers": [server] })),
            "{server}"
        );
    }
    assert!(options_validator(Kind::Client).is_valid(&json!({ "servers": ["[::1]:9092"] })));
}

#[test]
fn options_are_per_kind() {
    let bootstrap = json!({ "bootstrap": ["a"] });
    assert!(!options_validator(Kind::Client).is_valid(&bootstrap));
    assert!(!options_validator(Kind::CacheClient).is_valid(&bootstrap));
    assert!(serde_json::from_value::<KafkaClientOptions>(bootstrap).is_err());
    let servers = json!({ "servers": ["k:9092"] });
    assert!(!options_validator(Kind::CacheServer).is_valid(&servers));
    let offset = json!({ "topics": [{ "name": "t", "defaultOffset": "live" }] });
    assert!(options_validator(Kind::CacheServer).is_valid(&offset));
    assert!(!options_validator(Kind::CacheClient).is_valid(&offset));
}

#[test]
fn cache_server_topics_deserialize_and_validate() {
    let options = json!({
        "topics": [{
            "name": "items",
            "defaultOffset": "live",
            "deltaType": "json_patch",
            "transforms": [
                { "extract-key": "${message.value.id}" },
                { "extract-headers": { "correlation-id": "${message.value.correlation}" } }
            ],
            "key": "string",
            "value": { "model": "json", "catalog": { "items": [{ "id": 1 }] } }
        }]
    });
    assert!(options_validator(Kind::CacheServer).is_valid(&options));
    let typed: KafkaCacheServerOptions = serde_json::from_value(options).expect("typed");
    let topic = &typed.topics.expect("topics")[0];
    assert_eq!(topic.default_offset, Some(DefaultOffset::Live));
    assert_eq!(topic.key, Some(Model::Name("string".into())));
    assert!(matches!(&topic.value, Some(Model::Config(config)) if config.model == "json"));
}

#[test]
fn enums_reject_bad_values() {
    let validator = options_validator(Kind::CacheServer);
    for topic in [
        json!({ "name": "t", "defaultOffset": "earliest" }),
        json!({ "name": "t", "deltaType": "diff" }),
    ] {
        let options = json!({ "topics": [topic] });
        assert!(!validator.is_valid(&options), "{options}");
        assert!(serde_json::from_value::<KafkaCacheServerOptions>(options).is_err());
    }
}

#[test]
fn transforms_are_key_then_headers() {
    let validator = options_validator(Kind::CacheServer);
    let key = json!({ "extract-key": "${message.key.id}" });
    let headers = json!({ "extract-headers": { "tenant": "${message.value.tenant}" } });
    let with = |transforms: Value| json!({ "topics": [{ "name": "t", "transforms": transforms }] });
    assert!(validator.is_valid(&with(json!([key.clone()]))));
    assert!(validator.is_valid(&with(json!([headers.clone()]))));
    assert!(validator.is_valid(&with(json!([key.clone(), headers.clone()]))));
    assert!(!validator.is_valid(&with(json!([headers.clone(), key.clone()]))));
    assert!(!validator.is_valid(&with(json!([]))));
    assert!(!validator.is_valid(&with(json!([{}]))));
    assert!(!validator.is_valid(&with(json!([{ "extract-key": "id" }]))));
}

#[test]
fn cache_client_topics_take_models_only() {
    let validator = options_validator(Kind::CacheClient);
    let options = json!({ "topics": [{ "name": "t", "value": "json" }] });
    assert!(validator.is_valid(&options));
    serde_json::from_value::<KafkaCacheClientOptions>(options).expect("typed");
    assert!(
        !validator.is_valid(&json!({ "topics": [{ "name": "t", "value": { "catalog": {} } }] }))
    );
}

#[test]
fn client_credentials_follow_their_mechanism() {
    let validator = options_validator(Kind::Client);
    let with = |credentials: Value| json!({ "authorization": { "kafka_auth": { "credentials": credentials } } });
    let plain = with(json!({ "mechanism": "scram-sha-256", "username": "u", "password": "p" }));
    assert!(validator.is_valid(&plain));
    serde_json::from_value::<KafkaClientOptions>(plain).expect("typed");
    assert!(validator.is_valid(&with(json!({ "mechanism": "oauthbearer", "token": "t" }))));
    assert!(!validator.is_valid(&with(json!({ "mechanism": "plain", "username": "u" }))));
    assert!(!validator.is_valid(&with(
        json!({ "mechanism": "oauthbearer", "token": "t", "username": "u" })
    )));
    assert!(!validator.is_valid(&with(
        json!({ "mechanism": "gssapi", "username": "u", "password": "p" })
    )));
    let two = json!({ "authorization": {
        "a": { "credentials": { "mechanism": "oauthbearer", "token": "t" } },
        "b": { "credentials": { "mechanism": "oauthbearer", "token": "t" } }
    } });
    assert!(!validator.is_valid(&two));
}

#[test]
fn legacy_sasl_is_accepted() {
    let options = json!({ "servers": ["k:9092"], "sasl": { "mechanism": "plain", "username": "u", "password": "p" } });
    assert!(options_validator(Kind::Client).is_valid(&options));
    serde_json::from_value::<KafkaClientOptions>(options).expect("typed");
    let bad = json!({ "sasl": { "mechanism": "kerberos" } });
    assert!(!options_validator(Kind::Client).is_valid(&bad));
}

#[test]
fn conditions_exist_for_cache_kinds_only() {
    assert!(KafkaBindingFactory.schema(Kind::Client).condition.is_none());
    let validator = validator(KafkaBindingFactory.schema(Kind::CacheClient).condition);
    assert!(validator.is_valid(&json!({ "topic": "items" })));
    assert!(!validator.is_valid(&json!({ "groupId": "g" })));
    serde_json::from_value::<KafkaCondition>(json!({ "topic": "items" })).expect("typed");
    for kind in [Kind::Client, Kind::CacheClient, Kind::CacheServer] {
        assert!(KafkaBindingFactory.schema(kind).with.is_none());
    }
}

#[test]
fn upstream_bindings_check_clean() {
    for binding in [
        json!({ "type": "kafka", "kind": "cache_client", "exit": "south_kafka_cache_server" }),
        json!({ "type": "kafka", "kind": "cache_server", "options": { "bootstrap": ["a"] }, "exit": "south_kafka_client" }),
        json!({ "type": "kafka", "kind": "client", "options": { "servers": ["kafka:29092"] }, "exit": "south_tcp_client" }),
    ] {
        let problems = check(binding);
        assert!(problems.is_empty(), "{problems:?}");
    }
}

#[test]
fn check_problems_have_pointers() {
    let problems = check(
        json!({ "type": "kafka", "kind": "client", "vault": "v", "options": { "bootstrap": [] } }),
    );
    assert_eq!(
        problems,
        vec![String::new(), "/vault".to_string(), "/options".to_string()]
    );
}

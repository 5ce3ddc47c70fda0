use serde_json::{json, Value};
use zilla_engine::binding::BindingFactory;
use zilla_engine::config::model::{BindingConfig, Kind};
use zilla_engine::testing::{check_pointers, schema_validator};

use crate::{MqttKafkaBindingFactory, MqttKafkaCondition, MqttKafkaOptions, MqttKafkaWith, QosMax};

fn validator(schema: Option<Value>) -> jsonschema::Validator {
    schema_validator(&schema.expect("schema"))
}

fn upstream_options() -> Value {
    json!({
        "topics": { "sessions": "mqtt-sessions", "messages": "mqtt-messages", "retained": "mqtt-retained" },
        "clients": ["place/{identity}/#"]
    })
}

fn upstream_binding() -> Value {
    json!({
        "type": "mqtt-kafka", "kind": "proxy",
        "options": upstream_options(),
        "routes": [{
            "when": [
                { "publish": [{ "topic": "place/+/device/#" }, { "topic": "device/#" }] },
                { "subscribe": [{ "topic": "place/+/device/#" }, { "topic": "device/#" }] }
            ],
            "with": { "messages": "mqtt-devices" },
            "exit": "north_kafka_cache_client"
        }],
        "exit": "north_kafka_cache_client"
    })
}

fn check(config: Value) -> Vec<String> {
    let config: BindingConfig = serde_json::from_value(config).expect("binding config");
    check_pointers(
        &MqttKafkaBindingFactory,
        "north_mqtt_kafka_mapping",
        &config,
    )
}

#[test]
fn upstream_options_deserialize_and_validate() {
    let options = upstream_options();
    assert!(validator(MqttKafkaBindingFactory.schema(Kind::Proxy).options).is_valid(&options));
    let typed: MqttKafkaOptions = serde_json::from_value(options).expect("typed");
    assert_eq!(typed.topics.retained, "mqtt-retained");
    assert_eq!(typed.qos_max(), QosMax::ExactlyOnce);
}

#[test]
fn publish_qos_max_is_a_closed_set() {
    let validator = validator(MqttKafkaBindingFactory.schema(Kind::Proxy).options);
    let mut options = upstream_options();
    options["publish"] = json!({ "qosMax": "at_least_once" });
    assert!(validator.is_valid(&options));
    let typed: MqttKafkaOptions = serde_json::from_value(options.clone()).expect("typed");
    assert_eq!(typed.qos_max(), QosMax::AtLeastOnce);
    options["publish"] = json!({ "qosMax": "twice" });
    assert!(!validator.is_valid(&options));
    assert!(serde_json::from_value::<MqttKafkaOptions>(options.clone()).is_err());
    options["publish"] = json!({});
    assert!(!validator.is_valid(&options));
}

#[test]
fn topics_are_all_required_and_closed() {
    let validator = validator(MqttKafkaBindingFactory.schema(Kind::Proxy).options);
    let missing = json!({ "topics": { "sessions": "s", "messages": "m" } });
    assert!(!validator.is_valid(&missing));
    assert!(serde_json::from_value::<MqttKafkaOptions>(missing).is_err());
    let extra =
        json!({ "topics": { "sessions": "s", "messages": "m", "retained": "r", "will": "w" } });
    assert!(!validator.is_valid(&extra));
    assert!(serde_json::from_value::<MqttKafkaOptions>(extra).is_err());
    let unknown =
        json!({ "topics": { "sessions": "s", "messages": "m", "retained": "r" }, "server": "x" });
    assert!(!validator.is_valid(&unknown));
    assert!(!validator.is_valid(&json!({ "clients": [] })));
}

#[test]
fn upstream_conditions_and_with_deserialize_and_validate() {
    let binding = upstream_binding();
    let conditions = validator(MqttKafkaBindingFactory.schema(Kind::Proxy).condition);
    for condition in binding["routes"][0]["when"].as_array().expect("when") {
        assert!(conditions.is_valid(condition), "{condition}");
        serde_json::from_value::<MqttKafkaCondition>(condition.clone()).expect("typed");
    }
    let with = &binding["routes"][0]["with"];
    assert!(validator(MqttKafkaBindingFactory.schema(Kind::Proxy).with).is_valid(with));
    let typed: MqttKafkaWith = serde_json::from_value(with.clone()).expect("typed");
    assert_eq!(typed.messages.as_deref(), Some("mqtt-devices"));
}

#[test]
fn topic_filters_follow_mqtt_rules() {
    let conditions = validator(MqttKafkaBindingFactory.schema(Kind::Proxy).condition);
    for topic in [
        "#",
        "/",
        "a/b",
        "+/x/#",
        "place/{id}/device/#",
        "$SYS/#",
        "a//b",
        "a.b/c-d",
    ] {
        let condition = json!({ "subscribe": [{ "topic": topic }] });
        assert!(conditions.is_valid(&condition), "{topic}");
    }
    for topic in ["a/#/b", "a+/b", "a/-x", "a/_x", "#/a", "a b"] {
        let condition = json!({ "publish": [{ "topic": topic }] });
        assert!(!conditions.is_valid(&condition), "{topic}");
    }
}

#[test]
fn a_condition_is_publish_or_subscribe() {
    let conditions = validator(MqttKafkaBindingFactory.schema(Kind::Proxy).condition);
    let both = json!({ "publish": [{ "topic": "a" }], "subscribe": [{ "topic": "a" }] });
    assert!(!conditions.is_valid(&both));
    let unknown = json!({ "session": [{ "client-id": "a" }] });
    assert!(!conditions.is_valid(&unknown));
    assert!(serde_json::from_value::<MqttKafkaCondition>(unknown).is_err());
    let with = validator(MqttKafkaBindingFactory.schema(Kind::Proxy).with);
    assert!(!with.is_valid(&json!({ "retained": "r" })));
}

#[test]
fn the_upstream_binding_checks_clean() {
    let problems = check(upstream_binding());
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn shape_problems_have_pointers() {
    let mut binding = upstream_binding();
    binding["routes"][0]
        .as_object_mut()
        .expect("route")
        .remove("with");
    binding["vault"] = json!("secrets");
    assert_eq!(
        check(binding),
        vec!["/routes/0".to_string(), "/vault".to_string()]
    );
    let bare = json!({ "type": "mqtt-kafka", "kind": "proxy", "exit": "next" });
    assert_eq!(check(bare), vec![String::new()]);
}

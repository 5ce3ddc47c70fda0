use serde_json::json;

use super::*;
use crate::config::test_fakes;

fn validator(registry: &Registry) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft201909)
        .build(&schema(registry))
        .unwrap()
}

#[test]
fn composed_schema_compiles() {
    validator(&test_fakes::registry());
    validator(&Registry::new());
}

#[test]
fn shape_follows_zilla() {
    let schema = schema(&test_fakes::registry());
    assert_eq!(schema["$schema"], json!(DRAFT));
    assert_eq!(schema["required"], json!(["name"]));
    assert_eq!(
        schema["$defs"]["binding"]["properties"]["type"]["enum"],
        json!(["echo", "tcp"])
    );
    let tcp = &schema["$defs"]["binding"]["allOf"][1];
    assert_eq!(tcp["if"]["properties"]["type"]["const"], json!("tcp"));
    assert_eq!(
        tcp["then"]["properties"]["kind"]["enum"],
        json!(["server", "client"])
    );
    // tcp's client takes no exit and no conditions: per-kind entries.
    assert_eq!(tcp["then"]["allOf"].as_array().map(Vec::len), Some(2));
    let echo = &schema["$defs"]["binding"]["allOf"][0];
    assert_eq!(echo["then"]["properties"]["routes"], json!(false));
    assert_eq!(echo["then"]["properties"]["exit"], json!(false));
    assert_eq!(
        schema["$defs"]["guard"]["properties"]["type"]["enum"],
        json!(["fake"])
    );
}

#[test]
fn validates_a_good_namespace_and_refuses_bad_ones() {
    let validator = validator(&test_fakes::registry());
    let good = json!({
        "name": "example",
        "guards": {"auth": {"type": "fake", "options": {"issuer": "me"}}},
        "bindings": {
            "north_tcp_server": {
                "type": "tcp", "kind": "server",
                "options": {"host": "0.0.0.0", "port": 12345},
                "routes": [{"when": [{"cidr": "10.0.0.0/8"}], "exit": "north_echo_server"}],
                "exit": "north_echo_server",
            },
            "north_echo_server": {"type": "echo", "kind": "server"},
        },
    });
    let errors: Vec<_> = validator
        .iter_errors(&good)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");

    let bad = json!({
        "name": "example",
        "bindings": {
            "a": {"type": "tcp", "kind": "proxy"},
            "d": {"type": "tcp", "kind": "server", "options": {"port": "x"}, "exit": "a"},
            "b": {"type": "echo", "kind": "server", "routes": []},
            "c": {"type": "tcp", "kind": "client", "exit": "a"},
        },
    });
    let paths: Vec<String> = validator
        .iter_errors(&bad)
        .map(|e| e.instance_path().as_str().to_owned())
        .collect();
    for expected in [
        "/bindings/a/kind",
        "/bindings/d/options/port",
        "/bindings/b/routes",
        "/bindings/c/exit",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} in {paths:?}"
        );
    }
}

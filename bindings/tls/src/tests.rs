use serde_json::{json, Value};
use zilla_engine::binding::BindingFactory;
use zilla_engine::config::model::{BindingConfig, Kind};
use zilla_engine::testing::{check_pointers, schema_validator};

use crate::{CertificateSubject, Mutual, PortValue, TlsBindingFactory, TlsCondition, TlsOptions};

fn options_validator(kind: Kind) -> jsonschema::Validator {
    let schema = TlsBindingFactory::default()
        .schema(kind)
        .options
        .expect("options schema");
    schema_validator(&schema)
}

fn binding(value: Value) -> BindingConfig {
    serde_json::from_value(value).expect("binding config")
}

fn check(config: &BindingConfig) -> Vec<String> {
    check_pointers(&TlsBindingFactory::default(), "north_tls_server", config)
}

#[test]
fn upstream_server_options_deserialize_and_validate() {
    let options = json!({ "keys": ["localhost"], "sni": ["localhost"] });
    let typed: TlsOptions = serde_json::from_value(options.clone()).expect("typed");
    assert_eq!(typed.keys.as_deref(), Some(&["localhost".to_string()][..]));
    assert!(options_validator(Kind::Server).is_valid(&options));
}

#[test]
fn every_option_deserializes() {
    let options = json!({
        "version": "TLSv1.3",
        "keys": ["localhost"],
        "trust": ["clientca"],
        "trustcacerts": true,
        "sni": ["localhost"],
        "alpn": ["mqtt"],
        "mutual": "requested",
        "authorization": { "authn": { "credentials": { "certificates": "pem" } } }
    });
    let typed: TlsOptions = serde_json::from_value(options.clone()).expect("typed");
    assert_eq!(typed.mutual, Some(Mutual::Requested));
    assert!(options_validator(Kind::Server).is_valid(&options));
}

#[test]
fn unknown_fields_are_rejected() {
    let options = json!({ "keys": ["localhost"], "ciphers": ["x"] });
    assert!(serde_json::from_value::<TlsOptions>(options.clone()).is_err());
    assert!(!options_validator(Kind::Server).is_valid(&options));
}

#[test]
fn bad_mutual_is_rejected() {
    let options = json!({ "keys": ["localhost"], "mutual": "optional" });
    assert!(serde_json::from_value::<TlsOptions>(options.clone()).is_err());
    assert!(!options_validator(Kind::Server).is_valid(&options));
}

#[test]
fn null_is_not_an_absent_field() {
    assert!(!options_validator(Kind::Server).is_valid(&json!({ "keys": ["a"], "sni": null })));
}

#[test]
fn keys_and_signers_exclude_each_other() {
    let both = json!({ "keys": ["a"], "signers": ["b"] });
    assert!(!options_validator(Kind::Server).is_valid(&both));
    assert!(!options_validator(Kind::Client).is_valid(&both));
}

#[test]
fn a_server_needs_keys_or_signers() {
    let server = options_validator(Kind::Server);
    assert!(!server.is_valid(&json!({ "sni": ["localhost"] })));
    assert!(server.is_valid(&json!({ "signers": ["ca"] })));
    assert!(options_validator(Kind::Client).is_valid(&json!({ "sni": ["example.com"] })));
}

#[test]
fn only_a_server_takes_authorization() {
    let options =
        json!({ "authorization": { "authn": { "credentials": { "certificates": "pem" } } } });
    assert!(!options_validator(Kind::Client).is_valid(&options));
}

#[test]
fn a_proxy_takes_no_options_nor_with() {
    let schema = TlsBindingFactory::default().schema(Kind::Proxy);
    assert!(schema.options.is_none());
    assert!(schema.with.is_none());
    assert!(TlsBindingFactory::default()
        .schema(Kind::Server)
        .with
        .is_none());
}

#[test]
fn conditions_deserialize_and_validate() {
    let condition_schema = TlsBindingFactory::default()
        .schema(Kind::Proxy)
        .condition
        .expect("condition");
    let validator = schema_validator(&condition_schema);
    for condition in [
        json!({ "authority": "localhost" }),
        json!({ "alpn": "mqtt", "port": 8883 }),
        json!({ "port": "8000-8100" }),
        json!({ "port": [8883, "9000-9001"] }),
        json!({ "trust": ["clientca"], "mutual": "required" }),
    ] {
        assert!(validator.is_valid(&condition), "{condition}");
        serde_json::from_value::<TlsCondition>(condition).expect("typed");
    }
    for condition in [
        json!({ "port": "eighty" }),
        json!({ "host": "localhost" }),
        json!({ "mutual": "requested" }),
        json!({ "mutual": "none", "trust": ["clientca"] }),
    ] {
        assert!(!validator.is_valid(&condition), "{condition}");
    }
}

#[test]
fn port_ranges_have_bounds() {
    assert_eq!(PortValue::Range("10-20".into()).bounds(), Some((10, 20)));
    assert_eq!(PortValue::Range("20-10".into()).bounds(), None);
    assert_eq!(PortValue::Number(7).bounds(), Some((7, 7)));
}

#[test]
fn client_with_names_one_subject() {
    let with_schema = TlsBindingFactory::default()
        .schema(Kind::Client)
        .with
        .expect("with");
    let validator = schema_validator(&with_schema);
    let good = json!({ "certificate": { "subject.cn": "device1" } });
    assert!(validator.is_valid(&good));
    let typed: crate::TlsWith = serde_json::from_value(good).expect("typed");
    assert_eq!(
        typed.certificate,
        CertificateSubject::CommonName("device1".into())
    );
    assert!(!validator.is_valid(&json!({ "certificate": {} })));
    assert!(
        !validator.is_valid(&json!({ "certificate": { "subject.cn": "a", "subject.dn": "CN=a" } }))
    );
}

#[test]
fn the_upstream_server_checks_clean() {
    let config = binding(json!({
        "type": "tls", "kind": "server", "vault": "my_servers",
        "options": { "keys": ["localhost"], "sni": ["localhost"] },
        "exit": "north_mqtt_server"
    }));
    assert!(check(&config).is_empty());
}

#[test]
fn a_server_without_vault_is_reported_at_vault() {
    let config = binding(json!({
        "type": "tls", "kind": "server",
        "options": { "keys": ["localhost"] },
        "exit": "north_mqtt_server"
    }));
    assert_eq!(check(&config), vec!["/vault".to_string()]);
}

#[test]
fn client_vault_references_without_vault_are_reported_at_the_field() {
    let config = binding(json!({
        "type": "tls", "kind": "client",
        "options": { "trust": ["ca"] },
        "routes": [{ "when": [{ "trust": ["ca"], "mutual": "required" }], "exit": "south" }]
    }));
    assert_eq!(
        check(&config),
        vec![
            "/options/trust".to_string(),
            "/routes/0/when/0/trust".to_string()
        ]
    );
}

#[test]
fn a_binding_without_exit_or_routes_is_reported() {
    let config = binding(json!({ "type": "tls", "kind": "proxy" }));
    assert_eq!(check(&config), vec![String::new()]);
}

#[test]
fn a_server_without_options_is_reported() {
    let config = binding(json!({
        "type": "tls", "kind": "server", "vault": "v", "exit": "next"
    }));
    assert_eq!(check(&config), vec!["/options".to_string()]);
}

#[test]
fn schemas_are_self_contained_and_never_take_null() {
    for kind in [Kind::Server, Kind::Client, Kind::Proxy] {
        let schema = TlsBindingFactory::default().schema(kind);
        for part in [schema.options, schema.condition, schema.with]
            .into_iter()
            .flatten()
        {
            let text = part.to_string();
            assert!(!text.contains("$ref"), "{text}");
            assert!(!text.contains("\"null\""), "{text}");
        }
    }
}

#[test]
fn an_unsupported_version_is_reported_at_the_field() {
    let config = binding(json!({
        "type": "tls", "kind": "server", "vault": "v",
        "options": { "keys": ["localhost"], "version": "SSLv3" },
        "exit": "next"
    }));
    assert_eq!(check(&config), vec!["/options/version".to_string()]);
}

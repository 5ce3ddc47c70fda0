//! The binding definition: common properties, then one `if {type} then {…}` entry per registered
//! binding type restricting `kind` and plugging in that factory's options, conditions and `with`.

use serde_json::{json, Map, Value};

use super::component::{type_property, when_type, with_all_of};
use super::{metrics, named_strings, NAME_PATTERN};
use crate::binding::{BindingFactory, BindingSchema};
use crate::config::model::Kind;
use crate::registry::Registry;

pub const ALL_KINDS: [Kind; 7] = [
    Kind::Client,
    Kind::Server,
    Kind::Proxy,
    Kind::RemoteClient,
    Kind::RemoteServer,
    Kind::CacheClient,
    Kind::CacheServer,
];

pub fn definition(registry: &Registry) -> Value {
    let names: Vec<&str> = registry.bindings.keys().copied().collect();
    let all_of: Vec<Value> = registry
        .bindings
        .values()
        .map(|factory| per_type(factory.as_ref()))
        .collect();
    let definition = json!({
        "title": "Binding",
        "type": "object",
        "properties": {
            "type": type_property(&names),
            "kind": {"title": "Kind", "enum": kind_names(&ALL_KINDS)},
            "vault": {"title": "Vault", "type": "string"},
            "catalog": catalog(),
            "options": {"title": "Options", "type": "object"},
            "routes": {"title": "Routes", "type": "array", "items": route()},
            "exit": {"title": "Exit", "type": "string"},
            "entry": {"title": "Entry", "type": "string", "pattern": NAME_PATTERN},
            "telemetry": {
                "title": "Telemetry",
                "type": "object",
                "properties": {"metrics": metrics(), "attributes": named_strings()},
                "additionalProperties": false,
            },
        },
        "additionalProperties": false,
        "required": ["type", "kind"],
    });
    with_all_of(definition, all_of)
}

fn kind_names(kinds: &[Kind]) -> Vec<&'static str> {
    kinds.iter().map(|kind| kind.as_str()).collect()
}

fn route() -> Value {
    json!({
        "title": "Route",
        "type": "object",
        "properties": {
            "exit": {"title": "Exit", "type": "string"},
            "when": {"title": "Conditions", "type": "array", "items": {"type": "object"}},
            "with": {"title": "Override", "type": "object"},
            "guarded": {
                "title": "Guarded",
                "type": "object",
                "patternProperties": {
                    NAME_PATTERN: {"type": "array", "items": {"type": "string"}},
                },
                "additionalProperties": false,
            },
        },
        "additionalProperties": false,
    })
}

fn catalog() -> Value {
    json!({
        "title": "Catalog",
        "type": "object",
        "patternProperties": {NAME_PATTERN: {"type": "array", "items": {"type": "object"}}},
        "additionalProperties": false,
        "maxProperties": 1,
    })
}

/// The `if`/`then` entry of one binding type. When the factory's schema is the same for every
/// kind it sits directly in `then`; otherwise `then` holds one `if {kind} then {…}` per kind.
fn per_type(factory: &dyn BindingFactory) -> Value {
    let kinds = factory.kinds();
    let bodies: Vec<(Kind, Map<String, Value>)> = kinds
        .iter()
        .map(|kind| (*kind, properties(&factory.schema(*kind))))
        .collect();
    let mut then_properties = Map::new();
    then_properties.insert("type".to_owned(), json!({"const": factory.type_name()}));
    then_properties.insert("kind".to_owned(), json!({"enum": kind_names(kinds)}));
    let same_for_every_kind = bodies.windows(2).all(|pair| match pair {
        [(_, first), (_, second)] => first == second,
        _ => true,
    });
    let mut then = Map::new();
    match bodies.first() {
        Some((_, body)) if same_for_every_kind => {
            then_properties.extend(body.clone());
        }
        _ => {
            let per_kind: Vec<Value> = bodies
                .into_iter()
                .map(|(kind, body)| {
                    json!({
                        "if": {"properties": {"kind": {"const": kind.as_str()}}, "required": ["kind"]},
                        "then": {"properties": body},
                    })
                })
                .collect();
            then.insert("allOf".to_owned(), Value::Array(per_kind));
        }
    }
    then.insert("properties".to_owned(), Value::Object(then_properties));
    when_type(factory.type_name(), Value::Object(then))
}

/// The properties a factory's schema constrains: `options`, `routes` (their `when` and `with`)
/// and `exit`; `false` where the binding takes none.
fn properties(schema: &BindingSchema) -> Map<String, Value> {
    let mut properties = Map::new();
    properties.insert(
        "options".to_owned(),
        schema.options.clone().unwrap_or(Value::Bool(false)),
    );
    let routes = if schema.routes {
        let when = match &schema.condition {
            Some(condition) => json!({"type": "array", "items": condition}),
            None => Value::Bool(false),
        };
        let with = schema.with.clone().unwrap_or(Value::Bool(false));
        json!({"items": {"properties": {"when": when, "with": with}}})
    } else {
        Value::Bool(false)
    };
    properties.insert("routes".to_owned(), routes);
    if !schema.exit {
        properties.insert("exit".to_owned(), Value::Bool(false));
    }
    properties
}

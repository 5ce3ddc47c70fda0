//! Definitions of guards, vaults, stores, exporters and catalogs: `type` plus typed `options`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::registry::ComponentFactory;

/// A registered type and the schema of its options (`None`: it takes none).
pub type ComponentType = (&'static str, Option<Value>);

pub fn types<F: ComponentFactory + ?Sized>(
    factories: &BTreeMap<&'static str, Arc<F>>,
) -> Vec<ComponentType> {
    factories
        .iter()
        .map(|(name, factory)| (*name, factory.options_schema()))
        .collect()
}

/// The base definition with `extra` properties beside `type` and `options`, and one
/// `if {type: const} then {options: …}` entry per type.
pub fn definition(types: Vec<ComponentType>, extra: &[(&str, Value)]) -> Value {
    let names: Vec<&str> = types.iter().map(|(name, _)| *name).collect();
    let mut properties = Map::new();
    properties.insert("type".to_owned(), type_property(&names));
    for (name, schema) in extra {
        properties.insert((*name).to_owned(), schema.clone());
    }
    properties.insert(
        "options".to_owned(),
        json!({"title": "Options", "type": "object"}),
    );
    let all_of: Vec<Value> = types
        .into_iter()
        .map(|(name, options)| {
            let then = json!({
                "properties": {
                    "type": {"const": name},
                    "options": options.unwrap_or(Value::Bool(false)),
                }
            });
            when_type(name, then)
        })
        .collect();
    with_all_of(
        json!({
            "type": "object",
            "properties": properties,
            "additionalProperties": false,
            "required": ["type"],
        }),
        all_of,
    )
}

/// `definition` with an `allOf`, which must not be empty to be a valid schema.
pub fn with_all_of(mut definition: Value, all_of: Vec<Value>) -> Value {
    if let (Some(object), false) = (definition.as_object_mut(), all_of.is_empty()) {
        object.insert("allOf".to_owned(), Value::Array(all_of));
    }
    definition
}

/// `type` is a string naming one of `names`. With nothing registered there is no enum (an empty
/// one is not a valid schema); the semantic checks report the unknown type instead.
pub fn type_property(names: &[&str]) -> Value {
    if names.is_empty() {
        json!({"title": "Type", "type": "string"})
    } else {
        json!({"title": "Type", "type": "string", "enum": names})
    }
}

/// `then` applies to objects whose `type` is `name`. `required` keeps the condition from holding
/// vacuously when `type` is missing (which is reported once, by the base definition).
pub fn when_type(name: &str, then: Value) -> Value {
    json!({
        "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
        "then": then,
    })
}

//! Request shapes an http binding validates. The runtime that uses them comes later, so each
//! stays JSON here while its schema says precisely what Zilla takes.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HttpRequest(pub Value);

const NAME: &str = "^[a-zA-Z]+[a-zA-Z0-9\\._\\-]*$";

/// A model by name or with settings (the settings belong to the model's module).
fn model() -> Value {
    json!({
        "oneOf": [
            { "type": "string" },
            { "type": "object", "properties": { "model": { "type": "string" } }, "required": ["model"] }
        ]
    })
}

/// Name → model, for headers and parameters.
fn named_models() -> Value {
    json!({ "type": "object", "propertyNames": { "pattern": NAME }, "additionalProperties": model() })
}

fn strings() -> Value {
    json!({ "type": "array", "items": { "type": "string" } })
}

fn response() -> Value {
    json!({
        "type": "object",
        "properties": {
            "status": {
                "oneOf": [
                    { "type": "integer" },
                    { "type": "array", "items": { "type": "integer" } }
                ]
            },
            "content-type": strings(),
            "headers": named_models(),
            "content": model()
        },
        "additionalProperties": false,
        // A response shape that checks nothing is a mistake.
        "anyOf": [{ "required": ["content"] }, { "required": ["headers"] }]
    })
}

impl JsonSchema for HttpRequest {
    fn schema_name() -> Cow<'static, str> {
        "HttpRequest".into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "properties": {
                "path": { "type": "string" },
                "method": {
                    "type": "string",
                    "enum": ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"]
                },
                "content-type": strings(),
                "headers": named_models(),
                "params": {
                    "type": "object",
                    "properties": { "path": named_models(), "query": named_models() },
                    "additionalProperties": false
                },
                "content": model(),
                "responses": { "type": "array", "items": response() }
            },
            "additionalProperties": false,
            // A path, and something to check on it.
            "required": ["path"],
            "anyOf": [
                { "required": ["headers"] },
                { "required": ["params"] },
                { "required": ["content"] },
                { "required": ["responses"] }
            ]
        })
    }
}

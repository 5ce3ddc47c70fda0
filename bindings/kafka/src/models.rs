//! Message models (how keys and values are validated) and the transforms a cache server
//! applies to messages, typed as far as this binding needs them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A model by name (`json`, `string`, …) or with its settings. The settings belong to the
/// model's own module, so they stay untyped here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Model {
    Name(String),
    Config(ModelConfig),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    pub model: String,
    #[serde(flatten)]
    pub settings: BTreeMap<String, Value>,
}

impl JsonSchema for Model {
    fn schema_name() -> Cow<'static, str> {
        "KafkaModel".into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                { "type": "string" },
                {
                    "type": "object",
                    "properties": { "model": { "type": "string" } },
                    "required": ["model"]
                }
            ]
        })
    }
}

/// One step of a cache server's message transform.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transform {
    /// `${message.value.<field>}`: the record key is taken from this field.
    #[serde(
        default,
        rename = "extract-key",
        skip_serializing_if = "Option::is_none"
    )]
    pub extract_key: Option<String>,
    /// Header name → `${message.value.<field>}` the header is taken from.
    #[serde(
        default,
        rename = "extract-headers",
        skip_serializing_if = "Option::is_none"
    )]
    pub extract_headers: Option<BTreeMap<String, String>>,
}

/// The transform list: a key extraction, a headers extraction, or both in that order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Transforms(pub Vec<Transform>);

const MESSAGE_FIELD: &str = r"^\$\{message\.(?:key|value)\.[A-Za-z_]\w*\}$";
const HEADER_NAME: &str = r"^[A-Za-z:][A-Za-z0-9._:-]*$";

impl JsonSchema for Transforms {
    fn schema_name() -> Cow<'static, str> {
        "KafkaTransforms".into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        let extract_key = json_schema!({ "type": "string", "pattern": MESSAGE_FIELD });
        let extract_headers = json_schema!({
            "type": "object",
            "propertyNames": { "pattern": HEADER_NAME },
            "additionalProperties": { "type": "string", "pattern": MESSAGE_FIELD }
        });
        json_schema!({
            "title": "Transforms",
            "type": "array",
            "minItems": 1,
            "maxItems": 2,
            "items": {
                "type": "object",
                "properties": {
                    "extract-key": extract_key,
                    "extract-headers": extract_headers
                },
                "minProperties": 1,
                "maxProperties": 1,
                "additionalProperties": false
            },
            // Two steps only as key first, then headers.
            "if": { "minItems": 2 },
            "then": {
                "items": [
                    { "required": ["extract-key"] },
                    { "required": ["extract-headers"] }
                ]
            }
        })
    }
}

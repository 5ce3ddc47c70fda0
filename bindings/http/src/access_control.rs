//! CORS settings of an http server.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    #[default]
    SameOrigin,
    CrossOrigin,
}

/// Allow, max-age and expose describe cross-origin answers, so only that policy takes them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend(
    "if" = { "properties": { "policy": { "const": "cross-origin" } }, "required": ["policy"] },
    "else" = { "not": { "anyOf": [
        { "required": ["allow"] }, { "required": ["max-age"] }, { "required": ["expose"] }
    ] } }
))]
pub struct AccessControl {
    #[serde(default)]
    pub policy: Policy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "AccessControlAllow")]
    pub allow: Option<AccessControlAllow>,
    /// Seconds a browser may cache a preflight answer.
    #[serde(default, rename = "max-age", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32")]
    pub max_age: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "AccessControlExpose")]
    pub expose: Option<AccessControlExpose>,
}

/// What cross-origin requests may carry; absent lists allow anything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessControlAllow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub origins: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub methods: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub headers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub credentials: Option<bool>,
}

/// Response headers a cross-origin script may read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessControlExpose {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub headers: Option<Vec<String>>,
}

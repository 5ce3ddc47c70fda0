//! Route conditions (`when`) and overrides (`with`) of an http binding.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One `when` entry: every header given must match. Pseudo-headers (`:method`, `:path`,
/// `:scheme`, `:authority`) are how a route matches the request line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "BTreeMap<String, String>")]
    pub headers: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpWith {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "HttpWithHeaders")]
    pub headers: Option<HttpWithHeaders>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpWithHeaders {
    /// Header name → value set on requests taking this route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "BTreeMap<String, String>")]
    pub overrides: Option<BTreeMap<String, String>>,
}

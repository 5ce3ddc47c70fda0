//! Typed `options` of an http binding.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::access_control::AccessControl;
use crate::authorization::HttpAuthorization;
use crate::requests::HttpRequest;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpOptions {
    /// Protocol versions offered; both when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<HttpVersion>")]
    pub versions: Option<Vec<HttpVersion>>,
    /// CORS policy (server kind only).
    #[serde(
        default,
        rename = "access-control",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "AccessControl")]
    pub access_control: Option<AccessControl>,
    /// Guard name → where requests carry their credentials (at most one guard).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(
        extend("maxProperties" = 1),
        extend("propertyNames" = { "pattern": "^[a-zA-Z]+[a-zA-Z0-9\\._\\-]*$" })
    )]
    pub authorization: BTreeMap<String, HttpAuthorization>,
    /// Header name → value set on every request passing through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "BTreeMap<String, String>")]
    pub overrides: Option<BTreeMap<String, String>>,
    /// Request shapes to validate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<HttpRequest>")]
    pub requests: Option<Vec<HttpRequest>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum HttpVersion {
    #[serde(rename = "http/1.1")]
    Http11,
    #[serde(rename = "h2")]
    H2,
}

impl HttpOptions {
    pub fn versions(&self) -> &[HttpVersion] {
        const BOTH: &[HttpVersion] = &[HttpVersion::Http11, HttpVersion::H2];
        self.versions.as_deref().unwrap_or(BOTH)
    }
}

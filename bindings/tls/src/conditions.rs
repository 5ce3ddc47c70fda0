//! Route conditions (`when`) and overrides (`with`) of a tls binding.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::options::Mutual;

/// One `when` entry: every field given must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// Trusting certificates means nothing when no certificate is asked for.
#[schemars(extend("if" = { "properties": { "mutual": { "const": "none" } }, "required": ["mutual"] },
                  "then" = { "not": { "required": ["trust"] } }))]
pub struct TlsCondition {
    /// Server name the client asked for (SNI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub authority: Option<String>,
    /// Application protocol negotiated (ALPN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub alpn: Option<String>,
    /// Local port the connection arrived on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "PortSpec")]
    pub port: Option<PortSpec>,
    /// Vault aliases of the CAs the client certificate must chain to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub trust: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ConditionMutual")]
    pub mutual: Option<ConditionMutual>,
}

/// Conditions distinguish only whether a client certificate was required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConditionMutual {
    Required,
    None,
}

impl From<ConditionMutual> for Mutual {
    fn from(value: ConditionMutual) -> Self {
        match value {
            ConditionMutual::Required => Mutual::Required,
            ConditionMutual::None => Mutual::None,
        }
    }
}

/// A port, a `"low-high"` range, or a list of either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PortSpec {
    One(PortValue),
    Many(Vec<PortValue>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PortValue {
    Number(u16),
    Range(#[schemars(regex(pattern = r"^\d+(-\d+)?$"))] String),
}

impl PortValue {
    /// The inclusive range this value covers, or `None` when the text is not a port range.
    pub fn bounds(&self) -> Option<(u16, u16)> {
        match self {
            PortValue::Number(port) => Some((*port, *port)),
            PortValue::Range(text) => {
                let (low, high) = text.split_once('-').unwrap_or((text, text));
                let low = low.parse().ok()?;
                let high = high.parse().ok()?;
                (low <= high).then_some((low, high))
            }
        }
    }
}

impl PortSpec {
    pub fn values(&self) -> &[PortValue] {
        match self {
            PortSpec::One(value) => std::slice::from_ref(value),
            PortSpec::Many(values) => values,
        }
    }
}

/// `with` of a client route: the client certificate to present, chosen by subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsWith {
    pub certificate: CertificateSubject,
}

/// Exactly one way to name the certificate's subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub enum CertificateSubject {
    #[serde(rename = "subject.cn")]
    CommonName(String),
    #[serde(rename = "subject.dn")]
    DistinguishedName(String),
}

//! Port specifications as Zilla writes them: `8080`, `"8000-8010"`, or a list of either.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

/// One entry of a port specification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortEntry {
    Number(i64),
    Text(String),
}

/// `port` as written in the config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortSpec {
    One(PortEntry),
    Many(Vec<PortEntry>),
}

/// Why a port specification does not name valid ports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    #[error("port {0} is outside 0-65535")]
    OutOfRange(i64),
    #[error("port {0:?} is neither a number nor a range like 8000-8010")]
    Malformed(String),
    #[error("port range {0:?} ends before it starts")]
    Reversed(String),
}

impl PortSpec {
    /// Every port named, in order of first appearance, without duplicates.
    pub fn ports(&self) -> Result<Vec<u16>, PortError> {
        let entries: &[PortEntry] = match self {
            PortSpec::One(entry) => std::slice::from_ref(entry),
            PortSpec::Many(entries) => entries,
        };
        let mut ports = Vec::new();
        for entry in entries {
            for port in entry.ports()? {
                if !ports.contains(&port) {
                    ports.push(port);
                }
            }
        }
        Ok(ports)
    }
}

impl PortEntry {
    fn ports(&self) -> Result<std::ops::RangeInclusive<u16>, PortError> {
        match self {
            PortEntry::Number(number) => {
                let port = to_port(*number)?;
                Ok(port..=port)
            }
            PortEntry::Text(text) => {
                let (low, high) = match text.split_once('-') {
                    Some((low, high)) => (parse_port(text, low)?, parse_port(text, high)?),
                    None => {
                        let port = parse_port(text, text)?;
                        (port, port)
                    }
                };
                if high < low {
                    return Err(PortError::Reversed(text.clone()));
                }
                Ok(low..=high)
            }
        }
    }
}

fn parse_port(whole: &str, part: &str) -> Result<u16, PortError> {
    if part.is_empty() || !part.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(PortError::Malformed(whole.to_owned()));
    }
    let number = part
        .parse::<i64>()
        .map_err(|_| PortError::Malformed(whole.to_owned()))?;
    to_port(number)
}

fn to_port(number: i64) -> Result<u16, PortError> {
    u16::try_from(number).map_err(|_| PortError::OutOfRange(number))
}

impl JsonSchema for PortSpec {
    fn schema_name() -> Cow<'static, str> {
        "TcpPort".into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "title": "Port",
            "oneOf": [
                { "type": "integer" },
                { "type": "string", "pattern": "^\\d+(-\\d+)?$" },
                {
                    "type": "array",
                    "items": {
                        "oneOf": [
                            { "type": "integer" },
                            { "type": "string", "pattern": "^\\d+(-\\d+)?$" }
                        ]
                    }
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(value: serde_json::Value) -> PortSpec {
        serde_json::from_value(value).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn numbers_ranges_and_lists() {
        assert_eq!(spec(serde_json::json!(7114)).ports(), Ok(vec![7114]));
        assert_eq!(
            spec(serde_json::json!("80-82")).ports(),
            Ok(vec![80, 81, 82])
        );
        assert_eq!(
            spec(serde_json::json!([80, "81-82", 80])).ports(),
            Ok(vec![80, 81, 82])
        );
    }

    #[test]
    fn bad_ports_are_errors() {
        assert_eq!(
            spec(serde_json::json!(70000)).ports(),
            Err(PortError::OutOfRange(70000))
        );
        assert!(matches!(
            spec(serde_json::json!("9-1")).ports(),
            Err(PortError::Reversed(_))
        ));
        assert!(matches!(
            spec(serde_json::json!("a-1")).ports(),
            Err(PortError::Malformed(_))
        ));
    }
}

//! Route conditions: `cidr`, `authority` and `port`, all of which must hold when present.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ports::{PortError, PortSpec};

/// A `when` entry as written in the config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TcpConditionConfig {
    /// Host name pattern; `*` matches any run of characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Authority", with = "String")]
    pub authority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        title = "CIDR Mask",
        with = "String",
        regex(pattern = r"^[0-9a-fA-F:.]+/(\d{1,3})$")
    )]
    pub cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "PortSpec")]
    pub port: Option<PortSpec>,
}

/// Why a condition cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    #[error("cidr {0:?} is not an address/prefix")]
    Cidr(String),
    #[error(transparent)]
    Port(#[from] PortError),
}

/// A condition ready to match connections.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "TcpConditionConfig")]
pub struct TcpCondition {
    cidr: Option<IpNet>,
    authority: Option<String>,
    ports: Option<Vec<u16>>,
}

/// What a condition is matched against.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The address `cidr` applies to (the peer for a server, the destination for a client).
    pub address: IpAddr,
    /// The port `port` applies to (the local port for a server, the destination's for a client).
    pub port: u16,
    /// The name `authority` applies to, when one is known. Without reverse DNS, a server knows
    /// only the peer's address in text form.
    pub host: Option<&'a str>,
}

impl TryFrom<TcpConditionConfig> for TcpCondition {
    type Error = ConditionError;

    fn try_from(config: TcpConditionConfig) -> Result<Self, Self::Error> {
        let cidr = config
            .cidr
            .map(|text| parse_cidr(&text).ok_or(ConditionError::Cidr(text)))
            .transpose()?;
        let ports = config.port.map(|spec| spec.ports()).transpose()?;
        Ok(Self {
            cidr,
            authority: config
                .authority
                .map(|authority| authority.to_ascii_lowercase()),
            ports,
        })
    }
}

fn parse_cidr(text: &str) -> Option<IpNet> {
    let net: IpNet = text.parse().ok()?;
    Some(net.trunc())
}

impl TcpCondition {
    pub fn matches(&self, candidate: &Candidate<'_>) -> bool {
        let address = canonical(candidate.address);
        let cidr_ok = self.cidr.is_none_or(|net| net.contains(&address));
        let port_ok = self
            .ports
            .as_ref()
            .is_none_or(|ports| ports.contains(&candidate.port));
        let authority_ok = self.authority.as_deref().is_none_or(|pattern| {
            let host = candidate
                .host
                .map(str::to_ascii_lowercase)
                .unwrap_or_else(|| address.to_string());
            wildcard_match(pattern, &host)
        });
        cidr_ok && port_ok && authority_ok
    }

    pub fn for_server(local: SocketAddr, remote: SocketAddr) -> impl Fn(&TcpCondition) -> bool {
        move |condition| {
            condition.matches(&Candidate {
                address: remote.ip(),
                port: local.port(),
                host: None,
            })
        }
    }
}

/// An IPv4 peer reached through a dual-stack socket shows up as `::ffff:a.b.c.d`; match it as
/// the IPv4 address it is.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// Matches `text` against `pattern`, where `*` stands for any run of characters.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return text.is_empty();
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(value: serde_json::Value) -> TcpCondition {
        serde_json::from_value(value).unwrap_or_else(|error| panic!("{error}"))
    }

    fn candidate(address: &str, port: u16, host: Option<&'static str>) -> Candidate<'static> {
        Candidate {
            address: address.parse().unwrap_or_else(|_| panic!("{address}")),
            port,
            host,
        }
    }

    #[test]
    fn cidr_and_port_must_both_hold() {
        let when = condition(serde_json::json!({"cidr": "10.0.0.0/8", "port": "7000-7001"}));
        assert!(when.matches(&candidate("10.1.2.3", 7001, None)));
        assert!(!when.matches(&candidate("11.1.2.3", 7001, None)));
        assert!(!when.matches(&candidate("10.1.2.3", 7002, None)));
        assert!(when.matches(&candidate("::ffff:10.0.0.1", 7000, None)));
    }

    #[test]
    fn authority_wildcards() {
        let when = condition(serde_json::json!({"authority": "*.example.com"}));
        assert!(when.matches(&candidate("1.2.3.4", 1, Some("mqtt.example.com"))));
        assert!(!when.matches(&candidate("1.2.3.4", 1, Some("example.org"))));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(!wildcard_match("a*b*c", "aXXbYY"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("ab*ba", "aba"));
    }

    #[test]
    fn bad_cidr_is_refused() {
        let result: Result<TcpCondition, _> =
            serde_json::from_value(serde_json::json!({"cidr": "10.0.0.0/99"}));
        assert!(result.is_err());
        let result: Result<TcpCondition, _> =
            serde_json::from_value(serde_json::json!({"cidrs": "10.0.0.0/8"}));
        assert!(result.is_err());
    }
}

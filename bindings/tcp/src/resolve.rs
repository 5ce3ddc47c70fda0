//! Turning `host` and `port` options into socket addresses.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use zilla_engine::binding::BuildError;

use crate::options::TcpOptions;

/// The host a server listens on when the config names none.
pub const DEFAULT_LISTEN_HOST: &str = "0.0.0.0";

/// The `(host, port)` pairs a server's options name, without resolving anything.
pub fn listen_pairs(options: &TcpOptions) -> Vec<(String, u16)> {
    let host = options
        .host
        .clone()
        .unwrap_or_else(|| DEFAULT_LISTEN_HOST.to_owned());
    options
        .ports()
        .unwrap_or_default()
        .into_iter()
        .map(|port| (host.clone(), port))
        .collect()
}

/// Every address a server must listen on. A host name is resolved here (at build, not during
/// validation) and each of its addresses is bound.
pub fn listen_addresses(id: &str, options: &TcpOptions) -> Result<Vec<SocketAddr>, BuildError> {
    let ports = options
        .ports()
        .map_err(|error| BuildError::Config(format!("{id}: {error}")))?;
    if ports.is_empty() {
        return Err(BuildError::Config(format!(
            "{id}: a tcp server needs options.port"
        )));
    }
    let host = options.host.as_deref().unwrap_or(DEFAULT_LISTEN_HOST);
    let mut addresses = Vec::new();
    for port in ports {
        for address in resolve(host, port).map_err(|reason| BuildError::Listen {
            address: format!("{host}:{port}"),
            reason,
        })? {
            if !addresses.contains(&address) {
                addresses.push(address);
            }
        }
    }
    Ok(addresses)
}

fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let resolved: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|error| error.to_string())?
        .collect();
    if resolved.is_empty() {
        return Err(format!("{host} resolves to no address"));
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(value: serde_json::Value) -> TcpOptions {
        serde_json::from_value(value).unwrap_or_else(|error| panic!("{error}"))
    }

    #[test]
    fn pairs_default_the_host() {
        assert_eq!(
            listen_pairs(&options(serde_json::json!({"port": [1, "3-4"]}))),
            vec![
                ("0.0.0.0".to_owned(), 1),
                ("0.0.0.0".to_owned(), 3),
                ("0.0.0.0".to_owned(), 4)
            ]
        );
    }

    #[test]
    fn literal_hosts_are_not_looked_up() {
        let addresses =
            listen_addresses("t", &options(serde_json::json!({"host": "::1", "port": 9})));
        assert_eq!(
            addresses,
            Ok(vec!["[::1]:9".parse().unwrap_or_else(|_| panic!())])
        );
        assert!(listen_addresses("t", &options(serde_json::json!({"host": "::1"}))).is_err());
    }
}

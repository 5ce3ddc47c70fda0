//! Stream extensions the tcp binding writes and reads. Public so that other bindings (tls,
//! mqtt, …) can read a connection's addresses or ask a tcp client where to connect.

use std::net::SocketAddr;

/// Carried on the `Begin` of a stream that stands for one TCP connection: the addresses of its
/// two ends as seen from the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpBeginEx {
    pub local: SocketAddr,
    pub remote: SocketAddr,
}

/// Asks a tcp client binding without `host`/`port` options where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpConnectEx {
    pub host: String,
    pub port: u16,
}

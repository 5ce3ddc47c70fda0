//! The tcp binding's `options`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ports::PortSpec;

/// Zilla's `tcp` options (absent fields are omitted, never `null`). `backlog`, `nodelay` and `keepalive` exist in Zilla's options model
/// (with these defaults) though its published schema only lists `host` and `port`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Options")]
pub struct TcpOptions {
    /// Address to listen on (server) or connect to (client).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Host", with = "String")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "PortSpec")]
    pub port: Option<PortSpec>,
    /// Pending connections the kernel queues before they are accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32")]
    pub backlog: Option<u32>,
    /// Disables Nagle's algorithm (on unless set to false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub nodelay: Option<bool>,
    /// Enables TCP keep-alive probes (off unless set to true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub keepalive: Option<bool>,
}

/// Socket settings applied to every connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketSettings {
    pub nodelay: bool,
    pub keepalive: bool,
}

impl TcpOptions {
    pub fn socket_settings(&self) -> SocketSettings {
        SocketSettings {
            nodelay: self.nodelay.unwrap_or(true),
            keepalive: self.keepalive.unwrap_or(false),
        }
    }

    /// Ports named by `port`, or none when it is absent.
    pub fn ports(&self) -> Result<Vec<u16>, crate::ports::PortError> {
        match &self.port {
            Some(spec) => spec.ports(),
            None => Ok(Vec::new()),
        }
    }
}

impl SocketSettings {
    pub fn apply(&self, stream: &tokio::net::TcpStream) -> std::io::Result<()> {
        stream.set_nodelay(self.nodelay)?;
        if self.keepalive {
            socket2::SockRef::from(stream).set_keepalive(true)?;
        }
        Ok(())
    }
}

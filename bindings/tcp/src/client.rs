//! The tcp client: each stream opened toward it becomes one outgoing TCP connection.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::net::TcpStream;
use zilla_engine::binding::{Binding, BuildContext, BuildError};
use zilla_engine::frame::{Begin, BindingId, Extension};
use zilla_engine::stream::StreamEnd;
use zilla_engine::telemetry::events::Events;

use crate::condition::{Candidate, TcpCondition};
use crate::extension::{TcpBeginEx, TcpConnectEx};
use crate::options::{SocketSettings, TcpOptions};
use crate::pump::pump;

/// A running tcp client binding.
pub struct TcpClient {
    shared: Arc<Shared>,
}

struct Shared {
    id: BindingId,
    /// Destination from the options; when absent, each stream's `Begin` names it.
    host: Option<String>,
    port: Option<u16>,
    /// Any-of the conditions of every route; `None` allows every destination (no routes, or a
    /// route without conditions).
    allowed: Option<Vec<TcpCondition>>,
    settings: SocketSettings,
    connect_timeout: Duration,
    window: u32,
    events: Events,
}

impl TcpClient {
    pub fn build(context: BuildContext<'_>, connect_timeout: Duration) -> Result<Self, BuildError> {
        let options: TcpOptions = context.options()?;
        let ports = options
            .ports()
            .map_err(|error| BuildError::Config(format!("{}: {error}", context.id)))?;
        let mut allowed = Vec::new();
        let mut allow_any = context.config.routes.is_empty();
        for (index, route) in context.config.routes.iter().enumerate() {
            allow_any |= route.when.is_empty();
            for condition in &route.when {
                let condition = serde_json::from_value(condition.clone()).map_err(|error| {
                    BuildError::Config(format!("{}: route {index}: {error}", context.id))
                })?;
                allowed.push(condition);
            }
        }
        Ok(Self {
            shared: Arc::new(Shared {
                id: context.id.clone(),
                host: options.host.clone(),
                port: ports.first().copied(),
                allowed: (!allow_any).then_some(allowed),
                settings: options.socket_settings(),
                connect_timeout,
                window: context.limits.stream_window,
                events: context.events.clone(),
            }),
        })
    }
}

#[async_trait]
impl Binding for TcpClient {
    fn id(&self) -> &BindingId {
        &self.shared.id
    }

    fn open(&self, begin: Begin, stream: StreamEnd) {
        let shared = self.shared.clone();
        tokio::spawn(async move { shared.connect(begin, stream).await });
    }
}

impl Shared {
    async fn connect(&self, begin: Begin, mut stream: StreamEnd) {
        let Some((host, port)) = self.destination(&begin) else {
            tracing::debug!(binding = %self.id, "no destination to connect to");
            stream.rx.reset(Extension::none());
            return;
        };
        let socket = match self.dial(&host, port).await {
            Ok(socket) => socket,
            Err(reason) => {
                tracing::debug!(binding = %self.id, %host, port, %reason, "connect failed");
                stream.rx.reset(Extension::none());
                return;
            }
        };
        if let Err(error) = self.settings.apply(&socket) {
            tracing::debug!(binding = %self.id, %error, "socket options not applied");
        }
        let (Ok(local), Ok(remote)) = (socket.local_addr(), socket.peer_addr()) else {
            stream.rx.reset(Extension::none());
            return;
        };
        let reply = Begin {
            origin: begin.origin,
            routed: begin.routed,
            authorization: None,
            affinity: begin.affinity,
            extension: Extension::new(TcpBeginEx { local, remote }),
        };
        if stream.tx.begin(reply).is_err() {
            return;
        }
        stream.rx.open_window(self.window, 0);
        pump(socket, stream.tx, stream.rx).await;
    }

    fn destination(&self, begin: &Begin) -> Option<(String, u16)> {
        if let (Some(host), Some(port)) = (&self.host, self.port) {
            return Some((host.clone(), port));
        }
        if let Some(connect) = begin.extension.get::<TcpConnectEx>() {
            return Some((connect.host.clone(), connect.port));
        }
        begin
            .extension
            .get::<TcpBeginEx>()
            .map(|addresses| (addresses.remote.ip().to_string(), addresses.remote.port()))
    }

    /// Resolves and connects to the first address the routes allow, within the timeout.
    async fn dial(&self, host: &str, port: u16) -> Result<TcpStream, String> {
        let attempt = async {
            let addresses: Vec<SocketAddr> = match tokio::net::lookup_host((host, port)).await {
                Ok(addresses) => addresses.collect(),
                Err(_) => Vec::new(),
            };
            if addresses.is_empty() {
                self.events.emit(
                    &self.id,
                    "binding.tcp.dns.failed",
                    format!("Unable to resolve host dns for address ({host})."),
                );
                return Err(format!("cannot resolve {host}"));
            }
            let mut last_error = String::from("no route allows this destination");
            for address in addresses {
                if !self.allows(host, address) {
                    continue;
                }
                match TcpStream::connect(address).await {
                    Ok(socket) => return Ok(socket),
                    Err(error) => last_error = error.to_string(),
                }
            }
            Err(last_error)
        };
        tokio::time::timeout(self.connect_timeout, attempt)
            .await
            .map_err(|_| format!("timed out after {:?}", self.connect_timeout))?
    }

    fn allows(&self, host: &str, address: SocketAddr) -> bool {
        let candidate = Candidate {
            address: address.ip(),
            port: address.port(),
            host: Some(host),
        };
        self.allowed.as_ref().is_none_or(|allowed| {
            allowed
                .iter()
                .any(|condition| condition.matches(&candidate))
        })
    }
}

//! The tls client: each stream opened toward it becomes a TLS session over a stream it opens
//! toward its exit (usually a tcp client), so that a plaintext binding (an mqtt client) can
//! reach a peer over TLS.
//!
//! The server name sent (SNI) and checked against the peer's certificate is the first `sni`
//! option, else the host a `TcpConnectEx` on the stream's `Begin` names.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;
use zilla_binding_tcp::TcpConnectEx;
use zilla_engine::binding::{Binding, BuildContext, BuildError};
use zilla_engine::frame::{Begin, BindingId, Extension};
use zilla_engine::io::StreamIo;
use zilla_engine::stream::StreamEnd;

use crate::options::TlsOptions;
use crate::pump::{open_exit, relay};
use crate::routing::{Handshake, TlsRoutes};
use crate::settings::client_config;

pub struct TlsClient {
    shared: Arc<Shared>,
}

struct Shared {
    id: BindingId,
    connector: TlsConnector,
    server_name: Option<String>,
    routes: TlsRoutes,
    handshake_timeout: Duration,
    window: u32,
}

impl TlsClient {
    pub fn build(
        context: BuildContext<'_>,
        handshake_timeout: Duration,
    ) -> Result<Self, BuildError> {
        let options: TlsOptions = context.options()?;
        let config = client_config(&context.id, &options, context.vault.as_deref())?;
        Ok(Self {
            shared: Arc::new(Shared {
                id: context.id.clone(),
                connector: TlsConnector::from(Arc::new(config)),
                server_name: options
                    .sni
                    .as_ref()
                    .and_then(|names| names.first().cloned()),
                routes: TlsRoutes::build(&context)?,
                handshake_timeout,
                window: context.limits.stream_window,
            }),
        })
    }
}

#[async_trait]
impl Binding for TlsClient {
    fn id(&self) -> &BindingId {
        &self.shared.id
    }

    fn open(&self, begin: Begin, stream: StreamEnd) {
        let shared = self.shared.clone();
        tokio::spawn(async move { shared.connect(begin, stream).await });
    }
}

impl Shared {
    fn server_name(&self, begin: &Begin) -> Option<ServerName<'static>> {
        let name = self.server_name.clone().or_else(|| {
            begin
                .extension
                .get::<TcpConnectEx>()
                .map(|connect| connect.host.clone())
        })?;
        ServerName::try_from(name).ok()
    }

    async fn connect(&self, begin: Begin, mut stream: StreamEnd) {
        let Some(server_name) = self.server_name(&begin) else {
            tracing::debug!(binding = %self.id, "no server name to connect to");
            stream.rx.reset(Extension::none());
            return;
        };
        let authority = match &server_name {
            ServerName::DnsName(name) => Some(name.as_ref().to_owned()),
            _ => None,
        };
        let handshake = Handshake {
            authority: authority.as_deref(),
            ..Handshake::default()
        };
        let Some(route) = handshake.route(&self.routes, &begin) else {
            tracing::debug!(binding = %self.id, ?authority, "no route");
            stream.rx.reset(Extension::none());
            return;
        };
        let exit = route.exit.clone();
        let Some(network) =
            open_exit(&self.id, &exit, &begin, self.window, self.handshake_timeout).await
        else {
            stream.rx.reset(Extension::none());
            return;
        };
        let connect = self.connector.connect(server_name, network).into_fallible();
        let mut tls = match tokio::time::timeout(self.handshake_timeout, connect).await {
            Ok(Ok(tls)) => tls,
            Ok(Err((error, mut network))) => {
                tracing::debug!(binding = %self.id, %error, "tls handshake failed");
                network.abort();
                stream.rx.reset(Extension::none());
                return;
            }
            Err(_) => {
                tracing::debug!(binding = %self.id, "tls handshake timed out");
                stream.rx.reset(Extension::none());
                return;
            }
        };
        let reply = Begin {
            origin: begin.origin,
            routed: begin.routed,
            authorization: begin.authorization,
            affinity: begin.affinity,
            extension: Extension::none(),
        };
        if stream.tx.begin(reply).is_err() {
            tls.get_mut().0.abort();
            return;
        }
        let mut application = StreamIo::new(stream, self.window);
        if !relay(&mut application, &mut tls).await {
            application.abort();
            tls.get_mut().0.abort();
        }
    }
}

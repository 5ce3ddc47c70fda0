//! The tls server: terminates TLS on a stream (usually from tcp) and opens a plaintext stream
//! toward the route the handshake selects.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;
use zilla_engine::binding::{Binding, BuildContext, BuildError};
use zilla_engine::frame::{Begin, BindingId};
use zilla_engine::stream::StreamEnd;

use crate::options::TlsOptions;
use crate::pump::{answer, close_gracefully, open_exit, relay};
use crate::routing::{local_port, Handshake, TlsRoutes};
use crate::settings::server_config;

pub struct TlsServer {
    shared: Arc<Shared>,
}

struct Shared {
    id: BindingId,
    acceptor: TlsAcceptor,
    routes: TlsRoutes,
    handshake_timeout: Duration,
    window: u32,
}

impl TlsServer {
    pub fn build(
        context: BuildContext<'_>,
        handshake_timeout: Duration,
    ) -> Result<Self, BuildError> {
        let options: TlsOptions = context.options()?;
        let config: ServerConfig = server_config(&context.id, &options, context.vault.as_deref())?;
        Ok(Self {
            shared: Arc::new(Shared {
                id: context.id.clone(),
                acceptor: TlsAcceptor::from(Arc::new(config)),
                routes: TlsRoutes::build(&context)?,
                handshake_timeout,
                window: context.limits.stream_window,
            }),
        })
    }
}

#[async_trait]
impl Binding for TlsServer {
    fn id(&self) -> &BindingId {
        &self.shared.id
    }

    fn open(&self, begin: Begin, stream: StreamEnd) {
        let shared = self.shared.clone();
        tokio::spawn(async move { shared.serve(begin, stream).await });
    }
}

impl Shared {
    async fn serve(&self, begin: Begin, stream: StreamEnd) {
        let Some(network) = answer(&begin, stream, self.window) else {
            return;
        };
        let accept = self.acceptor.accept(network).into_fallible();
        let mut tls = match tokio::time::timeout(self.handshake_timeout, accept).await {
            Ok(Ok(tls)) => tls,
            Ok(Err((error, mut network))) => {
                // The alert, if any, was written; an orderly close lets it reach the client.
                tracing::debug!(binding = %self.id, %error, "tls handshake failed");
                close_gracefully(&mut network).await;
                return;
            }
            Err(_) => {
                tracing::debug!(binding = %self.id, "tls handshake timed out");
                return;
            }
        };

        let (_, connection) = tls.get_ref();
        let authority = connection.server_name().map(str::to_owned);
        let alpn = connection
            .alpn_protocol()
            .and_then(|protocol| std::str::from_utf8(protocol).ok())
            .map(str::to_owned);
        let handshake = Handshake {
            authority: authority.as_deref(),
            alpn: alpn.as_deref(),
            port: local_port(&begin),
        };
        let Some(route) = handshake.route(&self.routes, &begin) else {
            tracing::debug!(binding = %self.id, ?authority, ?alpn, "no route; closing");
            close_gracefully(&mut tls).await;
            return;
        };
        let exit = route.exit.clone();
        let Some(mut next) =
            open_exit(&self.id, &exit, &begin, self.window, self.handshake_timeout).await
        else {
            close_gracefully(&mut tls).await;
            return;
        };
        if !relay(&mut tls, &mut next).await {
            next.abort();
            tls.get_mut().0.abort();
        }
    }
}

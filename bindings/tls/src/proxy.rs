//! The tls proxy: routes a TLS connection by its ClientHello (server name, offered protocols,
//! port) without terminating it; the bytes pass through untouched.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zilla_engine::binding::{Binding, BuildContext, BuildError};
use zilla_engine::frame::{Begin, BindingId};
use zilla_engine::io::StreamIo;
use zilla_engine::stream::StreamEnd;

use crate::client_hello::{peek, Peeked, MAX_HELLO};
use crate::pump::{answer, close_gracefully, open_exit, relay};
use crate::routing::{local_port, Handshake, TlsRoutes};

pub struct TlsProxy {
    shared: Arc<Shared>,
}

struct Shared {
    id: BindingId,
    routes: TlsRoutes,
    hello_timeout: Duration,
    window: u32,
}

impl TlsProxy {
    pub fn build(context: BuildContext<'_>, hello_timeout: Duration) -> Result<Self, BuildError> {
        Ok(Self {
            shared: Arc::new(Shared {
                id: context.id.clone(),
                routes: TlsRoutes::build(&context)?,
                hello_timeout,
                window: context.limits.stream_window,
            }),
        })
    }
}

#[async_trait]
impl Binding for TlsProxy {
    fn id(&self) -> &BindingId {
        &self.shared.id
    }

    fn open(&self, begin: Begin, stream: StreamEnd) {
        let shared = self.shared.clone();
        tokio::spawn(async move { shared.proxy(begin, stream).await });
    }
}

/// Reads until the ClientHello is whole; `None` when the bytes are not one.
async fn read_hello(
    network: &mut StreamIo,
    buffer: &mut BytesMut,
) -> Option<crate::client_hello::Hello> {
    loop {
        match peek(buffer) {
            Peeked::Hello(hello) => return Some(hello),
            Peeked::Invalid => return None,
            Peeked::Incomplete if buffer.len() >= MAX_HELLO => return None,
            Peeked::Incomplete => {}
        }
        match network.read_buf(buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

impl Shared {
    async fn proxy(&self, begin: Begin, stream: StreamEnd) {
        let Some(mut network) = answer(&begin, stream, self.window) else {
            return;
        };
        let mut buffer = BytesMut::with_capacity(4096);
        let hello = tokio::time::timeout(self.hello_timeout, read_hello(&mut network, &mut buffer));
        let Ok(Some(hello)) = hello.await else {
            tracing::debug!(binding = %self.id, "no ClientHello; closing");
            close_gracefully(&mut network).await;
            return;
        };
        let port = local_port(&begin);
        // A route naming a protocol is taken when the client offers it.
        let mut offered: Vec<Option<&str>> = hello.alpn.iter().map(|p| Some(p.as_str())).collect();
        offered.push(None);
        let route = offered.into_iter().find_map(|alpn| {
            let handshake = Handshake {
                authority: hello.server_name.as_deref(),
                alpn,
                port,
            };
            handshake.route(&self.routes, &begin)
        });
        let Some(route) = route else {
            tracing::debug!(binding = %self.id, server_name = ?hello.server_name, "no route; closing");
            close_gracefully(&mut network).await;
            return;
        };
        let exit = route.exit.clone();
        let Some(mut next) =
            open_exit(&self.id, &exit, &begin, self.window, self.hello_timeout).await
        else {
            close_gracefully(&mut network).await;
            return;
        };
        if next.write_all(&buffer).await.is_err() || !relay(&mut network, &mut next).await {
            next.abort();
            network.abort();
        }
    }
}

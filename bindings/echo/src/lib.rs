//! The echo binding: a server that sends every stream's data back on the same stream.

mod echo;

use std::sync::Arc;

use async_trait::async_trait;
use zilla_engine::binding::{Binding, BindingFactory, BindingSchema, BuildContext, BuildError};
use zilla_engine::config::model::Kind;
use zilla_engine::frame::{Begin, BindingId};
use zilla_engine::stream::StreamEnd;

/// The factory registered for `type: echo`.
#[derive(Debug, Clone, Copy, Default)]
pub struct EchoBindingFactory;

/// A running echo server.
pub struct EchoServer {
    id: BindingId,
    window: u32,
}

impl EchoServer {
    pub fn new(id: BindingId, window: u32) -> Self {
        Self { id, window }
    }
}

#[async_trait]
impl Binding for EchoServer {
    fn id(&self) -> &BindingId {
        &self.id
    }

    fn open(&self, begin: Begin, stream: StreamEnd) {
        tokio::spawn(echo::echo(begin, stream, self.window));
    }
}

impl BindingFactory for EchoBindingFactory {
    fn type_name(&self) -> &'static str {
        "echo"
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Server]
    }

    fn schema(&self, _kind: Kind) -> BindingSchema {
        BindingSchema {
            options: None,
            condition: None,
            with: None,
            routes: false,
            exit: false,
        }
    }

    fn build(&self, context: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
        Ok(Arc::new(EchoServer::new(
            context.id.clone(),
            context.limits.stream_window,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use zilla_engine::frame::{Data, Extension, Frame};
    use zilla_engine::stream::stream;

    fn open(window: u32) -> StreamEnd {
        let echo = EchoServer::new(BindingId::from("test:echo"), window);
        let (opener, target) = stream();
        let begin = Begin {
            origin: BindingId::from("test:client"),
            routed: BindingId::from("test:echo"),
            authorization: None,
            affinity: 0,
            extension: Extension::none(),
        };
        echo.open(begin, target);
        opener
    }

    #[tokio::test]
    async fn initial_data_is_acknowledged_only_once_echoed() {
        let mut opener = open(8);
        assert!(matches!(opener.rx.recv().await, Some(Frame::Begin(_))));
        opener.tx.ready(8).await.unwrap_or_else(|_| panic!("reset"));
        let sent = opener
            .tx
            .data(Data::message(Bytes::from_static(b"12345678")));
        assert_eq!(sent, Ok(8));
        // No reply credit yet: the echo holds the data and grants nothing more.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(opener.tx.poll_controls().is_none());
        assert_eq!(opener.tx.credit(), 0);

        opener.rx.open_window(3, 0);
        let mut echoed = Vec::new();
        while echoed.len() < 8 {
            match opener.rx.recv().await {
                Some(Frame::Data(data)) => echoed.extend_from_slice(&data.payload),
                other => panic!("expected Data, got {other:?}"),
            }
            opener.rx.acknowledge_all();
        }
        assert_eq!(echoed, b"12345678");
        opener.tx.ready(8).await.unwrap_or_else(|_| panic!("reset"));
        assert_eq!(opener.tx.acknowledged(), 8);
    }

    #[tokio::test]
    async fn end_and_abort_are_mirrored() {
        let mut opener = open(8);
        assert!(matches!(opener.rx.recv().await, Some(Frame::Begin(_))));
        let _ = opener.tx.end(Extension::none());
        assert!(matches!(opener.rx.recv().await, Some(Frame::End(_))));

        let mut opener = open(8);
        assert!(matches!(opener.rx.recv().await, Some(Frame::Begin(_))));
        let _ = opener.tx.abort(Extension::none());
        assert!(matches!(opener.rx.recv().await, Some(Frame::Abort(_))));
    }
}

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

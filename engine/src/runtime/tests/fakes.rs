//! Small factories that exercise the runtime without any real protocol.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::Deserialize;
use tokio::io::AsyncReadExt;
use tokio::task::JoinHandle;

use crate::binding::{Binding, BindingFactory, BindingSchema, BuildContext, BuildError};
use crate::config::model::Kind;
use crate::frame::{Begin, BindingId};
use crate::registry::{ComponentContext, ComponentFactory, ExporterFactory, Registry};
use crate::runtime::listeners::Listeners;
use crate::stream::StreamEnd;
use crate::telemetry::events::{Event, EventSink};

/// What the fakes saw, in order.
#[derive(Clone, Default)]
pub struct Journal(Arc<Mutex<Vec<String>>>);

impl Journal {
    pub fn note(&self, entry: String) {
        self.0.lock().expect("journal").push(entry);
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.lock().expect("journal").clone()
    }
}

pub fn registry(journal: &Journal) -> Registry {
    Registry::new()
        .binding(Fake {
            type_name: "fake_server",
            journal: journal.clone(),
        })
        .binding(Fake {
            type_name: "fake_echo",
            journal: journal.clone(),
        })
        .binding(Fake {
            type_name: "fake_broken",
            journal: journal.clone(),
        })
        .binding(Fake {
            type_name: "fake_unstartable",
            journal: journal.clone(),
        })
        .exporter(Recorder {
            journal: journal.clone(),
        })
}

struct Fake {
    type_name: &'static str,
    journal: Journal,
}

#[derive(Deserialize, Default)]
struct ServerOptions {
    #[serde(default)]
    port: u16,
}

impl BindingFactory for Fake {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Server, Kind::Proxy]
    }

    fn schema(&self, _kind: Kind) -> BindingSchema {
        BindingSchema::default()
    }

    fn build(&self, context: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
        let exits: Vec<String> = context
            .exits
            .iter()
            .map(|(written, exit)| format!("{written}={}", exit.id))
            .collect();
        self.journal
            .note(format!("build {} exits [{}]", context.id, exits.join(",")));
        if self.type_name == "fake_broken" {
            return Err(BuildError::Config("broken on purpose".into()));
        }
        let listening = if self.type_name == "fake_server" {
            let options: ServerOptions = context.options()?;
            let address = SocketAddr::from(([127, 0, 0, 1], options.port));
            context.listeners.listen(address)?;
            Some(address)
        } else {
            None
        };
        Ok(Arc::new(FakeBinding {
            id: context.id.clone(),
            unstartable: self.type_name == "fake_unstartable",
            listening,
            listeners: context.listeners.clone(),
            journal: self.journal.clone(),
            accepting: Mutex::new(None),
        }))
    }
}

struct FakeBinding {
    id: BindingId,
    unstartable: bool,
    listening: Option<SocketAddr>,
    listeners: Listeners,
    journal: Journal,
    accepting: Mutex<Option<JoinHandle<()>>>,
}

#[async_trait]
impl Binding for FakeBinding {
    fn id(&self) -> &BindingId {
        &self.id
    }

    fn open(&self, _begin: Begin, _stream: StreamEnd) {}

    async fn start(&self) -> Result<(), BuildError> {
        self.journal.note(format!("start {}", self.id));
        if self.unstartable {
            return Err(BuildError::Io("cannot start on purpose".into()));
        }
        if let Some(address) = self.listening {
            let listener = self.listeners.listen(address)?;
            let connections = self.listeners.connections().clone();
            let accepting = tokio::spawn(async move {
                while let Ok((mut socket, _)) = listener.accept().await {
                    let Some(guard) = connections.try_open() else {
                        continue;
                    };
                    tokio::spawn(async move {
                        let mut buffer = [0u8; 64];
                        while matches!(socket.read(&mut buffer).await, Ok(read) if read > 0) {}
                        drop(guard);
                    });
                }
            });
            *self.accepting.lock().expect("accepting") = Some(accepting);
        }
        Ok(())
    }

    async fn stop(&self) {
        self.journal.note(format!("stop {}", self.id));
        if let Some(accepting) = self.accepting.lock().expect("accepting").take() {
            accepting.abort();
        }
    }
}

struct Recorder {
    journal: Journal,
}

impl ComponentFactory for Recorder {
    fn type_name(&self) -> &'static str {
        "recorder"
    }

    fn options_schema(&self) -> Option<serde_json::Value> {
        None
    }
}

impl ExporterFactory for Recorder {
    fn build(&self, _context: ComponentContext<'_>) -> Result<Arc<dyn EventSink>, BuildError> {
        Ok(Arc::new(RecordingSink {
            journal: self.journal.clone(),
        }))
    }
}

struct RecordingSink {
    journal: Journal,
}

impl EventSink for RecordingSink {
    fn event(&self, event: &Event) {
        self.journal.note(format!(
            "event {} {}: {}",
            event.source, event.name, event.message
        ));
    }
}

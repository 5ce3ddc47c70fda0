//! Engine events: what happened, to which binding or guard, for operators to read.

use std::sync::{Arc, RwLock};
use std::time::SystemTime;

/// One event, as exporters receive it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Qualified name of the binding, guard or engine part it concerns (`namespace:name`).
    pub source: Arc<str>,
    /// Dotted event name, e.g. `engine.started`, `guard.jwt.authorization.failed`.
    pub name: &'static str,
    pub message: String,
    /// Correlates the event with a stream; 0 when there is none.
    pub trace_id: u64,
    pub timestamp: SystemTime,
}

/// Receives events; exporters implement it.
pub trait EventSink: Send + Sync {
    fn event(&self, event: &Event);
}

/// Fans every event out to the configured exporters. Cheap to clone; exporters can be replaced
/// on reload while holders keep emitting through the same handle.
#[derive(Clone, Default)]
pub struct Events {
    sinks: Arc<RwLock<Vec<Arc<dyn EventSink>>>>,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Events")
    }
}

impl Events {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the exporters (on start and on reload).
    pub fn set_sinks(&self, sinks: Vec<Arc<dyn EventSink>>) {
        if let Ok(mut current) = self.sinks.write() {
            *current = sinks;
        }
    }

    pub fn emit(&self, source: &Arc<str>, name: &'static str, message: impl Into<String>) {
        self.emit_traced(source, name, 0, message);
    }

    pub fn emit_traced(
        &self,
        source: &Arc<str>,
        name: &'static str,
        trace_id: u64,
        message: impl Into<String>,
    ) {
        let event = Event {
            source: source.clone(),
            name,
            message: message.into(),
            trace_id,
            timestamp: SystemTime::now(),
        };
        tracing::debug!(source = %event.source, name = event.name, "{}", event.message);
        if let Ok(sinks) = self.sinks.read() {
            for sink in sinks.iter() {
                sink.event(&event);
            }
        }
    }
}

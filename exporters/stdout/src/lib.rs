//! The stdout exporter: engine events, one line each, in Zilla's format (see [`format_event`]).

mod format;

use std::io::Write;
use std::sync::Arc;

use zilla_engine::binding::BuildError;
use zilla_engine::registry::{ComponentContext, ComponentFactory, ExporterFactory};
use zilla_engine::telemetry::events::{Event, EventSink};

pub use format::{event_name, format_event, format_event_in};

/// The factory registered for `type: stdout`. It takes no options.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdoutExporterFactory;

/// Prints every event to standard output.
#[derive(Debug, Default)]
pub struct StdoutExporter;

impl EventSink for StdoutExporter {
    fn event(&self, event: &Event) {
        let line = format_event(event);
        // One write per line under the lock, so lines from several threads never interleave;
        // a closed stdout must not bring the gateway down.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
    }
}

impl ComponentFactory for StdoutExporterFactory {
    fn type_name(&self) -> &'static str {
        "stdout"
    }

    fn options_schema(&self) -> Option<serde_json::Value> {
        None
    }
}

impl ExporterFactory for StdoutExporterFactory {
    fn build(&self, _context: ComponentContext<'_>) -> Result<Arc<dyn EventSink>, BuildError> {
        Ok(Arc::new(StdoutExporter))
    }
}

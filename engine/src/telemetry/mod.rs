//! Telemetry: events for operators; diagnostics go through `tracing`.

pub mod events;

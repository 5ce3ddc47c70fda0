//! The prometheus exporter: options model and metrics endpoint

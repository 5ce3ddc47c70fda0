//! The stdout exporter: engine events, one line each, in Zilla's format

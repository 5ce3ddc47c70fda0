//! Running a configuration: listeners, generations of bindings, lifecycle.

pub mod listeners;

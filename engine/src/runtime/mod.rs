//! Running a configuration: listeners, generations of bindings, lifecycle.

pub mod components;
pub mod connections;
pub mod engine;
pub mod error;
pub mod generation;
pub mod limits;
pub mod listeners;
pub mod names;
pub mod order;
pub mod ready;
pub mod references;
mod reload;
pub mod retired;
pub mod watch;
pub mod workers;

pub use engine::{Engine, EngineOptions};
pub use error::RuntimeError;
pub use generation::{Generation, Shared};

#[cfg(test)]
mod tests;

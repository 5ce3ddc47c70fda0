//! Why a configuration could not be built, started or run.

use std::path::PathBuf;

use crate::binding::BuildError;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("{what} {name}: no factory for type {type_name}")]
    UnknownType {
        what: &'static str,
        name: String,
        type_name: String,
    },
    #[error("{what} {name}: {source}")]
    Build {
        what: &'static str,
        name: String,
        #[source]
        source: BuildError,
    },
    #[error("binding {name}: start failed: {source}")]
    Start {
        name: String,
        #[source]
        source: BuildError,
    },
    #[error("binding {binding}: {reference} {name} is not declared")]
    Unresolved {
        binding: String,
        reference: &'static str,
        name: String,
    },
    #[error("bindings form a cycle through their exits: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    #[error("engine directory {}: {reason}", .path.display())]
    EngineDirectory { path: PathBuf, reason: String },
    #[error("the engine is already running a configuration")]
    AlreadyStarted,
    #[error("the engine is not running a configuration")]
    NotStarted,
}

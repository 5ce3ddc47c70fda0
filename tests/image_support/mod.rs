//! Helpers for the image contract tests: the image's layout in a private mount namespace, the
//! processes started inside it, and the compose service as docker/compose.yaml declares it.

mod compose;
mod namespace;
mod process;

use std::fs;
use std::path::{Path, PathBuf};

pub use compose::compose_zilla_service;
pub use namespace::Namespace;
pub use process::Gateway;

/// The image's user (`useradd --uid` in docker/Dockerfile).
pub const IMAGE_UID: u32 = 1001;

pub fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

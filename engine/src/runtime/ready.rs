//! The readiness file `<engine directory>/ready`: present exactly while every listener is
//! bound and every binding started, so that orchestrators can probe it.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::error::RuntimeError;

const READY: &str = "ready";
const STAGING: &str = ".ready.tmp";

/// The ready file of one engine directory. Removed again when dropped after being marked.
#[derive(Debug)]
pub struct ReadyFile {
    directory: PathBuf,
    marked: bool,
}

impl ReadyFile {
    /// Creates the engine directory when missing, removes a ready file left by an earlier run
    /// and checks that the directory can be written, before anything else starts.
    pub fn prepare(directory: &Path) -> Result<Self, RuntimeError> {
        let failed = |action: &str, error: std::io::Error| RuntimeError::EngineDirectory {
            path: directory.to_path_buf(),
            reason: format!("cannot {action}: {error}"),
        };
        std::fs::create_dir_all(directory).map_err(|error| failed("create it", error))?;
        let ready = Self {
            directory: directory.to_path_buf(),
            marked: false,
        };
        remove_if_present(&ready.path())
            .map_err(|error| failed("remove a stale ready file", error))?;
        let probe = ready.directory.join(STAGING);
        std::fs::write(&probe, b"").map_err(|error| failed("write to it", error))?;
        remove_if_present(&probe).map_err(|error| failed("write to it", error))?;
        Ok(ready)
    }

    pub fn path(&self) -> PathBuf {
        self.directory.join(READY)
    }

    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// Writes the ready file. It appears at once, complete (written aside, then renamed).
    pub fn mark(&mut self) -> Result<(), RuntimeError> {
        let staging = self.directory.join(STAGING);
        let content = format!("{}\n", std::process::id());
        std::fs::write(&staging, content)
            .and_then(|()| std::fs::rename(&staging, self.path()))
            .map_err(|error| RuntimeError::EngineDirectory {
                path: self.directory.clone(),
                reason: format!("cannot write the ready file: {error}"),
            })?;
        self.marked = true;
        Ok(())
    }

    /// Removes the ready file (the engine is no longer ready to serve).
    pub fn clear(&mut self) {
        if let Err(error) = remove_if_present(&self.path()) {
            tracing::warn!("cannot remove {}: {error}", self.path().display());
        }
        self.marked = false;
    }

    pub fn is_marked(&self) -> bool {
        self.marked
    }
}

impl Drop for ReadyFile {
    fn drop(&mut self) {
        if self.marked {
            self.clear();
        }
    }
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

//! Watching a configuration for changes: the config file and the local files it references.
//!
//! Each file's parent directory is watched rather than the file itself, so that a file replaced
//! by an atomic rename, or swapped through a symlink as a Kubernetes ConfigMap does (its
//! `..data` link is renamed over), is still followed; a file that is itself a symlink has the
//! directory of its target watched too. Events are debounced, and a change counts only when
//! the content of a watched file differs from what was last seen, so that unrelated files in
//! the same directories never cause a reload.

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How long the files must stay quiet before a change is taken up.
pub const QUIET: Duration = Duration::from_millis(200);

/// A change is taken up after this long even if events keep coming.
const LONGEST_WAIT: Duration = Duration::from_secs(2);

/// Follows a set of files; see the module documentation.
pub struct ConfigWatch {
    watcher: RecommendedWatcher,
    changes: mpsc::UnboundedReceiver<()>,
    directories: BTreeSet<PathBuf>,
    files: Vec<PathBuf>,
    fingerprint: u64,
}

impl std::fmt::Debug for ConfigWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigWatch")
            .field("files", &self.files)
            .finish()
    }
}

impl ConfigWatch {
    /// Starts watching `files` as they are now.
    pub fn new(files: Vec<PathBuf>) -> notify::Result<Self> {
        let (sender, changes) = mpsc::unbounded_channel();
        let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let relevant = match event {
                Ok(event) => !matches!(event.kind, EventKind::Access(_)),
                Err(_) => true,
            };
            if relevant {
                let _ = sender.send(());
            }
        })?;
        let mut watch = Self {
            watcher,
            changes,
            directories: BTreeSet::new(),
            files: Vec::new(),
            fingerprint: 0,
        };
        watch.follow(files);
        Ok(watch)
    }

    /// Follows `files` from now on (a reloaded config may reference other files); when they
    /// are not the files followed so far, their content now counts as seen.
    pub fn follow(&mut self, files: Vec<PathBuf>) {
        let directories: BTreeSet<PathBuf> = files.iter().flat_map(|f| directories_of(f)).collect();
        for gone in self.directories.difference(&directories) {
            let _ = self.watcher.unwatch(gone);
        }
        for added in directories.difference(&self.directories) {
            if let Err(error) = self.watcher.watch(added, RecursiveMode::NonRecursive) {
                tracing::warn!("cannot watch {} for changes: {error}", added.display());
            }
        }
        self.directories = directories;
        if files != self.files {
            self.fingerprint = fingerprint(&files);
            self.files = files;
        }
    }

    /// Resolves once the content of a watched file changed and the files stayed quiet for
    /// [`QUIET`]. The new content counts as seen from then on.
    pub async fn changed(&mut self) {
        loop {
            if self.changes.recv().await.is_none() {
                // The watcher is gone: nothing will ever change again.
                std::future::pending::<()>().await;
            }
            let until = Instant::now() + LONGEST_WAIT;
            while Instant::now() < until {
                match tokio::time::timeout(QUIET, self.changes.recv()).await {
                    Ok(Some(())) => continue,
                    _ => break,
                }
            }
            let now = fingerprint(&self.files);
            if now != self.fingerprint {
                self.fingerprint = now;
                return;
            }
        }
    }
}

/// The directory of `file`, and that of its target when it is a symlink.
fn directories_of(file: &Path) -> Vec<PathBuf> {
    let mut directories = Vec::new();
    let parent = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    directories.push(parent);
    if let Ok(target) = std::fs::canonicalize(file) {
        if let Some(parent) = target.parent() {
            directories.push(parent.to_path_buf());
        }
    }
    directories
}

/// A hash of every file's content (or absence).
fn fingerprint(files: &[PathBuf]) -> u64 {
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.hash(&mut hasher);
        std::fs::read(file).ok().hash(&mut hasher);
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn changes_within(watch: &mut ConfigWatch, limit: Duration) -> bool {
        tokio::time::timeout(limit, watch.changed()).await.is_ok()
    }

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "zilla-watch-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    #[tokio::test]
    async fn an_atomic_rename_is_a_change_and_an_unrelated_file_is_not() {
        let dir = scratch();
        let config = dir.join("zilla.yaml");
        std::fs::write(&config, "a").expect("write");
        let mut watch = ConfigWatch::new(vec![config.clone()]).expect("watch");

        std::fs::write(dir.join("other.txt"), "x").expect("write");
        assert!(!changes_within(&mut watch, Duration::from_millis(600)).await);

        let staged = dir.join(".zilla.yaml.tmp");
        std::fs::write(&staged, "b").expect("write");
        std::fs::rename(&staged, &config).expect("rename");
        assert!(changes_within(&mut watch, Duration::from_secs(3)).await);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_symlink_swap_like_a_configmap_is_a_change() {
        use std::os::unix::fs::symlink;
        let dir = scratch();
        for (version, content) in [("v1", "a"), ("v2", "b")] {
            std::fs::create_dir_all(dir.join(version)).expect("dir");
            std::fs::write(dir.join(version).join("zilla.yaml"), content).expect("write");
        }
        symlink("v1", dir.join("..data")).expect("link");
        symlink("..data/zilla.yaml", dir.join("zilla.yaml")).expect("link");
        let mut watch = ConfigWatch::new(vec![dir.join("zilla.yaml")]).expect("watch");

        symlink("v2", dir.join("..data_tmp")).expect("link");
        std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).expect("swap");
        assert!(changes_within(&mut watch, Duration::from_secs(3)).await);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

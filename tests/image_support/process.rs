//! A process started inside the namespace.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use crate::support::wait_until;

/// A process inside the namespace; killed on drop.
pub struct Gateway {
    pub child: Child,
    pub output: PathBuf,
}

impl Gateway {
    pub fn output(&self) -> String {
        fs::read_to_string(&self.output).unwrap_or_default()
    }

    pub fn exited_within(&mut self, deadline: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + deadline;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() > until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait_ready(&mut self, ready: &Path) {
        let started = wait_until(Duration::from_secs(15), || {
            ready.exists() || matches!(self.child.try_wait(), Ok(Some(_)))
        });
        assert!(
            started && ready.exists(),
            "the gateway did not become ready:\n{}",
            self.output()
        );
    }

    pub fn terminate(&mut self) -> ExitStatus {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: signals our own child process, which has not been reaped yet.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        self.exited_within(Duration::from_secs(15))
            .unwrap_or_else(|| panic!("no exit within 15 s of SIGTERM:\n{}", self.output()))
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

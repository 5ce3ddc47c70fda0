//! Open connections across the engine, so that a stopping engine can wait for them to close
//! and a connection cap holds across every listener.
//!
//! Bindings that own a connection (an accepted socket, an upstream client socket) hold a
//! [`ConnectionGuard`] for as long as it is open; dropping the guard releases it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

/// A shared count of open connections. Cheap to clone.
#[derive(Clone)]
pub struct Connections {
    inner: Arc<Inner>,
}

struct Inner {
    open: AtomicUsize,
    limit: AtomicUsize,
    idle: Notify,
}

impl Default for Connections {
    fn default() -> Self {
        Self::new(usize::MAX)
    }
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Connections({})", self.count())
    }
}

impl Connections {
    /// A tracker that admits at most `limit` connections at once through [`Self::try_open`].
    pub fn new(limit: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                open: AtomicUsize::new(0),
                limit: AtomicUsize::new(limit),
                idle: Notify::new(),
            }),
        }
    }

    pub fn set_limit(&self, limit: usize) {
        self.inner.limit.store(limit, Ordering::Relaxed);
    }

    pub fn limit(&self) -> usize {
        self.inner.limit.load(Ordering::Relaxed)
    }

    /// Registers a connection unless the cap is reached; the caller closes the connection
    /// when this returns `None`.
    pub fn try_open(&self) -> Option<ConnectionGuard> {
        let limit = self.limit();
        self.inner
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < limit).then_some(open + 1)
            })
            .ok()
            .map(|_| ConnectionGuard {
                inner: self.inner.clone(),
            })
    }

    /// Registers a connection whatever the cap (an upstream connection that serves ones
    /// already admitted).
    pub fn open(&self) -> ConnectionGuard {
        self.inner.open.fetch_add(1, Ordering::AcqRel);
        ConnectionGuard {
            inner: self.inner.clone(),
        }
    }

    pub fn count(&self) -> usize {
        self.inner.open.load(Ordering::Acquire)
    }

    /// Resolves once no connection is open.
    pub async fn idle(&self) {
        loop {
            let notified = self.inner.idle.notified();
            tokio::pin!(notified);
            // Registered before the check, so a close between the check and the await is
            // not missed.
            notified.as_mut().enable();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// One open connection; dropping it closes the registration.
pub struct ConnectionGuard {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ConnectionGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectionGuard")
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        if self.inner.open.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.inner.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_cap_refuses_and_a_close_frees_a_place() {
        let connections = Connections::new(1);
        let first = connections.try_open();
        assert!(first.is_some());
        assert!(connections.try_open().is_none());
        drop(first);
        assert!(connections.try_open().is_some());
    }

    #[tokio::test]
    async fn idle_waits_for_the_last_close() {
        let connections = Connections::default();
        let guard = connections.open();
        let waiter = tokio::spawn({
            let connections = connections.clone();
            async move { connections.idle().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        drop(guard);
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("idle after the last close")
            .expect("waiter");
    }
}

//! Counts a binding's open connections, so that a stopping or replaced binding can wait for the
//! last one to close.

use tokio::sync::watch;

/// Shared count of open connections. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ConnectionTracker {
    count: watch::Sender<usize>,
}

/// Held by one open connection; dropping it closes the connection's slot.
#[derive(Debug)]
pub struct ConnectionSlot {
    count: watch::Sender<usize>,
}

impl Default for ConnectionTracker {
    fn default() -> Self {
        Self {
            count: watch::Sender::new(0),
        }
    }
}

impl ConnectionTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        *self.count.borrow()
    }

    /// Counts one more open connection until the slot is dropped. The cap is the engine's
    /// (`Connections`); this only counts the binding's own connections for `idle`.
    pub fn acquire(&self) -> ConnectionSlot {
        self.count
            .send_modify(|count| *count = count.saturating_add(1));
        ConnectionSlot {
            count: self.count.clone(),
        }
    }

    /// Resolves once no connection is open.
    pub async fn idle(&self) {
        let mut receiver = self.count.subscribe();
        // The sender lives in `self`, so the wait cannot fail while we hold it.
        let _ = receiver.wait_for(|count| *count == 0).await;
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.count
            .send_modify(|count| *count = count.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slots_are_counted_and_released() {
        let tracker = ConnectionTracker::new();
        let first = tracker.acquire();
        let second = tracker.acquire();
        assert_eq!(tracker.open(), 2);
        drop(first);
        drop(second);
        tracker.idle().await;
        assert_eq!(tracker.open(), 0);
    }
}

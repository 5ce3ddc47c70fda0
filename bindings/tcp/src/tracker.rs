//! Counts a binding's open connections, so that a cap can be enforced at accept and a stopping
//! runtime can wait for the last connection to close.

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

    /// Takes a slot unless `limit` connections are already open.
    pub fn try_acquire(&self, limit: usize) -> Option<ConnectionSlot> {
        let mut acquired = false;
        self.count.send_modify(|count| {
            if *count < limit {
                *count += 1;
                acquired = true;
            }
        });
        acquired.then(|| ConnectionSlot {
            count: self.count.clone(),
        })
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
    async fn slots_are_capped_and_released() {
        let tracker = ConnectionTracker::new();
        let first = tracker.try_acquire(2);
        let second = tracker.try_acquire(2);
        assert!(first.is_some() && second.is_some());
        assert!(tracker.try_acquire(2).is_none());
        assert_eq!(tracker.open(), 2);
        drop(first);
        drop(second);
        tracker.idle().await;
        assert_eq!(tracker.open(), 0);
    }
}

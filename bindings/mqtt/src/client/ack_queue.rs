//! Cumulative acknowledgement of a stream whose messages complete out of order.
//!
//! A window acknowledgement is one position: it may only pass a message once every message
//! before it has completed too (a QoS 0 message written upstream behind a QoS 1 message still
//! waiting for its PUBACK waits with it).

use std::collections::VecDeque;

#[derive(Debug, Default)]
pub struct AckQueue {
    /// End positions of messages (and of fragments already buffered), oldest first, with
    /// whether each has completed.
    entries: VecDeque<(u64, bool)>,
}

impl AckQueue {
    /// Records a message ending at `position`, not yet complete.
    pub fn push(&mut self, position: u64) {
        self.entries.push_back((position, false));
    }

    /// Records something ending at `position` that is complete already.
    pub fn push_done(&mut self, position: u64) {
        self.entries.push_back((position, true));
    }

    /// Marks the message ending at `position` complete; returns the position the window may
    /// now acknowledge, if it moved.
    pub fn complete(&mut self, position: u64) -> Option<u64> {
        if let Some(entry) = self.entries.iter_mut().find(|entry| entry.0 == position) {
            entry.1 = true;
        }
        self.advance()
    }

    /// Pops the completed prefix; returns its last position.
    pub fn advance(&mut self) -> Option<u64> {
        let mut reached = None;
        while let Some(&(position, true)) = self.entries.front() {
            reached = Some(position);
            self.entries.pop_front();
        }
        reached
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledgement_waits_for_the_oldest_message() {
        let mut queue = AckQueue::default();
        queue.push(10);
        queue.push(20);
        queue.push_done(25);
        assert_eq!(queue.complete(20), None);
        assert_eq!(queue.complete(10), Some(25));
        assert!(queue.is_empty());
    }
}

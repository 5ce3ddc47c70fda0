//! Acknowledging a reply direction in order although deliveries complete out of order: a
//! window acknowledgement covers everything before it, so it may only advance past messages
//! that are all done.

use std::collections::VecDeque;

#[derive(Debug, Default)]
pub struct AckQueue {
    entries: VecDeque<Entry>,
    next: u64,
}

#[derive(Debug)]
struct Entry {
    ticket: u64,
    end: u64,
    done: bool,
}

impl AckQueue {
    /// Records a message ending at `end`; returns the ticket to complete it with.
    pub fn push(&mut self, end: u64, done: bool) -> u64 {
        let ticket = self.next;
        self.next = self.next.wrapping_add(1);
        self.entries.push_back(Entry { ticket, end, done });
        ticket
    }

    pub fn complete(&mut self, ticket: u64) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.ticket == ticket) {
            entry.done = true;
        }
    }

    /// The position everything done so far lets the window acknowledge, if it moved.
    pub fn advance(&mut self) -> Option<u64> {
        let mut position = None;
        while self.entries.front().is_some_and(|entry| entry.done) {
            position = self.entries.pop_front().map(|entry| entry.end);
        }
        position
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances_only_past_a_done_prefix() {
        let mut queue = AckQueue::default();
        let first = queue.push(10, false);
        queue.push(20, true);
        assert_eq!(queue.advance(), None);
        queue.complete(first);
        assert_eq!(queue.advance(), Some(20));
        assert_eq!(queue.advance(), None);
    }
}

//! PUBACKs owed to the broker, held so that several leave in one write.
//!
//! Written one by one, each PUBACK for a message from the broker is a `send` of its own, and
//! each wakes the broker, which answers with the few messages it queued meanwhile: a ping-pong
//! of small writes both ways. In the benchmark (QoS 1, one publisher, one subscriber, 20,000
//! msgs/s) holding them took the gateway from 29–33 to 26 µs of CPU per message.
//!
//! So they are held, and released:
//! - when the client's side moves, that is a window update from a stream the session delivers
//!   to (the server wrote out, or its client acknowledged, what it was given);
//! - when [`BATCH`] are held;
//! - when anything else goes to the broker, and before the session ends.
//!
//! Every held PUBACK is for a message already handed to a stream, whose credit comes back once
//! the server has passed it on, so a window update always follows it; or for one whose streams
//! closed before it got through, released as the closing stream is. While a client does not
//! take its messages, at most `BATCH - 1` of them stay unacknowledged at the broker, as they
//! would with acknowledgement at the client's pace.

use std::collections::VecDeque;

use crate::codec::PacketId;

/// Fewer than half of Mosquitto's default in-flight window (20 messages), so that a broker
/// waiting for these never finds its window full on their account.
pub const BATCH: usize = 8;

/// PUBACKs owed, oldest first.
#[derive(Debug, Default)]
pub struct HeldAcks {
    ids: VecDeque<PacketId>,
}

impl HeldAcks {
    pub fn hold(&mut self, id: PacketId) {
        self.ids.push_back(id);
    }

    /// Whether enough are held to release them whatever else happens.
    pub fn is_full(&self) -> bool {
        self.ids.len() >= BATCH
    }

    /// The oldest one held, taken out.
    pub fn next(&mut self) -> Option<PacketId> {
        self.ids.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(value: u16) -> PacketId {
        PacketId::new(value).expect("nonzero")
    }

    #[test]
    fn held_acks_come_out_in_the_order_their_messages_came_in() {
        let mut held = HeldAcks::default();
        for value in [3, 1, 2] {
            held.hold(id(value));
        }
        let released: Vec<PacketId> = std::iter::from_fn(|| held.next()).collect();
        assert_eq!(released, vec![id(3), id(1), id(2)]);
        assert_eq!(held.next(), None);
    }

    #[test]
    fn a_batch_is_full_at_its_size() {
        let mut held = HeldAcks::default();
        for value in 1..BATCH as u16 {
            held.hold(id(value));
            assert!(!held.is_full());
        }
        held.hold(id(BATCH as u16));
        assert!(held.is_full());
    }
}

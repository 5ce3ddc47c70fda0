//! The broker's QoS 1 and 2 messages in the order they arrived, until each is settled.
//!
//! A message settles once every stream it went to acknowledged it, and streams acknowledge in
//! their own time: a message for one subscription may be acknowledged by its client before an
//! earlier one for another. MQTT has a client send its PUBACKs and PUBRECs in the order the
//! PUBLISHes arrived (MQTT-4.6.0-2, MQTT-4.6.0-3), so a settled message waits here for every
//! message before it.

use std::collections::BTreeMap;

use crate::codec::{PacketId, QoS};

/// A delivered message every target has acknowledged: what to acknowledge to the broker.
pub type Acknowledged = (PacketId, QoS);

struct Unsettled {
    packet_id: PacketId,
    qos: QoS,
    /// Acknowledgements still owed: one per target, plus one while the message is being sent.
    owed: usize,
}

#[derive(Default)]
pub struct ArrivalOrder {
    /// Keyed by token, which grows with each message: the first entry arrived first.
    unsettled: BTreeMap<u64, Unsettled>,
    last_token: u64,
}

impl ArrivalOrder {
    /// A message that just arrived, owing the one acknowledgement of its sending; returns its
    /// token.
    pub fn arrived(&mut self, packet_id: PacketId, qos: QoS) -> u64 {
        self.last_token += 1;
        self.unsettled.insert(
            self.last_token,
            Unsettled {
                packet_id,
                qos,
                owed: 1,
            },
        );
        self.last_token
    }

    /// The message owes one more acknowledgement (a target that will acknowledge it later).
    pub fn owe(&mut self, token: u64) {
        if let Some(message) = self.unsettled.get_mut(&token) {
            message.owed += 1;
        }
    }

    /// One acknowledgement of the message came; appends to `done` what may now be
    /// acknowledged to the broker, oldest first.
    pub fn settle(&mut self, token: u64, done: &mut Vec<Acknowledged>) {
        if let Some(message) = self.unsettled.get_mut(&token) {
            message.owed = message.owed.saturating_sub(1);
        }
        self.release(done);
    }

    /// The message is given up: it is never acknowledged to the broker, which sends it again
    /// when the session resumes. Appends to `done` what waited only for it.
    pub fn abandon(&mut self, token: u64, done: &mut Vec<Acknowledged>) {
        self.unsettled.remove(&token);
        self.release(done);
    }

    /// Appends to `done` the settled messages no unsettled one arrived before.
    fn release(&mut self, done: &mut Vec<Acknowledged>) {
        while let Some(oldest) = self.unsettled.first_entry() {
            if oldest.get().owed > 0 {
                break;
            }
            let message = oldest.remove();
            done.push((message.packet_id, message.qos));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(value: u16) -> PacketId {
        PacketId::new(value).expect("non-zero")
    }

    #[test]
    fn a_message_settled_early_waits_for_those_that_arrived_before_it() {
        let mut order = ArrivalOrder::default();
        let first = order.arrived(id(1), QoS::AtLeastOnce);
        let second = order.arrived(id(2), QoS::ExactlyOnce);
        let mut done = Vec::new();
        order.settle(second, &mut done);
        assert!(done.is_empty());
        order.settle(first, &mut done);
        assert_eq!(
            done,
            vec![(id(1), QoS::AtLeastOnce), (id(2), QoS::ExactlyOnce)]
        );
    }

    #[test]
    fn an_abandoned_message_is_not_acknowledged_and_holds_nothing_back() {
        let mut order = ArrivalOrder::default();
        let first = order.arrived(id(1), QoS::AtLeastOnce);
        let second = order.arrived(id(2), QoS::AtLeastOnce);
        let mut done = Vec::new();
        order.settle(second, &mut done);
        order.abandon(first, &mut done);
        assert_eq!(done, vec![(id(2), QoS::AtLeastOnce)]);
        // A late acknowledgement of the abandoned message changes nothing.
        order.settle(first, &mut done);
        assert_eq!(done.len(), 1);
    }

    #[test]
    fn a_message_settles_once_every_target_acknowledged_it() {
        let mut order = ArrivalOrder::default();
        let message = order.arrived(id(7), QoS::AtLeastOnce);
        order.owe(message);
        order.owe(message);
        let mut done = Vec::new();
        // The sending, then two targets.
        order.settle(message, &mut done);
        order.settle(message, &mut done);
        assert!(done.is_empty());
        order.settle(message, &mut done);
        assert_eq!(done, vec![(id(7), QoS::AtLeastOnce)]);
        // Settling it again changes nothing.
        order.settle(message, &mut done);
        assert_eq!(done.len(), 1);
    }
}

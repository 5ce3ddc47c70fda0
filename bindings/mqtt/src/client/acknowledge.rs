//! What the session owes the broker for the messages it delivered: which deliveries the
//! streams acknowledged (by returning credit), and the PUBACKs and PUBRECs that follow.

use crate::codec::{Packet, PublishAck, QoS};

use super::arrival_order::Acknowledged;
use super::session::Session;

impl Session {
    /// Credit came back on a stream: deliveries waiting for it go on, and acknowledged ones
    /// are acknowledged to the broker.
    pub(super) fn on_window(&mut self, key: u64) {
        self.settle_acknowledged(key);
        self.resume_delivery();
        // The client's side moved: what it owes the broker goes now.
        self.release_acks();
    }

    /// A message waiting for credit tries again; once it got through, the packets read behind
    /// it are next.
    pub(super) fn resume_delivery(&mut self) {
        if !self.deliveries.is_idle() {
            self.progress_delivery();
            if self.deliveries.is_idle() {
                self.process_inbound();
            }
        }
    }

    /// Applies the windows already queued on stream `key`, then settles what they cover.
    pub(super) fn settle_arrived(&mut self, key: u64) {
        if let Some(stream) = self.streams.get_mut(key) {
            // A reset among them changes nothing here: the stream is on its way out.
            let _ = stream.end.tx.poll_controls();
        }
        self.settle_acknowledged(key);
    }

    /// Acknowledges to the broker the deliveries stream `key` acknowledged up to its window.
    fn settle_acknowledged(&mut self, key: u64) {
        if let Some(stream) = self.streams.get_mut(key) {
            let mut done = std::mem::take(&mut self.settled);
            self.deliveries.acknowledged(stream, &mut done);
            self.acknowledge_upstream(&mut done);
            self.settled = done;
        }
    }

    /// QoS 1: PUBACK, held to leave with others (see `HeldAcks`); QoS 2: PUBREC (the broker's
    /// PUBREL is then answered with PUBCOMP). Empties `done`.
    pub(super) fn acknowledge_upstream(&mut self, done: &mut Vec<Acknowledged>) {
        for (packet_id, qos) in done.drain(..) {
            match qos {
                QoS::AtMostOnce => {}
                QoS::AtLeastOnce => self.held_acks.hold(packet_id),
                QoS::ExactlyOnce => {
                    // Acknowledgements leave in the order their messages arrived.
                    self.release_acks();
                    self.send_control(&Packet::Pubrec(PublishAck::success(packet_id)));
                }
            }
        }
    }

    /// Queues every held PUBACK toward the broker.
    pub(super) fn release_acks(&mut self) {
        while let Some(packet_id) = self.held_acks.next() {
            self.send_control(&Packet::Puback(PublishAck::success(packet_id)));
        }
    }

    /// What the client acknowledged right before it left (a PUBACK, then DISCONNECT) is
    /// acknowledged to the broker before the end, or the broker sends it again to the resumed
    /// session: its window may still be queued behind the session's end.
    pub(super) fn settle_before_end(&mut self) {
        let keys: Vec<u64> = self.streams.iter_mut().map(|(key, _)| *key).collect();
        for key in keys {
            self.settle_arrived(key);
        }
        self.release_acks();
    }
}

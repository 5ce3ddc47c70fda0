//! Packets from the broker.

use crate::codec::{reason, Packet, Publish, PublishAck};
use crate::contract::MqttResetEx;

use super::session::{Outcome, Session};
use super::streams::SESSION;

impl Session {
    pub(super) fn on_packet(&mut self, packet: Packet) {
        match packet {
            Packet::Publish(publish) => self.on_message(publish),
            Packet::Puback(ack) => self.on_puback(ack),
            Packet::Pubrec(ack) => self.on_pubrec(ack),
            Packet::Pubcomp(ack) => self.on_pubcomp(ack),
            // Also for a release left over from an earlier connection of a resumed session:
            // its message was acknowledged (PUBREC) back then, so completing it is right.
            Packet::Pubrel(ack) => {
                self.send_control(&Packet::Pubcomp(PublishAck::success(ack.packet_id)))
            }
            Packet::Suback(suback) => self.on_suback(suback),
            Packet::Unsuback(unsuback) => self.on_unsuback(unsuback),
            Packet::Pingresp => self.keep_alive.pong(),
            Packet::Disconnect(disconnect) => {
                tracing::debug!(code = disconnect.reason_code, "broker disconnected");
                let mut reset = MqttResetEx::new(disconnect.reason_code);
                let properties = disconnect.properties.into_set();
                reset.reason = properties.reason_string;
                reset.server_reference = properties.server_reference;
                if self.outcome.is_none() {
                    self.outcome = Some(Outcome::Ended(reset));
                }
            }
            Packet::Connect(_)
            | Packet::Connack(_)
            | Packet::Subscribe(_)
            | Packet::Unsubscribe(_)
            | Packet::Pingreq
            | Packet::Auth(_) => self.lose(Some(reason::PROTOCOL_ERROR)),
        }
    }

    fn on_message(&mut self, publish: Publish) {
        if publish.topic.is_empty() {
            // A topic alias, though we allowed none.
            self.lose(Some(reason::TOPIC_ALIAS_INVALID));
            return;
        }
        let mut targets = self.deliveries.spare_targets();
        self.subscriptions.targets(
            &publish.topic,
            &publish.properties.subscription_identifiers,
            self.limits.subscription_identifiers,
            &mut targets,
        );
        if targets.is_empty() {
            // Messages that belong to the session but to no open subscription (queued for a
            // resumed session) go to the session stream.
            targets.push_back((SESSION, Vec::new()));
        }
        self.deliveries.start(publish, targets);
        self.progress_delivery();
    }

    /// Delivers as far as credit allows.
    pub(super) fn progress_delivery(&mut self) {
        let mut done = std::mem::take(&mut self.settled);
        self.deliveries.progress(&mut self.streams, &mut done);
        self.acknowledge_upstream(&mut done);
        self.settled = done;
    }
}

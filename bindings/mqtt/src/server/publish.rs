//! PUBLISH from the client: topic aliases, limits, one publish stream per topic, and the
//! acknowledgements (PUBACK, PUBREC, PUBCOMP) that wait for the next hop.

use std::collections::{BTreeMap, VecDeque};
use std::ops::ControlFlow;
use std::time::Instant;

use bytes::Bytes;
use zilla_engine::frame::{flags, Control, Data, Extension, Frame, Reset};
use zilla_engine::stream::{SendError, StreamSender};

use super::app_streams::{PendingAck, PublishState, Role, StreamId};
use super::close::{reset_code, Ending};
use super::connect::message_properties;
use super::connection::{Connection, Flow};
use crate::codec::{reason, Packet, PacketId, Publish, PublishAck, QoS};
use crate::contract::{MessageEx, MqttBeginEx, PublishBeginEx, PublishFlushEx};

/// What the connection tracks of the client's publishes.
#[derive(Debug, Default)]
pub struct Inbound {
    /// v5 topic aliases the client set.
    aliases: BTreeMap<u16, String>,
    /// QoS 2 packet ids received and not yet completed, and where they went.
    exactly_once: BTreeMap<u16, ExactlyOnce>,
    /// QoS 1 publishes not yet acknowledged.
    at_least_once: usize,
}

#[derive(Debug, Clone, Copy)]
struct ExactlyOnce {
    stream: StreamId,
    /// PUBREC was sent.
    received: bool,
}

impl Inbound {
    fn in_flight(&self) -> usize {
        self.at_least_once.saturating_add(self.exactly_once.len())
    }

    fn holds(&self, stream: StreamId) -> bool {
        self.exactly_once
            .values()
            .any(|entry| entry.stream == stream)
    }
}

fn break_with(code: u8) -> Flow {
    ControlFlow::Break(Ending::will(Some(code)))
}

impl Connection {
    pub(super) async fn on_publish(&mut self, mut publish: Publish) -> Flow {
        if let Some(alias) = publish.properties.topic_alias.take() {
            if alias > self.shared.settings.topic_alias_maximum {
                return break_with(reason::TOPIC_ALIAS_INVALID);
            }
            if publish.topic.is_empty() {
                match self.inbound.aliases.get(&alias) {
                    Some(topic) => publish.topic = topic.clone(),
                    None => return break_with(reason::PROTOCOL_ERROR),
                }
            } else {
                self.inbound.aliases.insert(alias, publish.topic.clone());
            }
        }
        let Some(client) = self.client.as_ref() else {
            return break_with(reason::PROTOCOL_ERROR);
        };
        if publish.qos > client.accepted.maximum_qos {
            return break_with(reason::QOS_NOT_SUPPORTED);
        }
        if publish.retain && !client.accepted.retain_available {
            return break_with(reason::RETAIN_NOT_SUPPORTED);
        }
        let receive_maximum = usize::from(client.receive_maximum);
        if let (QoS::ExactlyOnce, Some(id)) = (publish.qos, publish.packet_id) {
            if let Some(entry) = self.inbound.exactly_once.get(&id.get()) {
                // A redelivery of a message already forwarded: never forward it twice.
                if entry.received {
                    self.net
                        .queue_control(&Packet::Pubrec(PublishAck::success(id)));
                }
                return ControlFlow::Continue(());
            }
        }
        if publish.qos > QoS::AtMostOnce && self.inbound.in_flight() >= receive_maximum {
            return break_with(reason::RECEIVE_MAXIMUM_EXCEEDED);
        }
        let Some(id) = self.publish_stream(&publish.topic) else {
            tracing::debug!(binding = %self.shared.id, topic = %publish.topic, "unroutable publish");
            return break_with(reason::IMPLEMENTATION_SPECIFIC_ERROR);
        };
        let message = MessageEx {
            topic: std::mem::take(&mut publish.topic),
            qos: publish.qos,
            retain: publish.retain,
            packet_id: publish.packet_id.map(PacketId::get),
            subscription_ids: Vec::new(),
            properties: message_properties(&publish.properties),
        };
        let Some(stream) = self.streams.get_mut(id) else {
            return break_with(reason::UNSPECIFIED_ERROR);
        };
        let end = match send_message(&mut stream.end.tx, publish.payload, message).await {
            Ok(end) => end,
            Err(reset) => {
                let code = reset_code(&reset.extension, reason::IMPLEMENTATION_SPECIFIC_ERROR);
                return break_with(code);
            }
        };
        if let Role::Publish(state) = &mut stream.role {
            state.last_used = self.last_packet;
            if let Some(packet_id) = publish.packet_id {
                state.pending.push_back(PendingAck {
                    end,
                    packet_id,
                    qos: publish.qos,
                });
            }
        }
        match (publish.qos, publish.packet_id) {
            (QoS::AtLeastOnce, Some(_)) => self.inbound.at_least_once += 1,
            (QoS::ExactlyOnce, Some(packet_id)) => {
                let entry = ExactlyOnce {
                    stream: id,
                    received: false,
                };
                self.inbound.exactly_once.insert(packet_id.get(), entry);
            }
            _ => {}
        }
        self.acknowledge_publishes(id);
        ControlFlow::Continue(())
    }

    /// The open publish stream for `topic`, opening one on the route the topic takes.
    fn publish_stream(&mut self, topic: &str) -> Option<StreamId> {
        if let Some(id) = self.streams.by_topic.get(topic).copied() {
            if self.streams.get_mut(id).is_some_and(|s| !s.closed) {
                return Some(id);
            }
        }
        let client = self.client.as_ref()?;
        let exit = self
            .shared
            .router
            .publish(client.authorization.as_ref(), topic)?;
        let extension = MqttBeginEx::Publish(PublishBeginEx {
            client_id: client.id.value.clone(),
            topic: topic.to_owned(),
        });
        let begin = self.begin(&exit, extension);
        let role = Role::Publish(PublishState {
            topic: topic.to_owned(),
            pending: VecDeque::new(),
            last_used: Instant::now(),
        });
        Some(
            self.streams
                .open(&exit, begin, role, self.shared.settings.window),
        )
    }

    /// Sends PUBACK/PUBREC for every message the next hop's acknowledgement now covers.
    fn acknowledge_publishes(&mut self, id: StreamId) {
        let Some(stream) = self.streams.get_mut(id) else {
            return;
        };
        let acknowledged = stream.end.tx.acknowledged();
        let Role::Publish(state) = &mut stream.role else {
            return;
        };
        while let Some(pending) = state.pending.front().copied() {
            if pending.end > acknowledged {
                break;
            }
            state.pending.pop_front();
            let ack = PublishAck::success(pending.packet_id);
            if pending.qos == QoS::ExactlyOnce {
                if let Some(entry) = self.inbound.exactly_once.get_mut(&pending.packet_id.get()) {
                    entry.received = true;
                }
                self.net.queue_control(&Packet::Pubrec(ack));
            } else {
                self.inbound.at_least_once = self.inbound.at_least_once.saturating_sub(1);
                self.net.queue_control(&Packet::Puback(ack));
            }
        }
    }

    pub(super) fn on_publish_control(&mut self, id: StreamId, control: Option<Control>) -> Flow {
        match control {
            Some(Control::Window(_)) => {
                self.acknowledge_publishes(id);
                ControlFlow::Continue(())
            }
            Some(Control::Challenge(_)) => ControlFlow::Continue(()),
            Some(Control::Reset(reset)) => break_with(reset_code(
                &reset.extension,
                reason::IMPLEMENTATION_SPECIFIC_ERROR,
            )),
            None => break_with(reason::IMPLEMENTATION_SPECIFIC_ERROR),
        }
    }

    pub(super) fn on_publish_frame(&mut self, id: StreamId, frame: Option<Frame>) -> Flow {
        match frame {
            Some(Frame::Flush(extension)) => {
                if let Some(PublishFlushEx::Released(packet_id)) = extension.get() {
                    self.complete_release(*packet_id);
                }
            }
            Some(Frame::Begin(_)) | Some(Frame::Data(_)) => {}
            Some(Frame::End(_)) | Some(Frame::Abort(_)) | None => {
                // The next hop closed the topic's stream: close ours; the next PUBLISH to the
                // topic opens a new one.
                if let Some(stream) = self.streams.get_mut(id) {
                    stream.close(false);
                }
            }
        }
        ControlFlow::Continue(())
    }

    pub(super) fn on_pubrel(&mut self, ack: &PublishAck) -> Flow {
        let packet_id = ack.packet_id.get();
        let stream = self
            .inbound
            .exactly_once
            .get(&packet_id)
            .and_then(|entry| self.streams.get_mut(entry.stream))
            .filter(|stream| !stream.closed);
        match stream {
            Some(stream) => {
                let release = Extension::new(PublishFlushEx::Release(packet_id));
                if stream.end.tx.flush(release).is_err() {
                    self.complete_release(packet_id);
                }
            }
            None => {
                let code = if self.inbound.exactly_once.remove(&packet_id).is_some() {
                    reason::SUCCESS
                } else {
                    reason::PACKET_IDENTIFIER_NOT_FOUND
                };
                self.net.queue_control(&Packet::Pubcomp(PublishAck {
                    reason_code: code,
                    ..PublishAck::success(ack.packet_id)
                }));
            }
        }
        ControlFlow::Continue(())
    }

    fn complete_release(&mut self, packet_id: u16) {
        if self.inbound.exactly_once.remove(&packet_id).is_none() {
            return;
        }
        if let Some(id) = PacketId::new(packet_id) {
            self.net
                .queue_control(&Packet::Pubcomp(PublishAck::success(id)));
        }
    }

    /// Ends publish streams unused for a while that owe the client nothing.
    pub(super) fn close_idle_publishes(&mut self, now: Instant) {
        let idle = self.shared.settings.publish_idle;
        let inbound = &self.inbound;
        for (id, stream) in self.streams.iter_mut() {
            let Role::Publish(state) = &stream.role else {
                continue;
            };
            let quiet = state.pending.is_empty()
                && !inbound.holds(*id)
                && now.duration_since(state.last_used) >= idle;
            if quiet {
                stream.close(false);
            }
        }
    }
}

/// Sends one message as `Data` fragments within the stream's credit, waiting for credit as
/// needed; returns the position the next hop's acknowledgement reaches once it consumed it.
pub async fn send_message(
    tx: &mut StreamSender,
    payload: Bytes,
    message: MessageEx,
) -> Result<u64, Reset> {
    let total = payload.len();
    // Moved into the first frame, so that the next hop holds the only reference and can take
    // the message apart instead of copying it.
    let mut extension = Extension::new(message);
    let mut rest = payload;
    let mut first = true;
    loop {
        // At least one byte of credit, also for an empty message: the window it waits for
        // sets the padding that makes the message cost something (see the contract).
        tx.ready(1).await?;
        let size = rest.len().min(tx.available());
        let last = size == rest.len();
        let mut frame_flags = if first { flags::INIT } else { 0 };
        if last {
            frame_flags |= flags::FIN;
        }
        let data = Data {
            flags: frame_flags,
            length: first.then_some(total),
            budget_id: 0,
            payload: rest.slice(..size),
            extension: std::mem::replace(&mut extension, Extension::none()),
        };
        match tx.data(data) {
            Ok(end) if last => return Ok(end),
            Ok(_) => {
                first = false;
                rest = rest.slice(size..);
            }
            Err(SendError::Closed) => {
                return Err(Reset {
                    extension: Extension::none(),
                })
            }
            Err(SendError::NoCredit { .. }) => {}
        }
    }
}

//! Publish streams: the client's messages on their way to the broker.
//!
//! The window position that ends a message is acknowledged when the broker has it: QoS 0 once
//! written toward it, QoS 1 on its PUBACK, QoS 2 on its PUBREC — so the server's own
//! acknowledgement to its client means delivered. A failure code on PUBACK/PUBREC still
//! acknowledges: the broker refused that message (and keeps the connection, as it would with
//! the client directly); the contract has no per-message reason to carry, and 3.1.1 clients
//! could not be told anyway. Messages beyond the broker's Receive Maximum wait here, bounded
//! by the publish streams' windows.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use bytes::BytesMut;
use zilla_engine::frame::{Begin, Control, Data, Extension, Frame};
use zilla_engine::stream::StreamEnd;

use crate::codec::Packet;
use crate::codec::{reason, PacketId, Publish, PublishAck, QoS};
use crate::contract::{MessageEx, MqttResetEx, PublishFlushEx};

use super::ack_queue::AckQueue;
use super::message::to_properties;
use super::session::Session;
use super::streams::{AppStream, Role, StreamEvent};

pub struct PublishStream {
    topic: String,
    assembly: Option<Assembly>,
    acks: AckQueue,
    /// QoS 2 messages the broker received (PUBREC) and the client has yet to release: the
    /// client's packet id → ours.
    releases: FxHashMap<u16, PacketId>,
    /// The server ended the stream; it closes once nothing is owed on it.
    ending: bool,
}

/// A message that came in fragments, while they arrive.
struct Assembly {
    /// The first fragment's extension, a [`MessageEx`].
    message: Extension,
    payload: BytesMut,
}

struct InFlight {
    key: u64,
    position: u64,
    client_id: Option<u16>,
}

struct Held {
    key: u64,
    position: u64,
    publish: Publish,
    client_id: Option<u16>,
}

#[derive(Default)]
pub struct Outgoing {
    /// QoS 1/2 messages sent and not yet complete (PUBACK, or PUBCOMP), by our packet id.
    inflight: FxHashMap<u16, InFlight>,
    held: VecDeque<Held>,
    /// QoS 0 messages: complete once the outgoing stream passed this position.
    written: VecDeque<(u64, u64, u64)>,
}

impl Session {
    pub(super) fn open_publish(&mut self, begin: &Begin, mut end: StreamEnd, topic: String) {
        if !self.accept(begin, &mut end) {
            return;
        }
        let stream = PublishStream {
            topic,
            assembly: None,
            acks: AckQueue::default(),
            releases: FxHashMap::default(),
            ending: false,
        };
        self.streams
            .insert(AppStream::new(end, Role::Publish(Box::new(stream))));
    }

    pub(super) fn on_publish_event(&mut self, key: u64, event: StreamEvent) {
        match event {
            StreamEvent::Frame(Frame::Data(data)) => self.on_publish_data(key, data),
            StreamEvent::Frame(Frame::Flush(extension)) => {
                if let Some(PublishFlushEx::Release(id)) = extension.get::<PublishFlushEx>() {
                    self.on_release(key, *id);
                }
            }
            StreamEvent::Frame(Frame::End(_)) => {
                if let Some(stream) = self.publish_stream(key) {
                    stream.ending = true;
                }
                self.finish_publish(key);
            }
            StreamEvent::Frame(Frame::Abort(_))
            | StreamEvent::Vanished
            | StreamEvent::Control(Control::Reset(_)) => {
                if let Some(mut stream) = self.streams.remove(key) {
                    stream.abort(Extension::none());
                }
            }
            StreamEvent::Frame(Frame::Begin(_)) | StreamEvent::Control(_) => {}
        }
    }

    fn publish_stream(&mut self, key: u64) -> Option<&mut PublishStream> {
        match self.streams.get_mut(key).map(|stream| &mut stream.role) {
            Some(Role::Publish(stream)) => Some(stream),
            _ => None,
        }
    }

    /// Refuses the rest of a publish stream with `code` (the server disconnects its client
    /// with it, as the broker would have).
    fn reset_publish(&mut self, key: u64, code: u8) {
        if let Some(mut stream) = self.streams.remove(key) {
            stream.abort(Extension::new(MqttResetEx::new(code)));
        }
    }

    fn on_publish_data(&mut self, key: u64, data: Data) {
        let limit = self.upstream.outbound_limit();
        let Some(stream) = self.streams.get_mut(key) else {
            return;
        };
        let position = stream.end.rx.received();
        let Role::Publish(publish) = &mut stream.role else {
            return;
        };
        if data.is_init() {
            if data.extension.get::<MessageEx>().is_none() {
                return self.reset_publish(key, reason::PROTOCOL_ERROR);
            }
            let expected = data.length.unwrap_or(data.payload.len());
            if expected > limit {
                return self.reset_publish(key, reason::PACKET_TOO_LARGE);
            }
            if !data.is_fin() {
                publish.assembly = Some(Assembly {
                    message: data.extension.clone(),
                    payload: BytesMut::with_capacity(expected),
                });
            }
        }
        // A message in one frame, nearly all of them, is sent on as it came, without a copy.
        let (extension, payload) = if data.is_init() && data.is_fin() {
            (data.extension, data.payload)
        } else {
            let Some(assembly) = publish.assembly.as_mut() else {
                return self.reset_publish(key, reason::PROTOCOL_ERROR);
            };
            assembly.payload.extend_from_slice(&data.payload);
            if assembly.payload.len() > limit {
                return self.reset_publish(key, reason::PACKET_TOO_LARGE);
            }
            if !data.is_fin() {
                // A fragment is only buffered; the message's end carries the acknowledgement.
                publish.acks.push_done(position);
                if let Some(reached) = publish.acks.advance() {
                    stream.end.rx.acknowledge(reached);
                }
                return;
            }
            let Some(Assembly { message, payload }) = publish.assembly.take() else {
                return;
            };
            (message, payload.freeze())
        };
        if payload.len() > limit {
            return self.reset_publish(key, reason::PACKET_TOO_LARGE);
        }
        // The mqtt server hands the extension over without keeping a reference (`send_message`),
        // so taking it moves the topic instead of copying it.
        let Some(message) = extension.take::<MessageEx>() else {
            return self.reset_publish(key, reason::PROTOCOL_ERROR);
        };
        let topic = if message.topic.is_empty() {
            publish.topic.clone()
        } else {
            message.topic
        };
        if message.qos > self.limits.maximum_qos {
            return self.reset_publish(key, reason::QOS_NOT_SUPPORTED);
        }
        if message.retain && !self.limits.retain_available {
            return self.reset_publish(key, reason::RETAIN_NOT_SUPPORTED);
        }
        publish.acks.push(position);
        let client_id = match message.qos {
            QoS::ExactlyOnce => message.packet_id,
            _ => None,
        };
        let packet = Publish {
            dup: false,
            qos: message.qos,
            retain: message.retain,
            topic,
            packet_id: None,
            properties: to_properties(&message.properties),
            payload,
        };
        let held = Held {
            key,
            position,
            publish: packet,
            client_id,
        };
        if self.outgoing.held.is_empty() && self.has_room(held.publish.qos) {
            self.transmit(held);
        } else {
            // Held behind earlier ones too, so that one topic's messages keep their order.
            self.outgoing.held.push_back(held);
        }
    }

    fn has_room(&self, qos: QoS) -> bool {
        qos == QoS::AtMostOnce
            || self.outgoing.inflight.len() < usize::from(self.limits.receive_maximum)
    }

    fn transmit(&mut self, mut held: Held) {
        let packet_id = if held.publish.qos == QoS::AtMostOnce {
            None
        } else {
            match self.ids.allocate() {
                Some(id) => Some(id),
                None => {
                    self.outgoing.held.push_front(held);
                    return;
                }
            }
        };
        held.publish.packet_id = packet_id;
        let assigned = self.aliases.apply(&mut held.publish);
        let sent = self.send(&Packet::Publish(held.publish));
        if let (Ok(_), Some(assigned)) = (&sent, assigned) {
            self.aliases.sent(assigned);
        }
        match sent {
            Ok(end) => match packet_id {
                None => self
                    .outgoing
                    .written
                    .push_back((end, held.key, held.position)),
                Some(id) => {
                    self.outgoing.inflight.insert(
                        id.get(),
                        InFlight {
                            key: held.key,
                            position: held.position,
                            client_id: held.client_id,
                        },
                    );
                }
            },
            Err(_) => {
                if let Some(id) = packet_id {
                    self.ids.release(id);
                }
                self.reset_publish(held.key, reason::PACKET_TOO_LARGE);
            }
        }
    }

    fn release_held(&mut self) {
        while let Some(front) = self.outgoing.held.front() {
            if !self.has_room(front.publish.qos) {
                break;
            }
            let Some(held) = self.outgoing.held.pop_front() else {
                break;
            };
            let before = self.outgoing.held.len();
            self.transmit(held);
            if self.outgoing.held.len() > before {
                // Put back for want of a packet id: wait for one to come free.
                break;
            }
        }
    }

    /// Bytes reached the broker's side: QoS 0 messages before them are complete.
    pub(super) fn on_written(&mut self) {
        let written = self.upstream.written();
        while let Some(&(end, key, position)) = self.outgoing.written.front() {
            if end > written {
                break;
            }
            self.outgoing.written.pop_front();
            self.complete(key, position);
        }
    }

    fn complete(&mut self, key: u64, position: u64) {
        let Some(stream) = self.streams.get_mut(key) else {
            return;
        };
        if let Role::Publish(publish) = &mut stream.role {
            if let Some(reached) = publish.acks.complete(position) {
                stream.end.rx.acknowledge(reached);
            }
        }
        self.finish_publish(key);
    }

    pub(super) fn on_puback(&mut self, ack: PublishAck) {
        if let Some(flight) = self.outgoing.inflight.remove(&ack.packet_id.get()) {
            self.ids.release(ack.packet_id);
            self.complete(flight.key, flight.position);
        }
        self.release_held();
    }

    pub(super) fn on_pubrec(&mut self, ack: PublishAck) {
        let id = ack.packet_id.get();
        let Some(flight) = self.outgoing.inflight.get(&id) else {
            return;
        };
        let (key, position, client_id) = (flight.key, flight.position, flight.client_id);
        if ack.reason_code >= reason::UNSPECIFIED_ERROR {
            // Refused: the exchange ends here; the client's release is answered directly.
            self.outgoing.inflight.remove(&id);
            self.ids.release(ack.packet_id);
            self.complete(key, position);
            self.release_held();
            return;
        }
        match (client_id, self.publish_stream(key)) {
            (Some(client_id), Some(stream)) => {
                stream.releases.insert(client_id, ack.packet_id);
            }
            // Nobody will release it: release it now.
            _ => self.send_control(&Packet::Pubrel(PublishAck::success(ack.packet_id))),
        }
        self.complete(key, position);
    }

    fn on_release(&mut self, key: u64, client_id: u16) {
        let ours = self
            .publish_stream(key)
            .and_then(|stream| stream.releases.remove(&client_id));
        match ours {
            Some(id) => self.send_control(&Packet::Pubrel(PublishAck::success(id))),
            None => self.released(key, client_id),
        }
    }

    pub(super) fn on_pubcomp(&mut self, ack: PublishAck) {
        if let Some(flight) = self.outgoing.inflight.remove(&ack.packet_id.get()) {
            self.ids.release(ack.packet_id);
            if let Some(client_id) = flight.client_id {
                self.released(flight.key, client_id);
            }
            self.finish_publish(flight.key);
        }
        self.release_held();
    }

    fn released(&mut self, key: u64, client_id: u16) {
        if let Some(stream) = self.streams.get_mut(key) {
            let _ = stream
                .end
                .tx
                .flush(Extension::new(PublishFlushEx::Released(client_id)));
        }
    }

    /// Closes an ended publish stream once nothing is owed on it any more.
    fn finish_publish(&mut self, key: u64) {
        let owed_elsewhere = self
            .outgoing
            .inflight
            .values()
            .any(|flight| flight.key == key)
            || self.outgoing.held.iter().any(|held| held.key == key);
        let done = match self.publish_stream(key) {
            Some(stream) => {
                stream.ending
                    && stream.acks.is_empty()
                    && stream.releases.is_empty()
                    && !owed_elsewhere
            }
            None => false,
        };
        if done {
            if let Some(mut stream) = self.streams.remove(key) {
                stream.end(Extension::none());
            }
        }
    }
}

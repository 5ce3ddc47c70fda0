//! Messages to the client: reply `Data` on the session and subscribe streams becomes PUBLISH,
//! within the client's Receive Maximum and Maximum Packet Size; each message's window position
//! is acknowledged once delivery completed (QoS 0 written, QoS 1 PUBACK, QoS 2 PUBREC).

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use bytes::BytesMut;
use zilla_engine::frame::Data;

use super::app_streams::{AppStream, Partial, StreamId};
use super::connection::{Connection, Flow};
use crate::codec::{Packet, PacketId, Properties, PropertySet, Publish, PublishAck, QoS};
use crate::contract::MessageEx;
use crate::outbound_aliases::OutboundAliases;

/// What the connection tracks of messages sent to the client.
#[derive(Debug)]
pub struct Outbound {
    /// QoS 1/2 messages the client has not finished acknowledging, by our packet id.
    in_flight: BTreeMap<u16, InFlight>,
    next_id: u16,
    /// The client's Receive Maximum.
    pub receive_maximum: u16,
    /// Topic aliases the client accepts on its messages.
    pub aliases: OutboundAliases,
}

#[derive(Debug, Clone, Copy)]
struct InFlight {
    stream: StreamId,
    ticket: u64,
    /// PUBREC came and PUBREL went: only PUBCOMP is left.
    released: bool,
}

impl Default for Outbound {
    fn default() -> Self {
        Self {
            in_flight: BTreeMap::new(),
            next_id: 1,
            receive_maximum: u16::MAX,
            aliases: OutboundAliases::default(),
        }
    }
}

impl Outbound {
    /// Whether another QoS 1/2 message may go to the client now.
    pub fn has_room(&self) -> bool {
        self.in_flight.len() < usize::from(self.receive_maximum.max(1))
    }

    fn allocate(&mut self) -> Option<PacketId> {
        for _ in 0..=u16::MAX {
            let candidate = self.next_id;
            self.next_id = self.next_id.checked_add(1).unwrap_or(1);
            if let Some(id) = PacketId::new(candidate) {
                if !self.in_flight.contains_key(&candidate) {
                    return Some(id);
                }
            }
        }
        None
    }
}

impl Connection {
    pub(super) fn on_delivery(&mut self, id: StreamId, data: Data) -> Flow {
        let max_outbound = self.net.max_outbound;
        let Some(stream) = self.streams.get_mut(id) else {
            return ControlFlow::Continue(());
        };
        let position = stream.end.rx.received();
        let Some(message) = gather(stream, data, max_outbound) else {
            // A fragment short of the message's end: consumed now, so credit keeps flowing.
            stream.acks.push(position, true);
            stream.acknowledge();
            return ControlFlow::Continue(());
        };
        let (message, payload) = match message {
            Some(gathered) => gathered,
            None => {
                stream.acks.push(position, true);
                stream.acknowledge();
                return ControlFlow::Continue(());
            }
        };
        let packet_id = match message.qos {
            QoS::AtMostOnce => None,
            _ => match self.outbound.allocate() {
                Some(packet_id) => Some(packet_id),
                None => {
                    stream.acks.push(position, true);
                    stream.acknowledge();
                    return ControlFlow::Continue(());
                }
            },
        };
        let v5 = self.net.is_v5();
        let mut publish = Publish {
            dup: false,
            qos: message.qos,
            retain: message.retain,
            topic: message.topic,
            packet_id,
            properties: if v5 {
                publish_properties(&message.properties, message.subscription_ids)
            } else {
                Properties::default()
            },
            payload,
        };
        let assigned = match v5 {
            true => self.outbound.aliases.apply(&mut publish),
            false => None,
        };
        let queued = self.net.queue(&Packet::Publish(publish));
        if let (Ok(()), Some(assigned)) = (&queued, assigned) {
            self.outbound.aliases.sent(assigned);
        }
        let Some(stream) = self.streams.get_mut(id) else {
            return ControlFlow::Continue(());
        };
        match (queued, packet_id) {
            (Ok(()), Some(packet_id)) => {
                let ticket = stream.acks.push(position, false);
                let entry = InFlight {
                    stream: id,
                    ticket,
                    released: false,
                };
                self.outbound.in_flight.insert(packet_id.get(), entry);
            }
            (Ok(()), None) => {
                stream.acks.push(position, true);
            }
            (Err(error), _) => {
                // Too large for the client: dropped, and acknowledged so the flow goes on.
                tracing::debug!(binding = %self.shared.id, %error, "message not delivered");
                stream.acks.push(position, true);
            }
        }
        stream.acknowledge();
        ControlFlow::Continue(())
    }

    pub(super) fn on_puback(&mut self, ack: &PublishAck) -> Flow {
        if let Some(entry) = self.outbound.in_flight.remove(&ack.packet_id.get()) {
            self.delivered(entry);
        }
        ControlFlow::Continue(())
    }

    pub(super) fn on_pubrec(&mut self, ack: &PublishAck) -> Flow {
        let packet_id = ack.packet_id.get();
        let Some(entry) = self.outbound.in_flight.get_mut(&packet_id) else {
            let unknown = PublishAck {
                reason_code: crate::codec::reason::PACKET_IDENTIFIER_NOT_FOUND,
                ..PublishAck::success(ack.packet_id)
            };
            self.net.queue_control(&Packet::Pubrel(unknown));
            return ControlFlow::Continue(());
        };
        let first = !entry.released;
        entry.released = true;
        let entry = *entry;
        if ack.reason_code >= 0x80 {
            // The client refused the message: the exchange ends here.
            self.outbound.in_flight.remove(&packet_id);
        } else {
            self.net
                .queue_control(&Packet::Pubrel(PublishAck::success(ack.packet_id)));
        }
        if first {
            self.delivered(entry);
        }
        ControlFlow::Continue(())
    }

    pub(super) fn on_pubcomp(&mut self, ack: &PublishAck) -> Flow {
        if let Some(entry) = self.outbound.in_flight.remove(&ack.packet_id.get()) {
            if !entry.released {
                self.delivered(entry);
            }
        }
        ControlFlow::Continue(())
    }

    fn delivered(&mut self, entry: InFlight) {
        if let Some(stream) = self.streams.get_mut(entry.stream) {
            stream.acks.complete(entry.ticket);
            stream.acknowledge();
        }
    }
}

/// Adds a fragment to the stream's message in progress. `None` while the message goes on;
/// `Some(None)` for a finished message that cannot be delivered; `Some(Some(..))` for one
/// ready to go.
fn gather(
    stream: &mut AppStream,
    data: Data,
    max_packet: usize,
) -> Option<Option<(MessageEx, bytes::Bytes)>> {
    if data.is_init() && data.is_fin() {
        // A whole message in one frame, nearly all of them: nothing to gather or copy.
        stream.partial = None;
        let expected = data.length.unwrap_or(data.payload.len());
        if expected.max(data.payload.len()) > max_packet {
            return Some(None);
        }
        let message = data.extension.take::<MessageEx>();
        return Some(message.map(|message| (message, data.payload)));
    }
    if data.is_init() {
        let message = data.extension.get::<MessageEx>().cloned();
        let expected = data.length.unwrap_or(data.payload.len());
        stream.partial = Some(Partial {
            dropped: message.is_none() || expected > max_packet,
            message,
            payload: BytesMut::new(),
        });
    }
    let fin = data.is_fin();
    let partial = stream.partial.as_mut()?;
    if !partial.dropped {
        if partial.payload.len().saturating_add(data.payload.len()) > max_packet {
            partial.dropped = true;
            partial.payload = BytesMut::new();
        } else {
            partial.payload.extend_from_slice(&data.payload);
        }
    }
    if !fin {
        return None;
    }
    let partial = stream.partial.take()?;
    if partial.dropped {
        return Some(None);
    }
    Some(
        partial
            .message
            .map(|message| (message, partial.payload.freeze())),
    )
}

fn publish_properties(
    properties: &crate::contract::MessageProperties,
    subscription_ids: Vec<u32>,
) -> Properties {
    if properties.is_empty() && subscription_ids.is_empty() {
        return Properties::default();
    }
    Properties::from(PropertySet {
        payload_format_indicator: properties.payload_format,
        message_expiry_interval: properties.message_expiry,
        content_type: properties.content_type.clone(),
        response_topic: properties.response_topic.clone(),
        correlation_data: properties.correlation_data.clone(),
        user_properties: properties.user_properties.clone(),
        subscription_identifiers: subscription_ids,
        ..PropertySet::default()
    })
}

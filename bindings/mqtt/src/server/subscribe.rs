//! SUBSCRIBE and UNSUBSCRIBE: filters checked, grouped by the route each takes, carried on one
//! subscribe stream per route, and answered once every route involved answered.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use zilla_engine::binding::Exit;
use zilla_engine::frame::{Extension, Frame};

use super::app_streams::{Role, StreamId, SubscribeState};
use super::close::Ending;
use super::connection::{Connection, Flow};
use crate::codec::{
    reason, Packet, PacketId, Properties, Suback, Subscribe, Unsuback, Unsubscribe,
};
use crate::contract::{Filter, MqttBeginEx, SubscribeBeginEx, SubscribeFlushEx};
use crate::topic::{validate_topic_filter, SharedSubscription};

/// SUBACKs and UNSUBACKs waiting for the next hop.
#[derive(Debug, Default)]
pub struct PendingReplies {
    pending: Vec<PendingReply>,
}

#[derive(Debug)]
struct PendingReply {
    packet_id: PacketId,
    unsubscribe: bool,
    /// One per filter of the packet, in its order; `None` until answered.
    codes: Vec<Option<u8>>,
    /// Streams yet to answer, with the positions of their filters in `codes`.
    waiting: Vec<(StreamId, Vec<usize>)>,
}

/// The filters of one packet that go to one route.
struct Group<T> {
    exit: Exit,
    positions: Vec<usize>,
    items: Vec<T>,
}

fn push_to_group<T>(groups: &mut Vec<Group<T>>, exit: Exit, position: usize, item: T) {
    match groups.iter_mut().find(|group| group.exit.id == exit.id) {
        Some(group) => {
            group.positions.push(position);
            group.items.push(item);
        }
        None => groups.push(Group {
            exit,
            positions: vec![position],
            items: vec![item],
        }),
    }
}

impl Connection {
    pub(super) fn on_subscribe(&mut self, subscribe: Subscribe) -> Flow {
        let Some(client) = self.client.as_ref() else {
            return ControlFlow::Break(Ending::will(Some(reason::PROTOCOL_ERROR)));
        };
        let accepted = &client.accepted;
        let subscription_id = subscribe
            .properties
            .subscription_identifiers
            .first()
            .copied();
        let mut codes = vec![None; subscribe.subscriptions.len()];
        let mut groups: Vec<Group<Filter>> = Vec::new();
        for (position, subscription) in subscribe.subscriptions.iter().enumerate() {
            let pattern = &subscription.filter;
            let refused = if validate_topic_filter(pattern).is_err() {
                Some(reason::TOPIC_FILTER_INVALID)
            } else if !accepted.wildcard_subscription_available && pattern.contains(['+', '#']) {
                Some(reason::WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED)
            } else if !accepted.shared_subscription_available
                && SharedSubscription::is_shared(pattern)
            {
                Some(reason::SHARED_SUBSCRIPTIONS_NOT_SUPPORTED)
            } else if subscription_id.is_some() && !accepted.subscription_identifiers_available {
                Some(reason::SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED)
            } else {
                None
            };
            if let Some(code) = refused {
                if let Some(slot) = codes.get_mut(position) {
                    *slot = Some(code);
                }
                continue;
            }
            let Some(exit) = self
                .shared
                .router
                .subscribe(client.authorization.as_ref(), pattern)
            else {
                tracing::debug!(binding = %self.shared.id, %pattern, "unroutable subscribe");
                return ControlFlow::Break(Ending::will(Some(
                    reason::IMPLEMENTATION_SPECIFIC_ERROR,
                )));
            };
            let options = &subscription.options;
            let filter = Filter {
                pattern: pattern.clone(),
                qos: options.qos,
                no_local: options.no_local,
                retain_as_published: options.retain_as_published,
                retain_handling: options.retain_handling as u8,
                subscription_id,
            };
            push_to_group(&mut groups, exit, position, filter);
        }
        let packet_id = subscribe.packet_id;
        let mut waiting = Vec::new();
        for group in groups {
            let patterns: Vec<String> = group.items.iter().map(|f| f.pattern.clone()).collect();
            let id = self.subscribe_on(&group.exit, packet_id.get(), group.items);
            if let Some(Role::Subscribe(state)) = self.streams.get_mut(id).map(|s| &mut s.role) {
                state.filters.extend(patterns);
            }
            waiting.push((id, group.positions));
        }
        self.await_reply(packet_id, false, codes, waiting);
        ControlFlow::Continue(())
    }

    /// Carries `filters` on the route's subscribe stream, opening it if needed.
    fn subscribe_on(&mut self, exit: &Exit, packet_id: u16, filters: Vec<Filter>) -> StreamId {
        if let Some(id) = self.streams.by_route.get(&exit.id).copied() {
            if let Some(stream) = self.streams.get_mut(id).filter(|s| !s.closed) {
                let flush = SubscribeFlushEx::Subscribe { packet_id, filters };
                let _ = stream.end.tx.flush(Extension::new(flush));
                return id;
            }
        }
        let client_id = self
            .client
            .as_ref()
            .map(|c| c.id.value.clone())
            .unwrap_or_default();
        let extension = MqttBeginEx::Subscribe(SubscribeBeginEx {
            client_id,
            packet_id,
            filters,
        });
        let begin = self.begin(exit, extension);
        let role = Role::Subscribe(SubscribeState {
            exit: exit.id.clone(),
            filters: BTreeSet::new(),
        });
        self.streams
            .open(exit, begin, role, self.shared.settings.window)
    }

    pub(super) fn on_unsubscribe(&mut self, unsubscribe: Unsubscribe) -> Flow {
        let mut codes = vec![None; unsubscribe.filters.len()];
        let mut groups: Vec<(StreamId, Vec<usize>, Vec<String>)> = Vec::new();
        for (position, pattern) in unsubscribe.filters.iter().enumerate() {
            let holder = self.streams.iter_mut().find_map(|(id, stream)| {
                let open = !stream.closed;
                match &mut stream.role {
                    Role::Subscribe(state) if open => state.filters.remove(pattern).then_some(*id),
                    _ => None,
                }
            });
            match holder {
                Some(id) => match groups.iter_mut().find(|(stream, _, _)| *stream == id) {
                    Some((_, positions, patterns)) => {
                        positions.push(position);
                        patterns.push(pattern.clone());
                    }
                    None => groups.push((id, vec![position], vec![pattern.clone()])),
                },
                None => {
                    if let Some(slot) = codes.get_mut(position) {
                        *slot = Some(reason::NO_SUBSCRIPTION_EXISTED);
                    }
                }
            }
        }
        let packet_id = unsubscribe.packet_id;
        let mut waiting = Vec::new();
        for (id, positions, patterns) in groups {
            if let Some(stream) = self.streams.get_mut(id) {
                let flush = SubscribeFlushEx::Unsubscribe {
                    packet_id: packet_id.get(),
                    patterns,
                };
                if stream.end.tx.flush(Extension::new(flush)).is_ok() {
                    waiting.push((id, positions));
                }
            }
        }
        self.await_reply(packet_id, true, codes, waiting);
        ControlFlow::Continue(())
    }

    fn await_reply(
        &mut self,
        packet_id: PacketId,
        unsubscribe: bool,
        codes: Vec<Option<u8>>,
        waiting: Vec<(StreamId, Vec<usize>)>,
    ) {
        let reply = PendingReply {
            packet_id,
            unsubscribe,
            codes,
            waiting,
        };
        if reply.waiting.is_empty() {
            self.send_reply(reply);
        } else {
            self.replies.pending.push(reply);
        }
    }

    pub(super) fn on_subscribe_frame(&mut self, id: StreamId, frame: Option<Frame>) -> Flow {
        match frame {
            Some(Frame::Data(data)) => return self.on_delivery(id, data),
            Some(Frame::Flush(extension)) => match extension.get::<SubscribeFlushEx>() {
                Some(SubscribeFlushEx::Suback {
                    packet_id,
                    reason_codes,
                }) => self.answered(id, *packet_id, false, reason_codes),
                Some(SubscribeFlushEx::Unsuback {
                    packet_id,
                    reason_codes,
                }) => self.answered(id, *packet_id, true, reason_codes),
                _ => {}
            },
            Some(Frame::Begin(_)) => {}
            Some(Frame::End(_)) | Some(Frame::Abort(_)) | None => {
                // The route's subscriptions are gone; whoever waited on it hears a failure.
                if let Some(stream) = self.streams.get_mut(id) {
                    stream.close(false);
                }
                self.answered_all(id, reason::UNSPECIFIED_ERROR);
            }
        }
        ControlFlow::Continue(())
    }

    fn answered(&mut self, id: StreamId, packet_id: u16, unsubscribe: bool, codes: &[u8]) {
        let Some(index) = self.replies.pending.iter().position(|reply| {
            reply.packet_id.get() == packet_id
                && reply.unsubscribe == unsubscribe
                && reply.waiting.iter().any(|(stream, _)| *stream == id)
        }) else {
            return;
        };
        let Some(reply) = self.replies.pending.get_mut(index) else {
            return;
        };
        fill(reply, id, |n| codes.get(n).copied());
        if reply.waiting.is_empty() {
            let reply = self.replies.pending.remove(index);
            self.send_reply(reply);
        }
    }

    fn answered_all(&mut self, id: StreamId, code: u8) {
        let mut complete = Vec::new();
        for (index, reply) in self.replies.pending.iter_mut().enumerate() {
            fill(reply, id, |_| Some(code));
            if reply.waiting.is_empty() {
                complete.push(index);
            }
        }
        for index in complete.into_iter().rev() {
            let reply = self.replies.pending.remove(index);
            self.send_reply(reply);
        }
    }

    fn send_reply(&mut self, reply: PendingReply) {
        let v5 = self.net.is_v5();
        let reason_codes = reply
            .codes
            .iter()
            .map(|code| {
                let code = code.unwrap_or(reason::UNSPECIFIED_ERROR);
                match (v5, reply.unsubscribe) {
                    (false, false) if code > reason::GRANTED_QOS_2 => {
                        reason::v3::SUBSCRIPTION_FAILURE
                    }
                    _ => code,
                }
            })
            .collect();
        let packet = if reply.unsubscribe {
            Packet::Unsuback(Unsuback {
                packet_id: reply.packet_id,
                properties: Properties::default(),
                reason_codes,
            })
        } else {
            Packet::Suback(Suback {
                packet_id: reply.packet_id,
                properties: Properties::default(),
                reason_codes,
            })
        };
        self.net.queue_control(&packet);
    }
}

/// Takes the answer of stream `id` into `reply`: the n-th code for its n-th filter.
fn fill(reply: &mut PendingReply, id: StreamId, code: impl Fn(usize) -> Option<u8>) {
    let Some(at) = reply.waiting.iter().position(|(stream, _)| *stream == id) else {
        return;
    };
    let (_, positions) = reply.waiting.remove(at);
    for (n, position) in positions.into_iter().enumerate() {
        if let Some(slot) = reply.codes.get_mut(position) {
            *slot = Some(code(n).unwrap_or(reason::UNSPECIFIED_ERROR));
        }
    }
}

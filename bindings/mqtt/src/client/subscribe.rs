//! Subscribe streams: the client's subscriptions at the broker, and where its messages go.
//!
//! Every SUBSCRIBE the gateway sends carries a fresh subscription identifier of its own, one
//! per client SUBSCRIBE (and per client subscription id within it). Each identifier remembers
//! its stream and the id the client gave, so a message the broker tags with identifiers goes
//! to exactly the streams whose subscriptions matched, reporting the client's own ids — even
//! for overlapping filters, and whatever ids the client picked. A filter subscribed again
//! moves to the newer identifier, as the broker replaces the subscription.

use std::collections::HashSet;

use zilla_engine::frame::{Begin, Control, Extension, Frame};
use zilla_engine::stream::StreamEnd;

use crate::codec::{
    reason, Packet, Properties, RetainHandling, Suback, Subscribe, Subscription,
    SubscriptionOptions, Unsuback, Unsubscribe,
};
use crate::contract::{Filter, SubscribeBeginEx, SubscribeFlushEx};

use super::session::Session;
use super::streams::{AppStream, Role, StreamEvent};
use super::subscriptions::{Collect, Group, Request, SubscribeStream};

fn options(filter: &Filter) -> SubscriptionOptions {
    SubscriptionOptions {
        qos: filter.qos,
        no_local: filter.no_local,
        retain_as_published: filter.retain_as_published,
        retain_handling: match filter.retain_handling {
            1 => RetainHandling::SendAtNewSubscribe,
            2 => RetainHandling::DoNotSend,
            _ => RetainHandling::SendAtSubscribe,
        },
    }
}

/// The filters grouped by the client's subscription id, in order of first appearance, each
/// with its index in the request.
/// Filters of one client subscription id, each with its index in the request.
type ClientIdGroup = (Option<u32>, Vec<(usize, Filter)>);

fn by_client_id(filters: Vec<Filter>) -> Vec<ClientIdGroup> {
    let mut groups: Vec<ClientIdGroup> = Vec::new();
    for (index, filter) in filters.into_iter().enumerate() {
        match groups
            .iter_mut()
            .find(|(id, _)| *id == filter.subscription_id)
        {
            Some((_, members)) => members.push((index, filter)),
            None => groups.push((filter.subscription_id, vec![(index, filter)])),
        }
    }
    groups
}

impl Session {
    pub(super) fn open_subscribe(
        &mut self,
        begin: &Begin,
        mut end: StreamEnd,
        subscribe: SubscribeBeginEx,
    ) {
        if !self.accept(begin, &mut end) {
            return;
        }
        let role = Role::Subscribe(SubscribeStream::default());
        let key = self.streams.insert(AppStream::new(end, role));
        self.subscribe(key, subscribe.packet_id, subscribe.filters);
    }

    pub(super) fn on_subscribe_event(&mut self, key: u64, event: StreamEvent) {
        match event {
            StreamEvent::Frame(Frame::Flush(extension)) => {
                match extension.get::<SubscribeFlushEx>().cloned() {
                    Some(SubscribeFlushEx::Subscribe { packet_id, filters }) => {
                        self.subscribe(key, packet_id, filters)
                    }
                    Some(SubscribeFlushEx::Unsubscribe {
                        packet_id,
                        patterns,
                    }) => self.unsubscribe(key, packet_id, patterns),
                    _ => {}
                }
            }
            StreamEvent::Frame(Frame::End(_)) => self.close_subscribe(key, false),
            StreamEvent::Frame(Frame::Abort(_))
            | StreamEvent::Vanished
            | StreamEvent::Control(Control::Reset(_)) => self.close_subscribe(key, true),
            StreamEvent::Frame(Frame::Data(_)) => {
                if let Some(stream) = self.streams.get_mut(key) {
                    stream.end.rx.acknowledge_all();
                }
            }
            StreamEvent::Frame(Frame::Begin(_)) | StreamEvent::Control(_) => {}
        }
    }

    fn subscribe_stream(&mut self, key: u64) -> Option<&mut SubscribeStream> {
        match self.streams.get_mut(key).map(|stream| &mut stream.role) {
            Some(Role::Subscribe(stream)) => Some(stream),
            _ => None,
        }
    }

    fn subscribe(&mut self, key: u64, packet_id: u16, filters: Vec<Filter>) {
        self.next_collect();
        let collect = self.subscriptions.next_collect;
        let count = filters.len();
        let groups = by_client_id(filters);
        self.subscriptions.collecting.insert(
            collect,
            Collect {
                key,
                packet_id,
                codes: vec![reason::UNSPECIFIED_ERROR; count],
                outstanding: groups.len(),
            },
        );
        for (client_id, members) in groups {
            if !self.send_subscribe(key, collect, client_id, members) {
                self.settle_collect(collect);
            }
        }
    }

    fn next_collect(&mut self) {
        self.subscriptions.next_collect = self.subscriptions.next_collect.wrapping_add(1);
    }

    /// Sends one SUBSCRIBE; false when it could not be sent (its filters then fail).
    fn send_subscribe(
        &mut self,
        key: u64,
        collect: u64,
        client_id: Option<u32>,
        members: Vec<(usize, Filter)>,
    ) -> bool {
        let Some(packet_id) = self.ids.allocate() else {
            return false;
        };
        let identifier = self.subscriptions.allocate_identifier();
        let mut properties = Properties::default();
        if self.limits.subscription_identifiers {
            properties.subscription_identifiers.push(identifier);
        }
        let packet = Packet::Subscribe(Subscribe {
            packet_id,
            properties,
            subscriptions: members
                .iter()
                .map(|(_, filter)| Subscription {
                    filter: filter.pattern.clone(),
                    options: options(filter),
                })
                .collect(),
        });
        if self.send(&packet).is_err() {
            self.ids.release(packet_id);
            return false;
        }
        self.subscriptions.groups.insert(
            identifier,
            Group {
                key,
                client_id,
                patterns: HashSet::new(),
            },
        );
        // Registered now: the broker may send retained messages right behind its SUBACK.
        if let Some(Role::Subscribe(stream)) =
            self.streams.get_mut(key).map(|stream| &mut stream.role)
        {
            for (_, filter) in &members {
                self.subscriptions
                    .assign(stream, &filter.pattern, identifier);
            }
        }
        self.subscriptions.requests.insert(
            packet_id.get(),
            Request::Subscribe {
                collect,
                filters: members
                    .into_iter()
                    .map(|(index, filter)| (index, filter.pattern))
                    .collect(),
                identifier,
            },
        );
        true
    }

    /// One SUBSCRIBE of a request was answered (or failed): answer the request when all were.
    fn settle_collect(&mut self, collect: u64) {
        let Some(entry) = self.subscriptions.collecting.get_mut(&collect) else {
            return;
        };
        entry.outstanding = entry.outstanding.saturating_sub(1);
        if entry.outstanding > 0 {
            return;
        }
        if let Some(done) = self.subscriptions.collecting.remove(&collect) {
            let answer = SubscribeFlushEx::Suback {
                packet_id: done.packet_id,
                reason_codes: done.codes,
            };
            if let Some(stream) = self.streams.get_mut(done.key) {
                let _ = stream.end.tx.flush(Extension::new(answer));
            }
        }
    }

    pub(super) fn on_suback(&mut self, suback: Suback) {
        self.ids.release(suback.packet_id);
        match self.subscriptions.requests.remove(&suback.packet_id.get()) {
            Some(Request::Subscribe {
                collect,
                filters,
                identifier,
            }) => {
                let key = self.subscriptions.collecting.get(&collect).map(|c| c.key);
                for (index, (position, pattern)) in filters.into_iter().enumerate() {
                    let code = suback
                        .reason_codes
                        .get(index)
                        .copied()
                        .unwrap_or(reason::UNSPECIFIED_ERROR);
                    if let Some(slot) = self
                        .subscriptions
                        .collecting
                        .get_mut(&collect)
                        .and_then(|entry| entry.codes.get_mut(position))
                    {
                        *slot = code;
                    }
                    if code >= reason::UNSPECIFIED_ERROR {
                        self.forget_refused(key, identifier, &pattern);
                    }
                }
                self.settle_collect(collect);
            }
            Some(other) => {
                self.subscriptions
                    .requests
                    .insert(suback.packet_id.get(), other);
            }
            None => {}
        }
    }

    /// A filter the broker refused is no subscription of the stream.
    fn forget_refused(&mut self, key: Option<u64>, identifier: u32, pattern: &str) {
        let held = key
            .and_then(|key| self.subscribe_stream(key))
            .is_some_and(|stream| {
                let ours = stream.patterns.get(pattern) == Some(&identifier);
                if ours {
                    stream.patterns.remove(pattern);
                }
                ours
            });
        if held {
            self.subscriptions.unassign(identifier, pattern);
        }
    }

    fn unsubscribe(&mut self, key: u64, packet_id: u16, patterns: Vec<String>) {
        let sent = self.ids.allocate().and_then(|id| {
            let packet = Packet::Unsubscribe(Unsubscribe {
                packet_id: id,
                properties: Properties::default(),
                filters: patterns.clone(),
            });
            match self.send(&packet) {
                Ok(_) => Some(id),
                Err(_) => {
                    self.ids.release(id);
                    None
                }
            }
        });
        match sent {
            Some(id) => {
                self.subscriptions.requests.insert(
                    id.get(),
                    Request::Unsubscribe {
                        key,
                        packet_id,
                        patterns,
                    },
                );
            }
            None => {
                let codes = vec![reason::UNSPECIFIED_ERROR; patterns.len()];
                self.unsuback(key, packet_id, codes);
            }
        }
    }

    fn unsuback(&mut self, key: u64, packet_id: u16, reason_codes: Vec<u8>) {
        if let Some(stream) = self.streams.get_mut(key) {
            let answer = SubscribeFlushEx::Unsuback {
                packet_id,
                reason_codes,
            };
            let _ = stream.end.tx.flush(Extension::new(answer));
        }
    }

    pub(super) fn on_unsuback(&mut self, unsuback: Unsuback) {
        self.ids.release(unsuback.packet_id);
        match self
            .subscriptions
            .requests
            .remove(&unsuback.packet_id.get())
        {
            Some(Request::Unsubscribe {
                key,
                packet_id,
                patterns,
            }) => {
                if let Some(stream) = self.subscribe_stream(key) {
                    let removed: Vec<(String, u32)> = patterns
                        .iter()
                        .filter_map(|p| stream.patterns.remove(p).map(|id| (p.clone(), id)))
                        .collect();
                    for (pattern, identifier) in removed {
                        self.subscriptions.unassign(identifier, &pattern);
                    }
                }
                let mut codes = unsuback.reason_codes;
                codes.resize(patterns.len(), reason::SUCCESS);
                self.unsuback(key, packet_id, codes);
            }
            Some(other) => {
                self.subscriptions
                    .requests
                    .insert(unsuback.packet_id.get(), other);
            }
            None => {}
        }
    }

    /// The server closed a subscribe stream: its filters leave the broker.
    fn close_subscribe(&mut self, key: u64, abort: bool) {
        // The stream's End is read before the windows queued beside it: what its client
        // acknowledged right before it left is acknowledged to the broker all the same.
        self.settle_arrived(key);
        let Some(mut stream) = self.streams.remove(key) else {
            return;
        };
        // After an abort (the client's connection is gone) or while the session ends, what was
        // not acknowledged stays so, and the broker sends it again when the session resumes.
        // The server ends its subscribe streams when its client disconnects, and that End may
        // be read before the session stream's: a session that outlives the connection keeps
        // its unacknowledged messages then too. Otherwise, acknowledging keeps the broker's
        // quota of unacknowledged messages from leaking.
        let acknowledge = !abort && self.outcome.is_none() && !self.outlives_connection();
        let mut done = self.deliveries.forget(&mut stream, acknowledge);
        self.acknowledge_upstream(&mut done);
        if abort {
            stream.abort(Extension::none());
        } else {
            stream.end(Extension::none());
        }
        if let Role::Subscribe(subscribe) = stream.role {
            for identifier in subscribe.patterns.values() {
                self.subscriptions.groups.remove(identifier);
                self.subscriptions.retired.insert(*identifier);
            }
        }
        // No UNSUBSCRIBE upstream: the subscriptions belong to the client's session, which a
        // persistent session keeps across connections; only an explicit Unsubscribe removes
        // them. Messages for them that still arrive go to the session stream.

        // A message waiting for this stream's credit waits no longer, and no window update
        // from this stream would tell it so.
        if self.outcome.is_none() {
            self.resume_delivery();
        }
        // No window update follows on a closed stream, for what it acknowledged or for a
        // message that was waiting for it.
        self.release_acks();
    }
}

//! The application streams of one connection, and one poll over all of them so the
//! connection's loop can wait on every stream at once.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::BytesMut;
use zilla_engine::binding::Exit;
use zilla_engine::frame::{Begin, BindingId, Control, Extension, Frame};
use zilla_engine::readiness::{Readiness, ReadyQueue};
use zilla_engine::stream::{stream, StreamEnd};

use super::ack_queue::AckQueue;
use crate::codec::QoS;
use crate::contract::{MessageEx, MESSAGE_PADDING};

pub type StreamId = u32;

/// What happened on one application stream.
#[derive(Debug)]
pub enum StreamEvent {
    /// From the next hop against our initial direction; `None` once it went away.
    Control(Option<Control>),
    /// On the reply direction; `None` once the next hop dropped it.
    Frame(Option<Frame>),
}

pub enum Role {
    Session,
    Publish(PublishState),
    Subscribe(SubscribeState),
}

/// A publish stream's topic and the QoS 1/2 messages awaiting the next hop's acknowledgement.
pub struct PublishState {
    pub topic: String,
    pub pending: VecDeque<PendingAck>,
    pub last_used: Instant,
}

#[derive(Debug, Clone, Copy)]
pub struct PendingAck {
    /// The window acknowledgement that confirms the message.
    pub end: u64,
    pub packet_id: crate::codec::PacketId,
    pub qos: QoS,
}

/// A subscribe stream's route and the filters it carries.
pub struct SubscribeState {
    pub exit: BindingId,
    pub filters: BTreeSet<String>,
}

/// A message arriving in fragments, gathered until its last one.
pub struct Partial {
    pub message: Option<MessageEx>,
    pub payload: BytesMut,
    /// Too large for the client: consumed and acknowledged, never delivered.
    pub dropped: bool,
}

pub struct AppStream {
    pub role: Role,
    pub end: StreamEnd,
    /// The reply direction may still carry frames.
    pub replying: bool,
    /// The next hop may still send controls.
    pub controlled: bool,
    /// Our initial direction was closed.
    pub closed: bool,
    /// The next hop accepted the stream with its reply `Begin`.
    pub accepted: bool,
    pub acks: AckQueue,
    pub partial: Option<Partial>,
    /// The waker the stream's channels are polled with.
    readiness: Readiness<StreamId>,
}

impl AppStream {
    /// Acknowledges the reply direction as far as completed deliveries allow.
    pub fn acknowledge(&mut self) {
        if let Some(position) = self.acks.advance() {
            self.end.rx.acknowledge(position);
        }
    }

    /// Whether the stream may deliver messages (its reply frames wait while the client's
    /// receive maximum is reached).
    fn delivers(&self) -> bool {
        matches!(self.role, Role::Session | Role::Subscribe(_))
    }

    /// Closes our initial direction, orderly or not.
    pub fn close(&mut self, abort: bool) {
        if self.closed {
            return;
        }
        self.closed = true;
        let _ = if abort {
            self.end.tx.abort(Extension::none())
        } else {
            self.end.tx.end(Extension::none())
        };
    }
}

#[derive(Default)]
pub struct AppStreams {
    streams: BTreeMap<StreamId, AppStream>,
    /// Streams woken since they were last polled.
    ready: ReadyQueue<StreamId>,
    /// Delivering streams woken while deliveries waited: polled again once they may deliver.
    held: Vec<StreamId>,
    /// Streams handed out or polled since the last prune: the only ones that can have finished.
    touched: Vec<StreamId>,
    /// Every stream was handed out (`iter_mut`) since the last prune.
    touched_all: bool,
    next: StreamId,
    /// Publish streams by topic, subscribe streams by route.
    pub by_topic: BTreeMap<String, StreamId>,
    pub by_route: BTreeMap<BindingId, StreamId>,
    pub session: Option<StreamId>,
}

impl AppStreams {
    /// Opens a stream toward `exit`, granting its reply `window` bytes.
    pub fn open(&mut self, exit: &Exit, begin: Begin, role: Role, window: u32) -> StreamId {
        let (mut opener, target) = stream();
        opener.rx.open_window(window, MESSAGE_PADDING);
        exit.binding.open(begin, target);
        let id = self.next;
        self.next = self.next.wrapping_add(1);
        match &role {
            Role::Session => self.session = Some(id),
            Role::Publish(state) => {
                self.by_topic.insert(state.topic.clone(), id);
            }
            Role::Subscribe(state) => {
                self.by_route.insert(state.exit.clone(), id);
            }
        }
        self.streams.insert(
            id,
            AppStream {
                role,
                end: opener,
                replying: true,
                controlled: true,
                closed: false,
                accepted: false,
                acks: AckQueue::default(),
                partial: None,
                readiness: self.ready.track(id),
            },
        );
        id
    }

    /// The stream under `id`. It is polled again before the task waits, since whoever
    /// borrowed it may have waited on its channels with the task's own waker.
    pub fn get_mut(&mut self, id: StreamId) -> Option<&mut AppStream> {
        let count = self.streams.len();
        let stream = self.streams.get_mut(&id)?;
        stream.readiness.queue();
        note_touched(&mut self.touched, &mut self.touched_all, id, count);
        Some(stream)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&StreamId, &mut AppStream)> {
        self.touched_all = true;
        self.streams
            .iter_mut()
            .inspect(|(_, stream)| stream.readiness.queue())
    }

    /// Forgets a stream (both its directions are over, or abandoned).
    pub fn remove(&mut self, id: StreamId) -> Option<AppStream> {
        let stream = self.streams.remove(&id)?;
        match &stream.role {
            Role::Session => {
                if self.session == Some(id) {
                    self.session = None;
                }
            }
            Role::Publish(state) => {
                if self.by_topic.get(&state.topic) == Some(&id) {
                    self.by_topic.remove(&state.topic);
                }
            }
            Role::Subscribe(state) => {
                if self.by_route.get(&state.exit) == Some(&id) {
                    self.by_route.remove(&state.exit);
                }
            }
        }
        Some(stream)
    }

    /// Streams whose both directions are over are dropped. Only those handed out or polled
    /// since the last prune are looked at, so that a connection with many streams does not pay
    /// for all of them after every event.
    pub fn prune(&mut self) {
        // The list is emptied in place and handed back, so that its allocation serves every
        // event instead of being made anew for each.
        let mut finished = std::mem::take(&mut self.touched);
        let is_finished = |stream: &AppStream| stream.closed && !stream.replying;
        if std::mem::take(&mut self.touched_all) {
            finished.clear();
            let all = self
                .streams
                .iter()
                .filter(|(_, stream)| is_finished(stream));
            finished.extend(all.map(|(id, _)| *id));
        } else {
            finished.retain(|id| self.streams.get(id).is_some_and(is_finished));
        }
        for id in finished.drain(..) {
            self.remove(id);
        }
        self.touched = finished;
    }

    /// Whether every reply direction is over.
    pub fn replies_done(&self) -> bool {
        self.streams.values().all(|s| !s.replying)
    }

    /// The next event that already arrived on any stream, without waiting (and without
    /// registering for a wakeup: the caller polls with [`Self::poll_next`] before it waits).
    pub fn try_next(&mut self, deliveries: bool) -> Option<(StreamId, StreamEvent)> {
        match self.next_event(None, deliveries) {
            Poll::Ready(event) => Some(event),
            Poll::Pending => None,
        }
    }

    /// The next event on any stream. Reply frames of delivering streams are left waiting
    /// while `deliveries` is false.
    pub fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        deliveries: bool,
    ) -> Poll<(StreamId, StreamEvent)> {
        self.next_event(Some(cx), deliveries)
    }

    /// Polls the streams woken since they were last polled; `cx` is woken when none has an
    /// event yet.
    fn next_event(
        &mut self,
        cx: Option<&Context<'_>>,
        deliveries: bool,
    ) -> Poll<(StreamId, StreamEvent)> {
        if deliveries {
            for id in self.held.drain(..) {
                if let Some(stream) = self.streams.get(&id) {
                    stream.readiness.queue();
                }
            }
        }
        while let Some(id) = self.ready.pop(cx) {
            let Some(stream) = self.streams.get_mut(&id) else {
                continue;
            };
            stream.readiness.taken();
            let event = poll_stream(stream, deliveries);
            match event {
                Some(event) => {
                    // More may have arrived behind it, sent before what woke other streams.
                    stream.readiness.queue_first();
                    note_touched(
                        &mut self.touched,
                        &mut self.touched_all,
                        id,
                        self.streams.len(),
                    );
                    return Poll::Ready((id, event));
                }
                None if stream.replying
                    && !deliveries
                    && stream.delivers()
                    && !self.held.contains(&id) =>
                {
                    self.held.push(id);
                }
                None => {}
            }
        }
        Poll::Pending
    }
}

/// Notes that stream `id` may have changed. Past as many notes as there are streams, between two
/// prunes (a connection closing handles events without pruning), all of them are looked at
/// instead.
fn note_touched(touched: &mut Vec<StreamId>, all: &mut bool, id: StreamId, streams: usize) {
    if *all {
        return;
    }
    if touched.len() >= streams.max(16) {
        touched.clear();
        *all = true;
    } else {
        touched.push(id);
    }
}

/// The next control or reply frame of one stream, if one arrived; reply frames of a delivering
/// stream only when `deliveries` allows.
fn poll_stream(stream: &mut AppStream, deliveries: bool) -> Option<StreamEvent> {
    let mut cx = stream.readiness.context();
    if stream.controlled {
        if let Poll::Ready(control) = stream.end.tx.poll_control(&mut cx) {
            if control.is_none() {
                stream.controlled = false;
            }
            return Some(StreamEvent::Control(control));
        }
    }
    if stream.replying && (deliveries || !stream.delivers()) {
        if let Poll::Ready(frame) = stream.end.rx.poll_recv(&mut cx) {
            if matches!(frame, None | Some(Frame::End(_)) | Some(Frame::Abort(_))) {
                stream.replying = false;
            }
            return Some(StreamEvent::Frame(frame));
        }
    }
    None
}

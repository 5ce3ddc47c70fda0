//! The application streams of one session, polled together by the session's task.
//!
//! One task owns every stream of a session (and its upstream connection), so that the state
//! they share — packet ids, subscriptions, messages in flight — needs no locks. This waits on
//! all of them at once and reports the next frame or control that arrived, polling only the
//! streams that were woken.

use std::collections::VecDeque;
use std::task::{Context, Poll};

use rustc_hash::FxHashMap;
use zilla_engine::frame::{Control, Extension, Frame};
use zilla_engine::readiness::{Readiness, ReadyQueue};
use zilla_engine::stream::StreamEnd;

use super::publish::PublishStream;
use super::subscriptions::SubscribeStream;

/// The session stream's key; application streams get keys from 1 up.
pub const SESSION: u64 = 0;

pub enum Role {
    Session,
    Publish(Box<PublishStream>),
    Subscribe(SubscribeStream),
}

pub struct AppStream {
    pub end: StreamEnd,
    /// Frames may still arrive on the initial direction.
    pub rx_open: bool,
    /// The reply direction is still open (not ended by us, receiver still there).
    pub tx_open: bool,
    pub role: Role,
    /// Delivered QoS 1/2 messages not yet acknowledged by the server: the position that
    /// acknowledges each, and the delivery it belongs to.
    pub awaiting: VecDeque<(u64, u64)>,
}

impl AppStream {
    pub fn new(end: StreamEnd, role: Role) -> Self {
        Self {
            end,
            rx_open: true,
            tx_open: true,
            role,
            awaiting: VecDeque::new(),
        }
    }

    /// Ends the reply direction and refuses the rest of the initial one.
    pub fn end(&mut self, extension: Extension) {
        if self.tx_open {
            let _ = self.end.tx.end(extension.clone());
            self.tx_open = false;
        }
        self.close_initial(extension);
    }

    /// Aborts the reply direction and refuses the rest of the initial one.
    pub fn abort(&mut self, extension: Extension) {
        if self.tx_open {
            let _ = self.end.tx.abort(extension.clone());
            self.tx_open = false;
        }
        self.close_initial(extension);
    }

    fn close_initial(&mut self, extension: Extension) {
        if self.rx_open {
            self.end.rx.reset(extension);
            self.rx_open = false;
        }
    }
}

/// What happened on one stream.
pub enum StreamEvent {
    Frame(Frame),
    /// The initial direction's sender went away without End or Abort.
    Vanished,
    Control(Control),
}

/// A stream and the waker its channels are polled with.
struct Tracked {
    stream: AppStream,
    readiness: Readiness<u64>,
}

#[derive(Default)]
pub struct Streams {
    entries: FxHashMap<u64, Tracked>,
    ready: ReadyQueue<u64>,
    next_key: u64,
}

impl Streams {
    pub fn insert(&mut self, stream: AppStream) -> u64 {
        self.next_key = self.next_key.saturating_add(1);
        self.track(self.next_key, stream);
        self.next_key
    }

    pub fn insert_session(&mut self, stream: AppStream) {
        self.track(SESSION, stream);
    }

    fn track(&mut self, key: u64, stream: AppStream) {
        let readiness = self.ready.track(key);
        self.entries.insert(key, Tracked { stream, readiness });
    }

    /// The stream under `key`. It is polled again before the task waits, since whoever
    /// borrowed it may have waited on its channels with the task's own waker.
    pub fn get_mut(&mut self, key: u64) -> Option<&mut AppStream> {
        self.entries.get_mut(&key).map(|tracked| {
            tracked.readiness.queue();
            &mut tracked.stream
        })
    }

    pub fn remove(&mut self, key: u64) -> Option<AppStream> {
        self.entries.remove(&key).map(|tracked| tracked.stream)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&u64, &mut AppStream)> {
        self.entries.iter_mut().map(|(key, tracked)| {
            tracked.readiness.queue();
            (key, &mut tracked.stream)
        })
    }

    pub async fn next(&mut self) -> (u64, StreamEvent) {
        std::future::poll_fn(|cx| self.poll_next(Some(cx))).await
    }

    /// The first event that already arrived, without waiting.
    pub fn try_next(&mut self) -> Option<(u64, StreamEvent)> {
        match self.poll_next(None) {
            Poll::Ready(event) => Some(event),
            Poll::Pending => None,
        }
    }

    /// The next event of the streams woken since they were last polled; `cx` is woken when
    /// there is none yet.
    fn poll_next(&mut self, cx: Option<&Context<'_>>) -> Poll<(u64, StreamEvent)> {
        while let Some(key) = self.ready.pop(cx) {
            let Some(tracked) = self.entries.get_mut(&key) else {
                continue;
            };
            tracked.readiness.taken();
            let mut stream_cx = tracked.readiness.context();
            if let Some(event) = poll_stream(&mut tracked.stream, &mut stream_cx) {
                // More may have arrived behind it, sent before what woke other streams.
                tracked.readiness.queue_first();
                return Poll::Ready((key, event));
            }
        }
        Poll::Pending
    }
}

/// The next frame or control of one stream, if one arrived.
fn poll_stream(stream: &mut AppStream, cx: &mut Context<'_>) -> Option<StreamEvent> {
    if stream.rx_open {
        match stream.end.rx.poll_recv(cx) {
            Poll::Ready(Some(frame)) => {
                if matches!(frame, Frame::End(_) | Frame::Abort(_)) {
                    stream.rx_open = false;
                }
                return Some(StreamEvent::Frame(frame));
            }
            Poll::Ready(None) => {
                stream.rx_open = false;
                return Some(StreamEvent::Vanished);
            }
            Poll::Pending => {}
        }
    }
    if stream.tx_open {
        match stream.end.tx.poll_control(cx) {
            Poll::Ready(Some(control)) => {
                if matches!(control, Control::Reset(_)) {
                    stream.tx_open = false;
                }
                return Some(StreamEvent::Control(control));
            }
            Poll::Ready(None) => {
                stream.tx_open = false;
                return Some(StreamEvent::Control(Control::Reset(
                    zilla_engine::frame::Reset {
                        extension: Extension::none(),
                    },
                )));
            }
            Poll::Pending => {}
        }
    }
    None
}

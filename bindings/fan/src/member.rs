//! One member of a fan group: its data goes to the group, the group's replies come back to it.
//!
//! Slow member policy: each member reads the group's reply log with its own cursor and sends
//! replies on as its own reply credit allows. Replies waiting for that credit are shared
//! buffers, not copies, and a member may have at most the log's length of them waiting: one
//! more and it is dropped (its reply aborted, its data reset), so a stalled reader never holds
//! up the others nor makes memory grow.

use std::collections::VecDeque;

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use zilla_engine::frame::{Begin, BindingId, Control, Extension, Frame};
use zilla_engine::stream::{StreamEnd, StreamReceiver, StreamSender};
use zilla_engine::telemetry::events::Events;

use crate::group::{Forward, GroupHandle, Reply};

pub struct Member {
    pub id: BindingId,
    pub events: Events,
    pub window: u32,
    /// Replies this member may have waiting for its credit before it is dropped.
    pub reply_log: usize,
}

/// What delivering waiting replies came to.
enum Drained {
    /// Everything that fits was sent; the rest waits for credit.
    Waiting,
    Left(Leave),
}

/// Sends waiting replies in order, as far as the member's reply credit allows.
fn drain(backlog: &mut VecDeque<Reply>, tx: &mut StreamSender, rx: &mut StreamReceiver) -> Drained {
    while let Some(next) = backlog.front() {
        if let Reply::Data(data) = next {
            if tx.credit() < tx.cost(data.payload.len()) {
                return Drained::Waiting;
            }
        }
        let Some(next) = backlog.pop_front() else {
            break;
        };
        match next {
            Reply::Data(data) => {
                if tx.data(data).is_err() {
                    return Drained::Left(Leave::Abort);
                }
            }
            Reply::Flush(extension) => {
                let _ = tx.flush(extension);
            }
            Reply::End => {
                let _ = tx.end(Extension::none());
                rx.reset(Extension::none());
                return Drained::Left(Leave::Closed);
            }
            Reply::Abort | Reply::Reset => return Drained::Left(Leave::Abort),
        }
    }
    Drained::Waiting
}

/// How a member left its group.
enum Leave {
    /// Both directions are already closed.
    Closed,
    /// Close both directions abortively.
    Abort,
}

impl Member {
    pub async fn run(self, begin: Begin, stream: StreamEnd, group: GroupHandle) {
        let StreamEnd { mut tx, mut rx } = stream;
        let mut replies = group.subscribe();
        let reply = Begin {
            origin: begin.origin,
            routed: begin.routed,
            authorization: begin.authorization,
            affinity: begin.affinity,
            extension: Extension::none(),
        };
        if tx.begin(reply).is_err() {
            rx.reset(Extension::none());
            return;
        }
        rx.open_window(self.window, 0);

        let (delivered, mut delivered_rx) = watch::channel(0u64);
        let mut backlog: VecDeque<Reply> = VecDeque::new();
        let leave = loop {
            match drain(&mut backlog, &mut tx, &mut rx) {
                Drained::Waiting => {}
                Drained::Left(leave) => break leave,
            }
            if backlog.len() > self.reply_log {
                break self.dropped(backlog.len());
            }
            tokio::select! {
                frame = rx.recv() => match frame {
                    Some(Frame::Data(data)) => {
                        let forward = Forward { data, position: rx.received(), delivered: delivered.clone() };
                        if !group.forward(forward) {
                            break Leave::Abort;
                        }
                    }
                    Some(Frame::End(_)) => {
                        let _ = tx.end(Extension::none());
                        break Leave::Closed;
                    }
                    Some(Frame::Abort(_)) | None => break Leave::Abort,
                    Some(Frame::Begin(_)) | Some(Frame::Flush(_)) => {}
                },
                changed = delivered_rx.changed() => {
                    if changed.is_ok() {
                        let position = *delivered_rx.borrow_and_update();
                        rx.acknowledge(position);
                    }
                }
                reply = replies.recv() => match reply {
                    Ok(reply) => backlog.push_back(reply),
                    Err(RecvError::Closed) => backlog.push_back(Reply::Abort),
                    Err(RecvError::Lagged(missed)) => {
                        break self.dropped(backlog.len().saturating_add(missed as usize));
                    }
                },
                control = tx.control() => match control {
                    Some(Control::Window(_)) | Some(Control::Challenge(_)) => {}
                    Some(Control::Reset(_)) | None => break Leave::Abort,
                },
            }
        };
        if let Leave::Abort = leave {
            if !tx.is_closed() {
                let _ = tx.abort(Extension::none());
            }
            rx.reset(Extension::none());
        }
    }
}

impl Member {
    fn dropped(&self, behind: usize) -> Leave {
        self.events.emit(
            &self.id,
            "binding.fan.member.dropped",
            format!("a member fell {behind} replies behind its group and was dropped"),
        );
        Leave::Abort
    }
}

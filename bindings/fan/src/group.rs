//! A fan group: one stream toward the exit, shared by every member.
//!
//! Members' data goes to the exit once, in arrival order. A member's data is acknowledged to it
//! only when the exit acknowledged it, so the exit's credit throttles every member. Every reply
//! from the exit is appended once to a bounded log (a broadcast ring) that each member reads with
//! its own cursor; see `member` for what happens to a member that falls behind.

use std::collections::VecDeque;

use tokio::sync::{broadcast, mpsc, watch};
use zilla_engine::binding::Exit;
use zilla_engine::frame::{Begin, BindingId, Control, Data, Extension, Frame};
use zilla_engine::stream::stream;

/// What the exit sent back, as every member sees it.
#[derive(Debug, Clone)]
pub enum Reply {
    Data(Data),
    Flush(Extension),
    End,
    Abort,
    /// The exit refused the group's data.
    Reset,
}

/// Data a member hands to the group, and how to tell the member it was delivered.
pub struct Forward {
    pub data: Data,
    /// The member's initial position just past this data.
    pub position: u64,
    pub delivered: watch::Sender<u64>,
}

/// A member's handle on its group. Cheap to clone.
#[derive(Clone)]
pub struct GroupHandle {
    forwards: mpsc::UnboundedSender<Forward>,
    replies: broadcast::Sender<Reply>,
}

impl GroupHandle {
    /// Opens the group's stream toward `exit` and starts the task that drives it.
    pub fn open(origin: BindingId, exit: &Exit, window: u32, log_capacity: usize) -> Self {
        let (forwards, forwards_rx) = mpsc::unbounded_channel();
        let (replies, _) = broadcast::channel(log_capacity.max(1));
        let (mut opener, target) = stream();
        let begin = Begin {
            origin,
            routed: exit.id.clone(),
            authorization: None,
            affinity: 0,
            extension: Extension::none(),
        };
        opener.rx.open_window(window, 0);
        exit.binding.open(begin, target);
        tokio::spawn(drive(opener, forwards_rx, replies.clone()));
        Self { forwards, replies }
    }

    /// False once the group's stream toward the exit has closed; a new group must be opened.
    pub fn is_open(&self) -> bool {
        !self.forwards.is_closed()
    }

    pub fn forward(&self, forward: Forward) -> bool {
        self.forwards.send(forward).is_ok()
    }

    /// A cursor on the reply log, starting after the latest reply.
    pub fn subscribe(&self) -> broadcast::Receiver<Reply> {
        self.replies.subscribe()
    }
}

/// Data sent to the exit and not yet acknowledged by it.
struct InFlight {
    exit_position: u64,
    member_position: u64,
    delivered: watch::Sender<u64>,
}

async fn drive(
    mut exit: zilla_engine::stream::StreamEnd,
    mut forwards: mpsc::UnboundedReceiver<Forward>,
    replies: broadcast::Sender<Reply>,
) {
    let mut queued: VecDeque<Forward> = VecDeque::new();
    let mut in_flight: VecDeque<InFlight> = VecDeque::new();
    let mut members_gone = false;
    loop {
        while let Some(next) = queued.front() {
            if exit.tx.credit() < exit.tx.cost(next.data.payload.len()) {
                break;
            }
            let Some(next) = queued.pop_front() else {
                break;
            };
            match exit.tx.data(next.data) {
                Ok(exit_position) => in_flight.push_back(InFlight {
                    exit_position,
                    member_position: next.position,
                    delivered: next.delivered,
                }),
                Err(_) => {
                    let _ = replies.send(Reply::Reset);
                    return;
                }
            }
        }
        if members_gone && queued.is_empty() {
            let _ = exit.tx.end(Extension::none());
            return;
        }
        tokio::select! {
            forward = forwards.recv(), if !members_gone => match forward {
                Some(forward) => queued.push_back(forward),
                None => members_gone = true,
            },
            control = exit.tx.control() => match control {
                Some(Control::Window(window)) => {
                    while in_flight
                        .front()
                        .is_some_and(|sent| sent.exit_position <= window.acknowledge)
                    {
                        if let Some(sent) = in_flight.pop_front() {
                            sent.delivered.send_replace(sent.member_position);
                        }
                    }
                }
                Some(Control::Challenge(_)) => {}
                Some(Control::Reset(_)) | None => {
                    let _ = replies.send(Reply::Reset);
                    exit.rx.reset(Extension::none());
                    return;
                }
            },
            frame = exit.rx.recv() => match frame {
                Some(Frame::Data(data)) => {
                    let _ = replies.send(Reply::Data(data));
                    // The log is the bound on reply memory: the exit gets its credit back at
                    // once, and members that cannot keep up are dropped, not waited for.
                    exit.rx.acknowledge_all();
                }
                Some(Frame::Flush(extension)) => {
                    let _ = replies.send(Reply::Flush(extension));
                }
                Some(Frame::Begin(_)) => {}
                Some(Frame::End(_)) => {
                    let _ = replies.send(Reply::End);
                    let _ = exit.tx.end(Extension::none());
                    return;
                }
                Some(Frame::Abort(_)) | None => {
                    let _ = replies.send(Reply::Abort);
                    let _ = exit.tx.abort(Extension::none());
                    return;
                }
            },
        }
    }
}

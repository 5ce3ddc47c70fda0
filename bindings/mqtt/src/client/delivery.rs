//! Messages from the broker on their way to the subscribe streams (or the session stream).
//!
//! One message is delivered at a time, fragment by fragment within each target's credit;
//! while it waits for credit the broker is not read any further.
//!
//! When a QoS 1/2 message is acknowledged to the broker depends on the session:
//! - A session that outlives its connection: once every target acknowledged the window
//!   position that ends it (the server does so when its client acknowledged). Until then the
//!   broker keeps it in the session and sends it again if the client goes away first.
//! - A session that ends with its connection: as soon as every target has it. The broker would
//!   drop what its client did not acknowledge anyway, so waiting gains nothing, and it would
//!   hold the broker's few in-flight slots (Mosquitto allows 20) for a round trip through the
//!   gateway and the client. Credit still bounds what the gateway holds: the server returns it
//!   only as its client acknowledges, and without credit the broker is not read.

use std::collections::VecDeque;

use bytes::Bytes;
use zilla_engine::frame::{flags, Data, Extension};

use crate::codec::{PacketId, Publish};
use crate::contract::MessageEx;

use super::arrival_order::{Acknowledged, ArrivalOrder};
use super::message::from_properties;
use super::streams::{AppStream, Streams};

struct Dispatch {
    message: MessageEx,
    payload: Bytes,
    /// Stream keys with the client's subscription ids to report on each.
    targets: VecDeque<(u64, Vec<u32>)>,
    /// The part of the payload the front target has not been sent yet.
    rest: Bytes,
    started: bool,
    token: Option<u64>,
    /// A target was gone before it had the message, which a session that outlives its
    /// connection then leaves unacknowledged.
    missed: bool,
}

#[derive(Default)]
pub struct Deliveries {
    current: Option<Dispatch>,
    /// The target list of the last message delivered, emptied, for the next one to fill
    /// without an allocation of its own.
    spare: VecDeque<(u64, Vec<u32>)>,
    unsettled: ArrivalOrder,
    /// Acknowledge to the broker once every target has the message, not once each target
    /// acknowledged it.
    on_handover: bool,
}

impl Deliveries {
    /// Deliveries for a session that lasts `session_expiry` seconds after its connection.
    pub fn for_session(session_expiry: u32) -> Self {
        Self {
            on_handover: session_expiry == 0,
            ..Self::default()
        }
    }

    /// No message is waiting for credit: the broker may be read.
    pub fn is_idle(&self) -> bool {
        self.current.is_none()
    }

    /// An empty target list to fill for [`Self::start`].
    pub fn spare_targets(&mut self) -> VecDeque<(u64, Vec<u32>)> {
        std::mem::take(&mut self.spare)
    }

    /// Starts delivering `publish` to `targets`.
    pub fn start(&mut self, publish: Publish, targets: VecDeque<(u64, Vec<u32>)>) {
        let token = publish
            .packet_id
            .map(|packet_id| self.unsettled.arrived(packet_id, publish.qos));
        let message = MessageEx {
            topic: publish.topic,
            qos: publish.qos,
            retain: publish.retain,
            packet_id: publish.packet_id.map(PacketId::get),
            subscription_ids: Vec::new(),
            properties: from_properties(publish.properties),
        };
        self.current = Some(Dispatch {
            message,
            rest: publish.payload.clone(),
            payload: publish.payload,
            targets,
            started: false,
            token,
            missed: false,
        });
    }

    /// Sends what the targets' credit allows; adds the messages fully acknowledged to `done`.
    pub fn progress(&mut self, streams: &mut Streams, done: &mut Vec<Acknowledged>) {
        let Some(dispatch) = self.current.as_mut() else {
            return;
        };
        while let Some((key, mut ids)) = dispatch.targets.pop_front() {
            let outcome = match streams.get_mut(key) {
                Some(stream) if stream.tx_open => send(stream, dispatch, &mut ids),
                _ => Sent::Skipped,
            };
            match outcome {
                Sent::Blocked => {
                    dispatch.targets.push_front((key, ids));
                    return;
                }
                Sent::Complete(_) if self.on_handover => {}
                Sent::Complete(position) => {
                    if let (Some(token), Some(stream)) = (dispatch.token, streams.get_mut(key)) {
                        stream.awaiting.push_back((position, token));
                        self.unsettled.owe(token);
                    }
                }
                Sent::Skipped => dispatch.missed = true,
            }
            dispatch.rest = dispatch.payload.clone();
            dispatch.started = false;
        }
        match dispatch.token {
            // As for the streams that go away with messages unacknowledged (`forget`): the
            // broker sends it again when the session resumes, rather than losing it for a
            // client that may be gone.
            Some(token) if dispatch.missed && !self.on_handover => {
                self.unsettled.abandon(token, done)
            }
            Some(token) => self.unsettled.settle(token, done),
            None => {}
        }
        if let Some(finished) = self.current.take() {
            self.spare = finished.targets;
        }
    }

    /// The stream's acknowledgement moved: settles what it passed, into `done`.
    pub fn acknowledged(&mut self, stream: &mut AppStream, done: &mut Vec<Acknowledged>) {
        let reached = stream.end.tx.acknowledged();
        while let Some(&(position, token)) = stream.awaiting.front() {
            if position > reached {
                break;
            }
            stream.awaiting.pop_front();
            self.unsettled.settle(token, done);
        }
    }

    /// The stream is going away. What it still owed counts as acknowledged when `acknowledge`
    /// (the client it was for no longer wants it), or is given up otherwise (never acknowledged
    /// to the broker, which sends it again when the session resumes). Returns what may now be
    /// acknowledged: that, and messages that waited only for it.
    pub fn forget(&mut self, stream: &mut AppStream, acknowledge: bool) -> Vec<Acknowledged> {
        let mut done = Vec::new();
        while let Some((_, token)) = stream.awaiting.pop_front() {
            match acknowledge {
                true => self.unsettled.settle(token, &mut done),
                false => self.unsettled.abandon(token, &mut done),
            }
        }
        done
    }
}

enum Sent {
    /// The whole message went out; its end is at this position.
    Complete(u64),
    Blocked,
    /// The stream is closed.
    Skipped,
}

/// Sends the rest of the message to the front target, which `dispatch` no longer holds; the
/// first fragment takes `ids`, and the last target takes the message itself instead of a copy.
fn send(stream: &mut AppStream, dispatch: &mut Dispatch, ids: &mut Vec<u32>) -> Sent {
    let tx = &mut stream.end.tx;
    loop {
        let available = tx.available();
        let remaining = dispatch.rest.len();
        // Even an empty message waits for a byte of credit: only a window seen tells the
        // padding that makes it cost something (see the contract).
        if available == 0 {
            return Sent::Blocked;
        }
        let chunk = dispatch.rest.split_to(remaining.min(available));
        let last = dispatch.rest.is_empty();
        let first = !dispatch.started;
        let mut data = Data {
            flags: 0,
            length: None,
            budget_id: 0,
            payload: chunk,
            extension: Extension::none(),
        };
        if first {
            data.flags |= flags::INIT;
            data.length = Some(dispatch.payload.len());
            let mut message = match dispatch.targets.is_empty() {
                true => std::mem::take(&mut dispatch.message),
                false => dispatch.message.clone(),
            };
            message.subscription_ids = std::mem::take(ids);
            data.extension = Extension::new(message);
        }
        if last {
            data.flags |= flags::FIN;
        }
        match tx.data(data) {
            Ok(position) => {
                dispatch.started = true;
                if last {
                    return Sent::Complete(position);
                }
            }
            Err(_) => return Sent::Skipped,
        }
    }
}

//! One client session: its broker connection and every stream of its client connection, run
//! by one task until either side ends it.

use std::task::Waker;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;
use zilla_engine::binding::Exit;
use zilla_engine::frame::{Begin, Control, Extension, Frame};
use zilla_engine::stream::StreamEnd;
use zilla_engine::woken::Woken;

use crate::codec::{reason, Disconnect, EncodeError, Packet, Properties};
use crate::contract::{MqttBeginEx, MqttResetEx, SessionBeginEx, SessionFlushEx, MESSAGE_PADDING};
use crate::outbound_aliases::OutboundAliases;

use super::arrival_order::Acknowledged;
use super::connect::{accepted, connect_packet, BrokerLimits};
use super::delivery::Deliveries;
use super::establish::{establish, Handshake, Refused};
use super::held_acks::HeldAcks;
use super::keep_alive::KeepAlive;
use super::packet_ids::PacketIds;
use super::publish::Outgoing;
use super::registry::Opened;
use super::settings::DEFAULT_TIMEOUT;
use super::streams::{AppStream, Role, StreamEvent, Streams, SESSION};
use super::subscriptions::Subscriptions;
use super::upstream::{IoEvent, Upstream};
use super::{refuse, Shared};

/// How long the last packets to the broker may take before the connection is dropped anyway.
const CLOSE_DEADLINE: Duration = DEFAULT_TIMEOUT;

/// Stream events handled after one wakeup before what they produced is written.
const MAX_BATCH: usize = 64;

/// The session's own sources of events, besides its streams.
const IO: usize = 0;
const INBOX: usize = 1;
const TIMER: usize = 2;
const SOURCES: usize = 3;

/// Why the session stops.
pub(super) enum Outcome {
    /// The client's side ended (End: 0x00, will discarded; Abort: 0x04, will published).
    Disconnect { code: u8, orderly: bool },
    /// The broker ended the session with a DISCONNECT.
    Ended(MqttResetEx),
    /// The broker connection failed; `disconnect` is the reason told to the broker, if any.
    Lost { disconnect: Option<u8> },
}

pub(super) struct Session {
    pub window: u32,
    pub upstream: Upstream,
    pub limits: BrokerLimits,
    pub streams: Streams,
    pub ids: PacketIds,
    pub outgoing: Outgoing,
    pub subscriptions: Subscriptions,
    pub deliveries: Deliveries,
    /// Deliveries settled by the event at hand, to acknowledge to the broker; kept between
    /// events so that its allocation is made once.
    pub settled: Vec<Acknowledged>,
    /// PUBACKs owed to the broker.
    pub held_acks: HeldAcks,
    /// Topic aliases the broker accepts on our PUBLISH packets.
    pub aliases: OutboundAliases,
    pub keep_alive: KeepAlive,
    /// Session expiry asked for at CONNECT, the one the broker granted, and the one a v5
    /// DISCONNECT set since.
    asked_expiry: u32,
    granted_expiry: u32,
    disconnect_expiry: Option<u32>,
    pub outcome: Option<Outcome>,
}

pub(super) async fn run(
    shared: &Shared,
    exit: Exit,
    begin: Begin,
    asked: SessionBeginEx,
    mut stream: StreamEnd,
    mut inbox: UnboundedReceiver<Opened>,
) {
    let connect = connect_packet(&asked);
    let inbound_limit = connect
        .properties
        .maximum_packet_size
        .map_or(usize::MAX, |size| {
            usize::try_from(size).unwrap_or(usize::MAX)
        });
    let keep_alive = connect.keep_alive;
    let mut deferred = Vec::new();
    let handshake = Handshake {
        origin: &shared.id,
        exit: &exit,
        begin: &begin,
        connect,
        settings: &shared.settings,
        inbound_limit,
    };
    let (mut upstream, connack) = match establish(handshake, &mut stream.rx, &mut deferred).await {
        Ok(established) => established,
        Err(Refused(reset)) => {
            tracing::debug!(binding = %shared.id, code = reset.reason_code, "session refused");
            let code = reset.reason_code;
            stream.rx.reset(Extension::new(reset));
            refuse_pending(&mut inbox, code);
            return;
        }
    };
    let limits = BrokerLimits::from_connack(&connack, keep_alive);
    upstream.set_outbound_limit(limits.maximum_packet_size);
    let reply = Begin {
        origin: begin.origin.clone(),
        routed: begin.routed.clone(),
        authorization: None,
        affinity: begin.affinity,
        extension: Extension::new(accepted(&connack, &asked)),
    };
    if stream.tx.begin(reply).is_err() {
        deferred.push(Frame::Abort(Extension::none()));
    }
    stream
        .rx
        .open_window(shared.settings.window, MESSAGE_PADDING);
    let mut streams = Streams::default();
    streams.insert_session(AppStream::new(stream, Role::Session));
    // A v5 broker may grant another expiry than the one asked for; its CONNACK says which.
    let granted_expiry = connack
        .properties
        .session_expiry_interval
        .unwrap_or(asked.session_expiry);
    let mut session = Session {
        window: shared.settings.window,
        upstream,
        keep_alive: KeepAlive::new(limits.keep_alive),
        limits,
        streams,
        ids: PacketIds::default(),
        outgoing: Outgoing::default(),
        subscriptions: Subscriptions::default(),
        aliases: OutboundAliases::new(connack.properties.topic_alias_maximum.unwrap_or(0)),
        settled: Vec::new(),
        held_acks: HeldAcks::default(),
        deliveries: Deliveries::for_session(granted_expiry),
        asked_expiry: asked.session_expiry,
        granted_expiry,
        disconnect_expiry: None,
        outcome: None,
    };
    for frame in deferred {
        session.on_session_event(StreamEvent::Frame(frame));
    }
    session.run(&mut inbox).await;
    refuse_pending(&mut inbox, reason::SERVER_UNAVAILABLE);
}

/// Streams that reached the session after it stopped are refused.
fn refuse_pending(inbox: &mut UnboundedReceiver<Opened>, code: u8) {
    inbox.close();
    while let Ok(mut opened) = inbox.try_recv() {
        refuse(&mut opened.end, code);
    }
}

impl Session {
    async fn run(&mut self, inbox: &mut UnboundedReceiver<Opened>) {
        let mut inbox_open = true;
        // Packets may have arrived right behind the CONNACK.
        self.process_inbound();
        // One keep-alive timer for the whole session: moved only when its deadline comes
        // earlier than it is set for, or after it fired (firing early is harmless, what is due
        // is checked then).
        let far = || tokio::time::Instant::now() + Duration::from_secs(86_400);
        let mut armed = far();
        let timer = tokio::time::sleep_until(armed);
        tokio::pin!(timer);
        let mut fired = true;
        // Each source is polled only when it woke the task (see `Woken`); the streams have
        // their own ready queue.
        let woken = Woken::new(SOURCES);
        let mut was_reading = true;
        while self.outcome.is_none() {
            let reading = self.deliveries.is_idle();
            if reading && !was_reading {
                // What arrived while reading paused woke nothing.
                woken.mark(IO);
            }
            was_reading = reading;
            if !reading {
                self.keep_alive.postpone();
            }
            let pong_deadline = self.keep_alive.pong_deadline().filter(|_| reading);
            let deadline = match (self.keep_alive.ping_at(), pong_deadline) {
                (Some(ping), Some(pong)) => Some(ping.min(pong)),
                (ping, pong) => ping.or(pong),
            };
            if let Some(deadline) = deadline {
                if fired || deadline < armed {
                    armed = deadline;
                    timer.as_mut().reset(armed);
                    woken.mark(TIMER);
                    fired = false;
                }
            }
            // In a fixed order rather than tokio's random one, which costs a random number per
            // wakeup: nothing is starved by it, as the broker's bytes and the streams' frames are
            // fed by tasks that cannot run while this one does, so each runs dry in turn.
            tokio::select! {
                biased;
                _ = woken.gate(TIMER, &mut timer), if deadline.is_some() => {
                    fired = true;
                    self.on_keep_alive(reading);
                }
                opened = woken.gate(INBOX, inbox.recv()), if inbox_open => match opened {
                    Some(opened) => self.on_opened(opened),
                    None => inbox_open = false,
                },
                io = woken.gate(IO, self.upstream.next_io(reading)) => self.on_io(io),
                (key, event) = self.streams.next() => {
                    self.on_stream_event(key, event);
                    // Frames that already arrived are handled before anything is written, so
                    // that the packets they produce leave together.
                    for _ in 0..MAX_BATCH {
                        if self.outcome.is_some() {
                            break;
                        }
                        let Some((key, event)) = self.streams.try_next() else {
                            break;
                        };
                        self.on_stream_event(key, event);
                    }
                }
            }
            if self.outcome.is_none() {
                self.write_now(woken.waker(IO));
            }
        }
        self.finish().await;
    }

    /// The keep-alive timer fired: a PINGREQ when one is due, or the connection is lost when
    /// the broker's PINGRESP is overdue.
    fn on_keep_alive(&mut self, reading: bool) {
        let now = tokio::time::Instant::now();
        let overdue = self
            .keep_alive
            .pong_deadline()
            .is_some_and(|deadline| reading && now >= deadline);
        if overdue {
            tracing::debug!("no PINGRESP from the broker");
            self.outcome = Some(Outcome::Lost {
                disconnect: Some(reason::KEEP_ALIVE_TIMEOUT),
            });
            return;
        }
        let ping = self.keep_alive.ping_at().is_some_and(|at| now >= at);
        if ping && self.keep_alive.ping_due() {
            self.send_control(&Packet::Pingreq);
        }
    }

    /// Queues a packet toward the broker.
    pub fn send(&mut self, packet: &Packet) -> Result<u64, EncodeError> {
        let position = self.upstream.send(packet)?;
        self.keep_alive.sent();
        Ok(position)
    }

    /// Queues a packet that always fits (acks, pings, requests of bounded size): failing to
    /// encode it means the connection cannot go on.
    pub fn send_control(&mut self, packet: &Packet) {
        if self.send(packet).is_err() {
            self.lose(Some(reason::IMPLEMENTATION_SPECIFIC_ERROR));
        }
    }

    pub fn lose(&mut self, disconnect: Option<u8>) {
        if self.outcome.is_none() {
            self.outcome = Some(Outcome::Lost { disconnect });
        }
    }

    /// Sends what the last event queued, as far as the exit's credit reaches; `waker` is woken
    /// when more credit comes for what is left.
    fn write_now(&mut self, waker: &Waker) {
        // Held PUBACKs ride along with whatever else goes out now.
        if self.held_acks.is_full() || self.upstream.has_queued() {
            self.release_acks();
        }
        match self.upstream.write_now(waker) {
            Ok(0) => {}
            Ok(_) => self.on_written(),
            Err(_) => self.lose(None),
        }
    }

    fn on_io(&mut self, io: IoEvent) {
        match io {
            IoEvent::Read(Ok(0)) | IoEvent::Read(Err(_)) | IoEvent::Written(Err(_)) => {
                self.lose(None)
            }
            IoEvent::Read(Ok(_)) => self.process_inbound(),
            IoEvent::Written(Ok(_)) => self.on_written(),
        }
    }

    /// Handles the packets already read, as long as messages can be delivered.
    pub fn process_inbound(&mut self) {
        while self.outcome.is_none() && self.deliveries.is_idle() {
            match self.upstream.next_packet() {
                Ok(Some(packet)) => self.on_packet(packet),
                Ok(None) => break,
                Err(error) => {
                    tracing::debug!(%error, "malformed packet from the broker");
                    self.lose(Some(error.reason_code()));
                }
            }
        }
    }

    fn on_opened(&mut self, opened: Opened) {
        let Opened { begin, mut end } = opened;
        match begin.extension.get::<MqttBeginEx>() {
            Some(MqttBeginEx::Publish(publish)) => {
                let topic = publish.topic.clone();
                self.open_publish(&begin, end, topic);
            }
            Some(MqttBeginEx::Subscribe(subscribe)) => {
                let subscribe = subscribe.clone();
                self.open_subscribe(&begin, end, subscribe);
            }
            _ => refuse(&mut end, reason::PROTOCOL_ERROR),
        }
    }

    /// Accepts an application stream: reply `Begin`, and a window to send in.
    pub fn accept(&self, begin: &Begin, end: &mut StreamEnd) -> bool {
        let reply = Begin {
            origin: begin.origin.clone(),
            routed: begin.routed.clone(),
            authorization: None,
            affinity: begin.affinity,
            extension: Extension::none(),
        };
        if end.tx.begin(reply).is_err() {
            return false;
        }
        end.rx.open_window(self.window, MESSAGE_PADDING);
        true
    }

    fn on_stream_event(&mut self, key: u64, event: StreamEvent) {
        if let StreamEvent::Control(Control::Window(_)) = event {
            self.on_window(key);
            return;
        }
        let role = match self.streams.get_mut(key).map(|stream| &stream.role) {
            Some(Role::Session) => 0,
            Some(Role::Publish(_)) => 1,
            Some(Role::Subscribe(_)) => 2,
            None => return,
        };
        match role {
            0 => self.on_session_event(event),
            1 => self.on_publish_event(key, event),
            _ => self.on_subscribe_event(key, event),
        }
    }

    fn on_session_event(&mut self, event: StreamEvent) {
        match event {
            StreamEvent::Frame(Frame::Flush(extension)) => {
                if let Some(SessionFlushEx::Expiry(expiry)) = extension.get::<SessionFlushEx>() {
                    self.disconnect_expiry = Some(*expiry);
                }
            }
            StreamEvent::Frame(Frame::Data(_)) => {
                if let Some(session) = self.streams.get_mut(SESSION) {
                    session.end.rx.acknowledge_all();
                }
            }
            StreamEvent::Frame(Frame::Begin(_)) | StreamEvent::Control(Control::Window(_)) => {}
            StreamEvent::Frame(Frame::End(_)) => self.disconnect(reason::NORMAL_DISCONNECTION),
            StreamEvent::Frame(Frame::Abort(_))
            | StreamEvent::Vanished
            | StreamEvent::Control(Control::Reset(_)) => {
                self.disconnect(reason::DISCONNECT_WITH_WILL_MESSAGE)
            }
            StreamEvent::Control(Control::Challenge(_)) => {}
        }
    }

    /// Whether the broker keeps this session once the connection ends.
    pub(super) fn outlives_connection(&self) -> bool {
        self.disconnect_expiry.unwrap_or(self.granted_expiry) != 0
    }

    fn disconnect(&mut self, code: u8) {
        if self.outcome.is_none() {
            self.outcome = Some(Outcome::Disconnect {
                code,
                orderly: code == reason::NORMAL_DISCONNECTION,
            });
        }
    }

    async fn finish(&mut self) {
        let Some(outcome) = self.outcome.take() else {
            return;
        };
        let (session_close, others_close, disconnect) = match outcome {
            Outcome::Disconnect { code, orderly } => {
                // What the server sent before ending the session (a PUBLISH right before
                // DISCONNECT) goes to the broker first.
                self.drain_streams();
                let extension = Extension::none();
                let close = if orderly { Close::End } else { Close::Abort };
                (
                    (close, extension.clone()),
                    (Close::End, extension),
                    Some(code),
                )
            }
            Outcome::Ended(reset) => {
                let extension = Extension::new(reset);
                (
                    (Close::End, extension.clone()),
                    (Close::Abort, extension),
                    None,
                )
            }
            Outcome::Lost { disconnect } => {
                let extension = Extension::new(MqttResetEx::new(reason::SERVER_UNAVAILABLE));
                (
                    (Close::Abort, extension.clone()),
                    (Close::Abort, extension),
                    disconnect,
                )
            }
        };
        self.settle_before_end();
        if let Some(code) = disconnect {
            let mut properties = Properties::default();
            if self.asked_expiry != 0 {
                properties.session_expiry_interval = self.disconnect_expiry;
            }
            let packet = Packet::Disconnect(Disconnect {
                reason_code: code,
                properties,
            });
            let _ = self.upstream.send(&packet);
        }
        for (key, stream) in self.streams.iter_mut() {
            let (close, extension) = if *key == SESSION {
                &session_close
            } else {
                &others_close
            };
            match close {
                Close::End => stream.end(extension.clone()),
                Close::Abort => stream.abort(extension.clone()),
            }
        }
        self.upstream.close(CLOSE_DEADLINE).await;
    }

    /// Handles frames that already arrived on the streams, without waiting for more.
    fn drain_streams(&mut self) {
        // Bounded: each stream's queue is bounded by its window and its few control frames.
        for _ in 0..65_536 {
            let Some((key, event)) = self.streams.try_next() else {
                break;
            };
            let publishing = matches!(
                self.streams.get_mut(key).map(|stream| &stream.role),
                Some(Role::Publish(_))
            );
            if publishing {
                self.on_stream_event(key, event);
            }
        }
    }
}

enum Close {
    End,
    Abort,
}

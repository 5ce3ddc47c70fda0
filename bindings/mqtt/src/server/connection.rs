//! One client connection: a loop that waits on the network, every application stream and the
//! connection's timers at once, and hands each event to the part of the server that owns it.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use zilla_engine::frame::Control;
use zilla_engine::guard::Authorization;
use zilla_engine::io::StreamIo;
use zilla_engine::stream::StreamEnd;
use zilla_engine::woken::Woken;

use super::app_streams::{AppStreams, Role, StreamEvent, StreamId};
use super::close::Ending;
use super::deliver::Outbound;
use super::login::ClientId;
use super::network::Network;
use super::publish::Inbound;
use super::subscribe::PendingReplies;
use super::Shared;
use crate::codec::{reason, DecodeError, Packet};
use crate::contract::SessionAcceptedEx;

pub type Flow = ControlFlow<Ending>;

/// How often idle publish streams are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// Stream events handled after one wakeup before what they produced is written.
const MAX_BATCH: usize = 64;

/// The connection's own sources of events, besides its streams.
const NETWORK: usize = 0;
const TIMER: usize = 1;
const STOP: usize = 2;
const SUCCESSOR: usize = 3;
const SOURCES: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the client's CONNECT.
    AwaitConnect,
    /// CONNECT accepted here; waiting for the next hop to answer the session stream.
    AwaitSession { deadline: Instant },
    /// CONNACK sent.
    Connected,
}

/// What the connection knows once CONNECT was accepted.
pub struct Client {
    pub id: ClientId,
    pub authorization: Option<Authorization>,
    /// Inactivity after which the connection is closed (1.5 × keep-alive).
    pub keep_alive_timeout: Option<Duration>,
    /// Set when a v5 client's keep-alive was clamped.
    pub server_keep_alive: Option<u16>,
    /// When the authorization expires, if the guard enforces it.
    pub expires_at: Option<Instant>,
    /// The session expiry the CONNECT asked for.
    pub session_expiry: u32,
    /// The next hop's answer (defaults until it came).
    pub accepted: SessionAcceptedEx,
    /// The receive maximum this server announced.
    pub receive_maximum: u16,
}

pub struct Connection {
    pub(super) shared: Arc<Shared>,
    pub(super) net: Network,
    pub(super) streams: AppStreams,
    pub(super) affinity: u64,
    pub(super) phase: Phase,
    pub(super) client: Option<Client>,
    pub(super) last_packet: Instant,
    pub(super) connect_deadline: Instant,
    pub(super) next_sweep: Instant,
    pub(super) inbound: Inbound,
    pub(super) outbound: Outbound,
    pub(super) replies: PendingReplies,
    stopping: watch::Receiver<bool>,
    pub(super) successor: watch::Receiver<Option<Arc<Shared>>>,
}

enum Event {
    Read(std::io::Result<usize>),
    Stream(StreamId, StreamEvent),
    Timer,
    Stopping,
    Succeeded,
}

impl Connection {
    pub fn new(
        shared: Arc<Shared>,
        network: StreamEnd,
        affinity: u64,
        stopping: watch::Receiver<bool>,
    ) -> Self {
        let now = Instant::now();
        // A connection that reaches a binding already replaced (its TLS handshake took that
        // long) is checked against the successor as soon as it logged in.
        let mut successor = shared.successor.subscribe();
        if successor.borrow().is_some() {
            successor.mark_changed();
        }
        let io = StreamIo::new(network, shared.settings.window);
        let net = Network::new(io, shared.settings.maximum_packet_size);
        Self {
            connect_deadline: now + shared.settings.connect_timeout,
            shared,
            net,
            streams: AppStreams::default(),
            affinity,
            phase: Phase::AwaitConnect,
            client: None,
            last_packet: now,
            next_sweep: now + SWEEP_EVERY,
            inbound: Inbound::default(),
            outbound: Outbound::default(),
            replies: PendingReplies::default(),
            stopping,
            successor,
        }
    }

    pub async fn run(mut self) {
        let ending = self.serve().await;
        self.finish(ending).await;
    }

    async fn serve(&mut self) -> Ending {
        // Each source is polled only when it woke the task: most wakeups are for one stream or
        // for the network, and polling everything else after each of them was a large part of
        // the cost of a message.
        let woken = Woken::new(SOURCES);
        // One timer and one shutdown wait for the whole connection: the timer is moved only
        // when a deadline comes earlier than it is set for, or after it fired. Firing early is
        // harmless, as `on_timer` checks what is actually due.
        let mut armed = self.next_deadline();
        let timer = tokio::time::sleep_until(armed.into());
        tokio::pin!(timer);
        let mut stopping = self.stopping.clone();
        let stop = async move {
            let _ = stopping.wait_for(|stopping| *stopping).await;
        };
        tokio::pin!(stop);
        // The wait for a successor lives across iterations, so that it keeps its place among
        // the watch's waiters; it is made anew after each change.
        let changed = |mut successor: watch::Receiver<Option<Arc<Shared>>>| async move {
            successor.changed().await.is_ok()
        };
        let succeeded = changed(self.successor.clone());
        tokio::pin!(succeeded);
        let mut watching = true;
        let mut was_reading = true;
        let mut fired = false;
        loop {
            let deadline = self.next_deadline();
            if fired || deadline < armed {
                armed = deadline;
                timer.as_mut().reset(armed.into());
                woken.mark(TIMER);
            }
            let reading = match self.phase {
                Phase::AwaitSession { .. } => self.net.has_room(),
                _ => true,
            };
            if reading && !was_reading {
                // What arrived while reading paused woke nothing.
                woken.mark(NETWORK);
            }
            was_reading = reading;
            let deliveries = self.outbound.has_room();
            let streams = &mut self.streams;
            // In a fixed order rather than tokio's random one, which costs a random number per
            // wakeup: nothing is starved by it, as stream events are drained after every event
            // below, and the network and the streams are fed by tasks that cannot run while
            // this one does.
            let event = tokio::select! {
                biased;
                _ = woken.gate(STOP, &mut stop) => Event::Stopping,
                _ = woken.gate(TIMER, &mut timer) => Event::Timer,
                read = woken.gate(NETWORK, self.net.fill()), if reading => Event::Read(read),
                (id, event) = std::future::poll_fn(|cx| streams.poll_next(cx, deliveries)) => {
                    Event::Stream(id, event)
                }
                live = woken.gate(SUCCESSOR, &mut succeeded), if watching && self.client.is_some() => {
                    watching = live;
                    if live {
                        // The check below reads the latest successor, so the next wait starts
                        // from it; a copy of the watch still marked changed would fire again.
                        let mut next = self.successor.clone();
                        next.mark_unchanged();
                        succeeded.set(changed(next));
                        Event::Succeeded
                    } else {
                        continue;
                    }
                }
            };
            fired = matches!(event, Event::Timer);
            let mut flow = self.on_event(event).await;
            // Stream events that already arrived are handled before writing, so that the
            // packets they produce leave together.
            let mut more = MAX_BATCH;
            while flow.is_continue() && more > 0 {
                more -= 1;
                let deliveries = self.outbound.has_room();
                match self.streams.try_next(deliveries) {
                    Some((id, event)) => flow = self.on_event(Event::Stream(id, event)).await,
                    None => break,
                }
            }
            if let Err(error) = self.net.flush().await {
                tracing::debug!(binding = %self.shared.id, %error, "network write failed");
                return Ending::lost();
            }
            self.streams.prune();
            if let ControlFlow::Break(ending) = flow {
                return ending;
            }
        }
    }

    async fn on_event(&mut self, event: Event) -> Flow {
        let flow = match event {
            Event::Read(Ok(0)) => {
                tracing::debug!(binding = %self.shared.id, "network closed by the client");
                ControlFlow::Break(Ending::lost())
            }
            Event::Read(Ok(_)) => self.on_input().await,
            Event::Read(Err(error)) => {
                tracing::debug!(binding = %self.shared.id, %error, "network failed");
                ControlFlow::Break(Ending::lost())
            }
            Event::Stream(id, event) => self.on_stream(id, event),
            Event::Timer => self.on_timer(),
            Event::Stopping => ControlFlow::Break(Ending::will(Some(reason::SERVER_SHUTTING_DOWN))),
            Event::Succeeded => self.reauthorize(),
        };
        match flow {
            // Packets that waited for CONNACK are taken up as soon as it went out.
            ControlFlow::Continue(()) if self.phase == Phase::Connected && self.net.has_input() => {
                self.on_input().await
            }
            other => other,
        }
    }

    /// Decodes and handles every complete packet buffered.
    async fn on_input(&mut self) -> Flow {
        // One reading of the clock for every packet of a read: they arrived together.
        let arrived = Instant::now();
        while !matches!(self.phase, Phase::AwaitSession { .. }) {
            let packet = match self.net.decode() {
                Ok(Some(packet)) => packet,
                Ok(None) => break,
                Err(error) => return ControlFlow::Break(self.on_malformed(&error)),
            };
            self.on_packet(packet, arrived).await?;
        }
        ControlFlow::Continue(())
    }

    fn on_malformed(&mut self, error: &DecodeError) -> Ending {
        tracing::debug!(binding = %self.shared.id, %error, "malformed packet");
        if self.phase == Phase::AwaitConnect {
            if let Some(code) = error.v3_connack_code() {
                self.net
                    .queue_control(&Packet::Connack(crate::codec::Connack {
                        session_present: false,
                        reason_code: code,
                        properties: Default::default(),
                    }));
            }
            return Ending::quiet();
        }
        Ending::will(Some(error.reason_code()))
    }

    async fn on_packet(&mut self, packet: Packet, arrived: Instant) -> Flow {
        if self.phase == Phase::AwaitConnect {
            return match packet {
                Packet::Connect(connect) => self.on_connect(*connect).await,
                _ => ControlFlow::Break(Ending::quiet()),
            };
        }
        self.last_packet = arrived;
        match packet {
            Packet::Publish(publish) => self.on_publish(publish).await,
            Packet::Puback(ack) => self.on_puback(&ack),
            Packet::Pubrec(ack) => self.on_pubrec(&ack),
            Packet::Pubcomp(ack) => self.on_pubcomp(&ack),
            Packet::Pubrel(ack) => self.on_pubrel(&ack),
            Packet::Subscribe(subscribe) => self.on_subscribe(subscribe),
            Packet::Unsubscribe(unsubscribe) => self.on_unsubscribe(unsubscribe),
            Packet::Pingreq => {
                self.net.queue_control(&Packet::Pingresp);
                ControlFlow::Continue(())
            }
            Packet::Disconnect(disconnect) => self.on_disconnect(&disconnect),
            Packet::Connect(_)
            | Packet::Connack(_)
            | Packet::Suback(_)
            | Packet::Unsuback(_)
            | Packet::Pingresp
            | Packet::Auth(_) => ControlFlow::Break(Ending::will(Some(reason::PROTOCOL_ERROR))),
        }
    }

    fn on_stream(&mut self, id: StreamId, event: StreamEvent) -> Flow {
        let Some(stream) = self.streams.get_mut(id) else {
            return ControlFlow::Continue(());
        };
        if stream.closed {
            // Ours is over; only the reply's end still matters, and it was noted.
            return ControlFlow::Continue(());
        }
        let kind = RoleKind::of(&stream.role);
        match (kind, event) {
            (RoleKind::Session, StreamEvent::Control(control)) => self.on_session_control(control),
            (RoleKind::Session, StreamEvent::Frame(frame)) => self.on_session_frame(id, frame),
            (RoleKind::Publish, StreamEvent::Control(control)) => {
                self.on_publish_control(id, control)
            }
            (RoleKind::Publish, StreamEvent::Frame(frame)) => self.on_publish_frame(id, frame),
            (RoleKind::Subscribe, StreamEvent::Control(control)) => subscribe_control(control),
            (RoleKind::Subscribe, StreamEvent::Frame(frame)) => self.on_subscribe_frame(id, frame),
        }
    }

    fn next_deadline(&self) -> Instant {
        let far = Instant::now() + Duration::from_secs(3600);
        match self.phase {
            Phase::AwaitConnect => self.connect_deadline,
            Phase::AwaitSession { deadline } => deadline,
            Phase::Connected => {
                let client = self.client.as_ref();
                let keep_alive = client
                    .and_then(|c| c.keep_alive_timeout)
                    .map(|timeout| self.last_packet + timeout);
                let expiry = client.and_then(|c| c.expires_at);
                [Some(self.next_sweep), keep_alive, expiry]
                    .into_iter()
                    .flatten()
                    .min()
                    .unwrap_or(far)
            }
        }
    }

    fn on_timer(&mut self) -> Flow {
        let now = Instant::now();
        match self.phase {
            Phase::AwaitConnect if now >= self.connect_deadline => {
                tracing::debug!(binding = %self.shared.id, "no CONNECT in time");
                ControlFlow::Break(Ending::quiet())
            }
            Phase::AwaitSession { deadline } if now >= deadline => {
                ControlFlow::Break(self.refuse(reason::SERVER_UNAVAILABLE))
            }
            Phase::Connected => {
                let client = self.client.as_ref();
                let idle = client
                    .and_then(|c| c.keep_alive_timeout)
                    .is_some_and(|timeout| now >= self.last_packet + timeout);
                if idle {
                    return ControlFlow::Break(Ending::will(Some(reason::KEEP_ALIVE_TIMEOUT)));
                }
                if client
                    .and_then(|c| c.expires_at)
                    .is_some_and(|at| now >= at)
                {
                    return ControlFlow::Break(Ending::will(Some(reason::NOT_AUTHORIZED)));
                }
                if now >= self.next_sweep {
                    self.next_sweep = now + SWEEP_EVERY;
                    self.close_idle_publishes(now);
                }
                ControlFlow::Continue(())
            }
            _ => ControlFlow::Continue(()),
        }
    }
}

/// A subscribe stream's controls only matter when the next hop refuses it.
fn subscribe_control(control: Option<Control>) -> Flow {
    match control {
        Some(Control::Window(_)) | Some(Control::Challenge(_)) => ControlFlow::Continue(()),
        Some(Control::Reset(reset)) => {
            let code =
                super::close::reset_code(&reset.extension, reason::IMPLEMENTATION_SPECIFIC_ERROR);
            ControlFlow::Break(Ending::will(Some(code)))
        }
        None => ControlFlow::Break(Ending::will(Some(reason::IMPLEMENTATION_SPECIFIC_ERROR))),
    }
}

#[derive(Debug, Clone, Copy)]
enum RoleKind {
    Session,
    Publish,
    Subscribe,
}

impl RoleKind {
    fn of(role: &Role) -> Self {
        match role {
            Role::Session => RoleKind::Session,
            Role::Publish(_) => RoleKind::Publish,
            Role::Subscribe(_) => RoleKind::Subscribe,
        }
    }
}

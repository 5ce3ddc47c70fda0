//! How a connection ends: what the client is told, how each application stream closes (an
//! orderly End discards the will, an Abort publishes it), and waiting for the next hop to close
//! its side so every stream ends in both directions.

use std::time::Instant;

use zilla_engine::frame::Extension;

use super::app_streams::{AppStreams, Role};
use super::connection::{Connection, Phase};
use crate::codec::{Disconnect, Packet, Properties};
use crate::contract::{MqttResetEx, SessionFlushEx};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionClose {
    /// Orderly: the will is discarded; a v5 DISCONNECT may have set a new session expiry.
    End { expiry: Option<u32> },
    /// Abnormal: the will is published.
    Abort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ending {
    /// Reason code of a DISCONNECT to send a v5 client that was connected.
    pub disconnect: Option<u8>,
    pub session: SessionClose,
    /// Whether publish and subscribe streams are aborted rather than ended.
    pub abort_streams: bool,
    pub abort_network: bool,
    /// Whether QoS 0 publishes get a moment to be consumed before the session closes.
    pub drain: bool,
}

impl Ending {
    /// The client's DISCONNECT 0x00.
    pub fn clean(expiry: Option<u32>) -> Self {
        Self {
            disconnect: None,
            session: SessionClose::End { expiry },
            abort_streams: false,
            abort_network: false,
            drain: true,
        }
    }

    /// The client's DISCONNECT with another reason: the will is published.
    pub fn disconnected_with_will() -> Self {
        Self {
            session: SessionClose::Abort,
            ..Self::clean(None)
        }
    }

    /// The server ends the connection for `disconnect` (keep-alive, protocol error, expiry):
    /// the will is published.
    pub fn will(disconnect: Option<u8>) -> Self {
        Self {
            disconnect,
            session: SessionClose::Abort,
            abort_streams: true,
            abort_network: false,
            drain: false,
        }
    }

    /// The network went away.
    pub fn lost() -> Self {
        Self {
            abort_network: true,
            ..Self::will(None)
        }
    }

    /// Closed before or instead of a CONNACK: nothing more to say to the client.
    pub fn quiet() -> Self {
        Self::will(None)
    }

    /// The next hop ended the session (takeover, upstream gone).
    pub fn ended_by_next_hop(code: u8) -> Self {
        Self {
            disconnect: Some(code),
            session: SessionClose::End { expiry: None },
            abort_streams: false,
            abort_network: false,
            drain: false,
        }
    }
}

/// The reason code a reset or end carries, or `default`.
pub fn reset_code(extension: &Extension, default: u8) -> u8 {
    extension
        .get::<MqttResetEx>()
        .map(|reset| reset.reason_code)
        .unwrap_or(default)
}

impl Connection {
    pub(super) async fn finish(&mut self, ending: Ending) {
        if ending.drain {
            self.drain_publishes().await;
        }
        if let (Some(code), true, Phase::Connected) =
            (ending.disconnect, self.net.is_v5(), self.phase)
        {
            self.net.queue_control(&Packet::Disconnect(Disconnect {
                reason_code: code,
                properties: Properties::default(),
            }));
        }
        for (_, stream) in self.streams.iter_mut() {
            match (&stream.role, ending.session) {
                (Role::Session, SessionClose::End { expiry }) => {
                    if let Some(expiry) = expiry {
                        let _ = stream
                            .end
                            .tx
                            .flush(Extension::new(SessionFlushEx::Expiry(expiry)));
                    }
                    stream.close(false);
                }
                (Role::Session, SessionClose::Abort) => stream.close(true),
                _ => stream.close(ending.abort_streams),
            }
        }
        let deadline = Instant::now() + self.shared.settings.linger_timeout;
        if ending.abort_network {
            self.net.abort();
            linger(&mut self.streams, deadline).await;
        } else {
            tokio::join!(
                self.net.close(deadline),
                linger(&mut self.streams, deadline)
            );
        }
    }

    /// Waits (briefly) until every outstanding QoS 0 publish was consumed by the next hop, so
    /// that a PUBLISH right before DISCONNECT is not overtaken by the session's end.
    async fn drain_publishes(&mut self) {
        let deadline = Instant::now() + self.shared.settings.drain_timeout;
        loop {
            let outstanding = self.streams.iter_mut().any(|(_, stream)| {
                matches!(stream.role, Role::Publish(_))
                    && !stream.closed
                    && stream.controlled
                    && stream.end.tx.acknowledged() < stream.end.tx.sent()
            });
            if !outstanding {
                return;
            }
            let streams = &mut self.streams;
            let next = std::future::poll_fn(|cx| streams.poll_next(cx, false));
            if tokio::time::timeout_at(deadline.into(), next)
                .await
                .is_err()
            {
                tracing::debug!(binding = %self.shared.id, "publishes not consumed in time");
                return;
            }
        }
    }
}

/// Waits (until `deadline`) for the next hop to close its reply directions.
async fn linger(streams: &mut AppStreams, deadline: Instant) {
    while !streams.replies_done() {
        let next = std::future::poll_fn(|cx| streams.poll_next(cx, true));
        if tokio::time::timeout_at(deadline.into(), next)
            .await
            .is_err()
        {
            return;
        }
    }
}

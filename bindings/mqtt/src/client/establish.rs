//! Opening the session at the broker: the connection through the exit, CONNECT, CONNACK.
//!
//! Both waits have a deadline (the connection, then the CONNACK), and failing either refuses
//! the session as "server unavailable". Meanwhile the session stream is still read so that an
//! End or Abort from the server is not lost: it is kept and applied once the broker answered.

use std::time::Duration;

use zilla_engine::binding::Exit;
use zilla_engine::frame::{Begin, BindingId, Extension, Frame};
use zilla_engine::io::StreamIo;
use zilla_engine::stream::{stream, StreamReceiver};

use crate::codec::{reason, Connack, Connect, Packet};
use crate::contract::MqttResetEx;

use super::settings::Settings;
use super::upstream::Upstream;

/// Why the broker's session could not be opened: what the server is told.
#[derive(Debug)]
pub struct Refused(pub MqttResetEx);

impl Refused {
    fn unavailable(reason: &str) -> Self {
        let mut reset = MqttResetEx::new(reason::SERVER_UNAVAILABLE);
        reset.reason = Some(reason.to_owned());
        Self(reset)
    }
}

pub struct Handshake<'a> {
    pub origin: &'a BindingId,
    pub exit: &'a Exit,
    pub begin: &'a Begin,
    pub connect: Connect,
    pub settings: &'a Settings,
    pub inbound_limit: usize,
}

/// Connects and waits for a successful CONNACK. Frames that arrive on `session` meanwhile are
/// appended to `deferred`.
pub async fn establish(
    handshake: Handshake<'_>,
    session: &mut StreamReceiver,
    deferred: &mut Vec<Frame>,
) -> Result<(Upstream, Connack), Refused> {
    let mut watching = true;
    let work = async {
        let mut upstream = connect(&handshake).await?;
        upstream
            .send(&Packet::Connect(Box::new(handshake.connect.clone())))
            .map_err(|_| Refused::unavailable("CONNECT does not fit the wire format"))?;
        let connack = within(handshake.settings.connack_timeout, "CONNACK", async {
            upstream
                .flush()
                .await
                .map_err(|_| Refused::unavailable("broker connection closed"))?;
            read_connack(&mut upstream).await
        })
        .await?;
        Ok((upstream, connack))
    };
    tokio::pin!(work);
    loop {
        tokio::select! {
            result = &mut work => return result,
            frame = session.recv(), if watching => match frame {
                Some(frame) => {
                    watching = !matches!(frame, Frame::End(_) | Frame::Abort(_));
                    deferred.push(frame);
                }
                None => {
                    watching = false;
                    deferred.push(Frame::Abort(Extension::none()));
                }
            },
        }
    }
}

async fn connect(handshake: &Handshake<'_>) -> Result<Upstream, Refused> {
    let (opener, target) = stream();
    let begin = Begin {
        origin: handshake.origin.clone(),
        routed: handshake.exit.id.clone(),
        authorization: handshake.begin.authorization.clone(),
        affinity: handshake.begin.affinity,
        extension: Extension::none(),
    };
    handshake.exit.binding.open(begin, target);
    let mut io = StreamIo::new(opener, handshake.settings.window);
    within(handshake.settings.connect_timeout, "connection", async {
        io.accepted()
            .await
            .map(|_| ())
            .map_err(|_| Refused::unavailable("broker connection refused"))
    })
    .await?;
    Ok(Upstream::new(io, handshake.inbound_limit))
}

async fn read_connack(upstream: &mut Upstream) -> Result<Connack, Refused> {
    loop {
        match upstream.next_packet() {
            Ok(Some(Packet::Connack(connack))) => {
                if connack.reason_code >= reason::UNSPECIFIED_ERROR {
                    let mut reset = MqttResetEx::new(connack.reason_code);
                    reset.reason = connack.properties.reason_string.clone();
                    reset.server_reference = connack.properties.server_reference.clone();
                    return Err(Refused(reset));
                }
                return Ok(connack);
            }
            Ok(Some(_)) => return Err(Refused::unavailable("broker answered without CONNACK")),
            Ok(None) => {}
            Err(_) => return Err(Refused::unavailable("malformed CONNACK")),
        }
        match upstream.read_more().await {
            Ok(0) | Err(_) => return Err(Refused::unavailable("broker connection closed")),
            Ok(_) => {}
        }
    }
}

async fn within<T>(
    limit: Duration,
    what: &str,
    work: impl std::future::Future<Output = Result<T, Refused>>,
) -> Result<T, Refused> {
    tokio::time::timeout(limit, work)
        .await
        .map_err(|_| Refused::unavailable(&format!("no {what} within {limit:?}")))?
}

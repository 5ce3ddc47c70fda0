//! The load clients: paced publishers and subscribers that stamp and time each message.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use super::pacer::{Pacer, Pacing};
use anyhow::{bail, Context};
use bytes::{BufMut, Bytes, BytesMut};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use zilla_binding_mqtt::codec::{
    decode, encode, Connect, Packet, PacketId, Properties, ProtocolVersion, Publish, PublishAck,
    QoS, Subscribe, Subscription, SubscriptionOptions,
};

const VERSION: ProtocolVersion = ProtocolVersion::V3_1_1;
const MAX_PACKET: usize = 1 << 20;
/// Run id, publisher, sequence number, send time.
pub(super) const HEADER: usize = 4 + 4 + 8 + 8;
/// How often a publisher waiting for acknowledgements looks again.
const TICK: Duration = Duration::from_millis(1);
/// How late after the step a publisher may still send the rest of its quota; later than that
/// it fell behind.
const LATE: Duration = Duration::from_millis(50);

/// Where the load clients connect: an address, over TLS when a connector is given.
#[derive(Clone)]
pub struct Target {
    pub address: SocketAddr,
    pub tls: Option<TlsConnector>,
}

impl From<SocketAddr> for Target {
    fn from(address: SocketAddr) -> Self {
        Self { address, tls: None }
    }
}

/// One client's connection, plain or TLS: both kinds of run share every line of client code.
pub(super) enum Connection {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(socket) => Pin::new(socket).poll_read(cx, buf),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Connection::Plain(socket) => Pin::new(socket).poll_write(cx, buf),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(socket) => Pin::new(socket).poll_flush(cx),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(socket) => Pin::new(socket).poll_shutdown(cx),
            Connection::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}

pub(super) struct Plan {
    pub(super) run: u32,
    pub(super) index: u32,
    pub(super) qos: QoS,
    pub(super) size: usize,
    /// PUBLISHes per second from this publisher.
    pub(super) rate: f64,
    pub(super) pacing: Pacing,
    pub(super) quota: u64,
    pub(super) in_flight: u64,
    pub(super) topics: u32,
    pub(super) start: Instant,
    pub(super) end: Instant,
    pub(super) deadline: Instant,
}

/// Publishes `plan.quota` messages paced at `plan.rate` as `plan.pacing` says, keeping at most
/// `plan.in_flight` unacknowledged at QoS 1. Returns how many it sent and the connection, which
/// stays open until the subscribers are done so nothing it sent is cut off.
pub(super) async fn publish(
    socket: Connection,
    mut buffer: BytesMut,
    plan: Plan,
    epoch: std::time::Instant,
) -> anyhow::Result<(u64, Connection)> {
    let (mut reader, mut writer) = tokio::io::split(socket);
    let acked = Arc::new(AtomicU64::new(0));
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let acks = {
        let acked = acked.clone();
        tokio::spawn(async move {
            loop {
                while let Some(packet) = decode(&mut buffer, VERSION, MAX_PACKET)? {
                    if let Packet::Puback(_) = packet {
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                }
                buffer.reserve(16 * 1024);
                tokio::select! {
                    read = reader.read_buf(&mut buffer) => {
                        if read? == 0 {
                            bail!("the server closed a publisher's connection");
                        }
                    }
                    _ = &mut stopped => return anyhow::Ok(reader),
                }
            }
        })
    };

    let topics: Vec<String> = match plan.topics {
        1 => vec![format!("bench/{}", plan.index)],
        count => (0..count)
            .map(|n| format!("bench/{}/{n}", plan.index))
            .collect(),
    };
    let mut out = BytesMut::with_capacity(64 * 1024);
    let mut pacer = Pacer::new(plan.pacing, plan.rate, plan.start)?;
    let mut sent = 0u64;
    while sent < plan.quota {
        pacer.wait().await?;
        let now = Instant::now();
        if now >= plan.end + LATE {
            break;
        }
        let due = if now >= plan.end {
            plan.quota
        } else {
            // Message n falls due n / rate after the start.
            ((now - plan.start).as_secs_f64() * plan.rate).floor() as u64 + 1
        };
        let mut burst = due.min(plan.quota).saturating_sub(sent);
        if plan.qos != QoS::AtMostOnce {
            let in_flight = sent - acked.load(Ordering::Relaxed);
            burst = burst.min(plan.in_flight.saturating_sub(in_flight));
        }
        for _ in 0..burst {
            let mut payload = BytesMut::with_capacity(plan.size);
            payload.put_u32_le(plan.run);
            payload.put_u32_le(plan.index);
            payload.put_u64_le(sent);
            payload.put_u64_le(epoch.elapsed().as_nanos() as u64);
            payload.resize(plan.size, 0);
            let packet_id = (plan.qos != QoS::AtMostOnce)
                .then(|| PacketId::new((sent % 65_535) as u16 + 1))
                .flatten();
            let packet = Packet::Publish(Publish {
                dup: false,
                qos: plan.qos,
                retain: false,
                topic: topics[(sent % topics.len() as u64) as usize].clone(),
                packet_id,
                properties: Properties::default(),
                payload: payload.freeze(),
            });
            encode(&packet, VERSION, &mut out)?;
            sent += 1;
        }
        if !out.is_empty() {
            writer.write_all(&out).await?;
            out.clear();
        }
    }
    if plan.qos != QoS::AtMostOnce {
        while acked.load(Ordering::Relaxed) < sent && Instant::now() < plan.deadline {
            tokio::time::sleep(TICK).await;
        }
    }
    let _ = stop.send(());
    let reader = acks.await??;
    Ok((sent, reader.unsplit(writer)))
}

/// Receives until the publishers' total has arrived or the deadline passes, acknowledging
/// QoS 1. Returns the latency of each message of this run, in nanoseconds.
pub(super) async fn receive(
    mut socket: Connection,
    mut buffer: BytesMut,
    run: u32,
    epoch: std::time::Instant,
    deadline: Instant,
    expected: Arc<AtomicU64>,
) -> anyhow::Result<Vec<u64>> {
    let mut latencies = Vec::new();
    let mut acks = BytesMut::new();
    let mut received_at = 0u64;
    loop {
        while let Some(packet) = decode(&mut buffer, VERSION, MAX_PACKET)? {
            let Packet::Publish(publish) = packet else {
                continue;
            };
            if let Some(packet_id) = publish.packet_id {
                encode(
                    &Packet::Puback(PublishAck::success(packet_id)),
                    VERSION,
                    &mut acks,
                )?;
            }
            if let Some(sent_at) = stamp(&publish.payload, run) {
                latencies.push(received_at.saturating_sub(sent_at));
            }
        }
        if !acks.is_empty() {
            socket.write_all(&acks).await?;
            acks.clear();
        }
        if latencies.len() as u64 >= expected.load(Ordering::Relaxed) {
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        buffer.reserve(64 * 1024);
        let wait = (deadline - now).min(Duration::from_millis(10));
        match tokio::time::timeout(wait, socket.read_buf(&mut buffer)).await {
            Ok(Ok(0)) => bail!("the server closed a subscriber's connection"),
            Ok(Ok(_)) => received_at = epoch.elapsed().as_nanos() as u64,
            Ok(Err(error)) => return Err(error.into()),
            Err(_) => {}
        }
    }
    Ok(latencies)
}

/// The send time a payload carries, if it belongs to `run`.
fn stamp(payload: &Bytes, run: u32) -> Option<u64> {
    if payload.len() < HEADER || payload[..4] != run.to_le_bytes() {
        return None;
    }
    Some(u64::from_le_bytes(payload[16..24].try_into().ok()?))
}

pub(super) async fn connect(
    target: &Target,
    client_id: &str,
) -> anyhow::Result<(Connection, BytesMut)> {
    let address = target.address;
    let socket = TcpStream::connect(address)
        .await
        .with_context(|| format!("cannot connect to {address}"))?;
    socket.set_nodelay(true)?;
    let mut socket = match &target.tls {
        None => Connection::Plain(socket),
        Some(connector) => {
            let name = ServerName::try_from("localhost")?;
            let stream = connector
                .connect(name, socket)
                .await
                .with_context(|| format!("TLS handshake with {address}"))?;
            Connection::Tls(Box::new(stream))
        }
    };
    let connect = Packet::Connect(Box::new(Connect {
        protocol: VERSION,
        clean_start: true,
        keep_alive: 0,
        properties: Properties::default(),
        client_id: client_id.to_owned(),
        will: None,
        username: None,
        password: None,
    }));
    let mut buffer = BytesMut::new();
    send(&mut socket, &connect).await?;
    match expect(&mut socket, &mut buffer).await? {
        Packet::Connack(connack) if connack.reason_code == 0 => Ok((socket, buffer)),
        other => bail!("{client_id}: expected a successful CONNACK, got {other:?}"),
    }
}

pub(super) async fn subscribe(
    target: &Target,
    client_id: &str,
    qos: QoS,
) -> anyhow::Result<(Connection, BytesMut)> {
    let (mut socket, mut buffer) = connect(target, client_id).await?;
    let subscribe = Packet::Subscribe(Subscribe {
        packet_id: PacketId::MIN,
        properties: Properties::default(),
        subscriptions: vec![Subscription {
            filter: "bench/#".to_owned(),
            options: SubscriptionOptions {
                qos,
                ..SubscriptionOptions::default()
            },
        }],
    });
    send(&mut socket, &subscribe).await?;
    match expect(&mut socket, &mut buffer).await? {
        Packet::Suback(suback) if suback.reason_codes == [qos.bits()] => Ok((socket, buffer)),
        other => bail!("{client_id}: expected a SUBACK granting QoS {qos:?}, got {other:?}"),
    }
}

async fn send(socket: &mut Connection, packet: &Packet) -> anyhow::Result<()> {
    let mut bytes = BytesMut::new();
    encode(packet, VERSION, &mut bytes)?;
    socket.write_all(&bytes).await?;
    Ok(())
}

/// The next packet, within 5 s.
async fn expect(socket: &mut Connection, buffer: &mut BytesMut) -> anyhow::Result<Packet> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(packet) = decode(buffer, VERSION, MAX_PACKET)? {
            return Ok(packet);
        }
        buffer.reserve(4096);
        match tokio::time::timeout_at(deadline, socket.read_buf(buffer)).await {
            Ok(Ok(0)) => bail!("connection closed during the handshake"),
            Ok(Ok(_)) => {}
            Ok(Err(error)) => return Err(error.into()),
            Err(_) => bail!("no reply within 5 s"),
        }
    }
}

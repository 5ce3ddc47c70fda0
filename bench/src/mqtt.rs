//! MQTT load: paced publishers and subscribers over MQTT 3.1.1, each on its own connection,
//! against any broker address (Mosquitto itself, or the gateway proxying to it).
//!
//! A step publishes at a fixed offered rate for a fixed time and passes when every subscriber
//! received every published message before the grace period ran out, with a bounded p99.
//! The maximum rate is searched for by doubling, then bisecting between the last pass and the
//! first failure.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::time::{Instant, MissedTickBehavior};
use zilla_binding_mqtt::codec::{
    decode, encode, Connect, Packet, PacketId, Properties, ProtocolVersion, Publish, PublishAck,
    QoS, Subscribe, Subscription, SubscriptionOptions,
};

use crate::gateway::{free_port, TempDir};

const VERSION: ProtocolVersion = ProtocolVersion::V3_1_1;
const MAX_PACKET: usize = 1 << 20;
/// Run id, publisher, sequence number, send time.
const HEADER: usize = 4 + 4 + 8 + 8;
const TICK: Duration = Duration::from_millis(1);
/// How late after the step a publisher may still send the rest of its quota; later than that
/// it fell behind.
const LATE: Duration = Duration::from_millis(50);
const FIRST_RATE: u64 = 2_000;
const MAX_DOUBLINGS: usize = 9;
/// Between steps, so what a failed step left queued drains away.
const SETTLE: Duration = Duration::from_millis(300);

/// The broker the gateway is measured against, on a free loopback port.
pub struct Mosquitto {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Mosquitto {
    pub async fn start(binary: &Path) -> anyhow::Result<Self> {
        let dir = TempDir::new()?;
        let port = free_port()?;
        let config = dir.path.join("mosquitto.conf");
        std::fs::write(
            &config,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 10000\n"
            ),
        )?;
        let child = Command::new(binary)
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            if Instant::now() > deadline {
                bail!("mosquitto did not listen on {port} within 10 s");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(Self {
            child,
            port,
            _dir: dir,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}

/// `tcp server → mqtt server → mqtt client → tcp client → broker`.
pub fn proxy_config(port: u16, broker: u16) -> String {
    format!(
        "name: bench
bindings:
  north_tcp_server:
    type: tcp
    kind: server
    options:
      host: 127.0.0.1
      port: {port}
    exit: north_mqtt_server
  north_mqtt_server:
    type: mqtt
    kind: server
    exit: north_mqtt_client
  north_mqtt_client:
    type: mqtt
    kind: client
    exit: south_tcp_client
  south_tcp_client:
    type: tcp
    kind: client
    options:
      host: 127.0.0.1
      port: {broker}
"
    )
}

#[derive(Debug, Clone)]
pub struct Load {
    pub publishers: usize,
    pub subscribers: usize,
    pub size: usize,
    pub qos: QoS,
    pub step: Duration,
    pub grace: Duration,
    pub p99_limit: Duration,
    pub search_steps: usize,
    /// QoS 1 PUBLISHes a publisher may have unacknowledged.
    pub in_flight: u64,
}

/// One step: a fixed offered rate (PUBLISHes/s over all publishers) for `Load::step`.
#[derive(Debug, Clone, Default)]
pub struct Step {
    pub rate: u64,
    /// What the publishers should have sent.
    pub offered: u64,
    pub published: u64,
    /// Messages received over all subscribers; full delivery is `published × subscribers`.
    pub delivered: u64,
    /// The fewest any one subscriber received.
    pub least_received: u64,
    pub p50: Duration,
    pub p99: Duration,
    /// Why a client's connection failed during the step, if one did.
    pub error: Option<String>,
    pub passed: bool,
}

impl Step {
    pub fn complete(&self) -> bool {
        self.published == self.offered && self.least_received >= self.published
    }

    /// Why the step failed, or "pass".
    pub fn verdict(&self) -> String {
        if let Some(error) = &self.error {
            format!("fail ({error})")
        } else if self.passed {
            "pass".to_owned()
        } else if self.published < self.offered {
            "fail (publishers fell behind)".to_owned()
        } else if !self.complete() {
            "fail (not all delivered)".to_owned()
        } else {
            "fail (p99 over the limit)".to_owned()
        }
    }

    /// Delivered messages per second at this step's rate.
    pub fn delivered_rate(&self, subscribers: usize) -> u64 {
        self.rate * subscribers as u64
    }
}

/// Runs steps against `address` and returns the fastest that passed, if any did.
pub async fn find_max(
    label: &str,
    address: SocketAddr,
    load: &Load,
    clock: &Clock,
) -> anyhow::Result<Option<Step>> {
    let mut best: Option<Step> = None;
    let mut failed = None;
    let mut rate = FIRST_RATE;
    for _ in 0..MAX_DOUBLINGS {
        let step = run_step(address, load, rate, clock).await?;
        progress(label, load, &step);
        if !step.passed {
            failed = Some(rate);
            break;
        }
        best = Some(step);
        rate *= 2;
    }
    if let Some(mut high) = failed {
        let mut low = best.as_ref().map_or(0, |step| step.rate);
        for _ in 0..load.search_steps {
            // Whole hundreds keep the printed rates readable.
            let middle = (low + high) / 2 / 100 * 100;
            if middle <= low || middle >= high {
                break;
            }
            let step = run_step(address, load, middle, clock).await?;
            progress(label, load, &step);
            if step.passed {
                low = middle;
                best = Some(step);
            } else {
                high = middle;
            }
        }
    }
    Ok(best)
}

/// Runs one step at `rate` against `address`, printing it.
pub async fn measure_at(
    label: &str,
    address: SocketAddr,
    load: &Load,
    rate: u64,
    clock: &Clock,
) -> anyhow::Result<Step> {
    let step = run_step(address, load, rate, clock).await?;
    progress(label, load, &step);
    Ok(step)
}

fn progress(label: &str, load: &Load, step: &Step) {
    eprintln!(
        "  {label:<9} QoS {} {:>8} msgs/s offered: {:>9}/{:<9} delivered, p50 {:>8.0} µs, p99 {:>8.0} µs  {}",
        load.qos.bits(),
        step.rate,
        step.delivered,
        step.offered * load.subscribers as u64,
        step.p50.as_secs_f64() * 1e6,
        step.p99.as_secs_f64() * 1e6,
        step.verdict(),
    );
}

/// The shared time base for send and receive stamps, and the run ids that tell a step's
/// messages from those a previous step left behind.
pub struct Clock {
    epoch: std::time::Instant,
    runs: AtomicU64,
}

impl Clock {
    pub fn new() -> Self {
        Self {
            epoch: std::time::Instant::now(),
            runs: AtomicU64::new(0),
        }
    }
}

async fn run_step(
    address: SocketAddr,
    load: &Load,
    rate: u64,
    clock: &Clock,
) -> anyhow::Result<Step> {
    tokio::time::sleep(SETTLE).await;
    let run = clock.runs.fetch_add(1, Ordering::Relaxed) as u32 + 1;
    let epoch = clock.epoch;

    let mut subscribers = Vec::with_capacity(load.subscribers);
    for index in 0..load.subscribers {
        subscribers.push(subscribe(address, &format!("bench-sub-{run}-{index}"), load.qos).await?);
    }
    let mut publishers = Vec::with_capacity(load.publishers);
    for index in 0..load.publishers {
        publishers.push(connect(address, &format!("bench-pub-{run}-{index}")).await?);
    }
    // Through the gateway a SUBACK may come back before the broker applies the subscription.
    tokio::time::sleep(Duration::from_millis(100)).await;

    let start = Instant::now() + Duration::from_millis(10);
    let end = start + load.step;
    let deadline = end + load.grace;
    let per_publisher = rate as f64 / load.publishers as f64;
    let quota = (per_publisher * load.step.as_secs_f64()) as u64;
    let expected = Arc::new(AtomicU64::new(u64::MAX));

    let subscriber_tasks: Vec<_> = subscribers
        .into_iter()
        .map(|(socket, buffer)| {
            let expected = expected.clone();
            tokio::spawn(receive(socket, buffer, run, epoch, deadline, expected))
        })
        .collect();
    let publisher_tasks: Vec<_> = publishers
        .into_iter()
        .enumerate()
        .map(|(index, (socket, buffer))| {
            let plan = Plan {
                run,
                index: index as u32,
                qos: load.qos,
                size: load.size.max(HEADER),
                rate: per_publisher,
                quota,
                in_flight: load.in_flight,
                start,
                end,
                deadline,
            };
            tokio::spawn(publish(socket, buffer, plan, epoch))
        })
        .collect();

    // A connection the server closes fails the step, not the run.
    let mut error = None;
    let mut published = 0;
    let mut connections = Vec::new();
    for task in publisher_tasks {
        match task.await? {
            Ok((sent, socket)) => {
                published += sent;
                connections.push(socket);
            }
            Err(failure) => error = Some(failure.to_string()),
        }
    }
    expected.store(published, Ordering::Relaxed);
    let mut delivered = 0;
    let mut least_received = u64::MAX;
    let mut latencies = Vec::new();
    for task in subscriber_tasks {
        match task.await? {
            Ok(received) => {
                delivered += received.len() as u64;
                least_received = least_received.min(received.len() as u64);
                latencies.extend(received);
            }
            Err(failure) => {
                least_received = 0;
                error = Some(failure.to_string());
            }
        }
    }
    drop(connections);
    latencies.sort_unstable();
    let mut step = Step {
        rate,
        offered: quota * load.publishers as u64,
        published,
        delivered,
        least_received,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        passed: false,
        error,
    };
    step.passed = step.error.is_none() && step.complete() && step.p99 < load.p99_limit;
    Ok(step)
}

fn percentile(sorted: &[u64], quantile: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) as f64 * quantile).round() as usize;
    Duration::from_nanos(sorted[index.min(sorted.len() - 1)])
}

struct Plan {
    run: u32,
    index: u32,
    qos: QoS,
    size: usize,
    /// PUBLISHes per second from this publisher.
    rate: f64,
    quota: u64,
    in_flight: u64,
    start: Instant,
    end: Instant,
    deadline: Instant,
}

/// Publishes `plan.quota` messages paced at `plan.rate`, in bursts once a tick, keeping at most
/// `plan.in_flight` unacknowledged at QoS 1. Returns how many it sent and the connection, which
/// stays open until the subscribers are done so nothing it sent is cut off.
async fn publish(
    socket: TcpStream,
    mut buffer: BytesMut,
    plan: Plan,
    epoch: std::time::Instant,
) -> anyhow::Result<(u64, TcpStream)> {
    let (mut reader, mut writer) = socket.into_split();
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

    let topic = format!("bench/{}", plan.index);
    let mut out = BytesMut::with_capacity(64 * 1024);
    let mut ticks = tokio::time::interval_at(plan.start, TICK);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut sent = 0u64;
    while sent < plan.quota {
        ticks.tick().await;
        let now = Instant::now();
        if now >= plan.end + LATE {
            break;
        }
        let due = if now >= plan.end {
            plan.quota
        } else {
            ((now - plan.start).as_secs_f64() * plan.rate).ceil() as u64
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
                topic: topic.clone(),
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
    Ok((sent, reader.reunite(writer)?))
}

/// Receives until the publishers' total has arrived or the deadline passes, acknowledging
/// QoS 1. Returns the latency of each message of this run, in nanoseconds.
async fn receive(
    mut socket: TcpStream,
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

async fn connect(address: SocketAddr, client_id: &str) -> anyhow::Result<(TcpStream, BytesMut)> {
    let mut socket = TcpStream::connect(address)
        .await
        .with_context(|| format!("cannot connect to {address}"))?;
    socket.set_nodelay(true)?;
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

async fn subscribe(
    address: SocketAddr,
    client_id: &str,
    qos: QoS,
) -> anyhow::Result<(TcpStream, BytesMut)> {
    let (mut socket, mut buffer) = connect(address, client_id).await?;
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

async fn send(socket: &mut TcpStream, packet: &Packet) -> anyhow::Result<()> {
    let mut bytes = BytesMut::new();
    encode(packet, VERSION, &mut bytes)?;
    socket.write_all(&bytes).await?;
    Ok(())
}

/// The next packet, within 5 s.
async fn expect(socket: &mut TcpStream, buffer: &mut BytesMut) -> anyhow::Result<Packet> {
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

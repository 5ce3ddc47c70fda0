//! `zilla-bench`: measures the gateway side by side with the alternative, in one run.

mod cpus;
mod echo;
mod gateway;
mod mqtt;
mod order;
mod report;
mod tls;
mod usage;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use zilla_binding_mqtt::codec::QoS;

use order::Order;
use report::Spent;

#[derive(Parser)]
#[command(about = "Benchmarks the gateway beside the alternative, in the same run")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// A property for every gateway started (`-P name=value`, as `zilla start` takes it),
    /// e.g. `-P zilla.engine.workers=1`; repeatable.
    #[arg(short = 'P', long = "property", global = true)]
    properties: Vec<String>,
    #[command(flatten)]
    placement: cpus::PlacementArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Start-up time to the ready file, idle memory, and echo throughput through tcp → echo
    /// beside a plain socket echo server.
    Engine {
        /// The gateway binary to measure.
        #[arg(long, default_value = "target/release/zilla")]
        binary: PathBuf,
        /// Start-ups to time.
        #[arg(long, default_value_t = 10)]
        starts: usize,
        /// Concurrent connections for the echo runs.
        #[arg(long, default_value_t = 8)]
        connections: usize,
        /// Message size in bytes.
        #[arg(long, default_value_t = 1024)]
        size: usize,
        /// Seconds per echo run.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// MQTT publishers and subscribers at QoS 0 and 1, straight against Mosquitto and through
    /// the gateway's MQTT proxy to that Mosquitto: the highest rate delivered in full with a
    /// bounded p99, and the latency at half the direct maximum.
    Mqtt(MqttOptions),
    /// TLS through the gateway (`tcp → tls → echo`) beside plain TCP through the same gateway
    /// (`tcp → echo`): new connections per second and round trips per second; then the MQTT
    /// proxy's highest publish rate to Mosquitto with and without a tls server in front.
    Tls(TlsOptions),
}

#[derive(clap::Args)]
struct TlsOptions {
    /// The gateway binary to measure.
    #[arg(long, default_value = "target/release/zilla")]
    binary: PathBuf,
    /// Concurrent connections.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 3)]
    seconds: u64,
    /// The broker binary for the MQTT comparison; it is skipped when this does not exist.
    #[arg(long, default_value = "/usr/sbin/mosquitto")]
    mosquitto: PathBuf,
    /// MQTT publishing connections.
    #[arg(long, default_value_t = 1)]
    publishers: usize,
    /// MQTT subscribing connections, each subscribed to bench/#.
    #[arg(long, default_value_t = 1)]
    subscribers: usize,
    /// MQTT payload size in bytes (at least 24).
    #[arg(long, default_value_t = 64)]
    size: usize,
    /// Qualities of service for the MQTT comparison, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0")]
    qos: Vec<u8>,
}

#[derive(clap::Args)]
struct MqttOptions {
    /// The gateway binary to measure.
    #[arg(long, default_value = "target/release/zilla")]
    binary: PathBuf,
    /// The broker binary, started on a free loopback port.
    #[arg(long, default_value = "/usr/sbin/mosquitto")]
    mosquitto: PathBuf,
    /// Publishing connections; publisher i publishes to bench/i.
    #[arg(long, default_value_t = 4)]
    publishers: usize,
    /// Subscribing connections, each subscribed to bench/#.
    #[arg(long, default_value_t = 4)]
    subscribers: usize,
    /// Payload size in bytes (at least 24: run, publisher, sequence number, send time).
    #[arg(long, default_value_t = 64)]
    size: usize,
    /// Seconds each offered rate is held for.
    #[arg(long, default_value_t = 2.0)]
    step_seconds: f64,
    /// Milliseconds after a step for the last messages to arrive.
    #[arg(long, default_value_t = 500)]
    grace_ms: u64,
    /// A step passes only with every message delivered and its p99 below this many ms.
    #[arg(long, default_value_t = 50)]
    p99_limit_ms: u64,
    /// Bisection steps between the last passing and the first failing rate.
    #[arg(long, default_value_t = 4)]
    search_steps: usize,
    /// QoS 1 PUBLISHes each publisher may have unacknowledged.
    #[arg(long, default_value_t = 100)]
    in_flight: u64,
    /// Qualities of service to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0,1")]
    qos: Vec<u8>,
    /// Topics each publisher publishes to in turn; through the gateway each is a publish stream
    /// of the publisher's connection.
    #[arg(long, default_value_t = 1)]
    topics: u32,
    /// How publishers pace the latency step: `spread` sends each message at its own time,
    /// `1 / rate` apart; `tick` sends what fell due once a millisecond, so each message also
    /// waits behind the rest of its millisecond's burst. Searches for the maxima always tick.
    #[arg(long, default_value_t = mqtt::Pacing::Spread)]
    latency_pacing: mqtt::Pacing,
    /// Measure latency and cost at this offered rate only, without searching for the maxima.
    #[arg(long)]
    rate: Option<u64>,
    /// Put a plain TCP relay (`tcp server → tcp client`) in front of the broker instead of the
    /// MQTT proxy: what any process in between costs on this machine, the floor under the
    /// proxy's figures.
    #[arg(long)]
    relay: bool,
    /// Put socat in the gateway's place (`socat TCP-LISTEN:PORT,fork,nodelay
    /// TCP:BROKER,nodelay`: a process per connection that copies bytes and nothing else), to
    /// measure what any process in between costs without the gateway's engine. Its CPU time
    /// counts the processes of connections that ended; their wakeups are gone with them.
    #[arg(long, conflicts_with = "relay")]
    socat: bool,
    /// A mosquitto.conf line for the broker, e.g. "max_inflight_messages 20"; repeatable. The
    /// broker's `max_inflight_messages` is `--in-flight` unless set here.
    #[arg(long = "broker-setting")]
    broker_settings: Vec<String>,
    /// Repeat each measurement this many times, alternating which side goes first, and report
    /// every round and the medians: on a shared machine one round's ratio can be off by a
    /// quarter either way.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=50))]
    rounds: u32,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    gateway::set_properties(cli.properties);
    // Before the runtime starts its threads, so that they all inherit the load's CPUs.
    cli.placement.apply()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    match cli.command {
        Command::Engine {
            binary,
            starts,
            connections,
            size,
            seconds,
        } => runtime.block_on(async move {
            let load = echo::Load {
                connections,
                size,
                duration: std::time::Duration::from_secs(seconds),
            };
            run_engine(binary, starts, load).await
        }),
        Command::Mqtt(options) => runtime.block_on(run_mqtt(options)),
        Command::Tls(options) => runtime.block_on(run_tls(options)),
    }
}

async fn run_mqtt(options: MqttOptions) -> anyhow::Result<()> {
    anyhow::ensure!(
        options.publishers > 0 && options.subscribers > 0,
        "at least one publisher and one subscriber"
    );
    anyhow::ensure!(
        options.step_seconds > 0.0 && options.step_seconds <= 60.0,
        "--step-seconds must be in (0, 60]"
    );
    let mut qualities = Vec::new();
    for bits in &options.qos {
        match QoS::from_bits(*bits) {
            Some(qos @ (QoS::AtMostOnce | QoS::AtLeastOnce)) => qualities.push(qos),
            _ => anyhow::bail!("--qos takes 0 and 1"),
        }
    }
    // Mosquitto grants MQTT 5 sessions a Receive Maximum of `max_inflight_messages` (20 by
    // default) and leaves the v3.1.1 publishers of the direct runs unlimited. The gateway's
    // upstream sessions are MQTT 5, so with the default only they would be held to 20 QoS 1
    // messages in flight while the same publishers keep `in_flight` straight to the broker.
    // The broker is given the publishers' window instead; `--broker-setting` lines come after
    // and may set it otherwise.
    let mut broker_settings = vec![format!(
        "max_inflight_messages {}",
        options.in_flight.max(1)
    )];
    broker_settings.extend(options.broker_settings.iter().cloned());
    println!("Mosquitto settings: {}", broker_settings.join("; "));
    match gateway::properties() {
        _ if options.socat => {}
        [] => println!("gateway properties: its defaults"),
        properties => println!("gateway properties: {}", properties.join("; ")),
    }
    // Both processes are killed when dropped, so an early return leaves neither behind.
    let broker = mqtt::Mosquitto::start(&options.mosquitto, &broker_settings).await?;
    let port = gateway::free_port()?;
    let gateway = match (options.socat, options.relay) {
        (true, _) => gateway::Gateway::start_socat(port, broker.port()).await?,
        (false, relay) => {
            let config = match relay {
                true => mqtt::relay_config(port, broker.port()),
                false => mqtt::proxy_config(port, broker.port()),
            };
            gateway::Gateway::start(&options.binary, port, &config).await?
        }
    };

    let result = measure_mqtt(&options, &qualities, &broker, &gateway).await;
    let gateway_stopped = gateway.stop().await;
    let broker_stopped = broker.stop().await;
    result?;
    gateway_stopped?;
    broker_stopped
}

async fn measure_mqtt(
    options: &MqttOptions,
    qualities: &[QoS],
    broker: &mqtt::Mosquitto,
    gateway: &gateway::Gateway,
) -> anyhow::Result<()> {
    let clock = mqtt::Clock::new();
    for &qos in qualities {
        let load = mqtt::Load {
            publishers: options.publishers,
            subscribers: options.subscribers,
            size: options.size,
            qos,
            step: Duration::from_secs_f64(options.step_seconds),
            grace: Duration::from_millis(options.grace_ms),
            p99_limit: Duration::from_millis(options.p99_limit_ms),
            search_steps: options.search_steps,
            in_flight: options.in_flight.max(1),
            topics: options.topics.max(1),
            pacing: mqtt::Pacing::Tick,
        };
        let latency_load = mqtt::Load {
            pacing: options.latency_pacing,
            ..load.clone()
        };
        let rounds = options.rounds as usize;
        if let Some(rate) = options.rate {
            let measured =
                measure_rounds(broker, gateway, &latency_load, rate, rounds, &clock).await?;
            match measured.as_slice() {
                [single] => report::mqtt_at_rate(&latency_load, column(options), single),
                _ => report::mqtt_at_rate_rounds(&latency_load, column(options), &measured),
            }
            continue;
        }
        let mut maxima = Vec::with_capacity(rounds);
        for round in 0..rounds {
            // The side measured second meets a machine the first one warmed (or tired), so the
            // order alternates between rounds.
            let direct = mqtt::find_max("direct", broker.address(), &load, &clock);
            let through = mqtt::find_max("gateway", gateway.address(), &load, &clock);
            let (direct, through) = Order::of_round(round).run(direct, through).await?;
            maxima.push(report::Maxima { direct, through });
        }
        let direct_max = report::median_rate(maxima.iter().map(|round| round.direct.as_ref()));
        let rate = direct_max.map_or(1_000, |max| max / 2).max(100);
        let measured = measure_rounds(broker, gateway, &latency_load, rate, rounds, &clock).await?;
        match (maxima.as_slice(), measured.as_slice()) {
            ([maxima], [single]) => report::mqtt(
                &latency_load,
                column(options),
                maxima.direct.as_ref(),
                maxima.through.as_ref(),
                single,
            ),
            _ => report::mqtt_rounds(&latency_load, column(options), &maxima, &measured),
        }
    }
    Ok(())
}

/// The heading of the gateway's column.
fn column(options: &MqttOptions) -> &'static str {
    match (options.socat, options.relay) {
        (true, _) => "through socat",
        (false, true) => "through a tcp relay",
        (false, false) => "through the gateway",
    }
}

/// `rounds` pairs of steps at `rate`, the order alternating as for the maxima.
async fn measure_rounds(
    broker: &mqtt::Mosquitto,
    gateway: &gateway::Gateway,
    load: &mqtt::Load,
    rate: u64,
    rounds: usize,
    clock: &mqtt::Clock,
) -> anyhow::Result<Vec<report::AtRate>> {
    let mut measured = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let order = Order::of_round(round);
        measured.push(measure_cost(broker, gateway, load, rate, order, clock).await?);
    }
    Ok(measured)
}

/// One step at `rate` straight to the broker and one through the gateway, each with what the
/// processes serving it spent.
async fn measure_cost(
    broker: &mqtt::Mosquitto,
    gateway: &gateway::Gateway,
    load: &mqtt::Load,
    rate: u64,
    order: Order,
    clock: &mqtt::Clock,
) -> anyhow::Result<report::AtRate> {
    // The load clients run in this process: on a machine with few cores their CPU time is
    // taken from the same cores as the broker's and the gateway's.
    let clients = || usage::Usage::of(Some(std::process::id()));
    let direct = async {
        let (before, clients_before) = (broker.usage(), clients());
        let step = mqtt::measure_at("direct", broker.address(), load, rate, clock).await?;
        let spent = Spent {
            broker: broker.usage().since(before),
            gateway: usage::Usage::default(),
            clients: clients().since(clients_before),
        };
        anyhow::Ok((step, spent))
    };
    let through = async {
        let before = (broker.usage(), gateway.usage(), clients());
        let step = mqtt::measure_at("gateway", gateway.address(), load, rate, clock).await?;
        let spent = Spent {
            broker: broker.usage().since(before.0),
            gateway: gateway.usage().since(before.1),
            clients: clients().since(before.2),
        };
        anyhow::Ok((step, spent))
    };
    let ((direct, direct_spent), (through, through_spent)) = order.run(direct, through).await?;
    Ok(report::AtRate {
        direct,
        through,
        direct_spent,
        through_spent,
    })
}

async fn run_tls(options: TlsOptions) -> anyhow::Result<()> {
    let qualities = qualities(&options.qos)?;
    let keys = std::env::current_dir()?.join("bindings/tls/tests/keys");
    let connector = tls::connector(&keys)?;
    let duration = Duration::from_secs(options.seconds);
    let (plain_port, tls_port) = (gateway::free_port()?, gateway::free_port()?);
    let config = tls::config(plain_port, tls_port, &keys);
    let gateway = gateway::Gateway::start(&options.binary, plain_port, &config).await?;
    let plain = tls::measure(gateway.address(), None, options.connections, duration).await;
    let secured = tls::measure(
        std::net::SocketAddr::from(([127, 0, 0, 1], tls_port)),
        Some(&connector),
        options.connections,
        duration,
    )
    .await;
    gateway.stop().await?;
    report::tls(options.connections, duration, &plain?, &secured?);

    if !options.mosquitto.exists() {
        println!(
            "\n(no MQTT over TLS comparison: {} not found)",
            options.mosquitto.display()
        );
        return Ok(());
    }
    let broker = mqtt::Mosquitto::start(&options.mosquitto, &[]).await?;
    let (plain_port, tls_port) = (gateway::free_port()?, gateway::free_port()?);
    let config = tls::mqtt_config(plain_port, tls_port, broker.port(), &keys);
    let gateway = gateway::Gateway::start(&options.binary, plain_port, &config).await?;
    let plain = gateway.address();
    let secured = mqtt::Target {
        address: std::net::SocketAddr::from(([127, 0, 0, 1], tls_port)),
        tls: Some(connector),
    };
    let result = measure_mqtt_tls(&options, &qualities, plain, secured).await;
    let gateway_stopped = gateway.stop().await;
    let broker_stopped = broker.stop().await;
    result?;
    gateway_stopped?;
    broker_stopped
}

/// The highest publish rate through the MQTT proxy, plain and with TLS in front, per QoS.
async fn measure_mqtt_tls(
    options: &TlsOptions,
    qualities: &[QoS],
    plain: std::net::SocketAddr,
    secured: mqtt::Target,
) -> anyhow::Result<()> {
    let clock = mqtt::Clock::new();
    for &qos in qualities {
        let load = mqtt::Load {
            publishers: options.publishers.max(1),
            subscribers: options.subscribers.max(1),
            size: options.size,
            qos,
            step: Duration::from_secs(2),
            grace: Duration::from_millis(500),
            p99_limit: Duration::from_millis(50),
            search_steps: 4,
            in_flight: 100,
            topics: 1,
            pacing: mqtt::Pacing::Tick,
        };
        let through_tcp = mqtt::find_max("tcp", plain, &load, &clock).await?;
        let through_tls = mqtt::find_max("tls", secured.clone(), &load, &clock).await?;
        report::mqtt_tls(&load, through_tcp.as_ref(), through_tls.as_ref());
    }
    Ok(())
}

fn qualities(bits: &[u8]) -> anyhow::Result<Vec<QoS>> {
    let mut qualities = Vec::new();
    for bits in bits {
        match QoS::from_bits(*bits) {
            Some(qos @ (QoS::AtMostOnce | QoS::AtLeastOnce)) => qualities.push(qos),
            _ => anyhow::bail!("--qos takes 0 and 1"),
        }
    }
    Ok(qualities)
}

async fn run_engine(binary: PathBuf, starts: usize, load: echo::Load) -> anyhow::Result<()> {
    let startup = gateway::time_startups(&binary, starts).await?;
    report::startup(&startup);

    let gateway = gateway::Gateway::start_echo(&binary).await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let idle_rss = gateway.rss_kib()?;
    report::memory("idle RSS", idle_rss);

    let plain = echo::PlainEchoServer::start().await?;
    let direct = echo::measure(plain.address(), &load).await?;
    let through = echo::measure(gateway.address(), &load).await?;
    let loaded_rss = gateway.rss_kib()?;
    report::echo(&load, &direct, &through);
    report::memory("RSS after the echo run", loaded_rss);
    gateway.stop().await?;
    Ok(())
}

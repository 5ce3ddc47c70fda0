//! Prints results as aligned tables, the alternative beside the gateway.

use std::time::Duration;

use crate::echo::{EchoResult, Load};
use crate::mqtt;
use crate::tls::TlsResult;
use crate::usage::Usage;
use zilla_binding_mqtt::codec::QoS;

pub fn startup(samples: &[Duration]) {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or_default();
    let max = sorted.last().copied().unwrap_or_default();
    println!(
        "start → ready file      median {:>8.1} ms   max {:>8.1} ms   ({} starts)",
        ms(median),
        ms(max),
        samples.len()
    );
}

pub fn memory(label: &str, kib: u64) {
    println!("{label:<23} {:>8.1} MiB", kib as f64 / 1024.0);
}

pub fn echo(load: &Load, direct: &EchoResult, through: &EchoResult) {
    println!(
        "\necho, {} connections, {}-byte messages, {} s per run",
        load.connections,
        load.size,
        load.duration.as_secs()
    );
    println!(
        "{:<24} {:>14} {:>14} {:>8}",
        "", "plain echo", "tcp → echo", "ratio"
    );
    row(
        "round trips/s",
        direct.round_trips_per_second,
        through.round_trips_per_second,
        "",
    );
    row("round trip p50 (µs)", us(direct.p50), us(through.p50), "");
    row("round trip p99 (µs)", us(direct.p99), us(through.p99), "");
    row(
        "streaming (MiB/s)",
        direct.stream_bytes_per_second / 1_048_576.0,
        through.stream_bytes_per_second / 1_048_576.0,
        "",
    );
}

/// One step straight to the broker and one through the gateway at the same offered rate, with
/// what the serving processes spent on each.
pub struct AtRate {
    pub direct: mqtt::Step,
    pub through: mqtt::Step,
    /// The broker, serving the clients itself.
    pub direct_usage: Usage,
    /// The broker, serving the gateway.
    pub through_broker_usage: Usage,
    pub through_gateway_usage: Usage,
}

/// One QoS: the maximum rates, then the latency and cost at half the direct maximum.
pub fn mqtt(
    load: &mqtt::Load,
    through_column: &str,
    direct: Option<&mqtt::Step>,
    through: Option<&mqtt::Step>,
    measured: &AtRate,
) {
    mqtt_comparison_heading(load, through_column);
    let published = |step: Option<&mqtt::Step>| step.map_or(0.0, |step| step.rate as f64);
    let delivered = |step: Option<&mqtt::Step>| {
        step.map_or(0.0, |step| step.delivered_rate(load.subscribers) as f64)
    };
    wide_row(
        "max published msgs/s",
        published(direct),
        published(through),
        0,
    );
    wide_row(
        "max delivered msgs/s",
        delivered(direct),
        delivered(through),
        0,
    );
    println!(
        "at {} published msgs/s (half the direct max):",
        measured.direct.rate
    );
    at_rate_rows(load, measured);
}

/// One QoS at a rate given on the command line.
pub fn mqtt_at_rate(load: &mqtt::Load, through_column: &str, measured: &AtRate) {
    mqtt_comparison_heading(load, through_column);
    println!("at {} published msgs/s:", measured.direct.rate);
    at_rate_rows(load, measured);
}

fn mqtt_comparison_heading(load: &mqtt::Load, through_column: &str) {
    let in_flight = if load.qos == QoS::AtMostOnce {
        String::new()
    } else {
        format!(", at most {} unacknowledged per publisher", load.in_flight)
    };
    mqtt_heading(load, "", &in_flight, ("direct (Mosquitto)", through_column));
}

fn at_rate_rows(load: &mqtt::Load, measured: &AtRate) {
    let (direct, through) = (&measured.direct, &measured.through);
    wide_row("  latency p50 (µs)", us(direct.p50), us(through.p50), 0);
    wide_row("  latency p99 (µs)", us(direct.p99), us(through.p99), 0);
    println!(
        "{:<30} {:>20} {:>20.0}",
        "  added p50 (µs)",
        "",
        us(through.p50) - us(direct.p50)
    );
    // Charged per delivered message: what one subscriber receiving one message cost.
    let per_message = |usage: Usage, step: &mqtt::Step| {
        let messages = step.delivered.max(1) as f64;
        (us(usage.cpu) / messages, usage.runs as f64 / messages)
    };
    let (direct_cpu, direct_runs) = per_message(measured.direct_usage, direct);
    let (broker_cpu, broker_runs) = per_message(measured.through_broker_usage, through);
    let (gateway_cpu, gateway_runs) = per_message(measured.through_gateway_usage, through);
    wide_row(
        "  CPU µs per message",
        direct_cpu,
        broker_cpu + gateway_cpu,
        2,
    );
    println!(
        "{:<30} {:>20} {:>20.2}",
        "    of which the gateway", "", gateway_cpu
    );
    let gateway_user = us(measured.through_gateway_usage.user) / through.delivered.max(1) as f64;
    println!(
        "{:<30} {:>20} {:>20.2}",
        "      in user space", "", gateway_user
    );
    wide_row(
        "  wakeups per message",
        direct_runs,
        broker_runs + gateway_runs,
        2,
    );
    println!(
        "{:<30} {:>20} {:>20.2}",
        "    of which the gateway", "", gateway_runs
    );
    for (label, step) in [("direct", direct), ("gateway", through)] {
        if !step.passed {
            println!(
                "  note: the {label} latency run did not pass: {}, {} of {} delivered",
                step.verdict(),
                step.delivered,
                step.offered * load.subscribers as u64
            );
        }
    }
}

fn wide_row(label: &str, direct: f64, through: f64, decimals: usize) {
    let ratio = if direct > 0.0 { through / direct } else { 0.0 };
    println!("{label:<30} {direct:>20.decimals$} {through:>20.decimals$} {ratio:>7.2}x");
}

fn row(label: &str, direct: f64, through: f64, unit: &str) {
    let ratio = if direct > 0.0 { through / direct } else { 0.0 };
    println!("{label:<24} {direct:>14.1} {through:>14.1} {ratio:>7.2}x{unit}");
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn us(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000_000.0
}

pub fn tls(connections: usize, duration: Duration, plain: &TlsResult, secured: &TlsResult) {
    println!(
        "\nthrough the gateway, {connections} connections, {} s per run",
        duration.as_secs()
    );
    println!(
        "{:<24} {:>14} {:>14} {:>8}",
        "", "tcp → echo", "tls → echo", "ratio"
    );
    row(
        "new connections/s",
        plain.connections_per_second,
        secured.connections_per_second,
        "",
    );
    row(
        "1 KiB round trips/s",
        plain.round_trips_per_second,
        secured.round_trips_per_second,
        "",
    );
    row("round trip p50 (µs)", us(plain.p50), us(secured.p50), "");
    row("round trip p99 (µs)", us(plain.p99), us(secured.p99), "");
    row("round trip max (µs)", us(plain.max), us(secured.max), "");
}

/// The MQTT proxy's highest publish rates with and without a tls server in front of it.
pub fn mqtt_tls(load: &mqtt::Load, plain: Option<&mqtt::Step>, secured: Option<&mqtt::Step>) {
    mqtt_heading(
        load,
        " through the gateway to Mosquitto",
        "",
        ("tcp → mqtt", "tls → mqtt"),
    );
    let published = |step: Option<&mqtt::Step>| step.map_or(0.0, |step| step.rate as f64);
    let p50 = |step: Option<&mqtt::Step>| step.map_or(0.0, |step| us(step.p50));
    wide_row(
        "max published msgs/s",
        published(plain),
        published(secured),
        0,
    );
    wide_row("  latency p50 there (µs)", p50(plain), p50(secured), 0);
}

/// The title of an MQTT comparison (the load it ran) and its column headings.
fn mqtt_heading(load: &mqtt::Load, route: &str, in_flight: &str, columns: (&str, &str)) {
    println!(
        "\nMQTT QoS {}{route}, {} publishers{} → {} subscribers on bench/#, {}-byte payloads, \
         {:.1} s steps{in_flight}; a rate passes when all is delivered with p99 < {} ms",
        load.qos.bits(),
        load.publishers,
        match load.topics {
            0 | 1 => String::new(),
            topics => format!(" ({topics} topics each)"),
        },
        load.subscribers,
        load.size.max(24),
        load.step.as_secs_f64(),
        load.p99_limit.as_millis()
    );
    println!(
        "{:<30} {:>20} {:>20} {:>8}",
        "", columns.0, columns.1, "ratio"
    );
}

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
    pub direct_spent: Spent,
    pub through_spent: Spent,
}

/// What each process spent during one step: the gateway's is zero straight to the broker.
#[derive(Debug, Clone, Copy, Default)]
pub struct Spent {
    pub broker: Usage,
    pub gateway: Usage,
    /// The benchmark's own load clients.
    pub clients: Usage,
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

/// One round's maximum rates, straight to the broker and through the gateway.
pub struct Maxima {
    pub direct: Option<mqtt::Step>,
    pub through: Option<mqtt::Step>,
}

/// The median of the rates of the steps that passed; `None` when none did.
pub fn median_rate<'a>(steps: impl Iterator<Item = Option<&'a mqtt::Step>>) -> Option<u64> {
    let mut rates: Vec<u64> = steps.flatten().map(|step| step.rate).collect();
    rates.sort_unstable();
    let middle = rates.len() / 2;
    match rates.len() {
        0 => None,
        n if n % 2 == 1 => Some(rates[middle]),
        _ => Some((rates[middle - 1] + rates[middle]) / 2),
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[middle],
        _ => (sorted[middle - 1] + sorted[middle]) / 2.0,
    }
}

/// The index of the value nearest the median: the round shown in full.
fn median_index(values: &[f64]) -> usize {
    let middle = median(values);
    (0..values.len())
        .min_by(|&a, &b| {
            (values[a] - middle)
                .abs()
                .total_cmp(&(values[b] - middle).abs())
        })
        .unwrap_or(0)
}

fn range(values: &[f64]) -> (f64, f64) {
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (low, high)
}

fn added_p50(measured: &AtRate) -> f64 {
    us(measured.through.p50) - us(measured.direct.p50)
}

/// One QoS over several rounds: each round's maxima and added latency, their medians, and the
/// round whose added latency is the median in full.
pub fn mqtt_rounds(
    load: &mqtt::Load,
    through_column: &str,
    maxima: &[Maxima],
    measured: &[AtRate],
) {
    mqtt_comparison_heading(load, through_column);
    let rate = |step: &Option<mqtt::Step>| step.as_ref().map_or(0.0, |step| step.rate as f64);
    let ratios: Vec<f64> = maxima
        .iter()
        .map(|round| match rate(&round.direct) {
            direct if direct > 0.0 => rate(&round.through) / direct,
            _ => 0.0,
        })
        .collect();
    let added: Vec<f64> = measured.iter().map(added_p50).collect();
    println!(
        "{:<8} {:>16} {:>16} {:>8} {:>16}",
        "round", "direct max/s", "through max/s", "ratio", "added p50 (µs)"
    );
    for (index, round) in maxima.iter().enumerate() {
        let added = added
            .get(index)
            .map_or(String::new(), |v| format!("{v:.0}"));
        println!(
            "{:<8} {:>16.0} {:>16.0} {:>7.2}x {:>16}",
            index + 1,
            rate(&round.direct),
            rate(&round.through),
            ratios[index],
            added
        );
    }
    let direct: Vec<f64> = maxima.iter().map(|round| rate(&round.direct)).collect();
    let through: Vec<f64> = maxima.iter().map(|round| rate(&round.through)).collect();
    println!(
        "{:<8} {:>16.0} {:>16.0} {:>7.2}x {:>16.0}",
        "median",
        median(&direct),
        median(&through),
        median(&ratios),
        median(&added)
    );
    let (low, high) = range(&ratios);
    let (least, most) = range(&added);
    println!("ratio {low:.2}x–{high:.2}x, added p50 {least:.0}–{most:.0} µs over the rounds");
    if let Some(shown) = measured.get(median_index(&added)) {
        println!(
            "at {} published msgs/s (half the median direct max), the round with the median added p50:",
            shown.direct.rate
        );
        at_rate_rows(load, shown);
    }
}

/// One QoS at a rate given on the command line, over several rounds.
pub fn mqtt_at_rate_rounds(load: &mqtt::Load, through_column: &str, measured: &[AtRate]) {
    mqtt_comparison_heading(load, through_column);
    let added: Vec<f64> = measured.iter().map(added_p50).collect();
    println!(
        "{:<8} {:>16} {:>16} {:>16}",
        "round", "direct p50 (µs)", "through p50 (µs)", "added p50 (µs)"
    );
    for (index, round) in measured.iter().enumerate() {
        println!(
            "{:<8} {:>16.0} {:>16.0} {:>16.0}",
            index + 1,
            us(round.direct.p50),
            us(round.through.p50),
            added[index]
        );
    }
    let (least, most) = range(&added);
    println!(
        "median added p50 {:.0} µs ({least:.0}–{most:.0} over the rounds)",
        median(&added)
    );
    if let Some(shown) = measured.get(median_index(&added)) {
        println!(
            "at {} published msgs/s, the round with the median added p50:",
            shown.direct.rate
        );
        at_rate_rows(load, shown);
    }
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
    let pacing = match load.pacing {
        mqtt::Pacing::Tick => "in bursts once a millisecond",
        mqtt::Pacing::Spread => "one message at a time, 1/rate apart",
    };
    let paced = format!(
        "{in_flight}; maxima searched with bursts once a millisecond, latency published {pacing}"
    );
    mqtt_heading(load, "", &paced, ("direct (Mosquitto)", through_column));
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
    let per = |value: f64, step: &mqtt::Step| value / step.delivered.max(1) as f64;
    let cpu = |usage: Usage, step| per(us(usage.cpu), step);
    let waited = |usage: Usage, step| usage.waited.map(|waited| per(us(waited), step));
    let runs = |usage: Usage, step| usage.runs.map(|runs| per(runs as f64, step));
    let (before, after) = (&measured.direct_spent, &measured.through_spent);
    wide_row(
        "  CPU µs per message",
        cpu(before.broker, direct),
        cpu(after.broker, through) + cpu(after.gateway, through),
        2,
    );
    gateway_row("    of which the gateway", cpu(after.gateway, through));
    gateway_row("      in user space", per(us(after.gateway.user), through));
    wide_row(
        "  load clients' CPU µs/msg",
        cpu(before.clients, direct),
        cpu(after.clients, through),
        2,
    );
    match (
        waited(before.broker, direct),
        waited(after.broker, through),
        waited(after.gateway, through),
    ) {
        (Some(direct_waited), Some(broker_waited), Some(gateway_waited)) => {
            wide_row(
                "  waited for a CPU, µs/msg",
                direct_waited,
                broker_waited + gateway_waited,
                2,
            );
            gateway_row("    of which the gateway", gateway_waited);
        }
        (Some(direct_waited), Some(broker_waited), None) => {
            wide_row("  broker waited for a CPU", direct_waited, broker_waited, 2);
        }
        _ => {}
    }
    let direct_runs = runs(before.broker, direct).unwrap_or(0.0);
    let broker_runs = runs(after.broker, through).unwrap_or(0.0);
    match runs(after.gateway, through) {
        Some(gateway_runs) => {
            wide_row(
                "  wakeups per message",
                direct_runs,
                broker_runs + gateway_runs,
                2,
            );
            gateway_row("    of which the gateway", gateway_runs);
        }
        None => {
            wide_row("  broker wakeups per message", direct_runs, broker_runs, 2);
            println!("{:<30} {:>20} {:>20}", "    the relay's", "", "not counted");
        }
    }
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

/// A figure only the gateway's column has.
fn gateway_row(label: &str, value: f64) {
    println!("{label:<30} {:>20} {value:>20.2}", "");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn step(rate: u64) -> mqtt::Step {
        mqtt::Step {
            rate,
            passed: true,
            ..mqtt::Step::default()
        }
    }

    #[test]
    fn the_median_rate_counts_only_steps_that_passed() {
        let steps = [
            Some(step(30_000)),
            None,
            Some(step(10_000)),
            Some(step(20_000)),
        ];
        assert_eq!(median_rate(steps.iter().map(Option::as_ref)), Some(20_000));
        let even = [Some(step(30_000)), Some(step(10_000))];
        assert_eq!(median_rate(even.iter().map(Option::as_ref)), Some(20_000));
        assert_eq!(median_rate(std::iter::empty()), None);
    }

    #[test]
    fn the_round_shown_is_the_one_nearest_the_median() {
        assert_eq!(median(&[5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&[4.0, 1.0]), 2.5);
        assert_eq!(median_index(&[300.0, 100.0, 200.0]), 2);
        assert_eq!(median_index(&[]), 0);
        assert_eq!(range(&[3.0, -1.0, 2.0]), (-1.0, 3.0));
    }
}

//! Prints results as aligned tables, the alternative beside the gateway.

use std::time::Duration;

use crate::echo::{EchoResult, Load};

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

//! Steps at a fixed offered rate, and the search for the fastest that passes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use zilla_binding_mqtt::codec::QoS;

use super::clients::{connect, publish, receive, subscribe, Plan, Target, HEADER};
use super::pacer::Pacing;

const FIRST_RATE: u64 = 2_000;
const MAX_DOUBLINGS: usize = 9;
/// Between steps, so what a failed step left queued drains away.
const SETTLE: Duration = Duration::from_millis(300);

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
    /// Topics each publisher takes in turn (`bench/{publisher}` when 1, else
    /// `bench/{publisher}/{n}`): through the gateway, one publish stream each.
    pub topics: u32,
    pub pacing: Pacing,
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

/// Runs steps against `target` and returns the fastest that passed, if any did.
pub async fn find_max(
    label: &str,
    target: impl Into<Target>,
    load: &Load,
    clock: &Clock,
) -> anyhow::Result<Option<Step>> {
    let target = target.into();
    let mut best: Option<Step> = None;
    let mut failed = None;
    let mut rate = FIRST_RATE;
    for _ in 0..MAX_DOUBLINGS {
        let step = run_step(&target, load, rate, clock).await?;
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
            let step = run_step(&target, load, middle, clock).await?;
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

/// Runs one step at `rate` against `target`, printing it.
pub async fn measure_at(
    label: &str,
    target: impl Into<Target>,
    load: &Load,
    rate: u64,
    clock: &Clock,
) -> anyhow::Result<Step> {
    let target = target.into();
    let step = run_step(&target, load, rate, clock).await?;
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

async fn run_step(target: &Target, load: &Load, rate: u64, clock: &Clock) -> anyhow::Result<Step> {
    tokio::time::sleep(SETTLE).await;
    let run = clock.runs.fetch_add(1, Ordering::Relaxed) as u32 + 1;
    let epoch = clock.epoch;

    let mut subscribers = Vec::with_capacity(load.subscribers);
    for index in 0..load.subscribers {
        subscribers.push(subscribe(target, &format!("bench-sub-{run}-{index}"), load.qos).await?);
    }
    let mut publishers = Vec::with_capacity(load.publishers);
    for index in 0..load.publishers {
        publishers.push(connect(target, &format!("bench-pub-{run}-{index}")).await?);
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
                pacing: load.pacing,
                quota,
                in_flight: load.in_flight,
                topics: load.topics.max(1),
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

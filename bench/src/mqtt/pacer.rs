//! When a publisher wakes to send what is due.
//!
//! tokio's timers tick in whole milliseconds, so a publisher paced by them sends a
//! millisecond's messages at once: at 20,000 msgs/s, bursts of 20. That suits a search for the
//! highest rate, which wants the offered load and not the timer to set the pace. It does not
//! suit a latency figure: every message of a burst waits behind the ones before it, at every
//! hop, and the figure becomes the time to handle a burst. [`Pacing::Spread`] wakes the
//! publisher for each message at its own due time instead, with a `timerfd`, whose expiry the
//! kernel keeps to microseconds.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use anyhow::Context;
use tokio::io::unix::AsyncFd;
use tokio::time::{Instant, Interval, MissedTickBehavior};

const TICK: Duration = Duration::from_millis(1);
/// Below this a publisher would only spin; what falls due meanwhile goes out together.
const SHORTEST_PERIOD: Duration = Duration::from_micros(10);

/// How a publisher's messages are spread over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// What fell due in the last millisecond, once a millisecond.
    Tick,
    /// Each message at its own time, `1 / rate` apart.
    Spread,
}

impl std::str::FromStr for Pacing {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "tick" => Ok(Self::Tick),
            "spread" => Ok(Self::Spread),
            other => Err(format!("unknown pacing '{other}': tick or spread")),
        }
    }
}

impl std::fmt::Display for Pacing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Tick => "tick",
            Self::Spread => "spread",
        })
    }
}

/// Wakes a publisher from `start` on, at the pace chosen.
pub(super) enum Pacer {
    Tick(Interval),
    Spread(AsyncFd<OwnedFd>),
}

impl Pacer {
    /// A pacer for `rate` messages per second, the first wakeup at `start`.
    pub(super) fn new(pacing: Pacing, rate: f64, start: Instant) -> anyhow::Result<Self> {
        match pacing {
            Pacing::Tick => {
                let mut ticks = tokio::time::interval_at(start, TICK);
                ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
                Ok(Self::Tick(ticks))
            }
            Pacing::Spread => {
                let period = Duration::from_secs_f64(1.0 / rate.max(1.0)).max(SHORTEST_PERIOD);
                let first = start
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_nanos(1));
                let timer = periodic_timer(first, period)?;
                // SAFETY: an `OwnedFd` keeps its one descriptor open until it is dropped.
                let registered = unsafe {
                    AsyncFd::register_with_interest(timer, tokio::io::Interest::READABLE)
                };
                Ok(Self::Spread(
                    registered.map_err(|failed| failed.into_parts().1)?,
                ))
            }
        }
    }

    /// Until the next wakeup; several that passed meanwhile count as one.
    pub(super) async fn wait(&mut self) -> anyhow::Result<()> {
        match self {
            Self::Tick(ticks) => {
                ticks.tick().await;
                Ok(())
            }
            Self::Spread(timer) => loop {
                let mut ready = timer.readable().await?;
                let mut expirations = [0u8; 8];
                // SAFETY: reads at most 8 bytes into a buffer of 8, from a descriptor owned here.
                let read = unsafe {
                    libc::read(
                        ready.get_inner().as_raw_fd(),
                        expirations.as_mut_ptr().cast(),
                        expirations.len(),
                    )
                };
                if read == 8 {
                    return Ok(());
                }
                let error = std::io::Error::last_os_error();
                if read < 0 && error.kind() == std::io::ErrorKind::WouldBlock {
                    ready.clear_ready();
                    continue;
                }
                return Err(error).context("reading the pacing timer");
            },
        }
    }
}

/// A non-blocking `timerfd` on the monotonic clock (the one `Instant` reads) that first
/// expires after `first`, then every `period`.
fn periodic_timer(first: Duration, period: Duration) -> anyhow::Result<OwnedFd> {
    // SAFETY: plain system calls; the descriptor is owned by the `OwnedFd` from here on.
    let timer = unsafe {
        let fd = libc::timerfd_create(
            libc::CLOCK_MONOTONIC,
            libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
        );
        if fd < 0 {
            return Err(std::io::Error::last_os_error()).context("creating a pacing timer");
        }
        OwnedFd::from_raw_fd(fd)
    };
    let setting = libc::itimerspec {
        it_interval: timespec(period),
        it_value: timespec(first),
    };
    // SAFETY: the descriptor is a timerfd owned here; the settings live across the call.
    let set =
        unsafe { libc::timerfd_settime(timer.as_raw_fd(), 0, &setting, std::ptr::null_mut()) };
    if set < 0 {
        return Err(std::io::Error::last_os_error()).context("setting the pacing timer");
    }
    Ok(timer)
}

fn timespec(duration: Duration) -> libc::timespec {
    libc::timespec {
        tv_sec: duration.as_secs() as libc::time_t,
        tv_nsec: duration.subsec_nanos() as libc::c_long,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_spread_pacer_never_wakes_before_a_message_is_due() {
        let start = Instant::now() + Duration::from_millis(2);
        let period = Duration::from_millis(1);
        let mut pacer = Pacer::new(Pacing::Spread, 1_000.0, start).expect("pacer");
        // A loaded machine may merge wakeups, so only earliness is a failure.
        for due in 0..10u32 {
            pacer.wait().await.expect("wait");
            let now = Instant::now();
            assert!(
                now >= start + period * due,
                "woke {:?} before message {due} was due",
                start + period * due - now
            );
        }
    }

    #[test]
    fn pacing_is_named_on_the_command_line() {
        assert_eq!("spread".parse(), Ok(Pacing::Spread));
        assert_eq!("tick".parse(), Ok(Pacing::Tick));
        assert!("burst".parse::<Pacing>().is_err());
    }
}

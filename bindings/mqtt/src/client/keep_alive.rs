//! Keep-alive toward the broker: a PINGREQ when nothing else was sent for the interval, and
//! the connection counts as lost when its PINGRESP does not come back in time.

use std::time::Duration;

use tokio::time::Instant;

pub struct KeepAlive {
    interval: Option<Duration>,
    ping_at: Instant,
    /// A packet went out since `ping_at` was last set. The clock is read when the deadline is
    /// next wanted, once per event of the session rather than once per packet.
    sent_since: bool,
    pong_deadline: Option<Instant>,
}

impl KeepAlive {
    /// `seconds` = 0 turns keep-alive off (only a broker's Server Keep Alive can say so).
    pub fn new(seconds: u16) -> Self {
        let interval = (seconds > 0).then(|| Duration::from_secs(u64::from(seconds)));
        let now = Instant::now();
        Self {
            interval,
            ping_at: interval.map_or(now, |interval| now + interval),
            sent_since: false,
            pong_deadline: None,
        }
    }

    /// When the next PINGREQ is due, if keep-alive is on.
    pub fn ping_at(&mut self) -> Option<Instant> {
        let interval = self.interval?;
        if std::mem::take(&mut self.sent_since) {
            self.ping_at = Instant::now() + interval;
        }
        Some(self.ping_at)
    }

    pub fn pong_deadline(&self) -> Option<Instant> {
        self.pong_deadline
    }

    /// A packet went out: the next ping is due a whole interval later.
    pub fn sent(&mut self) {
        self.sent_since = true;
    }

    /// The ping is due: returns whether to send a PINGREQ (not when one is still unanswered).
    pub fn ping_due(&mut self) -> bool {
        let Some(interval) = self.interval else {
            return false;
        };
        let now = Instant::now();
        self.ping_at = now + interval;
        self.sent_since = false;
        if self.pong_deadline.is_some() {
            return false;
        }
        // Half the interval, as Zilla's client waits, but never under a second.
        self.pong_deadline = Some(now + (interval / 2).max(Duration::from_secs(1)));
        true
    }

    pub fn pong(&mut self) {
        self.pong_deadline = None;
    }

    /// While the broker is not being read, its PINGRESP cannot be seen; the wait restarts.
    pub fn postpone(&mut self) {
        if self.pong_deadline.is_some() {
            if let Some(interval) = self.interval {
                self.pong_deadline = Some(Instant::now() + interval);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn a_packet_sent_puts_the_ping_a_whole_interval_after_it() {
        let start = Instant::now();
        let mut keep_alive = KeepAlive::new(10);
        assert_eq!(keep_alive.ping_at(), Some(start + 10 * SECOND));

        tokio::time::advance(4 * SECOND).await;
        keep_alive.sent();
        keep_alive.sent();
        assert_eq!(keep_alive.ping_at(), Some(start + 14 * SECOND));
        assert_eq!(
            keep_alive.ping_at(),
            Some(start + 14 * SECOND),
            "read once, it stays"
        );

        tokio::time::advance(10 * SECOND).await;
        assert!(keep_alive.ping_due());
        assert_eq!(keep_alive.ping_at(), Some(start + 24 * SECOND));
        assert_eq!(keep_alive.pong_deadline(), Some(start + 19 * SECOND));
        assert!(!keep_alive.ping_due(), "one PINGREQ unanswered at a time");
        keep_alive.pong();
        assert_eq!(keep_alive.pong_deadline(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn without_an_interval_nothing_is_ever_due() {
        let mut keep_alive = KeepAlive::new(0);
        keep_alive.sent();
        assert_eq!(keep_alive.ping_at(), None);
        assert!(!keep_alive.ping_due());
    }
}

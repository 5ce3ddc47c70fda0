//! When the kernel acknowledges what the pump read.
//!
//! A peer that leaves Nagle's algorithm on (Mosquitto does by default) holds its next small
//! write until the previous one is acknowledged. Linux delays that acknowledgement on a
//! connection it takes for request and response, expecting it to ride on the response: once
//! the gateway stops answering there, the peer's messages stall for the delayed-ACK timer (p99
//! ~41 ms at 8,000–16,000 msgs/s in the MQTT benchmark, ~1 ms without the delay). A proxy holds
//! nothing back, so it has no reason to let an acknowledgement wait that long.
//!
//! Acknowledging at once after every read (`TCP_QUICKACK`, which does not stick) avoids that,
//! but on a connection that answers what it reads it is a packet of its own per read, where the
//! answer would have carried it: a third of the gateway's CPU per QoS 1 message in that
//! benchmark (37–38 µs against 26). So a read is acknowledged at once only on a connection that
//! wrote nothing since its previous read; on one that did, the acknowledgement waits for the
//! answer, for at most [`ANSWER_WAIT`].

use std::pin::Pin;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Sleep;

/// How long the acknowledgement of a read may wait for a write to carry it: an eighth of the
/// delayed-ACK timer.
pub const ANSWER_WAIT: Duration = Duration::from_millis(5);

/// Tracks whether the last read is still waiting for its acknowledgement.
///
/// The wait is a timer that exists only while an acknowledgement is owed: an answer drops it.
/// A timer left armed instead would still wake the worker when it came due, with nothing to
/// do: the gateway was woken 3.68 times per message at 5,000 QoS 1 msgs/s with one, 3.39
/// without, for the same instructions per message. (Moving one armed timer on each read cost
/// a wakeup per millisecond per connection at higher rates, as the timer driver takes up a
/// moved deadline when the old one comes due.)
pub struct Acknowledgements {
    /// Something was written since the previous read.
    answered: bool,
    /// While a read's acknowledgement waits for an answer: until when.
    deadline: Option<Pin<Box<Sleep>>>,
}

impl Acknowledgements {
    pub fn new() -> Self {
        Self {
            answered: false,
            deadline: None,
        }
    }

    /// After bytes were read from `socket`.
    pub fn on_read(&mut self, socket: &TcpStream) {
        if self.answered {
            self.deadline = Some(Box::pin(tokio::time::sleep(ANSWER_WAIT)));
        } else {
            acknowledge_now(socket);
        }
        self.answered = false;
    }

    /// After bytes were written to the socket: they carried the acknowledgement.
    pub fn on_write(&mut self) {
        self.answered = true;
        self.deadline = None;
    }

    /// True while an acknowledgement waits for an answer; [`Self::expired`] is then worth
    /// awaiting.
    pub fn owed(&self) -> bool {
        self.deadline.is_some()
    }

    /// Resolves once the wait for an answer is over; never while nothing is owed.
    /// Cancel-safe, for use in `select!`.
    pub async fn expired(&mut self) {
        match self.deadline.as_mut() {
            Some(deadline) => deadline.as_mut().await,
            None => std::future::pending().await,
        }
    }

    /// No answer came in time: acknowledge now.
    pub fn on_expired(&mut self, socket: &TcpStream) {
        self.deadline = None;
        acknowledge_now(socket);
    }
}

/// Sends any acknowledgement the kernel holds back for `socket` at once.
#[cfg(target_os = "linux")]
fn acknowledge_now(socket: &TcpStream) {
    if let Err(error) = socket2::SockRef::from(socket).set_tcp_quickack(true) {
        tracing::trace!(%error, "TCP_QUICKACK not set");
    }
}

#[cfg(not(target_os = "linux"))]
fn acknowledge_now(_socket: &TcpStream) {}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;
    use tokio::time::Instant;

    async fn connected() -> TcpStream {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        TcpStream::connect(address).await.expect("connect")
    }

    #[tokio::test(start_paused = true)]
    async fn only_a_read_after_a_write_waits_for_an_answer_and_a_write_ends_the_wait() {
        let socket = connected().await;
        let mut acks = Acknowledgements::new();
        acks.on_read(&socket);
        assert!(
            !acks.owed(),
            "nothing was written yet: acknowledged at once"
        );
        acks.on_write();
        acks.on_read(&socket);
        assert!(acks.owed(), "a read after a write waits for the answer");
        acks.on_write();
        assert!(!acks.owed(), "the answer carried it");
        let quiet = tokio::time::timeout(ANSWER_WAIT * 4, acks.expired()).await;
        assert!(quiet.is_err(), "nothing owed, so nothing comes due");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unanswered_read_is_acknowledged_once_the_wait_is_over() {
        let socket = connected().await;
        let mut acks = Acknowledgements::new();
        acks.on_write();
        let read_at = Instant::now();
        acks.on_read(&socket);
        acks.expired().await;
        assert!(read_at.elapsed() >= ANSWER_WAIT);
        acks.on_expired(&socket);
        assert!(!acks.owed());
    }
}

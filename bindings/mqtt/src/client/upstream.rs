//! The connection to the broker: a stream toward the exit, read and written as MQTT packets.
//!
//! Writes go into an outgoing buffer that the session task drains as the exit grants credit,
//! so the task never blocks on a slow broker while it still has frames to answer. Reads are
//! the task's choice: it stops reading while a message cannot be delivered, which leaves the
//! bytes in the exit (and then in the socket) and slows the broker down.

use std::io;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zilla_engine::io::StreamIo;

use crate::codec::{encode_within, DecodeError, EncodeError, Packet, PacketInput, ProtocolVersion};

pub struct Upstream {
    io: StreamIo,
    inbound: PacketInput,
    /// Packets queued and not yet handed to the exit.
    outbound: BytesMut,
    /// Bytes handed over but not yet sent, for want of credit.
    sending: Bytes,
    /// Bytes ever queued, and ever written: positions in the outgoing byte stream.
    queued: u64,
    written: u64,
    /// Largest packet we accept (we told the broker in CONNECT).
    inbound_limit: usize,
    /// Largest packet the broker accepts.
    outbound_limit: usize,
}

pub enum IoEvent {
    /// Bytes read (0 = the broker closed).
    Read(io::Result<usize>),
    /// Bytes written.
    Written(io::Result<usize>),
}

impl Upstream {
    pub fn new(io: StreamIo, inbound_limit: usize) -> Self {
        Self {
            io,
            inbound: PacketInput::default(),
            outbound: BytesMut::new(),
            sending: Bytes::new(),
            queued: 0,
            written: 0,
            inbound_limit,
            outbound_limit: usize::MAX,
        }
    }

    /// Whether packets were queued since the last write.
    pub fn has_queued(&self) -> bool {
        !self.outbound.is_empty()
    }

    pub fn set_outbound_limit(&mut self, limit: usize) {
        self.outbound_limit = limit;
    }

    pub fn outbound_limit(&self) -> usize {
        self.outbound_limit
    }

    /// Queues `packet`; returns the outgoing position just past it. Nothing is queued when it
    /// is larger than the broker accepts.
    pub fn send(&mut self, packet: &Packet) -> Result<u64, EncodeError> {
        let before = self.outbound.len();
        encode_within(
            packet,
            ProtocolVersion::V5,
            self.outbound_limit,
            &mut self.outbound,
        )?;
        let added = self.outbound.len().saturating_sub(before);
        self.queued = self.queued.saturating_add(added as u64);
        Ok(self.queued)
    }

    pub fn written(&self) -> u64 {
        self.written
    }

    /// The next complete packet already read, if any.
    pub fn next_packet(&mut self) -> Result<Option<Packet>, DecodeError> {
        self.inbound.decode(ProtocolVersion::V5, self.inbound_limit)
    }

    /// Writes queued bytes or reads (when `reading`), whichever can go first; writing is
    /// tried first, so that what is owed leaves before more is taken in. Cancel-safe.
    pub async fn next_io(&mut self, reading: bool) -> IoEvent {
        std::future::poll_fn(|cx| {
            if let Poll::Ready(written) = self.poll_write(cx) {
                if !matches!(written, Ok(0)) {
                    return Poll::Ready(IoEvent::Written(written));
                }
            }
            if reading {
                return self.poll_read(cx).map(IoEvent::Read);
            }
            Poll::Pending
        })
        .await
    }

    /// Writes what is queued as far as the exit's credit reaches now, without waiting; returns
    /// how many bytes it wrote. The session calls this after every event, so that a packet it
    /// queued leaves at once instead of after another round of waiting; `waker` is woken when
    /// credit comes for bytes still queued.
    pub fn write_now(&mut self, waker: &Waker) -> io::Result<usize> {
        let mut cx = Context::from_waker(waker);
        let mut total = 0;
        loop {
            match self.poll_write(&mut cx) {
                Poll::Ready(Ok(0)) | Poll::Pending => return Ok(total),
                Poll::Ready(Ok(count)) => total += count,
                Poll::Ready(Err(error)) => return Err(error),
            }
        }
    }

    /// Sends queued bytes within the exit's credit: `Ok(0)` when nothing is queued.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.sending.is_empty() {
            if self.outbound.is_empty() {
                return Poll::Ready(Ok(0));
            }
            self.sending = self.outbound.split().freeze();
        }
        let written = std::task::ready!(self.io.poll_write_bytes(cx, &mut self.sending))?;
        self.written = self.written.saturating_add(written as u64);
        Poll::Ready(Ok(written))
    }

    /// Takes what the exit delivered into the input, every frame already queued included, so
    /// that the packets they bring are handled (and answered) together: `Ok(0)` once the broker
    /// closed.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let bytes = std::task::ready!(self.io.poll_read_bytes(cx))?;
        let mut count = bytes.len();
        self.inbound.push(bytes);
        while count > 0 {
            let Some(more) = self.io.try_read_bytes() else {
                break;
            };
            count += more.len();
            self.inbound.push(more);
        }
        Poll::Ready(Ok(count))
    }

    /// Reads until at least one more byte arrived; for the handshake.
    pub async fn read_more(&mut self) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_read(cx)).await
    }

    /// Writes everything queued; for the handshake and the last words before closing.
    pub async fn flush(&mut self) -> io::Result<()> {
        while !(self.outbound.is_empty() && self.sending.is_empty()) {
            std::future::poll_fn(|cx| self.poll_write(cx)).await?;
        }
        Ok(())
    }

    /// Writes what is queued, ends the connection, and waits (all within `deadline`) for the
    /// broker to close its side. Dropping the stream any earlier could lose the last packets
    /// still on their way through the exit — a DISCONNECT lost that way publishes the will.
    pub async fn close(&mut self, deadline: Duration) {
        let closing = async {
            if self.flush().await.is_err() {
                return;
            }
            let _ = self.io.shutdown().await;
            let mut sink = [0u8; 1024];
            while let Ok(count) = self.io.read(&mut sink).await {
                if count == 0 {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(deadline, closing).await;
    }
}

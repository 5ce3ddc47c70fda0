//! The connection to the broker: a stream toward the exit, read and written as MQTT packets.
//!
//! Writes go into an outgoing buffer that the session task drains as the exit grants credit,
//! so the task never blocks on a slow broker while it still has frames to answer. Reads are
//! the task's choice: it stops reading while a message cannot be delivered, which leaves the
//! bytes in the exit (and then in the socket) and slows the broker down.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use zilla_engine::io::StreamIo;

use crate::codec::{decode, encode_within, DecodeError, EncodeError, Packet, ProtocolVersion};

const READ_CHUNK: usize = 16 * 1024;

pub struct Upstream {
    reader: ReadHalf<StreamIo>,
    writer: WriteHalf<StreamIo>,
    inbound: BytesMut,
    outbound: BytesMut,
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
    Written(io::Result<usize>),
}

impl Upstream {
    pub fn new(io: StreamIo, inbound_limit: usize) -> Self {
        let (reader, writer) = tokio::io::split(io);
        Self {
            reader,
            writer,
            inbound: BytesMut::new(),
            outbound: BytesMut::new(),
            queued: 0,
            written: 0,
            inbound_limit,
            outbound_limit: usize::MAX,
        }
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
        decode(&mut self.inbound, ProtocolVersion::V5, self.inbound_limit)
    }

    /// Reads (when `reading`) or writes queued bytes, whichever can go first. Cancel-safe.
    pub async fn next_io(&mut self, reading: bool) -> IoEvent {
        let writing = !self.outbound.is_empty();
        if reading {
            self.inbound.reserve(READ_CHUNK);
        }
        let Self {
            reader,
            writer,
            inbound,
            outbound,
            ..
        } = self;
        tokio::select! {
            read = reader.read_buf(inbound), if reading => IoEvent::Read(read),
            written = writer.write(outbound), if writing => IoEvent::Written(written),
            else => std::future::pending().await,
        }
    }

    /// Writes what is queued as far as the exit's credit reaches now, without waiting; returns
    /// how many bytes it wrote. The session calls this after every event, so that a packet it
    /// queued leaves at once instead of after another round of waiting; `waker` is woken when
    /// credit comes for bytes still queued.
    pub fn write_now(&mut self, waker: &Waker) -> io::Result<usize> {
        let mut cx = Context::from_waker(waker);
        let mut total = 0;
        while !self.outbound.is_empty() {
            match Pin::new(&mut self.writer).poll_write(&mut cx, &self.outbound) {
                Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Poll::Ready(Ok(count)) => {
                    self.wrote(count);
                    total += count;
                }
                Poll::Ready(Err(error)) => return Err(error),
                Poll::Pending => break,
            }
        }
        Ok(total)
    }

    /// Accounts for bytes a [`IoEvent::Written`] reported.
    pub fn wrote(&mut self, count: usize) {
        let count = count.min(self.outbound.len());
        self.outbound.advance(count);
        self.written = self.written.saturating_add(count as u64);
    }

    /// Reads until at least one more byte arrived; for the handshake.
    pub async fn read_more(&mut self) -> io::Result<usize> {
        self.inbound.reserve(READ_CHUNK);
        self.reader.read_buf(&mut self.inbound).await
    }

    /// Writes everything queued; for the handshake and the last words before closing.
    pub async fn flush(&mut self) -> io::Result<()> {
        while !self.outbound.is_empty() {
            let count = self.writer.write(&self.outbound).await?;
            if count == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            self.wrote(count);
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
            let _ = self.writer.shutdown().await;
            let mut sink = [0u8; 1024];
            while let Ok(count) = self.reader.read(&mut sink).await {
                if count == 0 {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(deadline, closing).await;
    }
}

//! A stream end as a byte pipe (`AsyncRead` + `AsyncWrite`), for bindings whose protocol is a
//! byte stream on top of the network (TLS, the MQTT codec).
//!
//! Flow control carries through: reading acknowledges only what the reader took, so a reader
//! that stops reading stops the peer's credit; writing sends only within the credit the peer
//! granted and waits (returns `Pending`) when there is none.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::frame::{Begin, Control, Data, Extension, Frame};
use crate::stream::{SendError, StreamEnd};

/// A stream end read and written as bytes.
#[derive(Debug)]
pub struct StreamIo {
    end: StreamEnd,
    pending: Bytes,
    read_closed: bool,
    /// The peer aborted: reading fails once what came before the abort was read.
    read_aborted: bool,
    /// The peer's `Begin` on our receiving direction, once seen.
    peer_begin: Option<Begin>,
}

impl StreamIo {
    /// Wraps `end`, granting the peer `window` bytes of credit to write to us.
    pub fn new(mut end: StreamEnd, window: u32) -> Self {
        end.rx.open_window(window, 0);
        Self {
            end,
            pending: Bytes::new(),
            read_closed: false,
            read_aborted: false,
            peer_begin: None,
        }
    }

    /// The peer's `Begin`, once it arrived (reading consumes it on the way to the first byte).
    pub fn peer_begin(&self) -> Option<&Begin> {
        self.peer_begin.as_ref()
    }

    /// Waits for the peer's `Begin` (the reply that accepts a stream we opened). Fails when the
    /// peer resets or closes first.
    pub async fn accepted(&mut self) -> io::Result<&Begin> {
        while self.peer_begin.is_none() {
            tokio::select! {
                frame = self.end.rx.recv() => match frame {
                    Some(frame) => {
                        self.take(frame);
                        if self.read_aborted {
                            return Err(aborted());
                        }
                    }
                    None => return Err(aborted()),
                },
                control = self.end.tx.control() => match control {
                    Some(Control::Reset(_)) | None => return Err(refused()),
                    Some(_) => {}
                },
            }
        }
        self.peer_begin.as_ref().ok_or_else(aborted)
    }

    /// Closes the sending direction abortively.
    pub fn abort(&mut self) {
        let _ = self.end.tx.abort(Extension::none());
        self.end.rx.reset(Extension::none());
    }

    /// Gives back the stream end.
    pub fn into_inner(self) -> StreamEnd {
        self.end
    }

    /// The next bytes the peer sent, as they arrived, without copying them: empty once the
    /// peer ended the stream. What this returns counts as read, so its credit goes back to the
    /// peer: the caller bounds how much it takes before consuming it. Cancel-safe.
    pub fn poll_read_bytes(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Bytes>> {
        loop {
            if !self.pending.is_empty() {
                self.end.rx.acknowledge_all();
                return Poll::Ready(Ok(std::mem::take(&mut self.pending)));
            }
            if self.read_aborted {
                return Poll::Ready(Err(aborted()));
            }
            if self.read_closed {
                return Poll::Ready(Ok(Bytes::new()));
            }
            match std::task::ready!(self.end.rx.poll_recv(cx)) {
                None => {
                    self.read_closed = true;
                    self.read_aborted = true;
                }
                Some(frame) => self.take(frame),
            }
        }
    }

    /// The next bytes already queued, without waiting: `None` when nothing is (an end or an
    /// abort met on the way is reported by the next [`Self::poll_read_bytes`]). For taking in
    /// every frame that arrived before acting on them, as a byte reader reads them together.
    pub fn try_read_bytes(&mut self) -> Option<Bytes> {
        loop {
            if !self.pending.is_empty() {
                self.end.rx.acknowledge_all();
                return Some(std::mem::take(&mut self.pending));
            }
            if self.read_closed {
                return None;
            }
            match self.end.rx.try_recv() {
                Poll::Ready(Some(frame)) => self.take(frame),
                Poll::Ready(None) => {
                    self.read_closed = true;
                    self.read_aborted = true;
                }
                Poll::Pending => return None,
            }
        }
    }

    /// [`Self::poll_read_bytes`], awaited.
    pub async fn read_bytes(&mut self) -> io::Result<Bytes> {
        std::future::poll_fn(|cx| self.poll_read_bytes(cx)).await
    }

    /// Sends the front of `bytes` as far as the credit reaches, without copying it, and
    /// removes what it sent from `bytes`; answers how many bytes that was.
    pub fn poll_write_bytes(
        &mut self,
        cx: &mut Context<'_>,
        bytes: &mut Bytes,
    ) -> Poll<io::Result<usize>> {
        self.poll_send(cx, bytes.len(), |n| bytes.split_to(n))
    }

    /// Sends all of `bytes`, waiting for credit as needed, without copying them.
    pub async fn write_all_bytes(&mut self, mut bytes: Bytes) -> io::Result<()> {
        while !bytes.is_empty() {
            std::future::poll_fn(|cx| self.poll_write_bytes(cx, &mut bytes)).await?;
        }
        Ok(())
    }

    /// Sends the first `n` of `len` bytes that fit the credit as one `Data` frame, taking
    /// them with `take(n)`; waits while there is no credit.
    fn poll_send(
        &mut self,
        cx: &mut Context<'_>,
        len: usize,
        mut take: impl FnMut(usize) -> Bytes,
    ) -> Poll<io::Result<usize>> {
        if len == 0 {
            return Poll::Ready(Ok(0));
        }
        // Every window that already arrived counts, not just the first: taking one per
        // exhausted credit leaves the rest queued and stale, so each write is cut to the size of
        // one old acknowledgement and a message leaves as many small frames.
        if self.end.tx.poll_controls().is_some() {
            return Poll::Ready(Err(broken()));
        }
        loop {
            let available = self.end.tx.available();
            if available > 0 && !self.end.tx.is_closed() {
                let n = available.min(len);
                return match self.end.tx.data(Data::message(take(n))) {
                    Ok(_) => Poll::Ready(Ok(n)),
                    Err(SendError::Closed) => Poll::Ready(Err(broken())),
                    // Credit is checked just above, on the same thread.
                    Err(SendError::NoCredit { .. }) => Poll::Ready(Err(broken())),
                };
            }
            if self.end.tx.is_closed() {
                return Poll::Ready(Err(broken()));
            }
            match self.end.tx.poll_control(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) | Poll::Ready(Some(Control::Reset(_))) => {
                    return Poll::Ready(Err(broken()))
                }
                Poll::Ready(Some(_)) => {}
            }
        }
    }

    /// Handles one received frame: bytes go into `pending`, an abort is noted.
    fn take(&mut self, frame: Frame) {
        match frame {
            Frame::Begin(begin) => self.peer_begin = Some(begin),
            Frame::Data(data) => {
                self.pending = data.payload;
                if self.pending.is_empty() {
                    self.end.rx.acknowledge_all();
                }
            }
            Frame::Flush(_) => {}
            Frame::End(_) => self.read_closed = true,
            Frame::Abort(_) => {
                self.read_closed = true;
                self.read_aborted = true;
            }
        }
    }
}

fn aborted() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "stream aborted")
}

fn refused() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionRefused, "stream reset")
}

impl AsyncRead for StreamIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // Frames already queued are read together while `buf` has room, and acknowledged
        // together once read.
        let mut filled = false;
        // Everything before this position was read.
        let mut consumed = None;
        loop {
            if !this.pending.is_empty() {
                let n = this.pending.len().min(buf.remaining());
                buf.put_slice(&this.pending.split_to(n));
                filled = true;
                if buf.remaining() == 0 {
                    break;
                }
                continue;
            }
            if this.read_aborted {
                if filled {
                    break;
                }
                return Poll::Ready(Err(aborted()));
            }
            if this.read_closed {
                break;
            }
            consumed = Some(this.end.rx.received());
            match this.end.rx.poll_recv(cx) {
                Poll::Pending if filled => break,
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.read_closed = true;
                    this.read_aborted = true;
                }
                Poll::Ready(Some(frame)) => this.take(frame),
            }
        }
        if this.pending.is_empty() {
            this.end.rx.acknowledge_all();
        } else if let Some(position) = consumed {
            this.end.rx.acknowledge(position);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for StreamIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_send(cx, buf.len(), |n| Bytes::copy_from_slice(&buf[..n]))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.end.tx.is_closed() {
            let _ = this.end.tx.end(Extension::none());
        }
        Poll::Ready(Ok(()))
    }
}

fn broken() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "stream closed by peer")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::stream;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn bytes_flow_both_ways_within_small_windows() {
        let (opener, target) = stream();
        let mut left = StreamIo::new(opener, 7);
        let mut right = StreamIo::new(target, 5);
        let message: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let expected = message.clone();
        let writer = tokio::spawn(async move {
            left.write_all(&message).await.unwrap();
            left.shutdown().await.unwrap();
            left
        });
        let mut received = Vec::new();
        right.read_to_end(&mut received).await.unwrap();
        assert_eq!(received, expected);
        writer.await.unwrap();
    }

    #[tokio::test]
    async fn a_reader_that_stops_stops_the_writer() {
        let (opener, target) = stream();
        let mut left = StreamIo::new(opener, 64);
        let _right = StreamIo::new(target, 16);
        let written = tokio::time::timeout(
            std::time::Duration::from_millis(100),
            left.write_all(&[0u8; 64]),
        )
        .await;
        assert!(written.is_err(), "writer should wait for credit");
    }

    #[tokio::test]
    async fn queued_frames_are_read_together_and_an_abort_after_them_still_fails() {
        let (mut opener, target) = stream();
        let mut right = StreamIo::new(target, 64);
        opener.tx.control().await;
        opener
            .tx
            .data(Data::message(Bytes::from_static(b"abc")))
            .unwrap();
        opener
            .tx
            .data(Data::message(Bytes::from_static(b"def")))
            .unwrap();
        opener.tx.abort(Extension::none()).unwrap();
        let mut buffer = [0u8; 16];
        assert_eq!(right.read(&mut buffer).await.unwrap(), 6);
        assert_eq!(&buffer[..6], b"abcdef");
        assert!(right.read(&mut buffer).await.is_err());
        assert!(
            matches!(opener.tx.control().await, Some(Control::Window(w)) if w.acknowledge == 6)
        );
    }

    #[tokio::test]
    async fn a_write_uses_every_acknowledgement_that_arrived() {
        let (opener, target) = stream();
        let mut left = StreamIo::new(opener, 64);
        let mut right = StreamIo::new(target, 30);
        for _ in 0..3 {
            left.write_all(&[1u8; 10]).await.unwrap();
        }
        // Read frame by frame, so that each is acknowledged by a window of its own.
        let mut buffer = [0u8; 10];
        for _ in 0..3 {
            assert_eq!(right.read(&mut buffer).await.unwrap(), 10);
        }
        assert_eq!(left.write(&[2u8; 30]).await.unwrap(), 30);
    }

    #[tokio::test]
    async fn queued_frames_are_taken_whole_and_without_waiting_after_the_first() {
        let (mut opener, target) = stream();
        let mut right = StreamIo::new(target, 64);
        opener.tx.control().await;
        for chunk in [&b"abc"[..], b"de"] {
            let data = Data::message(Bytes::copy_from_slice(chunk));
            opener.tx.data(data).unwrap();
        }
        opener.tx.end(Extension::none()).unwrap();
        assert_eq!(&right.read_bytes().await.unwrap()[..], b"abc");
        assert_eq!(right.try_read_bytes().as_deref(), Some(&b"de"[..]));
        assert_eq!(right.try_read_bytes(), None, "the end is not bytes");
        assert!(
            right.read_bytes().await.unwrap().is_empty(),
            "the end, read"
        );
        let acknowledged = std::iter::from_fn(|| opener.tx.poll_controls().map(|_| ()));
        assert_eq!(acknowledged.count(), 0, "no reset");
        assert_eq!(opener.tx.acknowledged(), 5);
    }

    #[tokio::test]
    async fn abort_is_an_error_for_the_reader() {
        let (opener, target) = stream();
        let mut left = StreamIo::new(opener, 64);
        let mut right = StreamIo::new(target, 64);
        left.abort();
        let mut buffer = [0u8; 8];
        assert!(right.read(&mut buffer).await.is_err());
    }
}

//! Streams: two directions of frames with credit-based flow control.
//!
//! Memory per direction is bounded by its window: a sender may only send `Data` within the credit
//! its receiver granted, so a slow consumer slows the producer instead of growing a queue. The
//! channels themselves are unbounded because everything that travels on them is either bounded by
//! credit (`Data`) or bounded by the protocol (one `Begin`, one `End`/`Abort`, a `Window` per
//! consumed `Data`).

use crate::channel::{self, Receiver, Sender, TryRecvError};

use crate::frame::{Begin, Control, Data, Extension, Frame, Reset, Window};

/// The sending half of one direction: forward frames out, [`Control`]s in.
#[derive(Debug)]
pub struct StreamSender {
    frames: Sender<Frame>,
    controls: Receiver<Control>,
    sent: u64,
    acknowledged: u64,
    maximum: u32,
    padding: u32,
    closed: bool,
}

/// The receiving half of one direction: forward frames in, [`Control`]s out.
#[derive(Debug)]
pub struct StreamReceiver {
    frames: Receiver<Frame>,
    controls: Sender<Control>,
    received: u64,
    acknowledged: u64,
    maximum: u32,
    padding: u32,
}

/// Why a frame could not be sent.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    #[error("the stream is closed")]
    Closed,
    #[error("data of {needed} bytes exceeds the {credit} bytes of credit")]
    NoCredit { needed: usize, credit: usize },
}

/// One end of a stream: what it sends, and what it receives.
#[derive(Debug)]
pub struct StreamEnd {
    pub tx: StreamSender,
    pub rx: StreamReceiver,
}

/// A new direction: its sender and its receiver.
pub fn direction() -> (StreamSender, StreamReceiver) {
    let (frame_tx, frame_rx) = channel::channel();
    let (control_tx, control_rx) = channel::channel();
    (
        StreamSender {
            frames: frame_tx,
            controls: control_rx,
            sent: 0,
            acknowledged: 0,
            maximum: 0,
            padding: 0,
            closed: false,
        },
        StreamReceiver {
            frames: frame_rx,
            controls: control_tx,
            received: 0,
            acknowledged: 0,
            maximum: 0,
            padding: 0,
        },
    )
}

/// A new stream: the opener's end and the target's end.
pub fn stream() -> (StreamEnd, StreamEnd) {
    let (initial_tx, initial_rx) = direction();
    let (reply_tx, reply_rx) = direction();
    (
        StreamEnd {
            tx: initial_tx,
            rx: reply_rx,
        },
        StreamEnd {
            tx: reply_tx,
            rx: initial_rx,
        },
    )
}

impl StreamSender {
    /// Bytes that may be sent now.
    pub fn credit(&self) -> usize {
        let limit = self.acknowledged + u64::from(self.maximum);
        usize::try_from(limit.saturating_sub(self.sent)).unwrap_or(usize::MAX)
    }

    /// What a `Data` frame with `payload` bytes costs in credit.
    pub fn cost(&self, payload: usize) -> usize {
        payload.saturating_add(self.padding as usize)
    }

    /// Largest payload that fits in the current credit, after padding.
    pub fn available(&self) -> usize {
        self.credit().saturating_sub(self.padding as usize)
    }

    /// Position after the last byte sent (in credit units).
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Position up to which the receiver has acknowledged.
    pub fn acknowledged(&self) -> u64 {
        self.acknowledged
    }

    /// True once `End` or `Abort` was sent, or the receiver went away.
    pub fn is_closed(&self) -> bool {
        self.closed || self.frames.is_closed()
    }

    pub fn begin(&mut self, begin: Begin) -> Result<(), SendError> {
        self.send(Frame::Begin(begin))
    }

    /// Sends data within the credit; returns the position just past it, which the receiver's
    /// acknowledgement reaches once this data has been consumed (or delivered onward).
    pub fn data(&mut self, data: Data) -> Result<u64, SendError> {
        let needed = self.cost(data.payload.len());
        let credit = self.credit();
        if needed > credit {
            return Err(SendError::NoCredit { needed, credit });
        }
        self.send(Frame::Data(data))?;
        self.sent += needed as u64;
        Ok(self.sent)
    }

    pub fn flush(&mut self, extension: Extension) -> Result<(), SendError> {
        self.send(Frame::Flush(extension))
    }

    pub fn end(&mut self, extension: Extension) -> Result<(), SendError> {
        let result = self.send(Frame::End(extension));
        self.closed = true;
        result
    }

    pub fn abort(&mut self, extension: Extension) -> Result<(), SendError> {
        let result = self.send(Frame::Abort(extension));
        self.closed = true;
        result
    }

    fn send(&mut self, frame: Frame) -> Result<(), SendError> {
        if self.closed {
            return Err(SendError::Closed);
        }
        self.frames.send(frame).map_err(|_| SendError::Closed)
    }

    /// The next control from the receiver; `None` once the receiver is gone. Window updates are
    /// applied before they are returned. Cancel-safe, for use in `select!`.
    pub async fn control(&mut self) -> Option<Control> {
        std::future::poll_fn(|cx| self.poll_control(cx)).await
    }

    /// Polls for the next control, applying window updates; for `AsyncWrite`-style adapters.
    pub fn poll_control(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Control>> {
        let polled = self.controls.poll_recv(cx);
        if let std::task::Poll::Ready(Some(control)) = &polled {
            self.apply(control);
        }
        polled
    }

    /// Applies any controls that already arrived, without waiting; returns a `Reset` if one did.
    pub fn poll_controls(&mut self) -> Option<Reset> {
        while let Ok(control) = self.controls.try_recv() {
            self.apply(&control);
            if let Control::Reset(reset) = control {
                return Some(reset);
            }
        }
        None
    }

    /// Waits until `bytes` of payload fit in the credit. Fails with the receiver's `Reset`, or a
    /// default one when the receiver went away. Challenges met while waiting are dropped.
    pub async fn ready(&mut self, bytes: usize) -> Result<(), Reset> {
        while self.credit() < self.cost(bytes) {
            match self.control().await {
                Some(Control::Reset(reset)) => return Err(reset),
                Some(_) => {}
                None => {
                    return Err(Reset {
                        extension: Extension::none(),
                    })
                }
            }
        }
        Ok(())
    }

    fn apply(&mut self, control: &Control) {
        match control {
            Control::Window(window) => {
                self.acknowledged = self.acknowledged.max(window.acknowledge);
                self.maximum = window.maximum;
                self.padding = window.padding;
            }
            Control::Reset(_) => self.closed = true,
            Control::Challenge(_) => {}
        }
    }
}

impl StreamReceiver {
    /// The next frame; `None` once the sender is gone, which a binding treats as an abort.
    /// Cancel-safe, for use in `select!`.
    pub async fn recv(&mut self) -> Option<Frame> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next frame; for `AsyncRead`-style adapters.
    pub fn poll_recv(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Frame>> {
        let polled = self.frames.poll_recv(cx);
        if let std::task::Poll::Ready(Some(Frame::Data(data))) = &polled {
            self.received += (data.payload.len() + self.padding as usize) as u64;
        }
        polled
    }

    /// The next frame if one already arrived, without waiting: `Ready(None)` once the sender is
    /// gone, `Pending` when nothing is queued (no waker is registered).
    pub fn try_recv(&mut self) -> std::task::Poll<Option<Frame>> {
        match self.frames.try_recv() {
            Ok(frame) => {
                if let Frame::Data(data) = &frame {
                    self.received += (data.payload.len() + self.padding as usize) as u64;
                }
                std::task::Poll::Ready(Some(frame))
            }
            Err(TryRecvError::Empty) => std::task::Poll::Pending,
            Err(TryRecvError::Disconnected) => std::task::Poll::Ready(None),
        }
    }

    /// Position after the last byte received (in credit units).
    pub fn received(&self) -> u64 {
        self.received
    }

    pub fn acknowledged(&self) -> u64 {
        self.acknowledged
    }

    /// Opens (or resizes) the window without acknowledging anything new.
    pub fn open_window(&mut self, maximum: u32, padding: u32) {
        self.maximum = maximum;
        self.padding = padding;
        self.send_window();
    }

    /// Acknowledges everything up to `position` (at most what was received).
    pub fn acknowledge(&mut self, position: u64) {
        let position = position.min(self.received);
        if position > self.acknowledged {
            self.acknowledged = position;
            self.send_window();
        }
    }

    /// Acknowledges everything received so far.
    pub fn acknowledge_all(&mut self) {
        self.acknowledge(self.received);
    }

    /// Refuses or aborts this direction.
    pub fn reset(&mut self, extension: Extension) {
        let _ = self.controls.send(Control::Reset(Reset { extension }));
    }

    pub fn challenge(&mut self, extension: Extension) {
        let _ = self.controls.send(Control::Challenge(extension));
    }

    /// True once the sender is gone.
    pub fn is_closed(&self) -> bool {
        self.controls.is_closed()
    }

    fn send_window(&mut self) {
        let _ = self.controls.send(Control::Window(Window {
            acknowledge: self.acknowledged,
            maximum: self.maximum,
            padding: self.padding,
            budget_id: 0,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[tokio::test]
    async fn data_needs_credit_and_acknowledgement_restores_it() {
        let (mut tx, mut rx) = direction();
        assert_eq!(tx.credit(), 0);
        assert!(matches!(
            tx.data(Data::message(Bytes::from_static(b"abc"))),
            Err(SendError::NoCredit { .. })
        ));

        rx.open_window(4, 0);
        tx.ready(3).await.unwrap_or_else(|_| panic!("reset"));
        assert_eq!(tx.data(Data::message(Bytes::from_static(b"abc"))), Ok(3));
        assert_eq!(tx.credit(), 1);

        assert!(matches!(rx.recv().await, Some(Frame::Data(_))));
        assert_eq!(rx.received(), 3);
        rx.acknowledge_all();
        assert!(matches!(tx.control().await, Some(Control::Window(_))));
        assert_eq!(tx.acknowledged(), 3);
        assert_eq!(tx.credit(), 4);
    }

    #[tokio::test]
    async fn padding_is_charged_per_frame() {
        let (mut tx, mut rx) = direction();
        rx.open_window(10, 2);
        tx.control().await;
        assert_eq!(tx.available(), 8);
        assert_eq!(tx.data(Data::message(Bytes::from_static(b"abcd"))), Ok(6));
        rx.recv().await;
        assert_eq!(rx.received(), 6);
    }

    #[tokio::test]
    async fn dropped_receiver_fails_ready_and_closes() {
        let (mut tx, rx) = direction();
        drop(rx);
        assert!(tx.ready(1).await.is_err());
        assert!(tx.is_closed());
        assert_eq!(tx.end(Extension::none()), Err(SendError::Closed));
    }

    #[tokio::test]
    async fn dropped_sender_ends_recv() {
        let (tx, mut rx) = direction();
        drop(tx);
        assert!(rx.recv().await.is_none());
    }

    #[tokio::test]
    async fn stream_ends_are_crossed() {
        let (mut opener, mut target) = stream();
        target.rx.open_window(8, 0);
        opener.tx.ready(1).await.unwrap_or_else(|_| panic!("reset"));
        opener.tx.data(Data::message(Bytes::from_static(b"x"))).ok();
        assert!(matches!(target.rx.recv().await, Some(Frame::Data(_))));
        target.tx.end(Extension::none()).ok();
        assert!(matches!(opener.rx.recv().await, Some(Frame::End(_))));
    }
}

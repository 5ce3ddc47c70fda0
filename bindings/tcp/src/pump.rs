//! Moves bytes between a TCP socket and a stream, in both directions, within the stream's credit.
//!
//! Socket reads are sized to the credit the stream's receiver granted: when the window is
//! exhausted the socket is simply not read, so the kernel's buffers fill and the peer slows
//! down. Data toward the socket is acknowledged only after it was written, so the sender's
//! credit reflects what actually left the gateway.

use std::task::Poll;

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zilla_engine::frame::{Control, Data, Extension, Frame};
use zilla_engine::runtime::workers::note_activity;
use zilla_engine::stream::{StreamReceiver, StreamSender};

use crate::acks::Acknowledgements;

/// Largest single read, whatever the credit.
const MAX_READ: usize = 64 * 1024;
/// A read buffer with less spare room than this (and less than the credit) is replaced; reads
/// share one allocation until then instead of reserving a fresh one per read.
const MIN_SPARE: usize = 4 * 1024;
/// Queued `Data` gathered into one write stops growing at this size.
const MAX_WRITE: usize = 64 * 1024;

/// What the writing side does after a frame.
enum Next {
    Continue,
    /// The stream ended in order: shut the socket's sending side down.
    Shutdown,
    /// The stream was aborted or its sender is gone.
    Stop,
}

/// Pumps until both directions are closed or either side fails; the socket is closed on return.
/// `outbound` carries what is read from the socket, `inbound` what is written to it.
pub async fn pump(socket: TcpStream, mut outbound: StreamSender, mut inbound: StreamReceiver) {
    let (mut reader, mut writer) = socket.into_split();
    let mut buffer = BytesMut::new();
    let mut batch = BytesMut::new();
    let mut reading = true;
    let mut writing = true;
    let mut acks = Acknowledgements::new();

    while reading || writing {
        // Controls that arrived are applied here rather than waited for: a window that comes
        // back for every read would otherwise wake the pump once more per read, with nothing
        // to do while there is credit left. Only a pump out of credit waits for one.
        if reading && (outbound.poll_controls().is_some() || outbound.is_closed()) {
            // The peer no longer reads; what it already sent toward the socket must still be
            // written, so only the reading side stops here.
            let _ = outbound.abort(Extension::none());
            reading = false;
        }
        let room = if reading {
            outbound.available().min(MAX_READ)
        } else {
            0
        };
        if buffer.capacity() < room.min(MIN_SPARE) {
            buffer.reserve(MAX_READ);
        }
        let mut limited = (&mut buffer).limit(room);
        // In a fixed order rather than tokio's random one, which costs a random number per
        // wakeup. Writing comes first, so what the gateway owes the peer leaves before more is
        // taken in; neither side starves the other, as the stream's frames come from tasks that
        // cannot run while this one does, and tokio's budget makes socket reads yield in turn.
        tokio::select! {
            biased;
            frame = inbound.recv(), if writing => {
                let mut next = match frame {
                    Some(Frame::Data(data)) => {
                        // Data already queued behind this frame leaves in the same write.
                        let (gathered, after) = gather(data.payload, &mut inbound, &mut batch);
                        let bytes: &[u8] = match &gathered {
                            Some(payload) => payload,
                            None => &batch,
                        };
                        if let Err(error) = writer.write_all(bytes).await {
                            tracing::debug!(%error, "tcp write failed");
                            break;
                        }
                        batch.clear();
                        acks.on_write();
                        note_activity();
                        inbound.acknowledge_all();
                        match after {
                            Poll::Ready(frame) => on_frame(frame),
                            Poll::Pending => Next::Continue,
                        }
                    }
                    other => on_frame(other),
                };
                if let Next::Shutdown = next {
                    let _ = writer.shutdown().await;
                    writing = false;
                    next = Next::Continue;
                }
                if let Next::Stop = next {
                    break;
                }
            },
            read = reader.read_buf(&mut limited), if reading && room > 0 => match read {
                Ok(0) => {
                    let _ = outbound.end(Extension::none());
                    reading = false;
                }
                Ok(_) => {
                    note_activity();
                    acks.on_read(reader.as_ref());
                    let payload = buffer.split().freeze();
                    if outbound.data(Data::message(payload)).is_err() {
                        break;
                    }
                }
                Err(error) => {
                    tracing::debug!(%error, "tcp read failed");
                    break;
                }
            },
            control = outbound.control(), if reading && room == 0 => match control {
                Some(Control::Window(_)) | Some(Control::Challenge(_)) => {}
                Some(Control::Reset(_)) | None => {
                    let _ = outbound.abort(Extension::none());
                    reading = false;
                }
            },
            () = acks.expired(), if acks.owed() => acks.on_expired(reader.as_ref()),
        }
    }

    // Whatever closed first, close the rest abortively so both directions always finish.
    if !outbound.is_closed() {
        let _ = outbound.abort(Extension::none());
    }
    if writing {
        inbound.reset(Extension::none());
    }
}

/// What a frame other than `Data` means for the writing side.
fn on_frame(frame: Option<Frame>) -> Next {
    match frame {
        Some(Frame::End(_)) => Next::Shutdown,
        Some(Frame::Abort(_)) | None => Next::Stop,
        Some(Frame::Data(_)) | Some(Frame::Begin(_)) | Some(Frame::Flush(_)) => Next::Continue,
    }
}

/// Appends the `Data` frames already queued behind `first` to `batch`, up to [`MAX_WRITE`].
/// Returns `first` itself when nothing was queued behind it (`batch` holds the bytes
/// otherwise), and the frame that stopped the gathering, if any.
fn gather(
    first: Bytes,
    inbound: &mut StreamReceiver,
    batch: &mut BytesMut,
) -> (Option<Bytes>, Poll<Option<Frame>>) {
    let mut next = inbound.try_recv();
    if !matches!(next, Poll::Ready(Some(Frame::Data(_)))) {
        return (Some(first), next);
    }
    batch.extend_from_slice(&first);
    while let Poll::Ready(Some(Frame::Data(data))) = next {
        batch.extend_from_slice(&data.payload);
        if batch.len() >= MAX_WRITE {
            return (None, Poll::Pending);
        }
        next = inbound.try_recv();
    }
    (None, next)
}

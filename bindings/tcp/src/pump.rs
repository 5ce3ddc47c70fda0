//! Moves bytes between a TCP socket and a stream, in both directions, within the stream's credit.
//!
//! Socket reads are sized to the credit the stream's receiver granted: when the window is
//! exhausted the socket is simply not read, so the kernel's buffers fill and the peer slows
//! down. Data toward the socket is acknowledged only after it was written, so the sender's
//! credit reflects what actually left the gateway.

use bytes::{BufMut, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zilla_engine::frame::{Control, Data, Extension, Frame};
use zilla_engine::stream::{StreamReceiver, StreamSender};

/// Largest single read, whatever the credit.
const MAX_READ: usize = 64 * 1024;

/// Pumps until both directions are closed or either side fails; the socket is closed on return.
/// `outbound` carries what is read from the socket, `inbound` what is written to it.
pub async fn pump(socket: TcpStream, mut outbound: StreamSender, mut inbound: StreamReceiver) {
    let (mut reader, mut writer) = socket.into_split();
    let mut buffer = BytesMut::new();
    let mut reading = true;
    let mut writing = true;

    while reading || writing {
        let room = if reading {
            outbound.available().min(MAX_READ)
        } else {
            0
        };
        if room > 0 && buffer.capacity() < room {
            buffer.reserve(room);
        }
        let mut limited = (&mut buffer).limit(room);
        tokio::select! {
            read = reader.read_buf(&mut limited), if reading && room > 0 => match read {
                Ok(0) => {
                    let _ = outbound.end(Extension::none());
                    reading = false;
                }
                Ok(_) => {
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
            control = outbound.control(), if reading => match control {
                Some(Control::Window(_)) | Some(Control::Challenge(_)) => {}
                // The peer no longer reads; what it already sent toward the socket must still
                // be written, so only the reading side stops here.
                Some(Control::Reset(_)) | None => {
                    let _ = outbound.abort(Extension::none());
                    reading = false;
                }
            },
            frame = inbound.recv(), if writing => match frame {
                Some(Frame::Data(data)) => {
                    if let Err(error) = writer.write_all(&data.payload).await {
                        tracing::debug!(%error, "tcp write failed");
                        break;
                    }
                    inbound.acknowledge_all();
                }
                Some(Frame::End(_)) => {
                    let _ = writer.shutdown().await;
                    writing = false;
                }
                Some(Frame::Abort(_)) | None => break,
                Some(Frame::Begin(_)) | Some(Frame::Flush(_)) => {}
            },
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

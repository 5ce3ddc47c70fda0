//! Opens the next hop's stream and relays bytes between two byte pipes until both close.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use zilla_engine::binding::Exit;
use zilla_engine::frame::{Begin, BindingId, Extension};
use zilla_engine::io::StreamIo;
use zilla_engine::stream::{stream, StreamEnd};

/// Answers the stream `begin` opened, with no extension, and wraps it as a byte pipe; `None`
/// when the opener is already gone.
pub(crate) fn answer(begin: &Begin, mut stream: StreamEnd, window: u32) -> Option<StreamIo> {
    let reply = Begin {
        origin: begin.origin.clone(),
        routed: begin.routed.clone(),
        authorization: begin.authorization.clone(),
        affinity: begin.affinity,
        extension: Extension::none(),
    };
    stream.tx.begin(reply).ok()?;
    Some(StreamIo::new(stream, window))
}

/// Opens a stream toward `exit`, carrying `begin`'s authorization, affinity and extension on
/// (so the next hop still sees the tcp addresses or where to connect), and waits up to
/// `timeout` for it to be accepted.
pub(crate) async fn open_exit(
    origin: &BindingId,
    exit: &Exit,
    begin: &Begin,
    window: u32,
    timeout: Duration,
) -> Option<StreamIo> {
    let (opener, target) = stream();
    let next = Begin {
        origin: origin.clone(),
        routed: exit.id.clone(),
        authorization: begin.authorization.clone(),
        affinity: begin.affinity,
        extension: begin.extension.clone(),
    };
    exit.binding.open(next, target);
    let mut io = StreamIo::new(opener, window);
    match tokio::time::timeout(timeout, io.accepted()).await {
        Ok(Ok(_)) => Some(io),
        Ok(Err(error)) => {
            tracing::debug!(exit = %exit.id, %error, "next hop refused the stream");
            None
        }
        Err(_) => {
            tracing::debug!(exit = %exit.id, "next hop did not answer in time");
            io.abort();
            None
        }
    }
}

/// Relays both ways; each side's close is passed on as a close of the other. Returns whether
/// both directions closed in order.
pub(crate) async fn relay<A, B>(a: &mut A, b: &mut B) -> bool
where
    A: AsyncRead + AsyncWrite + Unpin,
    B: AsyncRead + AsyncWrite + Unpin,
{
    match tokio::io::copy_bidirectional(a, b).await {
        Ok(_) => true,
        Err(error) => {
            tracing::debug!(%error, "relay ended abortively");
            false
        }
    }
}

/// How long a refused connection is kept to let its last bytes (a TLS alert) reach the peer.
const LINGER: Duration = Duration::from_secs(2);

/// Ends our side and waits, briefly, for the peer to close too: dropping the stream at once
/// would let the network side abort before it wrote what we sent last.
pub(crate) async fn close_gracefully<S: AsyncRead + AsyncWrite + Unpin>(io: &mut S) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = io.shutdown().await;
    let mut discard = [0u8; 1024];
    let drain = async {
        while let Ok(read) = io.read(&mut discard).await {
            if read == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

//! One echoed stream: every initial `Data` goes back on the reply, within the reply's credit.
//!
//! Initial data is acknowledged only once it was sent back, so a peer that stops reading the
//! echo stops getting credit to send more: memory per stream stays within the granted window.

use std::collections::VecDeque;

use zilla_engine::frame::{flags, Begin, Control, Data, Extension, Frame};
use zilla_engine::stream::{StreamEnd, StreamReceiver, StreamSender};

/// Data waiting for reply credit, with the initial position that acknowledges it.
struct Pending {
    data: Data,
    position: u64,
}

pub async fn echo(begin: Begin, stream: StreamEnd, window: u32) {
    let StreamEnd { mut tx, mut rx } = stream;
    let reply = Begin {
        origin: begin.origin,
        routed: begin.routed,
        authorization: begin.authorization,
        affinity: begin.affinity,
        extension: Extension::none(),
    };
    if tx.begin(reply).is_err() {
        rx.reset(Extension::none());
        return;
    }
    rx.open_window(window, 0);

    let mut pending: VecDeque<Pending> = VecDeque::new();
    let mut receiving = true;
    loop {
        if send_pending(&mut pending, &mut tx, &mut rx).is_err() {
            rx.reset(Extension::none());
            return;
        }
        if !receiving && pending.is_empty() {
            let _ = tx.end(Extension::none());
            return;
        }
        tokio::select! {
            frame = rx.recv(), if receiving => match frame {
                Some(Frame::Data(data)) => pending.push_back(Pending {
                    data,
                    position: rx.received(),
                }),
                Some(Frame::End(_)) => receiving = false,
                Some(Frame::Abort(_)) | None => {
                    let _ = tx.abort(Extension::none());
                    return;
                }
                Some(Frame::Flush(extension)) => {
                    let _ = tx.flush(extension);
                }
                Some(Frame::Begin(_)) => {}
            },
            control = tx.control() => match control {
                Some(Control::Window(_)) | Some(Control::Challenge(_)) => {}
                Some(Control::Reset(_)) | None => {
                    rx.reset(Extension::none());
                    return;
                }
            },
        }
    }
}

/// Sends as much pending data as the reply credit allows, splitting a message into fragments
/// when only part of it fits; acknowledges each initial message once it is wholly sent.
fn send_pending(
    pending: &mut VecDeque<Pending>,
    tx: &mut StreamSender,
    rx: &mut StreamReceiver,
) -> Result<(), zilla_engine::stream::SendError> {
    while let Some(front) = pending.front_mut() {
        let length = front.data.payload.len();
        if tx.credit() >= tx.cost(length) {
            if let Some(done) = pending.pop_front() {
                tx.data(done.data)?;
                rx.acknowledge(done.position);
            }
            continue;
        }
        let available = tx.available();
        if available == 0 || length == 0 {
            break;
        }
        let data = &mut front.data;
        let chunk = Data {
            flags: data.flags & !flags::FIN,
            length: if data.is_init() { data.length } else { None },
            budget_id: data.budget_id,
            payload: data.payload.split_to(available),
            extension: data.extension.clone(),
        };
        data.flags &= !flags::INIT;
        tx.data(chunk)?;
    }
    Ok(())
}

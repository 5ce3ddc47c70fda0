//! The frames that bindings exchange on a stream.
//!
//! A stream has two directions, *initial* (opener → target) and *reply* (target → opener). Each
//! direction carries [`Frame`]s forward and [`Control`]s backward, against the flow of data.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use crate::guard::Authorization;

/// A protocol-specific payload that rides on a frame. The engine never looks inside: a binding
/// downcasts it to the extension type of the protocol it expects (`mqtt`'s, `kafka`'s, …).
#[derive(Clone, Default)]
pub struct Extension(Option<Arc<dyn Any + Send + Sync>>);

impl Extension {
    pub fn none() -> Self {
        Self(None)
    }

    pub fn new<T: Any + Send + Sync>(value: T) -> Self {
        Self(Some(Arc::new(value)))
    }

    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.as_deref().and_then(|value| value.downcast_ref())
    }

    /// The value, moved out when this extension was its only holder and cloned otherwise.
    pub fn take<T: Any + Send + Sync + Clone>(self) -> Option<T> {
        let value = self.0?.downcast::<T>().ok()?;
        Some(Arc::try_unwrap(value).unwrap_or_else(|shared| T::clone(&shared)))
    }

    pub fn is_none(&self) -> bool {
        self.0.is_none()
    }
}

impl fmt::Debug for Extension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(_) => f.write_str("Extension(..)"),
            None => f.write_str("Extension(none)"),
        }
    }
}

/// Identifies a binding inside the running configuration: `namespace:name`.
pub type BindingId = Arc<str>;

/// Opens one direction of a stream.
#[derive(Debug, Clone)]
pub struct Begin {
    /// The binding that opened the stream.
    pub origin: BindingId,
    /// The binding the stream was routed to.
    pub routed: BindingId,
    /// Who the stream acts for; `None` when unauthenticated.
    pub authorization: Option<Authorization>,
    /// A hint for the target to keep related streams together (e.g. the same MQTT client id).
    pub affinity: u64,
    pub extension: Extension,
}

/// Data flags: a message may span several fragments.
pub mod flags {
    /// First fragment of a message; carries the message's total length.
    pub const INIT: u8 = 0x02;
    /// Last fragment of a message.
    pub const FIN: u8 = 0x01;
    /// A whole message in one fragment.
    pub const COMPLETE: u8 = INIT | FIN;
}

#[derive(Debug, Clone)]
pub struct Data {
    pub flags: u8,
    /// Total length of the message, set on the `INIT` fragment so an encoder can write a length
    /// prefix before the rest of the message has arrived.
    pub length: Option<usize>,
    /// Which shared budget the credit came from (0 = the stream's own window).
    pub budget_id: u64,
    pub payload: Bytes,
    pub extension: Extension,
}

impl Data {
    /// A whole message in a single fragment.
    pub fn message(payload: Bytes) -> Self {
        Self {
            flags: flags::COMPLETE,
            length: Some(payload.len()),
            budget_id: 0,
            payload,
            extension: Extension::none(),
        }
    }

    pub fn with_extension(mut self, extension: Extension) -> Self {
        self.extension = extension;
        self
    }

    pub fn is_init(&self) -> bool {
        self.flags & flags::INIT != 0
    }

    pub fn is_fin(&self) -> bool {
        self.flags & flags::FIN != 0
    }
}

/// Frames that travel with the data, from the sender of a direction to its receiver.
#[derive(Debug, Clone)]
pub enum Frame {
    Begin(Begin),
    Data(Data),
    /// Orderly close of this direction.
    End(Extension),
    /// Abortive close of this direction.
    Abort(Extension),
    /// An out-of-band marker without payload (end of retained replay, a QoS 2 release, a
    /// subscription change, …).
    Flush(Extension),
}

/// Credit and acknowledgement for one direction, sent by its receiver.
///
/// Positions count bytes (plus `padding` per Data frame) since the direction began. The sender
/// may have `acknowledge + maximum - sent` bytes outstanding. Advancing `acknowledge` means the
/// receiver has *consumed* everything before it — and a receiver that forwards data on may hold
/// the acknowledgement back until the next hop confirmed delivery, so the original sender learns
/// exactly which messages were delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub acknowledge: u64,
    pub maximum: u32,
    pub padding: u32,
    /// A credit pool shared by several streams (0 = none).
    pub budget_id: u64,
}

/// Why a receiver refused or aborted a direction.
#[derive(Debug, Clone)]
pub struct Reset {
    pub extension: Extension,
}

/// Frames that travel against the data, from the receiver of a direction to its sender.
#[derive(Debug, Clone)]
pub enum Control {
    Window(Window),
    Reset(Reset),
    /// Ask the opener to re-authenticate.
    Challenge(Extension),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_moves_a_sole_value_and_clones_a_shared_one() {
        let sole = Extension::new(String::from("topic"));
        let pointer = sole.get::<String>().map(|value| value.as_ptr());
        let taken = sole.take::<String>();
        assert_eq!(taken.as_deref(), Some("topic"));
        assert_eq!(
            taken.map(|value| value.as_ptr()),
            pointer,
            "moved, not copied"
        );

        let shared = Extension::new(String::from("topic"));
        let other = shared.clone();
        assert_eq!(shared.take::<String>().as_deref(), Some("topic"));
        assert_eq!(other.get::<String>().map(String::as_str), Some("topic"));
    }

    #[test]
    fn take_of_another_type_or_none_is_none() {
        assert_eq!(Extension::new(7u32).take::<String>(), None);
        assert_eq!(Extension::none().take::<String>(), None);
    }
}

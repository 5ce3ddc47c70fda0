//! The application streams an mqtt server turns each connection into, and that the next hop
//! (the mqtt client kind toward a broker, the mqtt-kafka proxy toward Kafka) consumes.
//!
//! The server never relays packets. Per connection it opens:
//!
//! * one **session** stream at CONNECT. Its `Begin` carries [`SessionBeginEx`]; the next hop
//!   accepts with a reply `Begin` carrying [`SessionAcceptedEx`] (→ CONNACK success) or refuses
//!   by resetting the initial direction with [`MqttResetEx`] (→ CONNACK with that reason code).
//!   Initial `End` = orderly DISCONNECT, the will is discarded; initial `Abort` = the connection
//!   ended abnormally (socket loss, keep-alive timeout, DISCONNECT 0x04, token expiry), the will
//!   is published. Before it ends, the server may send a `Flush` with [`SessionFlushEx`] (the
//!   session expiry a v5 DISCONNECT set). A reply `End`/`Abort` with an [`MqttResetEx`] is the
//!   next hop ending the session (takeover 0x8E, upstream gone 0x88, …) → v5 DISCONNECT with
//!   that code, then close. Reply `Data` with a [`MessageEx`] delivers a message that belongs to
//!   the session but to no open subscribe stream (queued messages of a resumed session).
//! * one **publish** stream per topic, opened on the first PUBLISH to it ([`PublishBeginEx`]).
//!   Each message is one `Data` (possibly fragmented) with a [`MessageEx`]. QoS 1/2 messages are
//!   acknowledged to the client (PUBACK/PUBREC) only when the next hop's window acknowledgement
//!   passes the end of that message: the next hop advances it when *its* next hop confirmed.
//!   After the client's PUBREL the server sends `Flush(PublishFlushEx::Release)`; the next hop
//!   answers with a reply `Flush(PublishFlushEx::Released)` → PUBCOMP. A reset carries an
//!   [`MqttResetEx`] → v5 DISCONNECT with that code.
//! * one **subscribe** stream per resolved route of a SUBSCRIBE ([`SubscribeBeginEx`] carries
//!   the packet id and the filters routed there). Later SUBSCRIBE/UNSUBSCRIBE changes to that
//!   route travel as initial `Flush(SubscribeFlushEx::Subscribe/Unsubscribe)`; each is answered
//!   by a reply `Flush(SubscribeFlushEx::Suback/Unsuback)` with per-filter reason codes, and the
//!   server answers the client once every route it split the packet over has answered. Reply
//!   `Data` with a [`MessageEx`] (topic set) is a message to deliver; the server acknowledges its
//!   window position when delivery completed (QoS 0: written; QoS 1: PUBACK; QoS 2: PUBREC), so
//!   the next hop can hold its own acknowledgement until then. Ending a subscribe stream does
//!   not unsubscribe: subscriptions belong to the session (a persistent one keeps them across
//!   connections); only `Unsubscribe` removes them.
//!
//! Every receiver grants its window with a padding of at least [`MESSAGE_PADDING`], and every
//! sender waits for that window before its first `Data`: acknowledgements are window positions,
//! and only a message that costs credit moves them, however empty its payload.
//!
//! Every extension rides in `zilla_engine::frame::Extension` and is read with `get::<T>()`.

use bytes::Bytes;

use crate::codec::QoS;

/// The credit each `Data` frame costs beyond its payload. Without it an empty message (a
/// retained-message deletion, say) would end where the previous one ended, and count as
/// acknowledged before the next hop even saw it.
pub const MESSAGE_PADDING: u32 = 1;

/// `Begin` extension of the initial direction of every mqtt application stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MqttBeginEx {
    Session(SessionBeginEx),
    Publish(PublishBeginEx),
    Subscribe(SubscribeBeginEx),
}

/// What a CONNECT asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionBeginEx {
    pub client_id: String,
    /// The server made the id up (the client sent an empty one).
    pub client_id_assigned: bool,
    pub clean_start: bool,
    /// Seconds the session outlives the connection (v3.1.1: 0 with clean session, else
    /// "forever", `u32::MAX`).
    pub session_expiry: u32,
    /// Seconds, as the server settled it (0 = off).
    pub keep_alive: u16,
    pub will: Option<WillMessage>,
    /// How many unacknowledged QoS 1/2 messages the client accepts at once.
    pub receive_maximum: u16,
    /// Largest packet the client accepts, if it said.
    pub maximum_packet_size: Option<u32>,
    /// Whether the client speaks MQTT 5 (a next hop may mirror it upstream).
    pub v5: bool,
    pub user_properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WillMessage {
    pub topic: String,
    pub payload: Bytes,
    pub qos: QoS,
    pub retain: bool,
    /// Seconds after the connection ends before the will is published.
    pub delay: u32,
    pub properties: MessageProperties,
}

/// The next hop's answer to a session `Begin`: what the server puts in its CONNACK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAcceptedEx {
    pub session_present: bool,
    /// Set when the next hop settled a different session expiry than asked.
    pub session_expiry: Option<u32>,
    pub maximum_qos: QoS,
    pub retain_available: bool,
    pub wildcard_subscription_available: bool,
    pub subscription_identifiers_available: bool,
    pub shared_subscription_available: bool,
    /// Largest packet the next hop accepts, if limited.
    pub maximum_packet_size: Option<u32>,
    /// How many unacknowledged QoS 1/2 publishes the next hop accepts at once.
    pub receive_maximum: u16,
    /// Set when the next hop settled a different keep-alive than asked (MQTT 5 Server Keep
    /// Alive), in seconds.
    pub server_keep_alive: Option<u16>,
    pub user_properties: Vec<(String, String)>,
}

impl Default for SessionAcceptedEx {
    fn default() -> Self {
        Self {
            session_present: false,
            session_expiry: None,
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            wildcard_subscription_available: true,
            subscription_identifiers_available: true,
            shared_subscription_available: true,
            maximum_packet_size: None,
            receive_maximum: u16::MAX,
            server_keep_alive: None,
            user_properties: Vec::new(),
        }
    }
}

/// `Flush` extension on the initial direction of a session stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionFlushEx {
    /// A v5 DISCONNECT changed the session expiry.
    Expiry(u32),
}

/// Why a stream was refused or ended: an MQTT 5 reason code (the server maps it to a 3.1.1
/// return code or a close for 3.1.1 clients).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttResetEx {
    pub reason_code: u8,
    pub reason: Option<String>,
    pub server_reference: Option<String>,
}

impl MqttResetEx {
    pub fn new(reason_code: u8) -> Self {
        Self {
            reason_code,
            reason: None,
            server_reference: None,
        }
    }
}

/// Opens the stream for one topic's publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishBeginEx {
    pub client_id: String,
    pub topic: String,
}

/// `Flush` extensions of a publish stream: the QoS 2 release handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishFlushEx {
    /// Initial: the client released this packet id (PUBREL).
    Release(u16),
    /// Reply: the release is complete downstream (→ PUBCOMP).
    Released(u16),
}

/// The properties a message carries end to end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageProperties {
    /// 0 = bytes, 1 = UTF-8 text.
    pub payload_format: Option<u8>,
    /// Seconds the message stays valid.
    pub message_expiry: Option<u32>,
    pub content_type: Option<String>,
    pub response_topic: Option<String>,
    pub correlation_data: Option<Bytes>,
    pub user_properties: Vec<(String, String)>,
}

impl MessageProperties {
    /// None of them is set, as on most messages.
    pub fn is_empty(&self) -> bool {
        self.payload_format.is_none()
            && self.message_expiry.is_none()
            && self.content_type.is_none()
            && self.response_topic.is_none()
            && self.correlation_data.is_none()
            && self.user_properties.is_empty()
    }
}

/// `Data` extension of a message, on the first fragment of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageEx {
    /// The topic; always set on delivered messages, may be empty on publish streams (the
    /// stream's topic applies).
    pub topic: String,
    pub qos: QoS,
    pub retain: bool,
    /// The client's packet id of a QoS 2 publish (to match its release), or the next hop's own
    /// id of a delivered message (for its bookkeeping); never the id the client sees.
    pub packet_id: Option<u16>,
    /// Subscription identifiers the next hop matched (delivered messages).
    pub subscription_ids: Vec<u32>,
    pub properties: MessageProperties,
}

/// Opens a subscribe stream for the filters of one SUBSCRIBE routed to one exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeBeginEx {
    pub client_id: String,
    pub packet_id: u16,
    pub filters: Vec<Filter>,
}

/// One subscription as the client asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// As written, including any `$share/{group}/` prefix.
    pub pattern: String,
    pub qos: QoS,
    pub no_local: bool,
    pub retain_as_published: bool,
    /// 0 = send retained at subscribe, 1 = only for a new subscription, 2 = don't send.
    pub retain_handling: u8,
    pub subscription_id: Option<u32>,
}

/// `Flush` extensions of a subscribe stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscribeFlushEx {
    /// Initial: more filters on this route.
    Subscribe {
        packet_id: u16,
        filters: Vec<Filter>,
    },
    /// Initial: filters removed from this route.
    Unsubscribe {
        packet_id: u16,
        patterns: Vec<String>,
    },
    /// Reply: one reason code per filter of the `Begin` or `Subscribe` with this packet id
    /// (the granted QoS, or a failure code ≥ 0x80).
    Suback {
        packet_id: u16,
        reason_codes: Vec<u8>,
    },
    /// Reply: one reason code per pattern of the `Unsubscribe` with this packet id.
    Unsuback {
        packet_id: u16,
        reason_codes: Vec<u8>,
    },
}

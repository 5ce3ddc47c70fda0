//! Which properties exist and which packets each one is allowed in (MQTT 5, table 2-4).

/// Identifiers of the properties, as they appear on the wire.
pub mod id {
    pub const PAYLOAD_FORMAT_INDICATOR: u8 = 0x01;
    pub const MESSAGE_EXPIRY_INTERVAL: u8 = 0x02;
    pub const CONTENT_TYPE: u8 = 0x03;
    pub const RESPONSE_TOPIC: u8 = 0x08;
    pub const CORRELATION_DATA: u8 = 0x09;
    pub const SUBSCRIPTION_IDENTIFIER: u8 = 0x0B;
    pub const SESSION_EXPIRY_INTERVAL: u8 = 0x11;
    pub const ASSIGNED_CLIENT_IDENTIFIER: u8 = 0x12;
    pub const SERVER_KEEP_ALIVE: u8 = 0x13;
    pub const AUTHENTICATION_METHOD: u8 = 0x15;
    pub const AUTHENTICATION_DATA: u8 = 0x16;
    pub const REQUEST_PROBLEM_INFORMATION: u8 = 0x17;
    pub const WILL_DELAY_INTERVAL: u8 = 0x18;
    pub const REQUEST_RESPONSE_INFORMATION: u8 = 0x19;
    pub const RESPONSE_INFORMATION: u8 = 0x1A;
    pub const SERVER_REFERENCE: u8 = 0x1C;
    pub const REASON_STRING: u8 = 0x1F;
    pub const RECEIVE_MAXIMUM: u8 = 0x21;
    pub const TOPIC_ALIAS_MAXIMUM: u8 = 0x22;
    pub const TOPIC_ALIAS: u8 = 0x23;
    pub const MAXIMUM_QOS: u8 = 0x24;
    pub const RETAIN_AVAILABLE: u8 = 0x25;
    pub const USER_PROPERTY: u8 = 0x26;
    pub const MAXIMUM_PACKET_SIZE: u8 = 0x27;
    pub const WILDCARD_SUBSCRIPTION_AVAILABLE: u8 = 0x28;
    pub const SUBSCRIPTION_IDENTIFIER_AVAILABLE: u8 = 0x29;
    pub const SHARED_SUBSCRIPTION_AVAILABLE: u8 = 0x2A;
}

/// Which packet (or part of one) a property list belongs to; it decides which properties are
/// allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyContext {
    Connect,
    Will,
    Connack,
    Publish,
    /// PUBACK, PUBREC, PUBREL and PUBCOMP.
    PublishAck,
    Subscribe,
    Suback,
    Unsubscribe,
    Unsuback,
    Disconnect,
    Auth,
}

impl PropertyContext {
    pub(crate) fn name(self) -> &'static str {
        match self {
            PropertyContext::Connect => "CONNECT",
            PropertyContext::Will => "will properties",
            PropertyContext::Connack => "CONNACK",
            PropertyContext::Publish => "PUBLISH",
            PropertyContext::PublishAck => "PUBACK/PUBREC/PUBREL/PUBCOMP",
            PropertyContext::Subscribe => "SUBSCRIBE",
            PropertyContext::Suback => "SUBACK",
            PropertyContext::Unsubscribe => "UNSUBSCRIBE",
            PropertyContext::Unsuback => "UNSUBACK",
            PropertyContext::Disconnect => "DISCONNECT",
            PropertyContext::Auth => "AUTH",
        }
    }

    /// Whether property `property` may appear here (specification table 2-4).
    pub fn allows(self, property: u8) -> bool {
        use PropertyContext::*;
        match property {
            id::PAYLOAD_FORMAT_INDICATOR
            | id::MESSAGE_EXPIRY_INTERVAL
            | id::CONTENT_TYPE
            | id::RESPONSE_TOPIC
            | id::CORRELATION_DATA => matches!(self, Publish | Will),
            id::SUBSCRIPTION_IDENTIFIER => matches!(self, Publish | Subscribe),
            id::SESSION_EXPIRY_INTERVAL => matches!(self, Connect | Connack | Disconnect),
            id::ASSIGNED_CLIENT_IDENTIFIER
            | id::SERVER_KEEP_ALIVE
            | id::RESPONSE_INFORMATION
            | id::MAXIMUM_QOS
            | id::RETAIN_AVAILABLE
            | id::WILDCARD_SUBSCRIPTION_AVAILABLE
            | id::SUBSCRIPTION_IDENTIFIER_AVAILABLE
            | id::SHARED_SUBSCRIPTION_AVAILABLE => self == Connack,
            id::AUTHENTICATION_METHOD | id::AUTHENTICATION_DATA => {
                matches!(self, Connect | Connack | Auth)
            }
            id::REQUEST_PROBLEM_INFORMATION | id::REQUEST_RESPONSE_INFORMATION => self == Connect,
            id::WILL_DELAY_INTERVAL => self == Will,
            id::SERVER_REFERENCE => matches!(self, Connack | Disconnect),
            id::REASON_STRING => matches!(
                self,
                Connack | PublishAck | Suback | Unsuback | Disconnect | Auth
            ),
            id::RECEIVE_MAXIMUM | id::TOPIC_ALIAS_MAXIMUM | id::MAXIMUM_PACKET_SIZE => {
                matches!(self, Connect | Connack)
            }
            id::TOPIC_ALIAS => self == Publish,
            id::USER_PROPERTY => true,
            _ => false,
        }
    }
}

/// Whether `property` is a property of any packet.
pub(crate) fn is_known(property: u8) -> bool {
    use PropertyContext::*;
    [
        Connect,
        Will,
        Connack,
        Publish,
        PublishAck,
        Subscribe,
        Suback,
        Unsubscribe,
        Unsuback,
        Disconnect,
        Auth,
    ]
    .iter()
    .any(|context| context.allows(property))
}

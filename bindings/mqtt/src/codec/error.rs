//! Why a packet could not be decoded or encoded.

use super::packet::PacketType;
use super::reason;

/// Why bytes from the network are not a valid packet. Every variant maps to the MQTT 5 reason
/// code the connection is closed with ([`DecodeError::reason_code`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("packet of {size} bytes exceeds the maximum packet size of {maximum}")]
    PacketTooLarge { size: usize, maximum: usize },
    #[error("variable byte integer longer than 4 bytes")]
    MalformedVariableInteger,
    #[error("reserved packet type {0}")]
    InvalidPacketType(u8),
    #[error("{packet:?} with fixed header flags {flags:#06b}")]
    InvalidFixedHeaderFlags { packet: PacketType, flags: u8 },
    #[error("packet ends before its content does")]
    Truncated,
    #[error("{0} bytes beyond the packet's content")]
    TrailingBytes(usize),
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    #[error("string contains U+0000")]
    NullCharacter,
    #[error("QoS 3 is not a quality of service")]
    InvalidQos,
    #[error("DUP set on a QoS 0 PUBLISH")]
    DupWithQos0,
    #[error("packet identifier 0")]
    ZeroPacketId,
    #[error("protocol name {0:?} is not MQTT")]
    InvalidProtocolName(String),
    #[error("protocol {name} level {level} is not supported")]
    UnsupportedProtocolVersion { name: String, level: u8 },
    #[error("reserved CONNECT flag set")]
    ReservedConnectFlag,
    #[error("will QoS or retain set without the will flag")]
    WillFlagsWithoutWill,
    #[error("password without user name")]
    PasswordWithoutUsername,
    #[error("reserved bits set in {0:?}")]
    ReservedBits(PacketType),
    #[error("retain handling 3 is reserved")]
    InvalidRetainHandling,
    #[error("No Local set on a shared subscription")]
    NoLocalOnSharedSubscription,
    #[error("{0:?} without any topic filter")]
    NoTopicFilters(PacketType),
    #[error("unknown property identifier {0:#04x}")]
    UnknownProperty(u32),
    #[error("property {id:#04x} is not allowed in {context}")]
    PropertyNotAllowed { id: u8, context: &'static str },
    #[error("property {0:#04x} appears more than once")]
    DuplicateProperty(u8),
    #[error("property {0:#04x} has an invalid value")]
    InvalidPropertyValue(u8),
    #[error("topic alias 0")]
    InvalidTopicAlias,
    #[error("topic name is invalid")]
    InvalidTopicName,
    #[error("empty topic name without a topic alias")]
    EmptyTopicWithoutAlias,
}

impl DecodeError {
    /// The MQTT 5 reason code to close the connection with (DISCONNECT, or CONNACK while
    /// connecting).
    pub fn reason_code(&self) -> u8 {
        use DecodeError::*;
        match self {
            PacketTooLarge { .. } => reason::PACKET_TOO_LARGE,
            InvalidProtocolName(_) | UnsupportedProtocolVersion { .. } => {
                reason::UNSUPPORTED_PROTOCOL_VERSION
            }
            InvalidTopicAlias => reason::TOPIC_ALIAS_INVALID,
            InvalidTopicName => reason::TOPIC_NAME_INVALID,
            ZeroPacketId
            | InvalidRetainHandling
            | NoLocalOnSharedSubscription
            | NoTopicFilters(_)
            | PropertyNotAllowed { .. }
            | DuplicateProperty(_)
            | InvalidPropertyValue(_)
            | EmptyTopicWithoutAlias => reason::PROTOCOL_ERROR,
            MalformedVariableInteger
            | InvalidPacketType(_)
            | InvalidFixedHeaderFlags { .. }
            | Truncated
            | TrailingBytes(_)
            | InvalidUtf8
            | NullCharacter
            | InvalidQos
            | DupWithQos0
            | ReservedConnectFlag
            | WillFlagsWithoutWill
            | PasswordWithoutUsername
            | ReservedBits(_)
            | UnknownProperty(_) => reason::MALFORMED_PACKET,
        }
    }

    /// The MQTT 3.1.1 CONNACK return code to refuse a CONNECT with, when there is one; any other
    /// error in 3.1.1 just closes the connection.
    pub fn v3_connack_code(&self) -> Option<u8> {
        match self {
            DecodeError::UnsupportedProtocolVersion { .. } => {
                Some(reason::v3::UNACCEPTABLE_PROTOCOL_VERSION)
            }
            _ => None,
        }
    }
}

/// Why a packet could not be encoded: a value that the wire format cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("string or binary of {0} bytes exceeds 65535")]
    TooLong(usize),
    #[error("remaining length {0} exceeds 268435455")]
    RemainingLengthTooLarge(usize),
    #[error("variable byte integer value {0} exceeds 268435455")]
    VariableIntegerTooLarge(u32),
    #[error("QoS {qos:?} PUBLISH with packet identifier present: {has_packet_id}")]
    PacketIdMismatch {
        qos: super::packet::QoS,
        has_packet_id: bool,
    },
    #[error("{0:?} needs at least one topic filter")]
    NoTopicFilters(PacketType),
    #[error("packet of {size} bytes exceeds the peer's maximum packet size of {maximum}")]
    PacketTooLarge { size: usize, maximum: usize },
    #[error("{0:?} does not exist in MQTT 3.1.1")]
    NotInVersion(PacketType),
}

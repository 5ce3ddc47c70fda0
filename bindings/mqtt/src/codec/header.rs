//! The fixed header: packet type, flags and remaining length, checked before any of the body
//! is buffered.

use super::error::DecodeError;
use super::packet::PacketType;
use super::version::ProtocolVersion;
use super::wire::read_variable_integer;

/// The fixed header of a packet at the front of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedHeader {
    pub packet_type: PacketType,
    /// The low four bits of the first byte.
    pub flags: u8,
    pub remaining_length: usize,
    /// Bytes the fixed header itself takes (2 to 5).
    pub header_len: usize,
}

impl FixedHeader {
    /// Size of the whole packet, fixed header included: what Maximum Packet Size limits.
    pub fn packet_len(&self) -> usize {
        self.header_len.saturating_add(self.remaining_length)
    }
}

/// Flags every packet type but PUBLISH must carry.
fn required_flags(packet_type: PacketType) -> u8 {
    match packet_type {
        PacketType::Pubrel | PacketType::Subscribe | PacketType::Unsubscribe => 0b0010,
        _ => 0,
    }
}

/// Checks the first byte on its own, so that garbage is refused before its length is read.
fn check_first_byte(byte: u8, version: ProtocolVersion) -> Result<(PacketType, u8), DecodeError> {
    let value = byte >> 4;
    let flags = byte & 0x0F;
    let packet_type = PacketType::from_byte(value)
        .filter(|packet_type| *packet_type != PacketType::Auth || version.is_v5())
        .ok_or(DecodeError::InvalidPacketType(value))?;
    match packet_type {
        PacketType::Publish => {
            if (flags >> 1) & 0x03 == 0x03 {
                return Err(DecodeError::InvalidQos);
            }
        }
        other => {
            if flags != required_flags(other) {
                return Err(DecodeError::InvalidFixedHeaderFlags {
                    packet: other,
                    flags,
                });
            }
        }
    }
    Ok((packet_type, flags))
}

/// Reads the fixed header at the start of `bytes` without consuming anything: `Ok(None)` when
/// more bytes are needed to know it.
pub fn peek_header(
    bytes: &[u8],
    version: ProtocolVersion,
) -> Result<Option<FixedHeader>, DecodeError> {
    let Some((first, rest)) = bytes.split_first() else {
        return Ok(None);
    };
    let (packet_type, flags) = check_first_byte(*first, version)?;
    let Some((remaining_length, length_len)) = read_variable_integer(rest)? else {
        return Ok(None);
    };
    Ok(Some(FixedHeader {
        packet_type,
        flags,
        remaining_length: remaining_length as usize,
        header_len: length_len.saturating_add(1),
    }))
}

/// The first byte of a packet.
pub(crate) fn first_byte(packet_type: PacketType, flags: u8) -> u8 {
    ((packet_type as u8) << 4) | (flags & 0x0F)
}

pub(crate) fn flags_for(packet_type: PacketType) -> u8 {
    required_flags(packet_type)
}

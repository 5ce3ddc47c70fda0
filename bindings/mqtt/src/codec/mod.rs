//! The MQTT 3.1.1 and 5.0 packet codec.
//!
//! Decoding is check-then-parse: the fixed header is read first, a packet larger than the
//! maximum is refused before any of its body is buffered, and a packet is parsed only once all
//! of it has arrived. Nothing read from the network can make it panic.

mod connect;
pub mod error;
mod fuzz;
pub mod header;
mod input;
pub mod packet;
pub mod properties;
mod property_context;
mod publish;
pub mod reason;
mod subscribe;
pub mod version;
mod wire;

use bytes::{BufMut, Bytes, BytesMut};

pub use error::{DecodeError, EncodeError};
pub use fuzz::fuzz_decode;
pub use header::{peek_header, FixedHeader};
pub use input::PacketInput;
pub use packet::*;
pub use properties::{Properties, PropertyContext, PropertySet};
pub use version::ProtocolVersion;
pub use wire::MAX_VARIABLE_INTEGER;

use publish::{decode_short_reason, encode_short_reason};
use wire::{length_value, variable_integer_len, Counter, Reader, Sink};

/// Decodes the packet at the front of `buf`, removing it from `buf`.
///
/// Returns `Ok(None)` while more bytes are needed. `version` is the one CONNECT negotiated;
/// CONNECT itself is decoded whatever `version` says. `max_packet_size` bounds the whole
/// packet, fixed header included: a larger one fails with [`DecodeError::PacketTooLarge`] as
/// soon as its fixed header is complete, so the caller can close without reading the rest.
pub fn decode(
    buf: &mut BytesMut,
    version: ProtocolVersion,
    max_packet_size: usize,
) -> Result<Option<Packet>, DecodeError> {
    let Some((header, size)) = complete_packet(buf, version, max_packet_size)? else {
        return Ok(None);
    };
    if buf.len() < size {
        buf.reserve(size.saturating_sub(buf.len()));
        return Ok(None);
    }
    decode_packet(&header, buf.split_to(size).freeze(), version).map(Some)
}

/// [`decode`] from bytes that are not added to: the packet's fields share `buf`'s memory
/// instead of a copy of it. An incomplete packet is left in `buf`.
pub fn decode_bytes(
    buf: &mut Bytes,
    version: ProtocolVersion,
    max_packet_size: usize,
) -> Result<Option<Packet>, DecodeError> {
    match complete_packet(buf, version, max_packet_size)? {
        Some((header, size)) if buf.len() >= size => {
            decode_packet(&header, buf.split_to(size), version).map(Some)
        }
        _ => Ok(None),
    }
}

/// The fixed header at the front of `buf`, once complete, and the size of its whole packet.
fn complete_packet(
    buf: &[u8],
    version: ProtocolVersion,
    max_packet_size: usize,
) -> Result<Option<(FixedHeader, usize)>, DecodeError> {
    let Some(header) = peek_header(buf, version)? else {
        return Ok(None);
    };
    let size = header.packet_len();
    if size > max_packet_size {
        return Err(DecodeError::PacketTooLarge {
            size,
            maximum: max_packet_size,
        });
    }
    Ok(Some((header, size)))
}

/// Decodes one whole packet, `frame`, fixed header included.
fn decode_packet(
    header: &FixedHeader,
    mut frame: Bytes,
    version: ProtocolVersion,
) -> Result<Packet, DecodeError> {
    let body = frame.split_off(header.header_len.min(frame.len()));
    let mut reader = Reader::new(body);
    let packet = decode_body(header, &mut reader, version)?;
    if !reader.is_empty() {
        return Err(DecodeError::TrailingBytes(reader.remaining()));
    }
    Ok(packet)
}

fn decode_body(
    header: &FixedHeader,
    reader: &mut Reader,
    version: ProtocolVersion,
) -> Result<Packet, DecodeError> {
    use PacketType as T;
    Ok(match header.packet_type {
        T::Connect => Packet::Connect(Box::new(connect::decode_connect(reader)?)),
        T::Connack => Packet::Connack(connect::decode_connack(reader, version)?),
        T::Publish => Packet::Publish(publish::decode_publish(header.flags, reader, version)?),
        T::Puback => Packet::Puback(publish::decode_publish_ack(reader, version)?),
        T::Pubrec => Packet::Pubrec(publish::decode_publish_ack(reader, version)?),
        T::Pubrel => Packet::Pubrel(publish::decode_publish_ack(reader, version)?),
        T::Pubcomp => Packet::Pubcomp(publish::decode_publish_ack(reader, version)?),
        T::Subscribe => Packet::Subscribe(subscribe::decode_subscribe(reader, version)?),
        T::Suback => Packet::Suback(subscribe::decode_suback(reader, version)?),
        T::Unsubscribe => Packet::Unsubscribe(subscribe::decode_unsubscribe(reader, version)?),
        T::Unsuback => Packet::Unsuback(subscribe::decode_unsuback(reader, version)?),
        T::Pingreq => Packet::Pingreq,
        T::Pingresp => Packet::Pingresp,
        T::Disconnect => {
            let (reason_code, properties) =
                decode_short_reason(reader, version, PropertyContext::Disconnect)?;
            Packet::Disconnect(Disconnect {
                reason_code,
                properties,
            })
        }
        T::Auth => {
            let (reason_code, properties) =
                decode_short_reason(reader, version, PropertyContext::Auth)?;
            Packet::Auth(Auth {
                reason_code,
                properties,
            })
        }
    })
}

fn header_flags(packet: &Packet) -> u8 {
    match packet {
        Packet::Publish(publish) => publish::publish_flags(publish),
        other => header::flags_for(other.packet_type()),
    }
}

fn encode_body(
    packet: &Packet,
    version: ProtocolVersion,
    sink: &mut impl Sink,
) -> Result<(), EncodeError> {
    match packet {
        Packet::Connect(connect) => connect::encode_connect(connect, sink),
        Packet::Connack(connack) => connect::encode_connack(connack, version, sink),
        Packet::Publish(publish) => publish::encode_publish(publish, version, sink),
        Packet::Puback(ack) | Packet::Pubrec(ack) | Packet::Pubrel(ack) | Packet::Pubcomp(ack) => {
            publish::encode_publish_ack(ack, version, sink)
        }
        Packet::Subscribe(subscribe) => subscribe::encode_subscribe(subscribe, version, sink),
        Packet::Suback(suback) => subscribe::encode_suback(suback, version, sink),
        Packet::Unsubscribe(unsubscribe) => {
            subscribe::encode_unsubscribe(unsubscribe, version, sink)
        }
        Packet::Unsuback(unsuback) => subscribe::encode_unsuback(unsuback, version, sink),
        Packet::Pingreq | Packet::Pingresp => Ok(()),
        Packet::Disconnect(disconnect) => encode_short_reason(
            disconnect.reason_code,
            &disconnect.properties,
            version,
            sink,
        ),
        Packet::Auth(auth) => {
            if version == ProtocolVersion::V3_1_1 {
                return Err(EncodeError::NotInVersion(PacketType::Auth));
            }
            encode_short_reason(auth.reason_code, &auth.properties, version, sink)
        }
    }
}

fn body_len(packet: &Packet, version: ProtocolVersion) -> Result<usize, EncodeError> {
    let mut counter = Counter::default();
    encode_body(packet, version, &mut counter)?;
    Ok(counter.len)
}

/// Size of `packet` once encoded, fixed header included.
pub fn encoded_len(packet: &Packet, version: ProtocolVersion) -> Result<usize, EncodeError> {
    let body = body_len(packet, version)?;
    Ok(body
        .saturating_add(variable_integer_len(body)?)
        .saturating_add(1))
}

/// Appends `packet` to `buf`.
pub fn encode(
    packet: &Packet,
    version: ProtocolVersion,
    buf: &mut BytesMut,
) -> Result<(), EncodeError> {
    encode_within(packet, version, usize::MAX, buf)
}

/// Appends `packet` to `buf` unless it would exceed `max_packet_size` (the peer's Maximum
/// Packet Size); on error nothing is written.
pub fn encode_within(
    packet: &Packet,
    version: ProtocolVersion,
    max_packet_size: usize,
    buf: &mut BytesMut,
) -> Result<(), EncodeError> {
    let body = body_len(packet, version)?;
    let remaining = length_value(body)?;
    let size = body
        .saturating_add(variable_integer_len(body)?)
        .saturating_add(1);
    if size > max_packet_size {
        return Err(EncodeError::PacketTooLarge {
            size,
            maximum: max_packet_size,
        });
    }
    buf.reserve(size);
    BufMut::put_u8(
        buf,
        header::first_byte(packet.packet_type(), header_flags(packet)),
    );
    buf.put_variable_integer(remaining)?;
    encode_body(packet, version, buf)
}

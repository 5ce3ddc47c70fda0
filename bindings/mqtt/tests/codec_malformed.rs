//! Malformed input: each case fails with the right error (and reason code), never a panic.

use bytes::BytesMut;
use zilla_binding_mqtt::codec::*;

const V3: ProtocolVersion = ProtocolVersion::V3_1_1;
const V5: ProtocolVersion = ProtocolVersion::V5;

/// A packet: first byte, remaining length, body.
fn frame(first: u8, body: &[u8]) -> Vec<u8> {
    let mut bytes = vec![first];
    let mut len = body.len();
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        bytes.push(byte);
        if len == 0 {
            break;
        }
    }
    bytes.extend_from_slice(body);
    bytes
}

fn decode_all(bytes: &[u8], version: ProtocolVersion) -> Result<Option<Packet>, DecodeError> {
    decode(&mut BytesMut::from(bytes), version, 1 << 20)
}

fn fails(bytes: &[u8], version: ProtocolVersion, expected: DecodeError, code: u8) {
    let error = decode_all(bytes, version).err();
    assert_eq!(error.as_ref(), Some(&expected), "{bytes:02x?}");
    assert_eq!(expected.reason_code(), code, "{expected}");
}

/// CONNECT body: protocol name and level, flags, keep-alive, then `rest`.
fn connect_body(name: &str, level: u8, flags: u8, rest: &[u8]) -> Vec<u8> {
    let mut body = vec![0, name.len() as u8];
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(&[level, flags, 0, 60]);
    body.extend_from_slice(rest);
    body
}

#[test]
fn incomplete_input_asks_for_more() {
    for bytes in [&b""[..], b"\x10", b"\x10\x0d\x00\x04MQ", b"\x30\x80"] {
        assert_eq!(decode_all(bytes, V5), Ok(None), "{bytes:02x?}");
    }
}

#[test]
fn content_shorter_than_its_fields() {
    fails(&frame(0x10, b"\x00\x04"), V5, DecodeError::Truncated, 0x81);
    fails(&frame(0x40, b"\x00"), V5, DecodeError::Truncated, 0x81);
    // A property length pointing past the packet.
    fails(
        &frame(0x30, b"\x00\x01a\x05\x01"),
        V5,
        DecodeError::Truncated,
        0x81,
    );
}

#[test]
fn content_longer_than_the_packet_needs() {
    fails(
        &frame(0xC0, b"\x00"),
        V5,
        DecodeError::TrailingBytes(1),
        0x81,
    );
    fails(
        &frame(0x40, b"\x00\x01\x00"),
        V3,
        DecodeError::TrailingBytes(1),
        0x81,
    );
    fails(
        &frame(0xE0, b"\x00"),
        V3,
        DecodeError::TrailingBytes(1),
        0x81,
    );
}

#[test]
fn overlong_variable_byte_integer() {
    let error = DecodeError::MalformedVariableInteger;
    fails(b"\x30\xff\xff\xff\xff\x01", V5, error.clone(), 0x81);
    // Refused as soon as the fourth length byte still continues.
    fails(b"\x30\xff\xff\xff\xff", V5, error, 0x81);
}

#[test]
fn bad_fixed_header_flags() {
    for (first, packet) in [
        (0x60, PacketType::Pubrel),
        (0x80, PacketType::Subscribe),
        (0xA0, PacketType::Unsubscribe),
        (0xC1, PacketType::Pingreq),
        (0x11, PacketType::Connect),
        (0x42, PacketType::Puback),
    ] {
        let flags = first & 0x0F;
        fails(
            &[first, 0],
            V5,
            DecodeError::InvalidFixedHeaderFlags { packet, flags },
            0x81,
        );
    }
    fails(b"\x00\x00", V5, DecodeError::InvalidPacketType(0), 0x81);
    fails(b"\xf0\x00", V3, DecodeError::InvalidPacketType(15), 0x81);
}

#[test]
fn bad_strings() {
    fails(
        &frame(0x30, b"\x00\x01\xff"),
        V3,
        DecodeError::InvalidUtf8,
        0x81,
    );
    fails(
        &frame(0x30, b"\x00\x03\xed\xa0\x80"),
        V3,
        DecodeError::InvalidUtf8,
        0x81,
    );
    fails(
        &frame(0x30, b"\x00\x01\x00"),
        V3,
        DecodeError::NullCharacter,
        0x81,
    );
}

#[test]
fn properties_once_and_only_where_allowed() {
    let twice = b"\x00\x01a\x0a\x02\x00\x00\x00\x01\x02\x00\x00\x00\x02";
    fails(
        &frame(0x30, twice),
        V5,
        DecodeError::DuplicateProperty(0x02),
        0x82,
    );
    let session_expiry = b"\x00\x01a\x05\x11\x00\x00\x00\x01";
    let not_allowed = DecodeError::PropertyNotAllowed {
        id: 0x11,
        context: "PUBLISH",
    };
    fails(&frame(0x30, session_expiry), V5, not_allowed, 0x82);
    fails(
        &frame(0x30, b"\x00\x01a\x02\x7f\x00"),
        V5,
        DecodeError::UnknownProperty(0x7f),
        0x81,
    );
    // Subscription Identifier: several in PUBLISH, one in SUBSCRIBE, never 0.
    let several = frame(0x30, b"\x00\x01a\x04\x0b\x01\x0b\x02");
    assert!(decode_all(&several, V5).is_ok());
    let in_subscribe = b"\x00\x01\x04\x0b\x01\x0b\x02\x00\x01a\x00";
    fails(
        &frame(0x82, in_subscribe),
        V5,
        DecodeError::DuplicateProperty(0x0b),
        0x82,
    );
    let zero = b"\x00\x01a\x02\x0b\x00";
    fails(
        &frame(0x30, zero),
        V5,
        DecodeError::InvalidPropertyValue(0x0b),
        0x82,
    );
    let receive_maximum_zero = connect_body("MQTT", 5, 0x02, b"\x03\x21\x00\x00\x00\x00");
    let error = DecodeError::InvalidPropertyValue(0x21);
    fails(&frame(0x10, &receive_maximum_zero), V5, error, 0x82);
    fails(
        &frame(0x30, b"\x00\x01a\x03\x23\x00\x00"),
        V5,
        DecodeError::InvalidTopicAlias,
        0x94,
    );
    // A will property is not a CONNECT property.
    let will_delay = connect_body("MQTT", 5, 0x02, b"\x05\x18\x00\x00\x00\x01\x00\x00");
    let error = DecodeError::PropertyNotAllowed {
        id: 0x18,
        context: "CONNECT",
    };
    fails(&frame(0x10, &will_delay), V5, error, 0x82);
}

#[test]
fn publish_qos_dup_and_packet_ids() {
    fails(
        &frame(0x36, b"\x00\x01a\x00\x01"),
        V5,
        DecodeError::InvalidQos,
        0x81,
    );
    fails(
        &frame(0x38, b"\x00\x01a"),
        V5,
        DecodeError::DupWithQos0,
        0x81,
    );
    fails(
        &frame(0x32, b"\x00\x01a\x00\x00"),
        V3,
        DecodeError::ZeroPacketId,
        0x82,
    );
    fails(
        &frame(0x40, b"\x00\x00"),
        V5,
        DecodeError::ZeroPacketId,
        0x82,
    );
    fails(
        &frame(0x82, b"\x00\x00\x00\x01a\x00"),
        V3,
        DecodeError::ZeroPacketId,
        0x82,
    );
    fails(
        &frame(0xB0, b"\x00\x00"),
        V3,
        DecodeError::ZeroPacketId,
        0x82,
    );
}

#[test]
fn publish_topic_names() {
    fails(
        &frame(0x30, b"\x00\x03a/#"),
        V3,
        DecodeError::InvalidTopicName,
        0x90,
    );
    fails(
        &frame(0x30, b"\x00\x00"),
        V3,
        DecodeError::InvalidTopicName,
        0x90,
    );
    fails(
        &frame(0x30, b"\x00\x00\x00"),
        V5,
        DecodeError::EmptyTopicWithoutAlias,
        0x82,
    );
    assert!(decode_all(&frame(0x30, b"\x00\x00\x03\x23\x00\x01"), V5).is_ok());
}

#[test]
fn connect_protocol_and_flags() {
    let mqisdp = connect_body("MQIsdp", 3, 0x02, b"\x00\x01a");
    let error = DecodeError::UnsupportedProtocolVersion {
        name: "MQIsdp".into(),
        level: 3,
    };
    assert_eq!(
        error.v3_connack_code(),
        Some(reason::v3::UNACCEPTABLE_PROTOCOL_VERSION)
    );
    fails(&frame(0x10, &mqisdp), V3, error, 0x84);
    let level_6 = connect_body("MQTT", 6, 0x02, b"\x00\x01a");
    let error = DecodeError::UnsupportedProtocolVersion {
        name: "MQTT".into(),
        level: 6,
    };
    fails(&frame(0x10, &level_6), V5, error, 0x84);
    let other = connect_body("HTTP", 4, 0x02, b"\x00\x01a");
    fails(
        &frame(0x10, &other),
        V5,
        DecodeError::InvalidProtocolName("HTTP".into()),
        0x84,
    );

    let reserved = connect_body("MQTT", 4, 0x03, b"\x00\x01a");
    fails(
        &frame(0x10, &reserved),
        V3,
        DecodeError::ReservedConnectFlag,
        0x81,
    );
    for flags in [0x22, 0x0a, 0x12] {
        let will_bits = connect_body("MQTT", 4, flags, b"\x00\x01a");
        fails(
            &frame(0x10, &will_bits),
            V3,
            DecodeError::WillFlagsWithoutWill,
            0x81,
        );
    }
    let will_qos_3 = connect_body("MQTT", 4, 0x1e, b"\x00\x01a\x00\x01t\x00\x00");
    fails(&frame(0x10, &will_qos_3), V3, DecodeError::InvalidQos, 0x81);
    let will_wildcard = connect_body("MQTT", 4, 0x06, b"\x00\x01a\x00\x01#\x00\x00");
    fails(
        &frame(0x10, &will_wildcard),
        V3,
        DecodeError::InvalidTopicName,
        0x90,
    );

    let password_only_v3 = connect_body("MQTT", 4, 0x42, b"\x00\x01a\x00\x01p");
    fails(
        &frame(0x10, &password_only_v3),
        V3,
        DecodeError::PasswordWithoutUsername,
        0x81,
    );
    let password_only_v5 = connect_body("MQTT", 5, 0x42, b"\x00\x00\x01a\x00\x01p");
    assert!(decode_all(&frame(0x10, &password_only_v5), V5).is_ok());
}

#[test]
fn subscribe_options_and_filters() {
    let error = DecodeError::ReservedBits(PacketType::Subscribe);
    fails(
        &frame(0x82, b"\x00\x01\x00\x00\x01a\xc0"),
        V5,
        error.clone(),
        0x81,
    );
    fails(&frame(0x82, b"\x00\x01\x00\x01a\x04"), V3, error, 0x81);
    fails(
        &frame(0x82, b"\x00\x01\x00\x00\x01a\x03"),
        V5,
        DecodeError::InvalidQos,
        0x81,
    );
    let retain_handling_3 = b"\x00\x01\x00\x00\x01a\x30";
    fails(
        &frame(0x82, retain_handling_3),
        V5,
        DecodeError::InvalidRetainHandling,
        0x82,
    );
    let shared_no_local = b"\x00\x01\x00\x00\x0a$share/g/a\x04";
    let error = DecodeError::NoLocalOnSharedSubscription;
    fails(&frame(0x82, shared_no_local), V5, error, 0x82);
    let error = DecodeError::NoTopicFilters(PacketType::Subscribe);
    fails(&frame(0x82, b"\x00\x01"), V3, error, 0x82);
    let error = DecodeError::NoTopicFilters(PacketType::Unsubscribe);
    fails(&frame(0xA2, b"\x00\x01\x00"), V5, error, 0x82);
}

#[test]
fn connack_reserved_flags() {
    let error = DecodeError::ReservedBits(PacketType::Connack);
    fails(&frame(0x20, b"\x02\x00"), V3, error, 0x81);
}

#[test]
fn too_large_is_known_from_the_fixed_header_alone() {
    // Only the fixed header has arrived: 2 097 151 bytes declared.
    let mut buf = BytesMut::from(&b"\x30\xff\xff\x7f"[..]);
    let result = decode(&mut buf, V5, 1024);
    let error = DecodeError::PacketTooLarge {
        size: 2_097_155,
        maximum: 1024,
    };
    assert_eq!(result, Err(error.clone()));
    assert_eq!(error.reason_code(), reason::PACKET_TOO_LARGE);
    // A packet of exactly the maximum size is fine.
    let exact = frame(0x30, b"\x00\x01a12");
    let mut buf = BytesMut::from(&exact[..]);
    assert!(matches!(decode(&mut buf, V3, exact.len()), Ok(Some(_))));
    let mut buf = BytesMut::from(&exact[..]);
    let result = decode(&mut buf, V3, exact.len() - 1);
    assert!(matches!(result, Err(DecodeError::PacketTooLarge { .. })));
}

//! Byte-exact encodings, laid out by hand from the specification.

mod common;

use bytes::Bytes;
use common::{decode_one, encode_one, id};
use zilla_binding_mqtt::codec::*;

fn check(packet: Packet, version: ProtocolVersion, expected: &[u8]) {
    assert_eq!(&encode_one(&packet, version)[..], expected, "{packet:?}");
    assert_eq!(decode_one(expected, version), Ok(packet));
}

fn minimal_connect(protocol: ProtocolVersion) -> Packet {
    Packet::Connect(Box::new(Connect {
        protocol,
        clean_start: true,
        keep_alive: 60,
        properties: Properties::default(),
        client_id: "a".into(),
        will: None,
        username: None,
        password: None,
    }))
}

#[test]
fn connect_v3() {
    let expected = b"\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01a";
    check(
        minimal_connect(ProtocolVersion::V3_1_1),
        ProtocolVersion::V3_1_1,
        expected,
    );
}

#[test]
fn connect_v5_has_an_empty_property_list() {
    let expected = b"\x10\x0e\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x01a";
    check(
        minimal_connect(ProtocolVersion::V5),
        ProtocolVersion::V5,
        expected,
    );
}

#[test]
fn connack_v5_with_assigned_client_id() {
    let packet = Packet::Connack(Connack {
        session_present: true,
        reason_code: 0,
        properties: Properties::from(PropertySet {
            assigned_client_identifier: Some("x".into()),
            ..PropertySet::default()
        }),
    });
    check(
        packet,
        ProtocolVersion::V5,
        b"\x20\x07\x01\x00\x04\x12\x00\x01x",
    );
}

#[test]
fn publish_qos1_v3() {
    let packet = Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtLeastOnce,
        retain: false,
        topic: "a/b".into(),
        packet_id: Some(id(10)),
        properties: Properties::default(),
        payload: Bytes::from_static(b"hi"),
    });
    check(
        packet,
        ProtocolVersion::V3_1_1,
        b"\x32\x09\x00\x03a/b\x00\x0ahi",
    );
}

#[test]
fn publish_with_two_byte_remaining_length() {
    let payload = Bytes::from(vec![0x55; 200]);
    let packet = Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: true,
        topic: "t".into(),
        packet_id: None,
        properties: Properties::default(),
        payload: payload.clone(),
    });
    let mut expected = b"\x31\xcb\x01\x00\x01t".to_vec();
    expected.extend_from_slice(&payload);
    check(packet, ProtocolVersion::V3_1_1, &expected);
}

#[test]
fn puback_short_forms_v5() {
    let success = Packet::Puback(PublishAck::success(id(10)));
    check(success, ProtocolVersion::V5, b"\x40\x02\x00\x0a");
    let no_subscribers = Packet::Puback(PublishAck {
        reason_code: reason::NO_MATCHING_SUBSCRIBERS,
        ..PublishAck::success(id(10))
    });
    check(no_subscribers, ProtocolVersion::V5, b"\x40\x03\x00\x0a\x10");
    // A reason code with an empty property list is the same packet as without the list.
    let long_form = decode_one(b"\x40\x04\x00\x0a\x00\x00", ProtocolVersion::V5);
    assert_eq!(long_form, Ok(Packet::Puback(PublishAck::success(id(10)))));
}

#[test]
fn pubrel_carries_its_fixed_flags() {
    let packet = Packet::Pubrel(PublishAck::success(id(1)));
    check(packet, ProtocolVersion::V3_1_1, b"\x62\x02\x00\x01");
}

#[test]
fn subscribe_v5_options_byte() {
    let packet = Packet::Subscribe(Subscribe {
        packet_id: id(1),
        properties: Properties::default(),
        subscriptions: vec![Subscription {
            filter: "a/b".into(),
            options: SubscriptionOptions {
                qos: QoS::AtLeastOnce,
                no_local: true,
                retain_as_published: true,
                retain_handling: RetainHandling::DoNotSend,
            },
        }],
    });
    check(
        packet,
        ProtocolVersion::V5,
        b"\x82\x09\x00\x01\x00\x00\x03a/b\x2d",
    );
}

#[test]
fn suback_and_unsuback_v3() {
    let suback = Packet::Suback(Suback {
        packet_id: id(1),
        properties: Properties::default(),
        reason_codes: vec![0x00, 0x80],
    });
    check(suback, ProtocolVersion::V3_1_1, b"\x90\x04\x00\x01\x00\x80");
    let unsuback = Packet::Unsuback(Unsuback {
        packet_id: id(1),
        properties: Properties::default(),
        reason_codes: Vec::new(),
    });
    check(unsuback, ProtocolVersion::V3_1_1, b"\xb0\x02\x00\x01");
}

#[test]
fn empty_packets() {
    check(Packet::Pingreq, ProtocolVersion::V5, b"\xc0\x00");
    check(Packet::Pingresp, ProtocolVersion::V3_1_1, b"\xd0\x00");
    let normal = Packet::Disconnect(Disconnect::default());
    check(normal.clone(), ProtocolVersion::V5, b"\xe0\x00");
    check(normal, ProtocolVersion::V3_1_1, b"\xe0\x00");
    let shutdown = Packet::Disconnect(Disconnect {
        reason_code: reason::SERVER_SHUTTING_DOWN,
        properties: Properties::default(),
    });
    check(shutdown, ProtocolVersion::V5, b"\xe0\x01\x8b");
    check(
        Packet::Auth(Auth::default()),
        ProtocolVersion::V5,
        b"\xf0\x00",
    );
}

//! Sample packets shared by the codec tests and the fuzz seed corpus.

#![allow(dead_code)]

use bytes::{Bytes, BytesMut};
use zilla_binding_mqtt::codec::*;

pub fn id(value: u16) -> PacketId {
    PacketId::new(value).unwrap_or(PacketId::MIN)
}

pub fn encode_one(packet: &Packet, version: ProtocolVersion) -> BytesMut {
    let mut buf = BytesMut::new();
    encode(packet, version, &mut buf).unwrap_or_else(|e| panic!("encode {packet:?}: {e}"));
    buf
}

pub fn decode_one(bytes: &[u8], version: ProtocolVersion) -> Result<Packet, DecodeError> {
    let mut buf = BytesMut::from(bytes);
    match decode(&mut buf, version, 1 << 20)? {
        Some(packet) => {
            assert!(buf.is_empty(), "bytes left after one packet");
            Ok(packet)
        }
        None => panic!("packet incomplete: {bytes:02x?}"),
    }
}

fn user_properties() -> Vec<(String, String)> {
    vec![("a".into(), "1".into()), ("a".into(), "2".into())]
}

fn v5_only(version: ProtocolVersion, properties: Properties) -> Properties {
    if version.is_v5() {
        properties
    } else {
        Properties::default()
    }
}

pub fn connect(version: ProtocolVersion) -> Packet {
    Packet::Connect(Box::new(Connect {
        protocol: version,
        clean_start: true,
        keep_alive: 60,
        properties: v5_only(
            version,
            Properties::from(PropertySet {
                session_expiry_interval: Some(30),
                receive_maximum: Some(10),
                maximum_packet_size: Some(4096),
                topic_alias_maximum: Some(5),
                request_response_information: Some(true),
                request_problem_information: Some(false),
                authentication_method: Some("token".into()),
                authentication_data: Some(Bytes::from_static(b"\x00\x01")),
                user_properties: user_properties(),
                ..PropertySet::default()
            }),
        ),
        client_id: "client-1".into(),
        will: Some(Will {
            topic: "will/topic".into(),
            payload: Bytes::from_static(b"bye"),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: v5_only(
                version,
                Properties::from(PropertySet {
                    will_delay_interval: Some(5),
                    payload_format_indicator: Some(1),
                    message_expiry_interval: Some(100),
                    content_type: Some("text/plain".into()),
                    response_topic: Some("reply".into()),
                    correlation_data: Some(Bytes::from_static(b"cid")),
                    user_properties: user_properties(),
                    ..PropertySet::default()
                }),
            ),
        }),
        username: Some("user".into()),
        password: Some(Bytes::from_static(b"secret")),
    }))
}

pub fn all_packets(version: ProtocolVersion) -> Vec<Packet> {
    let reason = |code: u8| if version.is_v5() { code } else { 0 };
    let reason_string = v5_only(
        version,
        Properties::from(PropertySet {
            reason_string: Some("because".into()),
            user_properties: user_properties(),
            ..PropertySet::default()
        }),
    );
    let ack = |code: u8, properties: Properties| PublishAck {
        packet_id: id(7),
        reason_code: reason(code),
        properties,
    };
    let mut packets = vec![
        connect(version),
        Packet::Connect(Box::new(Connect {
            protocol: version,
            clean_start: false,
            keep_alive: 0,
            properties: Properties::default(),
            client_id: String::new(),
            will: None,
            username: None,
            password: None,
        })),
        Packet::Connack(Connack {
            session_present: true,
            reason_code: 0,
            properties: v5_only(
                version,
                Properties::from(PropertySet {
                    assigned_client_identifier: Some("assigned".into()),
                    server_keep_alive: Some(30),
                    maximum_qos: Some(1),
                    retain_available: Some(true),
                    wildcard_subscription_available: Some(false),
                    subscription_identifier_available: Some(true),
                    shared_subscription_available: Some(true),
                    topic_alias_maximum: Some(10),
                    response_information: Some("resp".into()),
                    server_reference: Some("elsewhere".into()),
                    reason_string: Some("ok".into()),
                    ..PropertySet::default()
                }),
            ),
        }),
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: "a/b".into(),
            packet_id: None,
            properties: Properties::default(),
            payload: Bytes::from_static(b"hello"),
        }),
        Packet::Publish(Publish {
            dup: true,
            qos: QoS::ExactlyOnce,
            retain: true,
            topic: "sensor/one".into(),
            packet_id: Some(id(65535)),
            properties: v5_only(
                version,
                Properties::from(PropertySet {
                    payload_format_indicator: Some(0),
                    message_expiry_interval: Some(10),
                    response_topic: Some("r".into()),
                    correlation_data: Some(Bytes::from_static(b"c")),
                    subscription_identifiers: vec![1, 268_435_455],
                    content_type: Some("json".into()),
                    user_properties: user_properties(),
                    ..PropertySet::default()
                })
                .with_topic_alias(3),
            ),
            payload: Bytes::new(),
        }),
        Packet::Puback(ack(0, Properties::default())),
        Packet::Pubrec(ack(0x10, Properties::default())),
        Packet::Pubrel(ack(0x92, reason_string.clone())),
        Packet::Pubcomp(ack(0, reason_string.clone())),
        Packet::Subscribe(Subscribe {
            packet_id: id(1),
            properties: v5_only(
                version,
                Properties::from(PropertySet {
                    subscription_identifiers: vec![42],
                    user_properties: user_properties(),
                    ..PropertySet::default()
                }),
            ),
            subscriptions: vec![
                Subscription {
                    filter: "a/+".into(),
                    options: SubscriptionOptions {
                        qos: QoS::AtLeastOnce,
                        ..SubscriptionOptions::default()
                    },
                },
                Subscription {
                    filter: "b/#".into(),
                    options: SubscriptionOptions {
                        qos: QoS::ExactlyOnce,
                        no_local: version.is_v5(),
                        retain_as_published: version.is_v5(),
                        retain_handling: if version.is_v5() {
                            RetainHandling::DoNotSend
                        } else {
                            RetainHandling::SendAtSubscribe
                        },
                    },
                },
            ],
        }),
        Packet::Suback(Suback {
            packet_id: id(1),
            properties: reason_string.clone(),
            reason_codes: vec![0x01, 0x80],
        }),
        Packet::Unsubscribe(Unsubscribe {
            packet_id: id(2),
            properties: v5_only(
                version,
                Properties::from(PropertySet {
                    user_properties: user_properties(),
                    ..PropertySet::default()
                }),
            ),
            filters: vec!["a/+".into(), "b/#".into()],
        }),
        Packet::Unsuback(Unsuback {
            packet_id: id(2),
            properties: reason_string.clone(),
            reason_codes: if version.is_v5() {
                vec![0x00, 0x11]
            } else {
                Vec::new()
            },
        }),
        Packet::Pingreq,
        Packet::Pingresp,
        Packet::Disconnect(Disconnect::default()),
    ];
    if version.is_v5() {
        packets.push(Packet::Disconnect(Disconnect {
            reason_code: 0x8B,
            properties: Properties::from(PropertySet {
                session_expiry_interval: Some(0),
                server_reference: Some("other".into()),
                reason_string: Some("shutting down".into()),
                ..PropertySet::default()
            }),
        }));
        packets.push(Packet::Disconnect(Disconnect {
            reason_code: 0x04,
            properties: Properties::default(),
        }));
        packets.push(Packet::Auth(Auth::default()));
        packets.push(Packet::Auth(Auth {
            reason_code: 0x18,
            properties: Properties::from(PropertySet {
                authentication_method: Some("SCRAM".into()),
                authentication_data: Some(Bytes::from_static(b"data")),
                reason_string: Some("continue".into()),
                ..PropertySet::default()
            }),
        }));
    }
    packets
}

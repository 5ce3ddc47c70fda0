//! Every packet type survives encode → decode in both versions, whole or byte by byte.

mod common;

use bytes::BytesMut;
use common::{all_packets, decode_one, encode_one};
use zilla_binding_mqtt::codec::*;

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];

#[test]
fn every_packet_round_trips() {
    for version in VERSIONS {
        for packet in all_packets(version) {
            let bytes = encode_one(&packet, version);
            let size = encoded_len(&packet, version).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(size, bytes.len(), "{packet:?}");
            let decoded = decode_one(&bytes, version).unwrap_or_else(|e| panic!("{packet:?}: {e}"));
            assert_eq!(decoded, packet, "{version}");
        }
    }
}

#[test]
fn streamed_one_byte_at_a_time() {
    for version in VERSIONS {
        let packets = all_packets(version);
        let mut wire = BytesMut::new();
        for packet in &packets {
            wire.extend_from_slice(&encode_one(packet, version));
        }
        let mut buf = BytesMut::new();
        let mut decoded = Vec::new();
        for byte in wire.iter() {
            buf.extend_from_slice(&[*byte]);
            while let Some(packet) =
                decode(&mut buf, version, 1 << 20).unwrap_or_else(|e| panic!("{e}"))
            {
                decoded.push(packet);
            }
        }
        assert_eq!(decoded, packets);
        assert!(buf.is_empty());
    }
}

#[test]
fn v3_drops_what_only_v5_has() {
    let v5 = all_packets(ProtocolVersion::V5);
    for packet in v5
        .iter()
        .filter(|p| !matches!(p, Packet::Auth(_) | Packet::Connect(_)))
    {
        let bytes = encode_one(packet, ProtocolVersion::V3_1_1);
        assert!(
            decode_one(&bytes, ProtocolVersion::V3_1_1).is_ok(),
            "{packet:?}"
        );
    }
    let mut buf = BytesMut::new();
    let auth = Packet::Auth(Auth::default());
    assert_eq!(
        encode(&auth, ProtocolVersion::V3_1_1, &mut buf),
        Err(EncodeError::NotInVersion(PacketType::Auth))
    );
}

#[test]
fn connect_is_decoded_whatever_version_is_expected() {
    for version in VERSIONS {
        let packet = common::connect(version);
        let bytes = encode_one(&packet, version);
        for expected in VERSIONS {
            assert_eq!(decode_one(&bytes, expected), Ok(packet.clone()));
        }
    }
}

#[test]
fn encode_refuses_what_the_peer_cannot_take() {
    let packet = common::connect(ProtocolVersion::V5);
    let size = encoded_len(&packet, ProtocolVersion::V5).unwrap_or(0);
    let mut buf = BytesMut::new();
    let result = encode_within(&packet, ProtocolVersion::V5, size - 1, &mut buf);
    assert_eq!(
        result,
        Err(EncodeError::PacketTooLarge {
            size,
            maximum: size - 1
        })
    );
    assert!(buf.is_empty());
    assert_eq!(
        encode_within(&packet, ProtocolVersion::V5, size, &mut buf),
        Ok(())
    );
}

#[test]
fn encode_refuses_packet_id_mismatch() {
    let publish = Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtLeastOnce,
        retain: false,
        topic: "t".into(),
        packet_id: None,
        properties: Properties::default(),
        payload: Default::default(),
    });
    let mut buf = BytesMut::new();
    assert!(matches!(
        encode(&publish, ProtocolVersion::V5, &mut buf),
        Err(EncodeError::PacketIdMismatch { .. })
    ));
}

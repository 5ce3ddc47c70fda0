//! The decoder's fuzzing property, shared by the fuzz target and the corpus replay test.

use bytes::BytesMut;

use super::{decode, encode, Packet, ProtocolVersion};

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V3_1_1, ProtocolVersion::V5];
const MAXIMUM_SIZES: [usize; 2] = [64, 1 << 20];

/// Feeds `data` to the decoder as a stream of packets, for both versions and a small and a
/// large maximum packet size. Whatever decodes must encode and decode back to itself; this
/// panics when it does not.
pub fn fuzz_decode(data: &[u8]) {
    for version in VERSIONS {
        for maximum in MAXIMUM_SIZES {
            let mut buf = BytesMut::from(data);
            while let Ok(Some(packet)) = decode(&mut buf, version, maximum) {
                assert_round_trip(&packet, version);
            }
        }
    }
}

fn assert_round_trip(packet: &Packet, version: ProtocolVersion) {
    let mut wire = BytesMut::new();
    if let Err(error) = encode(packet, version, &mut wire) {
        panic!("decoded packet does not encode: {error}: {packet:?}");
    }
    match decode(&mut wire, version, usize::MAX) {
        Ok(Some(again)) => assert_eq!(&again, packet),
        other => panic!("re-encoded packet does not decode: {other:?}: {packet:?}"),
    }
    assert!(wire.is_empty(), "re-encoded packet left bytes behind");
}

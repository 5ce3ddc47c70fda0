//! Bytes read from a stream, decoded into packets without copying them.
//!
//! Reads are decoded where they arrived, so a packet's topic and payload share the read's
//! memory, also when several reads were taken in before decoding. Only from a packet cut off at
//! the end of a read on is anything copied: that packet and the reads after it go into a buffer
//! that grows to the packet's size and takes the reads that follow until it is complete.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use super::{decode, decode_bytes, DecodeError, Packet, ProtocolVersion};

#[derive(Debug, Default)]
pub struct PacketInput {
    /// Whole reads not yet decoded, in order; empty while `partial` is not.
    reads: VecDeque<Bytes>,
    /// A packet that straddles reads, and what arrived after it.
    partial: BytesMut,
}

impl PacketInput {
    /// Adds a read after what is already here.
    pub fn push(&mut self, bytes: Bytes) {
        if !self.partial.is_empty() {
            self.partial.extend_from_slice(&bytes);
        } else if !bytes.is_empty() {
            self.reads.push_back(bytes);
        }
    }

    /// The next complete packet, removed from the input; `Ok(None)` while more bytes are
    /// needed. Arguments as [`decode`]'s.
    pub fn decode(
        &mut self,
        version: ProtocolVersion,
        max_packet_size: usize,
    ) -> Result<Option<Packet>, DecodeError> {
        if self.partial.is_empty() {
            let Some(front) = self.reads.front_mut() else {
                return Ok(None);
            };
            if let Some(packet) = decode_bytes(front, version, max_packet_size)? {
                if front.is_empty() {
                    self.reads.pop_front();
                }
                return Ok(Some(packet));
            }
            // The front read ends inside a packet: it goes on in the reads after it.
            for read in self.reads.drain(..) {
                self.partial.extend_from_slice(&read);
            }
        }
        decode(&mut self.partial, version, max_packet_size)
    }

    pub fn len(&self) -> usize {
        self.reads.iter().map(Bytes::len).sum::<usize>() + self.partial.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{encode_within, PacketId, Publish, QoS};

    fn publish(topic: &str, payload: &[u8]) -> Packet {
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtLeastOnce,
            retain: false,
            topic: topic.into(),
            packet_id: PacketId::new(7),
            properties: Default::default(),
            payload: Bytes::copy_from_slice(payload),
        })
    }

    fn encoded(packets: &[Packet]) -> Bytes {
        let mut buffer = BytesMut::new();
        for packet in packets {
            encode_within(packet, ProtocolVersion::V5, usize::MAX, &mut buffer).unwrap();
        }
        buffer.freeze()
    }

    fn drain(input: &mut PacketInput) -> Vec<Packet> {
        let mut packets = Vec::new();
        while let Some(packet) = input.decode(ProtocolVersion::V5, 1 << 20).unwrap() {
            packets.push(packet);
        }
        packets
    }

    #[test]
    fn packets_of_one_read_share_its_memory() {
        let packets = [publish("a", b"first"), publish("b/c", b"second")];
        let bytes = encoded(&packets);
        let range = bytes.as_ptr_range();
        let mut input = PacketInput::default();
        input.push(bytes);
        let decoded = drain(&mut input);
        assert_eq!(decoded, packets);
        let Packet::Publish(second) = &decoded[1] else {
            panic!("a publish");
        };
        assert!(range.contains(&second.payload.as_ptr()), "not copied");
        assert!(input.is_empty());
    }

    #[test]
    fn a_packet_split_at_every_byte_is_decoded_once_complete() {
        let packets = [publish("a/b", &[9; 300]), publish("c", b"after")];
        let bytes = encoded(&packets);
        for cut in 1..bytes.len() {
            let mut input = PacketInput::default();
            input.push(bytes.slice(..cut));
            let mut decoded = drain(&mut input);
            input.push(bytes.slice(cut..));
            decoded.extend(drain(&mut input));
            assert_eq!(decoded, packets, "cut at {cut}");
            assert!(input.is_empty());
        }
    }

    #[test]
    fn a_packet_in_many_small_reads_is_decoded_once_complete() {
        let packet = publish("t", &[1; 5000]);
        let bytes = encoded(std::slice::from_ref(&packet));
        let mut input = PacketInput::default();
        let mut decoded = Vec::new();
        for chunk in bytes.chunks(7) {
            input.push(Bytes::copy_from_slice(chunk));
            decoded.extend(drain(&mut input));
        }
        assert_eq!(decoded, [packet]);
    }

    #[test]
    fn whole_reads_taken_in_together_are_not_copied() {
        let first = encoded(&[publish("a", b"first")]);
        let second = encoded(&[publish("b", b"second")]);
        let range = second.as_ptr_range();
        let mut input = PacketInput::default();
        input.push(first);
        input.push(second);
        let decoded = drain(&mut input);
        assert_eq!(decoded, [publish("a", b"first"), publish("b", b"second")]);
        let Packet::Publish(last) = &decoded[1] else {
            panic!("a publish");
        };
        assert!(range.contains(&last.payload.as_ptr()), "not copied");
    }

    #[test]
    fn reads_taken_before_decoding_are_kept_in_order() {
        let packets = [publish("a", b"1"), publish("b", b"2"), publish("c", b"3")];
        let bytes = encoded(&packets);
        let mut input = PacketInput::default();
        input.push(bytes.slice(..5));
        input.push(bytes.slice(5..12));
        input.push(bytes.slice(12..));
        assert_eq!(input.len(), bytes.len());
        assert_eq!(drain(&mut input), packets);
    }

    #[test]
    fn a_packet_over_the_maximum_is_refused_from_its_header() {
        let bytes = encoded(&[publish("a", &[0; 100])]);
        let mut input = PacketInput::default();
        input.push(bytes.slice(..3));
        assert!(matches!(
            input.decode(ProtocolVersion::V5, 50),
            Err(DecodeError::PacketTooLarge { .. })
        ));
    }
}

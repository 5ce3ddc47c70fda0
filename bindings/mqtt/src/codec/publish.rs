//! PUBLISH and its acknowledgements (PUBACK, PUBREC, PUBREL, PUBCOMP).

use super::error::{DecodeError, EncodeError};
use super::packet::{PacketId, Publish, PublishAck, QoS};
use super::properties::{Properties, PropertyContext};
use super::version::ProtocolVersion;
use super::wire::{Reader, Sink};
use crate::topic::validate_topic_name;

const DUP: u8 = 0x08;
const QOS_SHIFT: u8 = 1;
const RETAIN: u8 = 0x01;

pub(crate) fn decode_packet_id(reader: &mut Reader) -> Result<PacketId, DecodeError> {
    PacketId::new(reader.u16()?).ok_or(DecodeError::ZeroPacketId)
}

pub(crate) fn decode_publish(
    flags: u8,
    reader: &mut Reader,
    version: ProtocolVersion,
) -> Result<Publish, DecodeError> {
    let qos = QoS::from_bits((flags >> QOS_SHIFT) & 0x03).ok_or(DecodeError::InvalidQos)?;
    let dup = flags & DUP != 0;
    if dup && qos == QoS::AtMostOnce {
        return Err(DecodeError::DupWithQos0);
    }
    let topic = reader.string()?;
    let packet_id = match qos {
        QoS::AtMostOnce => None,
        QoS::AtLeastOnce | QoS::ExactlyOnce => Some(decode_packet_id(reader)?),
    };
    let properties = match version {
        ProtocolVersion::V5 => Properties::decode(reader, PropertyContext::Publish)?,
        ProtocolVersion::V3_1_1 => Properties::default(),
    };
    if topic.is_empty() {
        // Only an MQTT 5 topic alias can stand for an empty topic name.
        if version == ProtocolVersion::V3_1_1 {
            return Err(DecodeError::InvalidTopicName);
        }
        if properties.topic_alias.is_none() {
            return Err(DecodeError::EmptyTopicWithoutAlias);
        }
    } else {
        validate_topic_name(&topic).map_err(|_| DecodeError::InvalidTopicName)?;
    }
    Ok(Publish {
        dup,
        qos,
        retain: flags & RETAIN != 0,
        topic,
        packet_id,
        properties,
        payload: reader.rest(),
    })
}

/// The fixed header flags of a PUBLISH.
pub(crate) fn publish_flags(publish: &Publish) -> u8 {
    let mut flags = publish.qos.bits() << QOS_SHIFT;
    if publish.dup {
        flags |= DUP;
    }
    if publish.retain {
        flags |= RETAIN;
    }
    flags
}

pub(crate) fn encode_publish(
    publish: &Publish,
    version: ProtocolVersion,
    sink: &mut impl Sink,
) -> Result<(), EncodeError> {
    sink.put_string(&publish.topic)?;
    match (publish.qos, publish.packet_id) {
        (QoS::AtMostOnce, None) => {}
        (QoS::AtLeastOnce | QoS::ExactlyOnce, Some(packet_id)) => sink.put_u16(packet_id.get()),
        (qos, packet_id) => {
            return Err(EncodeError::PacketIdMismatch {
                qos,
                has_packet_id: packet_id.is_some(),
            })
        }
    }
    if version.is_v5() {
        publish.properties.encode(sink)?;
    }
    sink.put_slice(&publish.payload);
    Ok(())
}

/// Reads an acknowledgement; MQTT 5 may leave out the reason code (success) and the properties.
pub(crate) fn decode_publish_ack(
    reader: &mut Reader,
    version: ProtocolVersion,
) -> Result<PublishAck, DecodeError> {
    let packet_id = decode_packet_id(reader)?;
    let (reason_code, properties) =
        decode_short_reason(reader, version, PropertyContext::PublishAck)?;
    Ok(PublishAck {
        packet_id,
        reason_code,
        properties,
    })
}

pub(crate) fn encode_publish_ack(
    ack: &PublishAck,
    version: ProtocolVersion,
    sink: &mut impl Sink,
) -> Result<(), EncodeError> {
    sink.put_u16(ack.packet_id.get());
    encode_short_reason(ack.reason_code, &ack.properties, version, sink)
}

/// A reason code and properties that MQTT 5 lets a packet leave out when they are success and
/// none; MQTT 3.1.1 has neither.
pub(crate) fn decode_short_reason(
    reader: &mut Reader,
    version: ProtocolVersion,
    context: PropertyContext,
) -> Result<(u8, Properties), DecodeError> {
    if version == ProtocolVersion::V3_1_1 || reader.is_empty() {
        return Ok((0, Properties::default()));
    }
    let reason_code = reader.u8()?;
    if reader.is_empty() {
        return Ok((reason_code, Properties::default()));
    }
    Ok((reason_code, Properties::decode(reader, context)?))
}

pub(crate) fn encode_short_reason(
    reason_code: u8,
    properties: &Properties,
    version: ProtocolVersion,
    sink: &mut impl Sink,
) -> Result<(), EncodeError> {
    if version == ProtocolVersion::V3_1_1 {
        return Ok(());
    }
    let has_properties = !properties.is_empty();
    if reason_code != 0 || has_properties {
        sink.put_u8(reason_code);
    }
    if has_properties {
        properties.encode(sink)?;
    }
    Ok(())
}

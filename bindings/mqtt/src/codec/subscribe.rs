//! SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK bodies.

use super::error::{DecodeError, EncodeError};
use super::packet::{
    PacketType, QoS, RetainHandling, Suback, Subscribe, Subscription, SubscriptionOptions,
    Unsuback, Unsubscribe,
};
use super::properties::{Properties, PropertyContext};
use super::publish::decode_packet_id;
use super::version::ProtocolVersion;
use super::wire::{Reader, Sink};
use crate::topic::SharedSubscription;

const QOS_MASK: u8 = 0x03;
const NO_LOCAL: u8 = 0x04;
const RETAIN_AS_PUBLISHED: u8 = 0x08;
const RETAIN_HANDLING_SHIFT: u8 = 4;
const V5_RESERVED: u8 = 0xC0;
const V3_RESERVED: u8 = 0xFC;

fn decode_properties(
    reader: &mut Reader,
    version: ProtocolVersion,
    context: PropertyContext,
) -> Result<Properties, DecodeError> {
    match version {
        ProtocolVersion::V5 => Properties::decode(reader, context),
        ProtocolVersion::V3_1_1 => Ok(Properties::default()),
    }
}

fn decode_options(
    byte: u8,
    filter: &str,
    version: ProtocolVersion,
) -> Result<SubscriptionOptions, DecodeError> {
    let reserved = match version {
        ProtocolVersion::V5 => V5_RESERVED,
        ProtocolVersion::V3_1_1 => V3_RESERVED,
    };
    if byte & reserved != 0 {
        return Err(DecodeError::ReservedBits(PacketType::Subscribe));
    }
    let qos = QoS::from_bits(byte & QOS_MASK).ok_or(DecodeError::InvalidQos)?;
    let retain_handling = match (byte >> RETAIN_HANDLING_SHIFT) & 0x03 {
        0 => RetainHandling::SendAtSubscribe,
        1 => RetainHandling::SendAtNewSubscribe,
        2 => RetainHandling::DoNotSend,
        _ => return Err(DecodeError::InvalidRetainHandling),
    };
    let no_local = byte & NO_LOCAL != 0;
    if no_local && SharedSubscription::is_shared(filter) {
        return Err(DecodeError::NoLocalOnSharedSubscription);
    }
    Ok(SubscriptionOptions {
        qos,
        no_local,
        retain_as_published: byte & RETAIN_AS_PUBLISHED != 0,
        retain_handling,
    })
}

fn encode_options(options: &SubscriptionOptions, version: ProtocolVersion) -> u8 {
    let mut byte = options.qos.bits();
    if version.is_v5() {
        if options.no_local {
            byte |= NO_LOCAL;
        }
        if options.retain_as_published {
            byte |= RETAIN_AS_PUBLISHED;
        }
        byte |= (options.retain_handling as u8) << RETAIN_HANDLING_SHIFT;
    }
    byte
}

pub(crate) fn decode_subscribe(
    reader: &mut Reader,
    version: ProtocolVersion,
) -> Result<Subscribe, DecodeError> {
    let packet_id = decode_packet_id(reader)?;
    let properties = decode_properties(reader, version, PropertyContext::Subscribe)?;
    let mut subscriptions = Vec::new();
    while !reader.is_empty() {
        let filter = reader.string()?;
        let options = decode_options(reader.u8()?, &filter, version)?;
        subscriptions.push(Subscription { filter, options });
    }
    if subscriptions.is_empty() {
        return Err(DecodeError::NoTopicFilters(PacketType::Subscribe));
    }
    Ok(Subscribe {
        packet_id,
        properties,
        subscriptions,
    })
}

pub(crate) fn encode_subscribe(
    subscribe: &Subscribe,
    version: ProtocolVersion,
    sink: &mut impl Sink,
) -> Result<(), EncodeError> {
    if subscribe.subscriptions.is_empty() {
        return Err(EncodeError::NoTopicFilters(PacketType::Subscribe));
    }
    sink.put_u16(subscribe.packet_id.get());
    if version.is_v5() {
        subscribe.properties.encode(sink)?;
    }
    for subscription in &subscribe.subscriptions {
        sink.put_string(&subscription.filter)?;
        sink.put_u8(encode_options(&subscription.options, version));
    }
    Ok(())
}

pub(crate) fn decode_suback(
    reader: &mut Reader,
    version: ProtocolVersion,
) -> Result<Suback, DecodeError> {
    let packet_id = decode_packet_id(reader)?;
    let properties = decode_properties(reader, version, PropertyContext::Suback)?;
    Ok(Suback {
        packet_id,
        properties,
        reason_codes: reader.rest().to_vec(),
    })
}

pub(crate) fn encode_suback(
    suback: &Suback,
    version: ProtocolVersion,
    sink: &mut impl Sink,
) -> Result<(), EncodeError> {
    sink.put_u16(suback.packet_id.get());
    if version.is_v5() {
        suback.properties.encode(sink)?;
    }
    sink.put_slice(&suback.reason_codes);
    Ok(())
}

pub(crate) fn decode_unsubscribe(
    reader: &mut Reader,
    version: ProtocolVersion,
) -> Result<Unsubscribe, DecodeError> {
    let packet_id = decode_packet_id(reader)?;
    let properties = decode_properties(reader, version, PropertyContext::Unsubscribe)?;
    let mut filters = Vec::new();
    while !reader.is_empty() {
        filters.push(reader.string()?);
    }
    if filters.is_empty() {
        return Err(DecodeError::NoTopicFilters(PacketType::Unsubscribe));
    }
    Ok(Unsubscribe {
        packet_id,
        properties,
        filters,
    })
}

pub(crate) fn encode_unsubscribe(
    unsubscribe: &Unsubscribe,
    version: ProtocolVersion,
    sink: &mut impl Sink,
) -> Result<(), EncodeError> {
    if unsubscribe.filters.is_empty() {
        return Err(EncodeError::NoTopicFilters(PacketType::Unsubscribe));
    }
    sink.put_u16(unsubscribe.packet_id.get());
    if version.is_v5() {
        unsubscribe.properties.encode(sink)?;
    }
    for filter in &unsubscribe.filters {
        sink.put_string(filter)?;
    }
    Ok(())
}

pub(crate) fn decode_unsuback(
    reader: &mut Reader,
    version: ProtocolVersion,
) -> Result<Unsuback, DecodeError> {
    let packet_id = decode_packet_id(reader)?;
    let properties = decode_properties(reader, version, PropertyContext::Unsuback)?;
    let reason_codes = match version {
        ProtocolVersion::V5 => reader.rest().to_vec(),
        ProtocolVersion::V3_1_1 => Vec::new(),
    };
    Ok(Unsuback {
        packet_id,
        properties,
        reason_codes,
    })
}

pub(crate) fn encode_unsuback(
    unsuback: &Unsuback,
    version: ProtocolVersion,
    sink: &mut impl Sink,
) -> Result<(), EncodeError> {
    sink.put_u16(unsuback.packet_id.get());
    if version.is_v5() {
        unsuback.properties.encode(sink)?;
        sink.put_slice(&unsuback.reason_codes);
    }
    Ok(())
}

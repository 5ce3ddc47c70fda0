//! CONNECT and CONNACK bodies.

use super::error::{DecodeError, EncodeError};
use super::packet::{Connack, Connect, PacketType, QoS, Will};
use super::properties::{Properties, PropertyContext};
use super::version::ProtocolVersion;
use super::wire::{Reader, Sink};
use crate::topic::validate_topic_name;

const RESERVED: u8 = 0x01;
const CLEAN_START: u8 = 0x02;
const WILL: u8 = 0x04;
const WILL_QOS_SHIFT: u8 = 3;
const WILL_RETAIN: u8 = 0x20;
const PASSWORD: u8 = 0x40;
const USERNAME: u8 = 0x80;

/// Reads the protocol name and level, which decide how the rest is read.
fn decode_protocol(reader: &mut Reader) -> Result<ProtocolVersion, DecodeError> {
    let name = reader.string()?;
    let level = reader.u8()?;
    match (name.as_str(), level) {
        ("MQTT", 4) => Ok(ProtocolVersion::V3_1_1),
        ("MQTT", 5) => Ok(ProtocolVersion::V5),
        // MQTT 3.1 (`MQIsdp`) and unknown levels of `MQTT` are refused with a version code.
        ("MQTT", _) | ("MQIsdp", _) => Err(DecodeError::UnsupportedProtocolVersion { name, level }),
        _ => Err(DecodeError::InvalidProtocolName(name)),
    }
}

pub(crate) fn decode_connect(reader: &mut Reader) -> Result<Connect, DecodeError> {
    let protocol = decode_protocol(reader)?;
    let flags = reader.u8()?;
    if flags & RESERVED != 0 {
        return Err(DecodeError::ReservedConnectFlag);
    }
    let has_will = flags & WILL != 0;
    let will_qos_bits = (flags >> WILL_QOS_SHIFT) & 0x03;
    let will_retain = flags & WILL_RETAIN != 0;
    if !has_will && (will_qos_bits != 0 || will_retain) {
        return Err(DecodeError::WillFlagsWithoutWill);
    }
    let will_qos = QoS::from_bits(will_qos_bits).ok_or(DecodeError::InvalidQos)?;
    let has_username = flags & USERNAME != 0;
    let has_password = flags & PASSWORD != 0;
    if protocol == ProtocolVersion::V3_1_1 && has_password && !has_username {
        return Err(DecodeError::PasswordWithoutUsername);
    }
    let keep_alive = reader.u16()?;
    let properties = match protocol {
        ProtocolVersion::V5 => Properties::decode(reader, PropertyContext::Connect)?,
        ProtocolVersion::V3_1_1 => Properties::default(),
    };
    let client_id = reader.string()?;
    let will = if has_will {
        let properties = match protocol {
            ProtocolVersion::V5 => Properties::decode(reader, PropertyContext::Will)?,
            ProtocolVersion::V3_1_1 => Properties::default(),
        };
        let topic = reader.string()?;
        validate_topic_name(&topic).map_err(|_| DecodeError::InvalidTopicName)?;
        let payload = reader.binary()?;
        Some(Will {
            topic,
            payload,
            qos: will_qos,
            retain: will_retain,
            properties,
        })
    } else {
        None
    };
    let username = has_username.then(|| reader.string()).transpose()?;
    let password = has_password.then(|| reader.binary()).transpose()?;
    Ok(Connect {
        protocol,
        clean_start: flags & CLEAN_START != 0,
        keep_alive,
        properties,
        client_id,
        will,
        username,
        password,
    })
}

pub(crate) fn encode_connect(connect: &Connect, sink: &mut impl Sink) -> Result<(), EncodeError> {
    let v5 = connect.protocol.is_v5();
    sink.put_string("MQTT")?;
    sink.put_u8(connect.protocol.level());
    let mut flags = 0;
    if connect.clean_start {
        flags |= CLEAN_START;
    }
    if let Some(will) = &connect.will {
        flags |= WILL | (will.qos.bits() << WILL_QOS_SHIFT);
        if will.retain {
            flags |= WILL_RETAIN;
        }
    }
    if connect.username.is_some() {
        flags |= USERNAME;
    }
    if connect.password.is_some() {
        flags |= PASSWORD;
    }
    sink.put_u8(flags);
    sink.put_u16(connect.keep_alive);
    if v5 {
        connect.properties.encode(sink)?;
    }
    sink.put_string(&connect.client_id)?;
    if let Some(will) = &connect.will {
        if v5 {
            will.properties.encode(sink)?;
        }
        sink.put_string(&will.topic)?;
        sink.put_binary(&will.payload)?;
    }
    if let Some(username) = &connect.username {
        sink.put_string(username)?;
    }
    if let Some(password) = &connect.password {
        sink.put_binary(password)?;
    }
    Ok(())
}

pub(crate) fn decode_connack(
    reader: &mut Reader,
    version: ProtocolVersion,
) -> Result<Connack, DecodeError> {
    let flags = reader.u8()?;
    if flags & !0x01 != 0 {
        return Err(DecodeError::ReservedBits(PacketType::Connack));
    }
    let reason_code = reader.u8()?;
    let properties = match version {
        ProtocolVersion::V5 => Properties::decode(reader, PropertyContext::Connack)?,
        ProtocolVersion::V3_1_1 => Properties::default(),
    };
    Ok(Connack {
        session_present: flags & 0x01 != 0,
        reason_code,
        properties,
    })
}

pub(crate) fn encode_connack(
    connack: &Connack,
    version: ProtocolVersion,
    sink: &mut impl Sink,
) -> Result<(), EncodeError> {
    sink.put_u8(u8::from(connack.session_present));
    sink.put_u8(connack.reason_code);
    if version.is_v5() {
        connack.properties.encode(sink)?;
    }
    Ok(())
}

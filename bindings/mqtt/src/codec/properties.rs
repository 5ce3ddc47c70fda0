//! MQTT 5 properties: each one typed, each allowed only in the packets the specification lists,
//! and each at most once except User Property (and Subscription Identifier in PUBLISH).

use bytes::Bytes;

use super::error::{DecodeError, EncodeError};
use super::wire::{length_value, Counter, Reader, Sink};

use super::property_context::is_known;
pub use super::property_context::{id, PropertyContext};

/// The properties of one packet (or of a will). Absent properties are `None` or empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PropertySet {
    /// 0 = unspecified bytes, 1 = UTF-8.
    pub payload_format_indicator: Option<u8>,
    pub message_expiry_interval: Option<u32>,
    pub content_type: Option<String>,
    pub response_topic: Option<String>,
    pub correlation_data: Option<Bytes>,
    /// Several only in PUBLISH; at most one in SUBSCRIBE.
    pub subscription_identifiers: Vec<u32>,
    pub session_expiry_interval: Option<u32>,
    pub assigned_client_identifier: Option<String>,
    pub server_keep_alive: Option<u16>,
    pub authentication_method: Option<String>,
    pub authentication_data: Option<Bytes>,
    pub request_problem_information: Option<bool>,
    pub will_delay_interval: Option<u32>,
    pub request_response_information: Option<bool>,
    pub response_information: Option<String>,
    pub server_reference: Option<String>,
    pub reason_string: Option<String>,
    pub receive_maximum: Option<u16>,
    pub topic_alias_maximum: Option<u16>,
    /// 0 or 1.
    pub maximum_qos: Option<u8>,
    pub retain_available: Option<bool>,
    pub user_properties: Vec<(String, String)>,
    pub maximum_packet_size: Option<u32>,
    pub wildcard_subscription_available: Option<bool>,
    pub subscription_identifier_available: Option<bool>,
    pub shared_subscription_available: Option<bool>,
}

/// The properties of a packet: the Topic Alias, and the others as a [`PropertySet`] that is
/// only a pointer in size and nothing on the heap while there are none, as on nearly every
/// PUBLISH and acknowledgement: packets are moved through several hands each, and most of a
/// packet's size was its properties. Reading an absent set reads an empty one; the first write
/// makes one. The Topic Alias is kept beside the set because it is the one property that PUBLISH
/// packets between the gateway and an MQTT 5 peer carry over and over, and setting it must not
/// cost a set.
#[derive(Clone, Default)]
pub struct Properties {
    pub topic_alias: Option<u16>,
    set: Option<Box<PropertySet>>,
}

impl PropertySet {
    const EMPTY: PropertySet = PropertySet {
        payload_format_indicator: None,
        message_expiry_interval: None,
        content_type: None,
        response_topic: None,
        correlation_data: None,
        subscription_identifiers: Vec::new(),
        session_expiry_interval: None,
        assigned_client_identifier: None,
        server_keep_alive: None,
        authentication_method: None,
        authentication_data: None,
        request_problem_information: None,
        will_delay_interval: None,
        request_response_information: None,
        response_information: None,
        server_reference: None,
        reason_string: None,
        receive_maximum: None,
        topic_alias_maximum: None,
        maximum_qos: None,
        retain_available: None,
        user_properties: Vec::new(),
        maximum_packet_size: None,
        wildcard_subscription_available: None,
        subscription_identifier_available: None,
        shared_subscription_available: None,
    };
}

static EMPTY: PropertySet = PropertySet::EMPTY;

impl std::ops::Deref for Properties {
    type Target = PropertySet;

    fn deref(&self) -> &PropertySet {
        self.set.as_deref().unwrap_or(&EMPTY)
    }
}

impl std::ops::DerefMut for Properties {
    fn deref_mut(&mut self) -> &mut PropertySet {
        self.set.get_or_insert_with(Default::default)
    }
}

impl From<PropertySet> for Properties {
    fn from(set: PropertySet) -> Self {
        Self {
            topic_alias: None,
            set: (set != EMPTY).then(|| Box::new(set)),
        }
    }
}

impl PartialEq for Properties {
    fn eq(&self, other: &Self) -> bool {
        self.topic_alias == other.topic_alias && **self == **other
    }
}

impl Eq for Properties {}

impl std::fmt::Debug for Properties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(alias) = self.topic_alias {
            write!(f, "topic_alias: {alias}, ")?;
        }
        PropertySet::fmt(self, f)
    }
}

impl Properties {
    /// These properties with a Topic Alias.
    pub fn with_topic_alias(mut self, alias: u16) -> Self {
        self.topic_alias = Some(alias);
        self
    }

    /// The set itself, to move its values out (the Topic Alias is not in it).
    pub fn into_set(self) -> PropertySet {
        self.set.map(|set| *set).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.topic_alias.is_none() && self.set.as_deref().is_none_or(|set| *set == EMPTY)
    }

    /// Nothing was ever set: empty, and known so without looking at any property.
    pub fn is_absent(&self) -> bool {
        self.topic_alias.is_none() && self.set.is_none()
    }

    /// Reads a property length and the properties it covers. Most packets have none, and then
    /// nothing is made; otherwise the set is made only for properties other than the Topic
    /// Alias, and filled where it will live.
    pub(crate) fn decode(
        reader: &mut Reader,
        context: PropertyContext,
    ) -> Result<Self, DecodeError> {
        let len = reader.variable_integer()?;
        let mut properties = Self::default();
        if len == 0 {
            return Ok(properties);
        }
        let mut reader = reader.sub_reader(len as usize)?;
        while !reader.is_empty() {
            let identifier = reader.variable_integer()?;
            let property =
                u8::try_from(identifier).map_err(|_| DecodeError::UnknownProperty(identifier))?;
            if !context.allows(property) {
                return if property == id::USER_PROPERTY || is_known(property) {
                    Err(DecodeError::PropertyNotAllowed {
                        id: property,
                        context: context.name(),
                    })
                } else {
                    Err(DecodeError::UnknownProperty(identifier))
                };
            }
            if property == id::TOPIC_ALIAS {
                let value = reader.u16()?;
                if value == 0 {
                    return Err(DecodeError::InvalidTopicAlias);
                }
                set_once(&mut properties.topic_alias, property, value)?;
            } else {
                properties.decode_one(&mut reader, property, context)?;
            }
        }
        Ok(properties)
    }

    /// Writes the property length followed by the properties.
    pub(crate) fn encode(&self, sink: &mut impl Sink) -> Result<(), EncodeError> {
        if self.is_absent() {
            return sink.put_variable_integer(0);
        }
        let mut counter = Counter::default();
        self.encode_list(&mut counter)?;
        sink.put_variable_integer(length_value(counter.len)?)?;
        self.encode_list(sink)
    }

    fn encode_list(&self, sink: &mut impl Sink) -> Result<(), EncodeError> {
        put_u16(sink, id::TOPIC_ALIAS, self.topic_alias);
        match self.set.as_deref() {
            Some(set) => set.encode_list(sink),
            None => Ok(()),
        }
    }
}

/// Stores a property that may appear at most once.
fn set_once<T>(slot: &mut Option<T>, property: u8, value: T) -> Result<(), DecodeError> {
    if slot.is_some() {
        return Err(DecodeError::DuplicateProperty(property));
    }
    *slot = Some(value);
    Ok(())
}

fn flag(property: u8, value: u8) -> Result<bool, DecodeError> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(DecodeError::InvalidPropertyValue(property)),
    }
}

fn at_most_one(property: u8, value: u8) -> Result<u8, DecodeError> {
    if value > 1 {
        return Err(DecodeError::InvalidPropertyValue(property));
    }
    Ok(value)
}

fn non_zero_u16(property: u8, value: u16) -> Result<u16, DecodeError> {
    if value == 0 {
        return Err(DecodeError::InvalidPropertyValue(property));
    }
    Ok(value)
}

impl PropertySet {
    fn decode_one(
        &mut self,
        reader: &mut Reader,
        property: u8,
        context: PropertyContext,
    ) -> Result<(), DecodeError> {
        let p = property;
        match property {
            id::PAYLOAD_FORMAT_INDICATOR => {
                let value = at_most_one(p, reader.u8()?)?;
                set_once(&mut self.payload_format_indicator, p, value)
            }
            id::MESSAGE_EXPIRY_INTERVAL => {
                set_once(&mut self.message_expiry_interval, p, reader.u32()?)
            }
            id::CONTENT_TYPE => set_once(&mut self.content_type, p, reader.string()?),
            id::RESPONSE_TOPIC => set_once(&mut self.response_topic, p, reader.string()?),
            id::CORRELATION_DATA => set_once(&mut self.correlation_data, p, reader.binary()?),
            id::SUBSCRIPTION_IDENTIFIER => {
                let value = reader.variable_integer()?;
                if value == 0 {
                    return Err(DecodeError::InvalidPropertyValue(p));
                }
                if context != PropertyContext::Publish && !self.subscription_identifiers.is_empty()
                {
                    return Err(DecodeError::DuplicateProperty(p));
                }
                self.subscription_identifiers.push(value);
                Ok(())
            }
            id::SESSION_EXPIRY_INTERVAL => {
                set_once(&mut self.session_expiry_interval, p, reader.u32()?)
            }
            id::ASSIGNED_CLIENT_IDENTIFIER => {
                set_once(&mut self.assigned_client_identifier, p, reader.string()?)
            }
            id::SERVER_KEEP_ALIVE => set_once(&mut self.server_keep_alive, p, reader.u16()?),
            id::AUTHENTICATION_METHOD => {
                set_once(&mut self.authentication_method, p, reader.string()?)
            }
            id::AUTHENTICATION_DATA => set_once(&mut self.authentication_data, p, reader.binary()?),
            id::REQUEST_PROBLEM_INFORMATION => {
                let value = flag(p, reader.u8()?)?;
                set_once(&mut self.request_problem_information, p, value)
            }
            id::WILL_DELAY_INTERVAL => set_once(&mut self.will_delay_interval, p, reader.u32()?),
            id::REQUEST_RESPONSE_INFORMATION => {
                let value = flag(p, reader.u8()?)?;
                set_once(&mut self.request_response_information, p, value)
            }
            id::RESPONSE_INFORMATION => {
                set_once(&mut self.response_information, p, reader.string()?)
            }
            id::SERVER_REFERENCE => set_once(&mut self.server_reference, p, reader.string()?),
            id::REASON_STRING => set_once(&mut self.reason_string, p, reader.string()?),
            id::RECEIVE_MAXIMUM => {
                let value = non_zero_u16(p, reader.u16()?)?;
                set_once(&mut self.receive_maximum, p, value)
            }
            id::TOPIC_ALIAS_MAXIMUM => set_once(&mut self.topic_alias_maximum, p, reader.u16()?),
            id::MAXIMUM_QOS => {
                let value = at_most_one(p, reader.u8()?)?;
                set_once(&mut self.maximum_qos, p, value)
            }
            id::RETAIN_AVAILABLE => {
                let value = flag(p, reader.u8()?)?;
                set_once(&mut self.retain_available, p, value)
            }
            id::USER_PROPERTY => {
                let name = reader.string()?;
                let value = reader.string()?;
                self.user_properties.push((name, value));
                Ok(())
            }
            id::MAXIMUM_PACKET_SIZE => {
                let value = reader.u32()?;
                if value == 0 {
                    return Err(DecodeError::InvalidPropertyValue(p));
                }
                set_once(&mut self.maximum_packet_size, p, value)
            }
            id::WILDCARD_SUBSCRIPTION_AVAILABLE => {
                let value = flag(p, reader.u8()?)?;
                set_once(&mut self.wildcard_subscription_available, p, value)
            }
            id::SUBSCRIPTION_IDENTIFIER_AVAILABLE => {
                let value = flag(p, reader.u8()?)?;
                set_once(&mut self.subscription_identifier_available, p, value)
            }
            id::SHARED_SUBSCRIPTION_AVAILABLE => {
                let value = flag(p, reader.u8()?)?;
                set_once(&mut self.shared_subscription_available, p, value)
            }
            other => Err(DecodeError::UnknownProperty(u32::from(other))),
        }
    }

    fn encode_list(&self, sink: &mut impl Sink) -> Result<(), EncodeError> {
        put_u8(
            sink,
            id::PAYLOAD_FORMAT_INDICATOR,
            self.payload_format_indicator,
        );
        put_u32(
            sink,
            id::MESSAGE_EXPIRY_INTERVAL,
            self.message_expiry_interval,
        );
        put_string(sink, id::CONTENT_TYPE, self.content_type.as_deref())?;
        put_string(sink, id::RESPONSE_TOPIC, self.response_topic.as_deref())?;
        put_binary(sink, id::CORRELATION_DATA, self.correlation_data.as_deref())?;
        for identifier in &self.subscription_identifiers {
            sink.put_u8(id::SUBSCRIPTION_IDENTIFIER);
            sink.put_variable_integer(*identifier)?;
        }
        put_u32(
            sink,
            id::SESSION_EXPIRY_INTERVAL,
            self.session_expiry_interval,
        );
        let assigned = self.assigned_client_identifier.as_deref();
        put_string(sink, id::ASSIGNED_CLIENT_IDENTIFIER, assigned)?;
        put_u16(sink, id::SERVER_KEEP_ALIVE, self.server_keep_alive);
        let method = self.authentication_method.as_deref();
        put_string(sink, id::AUTHENTICATION_METHOD, method)?;
        let data = self.authentication_data.as_deref();
        put_binary(sink, id::AUTHENTICATION_DATA, data)?;
        let problem = self.request_problem_information.map(u8::from);
        put_u8(sink, id::REQUEST_PROBLEM_INFORMATION, problem);
        put_u32(sink, id::WILL_DELAY_INTERVAL, self.will_delay_interval);
        let response = self.request_response_information.map(u8::from);
        put_u8(sink, id::REQUEST_RESPONSE_INFORMATION, response);
        let information = self.response_information.as_deref();
        put_string(sink, id::RESPONSE_INFORMATION, information)?;
        put_string(sink, id::SERVER_REFERENCE, self.server_reference.as_deref())?;
        put_string(sink, id::REASON_STRING, self.reason_string.as_deref())?;
        put_u16(sink, id::RECEIVE_MAXIMUM, self.receive_maximum);
        put_u16(sink, id::TOPIC_ALIAS_MAXIMUM, self.topic_alias_maximum);
        put_u8(sink, id::MAXIMUM_QOS, self.maximum_qos);
        put_u8(
            sink,
            id::RETAIN_AVAILABLE,
            self.retain_available.map(u8::from),
        );
        for (name, value) in &self.user_properties {
            sink.put_u8(id::USER_PROPERTY);
            sink.put_string(name)?;
            sink.put_string(value)?;
        }
        put_u32(sink, id::MAXIMUM_PACKET_SIZE, self.maximum_packet_size);
        let wildcard = self.wildcard_subscription_available.map(u8::from);
        put_u8(sink, id::WILDCARD_SUBSCRIPTION_AVAILABLE, wildcard);
        let identifiers = self.subscription_identifier_available.map(u8::from);
        put_u8(sink, id::SUBSCRIPTION_IDENTIFIER_AVAILABLE, identifiers);
        let shared = self.shared_subscription_available.map(u8::from);
        put_u8(sink, id::SHARED_SUBSCRIPTION_AVAILABLE, shared);
        Ok(())
    }
}

fn put_u8(sink: &mut impl Sink, property: u8, value: Option<u8>) {
    if let Some(value) = value {
        sink.put_u8(property);
        sink.put_u8(value);
    }
}

fn put_u16(sink: &mut impl Sink, property: u8, value: Option<u16>) {
    if let Some(value) = value {
        sink.put_u8(property);
        sink.put_u16(value);
    }
}

fn put_u32(sink: &mut impl Sink, property: u8, value: Option<u32>) {
    if let Some(value) = value {
        sink.put_u8(property);
        sink.put_u32(value);
    }
}

fn put_string(sink: &mut impl Sink, property: u8, value: Option<&str>) -> Result<(), EncodeError> {
    if let Some(value) = value {
        sink.put_u8(property);
        sink.put_string(value)?;
    }
    Ok(())
}

fn put_binary(sink: &mut impl Sink, property: u8, value: Option<&[u8]>) -> Result<(), EncodeError> {
    if let Some(value) = value {
        sink.put_u8(property);
        sink.put_binary(value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

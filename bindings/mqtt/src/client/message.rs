//! Message properties between the contract's shape and the codec's.

use crate::codec::{Properties, PropertySet};
use crate::contract::MessageProperties;

/// The PUBLISH (or will) properties that carry a message's own properties.
pub fn to_properties(message: &MessageProperties) -> Properties {
    if message.is_empty() {
        return Properties::default();
    }
    Properties::from(PropertySet {
        payload_format_indicator: message.payload_format,
        message_expiry_interval: message.message_expiry,
        content_type: message.content_type.clone(),
        response_topic: message.response_topic.clone(),
        correlation_data: message.correlation_data.clone(),
        user_properties: message.user_properties.clone(),
        ..PropertySet::default()
    })
}

/// A delivered PUBLISH's properties as the contract carries them. Subscription identifiers
/// and topic aliases are the gateway's own business upstream and are left out.
pub fn from_properties(properties: Properties) -> MessageProperties {
    if properties.is_absent() {
        return MessageProperties::default();
    }
    let properties = properties.into_set();
    MessageProperties {
        payload_format: properties.payload_format_indicator,
        message_expiry: properties.message_expiry_interval,
        content_type: properties.content_type,
        response_topic: properties.response_topic,
        correlation_data: properties.correlation_data,
        user_properties: properties.user_properties,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn message_properties_survive_the_round_trip() {
        let message = MessageProperties {
            payload_format: Some(1),
            message_expiry: Some(30),
            content_type: Some("text/plain".into()),
            response_topic: Some("reply/here".into()),
            correlation_data: Some(Bytes::from_static(b"abc")),
            user_properties: vec![("k".into(), "v".into()), ("k".into(), "w".into())],
        };
        assert_eq!(from_properties(to_properties(&message)), message);
    }
}

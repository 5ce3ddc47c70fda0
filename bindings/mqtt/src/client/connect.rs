//! The CONNECT a session asks for and what the broker's CONNACK grants it.

use crate::codec::{Connack, Connect, Properties, PropertySet, ProtocolVersion, QoS, Will};
use crate::contract::{SessionAcceptedEx, SessionBeginEx};

use super::message::to_properties;
use super::settings::{DEFAULT_KEEP_ALIVE, MAXIMUM_PACKET_SIZE};

/// The v5 CONNECT that opens the client's session at the broker. Credentials stay at the
/// gateway: the server's guard checked them, and the broker sees the gateway's own connection.
pub fn connect_packet(session: &SessionBeginEx) -> Connect {
    let maximum_packet_size = session
        .maximum_packet_size
        .map_or(MAXIMUM_PACKET_SIZE, |limit| limit.min(MAXIMUM_PACKET_SIZE));
    let properties = Properties::from(PropertySet {
        session_expiry_interval: (session.session_expiry != 0).then_some(session.session_expiry),
        receive_maximum: (session.receive_maximum != 0 && session.receive_maximum != u16::MAX)
            .then_some(session.receive_maximum),
        maximum_packet_size: Some(maximum_packet_size),
        user_properties: session.user_properties.clone(),
        ..PropertySet::default()
    });
    let will = session.will.as_ref().map(|will| {
        let mut properties = to_properties(&will.properties);
        properties.will_delay_interval = (will.delay != 0).then_some(will.delay);
        Will {
            topic: will.topic.clone(),
            payload: will.payload.clone(),
            qos: will.qos,
            retain: will.retain,
            properties,
        }
    });
    Connect {
        protocol: ProtocolVersion::V5,
        clean_start: session.clean_start,
        keep_alive: upstream_keep_alive(session.keep_alive),
        properties,
        client_id: session.client_id.clone(),
        will,
        username: None,
        password: None,
    }
}

/// Keep-alive toward the broker: the client's, or [`DEFAULT_KEEP_ALIVE`] when it has none.
pub fn upstream_keep_alive(client: u16) -> u16 {
    if client == 0 {
        DEFAULT_KEEP_ALIVE
    } else {
        client
    }
}

/// What the broker allows this connection, from its CONNACK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerLimits {
    pub receive_maximum: u16,
    /// Largest packet the broker accepts.
    pub maximum_packet_size: usize,
    pub maximum_qos: QoS,
    pub retain_available: bool,
    pub subscription_identifiers: bool,
    /// Seconds; the broker may override the keep-alive asked for.
    pub keep_alive: u16,
}

impl BrokerLimits {
    pub fn from_connack(connack: &Connack, asked_keep_alive: u16) -> Self {
        let properties = &connack.properties;
        Self {
            receive_maximum: properties.receive_maximum.unwrap_or(u16::MAX).max(1),
            maximum_packet_size: properties.maximum_packet_size.map_or(usize::MAX, |size| {
                usize::try_from(size).unwrap_or(usize::MAX)
            }),
            maximum_qos: maximum_qos(properties.maximum_qos),
            retain_available: properties.retain_available.unwrap_or(true),
            subscription_identifiers: properties.subscription_identifier_available.unwrap_or(true),
            keep_alive: properties.server_keep_alive.unwrap_or(asked_keep_alive),
        }
    }
}

fn maximum_qos(value: Option<u8>) -> QoS {
    match value {
        Some(0) => QoS::AtMostOnce,
        Some(1) => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

/// The session reply: the broker's grant, as the server puts it in its CONNACK. Subscription
/// identifiers are always available to the client: the gateway keeps its own upstream and
/// maps them back.
pub fn accepted(connack: &Connack, asked: &SessionBeginEx) -> SessionAcceptedEx {
    let properties = &connack.properties;
    SessionAcceptedEx {
        session_present: connack.session_present,
        session_expiry: properties
            .session_expiry_interval
            .filter(|expiry| *expiry != asked.session_expiry),
        maximum_qos: maximum_qos(properties.maximum_qos),
        retain_available: properties.retain_available.unwrap_or(true),
        wildcard_subscription_available: properties.wildcard_subscription_available.unwrap_or(true),
        subscription_identifiers_available: true,
        shared_subscription_available: properties.shared_subscription_available.unwrap_or(true),
        maximum_packet_size: properties.maximum_packet_size,
        receive_maximum: properties.receive_maximum.unwrap_or(u16::MAX),
        server_keep_alive: properties
            .server_keep_alive
            .filter(|keep_alive| *keep_alive != asked.keep_alive),
        user_properties: properties.user_properties.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{MessageProperties, WillMessage};
    use bytes::Bytes;

    fn session() -> SessionBeginEx {
        SessionBeginEx {
            client_id: "c1".into(),
            client_id_assigned: false,
            clean_start: false,
            session_expiry: u32::MAX,
            keep_alive: 0,
            will: Some(WillMessage {
                topic: "will/t".into(),
                payload: Bytes::from_static(b"gone"),
                qos: QoS::AtLeastOnce,
                retain: true,
                delay: 5,
                properties: MessageProperties::default(),
            }),
            receive_maximum: u16::MAX,
            maximum_packet_size: Some(1024),
            v5: false,
            user_properties: vec![("a".into(), "b".into())],
        }
    }

    #[test]
    fn connect_carries_the_session_and_its_will() {
        let connect = connect_packet(&session());
        assert_eq!(connect.protocol, ProtocolVersion::V5);
        assert_eq!(connect.keep_alive, DEFAULT_KEEP_ALIVE);
        assert_eq!(connect.properties.session_expiry_interval, Some(u32::MAX));
        assert_eq!(connect.properties.receive_maximum, None);
        assert_eq!(connect.properties.maximum_packet_size, Some(1024));
        let will = connect.will.unwrap_or_else(|| panic!("no will"));
        assert_eq!(will.properties.will_delay_interval, Some(5));
        assert!(will.retain);
    }

    #[test]
    fn connack_limits_reach_the_session_reply() {
        let connack = Connack {
            session_present: true,
            reason_code: 0,
            properties: Properties::from(PropertySet {
                maximum_qos: Some(1),
                retain_available: Some(false),
                receive_maximum: Some(20),
                session_expiry_interval: Some(u32::MAX),
                ..PropertySet::default()
            }),
        };
        let accepted = accepted(&connack, &session());
        assert!(accepted.session_present);
        assert_eq!(accepted.maximum_qos, QoS::AtLeastOnce);
        assert!(!accepted.retain_available);
        assert_eq!(accepted.receive_maximum, 20);
        assert_eq!(accepted.session_expiry, None);
        let limits = BrokerLimits::from_connack(&connack, 30);
        assert_eq!(limits.receive_maximum, 20);
        assert_eq!(limits.keep_alive, 30);
    }
}

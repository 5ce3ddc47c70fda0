//! The MQTT proxy's handling of connections end to end: CONNECT rules, keep-alive, bad input,
//! an unavailable broker and flow control, through `tcp → mqtt server → mqtt client → tcp →
//! Mosquitto`.

mod support;

use std::time::Duration;

use support::mosquitto::{stdout, Broker, Subscriber};
use support::proxy::{proxy_config, round_trip, setup, Setup, V311, V5};
use support::raw_mqtt::{connect_packet, RawClient};
use support::{free_port, reserve_port, Gateway};
use zilla_binding_mqtt::codec::{Packet, ProtocolVersion, Publish, QoS};

#[test]
fn an_empty_client_id_gets_an_assigned_one_in_v5() {
    let setup = setup();
    let mut client = RawClient::connect(setup.port, ProtocolVersion::V5);
    client.send(&connect_packet("", 30, ProtocolVersion::V5));
    match client.receive(Duration::from_secs(5)) {
        Some(Packet::Connack(connack)) => {
            assert_eq!(connack.reason_code, 0);
            let assigned = connack
                .properties
                .into_set()
                .assigned_client_identifier
                .unwrap_or_default();
            assert!(!assigned.is_empty());
        }
        other => panic!("expected CONNACK, got {other:?}"),
    }
}

#[test]
fn the_brokers_server_keep_alive_reaches_v5_clients() {
    let broker = Broker::start_with(free_port(), "max_keepalive 10\n");
    let port = free_port();
    let _gateway = Gateway::start(&proxy_config(port, broker.port), &[]);
    let mut client = RawClient::connect(port, ProtocolVersion::V5);
    client.send(&connect_packet("kept", 60, ProtocolVersion::V5));
    match client.receive(Duration::from_secs(5)) {
        Some(Packet::Connack(connack)) => {
            assert_eq!(connack.reason_code, 0);
            assert_eq!(connack.properties.server_keep_alive, Some(10));
        }
        other => panic!("expected CONNACK, got {other:?}"),
    }
}

#[test]
fn zillas_mqtt_properties_set_the_servers_limits() {
    let broker = Broker::start();
    let port = free_port();
    let _gateway = Gateway::start_with_args(
        &proxy_config(port, broker.port),
        &[
            "-P",
            "zilla.binding.mqtt.keep.alive.maximum=5",
            "-P",
            "zilla.binding.mqtt.topic.alias.maximum=0",
            "-P",
            "zilla.binding.mqtt.connect.timeout=1",
        ],
    );
    let mut client = RawClient::connect(port, ProtocolVersion::V5);
    client.send(&connect_packet("limited", 60, ProtocolVersion::V5));
    match client.receive(Duration::from_secs(5)) {
        Some(Packet::Connack(connack)) => {
            assert_eq!(connack.reason_code, 0);
            assert_eq!(connack.properties.server_keep_alive, Some(5));
            assert_eq!(connack.properties.topic_alias_maximum, None, "no aliases");
        }
        other => panic!("expected CONNACK, got {other:?}"),
    }
    // A connection that never sends CONNECT is closed after one second, not the default three.
    let mut silent = RawClient::connect(port, ProtocolVersion::V5);
    let opened = std::time::Instant::now();
    assert!(silent.closed_within(Duration::from_secs(5)));
    assert!(
        opened.elapsed() < Duration::from_millis(2500),
        "{:?}",
        opened.elapsed()
    );
}

#[test]
fn keep_alive_expiry_closes_the_connection() {
    let setup = setup();
    let mut client = RawClient::connect(setup.port, ProtocolVersion::V3_1_1);
    client.send(&connect_packet("sleepy", 1, ProtocolVersion::V3_1_1));
    assert!(matches!(
        client.receive(Duration::from_secs(5)),
        Some(Packet::Connack(_))
    ));
    // 1.5 × 1 s without a packet, with some slack.
    assert!(client.closed_within(Duration::from_secs(4)));
}

#[test]
fn a_first_packet_that_is_not_connect_is_closed_without_an_answer() {
    let setup = setup();
    let mut client = RawClient::connect(setup.port, ProtocolVersion::V3_1_1);
    client.send_raw(&[0xC0, 0x00]); // PINGREQ
    assert!(client.closed_within(Duration::from_secs(5)));
    assert!(client.leftover().is_empty());
}

#[test]
fn malformed_and_oversized_packets_close_the_connection_and_the_gateway_carries_on() {
    let setup = setup();
    // A CONNECT whose protocol name length runs past the packet.
    let mut malformed = RawClient::connect(setup.port, ProtocolVersion::V3_1_1);
    malformed.send_raw(&[0x10, 0x04, 0x00, 0xFF, b'M', b'Q']);
    assert!(malformed.closed_within(Duration::from_secs(5)));
    // A declared remaining length of ~256 MB.
    let mut oversized = RawClient::connect(setup.port, ProtocolVersion::V3_1_1);
    oversized.send_raw(&[0x10, 0xFF, 0xFF, 0xFF, 0x7F]);
    assert!(oversized.closed_within(Duration::from_secs(5)));
    round_trip(&setup, V311, "1");
}

#[test]
fn the_gateway_refuses_cleanly_while_the_broker_is_down_and_recovers_when_it_is_back() {
    // The broker's port is held while it is down: stopping a broker and starting it again later
    // left the port free for a broker of a test running alongside, which then answered.
    let reserved = reserve_port();
    let broker_port = reserved.port;
    let port = free_port();
    let gateway = Gateway::start(&proxy_config(port, broker_port), &[]);
    let mut client = RawClient::connect(port, ProtocolVersion::V5);
    client.send(&connect_packet("patient", 30, ProtocolVersion::V5));
    match client.receive(Duration::from_secs(8)) {
        Some(Packet::Connack(connack)) => assert!(connack.reason_code >= 0x80, "{connack:?}"),
        None => {} // closed without an answer is also a clean refusal
        other => panic!("unexpected {other:?}"),
    }
    // The broker comes back on the same port.
    drop(reserved);
    let setup = Setup {
        broker: Broker::start_on(broker_port),
        _gateway: gateway,
        port,
    };
    round_trip(&setup, V5, "1");
}

/// A 3.1.1 client cannot be told a receive maximum, so it may have more QoS 1 messages in flight
/// than the broker behind the gateway accepts (Mosquitto's default is 20): the gateway paces them
/// upstream instead of disconnecting the client.
#[test]
fn a_v3_publisher_with_many_qos1_in_flight_is_paced_not_disconnected() {
    let setup = setup();
    let subscriber = Subscriber::start(
        setup.port,
        &["-t", "burst", "-q", "1", "-C", "200", "-W", "15"],
    );
    let mut client = RawClient::connect(setup.port, ProtocolVersion::V3_1_1);
    client.send(&connect_packet(
        "burst-publisher",
        30,
        ProtocolVersion::V3_1_1,
    ));
    assert!(matches!(
        client.receive(Duration::from_secs(5)),
        Some(Packet::Connack(_))
    ));
    for id in 1..=200u16 {
        client.send(&Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtLeastOnce,
            retain: false,
            topic: "burst".to_owned(),
            packet_id: std::num::NonZeroU16::new(id),
            properties: Default::default(),
            payload: bytes::Bytes::from(format!("m{id}")),
        }));
    }
    let mut acknowledged = 0;
    while acknowledged < 200 {
        match client.receive(Duration::from_secs(10)) {
            Some(Packet::Puback(_)) => acknowledged += 1,
            other => panic!("after {acknowledged} PUBACKs: {other:?}"),
        }
    }
    assert_eq!(stdout(&subscriber.wait()).lines().count(), 200);
}

//! The MQTT proxy pipeline end to end: `tcp → mqtt server → mqtt client → tcp → Mosquitto`,
//! driven by mosquitto_pub/mosquitto_sub and a bare client built on the project's codec.

mod support;

use std::time::Duration;

use support::mosquitto::{publish, stdout, Broker, Subscriber};
use support::raw_mqtt::{connect_packet, RawClient};
use support::{free_port, Gateway};
use zilla_binding_mqtt::codec::{
    Packet, ProtocolVersion, Publish, QoS, Subscribe, Subscription, SubscriptionOptions,
};

fn proxy_config(port: u16, broker: u16) -> String {
    format!(
        "name: test
bindings:
  north_tcp_server:
    type: tcp
    kind: server
    options:
      host: 127.0.0.1
      port: {port}
    exit: north_mqtt_server
  north_mqtt_server:
    type: mqtt
    kind: server
    exit: north_mqtt_client
  north_mqtt_client:
    type: mqtt
    kind: client
    exit: south_tcp_client
  south_tcp_client:
    type: tcp
    kind: client
    options:
      host: 127.0.0.1
      port: {broker}
telemetry:
  exporters:
    stdout_logs_exporter:
      type: stdout
"
    )
}

struct Setup {
    broker: Broker,
    _gateway: Gateway,
    port: u16,
}

fn setup() -> Setup {
    let broker = Broker::start();
    let port = free_port();
    let gateway = Gateway::start(&proxy_config(port, broker.port), &[]);
    Setup {
        broker,
        _gateway: gateway,
        port,
    }
}

const V5: &str = "mqttv5";
const V311: &str = "mqttv311";

fn round_trip(setup: &Setup, version: &str, qos: &str) {
    let topic = format!("sensors/{version}/{qos}");
    let subscriber = Subscriber::start(
        setup.port,
        &[
            "-V", version, "-q", qos, "-t", &topic, "-C", "1", "-W", "10", "-F", "%t %q %p",
        ],
    );
    let published = publish(
        setup.port,
        &["-V", version, "-q", qos, "-t", &topic, "-m", "Hello, world"],
    );
    assert!(published.status.success(), "{published:?}");
    let output = subscriber.wait();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        stdout(&output).trim(),
        format!("{topic} {qos} Hello, world")
    );
}

#[test]
fn publish_and_subscribe_through_the_gateway_at_every_qos_in_both_versions() {
    let setup = setup();
    for version in [V311, V5] {
        for qos in ["0", "1", "2"] {
            round_trip(&setup, version, qos);
        }
    }
    drop(setup.broker);
}

#[test]
fn messages_cross_between_gateway_clients_and_direct_broker_clients() {
    let setup = setup();
    let through = Subscriber::start(setup.port, &["-t", "a/b", "-C", "1", "-W", "10"]);
    let published = publish(setup.broker.port, &["-t", "a/b", "-m", "direct"]);
    assert!(published.status.success());
    assert_eq!(stdout(&through.wait()).trim(), "direct");

    let direct = Subscriber::start(setup.broker.port, &["-t", "c/d", "-C", "1", "-W", "10"]);
    let published = publish(setup.port, &["-t", "c/d", "-q", "1", "-m", "through"]);
    assert!(published.status.success());
    assert_eq!(stdout(&direct.wait()).trim(), "through");
}

#[test]
fn v5_properties_survive_the_trip() {
    let setup = setup();
    let subscriber = Subscriber::start(
        setup.port,
        &[
            "-V",
            V5,
            "-t",
            "props",
            "-C",
            "1",
            "-W",
            "10",
            "-F",
            "%p|%C|%R|%P|%F",
        ],
    );
    let published = publish(
        setup.port,
        &[
            "-V",
            V5,
            "-t",
            "props",
            "-m",
            "{}",
            "-D",
            "publish",
            "content-type",
            "application/json",
            "-D",
            "publish",
            "response-topic",
            "replies",
            "-D",
            "publish",
            "user-property",
            "k",
            "v",
            "-D",
            "publish",
            "payload-format-indicator",
            "1",
        ],
    );
    assert!(published.status.success(), "{published:?}");
    assert_eq!(
        stdout(&subscriber.wait()).trim(),
        "{}|application/json|replies|k:v|1"
    );
}

#[test]
fn retained_messages_reach_later_subscribers() {
    let setup = setup();
    let published = publish(setup.port, &["-t", "state", "-r", "-q", "1", "-m", "on"]);
    assert!(published.status.success());
    let subscriber = Subscriber::start(
        setup.port,
        &["-t", "state", "-C", "1", "-W", "10", "-F", "%r %p"],
    );
    assert_eq!(stdout(&subscriber.wait()).trim(), "1 on");
}

/// An empty retained publish deletes the retained message. Empty messages must still be
/// acknowledged only once the broker has them: a PUBREC ahead of the broker's let the client's
/// PUBREL overtake it, and the gateway completed the exchange without releasing the message
/// upstream, so the broker never applied the deletion.
#[test]
fn empty_retained_publishes_clear_retained_messages_at_every_qos() {
    let setup = setup();
    for qos in ["0", "1", "2"] {
        let topic = format!("cleared/{qos}");
        let published = publish(setup.broker.port, &["-t", &topic, "-r", "-m", "old"]);
        assert!(published.status.success());
    }
    let mut client = RawClient::connect(setup.port, ProtocolVersion::V3_1_1);
    client.send(&connect_packet("clearer", 30, ProtocolVersion::V3_1_1));
    assert!(matches!(
        client.receive(Duration::from_secs(5)),
        Some(Packet::Connack(_))
    ));
    for (id, qos) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]
        .into_iter()
        .enumerate()
    {
        client.send(&Packet::Publish(Publish {
            dup: false,
            qos,
            retain: true,
            topic: format!("cleared/{id}"),
            packet_id: (qos != QoS::AtMostOnce)
                .then(|| std::num::NonZeroU16::new(id as u16))
                .flatten(),
            properties: Default::default(),
            payload: bytes::Bytes::new(),
        }));
    }
    let mut complete = (false, false);
    while complete != (true, true) {
        match client.receive(Duration::from_secs(5)) {
            Some(Packet::Puback(_)) => complete.0 = true,
            Some(Packet::Pubrec(ack)) => client.send(&Packet::Pubrel(ack)),
            Some(Packet::Pubcomp(_)) => complete.1 = true,
            other => panic!("after {complete:?}: {other:?}"),
        }
    }
    let remaining = Subscriber::start(
        setup.broker.port,
        &["-t", "cleared/#", "-W", "2", "-F", "%t %p"],
    );
    assert_eq!(stdout(&remaining.wait()).trim(), "");
}

/// QoS 1 messages the client never acknowledged are still the broker's to redeliver when the
/// persistent session comes back, however it left: the gateway must not acknowledge them
/// upstream for it, neither an empty one (whose delivery costs next to nothing) nor any other
/// when the client disconnects politely.
#[test]
fn unacknowledged_messages_are_redelivered_to_the_resumed_session() {
    let setup = setup();
    let resume = |clean_start: bool| {
        let mut client = RawClient::connect(setup.port, ProtocolVersion::V3_1_1);
        let mut connect = connect_packet("forgetful", 30, ProtocolVersion::V3_1_1);
        if let Packet::Connect(connect) = &mut connect {
            connect.clean_start = clean_start;
        }
        client.send(&connect);
        assert!(matches!(
            client.receive(Duration::from_secs(5)),
            Some(Packet::Connack(_))
        ));
        client
    };
    let received = |client: &mut RawClient| {
        let mut payloads = Vec::new();
        while let Some(packet) = client.receive(Duration::from_secs(2)) {
            match packet {
                Packet::Publish(publish) => payloads.push(publish.payload),
                other => panic!("expected PUBLISH, got {other:?}"),
            }
        }
        payloads
    };
    resume(true).send(&Packet::Disconnect(Default::default()));
    let mut client = resume(false);
    client.send(&Packet::Subscribe(Subscribe {
        packet_id: std::num::NonZeroU16::MIN,
        properties: Default::default(),
        subscriptions: vec![Subscription {
            filter: "redelivered/#".to_owned(),
            options: SubscriptionOptions {
                qos: QoS::AtLeastOnce,
                ..Default::default()
            },
        }],
    }));
    assert!(matches!(
        client.receive(Duration::from_secs(5)),
        Some(Packet::Suback(_))
    ));
    for payload in [&["-n"][..], &["-m", "full"][..]] {
        let mut args = vec!["-t", "redelivered/x", "-q", "1"];
        args.extend_from_slice(payload);
        assert!(publish(setup.broker.port, &args).status.success());
    }
    assert_eq!(received(&mut client), ["", "full"]);
    // Gone without a PUBACK.
    client.send(&Packet::Disconnect(Default::default()));
    std::thread::sleep(Duration::from_millis(500));
    let mut client = resume(false);
    assert_eq!(received(&mut client), ["", "full"]);
}

#[test]
fn a_will_is_published_on_abrupt_close_but_not_on_disconnect() {
    let setup = setup();
    let watcher = Subscriber::start(
        setup.broker.port,
        &["-t", "wills/#", "-W", "6", "-F", "%t %p"],
    );
    let abrupt = Subscriber::start(
        setup.port,
        &[
            "-t",
            "x",
            "--will-topic",
            "wills/abrupt",
            "--will-payload",
            "gone",
        ],
    );
    let polite = Subscriber::start(
        setup.port,
        &[
            "-t",
            "x",
            "-C",
            "1",
            "--will-topic",
            "wills/polite",
            "--will-payload",
            "gone",
        ],
    );
    abrupt.kill();
    assert!(publish(setup.port, &["-t", "x", "-m", "bye"])
        .status
        .success());
    let polite_output = polite.wait();
    assert!(polite_output.status.success());
    let seen = stdout(&watcher.wait());
    assert!(seen.contains("wills/abrupt gone"), "{seen}");
    assert!(!seen.contains("wills/polite"), "{seen}");
}

#[test]
fn a_persistent_session_gets_the_qos1_messages_queued_while_it_was_away() {
    let setup = setup();
    let first = Subscriber::start(
        setup.port,
        &["-c", "-i", "device-7", "-q", "1", "-t", "cmd", "-E"],
    );
    assert!(first.wait().status.success());
    assert!(publish(
        setup.broker.port,
        &["-q", "1", "-t", "cmd", "-m", "while away"]
    )
    .status
    .success());
    let resumed = Subscriber::start(
        setup.port,
        &[
            "-c", "-i", "device-7", "-q", "1", "-t", "cmd", "-C", "1", "-W", "10",
        ],
    );
    assert_eq!(stdout(&resumed.wait()).trim(), "while away");
}

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
fn v5_topic_aliases_are_resolved_for_the_upstream() {
    let setup = setup();
    let subscriber = Subscriber::start(
        setup.port,
        &["-t", "aliased/#", "-C", "2", "-W", "10", "-F", "%t %p"],
    );
    let mut client = RawClient::connect(setup.port, ProtocolVersion::V5);
    client.send(&connect_packet("alias-user", 30, ProtocolVersion::V5));
    assert!(matches!(
        client.receive(Duration::from_secs(5)),
        Some(Packet::Connack(_))
    ));
    let mut first = Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: "aliased/one".to_owned(),
        packet_id: None,
        properties: Default::default(),
        payload: bytes::Bytes::from_static(b"first"),
    };
    first.properties.topic_alias = Some(1);
    client.send(&Packet::Publish(first.clone()));
    let mut second = first;
    second.topic = String::new();
    second.payload = bytes::Bytes::from_static(b"second");
    client.send(&Packet::Publish(second));
    assert_eq!(
        stdout(&subscriber.wait()).trim(),
        "aliased/one first\naliased/one second"
    );
}

#[test]
fn the_gateway_refuses_cleanly_while_the_broker_is_down_and_recovers_when_it_is_back() {
    let mut setup = setup();
    let broker_port = setup.broker.port;
    setup.broker.stop();
    let mut client = RawClient::connect(setup.port, ProtocolVersion::V5);
    client.send(&connect_packet("patient", 30, ProtocolVersion::V5));
    match client.receive(Duration::from_secs(8)) {
        Some(Packet::Connack(connack)) => assert!(connack.reason_code >= 0x80, "{connack:?}"),
        None => {} // closed without an answer is also a clean refusal
        other => panic!("unexpected {other:?}"),
    }
    // The broker comes back on the same port.
    let _again = Broker::start_on(broker_port);
    round_trip(&setup, V5, "1");
}

#[test]
fn an_independent_v5_client_library_works_through_the_gateway() {
    let setup = setup();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/paho_v5.py");
    let output = std::process::Command::new("python3")
        .arg(script)
        .arg(setup.port.to_string())
        .output()
        .expect("python3 runs (scripts/setup.sh installs paho-mqtt)");
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
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

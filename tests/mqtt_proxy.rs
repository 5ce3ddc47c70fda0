//! The MQTT proxy pipeline end to end: `tcp → mqtt server → mqtt client → tcp → Mosquitto`,
//! driven by mosquitto_pub/mosquitto_sub and a bare client built on the project's codec.

mod support;

use std::time::Duration;

use support::mosquitto::{publish, stdout, Subscriber};
use support::proxy::{round_trip, setup, V311, V5};
use support::raw_mqtt::{connect_packet, RawClient};
use zilla_binding_mqtt::codec::{
    Packet, ProtocolVersion, Publish, QoS, Subscribe, Subscription, SubscriptionOptions,
};

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
fn v5_clients_that_accept_topic_aliases_get_them_on_repeated_topics() {
    let setup = setup();
    let mut accepting = aliased_subscriber(setup.port, "accepts-aliases", Some(2));
    let mut declining = aliased_subscriber(setup.port, "declines-aliases", None);
    // Through the gateway a SUBACK may come back before the broker applies the subscription.
    std::thread::sleep(Duration::from_millis(200));
    const TOPICS: [&str; 5] = [
        "aliased/one",
        "aliased/one",
        "aliased/two",
        "aliased/three",
        "aliased/one",
    ];
    for topic in TOPICS {
        let published = publish(setup.port, &["-t", topic, "-m", topic]);
        assert!(published.status.success());
    }

    let received = |client: &mut RawClient| -> Vec<(String, Option<u16>, String)> {
        (0..5)
            .map(|_| match client.receive(Duration::from_secs(10)) {
                Some(Packet::Publish(publish)) => (
                    publish.topic,
                    publish.properties.topic_alias,
                    String::from_utf8_lossy(&publish.payload).into_owned(),
                ),
                other => panic!("expected a PUBLISH, got {other:?}"),
            })
            .collect()
    };
    let named = |topic: &str, alias: Option<u16>| (topic.to_owned(), alias, topic.to_owned());
    let aliased = |alias: u16, payload: &str| (String::new(), Some(alias), payload.to_owned());
    assert_eq!(
        received(&mut accepting),
        [
            named("aliased/one", Some(1)),
            aliased(1, "aliased/one"),
            named("aliased/two", Some(2)),
            // Both aliases taken: the one assigned longest ago goes to the new topic.
            named("aliased/three", Some(1)),
            named("aliased/one", Some(2)),
        ]
    );
    assert_eq!(
        received(&mut declining),
        TOPICS.map(|topic| named(topic, None))
    );
}

/// A v5 client subscribed to `aliased/#` that announced `topic_alias_maximum`.
fn aliased_subscriber(port: u16, client_id: &str, topic_alias_maximum: Option<u16>) -> RawClient {
    let mut client = RawClient::connect(port, ProtocolVersion::V5);
    let mut connect = connect_packet(client_id, 30, ProtocolVersion::V5);
    if let Packet::Connect(connect) = &mut connect {
        connect.properties.topic_alias_maximum = topic_alias_maximum;
    }
    client.send(&connect);
    assert!(matches!(
        client.receive(Duration::from_secs(5)),
        Some(Packet::Connack(_))
    ));
    client.send(&Packet::Subscribe(Subscribe {
        packet_id: std::num::NonZeroU16::MIN,
        properties: Default::default(),
        subscriptions: vec![Subscription {
            filter: "aliased/#".to_owned(),
            options: SubscriptionOptions::default(),
        }],
    }));
    assert!(matches!(
        client.receive(Duration::from_secs(5)),
        Some(Packet::Suback(_))
    ));
    client
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

/// One connection publishing to many topics has a publish stream per topic; every message and
/// every acknowledgement still gets through, whichever stream it travels on.
#[test]
fn one_connection_publishing_to_many_topics_gets_every_message_through() {
    const TOPICS: u16 = 300;
    const ROUNDS: u16 = 3;
    let setup = setup();
    let subscriber = Subscriber::start(
        setup.port,
        &[
            "-t",
            "many/#",
            "-q",
            "1",
            "-C",
            &(TOPICS * ROUNDS).to_string(),
            "-W",
            "20",
            "-F",
            "%t %p",
        ],
    );
    // Through the gateway a SUBACK may come back before the broker applies the subscription.
    std::thread::sleep(Duration::from_millis(300));

    let mut publisher = RawClient::connect(setup.port, ProtocolVersion::V3_1_1);
    publisher.send(&connect_packet("many-topics", 30, ProtocolVersion::V3_1_1));
    assert!(matches!(
        publisher.receive(Duration::from_secs(5)),
        Some(Packet::Connack(_))
    ));
    let mut expected = Vec::new();
    for round in 0..ROUNDS {
        for topic in 0..TOPICS {
            let id = round * TOPICS + topic + 1;
            let (topic, payload) = (format!("many/{topic}"), format!("{round}"));
            publisher.send(&Packet::Publish(Publish {
                dup: false,
                qos: QoS::AtLeastOnce,
                retain: false,
                topic: topic.clone(),
                packet_id: std::num::NonZeroU16::new(id),
                properties: Default::default(),
                payload: payload.clone().into(),
            }));
            expected.push(format!("{topic} {payload}"));
        }
    }
    let mut acknowledged = std::collections::BTreeSet::new();
    while acknowledged.len() < expected.len() {
        match publisher.receive(Duration::from_secs(10)) {
            Some(Packet::Puback(ack)) => {
                acknowledged.insert(ack.packet_id.get());
            }
            other => panic!(
                "expected PUBACKs, got {other:?} after {}",
                acknowledged.len()
            ),
        }
    }

    let output = stdout(&subscriber.wait());
    let mut received: Vec<&str> = output.lines().collect();
    received.sort_unstable();
    expected.sort_unstable();
    assert_eq!(received, expected);
}

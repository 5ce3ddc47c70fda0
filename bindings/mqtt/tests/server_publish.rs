//! The client's publishes: one stream per topic, acknowledgements that wait for the next hop,
//! the QoS 2 release handshake, and what the server refuses.

mod server_support;

use std::time::Duration;

use bytes::Bytes;
use serde_json::json;
use server_support::*;
use zilla_binding_mqtt::codec::{reason, Packet, Properties, Publish, PublishAck, QoS};
use zilla_binding_mqtt::contract::{PublishFlushEx, SessionAcceptedEx};
use zilla_engine::frame::{Extension, Frame};

#[tokio::test]
async fn qos0_opens_one_stream_per_topic_and_reuses_it() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, _session) = gateway
        .connected(connect(V3, "pub"), SessionAcceptedEx::default())
        .await;
    client
        .send(&publish("a/b", QoS::AtMostOnce, None, b"one"))
        .await;
    let mut stream = gateway.next_stream().await;
    assert_eq!(stream.publish().topic, "a/b");
    assert_eq!(stream.publish().client_id, "pub");
    stream.accept(Extension::none());
    let (data, message) = stream.message().await;
    assert_eq!(&data.payload[..], b"one");
    assert!(data.is_init() && data.is_fin());
    assert_eq!(
        (message.topic.as_str(), message.qos),
        ("a/b", QoS::AtMostOnce)
    );

    client
        .send(&publish("a/b", QoS::AtMostOnce, None, b"two"))
        .await;
    let (data, _) = stream.message().await;
    assert_eq!(&data.payload[..], b"two");
    gateway.no_stream(Duration::from_millis(100)).await;
    client.silent(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn qos1_puback_waits_for_the_next_hops_acknowledgement() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, _session) = gateway
        .connected(connect(V5, "pub"), SessionAcceptedEx::default())
        .await;
    client
        .send(&publish("t", QoS::AtLeastOnce, Some(7), b"m"))
        .await;
    let mut stream = gateway.next_stream().await;
    stream.accept(Extension::none());
    let (_, message) = stream.message().await;
    assert_eq!(message.qos, QoS::AtLeastOnce);
    client.silent(Duration::from_millis(200)).await;

    stream.end.rx.acknowledge_all();
    match client.recv().await {
        Packet::Puback(ack) => assert_eq!(ack.packet_id, id(7)),
        other => panic!("expected PUBACK, got {other:?}"),
    }
}

#[tokio::test]
async fn qos2_pubrec_pubrel_pubcomp_through_the_release_flush() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, _session) = gateway
        .connected(connect(V3, "pub"), SessionAcceptedEx::default())
        .await;
    client
        .send(&publish("t", QoS::ExactlyOnce, Some(9), b"m"))
        .await;
    let mut stream = gateway.next_stream().await;
    stream.accept(Extension::none());
    let (_, message) = stream.message().await;
    assert_eq!(message.packet_id, Some(9));
    client.silent(Duration::from_millis(200)).await;
    stream.end.rx.acknowledge_all();
    assert_eq!(
        client.recv().await,
        Packet::Pubrec(PublishAck::success(id(9)))
    );

    // A redelivery before the release is acknowledged again, never forwarded twice.
    let mut again = publish("t", QoS::ExactlyOnce, Some(9), b"m");
    if let Packet::Publish(publish) = &mut again {
        publish.dup = true;
    }
    client.send(&again).await;
    assert_eq!(
        client.recv().await,
        Packet::Pubrec(PublishAck::success(id(9)))
    );
    stream.quiet(Duration::from_millis(100)).await;

    client
        .send(&Packet::Pubrel(PublishAck::success(id(9))))
        .await;
    match stream.frame().await {
        Frame::Flush(extension) => {
            assert_eq!(
                extension.get::<PublishFlushEx>(),
                Some(&PublishFlushEx::Release(9))
            )
        }
        other => panic!("expected the release, got {other:?}"),
    }
    client.silent(Duration::from_millis(100)).await;
    let released = Extension::new(PublishFlushEx::Released(9));
    stream
        .end
        .tx
        .flush(released)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        client.recv().await,
        Packet::Pubcomp(PublishAck::success(id(9)))
    );
}

#[tokio::test]
async fn large_messages_are_fragmented_within_the_window() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, _session) = gateway
        .connected(connect(V5, "pub"), SessionAcceptedEx::default())
        .await;
    let payload: &'static [u8] = Box::leak(vec![7u8; 200 * 1024].into_boxed_slice());
    client
        .send(&publish("big", QoS::AtLeastOnce, Some(1), payload))
        .await;
    let mut stream = gateway.next_stream().await;
    stream.accept(Extension::none());
    let (first, _) = stream.message().await;
    assert!(first.is_init() && !first.is_fin());
    assert_eq!(first.length, Some(payload.len()));
    let mut received = first.payload.len();
    stream.end.rx.acknowledge_all();
    loop {
        match stream.frame().await {
            Frame::Data(data) => {
                received += data.payload.len();
                stream.end.rx.acknowledge_all();
                if data.is_fin() {
                    break;
                }
            }
            other => panic!("expected data, got {other:?}"),
        }
    }
    assert_eq!(received, payload.len());
    assert!(matches!(client.recv().await, Packet::Puback(_)));
}

#[tokio::test]
async fn topic_aliases_resolve_and_an_alias_over_the_maximum_is_refused() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, _session) = gateway
        .connected(connect(V5, "pub"), SessionAcceptedEx::default())
        .await;
    let aliased = |topic: &str, alias: u16| {
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: topic.to_owned(),
            packet_id: None,
            properties: Properties::default().with_topic_alias(alias),
            payload: Bytes::from_static(b"x"),
        })
    };
    client.send(&aliased("long/topic", 1)).await;
    client.send(&aliased("", 1)).await;
    let mut stream = gateway.next_stream().await;
    assert_eq!(stream.publish().topic, "long/topic");
    stream.accept(Extension::none());
    stream.message().await;
    let (_, message) = stream.message().await;
    assert_eq!(message.topic, "long/topic");

    client.send(&aliased("other", 1000)).await;
    assert_eq!(
        disconnect_code(client.recv().await),
        reason::TOPIC_ALIAS_INVALID
    );
    client.closed().await;
}

fn routed_config() -> zilla_engine::config::model::BindingConfig {
    serde_json::from_value(json!({
        "type": "mqtt", "kind": "server",
        "routes": [
            {"when": [{"session": [{"client-id": "*"}]}], "exit": "next"},
            {"when": [{"publish": [{"topic": "allowed/#"}]}], "exit": "next"}
        ]
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn an_unroutable_publish_disconnects_v5_with_0x83_and_closes_v3() {
    let mut gateway = Gateway::start_with(routed_config(), None).await;
    let (mut client, mut session) = gateway
        .connected(connect(V5, "pub"), SessionAcceptedEx::default())
        .await;
    client
        .send(&publish("allowed/x", QoS::AtMostOnce, None, b"ok"))
        .await;
    let mut allowed = gateway.next_stream().await;
    allowed.accept(Extension::none());
    allowed.message().await;
    client
        .send(&publish("elsewhere", QoS::AtMostOnce, None, b"no"))
        .await;
    assert_eq!(
        disconnect_code(client.recv().await),
        reason::IMPLEMENTATION_SPECIFIC_ERROR
    );
    client.closed().await;
    assert!(matches!(session.frame().await, Frame::Abort(_)));

    let (mut v3, _session) = gateway
        .connected(connect(V3, "pub3"), SessionAcceptedEx::default())
        .await;
    v3.send(&publish("elsewhere", QoS::AtMostOnce, None, b"no"))
        .await;
    v3.closed().await;
}

#[tokio::test]
async fn a_publish_then_disconnect_reaches_the_next_hop_before_the_session_ends() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, mut session) = gateway
        .connected(connect(V3, "mosquitto_pub"), SessionAcceptedEx::default())
        .await;
    let mut bytes = bytes::BytesMut::new();
    let packets = [
        publish("t", QoS::AtMostOnce, None, b"last words"),
        Packet::Disconnect(Default::default()),
    ];
    for packet in &packets {
        zilla_binding_mqtt::codec::encode(packet, V3, &mut bytes).unwrap_or_else(|e| panic!("{e}"));
    }
    client.send_raw(&bytes).await;
    let mut stream = gateway.next_stream().await;
    stream.accept(Extension::none());
    let (data, _) = stream.message().await;
    assert_eq!(&data.payload[..], b"last words");
    // Until the publish is consumed, the session stays open.
    session.quiet(Duration::from_millis(300)).await;
    stream.end.rx.acknowledge_all();
    assert!(matches!(session.frame().await, Frame::End(_)));
    assert!(matches!(stream.frame().await, Frame::End(_)));
    client.closed().await;
}

#[tokio::test]
async fn guarded_identity_params_route_only_the_owners_topics() {
    let config = mqtt_config(
        json!({"authorization": {"guard": {"credentials": {"connect": {"username": "{credentials}"}}}}}),
        json!([
            {"when": [{"session": [{"client-id": "*"}]}], "exit": "next"},
            {"when": [{"publish": [{"topic": "devices/{id}/#", "params": {"id": "${guarded['guard'].identity}"}}]}], "exit": "next"}
        ]),
    );
    let mut config = config;
    config.exit = None;
    let guard = FakeGuard { expires_in: None };
    let mut gateway = Gateway::start_with(config, Some(guard)).await;
    let mut request = connect(V5, "device");
    request.username = Some("good-token".to_owned());
    let (mut client, _session) = gateway
        .connected(request, SessionAcceptedEx::default())
        .await;
    client
        .send(&publish("devices/alice/t", QoS::AtMostOnce, None, b"mine"))
        .await;
    let mut stream = gateway.next_stream().await;
    stream.accept(Extension::none());
    stream.message().await;
    client
        .send(&publish("devices/bob/t", QoS::AtMostOnce, None, b"theirs"))
        .await;
    assert_eq!(
        disconnect_code(client.recv().await),
        reason::IMPLEMENTATION_SPECIFIC_ERROR
    );
}

#[tokio::test]
async fn the_next_hops_limits_are_announced_and_enforced() {
    let mut gateway = Gateway::start(json!({})).await;
    let mut client = gateway.client(V5).await;
    client
        .send(&Packet::Connect(Box::new(connect(V5, "limited"))))
        .await;
    let mut session = gateway.next_stream().await;
    session.accept_session(SessionAcceptedEx {
        receive_maximum: 1,
        maximum_qos: QoS::AtLeastOnce,
        ..SessionAcceptedEx::default()
    });
    match client.recv().await {
        Packet::Connack(connack) => {
            assert_eq!(connack.properties.receive_maximum, Some(1));
            assert_eq!(connack.properties.maximum_qos, Some(1));
        }
        other => panic!("expected CONNACK, got {other:?}"),
    }
    client
        .send(&publish("t", QoS::AtLeastOnce, Some(1), b"a"))
        .await;
    let mut stream = gateway.next_stream().await;
    stream.accept(Extension::none());
    stream.message().await;
    client
        .send(&publish("t", QoS::AtLeastOnce, Some(2), b"b"))
        .await;
    assert_eq!(
        disconnect_code(client.recv().await),
        reason::RECEIVE_MAXIMUM_EXCEEDED
    );

    let (mut client, _session) = gateway
        .connected(
            connect(V5, "qos"),
            SessionAcceptedEx {
                maximum_qos: QoS::AtLeastOnce,
                ..SessionAcceptedEx::default()
            },
        )
        .await;
    client
        .send(&publish("t", QoS::ExactlyOnce, Some(1), b"a"))
        .await;
    assert_eq!(
        disconnect_code(client.recv().await),
        reason::QOS_NOT_SUPPORTED
    );
}

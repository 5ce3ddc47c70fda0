//! SUBSCRIBE/UNSUBSCRIBE answered once the next hop answered, and messages delivered to the
//! client with their acknowledgement flowing back as the reply window.

mod server_support;

use std::time::Duration;

use serde_json::json;
use server_support::*;
use zilla_binding_mqtt::codec::{reason, Packet, Properties, PublishAck, QoS, Unsubscribe};
use zilla_binding_mqtt::contract::{
    MessageEx, MessageProperties, SessionAcceptedEx, SubscribeFlushEx,
};
use zilla_engine::frame::{Extension, Frame};

fn suback(packet_id: u16, reason_codes: Vec<u8>) -> Extension {
    Extension::new(SubscribeFlushEx::Suback {
        packet_id,
        reason_codes,
    })
}

#[tokio::test]
async fn suback_waits_for_the_next_hop_and_merges_codes_in_order() {
    let mut gateway = Gateway::start(json!({})).await;
    for (version, invalid) in [(V5, reason::TOPIC_FILTER_INVALID), (V3, 0x80)] {
        let (mut client, _session) = gateway
            .connected(connect(version, "sub"), SessionAcceptedEx::default())
            .await;
        let filters = [("a/#/b", QoS::AtMostOnce), ("sensors/+", QoS::AtLeastOnce)];
        client.send(&subscribe(3, &filters)).await;
        let mut stream = gateway.next_stream().await;
        let begin = stream.subscribe().clone();
        assert_eq!(begin.packet_id, 3);
        assert_eq!(begin.filters.len(), 1);
        assert_eq!(
            begin.filters.first().map(|f| f.pattern.as_str()),
            Some("sensors/+")
        );
        stream.accept(Extension::none());
        client.silent(Duration::from_millis(200)).await;
        stream
            .end
            .tx
            .flush(suback(3, vec![1]))
            .unwrap_or_else(|e| panic!("{e}"));
        match client.recv().await {
            Packet::Suback(ack) => assert_eq!(ack.reason_codes, vec![invalid, 1]),
            other => panic!("expected SUBACK, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn later_subscriptions_and_unsubscriptions_flush_on_the_same_stream() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, _session) = gateway
        .connected(connect(V5, "sub"), SessionAcceptedEx::default())
        .await;
    client.send(&subscribe(1, &[("a", QoS::AtMostOnce)])).await;
    let mut stream = gateway.next_stream().await;
    stream.accept(Extension::none());
    stream
        .end
        .tx
        .flush(suback(1, vec![0]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(client.recv().await, Packet::Suback(_)));

    client.send(&subscribe(2, &[("b", QoS::ExactlyOnce)])).await;
    match stream.frame().await {
        Frame::Flush(extension) => match extension.get::<SubscribeFlushEx>() {
            Some(SubscribeFlushEx::Subscribe { packet_id, filters }) => {
                assert_eq!(*packet_id, 2);
                assert_eq!(
                    filters.first().map(|f| (f.pattern.as_str(), f.qos)),
                    Some(("b", QoS::ExactlyOnce))
                );
            }
            other => panic!("expected a subscribe flush, got {other:?}"),
        },
        other => panic!("expected a flush, got {other:?}"),
    }
    stream
        .end
        .tx
        .flush(suback(2, vec![2]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(client.recv().await, Packet::Suback(_)));

    client
        .send(&Packet::Unsubscribe(Unsubscribe {
            packet_id: id(4),
            properties: Properties::default(),
            filters: vec!["a".to_owned(), "never".to_owned()],
        }))
        .await;
    match stream.frame().await {
        Frame::Flush(extension) => assert_eq!(
            extension.get::<SubscribeFlushEx>(),
            Some(&SubscribeFlushEx::Unsubscribe {
                packet_id: 4,
                patterns: vec!["a".to_owned()]
            })
        ),
        other => panic!("expected a flush, got {other:?}"),
    }
    let unsuback = Extension::new(SubscribeFlushEx::Unsuback {
        packet_id: 4,
        reason_codes: vec![0],
    });
    stream
        .end
        .tx
        .flush(unsuback)
        .unwrap_or_else(|e| panic!("{e}"));
    match client.recv().await {
        Packet::Unsuback(ack) => {
            assert_eq!(ack.reason_codes, vec![0, reason::NO_SUBSCRIPTION_EXISTED])
        }
        other => panic!("expected UNSUBACK, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unroutable_subscription_disconnects_with_0x83() {
    let config = serde_json::from_value(json!({
        "type": "mqtt", "kind": "server",
        "routes": [
            {"when": [{"session": [{"client-id": "*"}]}], "exit": "next"},
            {"when": [{"subscribe": [{"topic": "allowed/#"}]}], "exit": "next"}
        ]
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    let mut gateway = Gateway::start_with(config, None).await;
    let (mut client, _session) = gateway
        .connected(connect(V5, "sub"), SessionAcceptedEx::default())
        .await;
    client
        .send(&subscribe(1, &[("elsewhere/#", QoS::AtMostOnce)]))
        .await;
    match client.recv().await {
        Packet::Disconnect(d) => assert_eq!(d.reason_code, reason::IMPLEMENTATION_SPECIFIC_ERROR),
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
    client.closed().await;
}

#[tokio::test]
async fn a_qos1_delivery_is_acknowledged_to_the_next_hop_only_after_puback() {
    let mut gateway = Gateway::start(json!({})).await;
    let mut request = connect(V5, "sub");
    request.properties.receive_maximum = Some(1);
    let (mut client, _session) = gateway
        .connected(request, SessionAcceptedEx::default())
        .await;
    client
        .send(&subscribe(1, &[("s/#", QoS::AtLeastOnce)]))
        .await;
    let mut stream = gateway.next_stream().await;
    stream.accept(Extension::none());
    stream
        .end
        .tx
        .flush(suback(1, vec![1]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(client.recv().await, Packet::Suback(_)));

    let message = |payload: &str| MessageEx {
        topic: "s/1".to_owned(),
        qos: QoS::AtLeastOnce,
        retain: false,
        packet_id: Some(77),
        subscription_ids: vec![5],
        properties: MessageProperties {
            content_type: Some(payload.to_owned()),
            ..MessageProperties::default()
        },
    };
    let first = stream.deliver(b"one", message("first")).await;
    let second = stream.deliver(b"two", message("second")).await;
    let packet_id = match client.recv().await {
        Packet::Publish(publish) => {
            assert_eq!(
                (publish.topic.as_str(), &publish.payload[..]),
                ("s/1", &b"one"[..])
            );
            assert_eq!(publish.qos, QoS::AtLeastOnce);
            assert_eq!(publish.properties.subscription_identifiers, vec![5]);
            assert_eq!(publish.properties.content_type.as_deref(), Some("first"));
            publish.packet_id.unwrap_or_else(|| panic!("no packet id"))
        }
        other => panic!("expected PUBLISH, got {other:?}"),
    };
    // The client's receive maximum of 1 holds the second message back.
    client.silent(Duration::from_millis(200)).await;
    stream
        .not_acknowledged(first, Duration::from_millis(100))
        .await;

    client
        .send(&Packet::Puback(PublishAck::success(packet_id)))
        .await;
    stream.acknowledged(first).await;
    match client.recv().await {
        Packet::Publish(publish) => {
            assert_eq!(&publish.payload[..], b"two");
            let packet_id = publish.packet_id.unwrap_or_else(|| panic!("no packet id"));
            client
                .send(&Packet::Puback(PublishAck::success(packet_id)))
                .await;
        }
        other => panic!("expected PUBLISH, got {other:?}"),
    }
    stream.acknowledged(second).await;
}

#[tokio::test]
async fn a_qos2_delivery_is_acknowledged_at_pubrec_and_completed_by_the_server() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, _session) = gateway
        .connected(connect(V3, "sub"), SessionAcceptedEx::default())
        .await;
    client.send(&subscribe(1, &[("q", QoS::ExactlyOnce)])).await;
    let mut stream = gateway.next_stream().await;
    stream.accept(Extension::none());
    stream
        .end
        .tx
        .flush(suback(1, vec![2]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(client.recv().await, Packet::Suback(_)));
    let position = stream
        .deliver(
            b"exactly",
            MessageEx {
                topic: "q".to_owned(),
                qos: QoS::ExactlyOnce,
                retain: true,
                packet_id: None,
                subscription_ids: Vec::new(),
                properties: MessageProperties::default(),
            },
        )
        .await;
    let packet_id = match client.recv().await {
        Packet::Publish(publish) => {
            assert!(publish.retain);
            publish.packet_id.unwrap_or_else(|| panic!("no packet id"))
        }
        other => panic!("expected PUBLISH, got {other:?}"),
    };
    client
        .send(&Packet::Pubrec(PublishAck::success(packet_id)))
        .await;
    assert_eq!(
        client.recv().await,
        Packet::Pubrel(PublishAck::success(packet_id))
    );
    stream.acknowledged(position).await;
    client
        .send(&Packet::Pubcomp(PublishAck::success(packet_id)))
        .await;
}

#[tokio::test]
async fn a_message_too_large_for_the_client_is_dropped_and_acknowledged() {
    let mut gateway = Gateway::start(json!({})).await;
    let mut request = connect(V5, "small");
    request.properties.maximum_packet_size = Some(64);
    let (mut client, mut session) = gateway
        .connected(request, SessionAcceptedEx::default())
        .await;
    let message = |qos| MessageEx {
        topic: "t".to_owned(),
        qos,
        retain: false,
        packet_id: None,
        subscription_ids: Vec::new(),
        properties: MessageProperties::default(),
    };
    let big: &'static [u8] = &[1u8; 100];
    let dropped = session.deliver(big, message(QoS::AtLeastOnce)).await;
    session.acknowledged(dropped).await;
    let fits = session.deliver(b"small", message(QoS::AtMostOnce)).await;
    match client.recv().await {
        Packet::Publish(publish) => assert_eq!(&publish.payload[..], b"small"),
        other => panic!("expected PUBLISH, got {other:?}"),
    }
    session.acknowledged(fits).await;
}

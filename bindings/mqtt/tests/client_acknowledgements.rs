//! What the mqtt client acknowledges to the broker when its streams come and go, against a
//! fake broker the test plays itself.

mod client_support;

use std::time::Duration;

use bytes::Bytes;
use client_support::*;
use serde_json::json;
use zilla_binding_mqtt::codec::{Packet, PacketId, Properties, Publish, QoS, Suback};
use zilla_binding_mqtt::contract::*;
use zilla_engine::frame::{Extension, Frame};

fn packet_id(value: u16) -> PacketId {
    PacketId::new(value).unwrap_or_else(|| panic!("packet id {value}"))
}

/// A message held up by a subscribe stream without credit goes on once that stream closes:
/// no window update will ever come from it. The broker then gets its PUBACK, and the message
/// read behind it is delivered (to the session stream, as its subscription left with the
/// stream) and acknowledged too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_waiting_on_a_stream_that_closes_goes_on() {
    let (listener, port) = fake_broker();
    let broker = std::thread::spawn(move || {
        // Without subscription identifiers, messages are matched to subscriptions by topic.
        let (mut socket, mut buffer) = accept_client(&listener, |properties| {
            properties.subscription_identifier_available = Some(false);
        });
        let subscribe = match read_packet(&mut socket, &mut buffer) {
            Packet::Subscribe(subscribe) => subscribe,
            other => panic!("expected SUBSCRIBE, got {other:?}"),
        };
        send_packet(
            &mut socket,
            &Packet::Suback(Suback {
                packet_id: subscribe.packet_id,
                properties: Properties::default(),
                reason_codes: vec![1],
            }),
        );
        for (id, topic) in [(1, "held/1"), (2, "held/2")] {
            send_packet(
                &mut socket,
                &Packet::Publish(Publish {
                    dup: false,
                    qos: QoS::AtLeastOnce,
                    retain: false,
                    topic: topic.into(),
                    packet_id: Some(packet_id(id)),
                    properties: Properties::default(),
                    payload: Bytes::from(vec![b'x'; 100]),
                }),
            );
        }
        let mut acknowledged = Vec::new();
        while acknowledged.len() < 2 {
            match read_packet(&mut socket, &mut buffer) {
                Packet::Puback(ack) => acknowledged.push(ack.packet_id.get()),
                Packet::Pingreq => {}
                other => panic!("expected PUBACK, got {other:?}"),
            }
        }
        acknowledged
    });

    let client = client(port, json!({}));
    let (mut session, _) = accepted(&client, 1, session("stalled")).await;
    // Credit for a few bytes of the first message only.
    let mut subscribe = open_with_window(
        &client,
        1,
        MqttBeginEx::Subscribe(SubscribeBeginEx {
            client_id: "stalled".into(),
            packet_id: 1,
            filters: vec![filter("held/#", QoS::AtLeastOnce, None)],
        }),
        4,
    );
    let _suback = next_flush(&mut subscribe).await;
    match next_frame(&mut subscribe).await {
        Frame::Data(data) => assert_eq!(data.payload.len(), 4),
        other => panic!("expected the first message's first bytes, got {other:?}"),
    }
    assert!(subscribe.tx.end(Extension::none()).is_ok());

    let (message, payload) =
        tokio::time::timeout(Duration::from_secs(5), next_message(&mut session))
            .await
            .unwrap_or_else(|_| panic!("the message behind the held one never came"));
    assert_eq!(message.topic, "held/2");
    assert_eq!(payload.len(), 100);
    // As the server does once it passed the message on.
    session.rx.acknowledge_all();
    let acknowledged = tokio::task::spawn_blocking(move || broker.join())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|_| panic!("the fake broker got no PUBACKs"));
    assert_eq!(acknowledged, [1, 2]);
}

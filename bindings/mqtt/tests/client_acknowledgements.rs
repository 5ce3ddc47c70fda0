//! What the mqtt client acknowledges to the broker when its streams come and go, against a
//! fake broker the test plays itself.

mod client_support;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use client_support::*;
use serde_json::json;
use zilla_binding_mqtt::codec::{Packet, PacketId, Properties, Publish, QoS, Suback};
use zilla_binding_mqtt::contract::*;
use zilla_engine::binding::Binding;
use zilla_engine::frame::{Extension, Frame};
use zilla_engine::stream::StreamEnd;

fn packet_id(value: u16) -> PacketId {
    PacketId::new(value).unwrap_or_else(|| panic!("packet id {value}"))
}

/// A fake broker that takes one subscription, sends two QoS 1 messages on `held/1` and
/// `held/2` (100 bytes each), and returns the ids of the PUBACKs it gets up to the second's.
fn broker_sending_two_messages(
    listener: std::net::TcpListener,
) -> std::thread::JoinHandle<Vec<u16>> {
    std::thread::spawn(move || {
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
        while acknowledged.last() != Some(&2) {
            match read_packet(&mut socket, &mut buffer) {
                Packet::Puback(ack) => acknowledged.push(ack.packet_id.get()),
                Packet::Pingreq => {}
                other => panic!("expected PUBACK, got {other:?}"),
            }
        }
        acknowledged
    })
}

/// A subscribe stream on `held/#` that has credit for the first 4 bytes of a message only,
/// once those arrived.
async fn subscribe_with_little_credit(client: &Arc<dyn Binding>, client_id: &str) -> StreamEnd {
    let mut subscribe = open_with_window(
        client,
        1,
        MqttBeginEx::Subscribe(SubscribeBeginEx {
            client_id: client_id.into(),
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
    subscribe
}

/// The second message, which arrives on the session stream as its subscription left with the
/// stream; acknowledged as the server does once it passed the message on.
async fn second_message_on_the_session(session: &mut StreamEnd) {
    let (message, payload) = tokio::time::timeout(Duration::from_secs(5), next_message(session))
        .await
        .unwrap_or_else(|_| panic!("the message behind the held one never came"));
    assert_eq!(message.topic, "held/2");
    assert_eq!(payload.len(), 100);
    session.rx.acknowledge_all();
}

async fn acknowledged(broker: std::thread::JoinHandle<Vec<u16>>) -> Vec<u16> {
    tokio::task::spawn_blocking(move || broker.join())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|_| panic!("the fake broker got no PUBACKs"))
}

/// A message held up by a subscribe stream without credit goes on once that stream closes:
/// no window update will ever come from it. The broker then gets its PUBACK, and the message
/// read behind it is delivered and acknowledged too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_waiting_on_a_stream_that_closes_goes_on() {
    let (listener, port) = fake_broker();
    let broker = broker_sending_two_messages(listener);
    let client = client(port, json!({}));
    let (mut session, _) = accepted(&client, 1, session("stalled")).await;
    let mut subscribe = subscribe_with_little_credit(&client, "stalled").await;
    assert!(subscribe.tx.end(Extension::none()).is_ok());
    second_message_on_the_session(&mut session).await;
    assert_eq!(acknowledged(broker).await, [1, 2]);
}

/// In a session that outlives its connection, a message whose stream vanished before it had
/// it is left unacknowledged, for the broker to send again when the session resumes; the one
/// behind it, which its client did get, is acknowledged all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persistent_session_leaves_a_message_its_stream_missed_to_the_broker() {
    let (listener, port) = fake_broker();
    let broker = broker_sending_two_messages(listener);
    let client = client(port, json!({}));
    let (mut session, _) = accepted(&client, 1, persistent("missed")).await;
    let subscribe = subscribe_with_little_credit(&client, "missed").await;
    drop(subscribe);
    second_message_on_the_session(&mut session).await;
    assert_eq!(acknowledged(broker).await, [2]);
}

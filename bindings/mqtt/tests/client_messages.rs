//! Messages through the mqtt client against a real broker: publishes acknowledged only when
//! the broker has them, subscriptions answered with the broker's codes, deliveries carrying
//! the client's own subscription ids and acknowledged upstream only once the server did (for
//! a session that outlives its connection) or as soon as the server has them (for one that
//! does not).

mod client_support;

use std::time::Duration;

use client_support::*;
use serde_json::json;
use zilla_binding_mqtt::codec::{Packet, QoS};
use zilla_binding_mqtt::contract::*;
use zilla_engine::frame::{Extension, Frame};

fn publish_stream(topic: &str) -> MqttBeginEx {
    MqttBeginEx::Publish(PublishBeginEx {
        client_id: "publisher".into(),
        topic: topic.into(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_reach_the_broker_and_are_acknowledged_when_it_has_them() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));
    let mut watcher = Subscriber::start(broker.port, "out/#", 2);
    let (_session, _) = accepted(&client, 7, session("publisher")).await;
    let mut publish = open(&client, 7, publish_stream("out/a"));
    assert!(matches!(next_frame(&mut publish).await, Frame::Begin(_)));

    // With the broker frozen, QoS 0 is acknowledged once written, QoS 1 is not.
    broker.signal("STOP");
    let qos0 = send_message(
        &mut publish,
        b"zero",
        message("out/a", QoS::AtMostOnce, None),
    )
    .await;
    assert!(acknowledged(&mut publish, qos0, Duration::from_secs(2)).await);
    let qos1 = send_message(
        &mut publish,
        b"one",
        message("out/a", QoS::AtLeastOnce, None),
    )
    .await;
    assert!(!acknowledged(&mut publish, qos1, Duration::from_millis(700)).await);
    broker.signal("CONT");
    assert!(acknowledged(&mut publish, qos1, WAIT).await);

    let qos2 = send_message(
        &mut publish,
        b"two",
        message("out/a", QoS::ExactlyOnce, Some(9)),
    )
    .await;
    assert!(acknowledged(&mut publish, qos2, WAIT).await);
    publish
        .tx
        .flush(Extension::new(PublishFlushEx::Release(9)))
        .unwrap_or_else(|e| panic!("{e}"));
    match next_frame(&mut publish).await {
        Frame::Flush(extension) => assert_eq!(
            extension.get::<PublishFlushEx>(),
            Some(&PublishFlushEx::Released(9))
        ),
        other => panic!("expected Released, got {other:?}"),
    }

    let lines: Vec<Option<String>> = (0..3)
        .map(|_| tokio::task::block_in_place(|| watcher.message(WAIT)))
        .collect();
    assert_eq!(
        lines,
        vec![
            Some("MSG|out/a|0|0|zero".to_owned()),
            Some("MSG|out/a|1|0|one".to_owned()),
            Some("MSG|out/a|2|0|two".to_owned()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_answers_with_the_brokers_codes_and_delivers_with_the_clients_ids() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));
    let (_session, _) = accepted(&client, 3, session("subscriber")).await;
    let mut subscribe = open(
        &client,
        3,
        MqttBeginEx::Subscribe(SubscribeBeginEx {
            client_id: "subscriber".into(),
            packet_id: 11,
            filters: vec![
                filter("in/+", QoS::AtLeastOnce, Some(7)),
                filter("in/#", QoS::ExactlyOnce, Some(7)),
            ],
        }),
    );
    let answer = next_flush(&mut subscribe).await;
    assert_eq!(
        answer.get::<SubscribeFlushEx>(),
        Some(&SubscribeFlushEx::Suback {
            packet_id: 11,
            reason_codes: vec![1, 2],
        })
    );
    subscribe
        .tx
        .flush(Extension::new(SubscribeFlushEx::Subscribe {
            packet_id: 12,
            filters: vec![filter("other/x", QoS::AtMostOnce, Some(8))],
        }))
        .unwrap_or_else(|e| panic!("{e}"));
    let answer = next_flush(&mut subscribe).await;
    assert_eq!(
        answer.get::<SubscribeFlushEx>(),
        Some(&SubscribeFlushEx::Suback {
            packet_id: 12,
            reason_codes: vec![0],
        })
    );

    mosquitto_pub(
        broker.port,
        &[
            "-t",
            "other/x",
            "-m",
            "hello",
            "-q",
            "1",
            "-D",
            "publish",
            "user-property",
            "k",
            "v",
        ],
    )
    .await;
    let (message, payload) = next_message(&mut subscribe).await;
    assert_eq!(&payload[..], b"hello");
    assert_eq!(message.topic, "other/x");
    assert_eq!(message.qos, QoS::AtMostOnce);
    assert_eq!(message.subscription_ids, vec![8]);
    assert_eq!(
        message.properties.user_properties,
        vec![("k".to_owned(), "v".to_owned())]
    );

    subscribe
        .tx
        .flush(Extension::new(SubscribeFlushEx::Unsubscribe {
            packet_id: 13,
            patterns: vec!["other/x".into(), "never/subscribed".into()],
        }))
        .unwrap_or_else(|e| panic!("{e}"));
    let answer = next_flush(&mut subscribe).await;
    assert_eq!(
        answer.get::<SubscribeFlushEx>(),
        Some(&SubscribeFlushEx::Unsuback {
            packet_id: 13,
            reason_codes: vec![0x00, 0x11],
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_two_subscribe_streams_match_reaches_each_with_its_own_ids() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));
    let (_session, _) = accepted(&client, 3, session("overlapping")).await;
    let mut streams = Vec::new();
    for (packet_id, pattern, id) in [(21, "both/+", 5), (22, "both/#", 6)] {
        let mut subscribe = open(
            &client,
            3,
            MqttBeginEx::Subscribe(SubscribeBeginEx {
                client_id: "overlapping".into(),
                packet_id,
                filters: vec![filter(pattern, QoS::AtLeastOnce, Some(id))],
            }),
        );
        let answer = next_flush(&mut subscribe).await;
        assert!(matches!(
            answer.get::<SubscribeFlushEx>(),
            Some(SubscribeFlushEx::Suback { reason_codes, .. }) if reason_codes == &[1]
        ));
        streams.push((subscribe, id));
    }

    mosquitto_pub(broker.port, &["-t", "both/x", "-m", "twice", "-q", "1"]).await;
    for (subscribe, id) in &mut streams {
        let (message, payload) = next_message(subscribe).await;
        assert_eq!(&payload[..], b"twice");
        assert_eq!(message.topic, "both/x");
        assert_eq!(message.subscription_ids, vec![*id]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retained_message_is_delivered_on_subscribe() {
    let broker = Broker::start();
    mosquitto_pub(
        broker.port,
        &["-t", "kept/t", "-m", "kept", "-r", "-q", "1"],
    )
    .await;
    let client = client(broker.port, json!({}));
    let (_session, _) = accepted(&client, 5, session("retainer")).await;
    let mut subscribe = open(
        &client,
        5,
        MqttBeginEx::Subscribe(SubscribeBeginEx {
            client_id: "retainer".into(),
            packet_id: 1,
            filters: vec![filter("kept/#", QoS::AtLeastOnce, None)],
        }),
    );
    let _suback = next_flush(&mut subscribe).await;
    let (message, payload) = next_message(&mut subscribe).await;
    assert_eq!(&payload[..], b"kept");
    assert!(message.retain);
    assert_eq!(message.qos, QoS::AtLeastOnce);
    assert!(message.subscription_ids.is_empty());
}

/// A QoS 1 message the server never acknowledged is not acknowledged to the broker: the
/// broker sends it again to the resumed session, where it arrives on the session stream.
/// Once acknowledged, it is not sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_is_acknowledged_upstream_only_after_the_server_acknowledged() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));
    let (mut session, _) = accepted(&client, 1, persistent("durable")).await;
    let mut subscribe = open(
        &client,
        1,
        MqttBeginEx::Subscribe(SubscribeBeginEx {
            client_id: "durable".into(),
            packet_id: 1,
            filters: vec![filter("q/#", QoS::AtLeastOnce, Some(3))],
        }),
    );
    let _suback = next_flush(&mut subscribe).await;
    mosquitto_pub(broker.port, &["-t", "q/1", "-m", "first", "-q", "1"]).await;
    let (message, _) = next_message(&mut subscribe).await;
    assert_eq!(message.subscription_ids, vec![3]);
    // Not acknowledged: the client's connection goes away abruptly.
    session
        .tx
        .abort(Extension::none())
        .unwrap_or_else(|e| panic!("{e}"));
    drop(subscribe);
    drop(session);

    let (mut resumed, grant) = accepted(&client, 2, persistent("durable")).await;
    assert!(grant.session_present);
    let (message, payload) = next_message(&mut resumed).await;
    assert_eq!(&payload[..], b"first");
    assert_eq!(message.qos, QoS::AtLeastOnce);
    resumed.rx.acknowledge_all();
    // Let the PUBACK out before the orderly end.
    tokio::time::sleep(Duration::from_millis(200)).await;
    resumed
        .tx
        .end(Extension::none())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(next_frame(&mut resumed).await, Frame::End(_)));

    let (mut again, _) = accepted(&client, 3, persistent("durable")).await;
    let quiet = tokio::time::timeout(Duration::from_millis(700), again.rx.recv()).await;
    assert!(
        quiet.is_err(),
        "an acknowledged message came again: {quiet:?}"
    );
}

/// PUBLISH packets upstream use the topic aliases the broker's CONNACK allows: a fake broker
/// allowing one sees the first topic named with alias 1, then the alias alone, then alias 1
/// taken over by the next topic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_use_the_topic_aliases_the_broker_accepts() {
    let (listener, port) = fake_broker();
    let broker = std::thread::spawn(move || {
        let (mut socket, mut buffer) = accept_client(&listener, |properties| {
            properties.topic_alias_maximum = Some(1);
        });
        (0..3)
            .map(|_| match read_packet(&mut socket, &mut buffer) {
                Packet::Publish(publish) => (publish.topic, publish.properties.topic_alias),
                other => panic!("expected PUBLISH, got {other:?}"),
            })
            .collect::<Vec<_>>()
    });
    let client = client(port, json!({}));
    let (_session, _) = accepted(&client, 5, session("publisher")).await;
    let mut one = open(&client, 5, publish_stream("alias/one"));
    assert!(matches!(next_frame(&mut one).await, Frame::Begin(_)));
    for payload in [&b"first"[..], &b"second"[..]] {
        send_message(
            &mut one,
            payload,
            message("alias/one", QoS::AtMostOnce, None),
        )
        .await;
    }
    let mut two = open(&client, 5, publish_stream("alias/two"));
    assert!(matches!(next_frame(&mut two).await, Frame::Begin(_)));
    send_message(
        &mut two,
        b"third",
        message("alias/two", QoS::AtMostOnce, None),
    )
    .await;

    let published = tokio::task::spawn_blocking(move || broker.join())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|_| panic!("the fake broker failed"));
    assert_eq!(
        published,
        [
            ("alias/one".to_owned(), Some(1)),
            (String::new(), Some(1)),
            ("alias/two".to_owned(), Some(1)),
        ]
    );
}

/// A session that ends with its connection gains nothing from holding the broker's in-flight
/// slots until the server acknowledges: Mosquitto allows 20 unacknowledged QoS 1 messages, and
/// all 30 arrive while the server acknowledges none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_sessions_deliveries_are_acknowledged_upstream_on_arrival() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));
    let (_session, _) = accepted(&client, 1, session("fleeting")).await;
    let mut subscribe = open(
        &client,
        1,
        MqttBeginEx::Subscribe(SubscribeBeginEx {
            client_id: "fleeting".into(),
            packet_id: 1,
            filters: vec![filter("burst/#", QoS::AtLeastOnce, None)],
        }),
    );
    let _suback = next_flush(&mut subscribe).await;
    mosquitto_pub(
        broker.port,
        &["-t", "burst/1", "-m", "m", "-q", "1", "--repeat", "30"],
    )
    .await;
    for index in 0..30 {
        let arrived = tokio::time::timeout(Duration::from_secs(5), next_message(&mut subscribe));
        let (message, _) = arrived
            .await
            .unwrap_or_else(|_| panic!("message {index} of 30 did not arrive"));
        assert_eq!(message.qos, QoS::AtLeastOnce);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_queued_for_a_resumed_session_arrive_on_the_session_stream() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));
    let (mut session, _) = accepted(&client, 1, persistent("sleeper")).await;
    let mut subscribe = open(
        &client,
        1,
        MqttBeginEx::Subscribe(SubscribeBeginEx {
            client_id: "sleeper".into(),
            packet_id: 1,
            filters: vec![filter("news/#", QoS::AtLeastOnce, None)],
        }),
    );
    let _suback = next_flush(&mut subscribe).await;
    session
        .tx
        .end(Extension::none())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(next_frame(&mut session).await, Frame::End(_)));

    mosquitto_pub(broker.port, &["-t", "news/1", "-m", "one", "-q", "1"]).await;
    mosquitto_pub(broker.port, &["-t", "news/2", "-m", "two", "-q", "1"]).await;

    let (mut resumed, grant) = accepted(&client, 2, persistent("sleeper")).await;
    assert!(grant.session_present);
    let (first, one) = next_message(&mut resumed).await;
    let (second, two) = next_message(&mut resumed).await;
    assert_eq!((first.topic.as_str(), &one[..]), ("news/1", &b"one"[..]));
    assert_eq!((second.topic.as_str(), &two[..]), ("news/2", &b"two"[..]));
    assert_eq!(second.qos, QoS::AtLeastOnce);
}

/// A message larger than the subscribe stream's window arrives in fragments, each within the
/// credit the server grants; the first carries the total length and the message extension.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_message_is_fragmented_within_the_subscribers_credit() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));
    let (_session, _) = accepted(&client, 9, session("small-window")).await;
    let mut subscribe = open(
        &client,
        9,
        MqttBeginEx::Subscribe(SubscribeBeginEx {
            client_id: "small-window".into(),
            packet_id: 1,
            filters: vec![filter("big/#", QoS::AtLeastOnce, None)],
        }),
    );
    subscribe.rx.open_window(100, 0);
    let _suback = next_flush(&mut subscribe).await;
    let payload = "x".repeat(1000);
    mosquitto_pub(broker.port, &["-t", "big/1", "-m", &payload, "-q", "1"]).await;

    let mut received = Vec::new();
    let mut fragments = 0;
    loop {
        match next_frame(&mut subscribe).await {
            Frame::Data(data) => {
                assert!(data.payload.len() <= 100);
                if fragments == 0 {
                    assert!(data.is_init());
                    assert_eq!(data.length, Some(1000));
                    assert!(data.extension.get::<MessageEx>().is_some());
                }
                fragments += 1;
                received.extend_from_slice(&data.payload);
                subscribe.rx.acknowledge_all();
                if data.is_fin() {
                    break;
                }
            }
            other => panic!("expected a fragment, got {other:?}"),
        }
    }
    assert_eq!(received, payload.as_bytes());
    assert!(fragments >= 10, "{fragments} fragments");
}

//! The mqtt client's sessions against a real broker: accepted, resumed, refused, taken over,
//! and the will published only when the client's connection ended abnormally.

mod client_support;

use std::time::{Duration, Instant};

use bytes::Bytes;
use client_support::*;
use serde_json::json;
use zilla_binding_mqtt::codec::QoS;
use zilla_binding_mqtt::contract::*;
use zilla_engine::frame::{Extension, Frame};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_is_accepted_and_present_when_resumed() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));

    let mut asked = session("resumer");
    asked.clean_start = false;
    asked.session_expiry = u32::MAX;
    let (mut first, accepted_first) = accepted(&client, 1, asked.clone()).await;
    assert!(!accepted_first.session_present);
    first
        .tx
        .end(Extension::none())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(next_frame(&mut first).await, Frame::End(_)));

    let (_second, accepted_second) = accepted(&client, 2, asked).await;
    assert!(accepted_second.session_present);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_start_discards_the_session() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));
    let mut asked = session("cleaner");
    asked.clean_start = false;
    asked.session_expiry = 300;
    let (mut first, _) = accepted(&client, 1, asked.clone()).await;
    first
        .tx
        .end(Extension::none())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(next_frame(&mut first).await, Frame::End(_)));
    asked.clean_start = true;
    let (_second, accepted_second) = accepted(&client, 2, asked).await;
    assert!(!accepted_second.session_present);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_down_refuses_the_session_with_server_unavailable() {
    let port = free_port();
    let client = client(port, json!({}));
    let started = Instant::now();
    let mut opener = open(&client, 1, MqttBeginEx::Session(session("nobody")));
    assert_eq!(refused(&mut opener).await, 0x88);
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_broker_refuses_the_session_after_the_connack_timeout() {
    let (listener, port) = fake_broker();
    let holder = std::thread::spawn(move || listener.accept().map(|(socket, _)| socket));
    let client = client(port, json!({"connack-timeout": 1}));
    let started = Instant::now();
    let mut opener = open(&client, 1, MqttBeginEx::Session(session("silent")));
    assert_eq!(refused(&mut opener).await, 0x88);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3));
    drop(holder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_of_an_unknown_session_is_refused() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));
    let mut opener = open(
        &client,
        42,
        MqttBeginEx::Publish(PublishBeginEx {
            client_id: "ghost".into(),
            topic: "t".into(),
        }),
    );
    assert_eq!(refused(&mut opener).await, 0x88);
}

/// Mosquitto 2.0 closes the older connection without a DISCONNECT, which is an upstream loss
/// (0x88); a broker that says 0x8E has it passed on with the session's End.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_connection_takes_the_session_over() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));
    let (mut first, _) = accepted(&client, 1, session("twin")).await;
    let (_second, _) = accepted(&client, 2, session("twin")).await;
    let code = match next_frame(&mut first).await {
        Frame::End(extension) | Frame::Abort(extension) => extension
            .get::<MqttResetEx>()
            .map(|reset| reset.reason_code),
        other => panic!("expected the session closed, got {other:?}"),
    };
    assert!(matches!(code, Some(0x8E) | Some(0x88)), "{code:?}");
}

fn with_will(client_id: &str, topic: &str) -> SessionBeginEx {
    let mut asked = session(client_id);
    asked.will = Some(WillMessage {
        topic: topic.to_owned(),
        payload: Bytes::from_static(b"gone"),
        qos: QoS::AtLeastOnce,
        retain: false,
        delay: 0,
        properties: MessageProperties::default(),
    });
    asked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn will_is_published_when_aborted_and_not_when_ended() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));
    let mut watcher = Subscriber::start(broker.port, "wills/#", 1);

    let (mut ended, _) = accepted(&client, 1, with_will("polite", "wills/polite")).await;
    ended
        .tx
        .end(Extension::none())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(next_frame(&mut ended).await, Frame::End(_)));

    let (mut aborted, _) = accepted(&client, 2, with_will("rude", "wills/rude")).await;
    aborted
        .tx
        .abort(Extension::none())
        .unwrap_or_else(|e| panic!("{e}"));

    let line = tokio::task::block_in_place(|| watcher.message(WAIT));
    assert_eq!(line.as_deref(), Some("MSG|wills/rude|1|0|gone"));
    let more = tokio::task::block_in_place(|| watcher.message(Duration::from_millis(500)));
    assert_eq!(
        more, None,
        "the orderly session's will must not be published"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_loss_aborts_the_session_with_server_unavailable() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));
    let (mut opener, _) = accepted(&client, 1, session("orphan")).await;
    drop(broker);
    match next_frame(&mut opener).await {
        Frame::Abort(extension) => {
            let reset = extension
                .get::<MqttResetEx>()
                .map(|reset| reset.reason_code);
            assert_eq!(reset, Some(0x88));
        }
        other => panic!("expected the session aborted, got {other:?}"),
    }
}

/// A broker that stops answering PINGREQ is an upstream loss.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_ping_aborts_the_session() {
    let broker = Broker::start();
    let client = client(broker.port, json!({}));
    let mut asked = session("pinger");
    asked.keep_alive = 1;
    let (mut opener, _) = accepted(&client, 1, asked).await;
    // Answered pings keep the session up.
    let quiet = tokio::time::timeout(Duration::from_millis(2500), opener.rx.recv()).await;
    assert!(
        quiet.is_err(),
        "session closed while the broker answered: {quiet:?}"
    );
    broker.signal("STOP");
    let started = Instant::now();
    let closed = next_frame(&mut opener).await;
    broker.signal("CONT");
    match closed {
        Frame::Abort(extension) => {
            let reset = extension
                .get::<MqttResetEx>()
                .map(|reset| reset.reason_code);
            assert_eq!(reset, Some(0x88));
        }
        other => panic!("expected the session aborted, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}

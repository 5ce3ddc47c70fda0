//! How connections end: DISCONNECT versus a dropped socket, keep-alive, protocol errors,
//! oversized packets and the next hop ending the session.

mod server_support;

use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::json;
use server_support::*;
use tokio::io::AsyncWriteExt;
use zilla_binding_mqtt::codec::{reason, Disconnect, Packet, Properties, PropertySet, QoS, Will};
use zilla_binding_mqtt::contract::{MqttResetEx, SessionAcceptedEx, SessionFlushEx};
use zilla_engine::frame::{Extension, Frame};

fn disconnect(reason_code: u8, session_expiry: Option<u32>) -> Packet {
    Packet::Disconnect(Disconnect {
        reason_code,
        properties: Properties::from(PropertySet {
            session_expiry_interval: session_expiry,
            ..PropertySet::default()
        }),
    })
}

#[tokio::test]
async fn disconnect_ends_the_session_and_a_dropped_socket_aborts_it() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, mut session) = gateway
        .connected(connect(V3, "a"), SessionAcceptedEx::default())
        .await;
    client.send(&Packet::Pingreq).await;
    assert_eq!(client.recv().await, Packet::Pingresp);
    client.send(&disconnect(0, None)).await;
    assert!(matches!(session.frame().await, Frame::End(_)));
    client.closed().await;

    let (client, mut session) = gateway
        .connected(connect(V3, "b"), SessionAcceptedEx::default())
        .await;
    drop(client);
    assert!(matches!(session.frame().await, Frame::Abort(_)));
}

#[tokio::test]
async fn the_session_closes_in_both_directions() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, mut session) = gateway
        .connected(connect(V5, "a"), SessionAcceptedEx::default())
        .await;
    client.send(&disconnect(0, None)).await;
    assert!(matches!(session.frame().await, Frame::End(_)));
    session
        .end
        .tx
        .end(Extension::none())
        .unwrap_or_else(|e| panic!("{e}"));
    let gone = tokio::time::timeout(WAIT, session.end.rx.recv()).await;
    assert!(matches!(gone, Ok(None)), "initial direction still open");
}

#[tokio::test]
async fn disconnect_with_will_or_a_new_expiry() {
    let mut gateway = Gateway::start(json!({})).await;
    let mut request = connect(V5, "w");
    request.will = Some(Will {
        topic: "wills/w".to_owned(),
        payload: Bytes::from_static(b"gone"),
        qos: QoS::AtLeastOnce,
        retain: false,
        properties: Properties::from(PropertySet {
            will_delay_interval: Some(5),
            ..PropertySet::default()
        }),
    });
    request.properties.session_expiry_interval = Some(10);
    let (mut client, mut session) = gateway
        .connected(request, SessionAcceptedEx::default())
        .await;
    let will = session
        .session()
        .will
        .clone()
        .unwrap_or_else(|| panic!("no will"));
    assert_eq!((will.topic.as_str(), will.delay), ("wills/w", 5));
    assert_eq!(session.session().session_expiry, 10);
    client
        .send(&disconnect(reason::DISCONNECT_WITH_WILL_MESSAGE, None))
        .await;
    assert!(matches!(session.frame().await, Frame::Abort(_)));

    let mut request = connect(V5, "e");
    request.properties.session_expiry_interval = Some(10);
    let (mut client, mut session) = gateway
        .connected(request, SessionAcceptedEx::default())
        .await;
    client.send(&disconnect(0, Some(60))).await;
    match session.frame().await {
        Frame::Flush(extension) => {
            assert_eq!(
                extension.get::<SessionFlushEx>(),
                Some(&SessionFlushEx::Expiry(60))
            )
        }
        other => panic!("expected the expiry flush, got {other:?}"),
    }
    assert!(matches!(session.frame().await, Frame::End(_)));
}

#[tokio::test]
async fn keep_alive_timeout_disconnects_v5_with_0x8d_and_publishes_the_will() {
    let mut gateway = Gateway::start(json!({})).await;
    let mut request = connect(V5, "k");
    request.keep_alive = 1;
    let started = Instant::now();
    let (mut client, mut session) = gateway
        .connected(request, SessionAcceptedEx::default())
        .await;
    assert_eq!(
        disconnect_code(client.recv().await),
        reason::KEEP_ALIVE_TIMEOUT
    );
    assert!(started.elapsed() >= Duration::from_millis(1400));
    assert!(matches!(session.frame().await, Frame::Abort(_)));
    client.closed().await;
}

#[tokio::test]
async fn a_v3_keep_alive_timeout_just_closes() {
    let mut gateway = Gateway::start(json!({})).await;
    let mut request = connect(V3, "k");
    request.keep_alive = 1;
    let (mut client, mut session) = gateway
        .connected(request, SessionAcceptedEx::default())
        .await;
    client.closed().await;
    assert!(matches!(session.frame().await, Frame::Abort(_)));
}

#[tokio::test]
async fn a_malformed_packet_disconnects_v5_with_0x81_and_closes_v3() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, mut session) = gateway
        .connected(connect(V5, "m"), SessionAcceptedEx::default())
        .await;
    // PUBREL with the wrong fixed header flags.
    client.send_raw(&[0x60, 0x02, 0x00, 0x01]).await;
    assert_eq!(
        disconnect_code(client.recv().await),
        reason::MALFORMED_PACKET
    );
    client.closed().await;
    assert!(matches!(session.frame().await, Frame::Abort(_)));

    let (mut client, _session) = gateway
        .connected(connect(V3, "m3"), SessionAcceptedEx::default())
        .await;
    client.send_raw(&[0x60, 0x02, 0x00, 0x01]).await;
    client.closed().await;
}

#[tokio::test]
async fn a_declared_length_over_the_maximum_disconnects_with_0x95() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, _session) = gateway
        .connected(connect(V5, "big"), SessionAcceptedEx::default())
        .await;
    client.send_raw(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F]).await;
    assert_eq!(
        disconnect_code(client.recv().await),
        reason::PACKET_TOO_LARGE
    );
    client.closed().await;
}

#[tokio::test]
async fn a_second_connect_is_a_protocol_error() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, _session) = gateway
        .connected(connect(V5, "twice"), SessionAcceptedEx::default())
        .await;
    client
        .send(&Packet::Connect(Box::new(connect(V5, "twice"))))
        .await;
    assert_eq!(disconnect_code(client.recv().await), reason::PROTOCOL_ERROR);
    client.closed().await;
}

#[tokio::test]
async fn the_next_hop_ending_the_session_disconnects_with_its_code() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, mut session) = gateway
        .connected(connect(V5, "taken"), SessionAcceptedEx::default())
        .await;
    let takeover = Extension::new(MqttResetEx::new(reason::SESSION_TAKEN_OVER));
    session
        .end
        .tx
        .end(takeover)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        disconnect_code(client.recv().await),
        reason::SESSION_TAKEN_OVER
    );
    client.closed().await;
    assert!(matches!(session.frame().await, Frame::End(_)));
}

#[tokio::test]
async fn a_half_closed_socket_still_gets_its_answers_until_it_closes() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, mut session) = gateway
        .connected(connect(V3, "half"), SessionAcceptedEx::default())
        .await;
    client
        .socket
        .shutdown()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(session.frame().await, Frame::Abort(_)));
    client.closed().await;
}

#[tokio::test]
async fn stopping_disconnects_v5_clients_with_0x8b_and_idle_waits_for_them() {
    let mut gateway = Gateway::start(json!({})).await;
    let (mut client, mut session) = gateway
        .connected(connect(V5, "s"), SessionAcceptedEx::default())
        .await;
    let mqtt = gateway.mqtt();
    mqtt.stop().await;
    assert_eq!(
        disconnect_code(client.recv().await),
        reason::SERVER_SHUTTING_DOWN
    );
    assert!(matches!(session.frame().await, Frame::Abort(_)));
    client.closed().await;
    drop(client);
    tokio::time::timeout(WAIT, mqtt.idle())
        .await
        .unwrap_or_else(|_| panic!("connection still live"));
}

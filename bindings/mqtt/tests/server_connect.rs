//! CONNECT and CONNACK through a real tcp server, against a fake next hop.

mod server_support;

use std::time::Duration;

use serde_json::json;
use server_support::*;
use zilla_binding_mqtt::codec::{reason, Packet, QoS};
use zilla_binding_mqtt::contract::{MqttResetEx, SessionAcceptedEx};
use zilla_engine::frame::Extension;

fn connack(packet: Packet) -> zilla_binding_mqtt::codec::Connack {
    match packet {
        Packet::Connack(connack) => connack,
        other => panic!("expected CONNACK, got {other:?}"),
    }
}

#[tokio::test]
async fn v3_connack_waits_for_the_session_and_an_empty_id_is_assigned_silently() {
    let mut gateway = Gateway::start(json!({})).await;
    let mut client = gateway.client(V3).await;
    client
        .send(&Packet::Connect(Box::new(connect(V3, ""))))
        .await;
    let mut session = gateway.next_stream().await;
    let begin = session.session().clone();
    assert!(begin.client_id_assigned && !begin.client_id.is_empty());
    assert!(!begin.v5 && begin.clean_start);
    assert_eq!(begin.session_expiry, 0);
    assert_eq!(&*session.begin.origin, "test:mqtt");
    assert_eq!(&*session.begin.routed, "test:next");
    assert_ne!(session.begin.affinity, 0);

    client.silent(Duration::from_millis(200)).await;
    session.accept_session(SessionAcceptedEx {
        session_present: false,
        ..SessionAcceptedEx::default()
    });
    let connack = connack(client.recv().await);
    assert_eq!(connack.reason_code, 0);
    assert!(connack.properties.is_empty());

    let events = gateway
        .events
        .0
        .lock()
        .map(|e| e.clone())
        .unwrap_or_default();
    assert!(
        events
            .iter()
            .any(|e| e.name == "binding.mqtt.client.connected"
                && e.message.contains(&begin.client_id))
    );
}

#[tokio::test]
async fn v5_connack_carries_the_assigned_id_and_the_limits() {
    let mut gateway = Gateway::start(json!({})).await;
    let mut client = gateway.client(V5).await;
    client
        .send(&Packet::Connect(Box::new(connect(V5, ""))))
        .await;
    let mut session = gateway.next_stream().await;
    let assigned = session.session().client_id.clone();
    session.accept_session(SessionAcceptedEx {
        session_present: true,
        maximum_qos: QoS::AtLeastOnce,
        retain_available: false,
        ..SessionAcceptedEx::default()
    });
    let connack = connack(client.recv().await);
    assert_eq!(connack.reason_code, 0);
    assert!(connack.session_present);
    let properties = connack.properties;
    assert_eq!(properties.assigned_client_identifier, Some(assigned));
    assert_eq!(properties.maximum_qos, Some(1));
    assert_eq!(properties.retain_available, Some(false));
    assert!(properties.maximum_packet_size.is_some());
    assert!(properties.topic_alias_maximum.is_some());
}

#[tokio::test]
async fn an_empty_id_without_clean_start_is_refused() {
    let mut gateway = Gateway::start(json!({})).await;
    for (version, code) in [(V3, 0x02), (V5, reason::CLIENT_IDENTIFIER_NOT_VALID)] {
        let mut client = gateway.client(version).await;
        let mut request = connect(version, "");
        request.clean_start = false;
        client.send(&Packet::Connect(Box::new(request))).await;
        assert_eq!(connack(client.recv().await).reason_code, code);
        client.closed().await;
    }
    gateway.no_stream(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_version_left_out_of_options_is_refused() {
    let mut gateway = Gateway::start(json!({"versions": ["v5"]})).await;
    let mut client = gateway.client(V3).await;
    client
        .send(&Packet::Connect(Box::new(connect(V3, "c"))))
        .await;
    assert_eq!(connack(client.recv().await).reason_code, 0x01);
    client.closed().await;
    gateway.no_stream(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_reset_session_becomes_a_failed_connack() {
    let mut gateway = Gateway::start(json!({})).await;
    for (version, code) in [(V5, reason::NOT_AUTHORIZED), (V3, 0x05)] {
        let mut client = gateway.client(version).await;
        client
            .send(&Packet::Connect(Box::new(connect(version, "refused"))))
            .await;
        let mut session = gateway.next_stream().await;
        session
            .end
            .rx
            .reset(Extension::new(MqttResetEx::new(reason::NOT_AUTHORIZED)));
        assert_eq!(connack(client.recv().await).reason_code, code);
        client.closed().await;
    }
}

fn guarded_config() -> zilla_engine::config::model::BindingConfig {
    mqtt_config(
        json!({"authorization": {"guard": {"credentials": {"connect": {"username": "Bearer {credentials}"}}}}}),
        json!([{"guarded": {"guard": ["mqtt:stream"]}, "exit": "next"}]),
    )
}

#[tokio::test]
async fn a_rejected_login_closes_without_connack() {
    let guard = FakeGuard { expires_in: None };
    let mut gateway = Gateway::start_with(guarded_config(), Some(guard)).await;
    for (version, username) in [
        (V3, Some("Bearer bad-token")),
        (V5, Some("Bearer bad-token")),
        (V5, Some("good-token")),
        (V3, None),
    ] {
        let mut client = gateway.client(version).await;
        let mut request = connect(version, "device");
        request.username = username.map(str::to_owned);
        client.send(&Packet::Connect(Box::new(request))).await;
        client.closed().await;
    }
    gateway.no_stream(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn an_accepted_login_travels_on_the_session() {
    let guard = FakeGuard { expires_in: None };
    let mut gateway = Gateway::start_with(guarded_config(), Some(guard)).await;
    let mut request = connect(V5, "device");
    request.username = Some("Bearer good-token".to_owned());
    let (_client, session) = gateway
        .connected(request, SessionAcceptedEx::default())
        .await;
    let authorization = session
        .begin
        .authorization
        .clone()
        .unwrap_or_else(|| panic!("no authorization"));
    assert_eq!(
        authorization
            .sessions()
            .first()
            .map(|s| s.identity.as_str()),
        Some("alice")
    );
}

#[tokio::test]
async fn an_expiring_login_ends_with_0x87_and_the_will() {
    let guard = FakeGuard {
        expires_in: Some(Duration::from_millis(800)),
    };
    let mut gateway = Gateway::start_with(guarded_config(), Some(guard)).await;
    let mut request = connect(V5, "device");
    request.username = Some("Bearer good-token".to_owned());
    let (mut client, mut session) = gateway
        .connected(request, SessionAcceptedEx::default())
        .await;
    match client.recv().await {
        Packet::Disconnect(d) => assert_eq!(d.reason_code, reason::NOT_AUTHORIZED),
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
    assert!(matches!(
        session.frame().await,
        zilla_engine::frame::Frame::Abort(_)
    ));
}

#[tokio::test]
async fn the_first_packet_must_be_connect() {
    let mut gateway = Gateway::start(json!({})).await;
    let mut client = gateway.client(V3).await;
    client.send(&Packet::Pingreq).await;
    client.closed().await;
    gateway.no_stream(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn no_connect_in_time_closes() {
    let mut gateway = Gateway::start(json!({})).await;
    let mut client = gateway.client(V3).await;
    let started = std::time::Instant::now();
    client.closed().await;
    assert!(started.elapsed() >= Duration::from_millis(2500));
    gateway.no_stream(Duration::from_millis(10)).await;
}

#[tokio::test]
async fn a_probe_that_opens_and_closes_dials_nothing() {
    let mut gateway = Gateway::start(json!({})).await;
    let client = gateway.client(V3).await;
    drop(client);
    gateway.no_stream(Duration::from_millis(300)).await;
    assert!(gateway
        .events
        .0
        .lock()
        .map(|e| e.is_empty())
        .unwrap_or(false));
}

#[tokio::test]
async fn a_declared_length_over_the_maximum_closes_before_connect() {
    let mut gateway = Gateway::start(json!({})).await;
    let mut client = gateway.client(V3).await;
    client.send_raw(&[0x10, 0xFF, 0xFF, 0xFF, 0x7F]).await;
    client.closed().await;
    gateway.no_stream(Duration::from_millis(100)).await;
}

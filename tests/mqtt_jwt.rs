//! The seed guide's scenario (the `mqtt.proxy.jwt` example): clients log in with
//! `Bearer <token>`; a token without the `mqtt:stream` scope is refused with no CONNACK, a token
//! with it subscribes and receives "Hello, world". Run with the project's own zilla.yaml and keys,
//! and with the upstream example config and key when `../shared` is present.

mod support;

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use support::jwt::{mint, mint_for};
use support::mosquitto::{publish, stdout, Broker, Subscriber};
use support::project::project;
use support::raw_mqtt::{connect_packet, RawClient};
use support::{shared, Gateway};
use zilla_binding_mqtt::codec::{Packet, ProtocolVersion};

/// The example configs listen on the fixed ports 7183 and 7883.
static FIXED_PORTS: Mutex<()> = Mutex::new(());

const AUDIENCE: &str = "https://api.example.com";

struct Example {
    config: PathBuf,
    key: PathBuf,
    kid: &'static str,
    keystore_password: &'static str,
    /// `--cafile` for the TLS port.
    ca: PathBuf,
    /// Skip the host name check (the upstream certificate has no subjectAltName).
    insecure: bool,
}

fn guide(example: &Example) {
    let _fixed = FIXED_PORTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let broker = Broker::start();
    let broker_port = broker.port.to_string();
    let gateway = Gateway::start_file(
        &example.config,
        &[
            ("KEYSTORE_PASSWORD", example.keystore_password),
            ("MOSQUITTO_BROKER_HOST", "127.0.0.1"),
            ("MOSQUITTO_BROKER_PORT", &broker_port),
        ],
    );

    // Step 1: a token without the mqtt:stream scope is rejected without a CONNACK.
    let unscoped = mint(&example.key, example.kid, AUDIENCE, "+1d", None);
    let refused = Subscriber::start(
        7183,
        &[
            "--url",
            "mqtt://127.0.0.1:7183/zilla",
            "-u",
            &format!("Bearer {unscoped}"),
            "-W",
            "3",
        ],
    )
    .wait();
    assert!(!refused.status.success(), "{refused:?}");
    assert!(refused.stdout.is_empty());
    assert!(gateway.wait_stdout("GUARD_JWT_AUTHORIZATION_FAILED", Duration::from_secs(5)));

    // A token for another audience (the published guide's slip) is refused the same way.
    let other_audience = mint(
        &example.key,
        example.kid,
        "https://mqtt.example.com",
        "+1d",
        Some("mqtt:stream"),
    );
    let refused = Subscriber::start(
        7183,
        &[
            "--url",
            "mqtt://127.0.0.1:7183/zilla",
            "-u",
            &format!("Bearer {other_audience}"),
            "-W",
            "3",
        ],
    )
    .wait();
    assert!(!refused.status.success());

    // Step 2: with the scope, subscribe and receive what another client publishes.
    let scoped = mint(
        &example.key,
        example.kid,
        AUDIENCE,
        "+1d",
        Some("mqtt:stream"),
    );
    let username = format!("Bearer {scoped}");
    let subscriber = Subscriber::start(
        7183,
        &[
            "--url",
            "mqtt://127.0.0.1:7183/zilla",
            "-u",
            &username,
            "-C",
            "1",
            "-W",
            "10",
        ],
    );
    let published = publish(
        7183,
        &[
            "--url",
            "mqtt://127.0.0.1:7183/zilla",
            "-u",
            &username,
            "-m",
            "Hello, world",
        ],
    );
    assert!(published.status.success(), "{published:?}");
    let received = subscriber.wait();
    assert!(received.status.success(), "{received:?}");
    assert_eq!(stdout(&received).trim(), "Hello, world");

    // The same over TLS on 7883.
    let ca = example.ca.display().to_string();
    let mut tls = vec!["--cafile", ca.as_str()];
    if example.insecure {
        tls.push("--insecure");
    }
    let mut sub_args = vec![
        "--url",
        "mqtts://localhost:7883/zilla",
        "-u",
        &username,
        "-C",
        "1",
        "-W",
        "10",
    ];
    sub_args.extend(&tls);
    let subscriber = Subscriber::start(7883, &sub_args);
    let mut pub_args = vec![
        "--url",
        "mqtts://localhost:7883/zilla",
        "-u",
        &username,
        "-m",
        "Hello, TLS",
    ];
    pub_args.extend(&tls);
    let published = publish(7883, &pub_args);
    assert!(published.status.success(), "{published:?}");
    assert_eq!(stdout(&subscriber.wait()).trim(), "Hello, TLS");

    assert!(gateway.stop().success());
    drop(broker);
}

/// The CA certificate inside a PKCS#12 keystore (the last certificate of its chain), written
/// to a file for `--cafile`.
fn keystore_ca(keystore: &std::path::Path, password: &str, into: &std::path::Path) -> PathBuf {
    let output = std::process::Command::new("openssl")
        .args(["pkcs12", "-legacy", "-nokeys", "-passin"])
        .arg(format!("pass:{password}"))
        .arg("-in")
        .arg(keystore)
        .output()
        .expect("openssl runs");
    assert!(output.status.success(), "{output:?}");
    let pem = String::from_utf8_lossy(&output.stdout);
    let last = pem
        .rfind("-----BEGIN CERTIFICATE-----")
        .expect("a certificate in the keystore");
    let path = into.join("ca.crt");
    std::fs::write(&path, &pem[last..]).expect("write CA");
    path
}

#[test]
fn the_guide_with_the_project_config_and_keys() {
    guide(&Example {
        config: project().join("zilla.yaml"),
        key: project().join("etc/jwt/private.pem"),
        kid: "local",
        keystore_password: "zilla-local",
        ca: project().join("etc/tls/ca.crt"),
        insecure: false,
    });
}

#[test]
fn the_guide_with_the_upstream_example_unchanged() {
    let Some(shared) = shared() else { return };
    let example = shared.join("upstream-examples/mqtt.proxy.jwt");
    let scratch = tempfile::tempdir().expect("temp dir");
    let ca = keystore_ca(
        &example.join("etc/tls/localhost.p12"),
        "generated",
        scratch.path(),
    );
    guide(&Example {
        config: example.join("etc/zilla.yaml"),
        key: example.join("private.pem"),
        kid: "example",
        keystore_password: "generated",
        ca,
        insecure: true,
    });
}

/// The project's zilla.yaml on free ports, for tests that run beside others.
fn gateway_on_free_ports(broker: &Broker) -> (Gateway, u16) {
    gateway_with(broker, |config| config)
}

/// The project's zilla.yaml on free ports, edited by `edit`.
fn gateway_with(broker: &Broker, edit: impl FnOnce(String) -> String) -> (Gateway, u16) {
    let (gateway, port, _) = support::project::start_gateway(broker, edit);
    (gateway, port)
}

fn login(port: u16, version: ProtocolVersion, username: Option<&str>) -> RawClient {
    let mut client = RawClient::connect(port, version);
    let mut connect = connect_packet("device-1", 30, version);
    if let Packet::Connect(connect) = &mut connect {
        connect.username = username.map(str::to_owned);
    }
    client.send(&connect);
    client
}

fn key() -> PathBuf {
    project().join("etc/jwt/private.pem")
}

#[test]
fn bad_credentials_get_no_connack_in_either_version() {
    let broker = Broker::start();
    let (gateway, port) = gateway_on_free_ports(&broker);
    let scoped = mint(&key(), "local", AUDIENCE, "+1d", Some("mqtt:stream"));
    let cases: Vec<(&str, Option<String>)> = vec![
        ("malformed token", Some("Bearer not.a.token".to_owned())),
        ("no username", None),
        ("wrong prefix", Some(format!("Token {scoped}"))),
        (
            "expired token",
            Some(format!(
                "Bearer {}",
                mint(&key(), "local", AUDIENCE, "-1h", Some("mqtt:stream"))
            )),
        ),
    ];
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        for (case, username) in &cases {
            let mut client = login(port, version, username.as_deref());
            assert!(
                client.closed_within(Duration::from_secs(5)),
                "{case} {version:?}: not closed"
            );
            assert!(
                client.leftover().is_empty(),
                "{case} {version:?}: got bytes {:?}",
                client.leftover()
            );
        }
    }
    let mut accepted = login(port, ProtocolVersion::V5, Some(&format!("Bearer {scoped}")));
    assert!(
        matches!(accepted.receive(Duration::from_secs(5)), Some(Packet::Connack(c)) if c.reason_code == 0)
    );
    drop(gateway);
}

#[test]
fn a_connection_ends_when_its_token_expires_and_its_will_is_published() {
    let broker = Broker::start();
    let (gateway, port) = gateway_on_free_ports(&broker);
    let watcher = Subscriber::start(
        broker.port,
        &["-t", "wills/#", "-C", "1", "-W", "15", "-F", "%t %p"],
    );
    let short = mint(&key(), "local", AUDIENCE, "+3s", Some("mqtt:stream"));
    let mut client = RawClient::connect(port, ProtocolVersion::V5);
    let mut connect = connect_packet("short-lived", 60, ProtocolVersion::V5);
    if let Packet::Connect(connect) = &mut connect {
        connect.username = Some(format!("Bearer {short}"));
        connect.will = Some(zilla_binding_mqtt::codec::Will {
            topic: "wills/short-lived".to_owned(),
            payload: bytes::Bytes::from_static(b"expired"),
            qos: zilla_binding_mqtt::codec::QoS::AtMostOnce,
            retain: false,
            properties: Default::default(),
        });
    }
    client.send(&connect);
    assert!(
        matches!(client.receive(Duration::from_secs(5)), Some(Packet::Connack(c)) if c.reason_code == 0)
    );
    match client.receive(Duration::from_secs(10)) {
        Some(Packet::Disconnect(disconnect)) => assert_eq!(disconnect.reason_code, 0x87),
        other => panic!("expected DISCONNECT 0x87, got {other:?}"),
    }
    assert!(client.closed_within(Duration::from_secs(5)));
    assert_eq!(stdout(&watcher.wait()).trim(), "wills/short-lived expired");
    drop(gateway);
}

#[test]
fn a_client_id_can_be_confined_to_the_token_identity() {
    let broker = Broker::start();
    let (gateway, port) = gateway_with(&broker, |config| {
        config.replace(
            "              username: Bearer {credentials}\n",
            "              username: Bearer {credentials}\n          client-id: identity\n",
        )
    });
    let token = mint_for(
        &key(),
        "local",
        Some("device-1"),
        AUDIENCE,
        "+1d",
        Some("mqtt:stream"),
    );
    let username = format!("Bearer {token}");
    let connack = |client_id: &str| {
        let mut client = RawClient::connect(port, ProtocolVersion::V5);
        let mut connect = connect_packet(client_id, 30, ProtocolVersion::V5);
        if let Packet::Connect(connect) = &mut connect {
            connect.username = Some(username.clone());
        }
        client.send(&connect);
        match client.receive(Duration::from_secs(5)) {
            Some(Packet::Connack(connack)) => connack,
            other => panic!("expected CONNACK, got {other:?}"),
        }
    };
    assert_eq!(connack("device-1").reason_code, 0);
    assert_eq!(connack("device-2").reason_code, 0x87);
    let assigned = connack("");
    assert_eq!(assigned.reason_code, 0);
    assert_eq!(
        assigned.properties.assigned_client_identifier.as_deref(),
        Some("device-1")
    );
    drop(gateway);
}

//! Live reload through the real binary: the running gateway follows edits of its config file.
//! An invalid edit changes nothing; a valid one applies next to the running configuration,
//! keeping listeners whose address is unchanged and the connections already open.

mod support;

use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::reload::*;
use support::{free_port, Gateway};

#[test]
fn an_invalid_edit_keeps_the_old_config_serving_and_prints_every_error() {
    let port = free_port();
    let gateway = Gateway::start(&echo_config(&[port]), &[]);
    let mut open = Echo::connect(port).expect("connect");
    assert!(open.echoes("before"));

    let invalid = echo_config(&[port])
        .replace("type: echo", "type: nonesuch")
        .replace("exit: north_echo_server", "exit: nowhere");
    let before = count(&gateway, FAILED);
    std::fs::write(config_path(&gateway), &invalid).expect("write config");
    next_event(&gateway, FAILED, before);

    let expected = validate_errors(&config_path(&gateway));
    assert!(expected.len() >= 2, "{expected:?}");
    // stderr is read apart from stdout, so it may come in a moment after the event.
    let all_printed = support::wait_until(Duration::from_secs(5), || {
        let printed = gateway.stderr();
        expected.iter().all(|line| printed.contains(line))
    });
    assert!(
        all_printed,
        "{expected:?} not all in {:?}",
        gateway.stderr()
    );
    assert_eq!(count(&gateway, APPLIED), 0);
    assert!(open.echoes("after"), "the open connection carries on");
    assert!(echoes_on(port), "new connections are still served");
    assert!(gateway.stop().success());
}

#[test]
fn a_second_port_applies_without_reopening_the_first() {
    let first = free_port();
    let second = free_port();
    let gateway = Gateway::start(&echo_config(&[first]), &[]);
    let mut open = Echo::connect(first).expect("connect");
    assert!(open.echoes("before"));
    let prober = Prober::start(first);
    std::thread::sleep(Duration::from_millis(100));

    let took = apply(&gateway, &echo_config(&[first, second]));
    // About a quarter of a second on an idle machine (debug build); room for a busy one.
    assert!(took < Duration::from_secs(3), "{took:?}");

    assert!(echoes_on(second), "the new port accepts");
    std::thread::sleep(Duration::from_millis(100));
    let (successes, failures) = prober.finish();
    assert_eq!(
        failures, 0,
        "the first port refused {failures} of {successes}"
    );
    assert!(successes > 10, "{successes}");
    assert!(open.echoes("after"), "the open connection is untouched");
    assert!(gateway.stop().success());
}

#[test]
fn a_removed_port_stops_accepting_while_its_open_connection_carries_on() {
    let kept = free_port();
    let removed = free_port();
    let gateway = Gateway::start(&echo_config(&[kept, removed]), &[]);
    let mut open = Echo::connect(removed).expect("connect");
    assert!(open.echoes("before"));

    apply(&gateway, &echo_config(&[kept]));

    assert!(
        TcpStream::connect(("127.0.0.1", removed)).is_err(),
        "the removed port is closed"
    );
    assert!(open.echoes("after"), "its open connection carries on");
    assert!(echoes_on(kept));
    drop(open);
    assert!(gateway.stop().success());
}

#[test]
fn a_config_renamed_over_the_old_one_applies() {
    let first = free_port();
    let second = free_port();
    let gateway = Gateway::start(&echo_config(&[first]), &[]);
    let before = count(&gateway, APPLIED);
    let staged = gateway.dir.path().join(".zilla.yaml.new");
    std::fs::write(&staged, echo_config(&[second])).expect("write");
    std::fs::rename(&staged, config_path(&gateway)).expect("rename");
    next_event(&gateway, APPLIED, before);
    assert!(echoes_on(second));
    assert!(TcpStream::connect(("127.0.0.1", first)).is_err());
    assert!(gateway.stop().success());
}

#[test]
fn a_new_port_already_in_use_keeps_the_old_config() {
    let port = free_port();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken_port = taken.local_addr().expect("address").port();
    let gateway = Gateway::start(&echo_config(&[port]), &[]);
    let before = count(&gateway, FAILED);
    std::fs::write(config_path(&gateway), echo_config(&[port, taken_port])).expect("write");
    next_event(&gateway, FAILED, before);
    // The error is printed after the event, and stderr is read apart from stdout.
    let printed = support::wait_until(Duration::from_secs(5), || {
        gateway
            .stderr()
            .iter()
            .any(|line| line.contains(&taken_port.to_string()))
    });
    assert!(printed, "{:?}", gateway.stderr());
    assert!(echoes_on(port));
    assert_eq!(count(&gateway, APPLIED), 0);
    assert!(gateway.stop().success());
}

/// The JWK set of the project's own key (as zilla.yaml inlines it).
fn jwks() -> String {
    let config = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("zilla.yaml"),
    )
    .expect("zilla.yaml");
    let n = config
        .lines()
        .find_map(|line| line.trim().strip_prefix("n: "))
        .expect("the key's modulus");
    format!(r#"{{"keys":[{{"kty":"RSA","n":"{n}","e":"AQAB","alg":"RS256","kid":"local"}}]}}"#)
}

#[test]
fn a_changed_jwks_file_the_config_references_is_reloaded() {
    let port = free_port();
    let config = echo_config(&[port]).replace(
        "bindings:",
        "guards:
  authn_jwt:
    type: jwt
    options:
      issuer: https://auth.example.com
      audience: https://api.example.com
      keys: file:jwks.json
bindings:",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("jwks.json"), jwks()).expect("write jwks");
    let path = dir.path().join("zilla.yaml");
    std::fs::write(&path, &config).expect("write config");
    let gateway = Gateway::start_file(&path, &[]);

    let failed = count(&gateway, FAILED);
    std::fs::write(dir.path().join("jwks.json"), "not json").expect("write jwks");
    next_event(&gateway, FAILED, failed);
    assert!(echoes_on(port));

    let applied = count(&gateway, APPLIED);
    std::fs::write(dir.path().join("jwks.json"), jwks()).expect("write jwks");
    next_event(&gateway, APPLIED, applied);
    assert!(echoes_on(port));
    assert!(gateway.stop().success());
}

mod mqtt {
    //! A route's required role changes while MQTT clients are connected: the project's
    //! zilla.yaml on free ports, in front of a real Mosquitto, with tokens from jwt-cli.

    use std::num::NonZeroU16;
    use std::time::Duration;

    use super::apply;
    use super::support::jwt::mint;
    use super::support::mosquitto::{publish, Broker};
    use super::support::project::{project, start_gateway};
    use super::support::raw_mqtt::{connect_packet, RawClient};
    use super::support::Gateway;
    use zilla_binding_mqtt::codec::{
        Packet, Properties, ProtocolVersion, Subscribe, Subscription, SubscriptionOptions,
    };

    const AUDIENCE: &str = "https://api.example.com";

    fn token(scope: &str) -> String {
        let key = project().join("etc/jwt/private.pem");
        mint(&key, "local", AUDIENCE, "+1d", Some(scope))
    }

    /// The project's zilla.yaml on free ports, and the config text it runs.
    fn gateway(broker: &Broker) -> (Gateway, u16, String) {
        start_gateway(broker, |config| config)
    }

    /// A v5 client logged in with `token` and subscribed to `sensors/#`.
    fn subscriber(port: u16, client_id: &str, token: &str) -> RawClient {
        let mut client = RawClient::connect(port, ProtocolVersion::V5);
        let mut connect = connect_packet(client_id, 30, ProtocolVersion::V5);
        if let Packet::Connect(connect) = &mut connect {
            connect.username = Some(format!("Bearer {token}"));
        }
        client.send(&connect);
        match client.receive(Duration::from_secs(5)) {
            Some(Packet::Connack(connack)) => assert_eq!(connack.reason_code, 0),
            other => panic!("{client_id}: expected CONNACK, got {other:?}"),
        }
        client.send(&Packet::Subscribe(Subscribe {
            packet_id: NonZeroU16::MIN,
            properties: Properties::default(),
            subscriptions: vec![Subscription {
                filter: "sensors/#".to_owned(),
                options: SubscriptionOptions::default(),
            }],
        }));
        match client.receive(Duration::from_secs(5)) {
            Some(Packet::Suback(_)) => {}
            other => panic!("{client_id}: expected SUBACK, got {other:?}"),
        }
        client
    }

    fn send(port: u16, token: &str, message: &str) {
        let username = format!("Bearer {token}");
        let published = publish(port, &["-u", &username, "-t", "sensors/one", "-m", message]);
        assert!(published.status.success(), "{published:?}");
    }

    fn receives(client: &mut RawClient, message: &str) -> bool {
        matches!(
            client.receive(Duration::from_secs(5)),
            Some(Packet::Publish(publish)) if publish.payload == message.as_bytes()
        )
    }

    #[test]
    fn a_route_needing_a_new_role_closes_only_the_connections_without_it() {
        let broker = Broker::start();
        let (gateway, port, config) = gateway(&broker);
        let admin = token("mqtt:stream mqtt:admin");
        let plain = token("mqtt:stream");
        let mut keeps = subscriber(port, "keeps", &admin);
        let mut loses = subscriber(port, "loses", &plain);
        send(port, &admin, "before");
        assert!(receives(&mut keeps, "before"));
        assert!(receives(&mut loses, "before"));

        assert!(config.contains("- mqtt:stream\n"));
        apply(
            &gateway,
            &config.replace("- mqtt:stream\n", "- mqtt:admin\n"),
        );

        match loses.receive(Duration::from_secs(5)) {
            Some(Packet::Disconnect(disconnect)) => assert_eq!(disconnect.reason_code, 0x87),
            other => panic!("expected DISCONNECT 0x87, got {other:?}"),
        }
        assert!(loses.closed_within(Duration::from_secs(5)));

        send(port, &admin, "after");
        assert!(
            receives(&mut keeps, "after"),
            "the authorized subscriber carries on"
        );
        assert!(gateway.wait_stdout("GUARD_JWT_AUTHORIZATION_FAILED", Duration::from_secs(1)));

        // The connection kept from before the reload still ends cleanly at shutdown.
        assert!(gateway.stop().success());
        match keeps.receive(Duration::from_secs(5)) {
            Some(Packet::Disconnect(disconnect)) => assert_eq!(disconnect.reason_code, 0x8B),
            other => panic!("expected DISCONNECT 0x8B, got {other:?}"),
        }
    }
}

/// The subject of the certificate the gateway's TLS port serves for SNI `localhost`.
fn served_subject(port: u16) -> String {
    let script = format!(
        "openssl s_client -connect 127.0.0.1:{port} -servername localhost </dev/null 2>/dev/null \
         | openssl x509 -noout -subject"
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .output()
        .expect("openssl runs");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A keystore the config references is replaced: a broken one keeps the running keys, a good
/// one is served from then on.
#[test]
fn a_replaced_keystore_is_reloaded() {
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("bindings/tls/tests/keys");
    let (plain, tls) = (free_port(), free_port());
    let config = format!(
        "name: test
vaults:
  server:
    type: filesystem
    options:
      keys:
        store: server.p12
        password: test-password
bindings:
  tcp_server:
    type: tcp
    kind: server
    options:
      host: 127.0.0.1
      port: [{plain}, {tls}]
    routes:
      - when:
          - port: {tls}
        exit: tls_server
    exit: echo_server
  tls_server:
    type: tls
    kind: server
    vault: server
    options:
      keys: [localhost]
      sni: [localhost]
    exit: echo_server
  echo_server:
    type: echo
    kind: server
telemetry:
  exporters:
    stdout_logs_exporter:
      type: stdout
"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let keystore = dir.path().join("server.p12");
    std::fs::copy(keys.join("localhost.p12"), &keystore).expect("keystore");
    let path = dir.path().join("zilla.yaml");
    std::fs::write(&path, config).expect("config");
    let gateway = Gateway::start_file(&path, &[]);
    assert!(
        served_subject(tls).contains("CN = localhost"),
        "{}",
        served_subject(tls)
    );

    let failed = count(&gateway, FAILED);
    std::fs::write(&keystore, b"not a keystore").expect("break the keystore");
    next_event(&gateway, FAILED, failed);
    assert!(served_subject(tls).contains("CN = localhost"));

    // The same alias, now holding the example.com certificate.
    let applied = count(&gateway, APPLIED);
    let exported = Command::new("openssl")
        .args([
            "pkcs12",
            "-export",
            "-name",
            "localhost",
            "-passout",
            "pass:test-password",
        ])
        .arg("-inkey")
        .arg(keys.join("example.key"))
        .arg("-in")
        .arg(keys.join("example.crt"))
        .arg("-out")
        .arg(dir.path().join("next.p12"))
        .status()
        .expect("openssl runs");
    assert!(exported.success());
    std::fs::rename(dir.path().join("next.p12"), &keystore).expect("swap the keystore");
    next_event(&gateway, APPLIED, applied);
    let subject = served_subject(tls);
    assert!(subject.contains("example.com"), "{subject}");
    assert!(echoes_on(plain));
    assert!(gateway.stop().success());
}

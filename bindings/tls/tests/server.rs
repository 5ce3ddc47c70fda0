//! The tls server kind over a real tcp server, with an echo behind it.

mod support;

use std::path::Path;

use serde_json::json;
use support::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const MESSAGE: &[u8] = b"hello through tls";

#[tokio::test]
async fn data_is_echoed_over_tls_1_2_and_1_3() {
    let (_server, address) = tls_echo_server(json!({ "keys": ["localhost"] }), vault()).await;
    for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
        let config = client_config(None, &[version]);
        let mut tls = connect_with(address, "localhost", config)
            .await
            .unwrap_or_else(|error| panic!("{version:?}: {error}"));
        assert_eq!(tls.get_ref().1.protocol_version(), Some(version.version));
        let echoed = round_trip(&mut tls, MESSAGE)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(echoed, MESSAGE);
        let big: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
        let echoed = round_trip(&mut tls, &big)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(echoed, big, "large payload through credit-limited streams");
    }
}

#[tokio::test]
async fn a_version_option_pins_the_protocol() {
    let options = json!({ "keys": ["localhost"], "version": "TLSv1.2" });
    let (_server, address) = tls_echo_server(options, vault()).await;
    let only_13 = client_config(None, &[&rustls::version::TLS13]);
    let mut refused = connect_with(address, "localhost", only_13).await;
    if let Ok(tls) = &mut refused {
        assert!(round_trip(tls, MESSAGE).await.is_err());
    }
    let mut tls = connect(address, "localhost")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2)
    );
    assert!(round_trip(&mut tls, MESSAGE).await.is_ok());
}

#[tokio::test]
async fn a_server_name_outside_sni_is_refused() {
    let options = json!({ "keys": ["localhost"], "sni": ["localhost"] });
    let (_server, address) = tls_echo_server(options, vault()).await;
    assert!(connect(address, "elsewhere.test").await.is_err());
    let mut tls = connect(address, "localhost")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(round_trip(&mut tls, MESSAGE).await.is_ok());
}

#[tokio::test]
async fn sni_chooses_among_several_keys() {
    let vault = vault_in(
        json!({ "keys": { "store": "pem", "type": "pem" } }),
        &keys_dir(),
    );
    let options = json!({ "keys": ["localhost", "example"] });
    let (_server, address) = tls_echo_server(options, vault).await;
    for name in ["localhost", "example.com"] {
        // The client checks the certificate against the name, so success means the right key.
        let mut tls = connect(address, name)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(round_trip(&mut tls, MESSAGE).await.is_ok(), "{name}");
    }
    assert!(connect(address, "unknown.test").await.is_err());
}

#[tokio::test]
async fn mutual_required_refuses_a_client_without_a_trusted_certificate() {
    let options = json!({ "keys": ["localhost"], "trust": ["ca"], "mutual": "required" });
    let (_server, address) = tls_echo_server(options, vault()).await;

    let with_cert = client_config(Some("client"), rustls::ALL_VERSIONS);
    let mut tls = connect_with(address, "localhost", with_cert)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(round_trip(&mut tls, MESSAGE).await.is_ok());

    for client in [None, Some("rogue-client")] {
        let config = client_config(client, rustls::ALL_VERSIONS);
        // Under TLS 1.3 the client finishes first; the refusal arrives as an alert after.
        if let Ok(mut tls) = connect_with(address, "localhost", config).await {
            assert!(
                round_trip(&mut tls, MESSAGE).await.is_err(),
                "{client:?} accepted"
            );
        }
    }
}

#[tokio::test]
async fn trust_alone_implies_mutual_required() {
    let options = json!({ "keys": ["localhost"], "trust": ["ca"] });
    let (_server, address) = tls_echo_server(options, vault()).await;
    if let Ok(mut tls) = connect(address, "localhost").await {
        assert!(round_trip(&mut tls, MESSAGE).await.is_err());
    }
}

#[tokio::test]
async fn mutual_requested_accepts_clients_with_or_without_a_certificate() {
    let options = json!({ "keys": ["localhost"], "trust": ["ca"], "mutual": "requested" });
    let (_server, address) = tls_echo_server(options, vault()).await;
    for client in [None, Some("client")] {
        let config = client_config(client, rustls::ALL_VERSIONS);
        let mut tls = connect_with(address, "localhost", config)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(round_trip(&mut tls, MESSAGE).await.is_ok(), "{client:?}");
    }
}

#[tokio::test]
async fn plaintext_and_garbage_are_closed_while_others_carry_on() {
    let (server, address) = tls_echo_server(json!({ "keys": ["localhost"] }), vault()).await;
    let mut good = connect(address, "localhost")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(round_trip(&mut good, MESSAGE).await.is_ok());

    let mut plaintext = TcpStream::connect(address)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    plaintext
        .write_all(b"CONNECT mqtt please\r\n\r\n")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        closed(&mut plaintext).await,
        "plaintext connection left open"
    );

    let mut garbage = TcpStream::connect(address)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut hello = vec![0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0xff, 0xff, 0xff];
    hello.extend_from_slice(&[0xab; 60]);
    garbage
        .write_all(&hello)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(closed(&mut garbage).await, "garbage connection left open");

    let echoed = round_trip(&mut good, b"still here")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(echoed, b"still here");
    let mut fresh = connect(address, "localhost")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(round_trip(&mut fresh, MESSAGE).await.is_ok());
    drop((plaintext, garbage, good, fresh));
    let _ = server;
}

#[tokio::test]
async fn a_legacy_keystore_serves() {
    let vault = vault_in(
        json!({ "keys": { "store": "localhost-legacy.p12", "password": PASSWORD } }),
        &keys_dir(),
    );
    let (_server, address) = tls_echo_server(json!({ "keys": ["localhost"] }), vault).await;
    let mut tls = connect(address, "localhost")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(round_trip(&mut tls, MESSAGE).await.is_ok());
}

#[tokio::test]
async fn a_missing_key_alias_fails_the_build_naming_vault_and_alias() {
    let config = config(json!({
        "type": "tls", "kind": "server", "vault": "vault",
        "options": { "keys": ["nobody"] }, "exit": "echo"
    }));
    let error = try_tls("tls", &config, vec![("echo", echo())], Some(vault()))
        .err()
        .map(|error| error.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("test:vault") && error.contains("\"nobody\""),
        "{error}"
    );
}

/// The upstream example's keystore (a v1 certificate with only a CN, in a legacy PKCS#12).
#[tokio::test]
async fn the_upstream_keystore_serves_localhost() {
    let etc = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/upstream-examples/mqtt.proxy.jwt/etc");
    if !etc.exists() {
        println!("skipped: upstream examples not found at {}", etc.display());
        return;
    }
    let vault = vault_in(
        json!({ "keys": { "store": "tls/localhost.p12", "type": "pkcs12", "password": "generated" } }),
        &etc,
    );
    let options = json!({ "keys": ["localhost"], "sni": ["localhost"] });
    let (_server, address) = tls_echo_server(options, vault).await;
    let output = openssl_client(address, &["-servername", "localhost"], MESSAGE).await;
    assert!(
        output.contains("CN = localhost") || output.contains("CN=localhost"),
        "{output}"
    );
}

#[tokio::test]
async fn a_silent_client_is_closed_after_the_handshake_timeout() {
    let config = config(json!({
        "type": "tls", "kind": "server", "vault": "vault",
        "options": { "keys": ["localhost"] }, "exit": "echo"
    }));
    let context = context("tls", &config, vec![("echo", echo())], Some(vault()));
    let tls = zilla_binding_tls::TlsServer::build(context, std::time::Duration::from_millis(300))
        .unwrap_or_else(|error| panic!("{error}"));
    let (_server, address) = tcp_server(exit(std::sync::Arc::new(tls))).await;
    let mut silent = TcpStream::connect(address)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let started = std::time::Instant::now();
    assert!(closed(&mut silent).await);
    assert!(started.elapsed() >= std::time::Duration::from_millis(250));
}

#[tokio::test]
async fn the_factory_passes_its_handshake_timeout_to_the_servers_it_builds() {
    use zilla_engine::binding::BindingFactory;
    let config = config(json!({
        "type": "tls", "kind": "server", "vault": "vault",
        "options": { "keys": ["localhost"] }, "exit": "echo"
    }));
    let timeout = zilla_binding_tls::parse_handshake_timeout("1").unwrap_or_else(|e| panic!("{e}"));
    let tls = zilla_binding_tls::TlsBindingFactory::with_handshake_timeout(timeout)
        .build(context(
            "tls",
            &config,
            vec![("echo", echo())],
            Some(vault()),
        ))
        .unwrap_or_else(|error| panic!("{error}"));
    let (_server, address) = tcp_server(exit(tls)).await;
    let mut silent = TcpStream::connect(address)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let started = std::time::Instant::now();
    assert!(closed(&mut silent).await);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= std::time::Duration::from_millis(900)
            && elapsed < zilla_binding_tls::DEFAULT_HANDSHAKE_TIMEOUT,
        "{elapsed:?}"
    );
}

#[test]
fn handshake_timeouts_are_whole_seconds_as_in_zilla() {
    use zilla_binding_tls::parse_handshake_timeout;
    assert_eq!(
        parse_handshake_timeout(" 30 "),
        Ok(std::time::Duration::from_secs(30))
    );
    for refused in ["0", "-1", "1.5", "", "ten"] {
        assert!(parse_handshake_timeout(refused).is_err(), "{refused:?}");
    }
}

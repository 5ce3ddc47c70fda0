//! The tls proxy kind: routes by the ClientHello's server name without terminating.

mod support;

use serde_json::json;
use support::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use zilla_binding_tls::client_hello::{peek, Peeked};

#[tokio::test]
async fn routes_by_server_name_and_passes_bytes_through() {
    let config = config(json!({
        "type": "tls", "kind": "server", "vault": "vault",
        "options": { "keys": ["localhost"] }, "exit": "echo"
    }));
    let terminator = try_tls("tls", &config, vec![("echo", echo())], Some(vault()))
        .unwrap_or_else(|error| panic!("{error}"));
    let proxy_config = config_proxy();
    let proxy = try_tls(
        "proxy",
        &proxy_config,
        vec![("tls", exit(terminator))],
        None,
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let (_server, address) = tcp_server(exit(proxy)).await;

    let mut tls = connect(address, "localhost")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let echoed = round_trip(&mut tls, b"end to end")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(echoed, b"end to end");

    // No route for another name: the connection closes without a handshake.
    assert!(connect(address, "example.com").await.is_err());
    let mut plaintext = TcpStream::connect(address)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    plaintext
        .write_all(b"GET / HTTP/1.1\r\n\r\n")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(closed(&mut plaintext).await);
    assert!(round_trip(&mut tls, b"unaffected").await.is_ok());
}

fn config_proxy() -> zilla_engine::config::model::BindingConfig {
    config(json!({
        "type": "tls", "kind": "proxy",
        "routes": [{ "when": [{ "authority": "localhost" }], "exit": "tls" }]
    }))
}

#[test]
fn peeking_never_panics_on_truncations_of_a_real_hello() {
    // A ClientHello for `localhost` offering `mqtt`, as a rustls client writes it.
    let config = client_config(None, rustls::ALL_VERSIONS);
    let mut config = config;
    config.alpn_protocols = vec![b"mqtt".to_vec()];
    let name =
        rustls::pki_types::ServerName::try_from("localhost").unwrap_or_else(|e| panic!("{e}"));
    let mut connection = rustls::ClientConnection::new(std::sync::Arc::new(config), name)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut hello = Vec::new();
    connection
        .write_tls(&mut hello)
        .unwrap_or_else(|e| panic!("{e}"));

    match peek(&hello) {
        Peeked::Hello(parsed) => {
            assert_eq!(parsed.server_name.as_deref(), Some("localhost"));
            assert_eq!(parsed.alpn, vec!["mqtt".to_string()]);
        }
        other => panic!("{other:?}"),
    }
    for length in 0..hello.len() {
        assert_eq!(peek(&hello[..length]), Peeked::Incomplete, "at {length}");
    }
    let mut corrupted = hello.clone();
    for index in 5..corrupted.len() {
        corrupted[index] ^= 0xff;
        let _ = peek(&corrupted);
        corrupted[index] ^= 0xff;
    }
    assert_eq!(
        peek(b"\x16\x03\x01\x00\x04\x02\x00\x00\x00"),
        Peeked::Invalid
    );
}

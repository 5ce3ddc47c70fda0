//! The tls client kind: a plaintext opener → tls client → tcp client → tcp server → tls
//! server → echo, all in process over loopback.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use support::*;
use zilla_binding_tcp::TcpBindingFactory;
use zilla_engine::binding::{Binding, BindingFactory};
use zilla_engine::frame::{Begin, BindingId, Extension};
use zilla_engine::io::StreamIo;
use zilla_engine::stream::stream;

fn tls_client(options: Value, upstream: SocketAddr) -> Arc<dyn Binding> {
    tls_client_with(options, upstream, vault())
}

fn tls_client_with(
    options: Value,
    upstream: SocketAddr,
    vault: Arc<dyn zilla_engine::vault::Vault>,
) -> Arc<dyn Binding> {
    let tcp_config = config(json!({
        "type": "tcp", "kind": "client",
        "options": { "host": "127.0.0.1", "port": upstream.port() }
    }));
    let tcp = TcpBindingFactory::new()
        .build(context("tcp_client", &tcp_config, Vec::new(), None))
        .unwrap_or_else(|error| panic!("tcp client: {error}"));
    let tls_config = config(json!({
        "type": "tls", "kind": "client", "vault": "vault", "options": options, "exit": "tcp"
    }));
    try_tls(
        "tls_client",
        &tls_config,
        vec![("tcp", exit(tcp))],
        Some(vault),
    )
    .unwrap_or_else(|error| panic!("tls client: {error}"))
}

/// Opens a stream toward `client` as a plaintext binding (an mqtt client) would.
async fn open(client: &Arc<dyn Binding>) -> std::io::Result<StreamIo> {
    let (opener, target) = stream();
    client.open(
        Begin {
            origin: BindingId::from("test:mqtt_client"),
            routed: client.id().clone(),
            authorization: None,
            affinity: 0,
            extension: Extension::none(),
        },
        target,
    );
    let mut io = StreamIo::new(opener, 64 * 1024);
    tokio::time::timeout(Duration::from_secs(5), io.accepted())
        .await
        .map_err(|_| std::io::Error::other("no answer in time"))??;
    Ok(io)
}

#[tokio::test]
async fn the_client_kind_handshakes_with_the_server_kind() {
    let (_server, address) = tls_echo_server(json!({ "keys": ["localhost"] }), vault()).await;
    let client = tls_client(json!({ "trust": ["ca"], "sni": ["localhost"] }), address);
    let mut io = open(&client)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let echoed = round_trip(&mut io, b"upstream over tls").await;
    assert_eq!(
        echoed.unwrap_or_else(|e| panic!("{e}")),
        b"upstream over tls"
    );
}

#[tokio::test]
async fn the_client_kind_presents_its_key_to_a_mutual_server() {
    let options = json!({ "keys": ["localhost"], "trust": ["ca"], "mutual": "required" });
    let (_server, address) = tls_echo_server(options, vault()).await;
    let client_vault = vault_in(
        json!({
            "keys": { "store": "pem", "type": "pem" },
            "trust": { "store": "trust.p12", "password": PASSWORD }
        }),
        &keys_dir(),
    );
    let client = tls_client_with(
        json!({ "keys": ["client"], "trust": ["ca"], "sni": ["localhost"] }),
        address,
        client_vault,
    );
    let mut io = open(&client)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(round_trip(&mut io, b"mutual").await.is_ok());
}

#[tokio::test]
async fn the_client_kind_refuses_a_server_it_does_not_trust() {
    let (_server, address) = tls_echo_server(json!({ "keys": ["localhost"] }), vault()).await;
    // Without `trust`, only the public roots are trusted: the test CA is not among them.
    let client = tls_client(json!({ "sni": ["localhost"] }), address);
    assert!(open(&client).await.is_err());
    // The right CA but another name: the certificate does not cover it.
    let client = tls_client(json!({ "trust": ["ca"], "sni": ["example.com"] }), address);
    assert!(open(&client).await.is_err());
}

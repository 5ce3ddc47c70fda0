//! The tcp server over real loopback sockets.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use support::*;
use tokio::io::AsyncWriteExt;
use zilla_binding_echo::EchoBindingFactory;
use zilla_binding_tcp::{TcpBindingFactory, TcpServer};
use zilla_engine::binding::{Binding, Limits};

fn echo(limits: &Limits) -> Arc<dyn Binding> {
    build(
        &EchoBindingFactory,
        "echo",
        &config(json!({"type": "echo", "kind": "server"})),
        Vec::new(),
        limits.clone(),
    )
}

async fn server(
    options: serde_json::Value,
    routes: serde_json::Value,
    exits: Vec<(&str, zilla_engine::binding::Exit)>,
    limits: Limits,
) -> (Arc<TcpServer>, SocketAddr) {
    let config = config(json!({
        "type": "tcp", "kind": "server", "options": options, "routes": routes
    }));
    let server = TcpBindingFactory::new()
        .build_server(context("tcp", &config, exits, limits))
        .unwrap_or_else(|error| panic!("build: {error}"));
    let server = Arc::new(server);
    server
        .start()
        .await
        .unwrap_or_else(|error| panic!("start: {error}"));
    let address = server
        .local_addrs()
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no listener"));
    (server, address)
}

async fn echo_server(limits: Limits) -> (Arc<TcpServer>, SocketAddr) {
    let echo = exit(echo(&limits));
    server(
        json!({"host": "127.0.0.1", "port": 0}),
        json!([{"exit": "echo"}]),
        vec![("echo", echo)],
        limits,
    )
    .await
}

#[tokio::test]
async fn echo_returns_what_was_sent() {
    let (server, address) = echo_server(Limits::default()).await;
    let mut socket = connect(address).await;
    send(&mut socket, b"hello, gateway\n").await;
    assert_eq!(read_exactly(&mut socket, 15).await, b"hello, gateway\n");

    socket.shutdown().await.ok();
    assert!(read_to_close(&mut socket).await.is_empty());
    drop(socket);
    tokio::time::timeout(Duration::from_secs(5), server.idle())
        .await
        .unwrap_or_else(|_| panic!("connection still counted as open"));
}

#[tokio::test]
async fn large_transfer_is_echoed_through_a_small_window() {
    let limits = Limits {
        stream_window: 1024,
        ..Limits::default()
    };
    let (_server, address) = echo_server(limits).await;
    let socket = connect(address).await;
    let (mut reader, mut writer) = socket.into_split();
    let payload: Vec<u8> = (0..200_000u32).map(|index| (index % 251) as u8).collect();
    let sent = payload.clone();
    let writing = tokio::spawn(async move { writer.write_all(&sent).await.map(|_| writer) });
    let mut received = vec![0u8; payload.len()];
    tokio::time::timeout(
        Duration::from_secs(10),
        tokio::io::AsyncReadExt::read_exact(&mut reader, &mut received),
    )
    .await
    .unwrap_or_else(|_| panic!("echo stalled"))
    .unwrap_or_else(|error| panic!("{error}"));
    assert!(received == payload);
    assert!(writing.await.is_ok());
}

#[tokio::test]
async fn a_client_that_does_not_read_stops_the_gateway_reading() {
    let limits = Limits {
        stream_window: 16 * 1024,
        ..Limits::default()
    };
    let (_server, address) = echo_server(limits).await;
    let socket = connect(address).await;
    let (_reader, mut writer) = socket.into_split();
    let total = 256 * 1024 * 1024;
    let chunk = vec![7u8; 64 * 1024];
    let written = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = written.clone();
    let writing = tokio::spawn(async move {
        let mut sent = 0;
        while sent < total {
            if writer.write_all(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len();
            counter.store(sent, std::sync::atomic::Ordering::Relaxed);
        }
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after_pause = written.load(std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let later = written.load(std::sync::atomic::Ordering::Relaxed);
    // Only kernel socket buffers and one window are in flight: the writer is stuck well short
    // of the total, and stays stuck.
    assert!(
        after_pause < total / 4,
        "gateway kept reading: {after_pause}"
    );
    assert_eq!(after_pause, later, "gateway still reading");
    writing.abort();
}

#[tokio::test]
async fn routes_by_local_port() {
    let (first, second) = (free_port(), free_port());
    let greeting = exit(Greeter::binding("first", "first\n"));
    let (_server, _) = server(
        json!({"host": "127.0.0.1", "port": [first, second]}),
        json!([{"when": [{"port": first}], "exit": "first"}]),
        vec![("first", greeting)],
        Limits::default(),
    )
    .await;
    let mut routed = connect(SocketAddr::from(([127, 0, 0, 1], first))).await;
    assert_eq!(read_to_close(&mut routed).await, b"first\n");
    let mut unrouted = connect(SocketAddr::from(([127, 0, 0, 1], second))).await;
    assert!(read_to_close(&mut unrouted).await.is_empty());
}

#[tokio::test]
async fn routes_by_peer_cidr() {
    let (_server, address) = server(
        json!({"host": "127.0.0.1", "port": 0}),
        json!([
            {"when": [{"cidr": "10.0.0.0/8"}], "exit": "private"},
            {"when": [{"cidr": "127.0.0.0/8"}], "exit": "loopback"}
        ]),
        vec![
            ("private", exit(Greeter::binding("private", "private\n"))),
            ("loopback", exit(Greeter::binding("loopback", "loopback\n"))),
        ],
        Limits::default(),
    )
    .await;
    let mut socket = connect(address).await;
    assert_eq!(read_to_close(&mut socket).await, b"loopback\n");
}

#[tokio::test]
async fn connections_over_the_cap_are_closed() {
    let limits = Limits {
        max_connections: 1,
        ..Limits::default()
    };
    let (server, address) = echo_server(limits).await;
    let mut first = connect(address).await;
    send(&mut first, b"one").await;
    assert_eq!(read_exactly(&mut first, 3).await, b"one");
    assert_eq!(server.connections().open(), 1);

    let mut second = connect(address).await;
    let _ = second.write_all(b"two").await;
    assert!(read_to_close(&mut second).await.is_empty());

    drop(first);
    tokio::time::timeout(Duration::from_secs(5), server.idle())
        .await
        .unwrap_or_else(|_| panic!("first connection not released"));
    let mut third = connect(address).await;
    send(&mut third, b"three").await;
    assert_eq!(read_exactly(&mut third, 5).await, b"three");
}

#[tokio::test]
async fn stop_ends_the_accept_loop() {
    let (server, address) = echo_server(Limits::default()).await;
    server.stop().await;
    // The listener stays bound (the engine owns it), but nothing accepts any more.
    let mut socket = connect(address).await;
    let _ = socket.write_all(b"x").await;
    let mut buffer = [0u8; 1];
    let read = tokio::time::timeout(
        Duration::from_millis(300),
        tokio::io::AsyncReadExt::read(&mut socket, &mut buffer),
    )
    .await;
    assert!(read.is_err(), "a stopped server answered");
}

/// A binding that sends its last bytes and drops its stream at once (as a protocol binding does
/// after a final DISCONNECT) must still have those bytes written to the socket.
#[tokio::test]
async fn data_sent_just_before_a_dropped_stream_still_reaches_the_socket() {
    for _ in 0..20 {
        let farewell = exit(Greeter::dropping("farewell", "last words\n"));
        let (_server, address) = server(
            json!({"host": "127.0.0.1", "port": 0}),
            json!([{"exit": "farewell"}]),
            vec![("farewell", farewell)],
            Limits::default(),
        )
        .await;
        let mut socket = connect(address).await;
        assert_eq!(read_to_close(&mut socket).await, b"last words\n");
    }
}

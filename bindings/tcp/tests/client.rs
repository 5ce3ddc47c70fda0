//! The tcp client against a local test server.

mod support;

use std::time::Duration;

use bytes::Bytes;
use serde_json::json;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zilla_binding_tcp::{TcpBeginEx, TcpBindingFactory, TcpConnectEx};
use zilla_engine::binding::Limits;
use zilla_engine::frame::{Begin, BindingId, Control, Data, Extension, Frame};
use zilla_engine::stream::{stream, StreamEnd};

fn begin(extension: Extension) -> Begin {
    Begin {
        origin: BindingId::from("test:origin"),
        routed: BindingId::from("test:tcp"),
        authorization: None,
        affinity: 0,
        extension,
    }
}

fn open_client(
    options: serde_json::Value,
    routes: serde_json::Value,
    extension: Extension,
) -> StreamEnd {
    let config =
        config(json!({"type": "tcp", "kind": "client", "options": options, "routes": routes}));
    let factory = TcpBindingFactory::new().with_connect_timeout(Duration::from_secs(2));
    let client = build(&factory, "tcp", &config, Vec::new(), Limits::default());
    let (opener, target) = stream();
    client.open(begin(extension), target);
    opener
}

/// A local test server and its port.
async fn upstream() -> (TcpListener, u16) {
    let upstream = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = upstream
        .local_addr()
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    (upstream, port)
}

async fn expect_reset(opener: &mut StreamEnd) {
    let control = tokio::time::timeout(Duration::from_secs(5), opener.tx.control())
        .await
        .unwrap_or_else(|_| panic!("no answer"));
    assert!(
        matches!(control, Some(Control::Reset(_)) | None),
        "{control:?}"
    );
}

/// A client stream to a local test server: the stream, the socket the server accepted, and the
/// server's port.
async fn connected() -> (StreamEnd, TcpStream, u16) {
    let (upstream, port) = upstream().await;
    let opener = open_client(
        json!({"host": "127.0.0.1", "port": port}),
        json!([]),
        Extension::none(),
    );
    let (accepted, _) = upstream.accept().await.unwrap_or_else(|e| panic!("{e}"));
    (opener, accepted, port)
}

/// Sends `bytes` on the stream and reads them from the socket the client connected.
async fn send_and_receive(opener: &mut StreamEnd, accepted: &mut TcpStream, bytes: &'static [u8]) {
    opener
        .tx
        .ready(bytes.len())
        .await
        .unwrap_or_else(|_| panic!("reset"));
    opener
        .tx
        .data(Data::message(Bytes::from_static(bytes)))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut received = vec![0u8; bytes.len()];
    accepted
        .read_exact(&mut received)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(received, bytes);
}

/// Writes `bytes` from the socket the client connected and receives them on the stream.
async fn receive_from(opener: &mut StreamEnd, accepted: &mut TcpStream, bytes: &'static [u8]) {
    accepted
        .write_all(bytes)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    match opener.rx.recv().await {
        Some(Frame::Data(data)) => assert_eq!(&data.payload[..], bytes),
        other => panic!("expected Data, got {other:?}"),
    }
}

#[tokio::test]
async fn connects_and_relays_both_ways() {
    let (mut opener, mut accepted, port) = connected().await;
    match opener.rx.recv().await {
        Some(Frame::Begin(reply)) => {
            let addresses = reply.extension.get::<TcpBeginEx>().copied();
            assert_eq!(addresses.map(|a| a.remote.port()), Some(port));
        }
        other => panic!("expected reply Begin, got {other:?}"),
    }
    opener.rx.open_window(1024, 0);

    send_and_receive(&mut opener, &mut accepted, b"ping").await;

    accepted
        .write_all(b"pong")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    accepted.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
    match opener.rx.recv().await {
        Some(Frame::Data(data)) => assert_eq!(&data.payload[..], b"pong"),
        other => panic!("expected Data, got {other:?}"),
    }
    assert!(matches!(opener.rx.recv().await, Some(Frame::End(_))));
}

#[tokio::test]
async fn destination_from_the_begin_extension() {
    let (upstream, port) = upstream().await;
    let connect = Extension::new(TcpConnectEx {
        host: "localhost".into(),
        port,
    });
    let mut opener = open_client(
        json!({}),
        json!([{"when": [{"cidr": "127.0.0.0/8"}]}]),
        connect,
    );
    let accepted = tokio::time::timeout(Duration::from_secs(5), upstream.accept()).await;
    assert!(matches!(accepted, Ok(Ok(_))));
    assert!(matches!(opener.rx.recv().await, Some(Frame::Begin(_))));
}

#[tokio::test]
async fn refused_with_reset_when_the_port_is_closed() {
    let port = free_port();
    let mut opener = open_client(
        json!({"host": "127.0.0.1", "port": port}),
        json!([]),
        Extension::none(),
    );
    expect_reset(&mut opener).await;
}

#[tokio::test]
async fn refused_when_no_route_allows_the_destination() {
    let (_upstream, port) = upstream().await;
    let connect = Extension::new(TcpConnectEx {
        host: "127.0.0.1".into(),
        port,
    });
    let mut opener = open_client(
        json!({}),
        json!([{"when": [{"cidr": "10.0.0.0/8"}]}]),
        connect,
    );
    expect_reset(&mut opener).await;
}

#[tokio::test]
async fn refused_without_a_destination() {
    let mut opener = open_client(json!({}), json!([]), Extension::none());
    expect_reset(&mut opener).await;
}

#[tokio::test]
async fn a_reader_that_resets_gets_nothing_more_while_its_writes_still_go_out() {
    let (mut opener, mut accepted, _) = connected().await;
    assert!(matches!(opener.rx.recv().await, Some(Frame::Begin(_))));
    opener.rx.open_window(1024, 0);
    receive_from(&mut opener, &mut accepted, b"early").await;
    opener.rx.reset(Extension::none());
    // The pump is idle when the reset comes; it must see it before it reads again.
    tokio::time::sleep(Duration::from_millis(50)).await;
    accepted
        .write_all(b"late")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    send_and_receive(&mut opener, &mut accepted, b"still").await;

    // A reset direction is over for both sides: no frame follows on it, not even an abort.
    let next = tokio::time::timeout(Duration::from_millis(300), opener.rx.recv()).await;
    assert!(
        next.is_err(),
        "nothing may arrive after the reset: {next:?}"
    );
}

/// A peer that leaves Nagle's algorithm on holds each small write until its previous one is
/// acknowledged. Once the gateway has answered on a connection (here: a greeting), Linux delays
/// its acknowledgements there, expecting them to ride on the next answer; when the gateway then
/// only receives, the peer's writes wait for the delayed-ACK timer (40 ms) unless the pump has
/// the kernel acknowledge at once.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_peer_with_nagle_on_is_not_held_back_when_the_gateway_stops_answering() {
    const WRITES: usize = 40;
    let (mut opener, mut accepted, _) = connected().await;
    accepted
        .set_nodelay(false)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(opener.rx.recv().await, Some(Frame::Begin(_))));
    opener.rx.open_window(64 * 1024, 0);
    receive_from(&mut opener, &mut accepted, b"hello").await;
    opener.rx.acknowledge_all();
    send_and_receive(&mut opener, &mut accepted, b"welcome").await;

    let writer = tokio::spawn(async move {
        let mut sent = Vec::with_capacity(WRITES);
        for index in 0..WRITES {
            sent.push(tokio::time::Instant::now());
            accepted
                .write_all(&[index as u8])
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        (sent, accepted)
    });
    let mut arrived = Vec::with_capacity(WRITES);
    while arrived.len() < WRITES {
        match tokio::time::timeout(Duration::from_secs(5), opener.rx.recv()).await {
            Ok(Some(Frame::Data(data))) => {
                let now = tokio::time::Instant::now();
                arrived.extend(data.payload.iter().map(|_| now));
                opener.rx.acknowledge_all();
            }
            other => panic!("expected Data, got {other:?}"),
        }
    }
    let (sent, _accepted) = writer.await.unwrap_or_else(|e| panic!("{e}"));

    let delays: Vec<Duration> = sent
        .iter()
        .zip(&arrived)
        .map(|(sent, arrived)| arrived.saturating_duration_since(*sent))
        .collect();
    // Without prompt acknowledgements about a dozen writes wait 10-40 ms; allow for a pause or
    // two of a loaded machine.
    let held = delays
        .iter()
        .filter(|delay| **delay >= Duration::from_millis(10))
        .count();
    assert!(
        held <= 3,
        "{held} of {WRITES} small writes were held back: {delays:?}"
    );
}

//! tcp → fan → echo: every client receives every client's lines.

mod support;

use std::sync::Arc;

use serde_json::json;
use support::*;
use zilla_binding_echo::EchoBindingFactory;
use zilla_binding_fan::FanBindingFactory;
use zilla_binding_tcp::TcpBindingFactory;
use zilla_engine::binding::{Binding, Limits};

#[tokio::test]
async fn two_clients_each_receive_both_lines() {
    let limits = Limits::default();
    let echo = build(
        &EchoBindingFactory,
        "echo",
        &config(json!({"type": "echo", "kind": "server"})),
        Vec::new(),
        limits.clone(),
    );
    let fan = build(
        &FanBindingFactory::new(),
        "fan",
        &config(json!({"type": "fan", "kind": "server", "exit": "echo"})),
        vec![("echo", exit(echo))],
        limits.clone(),
    );
    let tcp_config = config(json!({
        "type": "tcp", "kind": "server",
        "options": {"host": "127.0.0.1", "port": 0},
        "exit": "fan"
    }));
    let tcp = TcpBindingFactory::new()
        .build_server(context(
            "tcp",
            &tcp_config,
            vec![("fan", exit(fan))],
            limits,
        ))
        .unwrap_or_else(|error| panic!("{error}"));
    let tcp = Arc::new(tcp);
    tcp.start().await.unwrap_or_else(|error| panic!("{error}"));
    let address = tcp
        .local_addrs()
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no listener"));

    let mut first = connect(address).await;
    let mut second = connect(address).await;
    // Both connections must have joined before the first line is reflected.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    send(&mut first, b"Hello, one\n").await;
    assert_eq!(read_exactly(&mut first, 11).await, b"Hello, one\n");
    assert_eq!(read_exactly(&mut second, 11).await, b"Hello, one\n");
    send(&mut second, b"Hello, two\n").await;
    assert_eq!(read_exactly(&mut first, 11).await, b"Hello, two\n");
    assert_eq!(read_exactly(&mut second, 11).await, b"Hello, two\n");
}

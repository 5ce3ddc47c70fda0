//! Reloading a running engine against fake bindings.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::fakes::{registry, Journal};
use super::{engine, free_port, loaded, scratch_dir};

fn namespace(bindings: Value) -> Value {
    json!({
        "name": "example",
        "bindings": bindings,
        "telemetry": {"exporters": {"journal": {"type": "recorder"}}}
    })
}

fn server(port: u16) -> Value {
    json!({"type": "fake_server", "kind": "server", "options": {"port": port}})
}

fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

#[tokio::test]
async fn a_reload_keeps_unchanged_listeners_and_closes_removed_ones() {
    let journal = Journal::default();
    let registry = registry(&journal);
    let (kept, removed) = (free_port(), free_port());
    let dir = scratch_dir();
    let mut engine = engine(&dir);
    let first = loaded(&[namespace(json!({"a": server(kept), "b": server(removed)}))]);
    engine.start(&first, &registry).await.expect("start");
    let listener = engine.listeners().listen(local(kept)).expect("listener");

    let second = loaded(&[namespace(json!({"a": server(kept)}))]);
    engine.reload(&second, &registry).await.expect("reload");

    let same = engine.listeners().listen(local(kept)).expect("listener");
    assert!(Arc::ptr_eq(&listener, &same), "the listener was reopened");
    assert_eq!(engine.listeners().addresses(), vec![local(kept)]);
    assert!(std::net::TcpStream::connect(local(removed)).is_err());
    let ids: Vec<String> = engine
        .generation()
        .map(|generation| generation.binding_ids().map(ToString::to_string).collect())
        .unwrap_or_default();
    assert_eq!(ids, ["example:a"]);
    let entries = journal.entries();
    assert!(
        entries.iter().any(|entry| entry
            .starts_with("event zilla:engine config.reload.applied: applied 1 bindings")),
        "{entries:?}"
    );
    engine.stop(Duration::from_secs(1)).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_reload_that_cannot_start_leaves_the_running_configuration() {
    let journal = Journal::default();
    let registry = registry(&journal);
    let (port, added) = (free_port(), free_port());
    let dir = scratch_dir();
    let mut engine = engine(&dir);
    let first = loaded(&[namespace(json!({"a": server(port)}))]);
    engine.start(&first, &registry).await.expect("start");

    let second = loaded(&[namespace(json!({
        "a": server(port),
        "n": server(added),
        "z": {"type": "fake_unstartable", "kind": "server"}
    }))]);
    let error = engine.reload(&second, &registry).await.expect_err("fails");
    assert!(
        error.to_string().contains("cannot start on purpose"),
        "{error}"
    );

    assert_eq!(engine.listeners().addresses(), vec![local(port)]);
    assert!(std::net::TcpStream::connect(local(port)).is_ok());
    assert!(std::net::TcpStream::connect(local(added)).is_err());
    let ids: Vec<String> = engine
        .generation()
        .map(|generation| generation.binding_ids().map(ToString::to_string).collect())
        .unwrap_or_default();
    assert_eq!(ids, ["example:a"]);
    let entries = journal.entries();
    assert!(
        entries
            .iter()
            .any(|entry| entry.starts_with("event zilla:engine config.reload.failed")),
        "the running exporters report the failure: {entries:?}"
    );
    assert!(engine.ready_file().exists());
    engine.stop(Duration::from_secs(1)).await;
    let _ = std::fs::remove_dir_all(dir);
}

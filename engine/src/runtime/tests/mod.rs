//! Engine lifecycle tests against fake bindings.

mod fakes;
mod reload;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::binding::Limits;
use crate::config::model::{Config, NamespaceConfig};
use crate::config::LoadedConfig;
use crate::runtime::workers::Workers;
use crate::runtime::{Engine, EngineOptions};
use fakes::{registry, Journal};

fn loaded(namespaces: &[Value]) -> LoadedConfig {
    let namespaces = namespaces
        .iter()
        .map(|namespace| {
            serde_json::from_value::<NamespaceConfig>(namespace.clone()).expect("namespace")
        })
        .collect();
    LoadedConfig {
        config: Config { namespaces },
        path: PathBuf::from("zilla.yaml"),
        dir: PathBuf::from("."),
        written: String::new(),
        warnings: Vec::new(),
    }
}

fn scratch_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "zilla-runtime-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn engine(dir: &Path) -> Engine {
    Engine::new(EngineOptions {
        directory: dir.to_path_buf(),
        limits: Limits::default(),
        workers: Workers::current(),
    })
    .expect("engine")
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[tokio::test]
async fn bindings_are_built_and_started_exits_first() {
    let journal = Journal::default();
    let port = free_port();
    let config = loaded(&[
        json!({
            "name": "example",
            "bindings": {
                "north": {"type": "fake_server", "kind": "server", "options": {"port": port},
                          "exit": "middle"},
                "middle": {"type": "fake_echo", "kind": "proxy",
                           "routes": [{"exit": "other:south", "when": [{}]}], "exit": "south"},
                "south": {"type": "fake_echo", "kind": "server"}
            }
        }),
        json!({"name": "other", "bindings": {"south": {"type": "fake_echo", "kind": "server"}}}),
    ]);
    let dir = scratch_dir();
    let mut engine = engine(&dir);
    engine
        .start(&config, &registry(&journal))
        .await
        .expect("start");
    let entries = journal.entries();
    let at = |entry: &str| {
        entries
            .iter()
            .position(|seen| seen == entry)
            .unwrap_or_else(|| panic!("{entry} missing from {entries:?}"))
    };
    let middle = at("build example:middle exits [other:south=other:south,south=example:south]");
    assert!(at("build example:south exits []") < middle);
    assert!(at("build other:south exits []") < middle);
    assert!(middle < at("build example:north exits [middle=example:middle]"));
    assert!(at("start example:middle") < at("start example:north"));
    assert!(engine.ready_file().exists());
    engine.stop(Duration::from_secs(1)).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_failed_build_names_the_binding_and_leaves_nothing_running() {
    let journal = Journal::default();
    let port = free_port();
    let config = loaded(&[json!({
        "name": "example",
        "bindings": {
            "a_server": {"type": "fake_server", "kind": "server", "options": {"port": port}},
            "b_broken": {"type": "fake_broken", "kind": "server"}
        }
    })]);
    let dir = scratch_dir();
    let mut engine = engine(&dir);
    let error = engine
        .start(&config, &registry(&journal))
        .await
        .expect_err("fails");
    assert_eq!(
        error.to_string(),
        "binding example:b_broken: broken on purpose"
    );
    assert!(engine.listeners().addresses().is_empty());
    assert!(!engine.ready_file().exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_port_in_use_fails_startup_naming_binding_and_address() {
    let journal = Journal::default();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port();
    let config = loaded(&[json!({
        "name": "example",
        "bindings": {"tcp": {"type": "fake_server", "kind": "server", "options": {"port": port}}}
    })]);
    let dir = scratch_dir();
    let mut engine = engine(&dir);
    let error = engine
        .start(&config, &registry(&journal))
        .await
        .expect_err("fails")
        .to_string();
    assert!(
        error.starts_with("binding example:tcp: cannot listen on 127.0.0.1:"),
        "{error}"
    );
    assert!(error.contains(&port.to_string()), "{error}");
    assert!(!engine.ready_file().exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_failed_start_stops_the_bindings_already_started() {
    let journal = Journal::default();
    let port = free_port();
    let config = loaded(&[json!({
        "name": "example",
        "bindings": {
            "server": {"type": "fake_server", "kind": "server", "options": {"port": port},
                       "exit": "unstartable"},
            "unstartable": {"type": "fake_unstartable", "kind": "server"},
            "echo": {"type": "fake_echo", "kind": "server"}
        }
    })]);
    let dir = scratch_dir();
    let mut engine = engine(&dir);
    let error = engine
        .start(&config, &registry(&journal))
        .await
        .expect_err("fails");
    assert_eq!(
        error.to_string(),
        "binding example:unstartable: start failed: cannot start on purpose"
    );
    let entries = journal.entries();
    assert!(
        entries.contains(&"stop example:echo".to_owned()),
        "{entries:?}"
    );
    assert!(
        !entries.contains(&"start example:server".to_owned()),
        "{entries:?}"
    );
    assert!(engine.listeners().addresses().is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn unresolved_exits_and_cycles_fail_cleanly() {
    let journal = Journal::default();
    let dir = scratch_dir();
    let mut engine = engine(&dir);
    let unresolved = loaded(&[json!({
        "name": "example",
        "bindings": {"a": {"type": "fake_echo", "kind": "proxy", "exit": "nowhere"}}
    })]);
    let error = engine.start(&unresolved, &registry(&journal)).await.err();
    assert_eq!(
        error.map(|error| error.to_string()).as_deref(),
        Some("binding example:a: exit nowhere is not declared")
    );
    let cycle = loaded(&[json!({
        "name": "example",
        "bindings": {
            "a": {"type": "fake_echo", "kind": "proxy", "exit": "b"},
            "b": {"type": "fake_echo", "kind": "proxy", "exit": "a"}
        }
    })]);
    let error = engine.start(&cycle, &registry(&journal)).await.err();
    assert_eq!(
        error.map(|error| error.to_string()).as_deref(),
        Some("bindings form a cycle through their exits: example:a -> example:b -> example:a")
    );
    let unknown = loaded(&[json!({
        "name": "example",
        "bindings": {"a": {"type": "nonesuch", "kind": "server"}}
    })]);
    let error = engine.start(&unknown, &registry(&journal)).await.err();
    assert_eq!(
        error.map(|error| error.to_string()).as_deref(),
        Some("binding example:a: no factory for type nonesuch")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_ready_file_is_stale_free_at_start_and_gone_after_stop() {
    let dir = scratch_dir();
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("ready"), b"stale").expect("stale");
    let mut engine = engine(&dir);
    assert!(!engine.ready_file().exists(), "stale ready file removed");
    let journal = Journal::default();
    let config = loaded(&[json!({
        "name": "example",
        "bindings": {"echo": {"type": "fake_echo", "kind": "server"}}
    })]);
    engine
        .start(&config, &registry(&journal))
        .await
        .expect("start");
    assert!(engine.ready_file().exists());
    engine.stop(Duration::from_secs(1)).await;
    assert!(!engine.ready_file().exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_unwritable_engine_directory_is_a_clear_error() {
    let dir = scratch_dir();
    std::fs::write(&dir, b"a file, not a directory").expect("file");
    let error = Engine::new(EngineOptions {
        directory: dir.join("engine"),
        limits: Limits::default(),
        workers: Workers::current(),
    })
    .expect_err("fails")
    .to_string();
    assert!(error.starts_with("engine directory "), "{error}");
    assert!(error.contains("cannot create it"), "{error}");
    let _ = std::fs::remove_file(dir);
}

#[tokio::test]
async fn stop_waits_for_open_connections_up_to_the_drain_deadline() {
    let journal = Journal::default();
    let port = free_port();
    let config = loaded(&[json!({
        "name": "example",
        "telemetry": {"exporters": {"log": {"type": "recorder"}}},
        "bindings": {"tcp": {"type": "fake_server", "kind": "server", "options": {"port": port}}}
    })]);
    let dir = scratch_dir();
    let mut engine = engine(&dir);
    engine
        .start(&config, &registry(&journal))
        .await
        .expect("start");
    let client = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let deadline = Instant::now() + Duration::from_secs(2);
    while engine.listeners().connections().count() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(engine.listeners().connections().count(), 1);

    let closer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(client);
    });
    let began = Instant::now();
    engine.stop(Duration::from_secs(5)).await;
    let took = began.elapsed();
    closer.await.expect("closer");
    assert!(
        took >= Duration::from_millis(90),
        "waited for the close: {took:?}"
    );
    assert!(
        took < Duration::from_secs(4),
        "did not wait for the deadline: {took:?}"
    );
    let events: Vec<String> = journal
        .entries()
        .into_iter()
        .filter(|entry| entry.starts_with("event "))
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events[0].starts_with("event zilla:engine engine.started: started 1 bindings"));
    assert_eq!(events[1], "event zilla:engine engine.stopped: stopped");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn stop_gives_up_on_connections_at_the_drain_deadline() {
    let journal = Journal::default();
    let port = free_port();
    let config = loaded(&[json!({
        "name": "example",
        "bindings": {"tcp": {"type": "fake_server", "kind": "server", "options": {"port": port}}}
    })]);
    let dir = scratch_dir();
    let mut engine = engine(&dir);
    engine
        .start(&config, &registry(&journal))
        .await
        .expect("start");
    let _client = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let deadline = Instant::now() + Duration::from_secs(2);
    while engine.listeners().connections().count() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let began = Instant::now();
    engine.stop(Duration::from_millis(150)).await;
    let took = began.elapsed();
    assert!(took >= Duration::from_millis(140), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(engine.listeners().addresses().is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

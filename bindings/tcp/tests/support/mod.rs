//! Builds bindings by hand, as the runtime would, for tests over real loopback sockets.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zilla_engine::binding::{Binding, BindingFactory, BuildContext, Exit, Limits};
use zilla_engine::config::model::BindingConfig;
use zilla_engine::frame::{Begin, BindingId, Data, Extension};
use zilla_engine::runtime::listeners::Listeners;
use zilla_engine::stream::StreamEnd;
use zilla_engine::telemetry::events::Events;

pub fn config(value: serde_json::Value) -> BindingConfig {
    serde_json::from_value(value).unwrap_or_else(|error| panic!("bad test config: {error}"))
}

pub fn exit(binding: Arc<dyn Binding>) -> Exit {
    Exit {
        id: binding.id().clone(),
        binding,
    }
}

/// Builds one binding with the given exits.
pub fn build(
    factory: &dyn BindingFactory,
    name: &str,
    config: &BindingConfig,
    exits: Vec<(&str, Exit)>,
    limits: Limits,
) -> Arc<dyn Binding> {
    factory
        .build(context(name, config, exits, limits))
        .unwrap_or_else(|error| panic!("build {name}: {error}"))
}

pub fn context<'a>(
    name: &str,
    config: &'a BindingConfig,
    exits: Vec<(&str, Exit)>,
    limits: Limits,
) -> BuildContext<'a> {
    let listeners = Listeners::new();
    listeners.connections().set_limit(limits.max_connections);
    BuildContext {
        id: BindingId::from(format!("test:{name}")),
        config,
        config_dir: Path::new("."),
        exits: exits
            .into_iter()
            .map(|(name, exit)| (name.to_owned(), exit))
            .collect::<BTreeMap<_, _>>(),
        guards: BTreeMap::new(),
        vault: None,
        listeners,
        events: Events::new(),
        limits,
    }
}

/// A binding that answers every stream with one fixed message and then ends its reply, so a
/// test can tell which route a connection took.
pub struct Greeter {
    id: BindingId,
    greeting: &'static str,
    /// Drop the stream right after the greeting instead of ending it in order.
    drop_after: bool,
}

impl Greeter {
    pub fn binding(name: &str, greeting: &'static str) -> Arc<dyn Binding> {
        Arc::new(Self {
            id: BindingId::from(format!("test:{name}")),
            greeting,
            drop_after: false,
        })
    }

    /// A greeter that drops its stream right after sending, without an End.
    pub fn dropping(name: &str, greeting: &'static str) -> Arc<dyn Binding> {
        Arc::new(Self {
            id: BindingId::from(format!("test:{name}")),
            greeting,
            drop_after: true,
        })
    }
}

#[async_trait]
impl Binding for Greeter {
    fn id(&self) -> &BindingId {
        &self.id
    }

    fn open(&self, begin: Begin, mut stream: StreamEnd) {
        let greeting = Bytes::from_static(self.greeting.as_bytes());
        let drop_after = self.drop_after;
        tokio::spawn(async move {
            let _ = stream.tx.begin(begin);
            stream.rx.open_window(1024, 0);
            if stream.tx.ready(greeting.len()).await.is_ok() {
                let _ = stream.tx.data(Data::message(greeting));
                if drop_after {
                    return;
                }
                let _ = stream.tx.end(Extension::none());
            }
            while stream.rx.recv().await.is_some() {}
        });
    }
}

/// Reads until `expected` bytes arrived (or fails after a few seconds).
pub async fn read_exactly(socket: &mut TcpStream, expected: usize) -> Vec<u8> {
    let mut received = vec![0u8; expected];
    tokio::time::timeout(Duration::from_secs(5), socket.read_exact(&mut received))
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {expected} bytes"))
        .unwrap_or_else(|error| panic!("read failed: {error}"));
    received
}

/// Reads everything until the peer closes.
pub async fn read_to_close(socket: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let result =
        tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut received)).await;
    assert!(result.is_ok(), "peer did not close");
    received
}

pub async fn connect(address: SocketAddr) -> TcpStream {
    TcpStream::connect(address)
        .await
        .unwrap_or_else(|error| panic!("connect {address}: {error}"))
}

pub async fn send(socket: &mut TcpStream, bytes: &[u8]) {
    socket
        .write_all(bytes)
        .await
        .unwrap_or_else(|error| panic!("write failed: {error}"));
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|error| panic!("no free port: {error}"))
}

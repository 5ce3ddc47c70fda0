//! The tcp server: accepts connections on engine-owned listeners and turns each into a stream
//! toward the route its addresses select.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde::de::IgnoredAny;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use zilla_engine::binding::{Binding, BuildContext, BuildError};
use zilla_engine::frame::{Begin, BindingId, Extension};
use zilla_engine::route::{Captures, Routes};
use zilla_engine::runtime::connections::Connections;
use zilla_engine::runtime::listeners::DEFAULT_BACKLOG;
use zilla_engine::runtime::workers::Workers;
use zilla_engine::stream::{stream, StreamEnd};

use crate::condition::TcpCondition;
use crate::extension::TcpBeginEx;
use crate::options::{SocketSettings, TcpOptions};
use crate::pump::pump;
use crate::resolve::listen_addresses;
use crate::tracker::ConnectionTracker;

/// How long the accept loop pauses after a failed accept (e.g. out of file descriptors), so
/// that it does not spin while the condition lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// A running tcp server binding.
pub struct TcpServer {
    shared: Arc<Shared>,
    listeners: Vec<Arc<TcpListener>>,
    stopping: watch::Sender<bool>,
    accept_loops: Mutex<Vec<JoinHandle<()>>>,
}

struct Shared {
    id: BindingId,
    routes: Routes<TcpCondition, IgnoredAny>,
    settings: SocketSettings,
    /// This binding's connections, so a stopping or replaced binding can wait for its own.
    tracker: ConnectionTracker,
    /// Every connection in the engine, where the connection cap is enforced.
    connections: Connections,
    /// Where each accepted connection runs.
    workers: Workers,
    window: u32,
}

impl TcpServer {
    pub fn build(context: BuildContext<'_>) -> Result<Self, BuildError> {
        let options: TcpOptions = context.options()?;
        let routes = Routes::build(&context)?;
        let mut listeners = Vec::new();
        for address in listen_addresses(&context.id, &options)? {
            let backlog = options.backlog.unwrap_or(DEFAULT_BACKLOG);
            listeners.push(context.listeners.listen_with_backlog(address, backlog)?);
        }
        let shared = Shared {
            id: context.id.clone(),
            routes,
            settings: options.socket_settings(),
            tracker: ConnectionTracker::new(),
            connections: context.listeners.connections().clone(),
            workers: context.listeners.workers().clone(),
            window: context.limits.stream_window,
        };
        Ok(Self {
            shared: Arc::new(shared),
            listeners,
            stopping: watch::Sender::new(false),
            accept_loops: Mutex::new(Vec::new()),
        })
    }

    /// Addresses actually bound (useful when the config asked for port 0).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|listener| listener.local_addr().ok())
            .collect()
    }

    /// The count of this server's open connections.
    pub fn connections(&self) -> &ConnectionTracker {
        &self.shared.tracker
    }
}

#[async_trait]
impl Binding for TcpServer {
    fn id(&self) -> &BindingId {
        &self.shared.id
    }

    fn open(&self, _begin: Begin, mut stream: StreamEnd) {
        // A server binding is where streams start; nothing routes streams into it.
        stream.rx.reset(Extension::none());
    }

    async fn start(&self) -> Result<(), BuildError> {
        let Ok(mut loops) = self.accept_loops.lock() else {
            return Err(BuildError::Io("accept loop table poisoned".into()));
        };
        if !loops.is_empty() {
            return Ok(());
        }
        for listener in &self.listeners {
            let shared = self.shared.clone();
            let listener = listener.clone();
            let stopping = self.stopping.subscribe();
            loops.push(tokio::spawn(accept_loop(shared, listener, stopping)));
        }
        Ok(())
    }

    async fn stop(&self) {
        self.stopping.send_replace(true);
        let loops = match self.accept_loops.lock() {
            Ok(mut loops) => std::mem::take(&mut *loops),
            Err(_) => Vec::new(),
        };
        for handle in loops {
            let _ = handle.await;
        }
    }

    async fn idle(&self) {
        self.shared.tracker.idle().await;
    }
}

async fn accept_loop(
    shared: Arc<Shared>,
    listener: Arc<TcpListener>,
    mut stopping: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = stopping.wait_for(|stopping| *stopping) => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((socket, remote)) => shared.connected(socket, remote),
            Err(error) => {
                tracing::warn!(binding = %shared.id, %error, "accept failed; retrying");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

impl Shared {
    fn connected(self: &Arc<Self>, socket: TcpStream, remote: SocketAddr) {
        let Some(admitted) = self.connections.try_open() else {
            tracing::debug!(binding = %self.id, %remote, "connection limit reached; closing");
            return;
        };
        let slot = self.tracker.acquire();
        let Ok(local) = socket.local_addr() else {
            return;
        };
        let matches = TcpCondition::for_server(local, remote);
        let Some(route) = self
            .routes
            .first(None, |condition| matches(condition).then(Captures::new))
        else {
            tracing::debug!(binding = %self.id, %remote, "no route; closing");
            return;
        };
        if let Err(error) = self.settings.apply(&socket) {
            tracing::debug!(binding = %self.id, %error, "socket options not applied");
        }
        // The socket moves to the worker the connection is pinned to, registered with that
        // worker's reactor instead of the accepting one's.
        let socket = match socket.into_std() {
            Ok(socket) => socket,
            Err(error) => {
                tracing::debug!(binding = %self.id, %error, "accepted socket not handed over");
                return;
            }
        };
        let exit = route.exit.clone();
        let shared = self.clone();
        self.workers.spawn(async move {
            let socket = match TcpStream::from_std(socket) {
                Ok(socket) => socket,
                Err(error) => {
                    tracing::debug!(binding = %shared.id, %error, "accepted socket not registered");
                    return;
                }
            };
            let (mut opener, target) = stream();
            let begin = Begin {
                origin: shared.id.clone(),
                routed: exit.id.clone(),
                authorization: None,
                affinity: 0,
                extension: Extension::new(TcpBeginEx { local, remote }),
            };
            opener.rx.open_window(shared.window, 0);
            // Opened from the worker, so the next binding's tasks start there too.
            exit.binding.open(begin, target);
            pump(socket, opener.tx, opener.rx).await;
            drop((slot, admitted));
        });
    }
}

//! Listening sockets are owned by the engine, not by bindings, so that a reload that keeps an
//! address keeps its socket open: the new binding generation picks up the same listener.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;

use crate::binding::BuildError;
use crate::runtime::connections::Connections;
use crate::runtime::workers::Workers;

/// Accept queue length when a binding asks for none.
pub const DEFAULT_BACKLOG: u32 = 1024;

/// The engine's listening sockets, by address.
#[derive(Clone, Default)]
pub struct Listeners {
    bound: Arc<Mutex<HashMap<SocketAddr, Arc<TcpListener>>>>,
    /// Connections accepted on any listener (and upstream ones bindings register), shared
    /// by every generation so that a stop can wait for them and a cap holds across reloads.
    connections: Connections,
    /// Addresses asked for through this handle: a generation gets its own handle (see
    /// [`Listeners::for_generation`]) so that a reload knows which listeners it still uses.
    claimed: Arc<Mutex<BTreeSet<SocketAddr>>>,
    /// Where accepted connections run.
    workers: Workers,
}

impl std::fmt::Debug for Listeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Listeners")
    }
}

impl Listeners {
    /// Listeners whose connections run on the runtime of whoever accepts them.
    pub fn new() -> Self {
        Self::default()
    }

    /// Listeners whose connections are spread over `workers`.
    pub fn with_workers(workers: Workers) -> Self {
        Self {
            workers,
            ..Self::default()
        }
    }

    /// A handle on the same listeners that records the addresses asked for through it.
    pub fn for_generation(&self) -> Self {
        Self {
            bound: self.bound.clone(),
            connections: self.connections.clone(),
            claimed: Arc::default(),
            workers: self.workers.clone(),
        }
    }

    /// Addresses asked for through this handle.
    pub fn claimed(&self) -> Vec<SocketAddr> {
        self.claimed
            .lock()
            .map(|claimed| claimed.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The listener on `address`, bound now if it is not already.
    pub fn listen(&self, address: SocketAddr) -> Result<Arc<TcpListener>, BuildError> {
        self.listen_with_backlog(address, DEFAULT_BACKLOG)
    }

    /// As [`Listeners::listen`], with the accept queue length to use if the socket is bound
    /// now (a listener kept from an earlier generation keeps its queue).
    pub fn listen_with_backlog(
        &self,
        address: SocketAddr,
        backlog: u32,
    ) -> Result<Arc<TcpListener>, BuildError> {
        let mut bound = self
            .bound
            .lock()
            .map_err(|_| BuildError::Io("listener table poisoned".into()))?;
        if let Ok(mut claimed) = self.claimed.lock() {
            claimed.insert(address);
        }
        if let Some(listener) = bound.get(&address) {
            return Ok(listener.clone());
        }
        let listener = bind(address, backlog).map_err(|error| BuildError::Listen {
            address: address.to_string(),
            reason: error.to_string(),
        })?;
        let listener = Arc::new(listener);
        bound.insert(address, listener.clone());
        Ok(listener)
    }

    /// Closes every listener whose address is not in `keep`. The socket stops listening at
    /// once (further connections are refused) even while a binding of a retired generation
    /// still holds it.
    pub fn retain(&self, keep: &[SocketAddr]) {
        if let Ok(mut bound) = self.bound.lock() {
            bound.retain(|address, listener| {
                let kept = keep.contains(address);
                if !kept {
                    stop_listening(listener);
                }
                kept
            });
        }
    }

    /// The engine-wide connection tracker that bindings register open connections with.
    pub fn connections(&self) -> &Connections {
        &self.connections
    }

    /// Where a binding runs each connection it accepts.
    pub fn workers(&self) -> &Workers {
        &self.workers
    }

    /// Addresses currently bound.
    pub fn addresses(&self) -> Vec<SocketAddr> {
        self.bound
            .lock()
            .map(|bound| bound.keys().copied().collect())
            .unwrap_or_default()
    }
}

fn stop_listening(listener: &TcpListener) {
    let socket = socket2::SockRef::from(listener);
    if let Err(error) = socket.shutdown(std::net::Shutdown::Both) {
        tracing::debug!("listener not shut down: {error}");
    }
}

fn bind(address: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    // Lets a restarted gateway bind while old connections sit in TIME_WAIT; it does not allow
    // two live listeners on one port.
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(backlog)
}

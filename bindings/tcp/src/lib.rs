//! The tcp binding: a server that listens and accepts, and a client that connects.
//!
//! Each TCP connection is one stream. Its `Begin` carries a [`TcpBeginEx`] with both ends'
//! addresses; a client can be told where to connect with a [`TcpConnectEx`].

mod acks;
mod client;
mod condition;
mod extension;
mod factory;
mod options;
mod ports;
mod pump;
mod resolve;
mod server;
mod tracker;

pub use client::TcpClient;
pub use condition::{TcpCondition, TcpConditionConfig};
pub use extension::{TcpBeginEx, TcpConnectEx};
pub use factory::{TcpBindingFactory, DEFAULT_CONNECT_TIMEOUT};
pub use options::TcpOptions;
pub use ports::{PortEntry, PortError, PortSpec};
pub use server::TcpServer;
pub use tracker::ConnectionTracker;

//! The tls binding: server, client and proxy kinds, on rustls (ring provider) over engine
//! streams.
//!
//! - `server` terminates TLS with the vault keys named in `keys` (chosen by the server name the
//!   client asks for) and opens a plaintext stream toward the route the handshake selects
//!   (`authority` = SNI, `alpn`, `port`).
//! - `client` speaks TLS toward its exit on behalf of a plaintext opener.
//! - `proxy` routes by the ClientHello without terminating.
//!
//! A connection whose handshake fails (plaintext, garbage, an unknown server name, a missing
//! client certificate) gets a TLS alert where one applies and is closed; other connections
//! are not affected. Handshakes time out after [`DEFAULT_HANDSHAKE_TIMEOUT`] unless the factory
//! was given another (Zilla's [`HANDSHAKE_TIMEOUT_PROPERTY`]).

mod client;
pub mod client_hello;
pub mod conditions;
pub mod factory;
mod keys;
mod names;
pub mod options;
mod proxy;
mod pump;
mod routing;
mod server;
mod settings;
mod shape;

pub use client::TlsClient;
pub use conditions::{CertificateSubject, PortSpec, PortValue, TlsCondition, TlsWith};
pub use factory::{
    parse_handshake_timeout, TlsBindingFactory, DEFAULT_HANDSHAKE_TIMEOUT,
    HANDSHAKE_TIMEOUT_PROPERTY,
};
pub use options::{CertificatesFormat, Mutual, TlsOptions};
pub use proxy::TlsProxy;
pub use server::TlsServer;

#[cfg(test)]
mod tests;

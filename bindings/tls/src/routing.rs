//! Route conditions matched against what a connection's handshake revealed.

use serde::de::IgnoredAny;
use zilla_binding_tcp::TcpBeginEx;
use zilla_engine::frame::Begin;
use zilla_engine::route::{Captures, Resolved, Routes};

use crate::conditions::TlsCondition;
use crate::names;

pub(crate) type TlsRoutes = Routes<TlsCondition, IgnoredAny>;

/// What a route may be chosen by.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Handshake<'a> {
    /// The server name the client asked for.
    pub authority: Option<&'a str>,
    /// The application protocol negotiated (server) or offered first (proxy).
    pub alpn: Option<&'a str>,
    /// The local port the connection arrived on, when the stream came from tcp.
    pub port: Option<u16>,
}

/// The local port of a stream opened by a tcp server.
pub(crate) fn local_port(begin: &Begin) -> Option<u16> {
    begin
        .extension
        .get::<TcpBeginEx>()
        .map(|addresses| addresses.local.port())
}

impl Handshake<'_> {
    pub(crate) fn matches(&self, condition: &TlsCondition) -> bool {
        let authority = condition.authority.as_deref().is_none_or(|pattern| {
            self.authority
                .is_some_and(|name| names::matches(pattern, name))
        });
        let alpn = condition
            .alpn
            .as_deref()
            .is_none_or(|wanted| self.alpn == Some(wanted));
        let port = condition.port.as_ref().is_none_or(|spec| {
            self.port.is_some_and(|port| {
                spec.values().iter().any(|value| {
                    value
                        .bounds()
                        .is_some_and(|(low, high)| (low..=high).contains(&port))
                })
            })
        });
        authority && alpn && port
    }

    pub(crate) fn route<'r>(
        &self,
        routes: &'r TlsRoutes,
        begin: &Begin,
    ) -> Option<Resolved<'r, TlsCondition, IgnoredAny>> {
        routes.first(begin.authorization.as_ref(), |condition| {
            self.matches(condition).then(Captures::new)
        })
    }
}

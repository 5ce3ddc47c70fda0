//! The mqtt server kind: turns each network stream into application streams (see
//! [`crate::contract`]).
//!
//! Each connection runs in its own task ([`connection`]); the parts of the protocol live in
//! their own modules: [`connect`] (CONNECT, the session stream, CONNACK), [`publish`] (the
//! client's publishes), [`subscribe`] (SUBSCRIBE/UNSUBSCRIBE), [`deliver`] (messages to the
//! client) and [`close`] (how a connection and its streams end); [`reauthorize`] re-checks
//! live connections when a reload replaced the binding.

mod ack_queue;
mod app_streams;
mod close;
mod connect;
mod connection;
mod deliver;
mod login;
mod network;
mod publish;
mod reauthorize;
mod routing;
mod settings;
mod subscribe;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::watch;
use zilla_engine::binding::{Binding, BuildContext, BuildError};
use zilla_engine::frame::{Begin, BindingId, Extension};
use zilla_engine::stream::StreamEnd;
use zilla_engine::telemetry::events::Events;

use crate::options::MqttServerOptions;
use crate::properties::MqttProperties;
use connection::Connection;
use login::Login;
use routing::Router;
use settings::Settings;

pub fn build(
    context: BuildContext<'_>,
    properties: &MqttProperties,
) -> Result<Arc<dyn Binding>, BuildError> {
    let options: MqttServerOptions = context.options()?;
    let router = Router::build(&context)?;
    let login = Login::build(&context, &options)?;
    let shared = Shared {
        id: context.id.clone(),
        router,
        login,
        settings: Settings::new(context.limits.stream_window, properties),
        events: context.events.clone(),
        options,
        stopping: watch::Sender::new(false),
        successor: watch::Sender::new(None),
    };
    Ok(Arc::new(MqttServer {
        shared: Arc::new(shared),
        live: watch::Sender::new(0),
    }))
}

/// What every connection of one server binding shares.
pub struct Shared {
    pub id: BindingId,
    pub router: Router,
    pub login: Option<Login>,
    pub settings: Settings,
    pub events: Events,
    pub options: MqttServerOptions,
    /// Set when the binding stops: every connection ends with DISCONNECT 0x8B. Shared, so
    /// that it outlives the binding for as long as a connection runs.
    pub stopping: watch::Sender<bool>,
    /// Set when a reload replaced the binding: what the binding of the new configuration
    /// shares, against which every live connection re-checks itself.
    pub successor: watch::Sender<Option<Arc<Shared>>>,
}

pub struct MqttServer {
    shared: Arc<Shared>,
    /// Connections still running.
    live: watch::Sender<usize>,
}

/// Counts a connection as live until it is dropped.
struct LiveConnection(watch::Sender<usize>);

impl LiveConnection {
    fn new(live: &watch::Sender<usize>) -> Self {
        live.send_modify(|count| *count = count.saturating_add(1));
        Self(live.clone())
    }
}

impl Drop for LiveConnection {
    fn drop(&mut self) {
        self.0.send_modify(|count| *count = count.saturating_sub(1));
    }
}

#[async_trait]
impl Binding for MqttServer {
    fn id(&self) -> &BindingId {
        &self.shared.id
    }

    fn open(&self, begin: Begin, mut network: StreamEnd) {
        let affinity = login::next_affinity();
        let reply = Begin {
            origin: begin.origin.clone(),
            routed: begin.routed.clone(),
            authorization: None,
            affinity: begin.affinity,
            extension: Extension::none(),
        };
        if network.tx.begin(reply).is_err() {
            return;
        }
        let live = LiveConnection::new(&self.live);
        let stopping = self.shared.stopping.subscribe();
        let connection = Connection::new(self.shared.clone(), network, affinity, stopping);
        tokio::spawn(async move {
            connection.run().await;
            drop(live);
        });
    }

    async fn stop(&self) {
        self.shared.stopping.send_replace(true);
    }

    /// Nothing to stop accepting: streams come only from this generation's network bindings,
    /// which stop accepting themselves. Live connections carry on.
    async fn retire(&self) {}

    fn succeeded_by(&self, successor: &Arc<dyn Binding>) {
        let next = successor
            .as_any()
            .and_then(|any| any.downcast_ref::<MqttServer>());
        if let Some(next) = next {
            self.shared
                .successor
                .send_replace(Some(next.shared.clone()));
        }
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    async fn idle(&self) {
        let mut live = self.live.subscribe();
        let _ = live.wait_for(|count| *count == 0).await;
    }
}

//! The mqtt client kind: consumes the application streams of [`crate::contract`] and speaks
//! MQTT 5 to an upstream broker through its exit, one broker connection per client session.
//!
//! Each session stream gets a task that owns the broker connection and every publish and
//! subscribe stream of the same client connection (found by the `Begin`'s affinity), so the
//! broker sees the client's own session: its client id, clean start, expiry, will, its
//! subscriptions with their options, and acknowledgements that mean delivered.

mod ack_queue;
mod acknowledge;
mod arrival_order;
mod connect;
mod delivery;
mod establish;
mod held_acks;
mod inbound;
mod keep_alive;
mod message;
mod packet_ids;
mod publish;
mod registry;
mod session;
mod settings;
mod streams;
mod subscribe;
mod subscriptions;
mod upstream;

use std::sync::Arc;

use async_trait::async_trait;
use zilla_engine::binding::{Binding, BuildContext, BuildError, Exit};
use zilla_engine::frame::{Begin, BindingId, Extension};
use zilla_engine::route::{Captures, Routes};
use zilla_engine::stream::StreamEnd;

use crate::codec::reason;
use crate::conditions::MqttConditionConfig;
use crate::contract::{MqttBeginEx, MqttResetEx};
use crate::options::MqttClientOptions;
use crate::properties::MqttProperties;
use crate::topic::ClientIdPattern;

use registry::{Opened, Registry};
use settings::Settings;

pub fn build(
    context: BuildContext<'_>,
    properties: &MqttProperties,
) -> Result<Arc<dyn Binding>, BuildError> {
    let options: MqttClientOptions = context.options()?;
    let routes = Routes::build(&context)?;
    if routes.routes.is_empty() && routes.exit.is_none() {
        return Err(BuildError::Config(format!(
            "{}: an mqtt client needs an exit",
            context.id
        )));
    }
    Ok(Arc::new(MqttClient {
        shared: Arc::new(Shared {
            id: context.id.clone(),
            routes,
            settings: Settings::new(&options, context.limits.stream_window, properties),
            registry: Registry::default(),
        }),
    }))
}

pub struct MqttClient {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub id: BindingId,
    routes: Routes<MqttConditionConfig, serde_json::Value>,
    pub settings: Settings,
    pub registry: Registry,
}

impl Shared {
    /// Where a session's broker connection goes: the first route whose session condition
    /// matches the client id (a route without one takes every session).
    fn exit_for(&self, begin: &Begin, client_id: &str) -> Option<Exit> {
        self.routes
            .first(begin.authorization.as_ref(), |condition| {
                let matches = condition.session.is_empty()
                    || condition.session.iter().any(|session| {
                        session
                            .client_id
                            .as_deref()
                            .is_none_or(|pattern| ClientIdPattern::new(pattern).matches(client_id))
                    });
                matches.then(Captures::new)
            })
            .map(|resolved| resolved.exit.clone())
    }
}

#[async_trait]
impl Binding for MqttClient {
    fn id(&self) -> &BindingId {
        &self.shared.id
    }

    fn open(&self, begin: Begin, mut stream: StreamEnd) {
        match begin.extension.get::<MqttBeginEx>() {
            Some(MqttBeginEx::Session(session)) => {
                let session = session.clone();
                let Some(exit) = self.shared.exit_for(&begin, &session.client_id) else {
                    refuse(&mut stream, reason::NOT_AUTHORIZED);
                    return;
                };
                let (generation, inbox) = self.shared.registry.register(begin.affinity);
                let shared = self.shared.clone();
                tokio::spawn(async move {
                    let affinity = begin.affinity;
                    session::run(&shared, exit, begin, session, stream, inbox).await;
                    shared.registry.unregister(affinity, generation);
                });
            }
            Some(MqttBeginEx::Publish(_)) | Some(MqttBeginEx::Subscribe(_)) => {
                let affinity = begin.affinity;
                if let Some(mut opened) = self
                    .shared
                    .registry
                    .deliver(affinity, Opened { begin, end: stream })
                {
                    refuse(&mut opened.end, reason::SERVER_UNAVAILABLE);
                }
            }
            None => refuse(&mut stream, reason::PROTOCOL_ERROR),
        }
    }
}

/// Refuses a stream: resets its initial direction with `code` and drops the reply.
pub(crate) fn refuse(stream: &mut StreamEnd, code: u8) {
    stream.rx.reset(Extension::new(MqttResetEx::new(code)));
}

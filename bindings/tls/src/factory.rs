//! The factory registered for `type: tls`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use zilla_engine::binding::{
    schema_of, Binding, BindingFactory, BindingSchema, BuildContext, BuildError, CheckContext,
};
use zilla_engine::config::error::Problem;
use zilla_engine::config::model::Kind;

use crate::client::TlsClient;
use crate::conditions::{TlsCondition, TlsWith};
use crate::options::TlsOptions;
use crate::proxy::TlsProxy;
use crate::server::TlsServer;
use crate::shape::shape_problems;

/// The `version` values the runtime accepts (rustls speaks TLS 1.2 and 1.3 only).
const SUPPORTED_VERSIONS: &[&str] = &["TLS", "TLSv1.2", "TLSv1.3"];

/// How long a handshake (or, for a proxy, the ClientHello) may take before the connection is
/// closed, and how long the next hop may take to accept a stream: Zilla's default for
/// [`HANDSHAKE_TIMEOUT_PROPERTY`].
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The engine property Zilla reads the handshake timeout from, in whole seconds.
pub const HANDSHAKE_TIMEOUT_PROPERTY: &str = "zilla.binding.tls.handshake.timeout";

#[derive(Debug, Clone, Copy)]
pub struct TlsBindingFactory {
    handshake_timeout: Duration,
}

impl Default for TlsBindingFactory {
    fn default() -> Self {
        Self::with_handshake_timeout(DEFAULT_HANDSHAKE_TIMEOUT)
    }
}

impl TlsBindingFactory {
    /// Bindings built by this factory give a handshake `timeout` to complete.
    pub fn with_handshake_timeout(timeout: Duration) -> Self {
        Self {
            handshake_timeout: timeout,
        }
    }
}

/// Reads a [`HANDSHAKE_TIMEOUT_PROPERTY`] value: whole seconds, as Zilla takes it, at least 1
/// (a zero timeout would refuse every connection).
pub fn parse_handshake_timeout(value: &str) -> Result<Duration, String> {
    match value.trim().parse::<u64>() {
        Ok(seconds) if seconds > 0 => Ok(Duration::from_secs(seconds)),
        _ => Err(format!(
            "{HANDSHAKE_TIMEOUT_PROPERTY}: expected a whole number of seconds above 0, got {value:?}"
        )),
    }
}

const KINDS: &[Kind] = &[Kind::Server, Kind::Client, Kind::Proxy];

impl BindingFactory for TlsBindingFactory {
    fn type_name(&self) -> &'static str {
        "tls"
    }

    fn kinds(&self) -> &'static [Kind] {
        KINDS
    }

    fn schema(&self, kind: Kind) -> BindingSchema {
        let base = BindingSchema {
            options: None,
            condition: Some(schema_of::<TlsCondition>()),
            with: None,
            routes: true,
            exit: true,
        };
        match kind {
            Kind::Server => BindingSchema {
                options: Some(server_options_schema()),
                ..base
            },
            Kind::Client => BindingSchema {
                options: Some(client_options_schema()),
                with: Some(schema_of::<TlsWith>()),
                ..base
            },
            // A proxy routes on the ClientHello alone: it holds no keys and takes no options.
            _ => base,
        }
    }

    fn check(&self, context: &CheckContext<'_>) -> Vec<Problem> {
        let mut problems = shape_problems(context.config);
        let options: TlsOptions = match context.options() {
            Ok(options) => options,
            Err(problem) => {
                problems.push(problem);
                return problems;
            }
        };
        let kind = context.config.kind;
        // With options present the schema already says this; without, nothing else would.
        if kind == Kind::Server && context.config.options.is_none() {
            problems.push(
                Problem::new("/options", "a tls server needs keys or signers to present")
                    .with_hint("name the vault aliases under options.keys"),
            );
        }
        problems.extend(vault_problems(context, &options));
        if let Some(version) = options.version.as_deref() {
            if !SUPPORTED_VERSIONS.contains(&version) {
                problems.push(
                    Problem::new(
                        "/options/version",
                        format!("unsupported version {version:?}"),
                    )
                    .with_hint("use TLS (either), TLSv1.2 or TLSv1.3"),
                );
            }
        }
        problems
    }

    fn build(&self, context: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
        let timeout = self.handshake_timeout;
        Ok(match context.config.kind {
            Kind::Server => Arc::new(TlsServer::build(context, timeout)?),
            Kind::Client => Arc::new(TlsClient::build(context, timeout)?),
            Kind::Proxy => Arc::new(TlsProxy::build(context, timeout)?),
            other => {
                return Err(BuildError::Config(format!(
                    "{}: a tls binding cannot be of kind {other}",
                    context.id
                )))
            }
        })
    }
}

/// Keys, trust and signers are vault aliases: without a vault they name nothing.
fn vault_problems(context: &CheckContext<'_>, options: &TlsOptions) -> Vec<Problem> {
    if context.config.vault.is_some() {
        return Vec::new();
    }
    if context.config.kind == Kind::Server {
        return vec![
            Problem::new("/vault", "a tls server needs a vault for its keys")
                .with_hint("add `vault: <name>` naming a vault of this namespace"),
        ];
    }
    let mut problems: Vec<Problem> = options
        .vault_references()
        .map(|(field, _)| {
            Problem::new(
                format!("/options/{field}"),
                format!("options.{field} names vault entries, but the binding has no vault"),
            )
            .with_hint("add `vault: <name>` naming a vault of this namespace")
        })
        .collect();
    for (route_index, route) in context.config.routes.iter().enumerate() {
        for (when_index, condition) in route.when.iter().enumerate() {
            if condition.get("trust").is_some() {
                problems.push(Problem::new(
                    format!("/routes/{route_index}/when/{when_index}/trust"),
                    "trust names vault entries, but the binding has no vault",
                ));
            }
        }
    }
    problems
}

fn client_options_schema() -> Value {
    let mut schema = schema_of::<TlsOptions>();
    // Only a server hands a peer certificate to a guard.
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        properties.insert("authorization".into(), Value::Bool(false));
    }
    schema
}

fn server_options_schema() -> Value {
    let mut schema = schema_of::<TlsOptions>();
    if let Some(object) = schema.as_object_mut() {
        object.insert(
            "anyOf".into(),
            json!([{ "required": ["keys"] }, { "required": ["signers"] }]),
        );
    }
    schema
}

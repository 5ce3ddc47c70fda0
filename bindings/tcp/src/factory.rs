//! Builds tcp bindings from config.

use std::sync::Arc;
use std::time::Duration;

use zilla_engine::binding::{
    schema_of, Binding, BindingFactory, BindingSchema, BuildContext, BuildError, CheckContext,
};
use zilla_engine::config::error::Problem;
use zilla_engine::config::model::Kind;

use crate::client::TcpClient;
use crate::condition::{TcpCondition, TcpConditionConfig};
use crate::options::TcpOptions;
use crate::resolve::listen_pairs;
use crate::server::TcpServer;

/// How long a tcp client waits for a connection before refusing its stream.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The factory registered for `type: tcp`.
#[derive(Debug, Clone)]
pub struct TcpBindingFactory {
    connect_timeout: Duration,
}

impl Default for TcpBindingFactory {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }
}

impl TcpBindingFactory {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Builds a server and returns it with its concrete type (for its bound addresses and
    /// connection count).
    pub fn build_server(&self, context: BuildContext<'_>) -> Result<TcpServer, BuildError> {
        TcpServer::build(context)
    }
}

impl BindingFactory for TcpBindingFactory {
    fn type_name(&self) -> &'static str {
        "tcp"
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Server, Kind::Client]
    }

    fn schema(&self, kind: Kind) -> BindingSchema {
        BindingSchema {
            options: Some(schema_of::<TcpOptions>()),
            condition: Some(schema_of::<TcpConditionConfig>()),
            with: None,
            routes: true,
            exit: kind == Kind::Server,
        }
    }

    fn check(&self, context: &CheckContext<'_>) -> Vec<Problem> {
        let mut problems = Vec::new();
        match context.options::<TcpOptions>() {
            Ok(options) => match options.ports() {
                Ok(ports) if ports.is_empty() && context.config.kind == Kind::Server => {
                    problems.push(Problem::new("/options/port", "a tcp server needs a port"));
                }
                Ok(_) => {}
                Err(error) => problems.push(Problem::new("/options/port", error.to_string())),
            },
            Err(problem) => problems.push(problem),
        }
        for (route_index, route) in context.config.routes.iter().enumerate() {
            for (index, condition) in route.when.iter().enumerate() {
                if let Err(error) = serde_json::from_value::<TcpCondition>(condition.clone()) {
                    problems.push(Problem::new(
                        format!("/routes/{route_index}/when/{index}"),
                        error.to_string(),
                    ));
                }
            }
        }
        problems
    }

    fn listens(&self, context: &CheckContext<'_>) -> Vec<(String, u16)> {
        if context.config.kind != Kind::Server {
            return Vec::new();
        }
        context
            .options::<TcpOptions>()
            .map(|options| listen_pairs(&options))
            .unwrap_or_default()
    }

    fn build(&self, context: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
        match context.config.kind {
            Kind::Server => Ok(Arc::new(TcpServer::build(context)?)),
            Kind::Client => Ok(Arc::new(TcpClient::build(context, self.connect_timeout)?)),
            other => Err(BuildError::Config(format!(
                "{}: tcp has no kind {other}",
                context.id
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_has_zillas_port_shape_and_refuses_unknown_fields() {
        let schema = TcpBindingFactory::new().schema(Kind::Server);
        let options = schema.options.unwrap_or_default();
        assert_eq!(options["additionalProperties"], json!(false), "{options}");
        assert_eq!(
            options["properties"]["port"]["oneOf"][1]["pattern"],
            json!("^\\d+(-\\d+)?$"),
            "{options}"
        );
        let condition = schema.condition.unwrap_or_default();
        assert_eq!(
            condition["properties"]["cidr"]["pattern"],
            json!("^[0-9a-fA-F:.]+/(\\d{1,3})$")
        );
        assert_eq!(condition["additionalProperties"], json!(false));
        assert_eq!(options["properties"]["host"]["type"], json!("string"));
        assert!(schema.exit && !TcpBindingFactory::new().schema(Kind::Client).exit);
    }
}

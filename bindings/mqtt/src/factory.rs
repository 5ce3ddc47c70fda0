//! The factory the engine's registry knows the mqtt binding by.

use std::sync::Arc;

use zilla_engine::binding::{
    schema_of, Binding, BindingFactory, BindingSchema, BuildContext, BuildError, CheckContext,
};
use zilla_engine::config::error::Problem;
use zilla_engine::config::model::Kind;

use crate::conditions::MqttConditionConfig;
use crate::options::{MqttClientOptions, MqttServerOptions};
use crate::properties::MqttProperties;

/// Builds `type: mqtt` bindings, kinds `server` and `client`.
#[derive(Debug, Clone, Default)]
pub struct MqttBindingFactory {
    properties: MqttProperties,
}

impl MqttBindingFactory {
    /// A factory whose bindings use `properties` for their limits and timeouts.
    pub fn with_properties(properties: MqttProperties) -> Self {
        Self { properties }
    }
}

impl BindingFactory for MqttBindingFactory {
    fn type_name(&self) -> &'static str {
        "mqtt"
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Server, Kind::Client]
    }

    fn schema(&self, kind: Kind) -> BindingSchema {
        let options = match kind {
            Kind::Client => schema_of::<MqttClientOptions>(),
            _ => schema_of::<MqttServerOptions>(),
        };
        BindingSchema {
            options: Some(options),
            condition: Some(schema_of::<MqttConditionConfig>()),
            with: None,
            routes: true,
            exit: true,
        }
    }

    fn check(&self, context: &CheckContext<'_>) -> Vec<Problem> {
        crate::check::check(context)
    }

    fn build(&self, context: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
        match context.config.kind {
            Kind::Client => crate::client::build(context, &self.properties),
            _ => crate::server::build(context, &self.properties),
        }
    }
}

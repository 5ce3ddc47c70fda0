//! The factory registered for `type: mqtt-kafka`.

use std::sync::Arc;

use zilla_engine::binding::{
    schema_of, Binding, BindingFactory, BindingSchema, BuildContext, BuildError, CheckContext,
};
use zilla_engine::config::error::Problem;
use zilla_engine::config::model::Kind;

use crate::conditions::{MqttKafkaCondition, MqttKafkaWith};
use crate::options::MqttKafkaOptions;
use crate::shape::shape_problems;

#[derive(Debug, Default, Clone, Copy)]
pub struct MqttKafkaBindingFactory;

const KINDS: &[Kind] = &[Kind::Proxy];

impl BindingFactory for MqttKafkaBindingFactory {
    fn type_name(&self) -> &'static str {
        "mqtt-kafka"
    }

    fn kinds(&self) -> &'static [Kind] {
        KINDS
    }

    fn schema(&self, _kind: Kind) -> BindingSchema {
        BindingSchema {
            options: Some(schema_of::<MqttKafkaOptions>()),
            condition: Some(schema_of::<MqttKafkaCondition>()),
            with: Some(schema_of::<MqttKafkaWith>()),
            routes: true,
            exit: true,
        }
    }

    fn check(&self, context: &CheckContext<'_>) -> Vec<Problem> {
        let mut problems = shape_problems(context.config);
        if let Err(problem) = context.options::<MqttKafkaOptions>() {
            problems.push(problem);
        }
        problems
    }

    fn build(&self, context: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
        let _options: MqttKafkaOptions = context.options()?;
        Err(BuildError::Config(format!(
            "{}: the mqtt-kafka binding ({}) is not available in this build yet",
            context.id, context.config.kind
        )))
    }
}

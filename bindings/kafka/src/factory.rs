//! The factory registered for `type: kafka`.

use std::sync::Arc;

use zilla_engine::binding::{
    schema_of, Binding, BindingFactory, BindingSchema, BuildContext, BuildError, CheckContext,
};
use zilla_engine::config::error::Problem;
use zilla_engine::config::model::Kind;

use crate::conditions::KafkaCondition;
use crate::options::{KafkaCacheClientOptions, KafkaCacheServerOptions, KafkaClientOptions};
use crate::shape::shape_problems;

#[derive(Debug, Default, Clone, Copy)]
pub struct KafkaBindingFactory;

const KINDS: &[Kind] = &[Kind::Client, Kind::CacheClient, Kind::CacheServer];

impl BindingFactory for KafkaBindingFactory {
    fn type_name(&self) -> &'static str {
        "kafka"
    }

    fn kinds(&self) -> &'static [Kind] {
        KINDS
    }

    fn schema(&self, kind: Kind) -> BindingSchema {
        match kind {
            Kind::CacheClient => BindingSchema {
                options: Some(schema_of::<KafkaCacheClientOptions>()),
                condition: Some(schema_of::<KafkaCondition>()),
                with: None,
                routes: true,
                exit: true,
            },
            Kind::CacheServer => BindingSchema {
                options: Some(schema_of::<KafkaCacheServerOptions>()),
                condition: Some(schema_of::<KafkaCondition>()),
                with: None,
                routes: true,
                exit: true,
            },
            // A client speaks to whichever broker its exit reaches: routes carry no conditions.
            _ => BindingSchema {
                options: Some(schema_of::<KafkaClientOptions>()),
                condition: None,
                with: None,
                routes: true,
                exit: true,
            },
        }
    }

    fn check(&self, context: &CheckContext<'_>) -> Vec<Problem> {
        let mut problems = shape_problems(context.config);
        let parsed = match context.config.kind {
            Kind::CacheClient => context.options::<KafkaCacheClientOptions>().map(drop),
            Kind::CacheServer => context.options::<KafkaCacheServerOptions>().map(drop),
            _ => context.options::<KafkaClientOptions>().map(drop),
        };
        if let Err(problem) = parsed {
            problems.push(problem);
        }
        problems
    }

    fn build(&self, context: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
        match context.config.kind {
            Kind::CacheClient => context.options::<KafkaCacheClientOptions>().map(drop)?,
            Kind::CacheServer => context.options::<KafkaCacheServerOptions>().map(drop)?,
            _ => context.options::<KafkaClientOptions>().map(drop)?,
        }
        Err(BuildError::Config(format!(
            "{}: the kafka binding ({}) is not available in this build yet",
            context.id, context.config.kind
        )))
    }
}

//! The factory registered for `type: ws`.

use std::sync::Arc;

use zilla_engine::binding::{
    schema_of, Binding, BindingFactory, BindingSchema, BuildContext, BuildError, CheckContext,
};
use zilla_engine::config::error::Problem;
use zilla_engine::config::model::Kind;

use crate::model::{WsClientOptions, WsCondition};
use crate::shape::shape_problems;

#[derive(Debug, Default, Clone, Copy)]
pub struct WsBindingFactory;

const KINDS: &[Kind] = &[Kind::Server, Kind::Client];

impl BindingFactory for WsBindingFactory {
    fn type_name(&self) -> &'static str {
        "ws"
    }

    fn kinds(&self) -> &'static [Kind] {
        KINDS
    }

    fn schema(&self, kind: Kind) -> BindingSchema {
        BindingSchema {
            // A server learns everything from the upgrade request; only a client needs defaults.
            options: (kind == Kind::Client).then(schema_of::<WsClientOptions>),
            condition: Some(schema_of::<WsCondition>()),
            with: None,
            routes: true,
            exit: true,
        }
    }

    fn check(&self, context: &CheckContext<'_>) -> Vec<Problem> {
        let mut problems = shape_problems(context.config);
        if context.config.kind == Kind::Client {
            if let Err(problem) = context.options::<WsClientOptions>() {
                problems.push(problem);
            }
        }
        problems
    }

    fn build(&self, context: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
        if context.config.kind == Kind::Client {
            let _options: WsClientOptions = context.options()?;
        }
        Err(BuildError::Config(format!(
            "{}: the ws binding ({}) is not available in this build yet",
            context.id, context.config.kind
        )))
    }
}

//! The factory registered for `type: http`.

use std::sync::Arc;

use serde_json::Value;
use zilla_engine::binding::{
    schema_of, Binding, BindingFactory, BindingSchema, BuildContext, BuildError, CheckContext,
};
use zilla_engine::config::error::Problem;
use zilla_engine::config::model::Kind;

use crate::conditions::{HttpCondition, HttpWith};
use crate::options::HttpOptions;
use crate::shape::shape_problems;

#[derive(Debug, Default, Clone, Copy)]
pub struct HttpBindingFactory;

const KINDS: &[Kind] = &[Kind::Server, Kind::Client];

impl BindingFactory for HttpBindingFactory {
    fn type_name(&self) -> &'static str {
        "http"
    }

    fn kinds(&self) -> &'static [Kind] {
        KINDS
    }

    fn schema(&self, kind: Kind) -> BindingSchema {
        let mut options = schema_of::<HttpOptions>();
        // CORS is answered by the server that browsers talk to, never by a client.
        if kind == Kind::Client {
            if let Some(properties) = options.get_mut("properties").and_then(Value::as_object_mut) {
                properties.insert("access-control".into(), Value::Bool(false));
            }
        }
        BindingSchema {
            options: Some(options),
            condition: Some(schema_of::<HttpCondition>()),
            with: Some(schema_of::<HttpWith>()),
            routes: true,
            exit: true,
        }
    }

    fn check(&self, context: &CheckContext<'_>) -> Vec<Problem> {
        let mut problems = shape_problems(context.config);
        if let Err(problem) = context.options::<HttpOptions>() {
            problems.push(problem);
        }
        problems
    }

    fn build(&self, context: BuildContext<'_>) -> Result<Arc<dyn Binding>, BuildError> {
        let _options: HttpOptions = context.options()?;
        Err(BuildError::Config(format!(
            "{}: the http binding ({}) is not available in this build yet",
            context.id, context.config.kind
        )))
    }
}

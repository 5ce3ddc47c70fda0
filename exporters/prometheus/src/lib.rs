//! The prometheus exporter: its options model and schema. Metrics are not collected yet, so
//! the sink it builds ignores events.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use zilla_engine::binding::{parse_options, schema_of, BuildError};
use zilla_engine::config::error::Problem;
use zilla_engine::registry::{ComponentContext, ComponentFactory, ExporterFactory};
use zilla_engine::telemetry::events::{Event, EventSink};

/// Where metrics are served when no endpoint path is given.
pub const DEFAULT_PATH: &str = "/metrics";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrometheusOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<PrometheusEndpoint>", length(min = 1))]
    pub endpoints: Option<Vec<PrometheusEndpoint>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrometheusEndpoint {
    #[schemars(title = "Scheme")]
    pub scheme: PrometheusScheme,
    #[schemars(title = "Port")]
    pub port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Path", with = "String")]
    pub path: Option<String>,
}

impl PrometheusEndpoint {
    pub fn path(&self) -> &str {
        self.path.as_deref().unwrap_or(DEFAULT_PATH)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PrometheusScheme {
    Http,
}

/// The factory registered for `type: prometheus`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrometheusExporterFactory;

/// Receives events; metrics will be derived from them once they are collected.
#[derive(Debug, Clone)]
pub struct PrometheusExporter {
    pub options: PrometheusOptions,
}

impl EventSink for PrometheusExporter {
    fn event(&self, _event: &Event) {}
}

impl ComponentFactory for PrometheusExporterFactory {
    fn type_name(&self) -> &'static str {
        "prometheus"
    }

    fn options_schema(&self) -> Option<serde_json::Value> {
        Some(schema_of::<PrometheusOptions>())
    }

    fn check(
        &self,
        options: Option<&serde_json::Value>,
        _config_dir: &std::path::Path,
    ) -> Vec<Problem> {
        match parse_options::<PrometheusOptions>(options) {
            Ok(_) => Vec::new(),
            Err(problem) => vec![problem],
        }
    }
}

impl ExporterFactory for PrometheusExporterFactory {
    fn build(&self, context: ComponentContext<'_>) -> Result<Arc<dyn EventSink>, BuildError> {
        let options = parse_options::<PrometheusOptions>(context.options).map_err(|problem| {
            BuildError::Config(format!("{}: {}", context.id, problem.message))
        })?;
        Ok(Arc::new(PrometheusExporter { options }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn endpoints_parse_with_default_path() {
        let options: PrometheusOptions =
            serde_json::from_value(json!({"endpoints": [{"scheme": "http", "port": 7190}]}))
                .unwrap_or_else(|error| panic!("{error}"));
        let endpoint = options
            .endpoints
            .as_ref()
            .and_then(|endpoints| endpoints.first());
        assert_eq!(
            endpoint.map(|endpoint| (endpoint.port, endpoint.path())),
            Some((7190, "/metrics"))
        );
    }

    #[test]
    fn unknown_fields_and_schemes_are_refused() {
        for bad in [
            json!({"endpoints": [{"scheme": "https", "port": 7190}]}),
            json!({"endpoints": [{"scheme": "http"}]}),
            json!({"endpoints": [{"scheme": "http", "port": 1, "host": "x"}]}),
            json!({"endpoint": []}),
        ] {
            assert!(
                serde_json::from_value::<PrometheusOptions>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn schema_requires_scheme_and_port_and_one_endpoint() {
        let schema = schema_of::<PrometheusOptions>();
        let endpoints = &schema["properties"]["endpoints"];
        assert_eq!(endpoints["minItems"], json!(1));
        let required = &endpoints["items"]["required"];
        assert!(
            required
                .as_array()
                .is_some_and(|r| r.contains(&json!("scheme")) && r.contains(&json!("port"))),
            "{schema}"
        );
        assert_eq!(endpoints["items"]["additionalProperties"], json!(false));
        assert_eq!(schema["additionalProperties"], json!(false));
    }
}

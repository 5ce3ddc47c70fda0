//! Rules Zilla's schema sets on a whole tls binding that a per-kind `BindingSchema` cannot
//! carry: it needs somewhere to send streams, and takes no catalog.

use zilla_engine::config::error::Problem;
use zilla_engine::config::model::BindingConfig;

pub(crate) fn shape_problems(config: &BindingConfig) -> Vec<Problem> {
    let mut problems = Vec::new();
    if config.exit.is_none() && config.routes.is_empty() {
        problems.push(Problem::new(
            "",
            "a tls binding needs an exit or at least one route",
        ));
    }
    if config.catalog.is_some() {
        problems.push(Problem::new("/catalog", "a tls binding takes no catalog"));
    }
    problems
}

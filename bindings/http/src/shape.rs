//! Rules Zilla's schema sets on a whole http binding that a per-kind `BindingSchema` cannot
//! carry: it needs somewhere to send streams, and takes neither vault nor catalog.

use zilla_engine::config::error::Problem;
use zilla_engine::config::model::BindingConfig;

pub(crate) fn shape_problems(config: &BindingConfig) -> Vec<Problem> {
    let mut problems = Vec::new();
    if config.exit.is_none() && config.routes.is_empty() {
        problems.push(Problem::new(
            "",
            "an http binding needs an exit or at least one route",
        ));
    }
    if config.vault.is_some() {
        problems.push(Problem::new("/vault", "an http binding takes no vault"));
    }
    if config.catalog.is_some() {
        problems.push(Problem::new("/catalog", "an http binding takes no catalog"));
    }
    problems
}

//! Rules Zilla's schema sets on a whole mqtt-kafka binding that a per-kind `BindingSchema`
//! cannot carry: options and an exit are required, every route says `with`, and there is no
//! vault or catalog.

use zilla_engine::config::error::Problem;
use zilla_engine::config::model::BindingConfig;

pub(crate) fn shape_problems(config: &BindingConfig) -> Vec<Problem> {
    let mut problems = Vec::new();
    if config.options.is_none() {
        problems.push(
            Problem::new("", "an mqtt-kafka binding needs options").with_hint(
                "name the Kafka topics under options.topics: sessions, messages, retained",
            ),
        );
    }
    if config.exit.is_none() && config.routes.is_empty() {
        problems.push(Problem::new(
            "",
            "an mqtt-kafka binding needs an exit or at least one route",
        ));
    }
    for (index, route) in config.routes.iter().enumerate() {
        if route.with.is_none() {
            problems.push(
                Problem::new(
                    format!("/routes/{index}"),
                    "an mqtt-kafka route needs `with`",
                )
                .with_hint("`with: {messages: <topic>}` names the Kafka topic of its messages"),
            );
        }
    }
    if config.vault.is_some() {
        problems.push(Problem::new(
            "/vault",
            "an mqtt-kafka binding takes no vault",
        ));
    }
    if config.catalog.is_some() {
        problems.push(Problem::new(
            "/catalog",
            "an mqtt-kafka binding takes no catalog",
        ));
    }
    problems
}

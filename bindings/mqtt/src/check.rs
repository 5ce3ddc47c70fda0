//! Config checks the schema cannot express: names that must resolve in the namespace,
//! credential patterns, and route topic patterns.

use std::collections::BTreeMap;

use zilla_engine::binding::CheckContext;
use zilla_engine::config::error::Problem;
use zilla_engine::config::model::Kind;

use crate::conditions::{MqttConditionConfig, MqttTopicCondition};
use crate::credentials::CredentialPattern;
use crate::options::{MqttAuthorization, MqttClientOptions, MqttServerOptions};
use crate::topic::TopicPattern;

/// Every problem with an mqtt binding's options and routes.
pub fn check(context: &CheckContext<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    match context.config.kind {
        Kind::Client => match context.options::<MqttClientOptions>() {
            Ok(options) => check_authorization(context, &options.authorization, &mut problems),
            Err(problem) => problems.push(problem),
        },
        _ => match context.options::<MqttServerOptions>() {
            Ok(options) => {
                check_store(context, options.store.as_deref(), &mut problems);
                check_authorization(context, &options.authorization, &mut problems);
            }
            Err(problem) => problems.push(problem),
        },
    }
    check_routes(context, &mut problems);
    problems
}

/// The part of `reference` to look up in this namespace; `None` for a name qualified with
/// another namespace, which only the engine can see.
fn local_name<'a>(reference: &'a str, namespace: &str) -> Option<&'a str> {
    match reference.split_once(':') {
        Some((qualifier, name)) if qualifier == namespace => Some(name),
        Some(_) => None,
        None => Some(reference),
    }
}

fn declared<'a, V>(names: &'a BTreeMap<String, V>) -> String {
    if names.is_empty() {
        return "none are declared".to_owned();
    }
    let list: Vec<&'a str> = names.keys().map(String::as_str).collect();
    format!("declared: {}", list.join(", "))
}

fn check_store(context: &CheckContext<'_>, store: Option<&str>, problems: &mut Vec<Problem>) {
    let Some(store) = store else {
        return;
    };
    let stores = &context.namespace.stores;
    if let Some(name) = local_name(store, &context.namespace.name) {
        if !stores.contains_key(name) {
            problems.push(
                Problem::new("/options/store", format!("store {store} is not declared"))
                    .with_hint(declared(stores)),
            );
        }
    }
}

fn check_authorization(
    context: &CheckContext<'_>,
    authorization: &BTreeMap<String, MqttAuthorization>,
    problems: &mut Vec<Problem>,
) {
    let guards = &context.namespace.guards;
    for (guard, settings) in authorization {
        let pointer = format!("/options/authorization/{guard}");
        if let Some(name) = local_name(guard, &context.namespace.name) {
            if !guards.contains_key(name) {
                problems.push(
                    Problem::new(pointer.clone(), format!("guard {guard} is not declared"))
                        .with_hint(declared(guards)),
                );
            }
        }
        let connect = &settings.credentials.connect;
        let fields = [
            ("username", &connect.username),
            ("password", &connect.password),
        ];
        let present: Vec<_> = fields
            .iter()
            .filter_map(|(field, pattern)| pattern.as_ref().map(|pattern| (*field, pattern)))
            .collect();
        if present.len() != 1 {
            problems.push(Problem::new(
                format!("{pointer}/credentials/connect"),
                "give exactly one of username and password",
            ));
        }
        for (field, pattern) in present {
            if let Err(error) = CredentialPattern::parse(pattern) {
                problems.push(Problem::new(
                    format!("{pointer}/credentials/connect/{field}"),
                    error.to_string(),
                ));
            }
        }
    }
}

fn check_routes(context: &CheckContext<'_>, problems: &mut Vec<Problem>) {
    for (route, config) in context.config.routes.iter().enumerate() {
        for (index, when) in config.when.iter().enumerate() {
            let pointer = format!("/routes/{route}/when/{index}");
            match serde_json::from_value::<MqttConditionConfig>(when.clone()) {
                Ok(condition) => {
                    let topics = [
                        ("publish", &condition.publish),
                        ("subscribe", &condition.subscribe),
                    ];
                    for (kind, conditions) in topics {
                        for (position, topic) in conditions.iter().enumerate() {
                            let at = format!("{pointer}/{kind}/{position}");
                            check_topic_condition(&at, topic, problems);
                        }
                    }
                }
                Err(error) => {
                    problems.push(Problem::new(pointer, format!("invalid condition: {error}")))
                }
            }
        }
    }
}

fn check_topic_condition(
    pointer: &str,
    condition: &MqttTopicCondition,
    problems: &mut Vec<Problem>,
) {
    let pattern = match condition.topic.as_deref().map(TopicPattern::parse) {
        Some(Ok(pattern)) => Some(pattern),
        Some(Err(error)) => {
            problems.push(Problem::new(format!("{pointer}/topic"), error.to_string()));
            None
        }
        None => None,
    };
    for name in condition.params.keys() {
        let known = pattern
            .as_ref()
            .is_some_and(|pattern| pattern.params().any(|param| param == name));
        if !known {
            problems.push(Problem::new(
                format!("{pointer}/params/{name}"),
                format!("the topic has no {{{name}}} placeholder"),
            ));
        }
    }
}

//! Every `type` is registered, every `kind` is one its type allows, and routes or an `exit`
//! appear only on bindings that take them.

use super::scope::Scope;
use super::Finding;
use crate::config::error::Problem;
use crate::config::yaml::locations::child;
use crate::registry::Registry;

pub fn check(scope: &Scope<'_>, registry: &Registry, findings: &mut Vec<Finding>) {
    for (document, partial) in scope.namespaces.iter().enumerate() {
        let namespace = &partial.namespace;
        let mut report = |problem: Problem| findings.push(Finding { document, problem });
        for (name, binding) in &namespace.bindings {
            let pointer = child("/bindings", name);
            let Some(factory) = registry.bindings.get(binding.type_.as_str()) else {
                let known: Vec<&str> = registry.bindings.keys().copied().collect();
                report(unknown_type("binding", &binding.type_, &pointer, &known));
                continue;
            };
            if !factory.kinds().contains(&binding.kind) {
                let allowed: Vec<&str> = factory.kinds().iter().map(|kind| kind.as_str()).collect();
                report(
                    Problem::new(
                        format!("{pointer}/kind"),
                        format!(
                            "kind '{}' is not allowed for type {}",
                            binding.kind, binding.type_
                        ),
                    )
                    .with_hint(format!("allowed kinds: {}", allowed.join(", "))),
                );
                continue;
            }
            let schema = factory.schema(binding.kind);
            if !schema.routes && !binding.routes.is_empty() {
                report(Problem::new(
                    format!("{pointer}/routes"),
                    format!(
                        "a {} {} binding takes no routes",
                        binding.type_, binding.kind
                    ),
                ));
            }
            if !schema.exit && binding.exit.is_some() {
                report(Problem::new(
                    format!("{pointer}/exit"),
                    format!("a {} {} binding takes no exit", binding.type_, binding.kind),
                ));
            }
        }
        let components = [
            (
                "guard",
                "/guards",
                types_of(namespace.guards.iter().map(|(n, c)| (n, &c.type_))),
                names(&registry.guards),
            ),
            (
                "vault",
                "/vaults",
                types_of(namespace.vaults.iter().map(|(n, c)| (n, &c.type_))),
                names(&registry.vaults),
            ),
            (
                "store",
                "/stores",
                types_of(namespace.stores.iter().map(|(n, c)| (n, &c.type_))),
                names(&registry.stores),
            ),
            (
                "catalog",
                "/catalogs",
                types_of(namespace.catalogs.iter().map(|(n, c)| (n, &c.type_))),
                Vec::new(),
            ),
        ];
        for (what, section, used, known) in components {
            for (name, type_name) in used {
                if !known.contains(&type_name) {
                    report(unknown_type(what, type_name, &child(section, name), &known));
                }
            }
        }
        let exporters = namespace
            .telemetry
            .iter()
            .flat_map(|telemetry| &telemetry.exporters);
        let known = names(&registry.exporters);
        for (name, exporter) in exporters {
            if !known.contains(&exporter.type_.as_str()) {
                let pointer = child("/telemetry/exporters", name);
                report(unknown_type("exporter", &exporter.type_, &pointer, &known));
            }
        }
    }
}

fn types_of<'a>(
    entries: impl Iterator<Item = (&'a String, &'a String)>,
) -> Vec<(&'a str, &'a str)> {
    entries
        .map(|(name, type_name)| (name.as_str(), type_name.as_str()))
        .collect()
}

fn names<T>(factories: &std::collections::BTreeMap<&'static str, T>) -> Vec<&'static str> {
    factories.keys().copied().collect()
}

fn unknown_type(what: &str, type_name: &str, pointer: &str, known: &[&str]) -> Problem {
    let problem = Problem::new(
        format!("{pointer}/type"),
        format!("unknown {what} type '{type_name}'"),
    );
    if known.is_empty() {
        problem.with_hint(format!("no {what} types are available"))
    } else {
        problem.with_hint(format!("available: {}", known.join(", ")))
    }
}

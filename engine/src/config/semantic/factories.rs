//! Each factory's own checks, for what its typed options mean beyond their schema. A factory
//! only sees entries the schema accepted, so it never re-reports what the schema refused.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::scope::Scope;
use super::{Environment, Finding};
use crate::binding::CheckContext;
use crate::config::yaml::locations::child;
use crate::registry::{ComponentCheck, ComponentFactory};

pub fn check(scope: &Scope<'_>, environment: &Environment<'_>, findings: &mut Vec<Finding>) {
    let registry = environment.registry;
    for (document, partial) in scope.namespaces.iter().enumerate() {
        let namespace = &partial.namespace;
        for (name, binding) in &namespace.bindings {
            let pointer = child("/bindings", name);
            if (environment.schema_refused)(document, &pointer) {
                continue;
            }
            let Some(factory) = registry.bindings.get(binding.type_.as_str()) else {
                continue;
            };
            if !factory.kinds().contains(&binding.kind) {
                continue;
            }
            let context = CheckContext {
                name,
                config: binding,
                namespace,
                config_dir: environment.config_dir,
            };
            findings.extend(factory.check(&context).into_iter().map(|problem| Finding {
                document,
                problem: problem.under(&pointer),
            }));
        }
        let mut components = Components {
            environment,
            document,
            findings,
        };
        let guards = namespace
            .guards
            .iter()
            .map(|(n, g)| (n, &g.type_, g.options.as_ref()));
        components.check("/guards", guards, &registry.guards);
        let vaults = namespace
            .vaults
            .iter()
            .map(|(n, v)| (n, &v.type_, v.options.as_ref()));
        components.check("/vaults", vaults, &registry.vaults);
        let stores = namespace
            .stores
            .iter()
            .map(|(n, s)| (n, &s.type_, s.options.as_ref()));
        components.check("/stores", stores, &registry.stores);
        let exporters = namespace
            .telemetry
            .iter()
            .flat_map(|telemetry| &telemetry.exporters)
            .map(|(n, e)| (n, &e.type_, e.options.as_ref()));
        components.check("/telemetry/exporters", exporters, &registry.exporters);
    }
}

struct Components<'e, 'f> {
    environment: &'e Environment<'e>,
    document: usize,
    findings: &'f mut Vec<Finding>,
}

impl Components<'_, '_> {
    fn check<'a, F: ComponentFactory + ?Sized>(
        &mut self,
        section: &str,
        entries: impl Iterator<Item = (&'a String, &'a String, Option<&'a Value>)>,
        factories: &BTreeMap<&'static str, Arc<F>>,
    ) {
        for (name, type_name, options) in entries {
            let pointer = child(section, name);
            if (self.environment.schema_refused)(self.document, &pointer) {
                continue;
            }
            let Some(factory) = factories.get(type_name.as_str()) else {
                continue;
            };
            let check = ComponentCheck {
                options,
                config_dir: self.environment.config_dir,
                check_files: self.environment.check_files,
            };
            let document = self.document;
            self.findings
                .extend(
                    factory
                        .check_component(&check)
                        .into_iter()
                        .map(|problem| Finding {
                            document,
                            problem: problem.under(&pointer),
                        }),
                );
        }
    }
}

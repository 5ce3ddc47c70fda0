//! Every exit, guard, vault, store and catalog a config names is declared somewhere.

use super::scope::{Scope, Section};
use super::Finding;
use crate::config::yaml::locations::child;

pub fn check(scope: &Scope<'_>, findings: &mut Vec<Finding>) {
    for (document, partial) in scope.namespaces.iter().enumerate() {
        let namespace = &partial.namespace;
        let mut require = |section: Section, reference: &str, pointer: String| {
            if let Err(problem) = scope.resolve(document, section, reference, &pointer) {
                findings.push(Finding { document, problem });
            }
        };
        for (name, binding) in &namespace.bindings {
            let pointer = child("/bindings", name);
            if let Some(exit) = &binding.exit {
                require(Section::Binding, exit, format!("{pointer}/exit"));
            }
            if let Some(vault) = &binding.vault {
                require(Section::Vault, vault, format!("{pointer}/vault"));
            }
            for catalog in binding.catalog.iter().flat_map(|catalogs| catalogs.keys()) {
                require(
                    Section::Catalog,
                    catalog,
                    child(&format!("{pointer}/catalog"), catalog),
                );
            }
            for (index, route) in binding.routes.iter().enumerate() {
                let route_pointer = format!("{pointer}/routes/{index}");
                if let Some(exit) = &route.exit {
                    require(Section::Binding, exit, format!("{route_pointer}/exit"));
                }
                for guard in route.guarded.keys() {
                    require(
                        Section::Guard,
                        guard,
                        child(&format!("{route_pointer}/guarded"), guard),
                    );
                }
            }
        }
        for (name, guard) in &namespace.guards {
            if let Some(store) = &guard.store {
                require(
                    Section::Store,
                    store,
                    format!("{}/store", child("/guards", name)),
                );
            }
        }
        for (name, catalog) in &namespace.catalogs {
            if let Some(vault) = &catalog.vault {
                require(
                    Section::Vault,
                    vault,
                    format!("{}/vault", child("/catalogs", name)),
                );
            }
        }
        let exporters = namespace
            .telemetry
            .iter()
            .flat_map(|telemetry| &telemetry.exporters);
        for (name, exporter) in exporters {
            if let Some(vault) = &exporter.vault {
                let pointer = child("/telemetry/exporters", name);
                require(Section::Vault, vault, format!("{pointer}/vault"));
            }
        }
    }
}

//! Name resolution across namespaces: `name` within the referring namespace, `namespace:name`
//! across documents.

use super::Finding;
use crate::config::error::Problem;
use crate::config::typed::{Declared, PartialNamespace};

/// What a reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Binding,
    Guard,
    Vault,
    Store,
    Catalog,
}

impl Section {
    fn singular(self) -> &'static str {
        match self {
            Section::Binding => "binding",
            Section::Guard => "guard",
            Section::Vault => "vault",
            Section::Store => "store",
            Section::Catalog => "catalog",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Section::Binding => "bindings",
            Section::Guard => "guards",
            Section::Vault => "vaults",
            Section::Store => "stores",
            Section::Catalog => "catalogs",
        }
    }

    fn names(self, declared: &Declared) -> &[String] {
        match self {
            Section::Binding => &declared.bindings,
            Section::Guard => &declared.guards,
            Section::Vault => &declared.vaults,
            Section::Store => &declared.stores,
            Section::Catalog => &declared.catalogs,
        }
    }
}

/// A resolved reference: the document declaring it and the local name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target<'a> {
    pub document: usize,
    pub name: &'a str,
}

pub struct Scope<'a> {
    pub namespaces: &'a [PartialNamespace],
}

impl<'a> Scope<'a> {
    pub fn new(namespaces: &'a [PartialNamespace]) -> Self {
        Self { namespaces }
    }

    fn document_named(&self, name: &str) -> Option<usize> {
        self.namespaces
            .iter()
            .position(|partial| partial.namespace.name == name)
    }

    /// Resolves `reference` written in document `from`, or explains why it does not resolve.
    pub fn resolve<'r>(
        &self,
        from: usize,
        section: Section,
        reference: &'r str,
        pointer: &str,
    ) -> Result<Target<'r>, Problem> {
        let (document, name) = match reference.split_once(':') {
            Some((namespace, name)) => match self.document_named(namespace) {
                Some(document) => (document, name),
                None => {
                    let known: Vec<&str> = self
                        .namespaces
                        .iter()
                        .map(|partial| partial.namespace.name.as_str())
                        .collect();
                    return Err(Problem::new(
                        pointer,
                        format!(
                            "{} '{reference}' names namespace '{namespace}', which does not exist",
                            section.singular()
                        ),
                    )
                    .with_hint(format!("namespaces: {}", known.join(", "))));
                }
            },
            None => (from, reference),
        };
        let declared = self
            .namespaces
            .get(document)
            .map(|partial| section.names(&partial.declared))
            .unwrap_or_default();
        if declared.iter().any(|declared| declared == name) {
            return Ok(Target { document, name });
        }
        let namespace = self
            .namespaces
            .get(document)
            .map(|partial| partial.namespace.name.as_str())
            .unwrap_or_default();
        let problem = Problem::new(
            pointer,
            format!(
                "{} '{reference}' is not declared in namespace '{namespace}'",
                section.singular()
            ),
        );
        Err(if declared.is_empty() {
            problem.with_hint(format!(
                "namespace '{namespace}' declares no {}",
                section.plural()
            ))
        } else {
            problem.with_hint(format!("{}: {}", section.plural(), declared.join(", ")))
        })
    }

    /// Each namespace's name appears once, so `namespace:name` is unambiguous.
    pub fn check_unique_names(&self, findings: &mut Vec<Finding>) {
        for (document, partial) in self.namespaces.iter().enumerate() {
            let name = &partial.namespace.name;
            let first = self.document_named(name);
            if !name.is_empty() && first.is_some_and(|first| first < document) {
                findings.push(Finding {
                    document,
                    problem: Problem::new(
                        "/name",
                        format!("namespace '{name}' is declared by an earlier document too"),
                    ),
                });
            }
        }
    }
}

//! Checks the schema cannot express: names that must resolve, kinds per type, listen-port
//! clashes, route cycles, and each factory's own checks. Every problem is collected.

mod cycles;
mod factories;
mod ports;
mod references;
mod scope;
mod types;

use std::path::Path;

use super::error::Problem;
use super::typed::PartialNamespace;
use crate::registry::Registry;

pub use scope::Scope;

/// A problem in one document (namespace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub document: usize,
    pub problem: Problem,
}

/// What the checks need besides the namespaces.
pub struct Environment<'a> {
    pub registry: &'a Registry,
    pub config_dir: &'a Path,
    pub check_files: bool,
    /// Whether the schema found problems at or under a pointer of a document; a factory is not
    /// asked to check what the schema already refused.
    pub schema_refused: &'a dyn Fn(usize, &str) -> bool,
}

/// Every semantic problem across `namespaces` (one per document, in document order).
pub fn check(namespaces: &[PartialNamespace], environment: &Environment<'_>) -> Vec<Finding> {
    let scope = Scope::new(namespaces);
    let mut findings = Vec::new();
    scope.check_unique_names(&mut findings);
    types::check(&scope, environment.registry, &mut findings);
    references::check(&scope, &mut findings);
    ports::check(
        &scope,
        environment.registry,
        environment.config_dir,
        &mut findings,
    );
    cycles::check(&scope, &mut findings);
    factories::check(&scope, environment, &mut findings);
    findings
}

//! The stages after substitution: YAML, schema, typed model, semantic checks. Each stage runs
//! as far as it can so that one load reports every problem, not just the first.

use std::collections::BTreeSet;
use std::path::Path;

use jsonschema::{Draft, Validator};

use super::error::{ConfigError, Problem};
use super::model::Config;
use super::report::Report;
use super::schema_errors::{self, Anchor};
use super::semantic::{self, Environment};
use super::typed;
use super::typed::PartialNamespace;
use super::yaml::locations::child;
use super::yaml::{self, Document};
use super::{config_dir, schema, LoadOptions};

pub fn run(text: &str, path: &Path, options: &LoadOptions<'_>) -> Result<Config, Vec<ConfigError>> {
    let documents = yaml::parse(text).map_err(|errors| {
        errors
            .into_iter()
            .map(|error| ConfigError {
                file: Some(path.to_path_buf()),
                pointer: error.pointer,
                location: error.position,
                message: error.message,
                hint: None,
            })
            .collect::<Vec<_>>()
    })?;
    let schema = schema::schema(options.registry);
    let mut report = Report::new(path, &documents);
    let validator = match jsonschema::options()
        .with_draft(Draft::Draft201909)
        .build(&schema)
    {
        Ok(validator) => validator,
        Err(error) => {
            // Only a factory contributing an invalid schema gets here: a bug, reported plainly.
            report.add_at(
                None,
                Problem::new(
                    "",
                    format!("the composed config schema is invalid: {error}"),
                ),
            );
            return Err(report.into_errors());
        }
    };

    let refused = validate(&validator, &schema, &documents, &mut report);
    let refused_at = |document: usize, pointer: &str| {
        refused
            .iter()
            .any(|(at, refused)| *at == document && is_within(refused, pointer))
    };

    let mut partials = Vec::with_capacity(documents.len());
    for (index, document) in documents.iter().enumerate() {
        let mut problems = Vec::new();
        partials.push(typed::partial(&document.value, &mut problems));
        // The schema explains these better; serde's word only counts when the schema had none.
        if !refused.iter().any(|(at, _)| *at == index) {
            for problem in problems {
                report.add(index, problem);
            }
        }
    }

    drop_refused_links(&mut partials, &refused);

    let config_dir = config_dir(path);
    let environment = Environment {
        registry: options.registry,
        config_dir: &config_dir,
        check_files: options.check_files,
        schema_refused: &refused_at,
    };
    for finding in semantic::check(&partials, &environment) {
        let repeated = refused.contains(&(finding.document, finding.problem.pointer.clone()));
        if !repeated {
            report.add(finding.document, finding.problem);
        }
    }

    if !report.is_empty() {
        return Err(report.into_errors());
    }
    let mut namespaces = Vec::with_capacity(documents.len());
    for (index, document) in documents.iter().enumerate() {
        match typed::whole(&document.value) {
            Ok(namespace) => namespaces.push(namespace),
            Err(problem) => report.add(index, problem),
        }
    }
    if report.is_empty() {
        Ok(Config { namespaces })
    } else {
        Err(report.into_errors())
    }
}

/// Validates every document, reporting each error; returns the pointers refused, per document.
fn validate(
    validator: &Validator,
    schema: &serde_json::Value,
    documents: &[Document],
    report: &mut Report<'_>,
) -> BTreeSet<(usize, String)> {
    let mut refused = BTreeSet::new();
    for (index, document) in documents.iter().enumerate() {
        for error in validator.iter_errors(&document.value) {
            refused.insert((index, error.instance_path().as_str().to_owned()));
            for (problem, anchor) in schema_errors::problems(&error, schema, &document.value) {
                refused.insert((index, problem.pointer.clone()));
                match anchor {
                    Anchor::Key => report.add_at_key(index, problem),
                    Anchor::Value => report.add(index, problem),
                }
            }
        }
    }
    refused
}

/// Routes and exits the schema refused outright (a binding that takes none) are left out of the
/// semantic checks, so that a refused route does not also show up as a cycle or dangling exit.
fn drop_refused_links(partials: &mut [PartialNamespace], refused: &BTreeSet<(usize, String)>) {
    for (index, partial) in partials.iter_mut().enumerate() {
        for (name, binding) in partial.namespace.bindings.iter_mut() {
            let pointer = child("/bindings", name);
            if refused.contains(&(index, format!("{pointer}/routes"))) {
                binding.routes.clear();
            }
            if refused.contains(&(index, format!("{pointer}/exit"))) {
                binding.exit = None;
            }
        }
    }
}

/// Whether `pointer` is `ancestor` or lies under it.
fn is_within(pointer: &str, ancestor: &str) -> bool {
    pointer == ancestor
        || pointer
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('/'))
}

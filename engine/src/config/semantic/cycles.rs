//! A binding reachable from itself through exits would route a stream around forever.

use std::collections::{BTreeMap, BTreeSet};

use super::scope::{Scope, Section, Target};
use super::Finding;
use crate::config::error::Problem;
use crate::config::yaml::locations::child;

pub fn check(scope: &Scope<'_>, findings: &mut Vec<Finding>) {
    let graph = exits(scope);
    let mut reported: BTreeSet<BTreeSet<Target<'_>>> = BTreeSet::new();
    for start in graph.keys() {
        if let Some(cycle) = cycle_through(&graph, *start) {
            let members: BTreeSet<Target<'_>> = cycle.iter().copied().collect();
            if !reported.insert(members) {
                continue;
            }
            let names: Vec<String> = cycle
                .iter()
                .chain(cycle.first())
                .map(|target| qualified(scope, *target))
                .collect();
            findings.push(Finding {
                document: start.document,
                problem: Problem::new(
                    child("/bindings", start.name),
                    format!("route cycle: {}", names.join(" → ")),
                ),
            });
        }
    }
}

fn qualified(scope: &Scope<'_>, target: Target<'_>) -> String {
    let namespace = scope
        .namespaces
        .get(target.document)
        .map(|partial| partial.namespace.name.as_str())
        .unwrap_or_default();
    format!("{namespace}:{}", target.name)
}

/// Binding → the bindings its routes and `exit` lead to (those that resolve).
fn exits<'a>(scope: &Scope<'a>) -> BTreeMap<Target<'a>, BTreeSet<Target<'a>>> {
    let mut graph = BTreeMap::new();
    for (document, partial) in scope.namespaces.iter().enumerate() {
        for (name, binding) in &partial.namespace.bindings {
            let references = binding
                .routes
                .iter()
                .filter_map(|route| route.exit.as_deref())
                .chain(binding.exit.as_deref());
            let targets: BTreeSet<Target<'a>> = references
                .filter_map(|reference| {
                    scope
                        .resolve(document, Section::Binding, reference, "")
                        .ok()
                })
                .collect();
            graph.insert(Target { document, name }, targets);
        }
    }
    graph
}

/// A path from `start` back to itself, found by an iterative depth-first search (a config may
/// declare many bindings; recursion depth must not depend on it).
fn cycle_through<'a>(
    graph: &BTreeMap<Target<'a>, BTreeSet<Target<'a>>>,
    start: Target<'a>,
) -> Option<Vec<Target<'a>>> {
    let mut visited: BTreeSet<Target<'a>> = BTreeSet::new();
    let mut path: Vec<Target<'a>> = vec![start];
    let mut pending: Vec<std::collections::btree_set::Iter<'_, Target<'a>>> =
        vec![graph.get(&start)?.iter()];
    while let Some(next) = pending.last_mut().map(Iterator::next) {
        match next {
            None => {
                pending.pop();
                path.pop();
            }
            Some(target) if *target == start => return Some(path),
            Some(target) => {
                if visited.insert(*target) {
                    if let Some(onward) = graph.get(target) {
                        path.push(*target);
                        pending.push(onward.iter());
                    }
                }
            }
        }
    }
    None
}

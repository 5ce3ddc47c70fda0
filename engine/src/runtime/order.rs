//! The order bindings are built in: every binding after the bindings it exits to, so that a
//! factory receives its exits already running.

use std::collections::BTreeMap;

use super::error::RuntimeError;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Visiting,
    Done,
}

/// Orders `graph` (qualified name → qualified exits) so that exits come first. Validation
/// rejects cycles already; one that slips through is reported, never looped on.
pub fn exits_first(graph: &BTreeMap<String, Vec<String>>) -> Result<Vec<String>, RuntimeError> {
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    let mut order = Vec::with_capacity(graph.len());
    for start in graph.keys() {
        visit(start, graph, &mut marks, &mut Vec::new(), &mut order)?;
    }
    Ok(order)
}

fn visit<'a>(
    node: &'a str,
    graph: &'a BTreeMap<String, Vec<String>>,
    marks: &mut BTreeMap<&'a str, Mark>,
    path: &mut Vec<&'a str>,
    order: &mut Vec<String>,
) -> Result<(), RuntimeError> {
    match marks.get(node) {
        Some(Mark::Done) => return Ok(()),
        Some(Mark::Visiting) => {
            let from = path.iter().position(|step| *step == node).unwrap_or(0);
            let mut cycle: Vec<String> = path[from..].iter().map(|step| step.to_string()).collect();
            cycle.push(node.to_owned());
            return Err(RuntimeError::Cycle(cycle));
        }
        None => {}
    }
    marks.insert(node, Mark::Visiting);
    path.push(node);
    for exit in graph.get(node).into_iter().flatten() {
        // Exits outside the graph are reported by the generation, which knows the binding.
        if graph.contains_key(exit) {
            visit(exit, graph, marks, path, order)?;
        }
    }
    path.pop();
    marks.insert(node, Mark::Done);
    order.push(node.to_owned());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        edges
            .iter()
            .map(|(node, exits)| {
                (
                    node.to_string(),
                    exits.iter().map(|exit| exit.to_string()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn exits_come_before_the_bindings_that_use_them() {
        let order = exits_first(&graph(&[
            ("a:server", &["a:proxy"]),
            ("a:proxy", &["a:client", "b:echo"]),
            ("a:client", &[]),
            ("b:echo", &[]),
        ]))
        .expect("acyclic");
        let at = |name: &str| order.iter().position(|step| step == name).expect(name);
        assert!(at("a:client") < at("a:proxy"));
        assert!(at("b:echo") < at("a:proxy"));
        assert!(at("a:proxy") < at("a:server"));
        assert_eq!(order.len(), 4);
    }

    #[test]
    fn a_cycle_is_reported_with_its_path() {
        let error = exits_first(&graph(&[
            ("a:x", &["a:y"]),
            ("a:y", &["a:z"]),
            ("a:z", &["a:x"]),
        ]))
        .expect_err("cycle");
        assert_eq!(
            error.to_string(),
            "bindings form a cycle through their exits: a:x -> a:y -> a:z -> a:x"
        );
    }
}

//! Names as written in a config (`name` within the namespace, or `namespace:name`) and the
//! qualified names the engine keys everything by.

/// The qualified name `namespace:name` that `written` denotes from inside `namespace`.
pub fn qualify(namespace: &str, written: &str) -> String {
    if written.contains(':') {
        written.to_owned()
    } else {
        format!("{namespace}:{written}")
    }
}

/// Every exit a binding names: each route's `exit`, then the binding-level one, without
/// repeats, as written.
pub fn exits_of(binding: &crate::config::model::BindingConfig) -> Vec<&str> {
    let mut exits: Vec<&str> = Vec::new();
    let written = binding
        .routes
        .iter()
        .filter_map(|route| route.exit.as_deref())
        .chain(binding.exit.as_deref());
    for exit in written {
        if !exits.contains(&exit) {
            exits.push(exit);
        }
    }
    exits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_name_takes_the_namespace_and_a_qualified_one_stays() {
        assert_eq!(qualify("example", "echo"), "example:echo");
        assert_eq!(qualify("example", "other:echo"), "other:echo");
    }
}

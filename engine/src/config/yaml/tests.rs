use serde_json::json;

use super::*;

fn one(text: &str) -> Document {
    let mut documents = parse(text).unwrap();
    assert_eq!(documents.len(), 1);
    documents.remove(0)
}

#[test]
fn builds_typed_values() {
    let document = one(
        "name: test\nport: 7183\nquoted: '7183'\nflag: true\nnothing: ~\nlist: [1, \"a\", b]\n",
    );
    assert_eq!(
        document.value,
        json!({"name": "test", "port": 7183, "quoted": "7183", "flag": true, "nothing": null, "list": [1, "a", "b"]})
    );
}

#[test]
fn records_positions_by_pointer() {
    let text =
        "name: test\nbindings:\n  tcp~server:\n    type: tcp\n    routes:\n      - exit: a/b\n";
    let document = one(text);
    assert_eq!(document.locations.exact("/name"), Some((1, 7)));
    assert_eq!(document.locations.exact("/bindings"), Some((2, 1)));
    assert_eq!(
        document.locations.exact("/bindings/tcp~0server"),
        Some((3, 3))
    );
    assert_eq!(
        document.locations.exact("/bindings/tcp~0server/type"),
        Some((4, 11))
    );
    assert_eq!(
        document
            .locations
            .exact("/bindings/tcp~0server/routes/0/exit"),
        Some((6, 15))
    );
}

#[test]
fn duplicate_keys_name_both_lines() {
    let errors = parse("name: a\nbindings:\n  x: 1\n  y: 2\n  x: 3\n").unwrap_err();
    assert_eq!(errors.len(), 1);
    let error = &errors[0];
    assert_eq!(error.pointer, "/bindings/x");
    assert_eq!(error.position, Some((5, 3)));
    assert!(error.message.contains("'x'"), "{}", error.message);
    assert!(error.message.contains("line 5"), "{}", error.message);
    assert!(error.message.contains("line 3"), "{}", error.message);
}

#[test]
fn several_documents_are_several_values() {
    let documents = parse("name: a\n---\nname: b\n---\n").unwrap();
    let names: Vec<_> = documents.iter().map(|d| d.value["name"].clone()).collect();
    assert_eq!(names, vec![json!("a"), json!("b")]);
    assert_eq!(documents[1].locations.exact("/name"), Some((3, 7)));
}

#[test]
fn empty_text_is_an_error() {
    for text in ["", "\n\n", "# only a comment\n", "---\n", "---\n...\n"] {
        let errors = parse(text).unwrap_err();
        assert!(errors[0].message.contains("empty"), "{text:?}");
    }
}

#[test]
fn syntax_errors_are_located() {
    let errors = parse("name: a\nbindings:\n  x: [1, 2\n").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].position.is_some());
    assert!(errors[0].message.starts_with("invalid YAML"));
    let errors = parse("a: b\n c: d\n").unwrap_err();
    assert_eq!(errors[0].position.map(|p| p.0), Some(2));
}

#[test]
fn anchors_and_aliases_resolve() {
    let document = one("base: &b {x: 1}\ncopy: *b\n");
    assert_eq!(document.value["copy"], json!({"x": 1}));
}

#[test]
fn alias_bombs_are_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let previous = format!("*a{}", level - 1);
        let items = [previous.as_str(); 10].join(", ");
        text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
    }
    let errors = parse(&text).unwrap_err();
    assert!(errors[0].message.contains("aliases expand"));
}

#[test]
fn complex_keys_are_refused() {
    let errors = parse("? [a, b]\n: c\n").unwrap_err();
    assert!(errors[0].message.contains("mapping key"));
}

#[test]
fn str_tag_forces_a_string() {
    assert_eq!(one("port: !!str 7183\n").value, json!({"port": "7183"}));
}

#[test]
fn garbage_never_panics() {
    let deep_flow = "[".repeat(100_000);
    let deep_block = "- ".repeat(10_000) + "x";
    let deep_map: String = (0..300).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    let binary: String = (0u8..=255).map(char::from).collect();
    let inputs = [
        deep_flow.as_str(),
        deep_block.as_str(),
        deep_map.as_str(),
        binary.as_str(),
        "\u{0}\u{1}\u{2}",
        "{{{{",
        "]]]",
        "*unknown",
        "&a [*a]",
        "key: 'unterminated",
        "\t- tab",
        "- a\nb: c",
        "%YAML 1.2\n%YAML 1.2\n---\na",
        "!<tag:x> 1",
        "? ? ? a",
    ];
    for input in inputs {
        let _ = parse(input);
    }
}

#[test]
fn deep_nesting_is_refused() {
    let deep_block = "- ".repeat(1_000) + "x";
    let errors = parse(&deep_block).unwrap_err();
    assert!(errors[0].message.contains("nesting"), "{:?}", errors);
}

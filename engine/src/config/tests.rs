//! The whole pipeline, driven through `load_text` with fake factories.

use std::path::Path;

use super::error::ConfigError;
use super::model::Kind;
use super::test_fakes;
use super::*;

fn env(name: &str) -> Option<String> {
    match name {
        "PORT" => Some("7183".to_owned()),
        _ => None,
    }
}

fn load(text: &str) -> Result<LoadedConfig, Vec<ConfigError>> {
    let registry = test_fakes::registry();
    let options = LoadOptions {
        registry: &registry,
        env: &env,
        check_files: true,
    };
    load_text(text, Path::new("conf/zilla.yaml"), &options).map_err(|errors| errors.0)
}

fn errors(text: &str) -> Vec<ConfigError> {
    match load(text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(errors) => errors,
    }
}

fn only(text: &str) -> ConfigError {
    let mut errors = errors(text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.remove(0)
}

const ECHO: &str = "\
name: example
bindings:
  north_tcp_server:
    type: tcp
    kind: server
    options:
      host: 0.0.0.0
      port: 12345
    exit: north_echo_server
  north_echo_server:
    type: echo
    kind: server
";

#[test]
fn good_config_loads() {
    let loaded = load(ECHO).unwrap();
    assert_eq!(loaded.dir, Path::new("conf"));
    assert_eq!(loaded.written, ECHO);
    assert!(loaded.warnings.is_empty());
    let namespace = &loaded.config.namespaces[0];
    assert_eq!(namespace.name, "example");
    let tcp = &namespace.bindings["north_tcp_server"];
    assert_eq!(tcp.kind, Kind::Server);
    assert_eq!(tcp.exit.as_deref(), Some("north_echo_server"));
}

#[test]
fn documents_are_namespaces_with_cross_namespace_exits() {
    let text = "\
name: edge
bindings:
  tcp_server:
    type: tcp
    kind: server
    options: {host: 0.0.0.0, port: 12345}
    routes:
      - exit: core:echo_server
---
name: core
bindings:
  echo_server:
    type: echo
    kind: server
";
    let loaded = load(text).unwrap();
    let names: Vec<_> = loaded
        .config
        .namespaces
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(names, ["edge", "core"]);
}

#[test]
fn env_substitution_types_the_value_and_keeps_the_written_text() {
    let text = ECHO.replace("port: 12345", "port: ${{env.PORT}}");
    let loaded = load(&text).unwrap();
    let options = loaded.config.namespaces[0].bindings["north_tcp_server"]
        .options
        .clone()
        .unwrap();
    assert_eq!(options["port"], serde_json::json!(7183));
    assert!(loaded.written.contains("${{env.PORT}}"));
}

#[test]
fn unset_variable_warns_and_is_reported_beside_the_error_it_causes() {
    let text = ECHO.replace("host: 0.0.0.0", "host: \"${{ env.HOST }}\"");
    let loaded = load(&text).unwrap();
    assert_eq!(loaded.warnings.len(), 1);
    assert!(loaded.warnings[0].contains("HOST"));

    let text = ECHO.replace("port: 12345", "port: ${{ env.MISSING_PORT }}");
    let errors = errors(&text);
    assert!(
        errors.iter().any(|e| e.message.contains("MISSING_PORT")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.pointer.ends_with("/options/port")),
        "{errors:#?}"
    );
}

#[test]
fn duplicate_key_names_both_lines() {
    let text = ECHO.replace(
        "    kind: server\n    options:",
        "    kind: server\n    kind: client\n    options:",
    );
    let error = only(&text);
    assert!(error.message.contains("'kind'"), "{error}");
    assert!(error.message.contains("line 6"), "{error}");
    assert!(error.message.contains("line 5"), "{error}");
    assert_eq!(error.location, Some((6, 5)));
}

#[test]
fn unknown_property_is_located_and_lists_allowed_names() {
    let text = ECHO.replace("      port: 12345\n", "      port: 12345\n      portt: 1\n");
    let error = only(&text);
    assert_eq!(error.pointer, "/bindings/north_tcp_server/options/portt");
    assert_eq!(error.location, Some((9, 7)));
    assert!(
        error.message.contains("unknown property 'portt'"),
        "{error}"
    );
    assert_eq!(error.hint.as_deref(), Some("allowed: host, port"));
    let rendered = error.to_string();
    assert!(rendered.starts_with("conf/zilla.yaml:9:7: "), "{rendered}");
}

#[test]
fn unknown_binding_property_omits_what_the_type_forbids() {
    let text = ECHO.replace("    type: echo\n", "    type: echo\n    colour: red\n");
    let error = only(&text);
    assert_eq!(error.pointer, "/bindings/north_echo_server/colour");
    let hint = error.hint.unwrap();
    assert!(hint.contains("kind"), "{hint}");
    assert!(!hint.contains("routes"), "{hint}");
}

#[test]
fn dangling_exit_lists_existing_bindings() {
    let text = ECHO.replace("exit: north_echo_server", "exit: north_echo");
    let error = only(&text);
    assert_eq!(error.pointer, "/bindings/north_tcp_server/exit");
    assert_eq!(error.location, Some((9, 11)));
    assert!(error.message.contains("'north_echo'"), "{error}");
    assert_eq!(
        error.hint.as_deref(),
        Some("bindings: north_echo_server, north_tcp_server")
    );
}

#[test]
fn kind_not_allowed_for_the_type() {
    let text = ECHO.replace(
        "    type: echo\n    kind: server",
        "    type: echo\n    kind: client",
    );
    let error = only(&text);
    assert_eq!(error.pointer, "/bindings/north_echo_server/kind");
    assert_eq!(error.message, "kind 'client' is not allowed for type echo");
    assert_eq!(error.hint.as_deref(), Some("allowed: server"));
}

#[test]
fn port_clash_is_reported() {
    let text = format!(
        "{ECHO}  south_tcp_server:\n    type: tcp\n    kind: server\n    options: {{host: 127.0.0.1, port: 12345}}\n    exit: north_echo_server\n"
    );
    let error = only(&text);
    assert_eq!(error.pointer, "/bindings/south_tcp_server/options/port");
    assert!(error.message.contains("north_tcp_server"), "{error}");
}

#[test]
fn different_hosts_on_one_port_do_not_clash() {
    let text = ECHO.replace("0.0.0.0", "127.0.0.1")
        + "  south_tcp_server:\n    type: tcp\n    kind: server\n    options: {host: 127.0.0.2, port: 12345}\n    exit: north_echo_server\n";
    load(&text).unwrap();
}

#[test]
fn route_cycle_is_named() {
    let text = "\
name: loop
bindings:
  a:
    type: tcp
    kind: server
    exit: b
  b:
    type: tcp
    kind: server
    routes:
      - exit: a
";
    let error = only(text);
    assert!(
        error
            .message
            .contains("route cycle: loop:a → loop:b → loop:a"),
        "{error}"
    );
}

#[test]
fn every_error_is_reported_together_in_file_order() {
    let text = ECHO
        .replace("      port: 12345\n", "      port: 12345\n      portt: 1\n")
        .replace("exit: north_echo_server", "exit: nowhere")
        .replace(
            "    type: echo\n    kind: server",
            "    type: echo\n    kind: proxy",
        );
    let errors = errors(&text);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    let lines: Vec<usize> = errors
        .iter()
        .filter_map(|e| e.location.map(|l| l.0))
        .collect();
    assert_eq!(lines, [9, 10, 13]);
}

#[test]
fn factory_problems_are_prefixed_and_located() {
    let error = only(&ECHO.replace("port: 12345", "port: 1"));
    assert_eq!(error.pointer, "/bindings/north_tcp_server/options/port");
    assert_eq!(error.location, Some((8, 13)));
    assert_eq!(error.message, "port 1 is reserved");
}

#[test]
fn guards_resolve_and_check_local_files_only_when_asked() {
    let text = format!(
        "{ECHO}guards:\n  auth:\n    type: fake\n    options:\n      keys: missing.jwks\n"
    )
    .replace(
        "    exit: north_echo_server\n",
        "    routes:\n      - exit: north_echo_server\n        guarded:\n          auth: [read]\n",
    );
    let error = only(&text);
    assert_eq!(error.pointer, "/guards/auth/options/keys");

    let registry = test_fakes::registry();
    let options = LoadOptions {
        registry: &registry,
        env: &env,
        check_files: false,
    };
    load_text(&text, Path::new("zilla.yaml"), &options).unwrap();

    let unguarded = text.replace("auth: [read]", "nobody: [read]");
    let errors = errors(&unguarded);
    assert!(
        errors.iter().any(|e| e.message.contains("guard 'nobody'")),
        "{errors:#?}"
    );
}

#[test]
fn unknown_types_list_what_is_available() {
    let text = format!("{ECHO}catalogs:\n  registry:\n    type: schema-registry\n");
    let error = only(&text);
    assert_eq!(error.pointer, "/catalogs/registry/type");
    assert_eq!(
        error.hint.as_deref(),
        Some("no catalog types are available")
    );

    let text = ECHO.replace("type: echo", "type: ekho");
    let error = only(&text);
    assert_eq!(error.pointer, "/bindings/north_echo_server/type");
    assert_eq!(error.message, "unknown binding type 'ekho'");
    assert_eq!(error.hint.as_deref(), Some("available: echo, tcp"));
}

#[test]
fn missing_name_and_wrong_type_are_explained() {
    let errors = errors("bindings: {}\n");
    assert_eq!(errors[0].message, "missing required property 'name'");
    assert_eq!(errors[0].location, Some((1, 1)));
    let error = only(&ECHO.replace("port: 12345", "port: abc"));
    assert_eq!(
        error.message,
        "wrong type: expected integer, found string \"abc\""
    );
}

#[test]
fn routes_on_a_binding_that_takes_none() {
    let text = ECHO.replace(
        "    type: echo\n    kind: server\n",
        "    type: echo\n    kind: server\n    routes:\n      - exit: north_tcp_server\n",
    );
    let error = only(&text);
    assert_eq!(error.pointer, "/bindings/north_echo_server/routes");
    assert_eq!(
        error.message,
        "'routes' is not allowed for binding type echo, kind server"
    );
}

#[test]
fn yaml_syntax_error_is_located() {
    let error = only("name: x\nbindings: [\n");
    assert!(error.location.is_some());
    assert!(error.message.starts_with("invalid YAML"), "{error}");
}

#[test]
fn garbage_never_panics() {
    let binary: String = (0u8..=255).map(char::from).collect();
    let inputs = [
        String::new(),
        binary,
        "[".repeat(50_000),
        "- ".repeat(50_000),
        "{a: ".repeat(5_000),
        "name: x\nbindings:\n  a: [1, 2]\n".to_owned(),
        "name: x\nbindings:\n  a: {type: tcp, kind: server, routes: [1, {exit: [x]}]}\n".to_owned(),
        "name: [x]\ntelemetry: {exporters: {e: {type: 1}}}\n".to_owned(),
        "- 1\n- 2\n".to_owned(),
        "name: x\n---\nname: x\n".to_owned(),
        "name: x\nbindings:\n  a: {type: tcp, kind: server, exit: 'y:z:w'}\n".to_owned(),
    ];
    for input in inputs {
        assert!(load(&input).is_err(), "{input:?}");
    }
}

#[test]
fn schema_is_exposed() {
    let registry = test_fakes::registry();
    let schema = schema(&registry);
    assert_eq!(schema["title"], "Namespace");
}

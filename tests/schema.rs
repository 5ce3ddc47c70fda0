//! The committed schema is the one the code generates: regenerate it with
//! `cargo run --bin zilla -- schema > schemas/zilla.schema.json` after changing a config type.

use std::path::Path;
use std::process::Command;

#[test]
fn committed_schema_matches_the_generated_one() {
    let output = Command::new(env!("CARGO_BIN_EXE_zilla"))
        .arg("schema")
        .output()
        .expect("zilla schema runs");
    assert!(output.status.success());
    let generated: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the schema is JSON");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/zilla.schema.json");
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path).expect("schemas/zilla.schema.json exists"),
    )
    .expect("the committed schema is JSON");
    assert!(
        generated == committed,
        "schemas/zilla.schema.json is out of date: run `cargo run --bin zilla -- schema > schemas/zilla.schema.json`"
    );
}

//! TEMPORARY STUB, to be dropped at merge: the config pipeline provides the real
//! `config::schema`. It exists only so that `zilla schema` compiles on this branch.

use serde_json::{json, Value};

use crate::registry::Registry;

/// The whole `zilla.yaml` schema for the factories in `registry` (stub: lists the types only).
pub fn schema(registry: &Registry) -> Value {
    let bindings: Vec<&str> = registry.bindings.keys().copied().collect();
    json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "title": "zilla.yaml (stub schema)",
        "type": "object",
        "x-binding-types": bindings,
    })
}

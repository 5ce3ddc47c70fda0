//! The whole config schema, composed from the registered factories in the shape of Zilla's
//! `engine.schema.json` plus its per-module patches: a base definition per component with a
//! `type` enum, and one `if {type: const} then {…}` entry per registered type.
//!
//! `if`/`then` instead of `oneOf` keeps validation errors precise: a failed `oneOf` comes back as
//! one vague error, while a failed `then` reports the exact property that is wrong.

mod binding;
mod component;

use serde_json::{json, Value};

use crate::registry::Registry;

/// Names of bindings, guards, vaults, … and of the namespace itself.
pub const NAME_PATTERN: &str = r"^[a-zA-Z]+[a-zA-Z0-9\._\-]*$";

pub const DRAFT: &str = "https://json-schema.org/draft/2019-09/schema";

/// The schema of one namespace (one YAML document), for every type in `registry`.
pub fn schema(registry: &Registry) -> Value {
    let vault = component::definition(component::types(&registry.vaults), &[]);
    let guard = component::definition(
        component::types(&registry.guards),
        &[
            ("kind", json!({"title": "Kind", "type": "string"})),
            ("store", json!({"title": "Store", "type": "string"})),
        ],
    );
    let store = component::definition(component::types(&registry.stores), &[]);
    let vault_name = ("vault", json!({"title": "Vault", "type": "string"}));
    let exporter = component::definition(
        component::types(&registry.exporters),
        std::slice::from_ref(&vault_name),
    );
    // No catalog types exist yet: every catalog is refused by the semantic checks, which name
    // the (empty) list of available types.
    let catalog = component::definition(Vec::new(), &[vault_name]);
    json!({
        "$schema": DRAFT,
        "title": "Namespace",
        "type": "object",
        "properties": {
            "name": {"title": "Name", "type": "string", "pattern": NAME_PATTERN},
            "stores": named_map("Stores", "#/$defs/store"),
            "vaults": named_map("Vaults", "#/$defs/vault"),
            "guards": named_map("Guards", "#/$defs/guard"),
            "catalogs": named_map("Catalogs", "#/$defs/catalog"),
            "telemetry": telemetry(),
            "bindings": named_map("Bindings", "#/$defs/binding"),
        },
        "additionalProperties": false,
        "required": ["name"],
        "$defs": {
            "vault": vault,
            "guard": guard,
            "store": store,
            "catalog": catalog,
            "telemetry": {"exporter": exporter},
            "binding": binding::definition(registry),
        },
    })
}

/// An object whose keys are names and whose values follow `reference`.
fn named_map(title: &str, reference: &str) -> Value {
    json!({
        "title": title,
        "type": "object",
        "patternProperties": {NAME_PATTERN: {"$ref": reference}},
        "additionalProperties": false,
    })
}

fn named_strings() -> Value {
    json!({
        "type": "object",
        "patternProperties": {NAME_PATTERN: {"type": "string"}},
        "additionalProperties": false,
    })
}

fn telemetry() -> Value {
    json!({
        "title": "Telemetry",
        "type": "object",
        "properties": {
            "attributes": named_strings(),
            "metrics": metrics(),
            "exporters": named_map("Exporters", "#/$defs/telemetry/exporter"),
        },
        "additionalProperties": false,
    })
}

fn metrics() -> Value {
    json!({"type": "array", "items": {"type": "string"}, "uniqueItems": true})
}

#[cfg(test)]
mod tests;

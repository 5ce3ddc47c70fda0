//! Deserializes a namespace entry by entry, so that one broken binding does not hide the
//! semantic problems of the others: what fails is left out and reported, what parses is checked.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::error::Problem;
use super::model::{NamespaceConfig, TelemetryConfig};
use super::yaml::locations::child;

/// A namespace as far as it could be typed, plus every name it declares (typed or not), so that
/// references to a broken entry are not reported as dangling too.
#[derive(Debug, Clone, Default)]
pub struct PartialNamespace {
    pub namespace: NamespaceConfig,
    pub declared: Declared,
}

#[derive(Debug, Clone, Default)]
pub struct Declared {
    pub bindings: Vec<String>,
    pub guards: Vec<String>,
    pub vaults: Vec<String>,
    pub stores: Vec<String>,
    pub catalogs: Vec<String>,
}

pub fn partial(document: &Value, problems: &mut Vec<Problem>) -> PartialNamespace {
    let name = document
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let telemetry = document
        .get("telemetry")
        .and_then(|value| typed::<TelemetryConfig>(value, "/telemetry", "telemetry", problems));
    let namespace = NamespaceConfig {
        name,
        stores: section(document, "stores", "store", problems),
        vaults: section(document, "vaults", "vault", problems),
        guards: section(document, "guards", "guard", problems),
        catalogs: section(document, "catalogs", "catalog", problems),
        telemetry,
        bindings: section(document, "bindings", "binding", problems),
    };
    let declared = Declared {
        bindings: keys(document, "bindings"),
        guards: keys(document, "guards"),
        vaults: keys(document, "vaults"),
        stores: keys(document, "stores"),
        catalogs: keys(document, "catalogs"),
    };
    PartialNamespace {
        namespace,
        declared,
    }
}

/// The whole namespace, typed strictly: the last word once every check passed.
pub fn whole(document: &Value) -> Result<NamespaceConfig, Problem> {
    NamespaceConfig::deserialize(document)
        .map_err(|error| Problem::new("", format!("invalid namespace: {error}")))
}

fn section<T: DeserializeOwned>(
    document: &Value,
    key: &str,
    what: &str,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, T> {
    let Some(entries) = document.get(key).and_then(Value::as_object) else {
        return BTreeMap::new();
    };
    let section_pointer = child("", key);
    entries
        .iter()
        .filter_map(|(name, value)| {
            let pointer = child(&section_pointer, name);
            typed(value, &pointer, what, problems).map(|typed| (name.clone(), typed))
        })
        .collect()
}

fn typed<T: DeserializeOwned>(
    value: &Value,
    pointer: &str,
    what: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    match T::deserialize(value) {
        Ok(typed) => Some(typed),
        Err(error) => {
            problems.push(Problem::new(pointer, format!("invalid {what}: {error}")));
            None
        }
    }
}

fn keys(document: &Value, key: &str) -> Vec<String> {
    document
        .get(key)
        .and_then(Value::as_object)
        .map(|entries| entries.keys().cloned().collect())
        .unwrap_or_default()
}

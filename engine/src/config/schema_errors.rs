//! jsonschema's validation errors rewritten as plain-English problems, with the names a user
//! could have meant where the schema knows them.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::ValidationError;
use serde_json::Value;

use super::error::Problem;
use super::yaml::locations::child;

/// What in the file a problem is about: a property that should not be there is pointed out at
/// its key, anything else at its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Key,
    Value,
}

/// One or more problems for one validation error (an unknown-properties error names each
/// unexpected property separately, so each is located at its own key).
pub fn problems(
    error: &ValidationError<'_>,
    schema: &Value,
    document: &Value,
) -> Vec<(Problem, Anchor)> {
    let pointer = error.instance_path().as_str().to_owned();
    let instance = document.pointer(&pointer).unwrap_or(&Value::Null);
    let message = match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            return unexpected_properties(error, schema, instance, &pointer, unexpected);
        }
        ValidationErrorKind::Required { property } => {
            format!("missing required property {}", quoted(property))
        }
        ValidationErrorKind::Type { kind } => format!(
            "wrong type: expected {}, found {}",
            expected_types(kind),
            describe(instance)
        ),
        ValidationErrorKind::Enum { options } => {
            return vec![(
                not_one_of(&pointer, instance, options, document),
                Anchor::Value,
            )];
        }
        ValidationErrorKind::Constant { expected_value } => {
            format!(
                "expected {}, found {}",
                quoted(expected_value),
                quoted(instance)
            )
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("{} does not match the pattern {pattern}", quoted(instance))
        }
        ValidationErrorKind::FalseSchema => {
            let message = not_allowed(&pointer, document);
            return vec![(Problem::new(pointer, message), Anchor::Key)];
        }
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("{instance} is below the minimum {limit}")
        }
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("{instance} is above the maximum {limit}")
        }
        ValidationErrorKind::MinItems { limit } => format!("needs at least {limit} item(s)"),
        ValidationErrorKind::MaxProperties { limit } => {
            format!(
                "allows at most {limit} entr{}",
                if *limit == 1 { "y" } else { "ies" }
            )
        }
        ValidationErrorKind::UniqueItems => "items must be unique".to_owned(),
        _ => error.to_string(),
    };
    vec![(Problem::new(pointer, message), Anchor::Value)]
}

fn unexpected_properties(
    error: &ValidationError<'_>,
    schema: &Value,
    instance: &Value,
    pointer: &str,
    unexpected: &[String],
) -> Vec<(Problem, Anchor)> {
    let parent_path = error
        .schema_path()
        .as_str()
        .strip_suffix("/additionalProperties")
        .unwrap_or_default();
    let parent = schema.pointer(parent_path).unwrap_or(&Value::Null);
    let named_by_pattern =
        parent.get("properties").is_none() && parent.get("patternProperties").is_some();
    let allowed = allowed_properties(parent, instance);
    unexpected
        .iter()
        .map(|name| {
            let at = child(pointer, name);
            let problem = if named_by_pattern {
                Problem::new(at, format!("'{name}' is not a valid name"))
                    .with_hint("a name starts with a letter, then letters, digits, '.', '_' or '-'")
            } else if allowed.is_empty() {
                Problem::new(at, format!("unknown property '{name}'"))
            } else {
                Problem::new(at, format!("unknown property '{name}'"))
                    .with_hint(format!("allowed: {}", allowed.join(", ")))
            };
            (problem, Anchor::Key)
        })
        .collect()
}

/// The properties `parent` declares, less those its `if {type}`/`then` entries forbid for the
/// instance's type (and kind).
fn allowed_properties(parent: &Value, instance: &Value) -> Vec<String> {
    let Some(properties) = parent.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut forbidden = Vec::new();
    collect_forbidden(parent, instance, &mut forbidden);
    properties
        .iter()
        .filter(|(name, schema)| **schema != Value::Bool(false) && !forbidden.contains(name))
        .map(|(name, _)| name.clone())
        .collect()
}

fn collect_forbidden<'s>(schema: &'s Value, instance: &Value, forbidden: &mut Vec<&'s String>) {
    let entries = schema.get("allOf").and_then(Value::as_array);
    for entry in entries.into_iter().flatten() {
        let condition = entry.pointer("/if/properties").and_then(Value::as_object);
        let holds = condition.is_some_and(|condition| {
            condition.iter().all(|(name, constant)| {
                constant
                    .get("const")
                    .is_some_and(|value| instance.get(name) == Some(value))
            })
        });
        let Some(then) = entry.get("then").filter(|_| holds) else {
            continue;
        };
        let properties = then.get("properties").and_then(Value::as_object);
        for (name, property) in properties.into_iter().flatten() {
            if *property == Value::Bool(false) {
                forbidden.push(name);
            }
        }
        collect_forbidden(then, instance, forbidden);
    }
}

/// A property a `false` schema refuses; says which type refuses it when the parent has one.
fn not_allowed(pointer: &str, document: &Value) -> String {
    let (parent, name) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    let name = name.replace("~1", "/").replace("~0", "~");
    let owner = document.pointer(parent);
    let type_name = owner
        .and_then(|owner| owner.get("type"))
        .and_then(Value::as_str);
    let kind = owner
        .and_then(|owner| owner.get("kind"))
        .and_then(Value::as_str);
    match (type_name, kind) {
        (Some(type_name), Some(kind)) => {
            format!("'{name}' is not allowed for binding type {type_name}, kind {kind}")
        }
        (Some(type_name), None) => format!("'{name}' is not allowed for type {type_name}"),
        _ => format!("'{name}' is not allowed here"),
    }
}

/// A value outside its enum; a `type` or `kind` is explained in those terms.
fn not_one_of(pointer: &str, instance: &Value, options: &Value, document: &Value) -> Problem {
    let (parent, name) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    let value = quoted(instance);
    let allowed = listed_plain(options);
    let message = match name {
        "type" => format!("unknown {} type {value}", component_of(parent)),
        "kind" => match document
            .pointer(parent)
            .and_then(|owner| owner.get("type"))
            .and_then(Value::as_str)
        {
            Some(type_name) => format!("kind {value} is not allowed for type {type_name}"),
            None => format!("kind {value} is not a kind"),
        },
        _ => {
            return Problem::new(
                pointer,
                format!("{value} is not one of: {}", listed(options)),
            )
        }
    };
    let label = if name == "type" {
        "available"
    } else {
        "allowed"
    };
    Problem::new(pointer, message).with_hint(format!("{label}: {allowed}"))
}

/// What the object at `pointer` is, from the section it sits in.
fn component_of(pointer: &str) -> &'static str {
    let section = pointer
        .rsplit_once('/')
        .map_or(pointer, |(section, _)| section);
    match section {
        "/bindings" => "binding",
        "/guards" => "guard",
        "/vaults" => "vault",
        "/stores" => "store",
        "/catalogs" => "catalog",
        "/telemetry/exporters" => "exporter",
        _ => "component",
    }
}

fn listed_plain(options: &Value) -> String {
    match options {
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map_or_else(|| item.to_string(), str::to_owned)
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

fn expected_types(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(single) => single.to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|single| single.to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => return "nothing (null)".to_owned(),
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => return "a list".to_owned(),
        Value::Object(_) => return "a mapping".to_owned(),
    };
    format!("{kind} {value}")
}

fn quoted(value: &Value) -> String {
    match value {
        Value::String(text) => format!("'{text}'"),
        other => other.to_string(),
    }
}

fn listed(options: &Value) -> String {
    match options {
        Value::Array(items) => items.iter().map(quoted).collect::<Vec<_>>().join(", "),
        other => quoted(other),
    }
}

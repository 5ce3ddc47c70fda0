//! Reading claims by path: `realm_access.roles` walks into nested objects, while a claim whose
//! own name contains dots (namespaced claims such as `https://example.com/roles`) is found
//! by its full name first.

use serde_json::{Map, Value};

pub type Claims = Map<String, Value>;

pub fn claim<'a>(claims: &'a Claims, path: &str) -> Option<&'a Value> {
    if let Some(value) = claims.get(path) {
        return Some(value);
    }
    let mut parts = path.split('.');
    let first = claims.get(parts.next()?)?;
    parts.try_fold(first, |value, part| value.as_object()?.get(part))
}

/// Roles from a space-separated string or an array of them.
pub fn roles(value: Option<&Value>) -> Vec<String> {
    match value {
        None | Some(Value::Null) | Some(Value::Object(_)) => Vec::new(),
        Some(Value::String(text)) => text.split_whitespace().map(str::to_string).collect(),
        Some(Value::Array(items)) => items.iter().filter_map(scalar_text).collect(),
        Some(other) => scalar_text(other).into_iter().collect(),
    }
}

/// A claim as attribute text: strings as they are, numbers and booleans as JSON writes them,
/// arrays and objects as compact JSON; `null` is no value.
pub fn attribute_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Array(_) | Value::Object(_) => Some(value.to_string()),
        other => scalar_text(other),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A NumericDate claim (seconds since the epoch, possibly fractional). `Some(Err)` when the
/// claim is present but is not a number.
pub fn numeric_date(claims: &Claims, name: &str) -> Option<Result<f64, ()>> {
    claims.get(name).map(|value| {
        value
            .as_f64()
            .filter(|seconds| seconds.is_finite())
            .ok_or(())
    })
}

/// The `aud` claim, which RFC 7519 allows as one string or an array of them.
pub fn audiences(claims: &Claims) -> Option<Vec<String>> {
    match claims.get("aud")? {
        Value::String(one) => Some(vec![one.clone()]),
        Value::Array(many) => Some(
            many.iter()
                .filter_map(|value| value.as_str().map(str::to_string))
                .collect(),
        ),
        _ => Some(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Claims {
        match value {
            Value::Object(map) => map,
            _ => Claims::new(),
        }
    }

    #[test]
    fn paths_walk_objects_and_prefer_whole_names() {
        let claims = claims(json!({
            "realm_access": { "roles": ["a", "b"] },
            "https://example.com/roles": "x y",
            "scope": "read write"
        }));
        assert_eq!(roles(claim(&claims, "realm_access.roles")), ["a", "b"]);
        assert_eq!(
            roles(claim(&claims, "https://example.com/roles")),
            ["x", "y"]
        );
        assert_eq!(roles(claim(&claims, "scope")), ["read", "write"]);
        assert!(claim(&claims, "realm_access.missing").is_none());
        assert!(claim(&claims, "scope.deeper").is_none());
    }

    #[test]
    fn roles_and_attributes_stringify_sensibly() {
        assert_eq!(
            roles(Some(&json!(["a", 1, true, null]))),
            ["a", "1", "true"]
        );
        assert!(roles(Some(&json!({ "a": 1 }))).is_empty());
        assert_eq!(attribute_text(&json!(42)).as_deref(), Some("42"));
        assert_eq!(
            attribute_text(&json!(["a", "b"])).as_deref(),
            Some(r#"["a","b"]"#)
        );
        assert_eq!(attribute_text(&json!(null)), None);
    }

    #[test]
    fn dates_and_audiences() {
        let claims = claims(json!({ "exp": 10, "nbf": "soon", "aud": "one" }));
        assert_eq!(numeric_date(&claims, "exp"), Some(Ok(10.0)));
        assert_eq!(numeric_date(&claims, "nbf"), Some(Err(())));
        assert_eq!(numeric_date(&claims, "iat"), None);
        assert_eq!(audiences(&claims), Some(vec!["one".to_string()]));
    }
}

//! Types plain scalars by the YAML 1.2 core schema (not YAML 1.1: `yes`, `on` and `0755` stay
//! strings), which is what Zilla's Jackson-based loader sees for the values configs use.

use serde_json::{Number, Value};

/// The JSON value of a plain (unquoted) scalar.
pub fn plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(number) = integer(text) {
        return Value::Number(number);
    }
    if let Some(number) = float(text) {
        return Value::Number(number);
    }
    // `.inf` and `.nan` are floats in YAML but have no JSON form; they stay strings.
    Value::String(text.to_owned())
}

fn integer(text: &str) -> Option<Number> {
    if let Some(hex) = text.strip_prefix("0x") {
        return radix(hex, 16);
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return radix(octal, 8);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    if let Ok(value) = unsigned.parse::<i64>() {
        return Some(Number::from(value));
    }
    if let Ok(value) = unsigned.parse::<u64>() {
        return Some(Number::from(value));
    }
    // Too large for 64 bits: the nearest float keeps it a number, as the schema expects.
    unsigned.parse::<f64>().ok().and_then(Number::from_f64)
}

fn radix(digits: &str, base: u32) -> Option<Number> {
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(digits, base).ok().map(Number::from)
}

fn float(text: &str) -> Option<Number> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match fraction {
        Some(fraction) => {
            all_digits(whole) && all_digits(fraction) && !(whole.is_empty() && fraction.is_empty())
        }
        None => !whole.is_empty() && all_digits(whole),
    };
    let exponent_ok = exponent.is_none_or(|exponent| {
        let digits = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
        !digits.is_empty() && all_digits(digits)
    });
    if !mantissa_ok || !exponent_ok {
        return None;
    }
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    unsigned.parse::<f64>().ok().and_then(Number::from_f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn core_schema() {
        assert_eq!(plain(""), Value::Null);
        assert_eq!(plain("~"), Value::Null);
        assert_eq!(plain("NULL"), Value::Null);
        assert_eq!(plain("True"), json!(true));
        assert_eq!(plain("false"), json!(false));
        assert_eq!(plain("7183"), json!(7183));
        assert_eq!(plain("-12"), json!(-12));
        assert_eq!(plain("+12"), json!(12));
        assert_eq!(plain("0x1F"), json!(31));
        assert_eq!(plain("0o17"), json!(15));
        assert_eq!(plain("1.5"), json!(1.5));
        assert_eq!(plain(".5"), json!(0.5));
        assert_eq!(plain("1e3"), json!(1000.0));
        assert_eq!(
            plain("18446744073709551615"),
            json!(18446744073709551615u64)
        );
    }

    #[test]
    fn yaml_1_1_forms_stay_strings() {
        for text in [
            "yes", "on", "0x", "0o", "1_000", ".", "1e", "e5", ".inf", ".nan", "1.2.3",
        ] {
            assert_eq!(plain(text), json!(text), "{text}");
        }
        assert_eq!(plain("0755"), json!(755));
    }
}

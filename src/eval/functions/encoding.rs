//! Encoding functions: `jsonencode`, `jsondecode`, `base64encode`, `base64decode`,
//! `urlencode`.

use super::util::{non_null, quote, string_arg};
use super::{FnCtx, FnError};
use crate::eval::value::{format_number, Value};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// Go's standard base64 decoder is lenient about non-zero trailing bits.
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Serializes a wholly known value as compact JSON the way Terraform does: object keys
/// sorted, sets as arrays, integers without a fraction, and `<`, `>`, `&`, U+2028, U+2029
/// escaped as `\uXXXX` (Go's HTML-safe encoding).
pub(super) fn json_encode(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    write_json(v, &mut out)?;
    Ok(out)
}

fn write_json(v: &Value, out: &mut String) -> Result<(), String> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Unknown => return Err("cannot serialize an unknown value".to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if !n.is_finite() {
                return Err(format!(
                    "json: unsupported value: {}",
                    if *n > 0.0 {
                        "+Inf"
                    } else if *n < 0.0 {
                        "-Inf"
                    } else {
                        "NaN"
                    }
                ));
            }
            out.push_str(&format_number(*n));
        }
        Value::String(s) => write_json_string(s, out),
        Value::List(items) | Value::Set(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_json(item, out)?;
            }
            out.push('}');
        }
        Value::Sensitive(inner) => write_json(inner, out)?,
    }
    Ok(())
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(super) fn jsonencode(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let v = args.first().unwrap_or(&Value::Null);
    json_encode(v)
        .map(Value::String)
        .map_err(|e| FnError::arg(0, e))
}

pub(super) fn jsondecode(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let text = string_arg(args, 0)?;
    let parsed: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        let what = if text.trim().is_empty() {
            "unexpected end of JSON input".to_string()
        } else {
            e.to_string()
        };
        FnError::arg(0, format!("invalid JSON: {what}"))
    })?;
    Ok(Value::from_json(&parsed))
}

pub(super) fn base64encode(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
    ))
}

pub(super) fn base64decode(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    // Like Go's decoder, ignore line breaks.
    let cleaned: String = s.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    let bytes = LENIENT_STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|_| FnError::arg(0, format!("failed to decode base64 data {}", quote(&s))))?;
    String::from_utf8(bytes).map(Value::String).map_err(|_| {
        FnError::arg(
            0,
            "the result of decoding the provided string is not valid UTF-8",
        )
    })
}

/// `urlencode(s)`: Go's `url.QueryEscape`, with spaces as `%20` instead of `+`.
pub(super) fn urlencode(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    non_null(args, 0)?;
    let s = string_arg(args, 0)?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::eval::value::Value;

    #[test]
    fn jsonencode_matches_terraform() {
        assert_eq!(
            ok("jsonencode", vec![Value::map([("hello", s("world"))])]),
            s("{\"hello\":\"world\"}")
        );
        assert_eq!(
            ok(
                "jsonencode",
                vec![Value::map([
                    ("b", n(1.5)),
                    ("a", list(vec![n(1.0), Value::Bool(true), Value::Null]))
                ])]
            ),
            s("{\"a\":[1,true,null],\"b\":1.5}")
        );
        assert_eq!(
            ok("jsonencode", vec![s("<a&b>")]),
            s("\"\\u003ca\\u0026b\\u003e\"")
        );
        assert_eq!(
            ok("jsonencode", vec![s("tab\there\nnl \u{1}")]),
            s("\"tab\\there\\nnl \\u0001\"")
        );
        assert_eq!(ok("jsonencode", vec![Value::Null]), s("null"));
        assert_eq!(
            ok("jsonencode", vec![Value::set(vec![s("b"), s("a")])]),
            s("[\"a\",\"b\"]")
        );
        assert_eq!(ok("jsonencode", vec![n(1e20)]), s("100000000000000000000"));
        assert_eq!(ok("jsonencode", vec![n(0.1)]), s("0.1"));
        assert_eq!(
            ok("jsonencode", vec![list(vec![Value::Unknown])]),
            Value::Unknown
        );
        assert!(err("jsonencode", vec![n(f64::INFINITY)]).contains("unsupported value"));
    }

    #[test]
    fn jsondecode_parses() {
        assert_eq!(
            ok("jsondecode", vec![s("{\"hello\": \"world\"}")]),
            Value::map([("hello", s("world"))])
        );
        assert_eq!(ok("jsondecode", vec![s("true")]), Value::Bool(true));
        assert_eq!(
            ok("jsondecode", vec![s("[1, 2.5, null]")]),
            list(vec![n(1.0), n(2.5), Value::Null])
        );
        assert_eq!(ok("jsondecode", vec![s("\"x\"")]), s("x"));
        assert!(err("jsondecode", vec![s("{")]).starts_with("invalid JSON:"));
        assert_eq!(
            err("jsondecode", vec![s("")]),
            "invalid JSON: unexpected end of JSON input"
        );
        assert!(err("jsondecode", vec![s("1 2")]).contains("trailing"));
        assert_eq!(
            err("jsondecode", vec![Value::Null]),
            "argument must not be null"
        );
    }

    #[test]
    fn base64_round_trip() {
        assert_eq!(
            ok("base64encode", vec![s("Hello World")]),
            s("SGVsbG8gV29ybGQ=")
        );
        assert_eq!(ok("base64encode", vec![s("")]), s(""));
        assert_eq!(
            ok("base64decode", vec![s("SGVsbG8gV29ybGQ=")]),
            s("Hello World")
        );
        assert_eq!(
            ok("base64decode", vec![s("SGVsbG8g\nV29ybGQ=")]),
            s("Hello World")
        );
        assert_eq!(ok("base64decode", vec![s("YR==")]), s("a"));
        assert_eq!(
            err("base64decode", vec![s("SGVsbG8")]),
            "failed to decode base64 data \"SGVsbG8\""
        );
        assert_eq!(
            err("base64decode", vec![s("/w==")]),
            "the result of decoding the provided string is not valid UTF-8"
        );
    }

    #[test]
    fn urlencode_escapes() {
        assert_eq!(
            ok("urlencode", vec![s("Hello World!")]),
            s("Hello%20World%21")
        );
        assert_eq!(ok("urlencode", vec![s("☃")]), s("%E2%98%83"));
        assert_eq!(
            ok("urlencode", vec![s("a-b_c.d~e/f?g=h")]),
            s("a-b_c.d~e%2Ff%3Fg%3Dh")
        );
    }
}

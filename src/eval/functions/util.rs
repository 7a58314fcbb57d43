//! Helpers shared by the function implementations: argument extraction with Terraform-style
//! conversion, structural equality with unknowns, type unification and text segmentation.

use super::FnError;
use crate::eval::value::{format_number, Value};
use crate::eval::Type;

/// The largest collection a function may build (guards `range` and similar against huge
/// allocations).
pub(super) const MAX_ELEMENTS: usize = 1024 * 1024;

/// The argument at `i`, or null when absent.
pub(super) fn arg_or_null(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Null)
}

/// The argument at `i`, which must not be null.
pub(super) fn non_null(args: &[Value], i: usize) -> Result<&Value, FnError> {
    match args.get(i).map(Value::peel) {
        None => Err(FnError::arg(i, "missing argument")),
        Some(Value::Null) => Err(FnError::arg(i, "argument must not be null")),
        Some(v) => Ok(v),
    }
}

/// Converts a primitive to its string form (`tostring` rules); `None` for other values.
pub(super) fn primitive_string(v: &Value) -> Option<String> {
    match v.peel() {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(format_number(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A string argument; numbers and bools are converted like Terraform does.
pub(super) fn string_arg(args: &[Value], i: usize) -> Result<String, FnError> {
    let v = non_null(args, i)?;
    primitive_string(v)
        .ok_or_else(|| FnError::arg(i, format!("string required, but have {}", v.type_name())))
}

/// Converts a value to a number (`tonumber` rules), with the conversion's error message.
pub(super) fn to_number(v: &Value) -> Result<f64, String> {
    match Type::Number.convert(v.peel().clone()) {
        Ok(Value::Number(n)) => Ok(n),
        Ok(other) => Err(format!("number required, but have {}", other.type_name())),
        Err(e) => Err(e.message),
    }
}

/// A number argument; numeric strings are converted.
pub(super) fn number_arg(args: &[Value], i: usize) -> Result<f64, FnError> {
    let v = non_null(args, i)?;
    to_number(v).map_err(|m| FnError::arg(i, m))
}

/// A whole number as `i64`.
pub(super) fn whole_i64(n: f64) -> Result<i64, String> {
    if !n.is_finite() || n.fract() != 0.0 {
        return Err("value must be a whole number".to_string());
    }
    // 2^63 is exactly representable; anything at or above it does not fit.
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&n) {
        return Err(
            "value must be a whole number, between -9223372036854775808 and 9223372036854775807"
                .to_string(),
        );
    }
    Ok(n as i64)
}

/// An integer argument.
pub(super) fn int_arg(args: &[Value], i: usize) -> Result<i64, FnError> {
    let n = number_arg(args, i)?;
    whole_i64(n).map_err(|m| FnError::arg(i, m))
}

/// A bool argument; the strings "true" and "false" are converted.
pub(super) fn to_bool(v: &Value) -> Result<bool, String> {
    match Type::Bool.convert(v.peel().clone()) {
        Ok(Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("bool required, but have {}", other.type_name())),
        Err(e) => Err(e.message),
    }
}

/// The elements of a list, tuple or set argument.
pub(super) fn seq_arg(args: &[Value], i: usize) -> Result<&[Value], FnError> {
    let v = non_null(args, i)?;
    v.as_list().ok_or_else(|| {
        FnError::arg(
            i,
            format!("list, set or tuple required, but have {}", v.type_name()),
        )
    })
}

/// A list of strings (each element converted with `tostring` rules); null elements are errors.
pub(super) fn string_list_arg(args: &[Value], i: usize) -> Result<Vec<String>, FnError> {
    let items = seq_arg(args, i)?;
    items
        .iter()
        .enumerate()
        .map(|(n, v)| {
            if v.is_null() {
                return Err(FnError::arg(
                    i,
                    format!("element {n} is null; a string is required"),
                ));
            }
            primitive_string(v).ok_or_else(|| {
                FnError::arg(
                    i,
                    format!("element {n}: string required, but have {}", v.type_name()),
                )
            })
        })
        .collect()
}

/// Structural equality that knows about unknowns: `None` when the answer depends on a value
/// that is not yet known.
pub(super) fn equals(a: &Value, b: &Value) -> Option<bool> {
    match (a.peel(), b.peel()) {
        (Value::Unknown, _) | (_, Value::Unknown) => None,
        (Value::List(x), Value::List(y)) | (Value::Set(x), Value::Set(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            if matches!(a.peel(), Value::Set(_)) && !(a.is_wholly_known() && b.is_wholly_known()) {
                return None;
            }
            all_equal(x.iter().zip(y.iter()))
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.len() != y.len() || x.keys().ne(y.keys()) {
                return Some(false);
            }
            all_equal(x.values().zip(y.values()))
        }
        (x, y) => Some(x == y),
    }
}

fn all_equal<'a>(pairs: impl Iterator<Item = (&'a Value, &'a Value)>) -> Option<bool> {
    let mut unknown = false;
    for (p, q) in pairs {
        match equals(p, q) {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Bool,
    Number,
    String,
    Seq,
    Map,
}

fn kind(v: &Value) -> Option<Kind> {
    match v {
        Value::Bool(_) => Some(Kind::Bool),
        Value::Number(_) => Some(Kind::Number),
        Value::String(_) => Some(Kind::String),
        Value::List(_) | Value::Set(_) => Some(Kind::Seq),
        Value::Map(_) => Some(Kind::Map),
        Value::Null | Value::Unknown | Value::Sensitive(_) => None,
    }
}

/// Converts a group of values to a common type, the way Terraform unifies the element types
/// of a tuple converted to a list: mixed primitives become strings when a string is present,
/// nested collections are unified element-wise (lists) or attribute-wise (maps).
/// Nulls and unknowns fit any type. Errors when no common type exists.
pub(super) fn unify(values: &mut [Value]) -> Result<(), ()> {
    let mut kinds: Vec<Kind> = values.iter().filter_map(kind).collect();
    kinds.sort_by_key(|k| *k as u8);
    kinds.dedup();
    match kinds.as_slice() {
        [] | [Kind::Bool] | [Kind::Number] | [Kind::String] => Ok(()),
        [Kind::Seq] => {
            let mut inner: Vec<Value> = Vec::new();
            for v in values.iter() {
                if let Value::List(items) | Value::Set(items) = v {
                    inner.extend(items.iter().cloned());
                }
            }
            unify(&mut inner)?;
            let mut it = inner.into_iter();
            for v in values.iter_mut() {
                let is_set = matches!(v, Value::Set(_));
                if let Value::List(items) | Value::Set(items) = v {
                    let n = items.len();
                    let new: Vec<Value> = it.by_ref().take(n).collect();
                    *v = if is_set {
                        Value::set(new)
                    } else {
                        Value::List(new)
                    };
                }
            }
            Ok(())
        }
        [Kind::Map] => {
            let mut names: Vec<String> = Vec::new();
            for v in values.iter() {
                if let Value::Map(m) = v {
                    names.extend(m.keys().cloned());
                }
            }
            names.sort();
            names.dedup();
            for name in names {
                let mut group: Vec<Value> = values
                    .iter()
                    .filter_map(|v| match v {
                        Value::Map(m) => m.get(&name).cloned(),
                        _ => None,
                    })
                    .collect();
                unify(&mut group)?;
                let mut it = group.into_iter();
                for v in values.iter_mut() {
                    if let Value::Map(m) = v {
                        if let Some(slot) = m.get_mut(&name) {
                            if let Some(new) = it.next() {
                                *slot = new;
                            }
                        }
                    }
                }
            }
            Ok(())
        }
        ks if ks
            .iter()
            .all(|k| matches!(k, Kind::Bool | Kind::Number | Kind::String))
            && ks.contains(&Kind::String) =>
        {
            for v in values.iter_mut() {
                if matches!(v, Value::Bool(_) | Value::Number(_)) {
                    if let Some(s) = primitive_string(v) {
                        *v = Value::String(s);
                    }
                }
            }
            Ok(())
        }
        _ => Err(()),
    }
}

/// Splits a string into user-perceived characters. This approximates Unicode grapheme
/// clusters (which Terraform uses for string lengths and offsets): combining marks,
/// variation selectors, emoji modifiers, zero-width joiner sequences, regional indicator
/// pairs and CR LF stay together.
pub(super) fn graphemes(s: &str) -> Vec<&str> {
    fn extends(c: char) -> bool {
        matches!(c as u32,
            0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x05BF | 0x05C1..=0x05C2
            | 0x05C4..=0x05C5 | 0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670
            | 0x06D6..=0x06DC | 0x06DF..=0x06E4 | 0x06E7..=0x06E8 | 0x06EA..=0x06ED
            | 0x0900..=0x0903 | 0x093A..=0x094F | 0x0951..=0x0957 | 0x0962..=0x0963
            | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF
            | 0x200C..=0x200D | 0x20D0..=0x20FF | 0x302A..=0x302F | 0x3099..=0x309A
            | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F
            | 0xE0100..=0xE01EF)
    }
    fn regional(c: char) -> bool {
        (0x1F1E6..=0x1F1FF).contains(&(c as u32))
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    let mut regional_run = 0;
    for (i, c) in s.char_indices() {
        let joins = match prev {
            None => false,
            Some(p) => {
                (p == '\r' && c == '\n')
                    || (extends(c) && p != '\r' && p != '\n')
                    || p == '\u{200D}'
                    || (regional(p) && regional(c) && regional_run % 2 == 1)
            }
        };
        if !joins && i > 0 {
            out.push(&s[start..i]);
            start = i;
        }
        regional_run = if regional(c) { regional_run + 1 } else { 0 };
        prev = Some(c);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Number of user-perceived characters in `s`.
pub(super) fn grapheme_len(s: &str) -> usize {
    graphemes(s).len()
}

/// Quotes a string the way Go's `%q` does for ordinary text (used in error messages so that
/// the caller can redact sensitive values).
pub(super) fn quote(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_helpers_convert_and_report() {
        let args = vec![
            Value::Number(3.0),
            Value::from("4"),
            Value::Null,
            Value::List(vec![]),
        ];
        assert_eq!(string_arg(&args, 0).unwrap(), "3");
        assert_eq!(number_arg(&args, 1).unwrap(), 4.0);
        assert_eq!(int_arg(&args, 1).unwrap(), 4);
        assert_eq!(
            non_null(&args, 2).unwrap_err(),
            FnError::arg(2, "argument must not be null")
        );
        assert_eq!(
            string_arg(&args, 3).unwrap_err().message,
            "string required, but have tuple"
        );
        assert_eq!(whole_i64(1.5).unwrap_err(), "value must be a whole number");
        assert!(whole_i64(1e300).is_err());
        assert_eq!(to_bool(&Value::from("true")), Ok(true));
        assert!(to_bool(&Value::from("yes")).is_err());
    }

    #[test]
    fn equality_with_unknowns() {
        let a = Value::List(vec![Value::from("a"), Value::Unknown]);
        let b = Value::List(vec![Value::from("b"), Value::from("c")]);
        let c = Value::List(vec![Value::from("a"), Value::from("c")]);
        assert_eq!(equals(&a, &b), Some(false));
        assert_eq!(equals(&a, &c), None);
        assert_eq!(equals(&c, &c.clone()), Some(true));
        assert_eq!(equals(&Value::from("1"), &Value::Number(1.0)), Some(false));
        let m1 = Value::map([("a", Value::Number(1.0))]);
        let m2 = Value::map([("b", Value::Number(1.0))]);
        assert_eq!(equals(&m1, &m2), Some(false));
    }

    #[test]
    fn unify_primitives_and_nested() {
        let mut v = vec![
            Value::from("a"),
            Value::Number(1.0),
            Value::Bool(true),
            Value::Null,
        ];
        unify(&mut v).unwrap();
        assert_eq!(v, vec!["a".into(), "1".into(), "true".into(), Value::Null]);
        let mut bad = vec![Value::Number(1.0), Value::Bool(true)];
        assert!(unify(&mut bad).is_err());
        let mut mixed = vec![Value::from("a"), Value::List(vec![])];
        assert!(unify(&mut mixed).is_err());
        let mut nested = vec![
            Value::List(vec![Value::from("a")]),
            Value::List(vec![Value::Number(2.0)]),
        ];
        unify(&mut nested).unwrap();
        assert_eq!(nested[1], Value::List(vec!["2".into()]));
        let mut maps = vec![
            Value::map([("x", Value::from("a"))]),
            Value::map([("x", Value::Number(2.0)), ("y", Value::Bool(true))]),
        ];
        unify(&mut maps).unwrap();
        assert_eq!(maps[1].get_attr("x"), Some(&Value::from("2")));
        assert_eq!(maps[1].get_attr("y"), Some(&Value::Bool(true)));
    }

    #[test]
    fn grapheme_segmentation() {
        assert_eq!(graphemes("abc"), vec!["a", "b", "c"]);
        assert_eq!(graphemes("e\u{301}x"), vec!["e\u{301}", "x"]);
        assert_eq!(graphemes("a\r\nb"), vec!["a", "\r\n", "b"]);
        assert_eq!(grapheme_len("🇫🇷🇩🇪"), 2);
        assert_eq!(grapheme_len("👩\u{200D}💻!"), 2);
        assert_eq!(grapheme_len("👍🏽"), 1);
        assert_eq!(grapheme_len(""), 0);
        assert_eq!(graphemes("\u{301}a"), vec!["\u{301}", "a"]);
    }
}

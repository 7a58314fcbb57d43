//! Type conversion functions (`tostring`, `tonumber`, `tobool`, `tolist`, `toset`, `tomap`)
//! and the mark functions `sensitive` / `nonsensitive` / `issensitive` / `ephemeralasnull`.

use super::util::{quote, unify};
use super::{FnCtx, FnError};
use crate::eval::value::Value;

fn only(args: &[Value]) -> &Value {
    args.first().unwrap_or(&Value::Null)
}

/// `sensitive(value)`: the value, marked sensitive (nested marks are merged into the top one).
/// `call` passes the argument with its marks intact.
pub(super) fn sensitive(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(only(args).clone().unmark_deep().0.sensitive())
}

/// `nonsensitive(value)`: removes the top-level sensitive mark. Values that are not sensitive
/// are returned unchanged (Terraform stopped treating that as an error in v1.8).
pub(super) fn nonsensitive(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(only(args).clone().unmark().0)
}

/// `issensitive(value)`: whether the value carries a sensitive mark at its top level (known
/// even when the value itself is not). `call` passes the argument with its marks intact.
pub(super) fn issensitive(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::Bool(matches!(only(args), Value::Sensitive(_))))
}

/// `ephemeralasnull(value)`: ephemeral values become null. Terrace has no ephemeral values,
/// so the value is returned unchanged.
pub(super) fn ephemeralasnull(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(only(args).clone())
}

pub(super) fn tostring(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    match only(args) {
        Value::Null => Ok(Value::Null),
        v @ (Value::String(_) | Value::Number(_) | Value::Bool(_)) => Ok(Value::String(
            super::util::primitive_string(v).unwrap_or_default(),
        )),
        v => Err(FnError::arg(
            0,
            format!("cannot convert {} to string", v.type_name()),
        )),
    }
}

pub(super) fn tonumber(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    match only(args) {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => Ok(Value::Number(*n)),
        Value::String(s) => match super::util::to_number(&Value::String(s.clone())) {
            Ok(n) => Ok(Value::Number(n)),
            Err(_) => Err(FnError::arg(
                0,
                format!(
                    "cannot convert {} to number; given string must be a decimal representation of a number",
                    quote(s)
                ),
            )),
        },
        v => Err(FnError::arg(0, format!("cannot convert {} to number", v.type_name()))),
    }
}

pub(super) fn tobool(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    match only(args) {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) if s == "true" => Ok(Value::Bool(true)),
        Value::String(s) if s == "false" => Ok(Value::Bool(false)),
        Value::String(s) => Err(FnError::arg(
            0,
            format!(
                "cannot convert {} to bool; only the strings \"true\" or \"false\" are allowed",
                quote(s)
            ),
        )),
        v => Err(FnError::arg(
            0,
            format!("cannot convert {} to bool", v.type_name()),
        )),
    }
}

/// Elements of a sequence unified to a single type, or the conversion error.
fn unified_elements(v: &Value, target: &str) -> Result<Vec<Value>, FnError> {
    let items = match v {
        Value::List(items) | Value::Set(items) => items.clone(),
        other => {
            return Err(FnError::arg(
                0,
                format!(
                    "cannot convert {} to {target} of any single type",
                    other.type_name()
                ),
            ))
        }
    };
    let mut items = items;
    unify(&mut items).map_err(|()| {
        FnError::arg(
            0,
            format!(
                "cannot convert {} to {target} of any single type",
                v.type_name()
            ),
        )
    })?;
    Ok(items)
}

/// `tolist(v)`: a list, set or tuple as a list whose elements share one type. Unknown
/// elements stay unknown.
pub(super) fn tolist(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    match only(args) {
        Value::Null => Ok(Value::Null),
        Value::Unknown => Ok(Value::Unknown),
        v => Ok(Value::List(unified_elements(v, "list")?)),
    }
}

/// `toset(v)`: like `tolist`, then sorted and deduplicated. Unknown elements make the whole
/// set unknown, since they could turn out equal to other elements.
pub(super) fn toset(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    match only(args) {
        Value::Null => Ok(Value::Null),
        Value::Unknown => Ok(Value::Unknown),
        v => {
            let items = unified_elements(v, "set")?;
            if !items.iter().all(Value::is_wholly_known) {
                return Ok(Value::Unknown);
            }
            Ok(Value::set(items))
        }
    }
}

/// `tomap(v)`: a map or object as a map whose values share one type.
pub(super) fn tomap(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    match only(args) {
        Value::Null => Ok(Value::Null),
        Value::Unknown => Ok(Value::Unknown),
        Value::Map(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let mut vals: Vec<Value> = m.values().cloned().collect();
            unify(&mut vals)
                .map_err(|()| FnError::arg(0, "cannot convert object to map of any single type"))?;
            Ok(Value::Map(keys.into_iter().zip(vals).collect()))
        }
        v => Err(FnError::arg(
            0,
            format!("cannot convert {} to map of any single type", v.type_name()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::eval::value::Value;

    #[test]
    fn tostring_converts_primitives() {
        assert_eq!(ok("tostring", vec![s("hello")]), s("hello"));
        assert_eq!(ok("tostring", vec![n(1.0)]), s("1"));
        assert_eq!(ok("tostring", vec![n(1.5)]), s("1.5"));
        assert_eq!(ok("tostring", vec![Value::Bool(true)]), s("true"));
        assert_eq!(ok("tostring", vec![Value::Null]), Value::Null);
        assert_eq!(ok("tostring", vec![Value::Unknown]), Value::Unknown);
        assert_eq!(
            err("tostring", vec![list(vec![])]),
            "cannot convert tuple to string"
        );
        assert_eq!(
            err("tostring", vec![Value::map([("a", n(1.0))])]),
            "cannot convert object to string"
        );
    }

    #[test]
    fn tonumber_parses_strings() {
        assert_eq!(ok("tonumber", vec![s("42")]), n(42.0));
        assert_eq!(ok("tonumber", vec![s("-1.5")]), n(-1.5));
        assert_eq!(ok("tonumber", vec![n(3.0)]), n(3.0));
        assert_eq!(ok("tonumber", vec![Value::Null]), Value::Null);
        assert_eq!(
            err("tonumber", vec![s("no")]),
            "cannot convert \"no\" to number; given string must be a decimal representation of a number"
        );
        assert!(err("tonumber", vec![s("")]).contains("cannot convert \"\""));
        assert_eq!(
            err("tonumber", vec![Value::Bool(true)]),
            "cannot convert bool to number"
        );
    }

    #[test]
    fn tobool_accepts_only_true_and_false() {
        assert_eq!(ok("tobool", vec![s("true")]), Value::Bool(true));
        assert_eq!(ok("tobool", vec![s("false")]), Value::Bool(false));
        assert_eq!(ok("tobool", vec![Value::Bool(false)]), Value::Bool(false));
        assert_eq!(ok("tobool", vec![Value::Null]), Value::Null);
        assert_eq!(
            err("tobool", vec![s("yes")]),
            "cannot convert \"yes\" to bool; only the strings \"true\" or \"false\" are allowed"
        );
        assert_eq!(err("tobool", vec![n(1.0)]), "cannot convert number to bool");
    }

    #[test]
    fn tolist_unifies_and_keeps_unknowns() {
        assert_eq!(
            ok(
                "tolist",
                vec![list(vec![s("a"), n(1.0), Value::Bool(false)])]
            ),
            strs(&["a", "1", "false"])
        );
        assert_eq!(
            ok("tolist", vec![Value::set(vec![s("b"), s("a")])]),
            strs(&["a", "b"])
        );
        assert_eq!(
            ok("tolist", vec![list(vec![s("a"), Value::Unknown])]),
            list(vec![s("a"), Value::Unknown])
        );
        assert_eq!(ok("tolist", vec![Value::Unknown]), Value::Unknown);
        assert_eq!(ok("tolist", vec![Value::Null]), Value::Null);
        assert_eq!(
            err("tolist", vec![s("a")]),
            "cannot convert string to list of any single type"
        );
        assert_eq!(
            err("tolist", vec![list(vec![n(1.0), Value::Bool(true)])]),
            "cannot convert tuple to list of any single type"
        );
    }

    #[test]
    fn toset_sorts_dedups_and_handles_unknowns() {
        assert_eq!(
            ok("toset", vec![strs(&["b", "a", "b"])]),
            Value::Set(vec![s("a"), s("b")])
        );
        assert_eq!(
            ok("toset", vec![list(vec![s("a"), n(1.0)])]),
            Value::Set(vec![s("1"), s("a")])
        );
        assert_eq!(
            ok("toset", vec![list(vec![s("a"), Value::Unknown])]),
            Value::Unknown
        );
        assert_eq!(ok("toset", vec![list(vec![])]), Value::Set(vec![]));
        assert_eq!(
            err("toset", vec![n(1.0)]),
            "cannot convert number to set of any single type"
        );
    }

    #[test]
    fn tomap_unifies_values() {
        let m = Value::map([("a", s("x")), ("b", n(1.0))]);
        assert_eq!(
            ok("tomap", vec![m]),
            Value::map([("a", s("x")), ("b", s("1"))])
        );
        let u = Value::map([("a", Value::Unknown)]);
        assert_eq!(ok("tomap", vec![u.clone()]), u);
        assert_eq!(
            err(
                "tomap",
                vec![Value::map([("a", n(1.0)), ("b", list(vec![]))])]
            ),
            "cannot convert object to map of any single type"
        );
        assert_eq!(
            err("tomap", vec![list(vec![])]),
            "cannot convert tuple to map of any single type"
        );
    }
}

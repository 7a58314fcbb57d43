//! Collection functions: `length`, `element`, `index`, `lookup`, `merge`, `keys`, `values`,
//! `contains`, `coalesce`, `zipmap`, `one`, `transpose`. (List-shaping functions live in
//! `list`.)
//!
//! Functions registered with `handles_unknown` return a known result whenever the parts of
//! the arguments they depend on are known, and `Value::Unknown` otherwise.

use super::util::{
    arg_or_null as arg, equals, grapheme_len, int_arg, non_null, primitive_string, seq_arg,
    string_arg, unify,
};
use super::{FnCtx, FnError};
use crate::eval::value::Value;
use std::collections::BTreeMap;

/// `length(value)`: characters of a string, elements of a collection, attributes of an object.
pub(super) fn length(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let n = match non_null(args, 0)? {
        Value::Unknown => return Ok(Value::Unknown),
        Value::String(s) => grapheme_len(s),
        Value::List(items) => items.len(),
        // Unknown set elements may turn out equal to others.
        Value::Set(items) if !items.iter().all(Value::is_wholly_known) => {
            return Ok(Value::Unknown)
        }
        Value::Set(items) => items.len(),
        Value::Map(m) => m.len(),
        _ => {
            return Err(FnError::arg(
                0,
                "argument must be a string, a collection type, or a structural type",
            ))
        }
    };
    Ok(Value::Number(n as f64))
}

/// `element(list, index)`: wraps around with a positive index.
pub(super) fn element(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    if !arg(args, 1).is_known() {
        return Ok(Value::Unknown);
    }
    let index =
        int_arg(args, 1).map_err(|e| FnError::arg(1, format!("invalid index: {}", e.message)))?;
    if index < 0 {
        return Err(FnError::arg(
            1,
            "cannot use element function with a negative index",
        ));
    }
    let items = match non_null(args, 0)? {
        Value::Unknown => return Ok(Value::Unknown),
        Value::List(items) => items,
        other => {
            return Err(FnError::arg(
                0,
                format!("cannot read elements from {}", other.type_name()),
            ))
        }
    };
    if items.is_empty() {
        return Err(FnError::arg(
            0,
            "cannot use element function with an empty list",
        ));
    }
    let i = (index as u64 % items.len() as u64) as usize;
    Ok(items[i].clone())
}

/// `index(list, value)`: the first index of `value`.
pub(super) fn index(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let items = match non_null(args, 0)? {
        Value::Unknown => return Ok(Value::Unknown),
        Value::List(items) => items,
        _ => return Err(FnError::arg(0, "argument must be a list or tuple")),
    };
    if items.is_empty() {
        return Err(FnError::arg(0, "cannot search an empty list"));
    }
    for (i, item) in items.iter().enumerate() {
        match equals(item, arg(args, 1)) {
            None => return Ok(Value::Unknown),
            Some(true) => return Ok(Value::Number(i as f64)),
            Some(false) => {}
        }
    }
    Err(FnError::new("item not found"))
}

/// `lookup(map, key, default)`.
pub(super) fn lookup(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    if !arg(args, 1).is_known() {
        return Ok(Value::Unknown);
    }
    let key = string_arg(args, 1)?;
    let m = match non_null(args, 0)? {
        Value::Unknown => return Ok(Value::Unknown),
        Value::Map(m) => m,
        _ => {
            return Err(FnError::arg(
                0,
                "lookup() requires a map as the first argument",
            ))
        }
    };
    if let Some(v) = m.get(&key) {
        return Ok(v.clone());
    }
    match args.get(2) {
        Some(default) => Ok(default.clone()),
        None => Err(FnError::arg(
            1,
            format!("lookup failed to find key {key:?}"),
        )),
    }
}

/// `merge(maps...)`: later arguments win; null arguments are ignored.
pub(super) fn merge(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let mut out = BTreeMap::new();
    let mut all_null = !args.is_empty();
    for (i, a) in args.iter().enumerate() {
        match a {
            Value::Null => continue,
            Value::Unknown => return Ok(Value::Unknown),
            Value::Map(m) => {
                all_null = false;
                out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            other => {
                return Err(FnError::arg(
                    i,
                    format!(
                        "arguments must be maps or objects, got \"{}\"",
                        other.type_name()
                    ),
                ))
            }
        }
    }
    if all_null {
        return Ok(Value::Null);
    }
    Ok(Value::Map(out))
}

/// `keys(map)`: the keys in lexicographic order.
pub(super) fn keys(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    match non_null(args, 0)? {
        Value::Unknown => Ok(Value::Unknown),
        Value::Map(m) => Ok(Value::List(
            m.keys().map(|k| Value::String(k.clone())).collect(),
        )),
        _ => Err(FnError::arg(0, "must have map or object type")),
    }
}

/// `values(map)`: the values in key order.
pub(super) fn values(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    match non_null(args, 0)? {
        Value::Unknown => Ok(Value::Unknown),
        Value::Map(m) => Ok(Value::List(m.values().cloned().collect())),
        _ => Err(FnError::arg(
            0,
            "values() requires a map as the first argument",
        )),
    }
}

/// `contains(list, value)`: true on a known match even if other elements are unknown.
pub(super) fn contains(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let items = match non_null(args, 0)? {
        Value::Unknown => return Ok(Value::Unknown),
        Value::List(items) | Value::Set(items) => items,
        _ => return Err(FnError::arg(0, "argument must be list, tuple, or set")),
    };
    if items.is_empty() {
        return Ok(Value::Bool(false));
    }
    let needle = arg(args, 1);
    if !needle.is_known() {
        return Ok(Value::Unknown);
    }
    let mut unknown = false;
    for item in items {
        match equals(item, needle) {
            Some(true) => return Ok(Value::Bool(true)),
            None => unknown = true,
            Some(false) => {}
        }
    }
    Ok(if unknown {
        Value::Unknown
    } else {
        Value::Bool(false)
    })
}

/// `coalesce(values...)`: the first argument that is not null (nor an empty string, when
/// the arguments are strings). Arguments are first converted to a common type.
pub(super) fn coalesce(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let mut vals = args.to_vec();
    unify(&mut vals).map_err(|()| FnError::new("all arguments must have the same type"))?;
    let strings = vals.iter().any(|v| matches!(v, Value::String(_)));
    for v in vals {
        match v {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => continue,
            Value::String(ref s) if strings && s.is_empty() => continue,
            v => return Ok(v),
        }
    }
    Err(FnError::new("no non-null, non-empty-string arguments"))
}

/// `zipmap(keys, values)`.
pub(super) fn zipmap(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    if !arg(args, 0).is_wholly_known() || !arg(args, 1).is_known() {
        return Ok(Value::Unknown);
    }
    let keys = seq_arg(args, 0)?;
    let vals = match non_null(args, 1)? {
        Value::List(items) => items,
        _ => {
            return Err(FnError::arg(
                1,
                "values argument must be a list or tuple value",
            ))
        }
    };
    if keys.len() != vals.len() {
        return Err(FnError::new(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            vals.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (i, (k, v)) in keys.iter().zip(vals).enumerate() {
        if k.is_null() {
            return Err(FnError::arg(
                0,
                format!("keys list has null value at index {i}"),
            ));
        }
        let k = primitive_string(k).ok_or_else(|| {
            FnError::arg(
                0,
                format!("element {i}: string required, but have {}", k.type_name()),
            )
        })?;
        out.insert(k, v.clone());
    }
    // Keys taken from sensitive elements make the whole map sensitive.
    Ok(Value::Map(out).mark_if(arg(args, 0).contains_sensitive()))
}

/// `one(list)`: null for an empty collection, the element for a single-element one.
pub(super) fn one(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    const MSG: &str = "must be a list, set, or tuple value with either zero or one elements";
    let (items, is_set) = match non_null(args, 0)? {
        Value::Unknown => return Ok(Value::Unknown),
        Value::List(items) => (items, false),
        Value::Set(items) => (items, true),
        _ => return Err(FnError::arg(0, MSG)),
    };
    match items.as_slice() {
        [] => Ok(Value::Null),
        [only] => Ok(only.clone()),
        // Unknown set elements might collapse into one.
        _ if is_set && !items.iter().all(Value::is_wholly_known) => Ok(Value::Unknown),
        _ => Err(FnError::arg(0, MSG)),
    }
}

/// `transpose(map)`: swaps the keys and the values of a map of lists of strings.
pub(super) fn transpose(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let m = match non_null(args, 0)? {
        Value::Map(m) => m,
        other => {
            return Err(FnError::arg(
                0,
                format!(
                    "map of list of string required, but have {}",
                    other.type_name()
                ),
            ))
        }
    };
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (k, v) in m {
        let items = v
            .as_list()
            .ok_or_else(|| FnError::arg(0, "input must be map of lists of strings"))?;
        for item in items {
            if item.is_null() {
                return Err(FnError::arg(0, "input must not contain null list elements"));
            }
            let s = primitive_string(item)
                .ok_or_else(|| FnError::arg(0, "input must be map of lists of strings"))?;
            out.entry(s).or_default().push(Value::String(k.clone()));
        }
    }
    Ok(Value::Map(
        out.into_iter().map(|(k, v)| (k, Value::List(v))).collect(),
    ))
}

/// `matchkeys(values, keys, searchset)`: the elements of `values` whose element at the same
/// index in `keys` is in `searchset`, in order.
pub(super) fn matchkeys(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let values = seq_arg(args, 0)?;
    let keys = seq_arg(args, 1)?;
    let search = seq_arg(args, 2)?;
    if values.len() != keys.len() {
        return Err(FnError::new("length of keys and values should be equal"));
    }
    let mut out = Vec::new();
    for (v, k) in values.iter().zip(keys.iter()) {
        if matches!(k, Value::Unknown) || search.iter().any(|x| matches!(x, Value::Unknown)) {
            return Ok(Value::Unknown);
        }
        if search.iter().any(|x| equals(x, k) == Some(true)) {
            out.push(v.clone());
        }
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::eval::value::Value;

    fn b(v: bool) -> Value {
        Value::Bool(v)
    }

    #[test]
    fn length_of_everything() {
        assert_eq!(ok("length", vec![strs(&["a", "b"])]), n(2.0));
        assert_eq!(ok("length", vec![s("hello")]), n(5.0));
        assert_eq!(ok("length", vec![s("🤔🤷")]), n(2.0));
        assert_eq!(ok("length", vec![Value::map([("a", n(1.0))])]), n(1.0));
        assert_eq!(ok("length", vec![Value::set(vec![s("a")])]), n(1.0));
        assert_eq!(
            ok("length", vec![list(vec![Value::Unknown, s("a")])]),
            n(2.0)
        );
        assert_eq!(
            ok("length", vec![Value::Set(vec![s("a"), Value::Unknown])]),
            Value::Unknown
        );
        assert_eq!(ok("length", vec![Value::Unknown]), Value::Unknown);
        assert_eq!(
            ok("length", vec![strs(&["a"]).sensitive()]),
            n(1.0).sensitive()
        );
        assert_eq!(
            err("length", vec![n(5.0)]),
            "argument must be a string, a collection type, or a structural type"
        );
        assert_eq!(
            err("length", vec![Value::Null]),
            "argument must not be null"
        );
    }

    #[test]
    fn element_wraps_and_rejects_negative() {
        let l = strs(&["a", "b", "c"]);
        assert_eq!(ok("element", vec![l.clone(), n(1.0)]), s("b"));
        assert_eq!(ok("element", vec![l.clone(), n(3.0)]), s("a"));
        assert_eq!(ok("element", vec![l.clone(), n(9.0e18)]), s("a"));
        assert_eq!(ok("element", vec![l.clone(), s("2")]), s("c"));
        assert_eq!(
            ok("element", vec![list(vec![s("a"), Value::Unknown]), n(0.0)]),
            s("a")
        );
        assert_eq!(
            ok("element", vec![list(vec![s("a"), Value::Unknown]), n(1.0)]),
            Value::Unknown
        );
        assert_eq!(
            ok("element", vec![l.clone(), Value::Unknown]),
            Value::Unknown
        );
        assert_eq!(ok("element", vec![Value::Unknown, n(0.0)]), Value::Unknown);
        assert_eq!(
            err("element", vec![l.clone(), n(-1.0)]),
            "cannot use element function with a negative index"
        );
        assert_eq!(
            err("element", vec![Value::Unknown, n(-1.0)]),
            "cannot use element function with a negative index"
        );
        assert_eq!(
            err("element", vec![list(vec![]), n(0.0)]),
            "cannot use element function with an empty list"
        );
        assert_eq!(
            err("element", vec![l.clone(), n(0.5)]),
            "invalid index: value must be a whole number"
        );
        assert_eq!(
            err("element", vec![Value::set(vec![s("a")]), n(0.0)]),
            "cannot read elements from set"
        );
    }

    #[test]
    fn index_finds_first() {
        assert_eq!(
            ok("index", vec![strs(&["a", "b", "c", "b"]), s("b")]),
            n(1.0)
        );
        assert_eq!(
            ok("index", vec![list(vec![Value::Unknown, s("b")]), s("b")]),
            Value::Unknown
        );
        assert_eq!(
            ok("index", vec![list(vec![s("b"), Value::Unknown]), s("b")]),
            n(0.0)
        );
        assert_eq!(err("index", vec![strs(&["a"]), s("z")]), "item not found");
        assert_eq!(
            err("index", vec![list(vec![]), s("z")]),
            "cannot search an empty list"
        );
        assert_eq!(
            err("index", vec![Value::set(vec![s("a")]), s("a")]),
            "argument must be a list or tuple"
        );
        assert_eq!(err("index", vec![strs(&["1"]), n(1.0)]), "item not found");
    }

    #[test]
    fn lookup_with_defaults() {
        let m = Value::map([("a", s("ay")), ("b", s("bee")), ("u", Value::Unknown)]);
        assert_eq!(ok("lookup", vec![m.clone(), s("a"), s("what?")]), s("ay"));
        assert_eq!(
            ok("lookup", vec![m.clone(), s("c"), s("what?")]),
            s("what?")
        );
        assert_eq!(ok("lookup", vec![m.clone(), s("b")]), s("bee"));
        assert_eq!(
            ok("lookup", vec![m.clone(), s("u"), s("x")]),
            Value::Unknown
        );
        assert_eq!(
            ok("lookup", vec![m.clone(), Value::Unknown, s("x")]),
            Value::Unknown
        );
        assert_eq!(
            ok("lookup", vec![Value::Unknown, s("a"), s("x")]),
            Value::Unknown
        );
        assert_eq!(
            ok("lookup", vec![m.clone(), s("c"), Value::Unknown]),
            Value::Unknown
        );
        assert_eq!(
            err("lookup", vec![m.clone(), s("c")]),
            "lookup failed to find key \"c\""
        );
        assert_eq!(
            err("lookup", vec![strs(&["a"]), s("c"), s("d")]),
            "lookup() requires a map as the first argument"
        );
    }

    #[test]
    fn merge_maps() {
        let a = Value::map([("a", s("b")), ("c", s("d"))]);
        let b2 = Value::map([("e", s("f")), ("c", s("z"))]);
        assert_eq!(
            ok("merge", vec![a.clone(), b2]),
            Value::map([("a", s("b")), ("c", s("z")), ("e", s("f"))])
        );
        assert_eq!(ok("merge", vec![]), Value::map::<&str>([]));
        assert_eq!(ok("merge", vec![Value::Null, a.clone()]), a);
        assert_eq!(ok("merge", vec![Value::Null]), Value::Null);
        let u = Value::map([("a", Value::Unknown)]);
        assert_eq!(
            ok("merge", vec![u.clone(), Value::map([("b", n(1.0))])]),
            Value::map([("a", Value::Unknown), ("b", n(1.0))])
        );
        assert_eq!(ok("merge", vec![a.clone(), Value::Unknown]), Value::Unknown);
        assert_eq!(
            err("merge", vec![a, strs(&["x"])]),
            "arguments must be maps or objects, got \"tuple\""
        );
    }

    #[test]
    fn distinct_keys_values() {
        assert_eq!(
            ok("distinct", vec![strs(&["a", "b", "a", "c", "d", "b"])]),
            strs(&["a", "b", "c", "d"])
        );
        assert_eq!(
            ok("distinct", vec![list(vec![s("1"), n(1.0)])]),
            strs(&["1"])
        );
        assert_eq!(
            ok("distinct", vec![list(vec![s("a"), Value::Unknown])]),
            Value::Unknown
        );
        let m = Value::map([("b", n(2.0)), ("a", Value::Unknown)]);
        assert_eq!(ok("keys", vec![m.clone()]), strs(&["a", "b"]));
        assert_eq!(
            ok("values", vec![m.clone()]),
            list(vec![Value::Unknown, n(2.0)])
        );
        assert_eq!(ok("keys", vec![Value::Unknown]), Value::Unknown);
        assert_eq!(
            err("keys", vec![strs(&["a"])]),
            "must have map or object type"
        );
        assert_eq!(
            err("values", vec![s("a")]),
            "values() requires a map as the first argument"
        );
    }

    #[test]
    fn contains_values() {
        assert_eq!(ok("contains", vec![strs(&["a", "b"]), s("b")]), b(true));
        assert_eq!(ok("contains", vec![strs(&["a", "b"]), s("c")]), b(false));
        assert_eq!(
            ok("contains", vec![list(vec![Value::Unknown, s("b")]), s("b")]),
            b(true)
        );
        assert_eq!(
            ok("contains", vec![list(vec![Value::Unknown, s("b")]), s("c")]),
            Value::Unknown
        );
        assert_eq!(ok("contains", vec![list(vec![]), Value::Unknown]), b(false));
        assert_eq!(
            ok("contains", vec![Value::set(vec![n(1.0)]), n(1.0)]),
            b(true)
        );
        assert_eq!(
            err("contains", vec![s("abc"), s("a")]),
            "argument must be list, tuple, or set"
        );
    }

    #[test]
    fn coalesce_functions() {
        assert_eq!(ok("coalesce", vec![s("a"), s("b")]), s("a"));
        assert_eq!(ok("coalesce", vec![s(""), s("b")]), s("b"));
        assert_eq!(ok("coalesce", vec![Value::Null, n(1.0), n(2.0)]), n(1.0));
        assert_eq!(ok("coalesce", vec![n(0.0), n(1.0)]), n(0.0));
        assert_eq!(ok("coalesce", vec![s(""), n(1.0)]), s("1"));
        assert_eq!(
            ok("coalesce", vec![Value::Null, Value::Unknown, s("b")]),
            Value::Unknown
        );
        assert_eq!(ok("coalesce", vec![s("a"), Value::Unknown]), s("a"));
        assert_eq!(
            err("coalesce", vec![Value::Null, s("")]),
            "no non-null, non-empty-string arguments"
        );
        assert_eq!(
            err("coalesce", vec![]),
            "no non-null, non-empty-string arguments"
        );
        assert_eq!(
            err("coalesce", vec![n(1.0), b(true)]),
            "all arguments must have the same type"
        );
        assert_eq!(
            ok("coalescelist", vec![list(vec![]), strs(&["c", "d"])]),
            strs(&["c", "d"])
        );
        assert_eq!(
            ok("coalescelist", vec![Value::Null, strs(&["a"])]),
            strs(&["a"])
        );
        assert_eq!(
            ok("coalescelist", vec![list(vec![]), Value::Unknown]),
            Value::Unknown
        );
        assert_eq!(
            ok("coalescelist", vec![strs(&["a"]), Value::Unknown]),
            strs(&["a"])
        );
        assert_eq!(
            err("coalescelist", vec![list(vec![])]),
            "no non-null arguments"
        );
        assert_eq!(
            err("coalescelist", vec![s("a")]),
            "coalescelist arguments must be lists or tuples"
        );
    }

    #[test]
    fn compact_and_zipmap() {
        assert_eq!(
            ok(
                "compact",
                vec![list(vec![s("a"), s(""), Value::Null, n(1.0)])]
            ),
            strs(&["a", "1"])
        );
        assert_eq!(
            ok("compact", vec![list(vec![s("a"), Value::Unknown])]),
            Value::Unknown
        );
        assert_eq!(
            err("compact", vec![list(vec![list(vec![])])]),
            "element 0: string required, but have tuple"
        );
        assert_eq!(
            ok(
                "zipmap",
                vec![strs(&["a", "b"]), list(vec![n(1.0), Value::Unknown])]
            ),
            Value::map([("a", n(1.0)), ("b", Value::Unknown)])
        );
        assert_eq!(
            ok("zipmap", vec![list(vec![Value::Unknown]), strs(&["x"])]),
            Value::Unknown
        );
        assert_eq!(
            ok("zipmap", vec![strs(&["a"]), Value::Unknown]),
            Value::Unknown
        );
        assert_eq!(
            ok("zipmap", vec![strs(&["a", "a"]), strs(&["x", "y"])]),
            Value::map([("a", s("y"))])
        );
        assert_eq!(
            err("zipmap", vec![strs(&["a"]), strs(&[])]),
            "number of keys (1) does not match number of values (0)"
        );
        assert_eq!(
            err("zipmap", vec![list(vec![Value::Null]), strs(&["x"])]),
            "keys list has null value at index 0"
        );
        assert_eq!(
            err("zipmap", vec![strs(&["a"]), Value::set(vec![s("x")])]),
            "values argument must be a list or tuple value"
        );
    }

    #[test]
    fn one_element() {
        assert_eq!(ok("one", vec![list(vec![])]), Value::Null);
        assert_eq!(ok("one", vec![strs(&["hello"])]), s("hello"));
        assert_eq!(ok("one", vec![Value::set(vec![])]), Value::Null);
        assert_eq!(ok("one", vec![list(vec![Value::Unknown])]), Value::Unknown);
        assert_eq!(
            ok("one", vec![Value::Set(vec![s("a"), Value::Unknown])]),
            Value::Unknown
        );
        assert_eq!(
            err("one", vec![strs(&["a", "b"])]),
            "must be a list, set, or tuple value with either zero or one elements"
        );
        assert_eq!(
            err("one", vec![s("a")]),
            "must be a list, set, or tuple value with either zero or one elements"
        );
    }

    #[test]
    fn transpose_maps() {
        let m = Value::map([("a", strs(&["1", "2"])), ("b", strs(&["2", "3"]))]);
        assert_eq!(
            ok("transpose", vec![m]),
            Value::map([
                ("1", strs(&["a"])),
                ("2", strs(&["a", "b"])),
                ("3", strs(&["b"]))
            ])
        );
        assert_eq!(
            ok("transpose", vec![Value::map::<&str>([])]),
            Value::map::<&str>([])
        );
        assert_eq!(
            err("transpose", vec![Value::map([("a", s("x"))])]),
            "input must be map of lists of strings"
        );
        assert_eq!(
            err(
                "transpose",
                vec![Value::map([("a", list(vec![Value::Null]))])]
            ),
            "input must not contain null list elements"
        );
    }
}

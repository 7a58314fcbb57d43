//! List functions: `concat`, `flatten`, `distinct`, `coalescelist`, `compact`, `slice`,
//! `sort`, `reverse`, `alltrue`, `anytrue`, `chunklist`.
//!
//! Functions registered with `handles_unknown` return a known result whenever the parts of
//! the arguments they depend on are known, and `Value::Unknown` otherwise.

use super::util::{
    arg_or_null as arg, int_arg, non_null, number_arg, primitive_string, seq_arg, string_list_arg,
    to_bool, unify, whole_i64,
};
use super::{FnCtx, FnError};
use crate::eval::value::Value;

/// `concat(lists...)`.
pub(super) fn concat(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let mut out = Vec::new();
    let mut unknown = false;
    for (i, a) in args.iter().enumerate() {
        match non_null(args, i)? {
            Value::Unknown => unknown = true,
            Value::List(items) => out.extend(items.iter().cloned()),
            _ => {
                return Err(FnError::arg(
                    i,
                    format!(
                        "all arguments must be lists or tuples; got {}",
                        a.type_name()
                    ),
                ))
            }
        }
    }
    Ok(if unknown {
        Value::Unknown
    } else {
        Value::List(out)
    })
}

/// `flatten(list)`: replaces nested lists, sets and tuples by their elements, recursively.
pub(super) fn flatten(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    /// `marked`: the items are inside a sensitive nested list, so each element taken out of
    /// it carries the mark.
    fn walk(items: &[Value], marked: bool, out: &mut Vec<Value>) -> bool {
        for item in items {
            let marked = marked || item.is_sensitive();
            match item.peel() {
                // An unknown element may itself be a list, so the result's length is unknown.
                Value::Unknown => return false,
                Value::List(inner) | Value::Set(inner) => {
                    if !walk(inner, marked, out) {
                        return false;
                    }
                }
                _ => out.push(item.clone().mark_if(marked)),
            }
        }
        true
    }
    let items = match non_null(args, 0)? {
        Value::Unknown => return Ok(Value::Unknown),
        Value::List(items) | Value::Set(items) => items,
        _ => return Err(FnError::arg(0, "can only flatten lists, sets and tuples")),
    };
    let mut out = Vec::new();
    Ok(if walk(items, false, &mut out) {
        Value::List(out)
    } else {
        Value::Unknown
    })
}

/// A list argument whose elements are unified to one type (Terraform's `list(any)` params).
fn unified_list(args: &[Value], i: usize) -> Result<Vec<Value>, FnError> {
    let mut items = seq_arg(args, i)?.to_vec();
    unify(&mut items).map_err(|()| FnError::arg(i, "all elements must have the same type"))?;
    Ok(items)
}

/// `distinct(list)`: removes duplicates, keeping first occurrences.
pub(super) fn distinct(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let mut out: Vec<Value> = Vec::new();
    for item in unified_list(args, 0)? {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(Value::List(out))
}

/// `coalescelist(lists...)`: the first non-empty list.
pub(super) fn coalescelist(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    for (i, a) in args.iter().enumerate() {
        match a {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => continue,
            Value::List(items) if items.is_empty() => continue,
            Value::List(_) => return Ok(a.clone()),
            _ => {
                return Err(FnError::arg(
                    i,
                    "coalescelist arguments must be lists or tuples",
                ))
            }
        }
    }
    Err(FnError::new("no non-null arguments"))
}

/// `compact(list)`: removes null and empty-string elements.
pub(super) fn compact(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let items = seq_arg(args, 0)?;
    let mut out = Vec::new();
    for (i, v) in items.iter().enumerate() {
        if v.is_null() {
            continue;
        }
        let s = primitive_string(v).ok_or_else(|| {
            FnError::arg(
                0,
                format!("element {i}: string required, but have {}", v.type_name()),
            )
        })?;
        if !s.is_empty() {
            out.push(Value::String(s));
        }
    }
    Ok(Value::List(out))
}

/// `slice(list, start, end)`: elements from `start` (inclusive) to `end` (exclusive).
pub(super) fn slice(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let items = match non_null(args, 0)? {
        Value::Set(_) => {
            return Err(FnError::arg(
                0,
                "cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important",
            ))
        }
        Value::List(items) => Some(items),
        Value::Unknown => None,
        _ => return Err(FnError::arg(0, "must be a list or tuple value")),
    };
    let len = items.map(|i| i.len() as i64);
    let mut bounds = [None, None];
    for (slot, (i, what)) in bounds.iter_mut().zip([(1, "start"), (2, "end")]) {
        if !arg(args, i).is_known() {
            continue;
        }
        let v = int_arg(args, i)
            .map_err(|e| FnError::arg(i, format!("invalid {what} index: {}", e.message)))?;
        if v < 0 {
            return Err(FnError::arg(
                i,
                format!("{what} index must not be less than zero"),
            ));
        }
        if len.is_some_and(|l| v > l) {
            return Err(FnError::arg(
                i,
                format!("{what} index must not be greater than the length of the list"),
            ));
        }
        *slot = Some(v);
    }
    let (Some(start), Some(end)) = (bounds[0], bounds[1]) else {
        return Ok(Value::Unknown);
    };
    if start > end {
        return Err(FnError::arg(
            1,
            "start index must not be greater than end index",
        ));
    }
    match items {
        Some(items) => Ok(Value::List(items[start as usize..end as usize].to_vec())),
        None => Ok(Value::Unknown),
    }
}

/// `sort(list)`: strings in lexicographic order (numbers are converted to strings).
pub(super) fn sort(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let items = seq_arg(args, 0)?;
    if let Some(i) = items.iter().position(Value::is_null) {
        return Err(FnError::arg(
            0,
            format!("given list element {i} is null; a null string cannot be sorted"),
        ));
    }
    let mut strs = string_list_arg(args, 0)?;
    strs.sort();
    Ok(Value::List(strs.into_iter().map(Value::String).collect()))
}

/// `reverse(list)`.
pub(super) fn reverse(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    match non_null(args, 0)? {
        Value::Unknown => Ok(Value::Unknown),
        Value::List(items) | Value::Set(items) => {
            Ok(Value::List(items.iter().rev().cloned().collect()))
        }
        other => Err(FnError::arg(
            0,
            format!(
                "can only reverse list or tuple values, not {}",
                other.type_name()
            ),
        )),
    }
}

/// `alltrue(list)`: true for an empty list; a null element counts as false.
pub(super) fn alltrue(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let Some(items) = seq_arg_or_unknown(args)? else {
        return Ok(Value::Unknown);
    };
    let mut unknown = false;
    for (i, v) in items.iter().enumerate() {
        match v {
            Value::Unknown => unknown = true,
            Value::Null => return Ok(Value::Bool(false)),
            v => {
                if !to_bool(v).map_err(|e| FnError::arg(0, format!("element {i}: {e}")))? {
                    return Ok(Value::Bool(false));
                }
            }
        }
    }
    Ok(if unknown {
        Value::Unknown
    } else {
        Value::Bool(true)
    })
}

/// `anytrue(list)`: false for an empty list; null elements are ignored.
pub(super) fn anytrue(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let Some(items) = seq_arg_or_unknown(args)? else {
        return Ok(Value::Unknown);
    };
    let mut unknown = false;
    for (i, v) in items.iter().enumerate() {
        match v {
            Value::Unknown => unknown = true,
            Value::Null => {}
            v => {
                if to_bool(v).map_err(|e| FnError::arg(0, format!("element {i}: {e}")))? {
                    return Ok(Value::Bool(true));
                }
            }
        }
    }
    Ok(if unknown {
        Value::Unknown
    } else {
        Value::Bool(false)
    })
}

fn seq_arg_or_unknown(args: &[Value]) -> Result<Option<&[Value]>, FnError> {
    match non_null(args, 0)? {
        Value::Unknown => Ok(None),
        Value::List(items) | Value::Set(items) => Ok(Some(items)),
        other => Err(FnError::arg(
            0,
            format!("list of bool required, but have {}", other.type_name()),
        )),
    }
}

/// `chunklist(list, size)`: consecutive chunks of `size` elements; size 0 gives one chunk.
pub(super) fn chunklist(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    if !arg(args, 1).is_known() {
        return Ok(Value::Unknown);
    }
    let size = number_arg(args, 1)
        .and_then(|n| whole_i64(n).map_err(|m| FnError::arg(1, format!("invalid index: {m}"))))?;
    if size < 0 {
        return Err(FnError::arg(1, "the size argument must be positive"));
    }
    let items = match non_null(args, 0)? {
        Value::Unknown => return Ok(Value::Unknown),
        Value::List(items) | Value::Set(items) => items,
        other => {
            return Err(FnError::arg(
                0,
                format!("list required, but have {}", other.type_name()),
            ))
        }
    };
    if items.is_empty() {
        return Ok(Value::List(vec![]));
    }
    if size == 0 {
        return Ok(Value::List(vec![Value::List(items.to_vec())]));
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    Ok(Value::List(
        items
            .chunks(size)
            .map(|c| Value::List(c.to_vec()))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::eval::value::Value;

    fn b(v: bool) -> Value {
        Value::Bool(v)
    }

    #[test]
    fn concat_lists() {
        assert_eq!(
            ok("concat", vec![strs(&["a", ""]), strs(&["b", "c"])]),
            strs(&["a", "", "b", "c"])
        );
        assert_eq!(ok("concat", vec![]), list(vec![]));
        assert_eq!(
            ok("concat", vec![list(vec![Value::Unknown]), strs(&["b"])]),
            list(vec![Value::Unknown, s("b")])
        );
        assert_eq!(
            ok("concat", vec![strs(&["a"]), Value::Unknown]),
            Value::Unknown
        );
        assert_eq!(
            err("concat", vec![strs(&["a"]), s("b")]),
            "all arguments must be lists or tuples; got string"
        );
        assert_eq!(
            err("concat", vec![Value::Null]),
            "argument must not be null"
        );
    }

    #[test]
    fn flatten_nested() {
        let nested = list(vec![
            strs(&["a", "b"]),
            list(vec![]),
            list(vec![strs(&["c"]), s("d")]),
        ]);
        assert_eq!(ok("flatten", vec![nested]), strs(&["a", "b", "c", "d"]));
        assert_eq!(
            ok(
                "flatten",
                vec![list(vec![
                    Value::set(vec![s("x")]),
                    Value::map([("k", n(1.0))])
                ])]
            ),
            list(vec![s("x"), Value::map([("k", n(1.0))])])
        );
        assert_eq!(
            ok("flatten", vec![list(vec![strs(&["a"]), Value::Unknown])]),
            Value::Unknown
        );
        assert_eq!(ok("flatten", vec![Value::Unknown]), Value::Unknown);
        assert_eq!(
            err("flatten", vec![s("a")]),
            "can only flatten lists, sets and tuples"
        );
    }

    #[test]
    fn slice_bounds() {
        let l = strs(&["a", "b", "c", "d"]);
        assert_eq!(
            ok("slice", vec![l.clone(), n(1.0), n(3.0)]),
            strs(&["b", "c"])
        );
        assert_eq!(ok("slice", vec![l.clone(), n(4.0), n(4.0)]), strs(&[]));
        assert_eq!(
            ok(
                "slice",
                vec![list(vec![Value::Unknown, s("b")]), n(1.0), n(2.0)]
            ),
            strs(&["b"])
        );
        assert_eq!(
            ok("slice", vec![l.clone(), Value::Unknown, n(2.0)]),
            Value::Unknown
        );
        assert_eq!(
            ok("slice", vec![Value::Unknown, n(0.0), n(2.0)]),
            Value::Unknown
        );
        assert_eq!(
            err("slice", vec![l.clone(), n(-1.0), n(2.0)]),
            "start index must not be less than zero"
        );
        assert_eq!(
            err("slice", vec![l.clone(), n(0.0), n(5.0)]),
            "end index must not be greater than the length of the list"
        );
        assert_eq!(
            err("slice", vec![l.clone(), n(5.0), n(2.0)]),
            "start index must not be greater than the length of the list"
        );
        assert_eq!(
            err("slice", vec![l.clone(), n(3.0), n(2.0)]),
            "start index must not be greater than end index"
        );
        assert_eq!(
            err("slice", vec![l.clone(), n(0.5), n(2.0)]),
            "invalid start index: value must be a whole number"
        );
        assert!(err("slice", vec![Value::set(vec![s("a")]), n(0.0), n(1.0)])
            .starts_with("cannot slice a set"));
    }

    #[test]
    fn sort_and_reverse() {
        assert_eq!(
            ok("sort", vec![strs(&["e", "d", "a", "x"])]),
            strs(&["a", "d", "e", "x"])
        );
        assert_eq!(
            ok("sort", vec![list(vec![n(10.0), n(9.0)])]),
            strs(&["10", "9"])
        );
        assert_eq!(
            ok("sort", vec![list(vec![s("a"), Value::Unknown])]),
            Value::Unknown
        );
        assert_eq!(
            err("sort", vec![list(vec![s("a"), Value::Null])]),
            "given list element 1 is null; a null string cannot be sorted"
        );
        assert_eq!(
            ok("reverse", vec![list(vec![n(1.0), n(2.0), n(3.0)])]),
            list(vec![n(3.0), n(2.0), n(1.0)])
        );
        assert_eq!(
            ok("reverse", vec![list(vec![Value::Unknown, n(2.0)])]),
            list(vec![n(2.0), Value::Unknown])
        );
        assert_eq!(
            ok("reverse", vec![Value::set(vec![s("a"), s("b")])]),
            strs(&["b", "a"])
        );
        assert_eq!(
            err("reverse", vec![s("ab")]),
            "can only reverse list or tuple values, not string"
        );
    }

    #[test]
    fn alltrue_anytrue() {
        assert_eq!(ok("alltrue", vec![list(vec![b(true), s("true")])]), b(true));
        assert_eq!(ok("alltrue", vec![list(vec![])]), b(true));
        assert_eq!(ok("alltrue", vec![list(vec![b(true), b(false)])]), b(false));
        assert_eq!(
            ok("alltrue", vec![list(vec![b(true), Value::Null])]),
            b(false)
        );
        assert_eq!(
            ok("alltrue", vec![list(vec![Value::Unknown, b(false)])]),
            b(false)
        );
        assert_eq!(
            ok("alltrue", vec![list(vec![Value::Unknown, b(true)])]),
            Value::Unknown
        );
        assert_eq!(
            ok("anytrue", vec![list(vec![b(false), s("true")])]),
            b(true)
        );
        assert_eq!(ok("anytrue", vec![list(vec![])]), b(false));
        assert_eq!(
            ok("anytrue", vec![list(vec![Value::Null, b(false)])]),
            b(false)
        );
        assert_eq!(
            ok("anytrue", vec![list(vec![Value::Unknown, b(true)])]),
            b(true)
        );
        assert_eq!(
            ok("anytrue", vec![list(vec![Value::Unknown, b(false)])]),
            Value::Unknown
        );
        assert_eq!(ok("anytrue", vec![Value::Unknown]), Value::Unknown);
        assert!(err("alltrue", vec![list(vec![s("yes")])]).starts_with("element 0:"));
        assert!(err("anytrue", vec![s("true")]).starts_with("list of bool required"));
    }

    #[test]
    fn chunklist_sizes() {
        let l = strs(&["a", "b", "c", "d", "e"]);
        assert_eq!(
            ok("chunklist", vec![l.clone(), n(2.0)]),
            list(vec![strs(&["a", "b"]), strs(&["c", "d"]), strs(&["e"])])
        );
        assert_eq!(
            ok("chunklist", vec![l.clone(), n(1.0)])
                .as_list()
                .map(|l| l.len()),
            Some(5)
        );
        assert_eq!(
            ok("chunklist", vec![l.clone(), n(0.0)]),
            list(vec![l.clone()])
        );
        assert_eq!(
            ok("chunklist", vec![l.clone(), n(1e15)]),
            list(vec![l.clone()])
        );
        assert_eq!(ok("chunklist", vec![list(vec![]), n(2.0)]), list(vec![]));
        assert_eq!(
            ok("chunklist", vec![Value::Unknown, n(2.0)]),
            Value::Unknown
        );
        assert_eq!(
            err("chunklist", vec![l.clone(), n(-1.0)]),
            "the size argument must be positive"
        );
        assert_eq!(
            err("chunklist", vec![l, n(1.5)]),
            "invalid index: value must be a whole number"
        );
    }
}

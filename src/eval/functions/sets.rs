//! Set functions: `setunion`, `setintersection`, `setsubtract`, `setproduct`.
//! Lists and tuples are accepted and converted to sets; elements are first converted to a
//! common type (so `setunion(["a"], [1])` is `["1", "a"]`, as in Terraform).

use super::util::{non_null, unify, MAX_ELEMENTS};
use super::{FnCtx, FnError};
use crate::eval::value::Value;

/// The elements of every argument, unified to one type across all arguments.
fn set_args(args: &[Value]) -> Result<Vec<Vec<Value>>, FnError> {
    let mut all = Vec::new();
    let mut lens = Vec::with_capacity(args.len());
    for i in 0..args.len() {
        let items = non_null(args, i)?.as_list().ok_or_else(|| {
            FnError::arg(i, format!("set required, but have {}", args[i].type_name()))
        })?;
        lens.push(items.len());
        all.extend(items.iter().cloned());
    }
    unify(&mut all).map_err(|()| FnError::new("all elements must have the same type"))?;
    let mut it = all.into_iter();
    Ok(lens
        .into_iter()
        .map(|n| it.by_ref().take(n).collect())
        .collect())
}

pub(super) fn setunion(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::set(set_args(args)?.into_iter().flatten().collect()))
}

pub(super) fn setintersection(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let mut sets = set_args(args)?.into_iter();
    let first = sets.next().unwrap_or_default();
    let rest: Vec<Vec<Value>> = sets.collect();
    let out = first
        .into_iter()
        .filter(|v| rest.iter().all(|s| s.contains(v)))
        .collect();
    Ok(Value::set(out))
}

pub(super) fn setsubtract(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let mut sets = set_args(args)?.into_iter();
    let a = sets.next().unwrap_or_default();
    let b = sets.next().unwrap_or_default();
    Ok(Value::set(
        a.into_iter().filter(|v| !b.contains(v)).collect(),
    ))
}

/// `setproduct(sets...)`: every combination of one element from each argument. When all
/// arguments are lists the result is a list in order; otherwise a set.
pub(super) fn setproduct(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let mut inputs = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        let mut items = non_null(args, i)?
            .as_list()
            .ok_or_else(|| FnError::arg(i, "a set or a list is required"))?
            .to_vec();
        unify(&mut items).map_err(|()| FnError::arg(i, "all elements must be of the same type"))?;
        inputs.push((items, matches!(a, Value::List(_))));
    }
    let all_lists = inputs.iter().all(|(_, is_list)| *is_list);
    let mut total: usize = 1;
    for (items, _) in &inputs {
        total = total.saturating_mul(items.len());
    }
    if total > MAX_ELEMENTS {
        return Err(FnError::new(format!(
            "the product would have {total} elements, more than the limit of {MAX_ELEMENTS}"
        )));
    }
    let mut out: Vec<Value> = Vec::with_capacity(total);
    if total > 0 {
        let mut idx = vec![0usize; inputs.len()];
        'product: loop {
            out.push(Value::List(
                inputs
                    .iter()
                    .zip(&idx)
                    .map(|((items, _), &k)| items[k].clone())
                    .collect(),
            ));
            // Advance the odometer, last position fastest.
            let mut pos = inputs.len();
            loop {
                if pos == 0 {
                    break 'product;
                }
                pos -= 1;
                idx[pos] += 1;
                if idx[pos] < inputs[pos].0.len() {
                    break;
                }
                idx[pos] = 0;
            }
        }
    }
    Ok(if all_lists {
        Value::List(out)
    } else {
        Value::set(out)
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::eval::value::Value;

    fn set(items: &[&str]) -> Value {
        Value::set(items.iter().map(|i| s(i)).collect())
    }

    #[test]
    fn union_intersection_subtract() {
        assert_eq!(
            ok(
                "setunion",
                vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["d"])]
            ),
            set(&["a", "b", "c", "d"])
        );
        assert_eq!(
            ok("setunion", vec![strs(&["a"]), list(vec![n(1.0)])]),
            set(&["1", "a"])
        );
        assert_eq!(ok("setunion", vec![list(vec![])]), Value::Set(vec![]));
        assert_eq!(
            ok(
                "setintersection",
                vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["b", "d"])]
            ),
            set(&["b"])
        );
        assert_eq!(
            ok("setintersection", vec![strs(&["a"]), strs(&["b"])]),
            Value::Set(vec![])
        );
        assert_eq!(
            ok(
                "setsubtract",
                vec![strs(&["a", "b", "c"]), strs(&["a", "c"])]
            ),
            set(&["b"])
        );
        assert_eq!(ok("setsubtract", vec![set(&["a"]), set(&[])]), set(&["a"]));
        assert_eq!(
            ok("setunion", vec![list(vec![Value::Unknown]), strs(&["a"])]),
            Value::Unknown
        );
        assert_eq!(
            err("setunion", vec![s("a")]),
            "set required, but have string"
        );
        assert_eq!(
            err("setsubtract", vec![Value::Null, set(&[])]),
            "argument must not be null"
        );
        assert_eq!(
            err(
                "setunion",
                vec![list(vec![n(1.0)]), list(vec![Value::Bool(true)])]
            ),
            "all elements must have the same type"
        );
    }

    #[test]
    fn product() {
        assert_eq!(
            ok(
                "setproduct",
                vec![strs(&["development", "staging"]), strs(&["app1", "app2"])]
            ),
            list(vec![
                strs(&["development", "app1"]),
                strs(&["development", "app2"]),
                strs(&["staging", "app1"]),
                strs(&["staging", "app2"]),
            ])
        );
        assert_eq!(
            ok("setproduct", vec![set(&["b", "a"]), strs(&["x"])]),
            Value::Set(vec![strs(&["a", "x"]), strs(&["b", "x"])])
        );
        assert_eq!(
            ok("setproduct", vec![strs(&["a"]), list(vec![])]),
            list(vec![])
        );
        let big = list((0..1100).map(|i| n(i as f64)).collect());
        assert!(err("setproduct", vec![big.clone(), big]).contains("more than the limit"));
        assert_eq!(
            err("setproduct", vec![s("a"), strs(&["b"])]),
            "a set or a list is required"
        );
    }
}

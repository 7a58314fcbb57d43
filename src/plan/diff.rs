//! Pure attribute diffing: planned values from configuration and prior state, the attributes
//! that changed, and which of them force a replacement.

use crate::config::IgnoreChanges;
use crate::eval::{equal, Value};
use crate::schema::{BodySchema, Nesting, Presence, ResourceSchema};
use std::collections::BTreeMap;

/// The planned value of an update: configured values, with computed attributes the
/// configuration leaves unset carried over from `prior`. `set_at_top` tells whether a
/// top-level attribute is written in the configuration (an unknown value there is a real
/// unknown, not "unset").
pub fn merge_prior(
    config: &Value,
    prior: &Value,
    body: &BodySchema,
    set_at_top: &dyn Fn(&str) -> bool,
) -> Value {
    let (Some(c), Some(p)) = (config.as_map(), prior.as_map()) else {
        return config.clone();
    };
    let mut out = BTreeMap::new();
    for a in &body.attrs {
        let cv = c.get(a.name).cloned().unwrap_or(Value::Null);
        let keep_prior = matches!(a.presence, Presence::Computed | Presence::OptionalComputed)
            && !cv.is_known()
            && !set_at_top(a.name);
        let v = if keep_prior {
            p.get(a.name).cloned().unwrap_or(cv)
        } else {
            cv
        };
        out.insert(a.name.to_string(), v.mark_if(a.sensitive));
    }
    for b in &body.blocks {
        let cv = c.get(b.name).cloned().unwrap_or(Value::Null);
        let pv = p.get(b.name).cloned().unwrap_or(Value::Null);
        let never = |_: &str| false;
        if b.computed_when_absent && !set_at_top(b.name) {
            out.insert(b.name.to_string(), pv);
            continue;
        }
        let v = match (b.nesting, &cv, &pv) {
            (Nesting::Single, Value::Map(_), Value::Map(_)) => {
                merge_prior(&cv, &pv, &b.body, &never)
            }
            (Nesting::List, Value::List(ci), Value::List(pi)) => Value::List(
                ci.iter()
                    .enumerate()
                    .map(|(i, x)| {
                        pi.get(i)
                            .map_or_else(|| x.clone(), |y| merge_prior(x, y, &b.body, &never))
                    })
                    .collect(),
            ),
            (Nesting::Set, Value::Set(ci), Value::Set(pi)) => {
                // Pair each configured element with a prior element equal on configured values.
                let mut used = vec![false; pi.len()];
                let items = ci
                    .iter()
                    .map(|x| {
                        let found = pi
                            .iter()
                            .enumerate()
                            .find(|(j, y)| !used[*j] && same_configured(x, y, &b.body));
                        match found {
                            Some((j, y)) => {
                                used[j] = true;
                                merge_prior(x, y, &b.body, &never)
                            }
                            None => x.clone(),
                        }
                    })
                    .collect();
                Value::set(items)
            }
            _ => cv,
        };
        out.insert(b.name.to_string(), v);
    }
    // Attributes outside the schema (none expected) are kept from the configuration.
    for (k, v) in c {
        out.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Value::Map(out)
}

/// Gives a value read from state (plain JSON: lists and maps) the schema's types: sets
/// become sets, numbers stored as strings become numbers, and so on, so it compares equal to
/// a configuration value of the same content. Values that do not convert are kept as read.
pub fn conform(v: Value, body: &BodySchema) -> Value {
    let (v, sens) = v.unmark();
    let Value::Map(mut m) = v else {
        return v.mark_if(sens);
    };
    for a in &body.attrs {
        if let Some(x) = m.get_mut(a.name) {
            let v = std::mem::replace(x, Value::Null);
            *x = conform_ty(v, &a.ty);
        }
    }
    for b in &body.blocks {
        if let Some(x) = m.remove(b.name) {
            let items = |x: Value| -> Vec<Value> {
                match x {
                    Value::List(i) | Value::Set(i) => {
                        i.into_iter().map(|e| conform(e, &b.body)).collect()
                    }
                    Value::Map(_) => vec![conform(x, &b.body)],
                    _ => Vec::new(),
                }
            };
            let nv = match (b.nesting, x) {
                (_, Value::Null) => Value::Null,
                (Nesting::Single, x @ Value::Map(_)) => conform(x, &b.body),
                (Nesting::Single, x) => items(x).into_iter().next().unwrap_or(Value::Null),
                (Nesting::List, x) => Value::List(items(x)),
                (Nesting::Set, x) => Value::set(items(x)),
            };
            m.insert(b.name.to_string(), nv);
        }
    }
    Value::Map(m).mark_if(sens)
}

/// Puts the sensitive marks of `like` on the same places of `v` (values read from the cloud
/// carry no marks).
pub fn conform_marks(v: Value, like: &Value) -> Value {
    match (v, like) {
        (v, Value::Sensitive(inner)) => conform_marks(v.unmark().0, inner).sensitive(),
        (Value::Map(m), Value::Map(l)) => Value::Map(
            m.into_iter()
                .map(|(k, x)| {
                    let x = match l.get(&k) {
                        Some(lx) => conform_marks(x, lx),
                        None => x,
                    };
                    (k, x)
                })
                .collect(),
        ),
        (v, _) => v,
    }
}

/// Like [`Type::convert`] for values read from state, but never failing: what does not
/// fit is kept as it is. Only the conversions JSON loses are made (list to set, string to
/// number or bool).
fn conform_ty(v: Value, ty: &crate::eval::Type) -> Value {
    use crate::eval::Type;
    match (ty, v) {
        (_, Value::Sensitive(inner)) => conform_ty(*inner, ty).sensitive(),
        (Type::Set(t), Value::List(items) | Value::Set(items)) => {
            Value::set(items.into_iter().map(|x| conform_ty(x, t)).collect())
        }
        (Type::List(t), Value::List(items)) => {
            Value::List(items.into_iter().map(|x| conform_ty(x, t)).collect())
        }
        (Type::Map(t), Value::Map(m)) => {
            Value::Map(m.into_iter().map(|(k, x)| (k, conform_ty(x, t))).collect())
        }
        (Type::Object(attrs), Value::Map(mut m)) => {
            for a in attrs {
                if let Some(x) = m.get_mut(&a.name) {
                    let v = std::mem::replace(x, Value::Null);
                    *x = conform_ty(v, &a.ty);
                }
            }
            Value::Map(m)
        }
        (Type::Number | Type::Bool, v @ Value::String(_)) => ty.convert(v.clone()).unwrap_or(v),
        (_, v) => v,
    }
}

/// Whether two block objects agree on every value the configuration sets (known, non-null).
fn same_configured(config: &Value, prior: &Value, body: &BodySchema) -> bool {
    let (Some(c), Some(p)) = (config.as_map(), prior.as_map()) else {
        return false;
    };
    body.attrs.iter().all(|a| {
        let cv = c.get(a.name).unwrap_or(&Value::Null);
        if !cv.is_known() || (cv.is_null() && a.presence != Presence::Optional) {
            return true;
        }
        equal(cv, p.get(a.name).unwrap_or(&Value::Null))
    })
}

/// Applies `ignore_changes`: ignored paths take the prior value.
pub fn apply_ignore(planned: Value, prior: &Value, ignore: &IgnoreChanges) -> Value {
    match ignore {
        IgnoreChanges::None => planned,
        IgnoreChanges::All => {
            // Every configurable attribute keeps its prior value.
            match (planned, prior.as_map()) {
                (Value::Map(mut m), Some(p)) => {
                    for (k, v) in m.iter_mut() {
                        if let Some(pv) = p.get(k) {
                            *v = pv.clone();
                        }
                    }
                    Value::Map(m)
                }
                (v, _) => v,
            }
        }
        IgnoreChanges::Paths(paths) => {
            let mut v = planned;
            for (path, _) in paths {
                if let Some(pv) = get_path(prior, path) {
                    set_path(&mut v, path, pv.clone());
                }
            }
            v
        }
    }
}

fn get_path<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        cur = match cur.peel() {
            Value::Map(m) => m.get(p)?,
            Value::List(items) | Value::Set(items) => items.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn set_path(v: &mut Value, path: &[String], new: Value) {
    let Some((first, rest)) = path.split_first() else {
        *v = new;
        return;
    };
    match v {
        Value::Map(m) => {
            if rest.is_empty() {
                m.insert(first.clone(), new);
            } else if let Some(x) = m.get_mut(first) {
                set_path(x, rest, new);
            }
        }
        Value::List(items) => {
            if let Some(x) = first.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                set_path(x, rest, new);
            }
        }
        Value::Sensitive(inner) => set_path(inner, path, new),
        _ => {}
    }
}

/// Top-level attributes and blocks whose planned value differs from the prior value.
pub fn changed_attrs(prior: &Value, planned: &Value, schema: &ResourceSchema) -> Vec<String> {
    let (Some(p), Some(n)) = (prior.as_map(), planned.as_map()) else {
        return Vec::new();
    };
    let names = schema
        .body
        .attrs
        .iter()
        .map(|a| a.name)
        .chain(schema.body.blocks.iter().map(|b| b.name));
    names
        .filter(|name| {
            let a = p.get(*name).unwrap_or(&Value::Null);
            let b = n.get(*name).unwrap_or(&Value::Null);
            !values_equal(a, b)
        })
        .map(str::to_string)
        .collect()
}

/// Equality that treats an unknown as different from anything and an empty collection as
/// equal to null (the cloud reports empty lists where configuration wrote nothing).
pub fn values_equal(a: &Value, b: &Value) -> bool {
    if !a.is_wholly_known() || !b.is_wholly_known() {
        return false;
    }
    // As in the provider SDK, an unset attribute and its zero value are the same: the cloud
    // reports `false`, `0`, `""` or an empty collection where the configuration wrote nothing.
    let zero = |v: &Value| match v.peel() {
        Value::Null => true,
        Value::List(x) | Value::Set(x) => x.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => *n == 0.0,
        Value::String(s) => s.is_empty(),
        _ => false,
    };
    let collection = |v: &Value| matches!(v.peel(), Value::List(_) | Value::Set(_) | Value::Map(_));
    if zero(a) && zero(b) && (a.is_null() || b.is_null() || (collection(a) && collection(b))) {
        return true;
    }
    equal(a, b)
}

/// Changed attributes that force replacement. For nested blocks, a change forces
/// replacement when the block or any of its changed nested attributes is force-new.
pub fn forcing(
    changed: &[String],
    prior: &Value,
    planned: &Value,
    schema: &ResourceSchema,
) -> Vec<String> {
    let mut out = Vec::new();
    for name in changed {
        if schema.requires_replace(&[name]) {
            out.push(name.clone());
            continue;
        }
        if let Some(b) = schema.body.block(name) {
            let p = prior.get_attr(name).cloned().unwrap_or(Value::Null);
            let n = planned.get_attr(name).cloned().unwrap_or(Value::Null);
            let nested: Vec<&str> = b
                .body
                .attrs
                .iter()
                .filter(|a| a.force_new)
                .map(|a| a.name)
                .collect();
            let elems = |v: &Value| -> Vec<Value> {
                match v.peel() {
                    Value::List(x) | Value::Set(x) => x.clone(),
                    Value::Map(_) => vec![v.clone()],
                    _ => Vec::new(),
                }
            };
            let (pe, ne) = (elems(&p), elems(&n));
            let differs = |attr: &str| {
                pe.len() != ne.len()
                    || pe.iter().zip(&ne).any(|(x, y)| {
                        !values_equal(
                            x.get_attr(attr).unwrap_or(&Value::Null),
                            y.get_attr(attr).unwrap_or(&Value::Null),
                        )
                    })
            };
            if nested.iter().any(|a| differs(a)) {
                out.push(name.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_computed_and_detects_changes() {
        let schema = crate::schema::resource("aws_vpc").unwrap();
        let config = Value::map([
            ("cidr_block", Value::from("10.1.0.0/16")),
            ("id", Value::Unknown),
            ("arn", Value::Unknown),
        ]);
        let prior = Value::map([
            ("cidr_block", Value::from("10.0.0.0/16")),
            ("id", Value::from("vpc-1")),
            ("arn", Value::from("arn:x")),
        ]);
        let planned = merge_prior(&config, &prior, &schema.body, &|n| n == "cidr_block");
        assert_eq!(planned.get_attr("id"), Some(&Value::from("vpc-1")));
        let changed = changed_attrs(&prior, &planned, schema);
        assert_eq!(changed, ["cidr_block"]);
        assert_eq!(forcing(&changed, &prior, &planned, schema), ["cidr_block"]);
    }

    #[test]
    fn ignore_changes_keeps_prior() {
        let planned = Value::map([
            ("tags", Value::map([("a", Value::from("new"))])),
            ("ami", Value::from("x")),
        ]);
        let prior = Value::map([
            ("tags", Value::map([("a", Value::from("old"))])),
            ("ami", Value::from("y")),
        ]);
        let ig = IgnoreChanges::Paths(vec![(
            vec!["tags".into(), "a".into()],
            crate::diag::SrcSpan::new(crate::diag::FileId(0), 0..0),
        )]);
        let v = apply_ignore(planned, &prior, &ig);
        assert_eq!(
            v.get_attr("tags").unwrap().get_attr("a"),
            Some(&Value::from("old"))
        );
        assert_eq!(v.get_attr("ami"), Some(&Value::from("x")));
    }
}

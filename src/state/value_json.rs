//! Values in state: JSON attributes plus the paths of sensitive values.

use crate::eval::Value;

/// Splits a value into JSON (marks removed) and the paths of its sensitive parts.
/// Unknown values become `null`; state never holds unknowns after apply.
pub fn value_to_state_json(v: &Value) -> (serde_json::Value, Vec<Vec<String>>) {
    let mut paths = Vec::new();
    collect_paths(v, &mut Vec::new(), &mut paths);
    (v.to_json(), paths)
}

fn collect_paths(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Sensitive(_) => out.push(at.clone()),
        Value::List(items) | Value::Set(items) => {
            for (i, x) in items.iter().enumerate() {
                at.push(i.to_string());
                collect_paths(x, at, out);
                at.pop();
            }
        }
        Value::Map(m) => {
            for (k, x) in m {
                at.push(k.clone());
                collect_paths(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

/// Marks the values at `paths` sensitive.
pub fn paths_to_value_marks(mut v: Value, paths: &[Vec<String>]) -> Value {
    for p in paths {
        mark(&mut v, p);
    }
    v
}

fn mark(v: &mut Value, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        let inner = std::mem::replace(v, Value::Null);
        *v = inner.sensitive();
        return;
    };
    match v {
        Value::Map(m) => {
            if let Some(x) = m.get_mut(first) {
                mark(x, rest);
            }
        }
        Value::List(items) | Value::Set(items) => {
            if let Some(x) = first.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                mark(x, rest);
            }
        }
        Value::Sensitive(inner) => mark(inner, path),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_marks() {
        let v = Value::map([
            ("password", Value::from("pw").sensitive()),
            ("tags", Value::map([("a", Value::from("x"))])),
            (
                "list",
                Value::List(vec![Value::from("a"), Value::from("b").sensitive()]),
            ),
        ]);
        let (j, paths) = value_to_state_json(&v);
        assert_eq!(
            paths,
            vec![
                vec!["list".to_string(), "1".to_string()],
                vec!["password".to_string()]
            ]
        );
        assert_eq!(j["password"], "pw");
        let back = paths_to_value_marks(Value::from_json(&j), &paths);
        assert_eq!(back, v);
    }
}

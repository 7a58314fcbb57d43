//! The dynamic value type of the configuration language.
//!
//! Invariants:
//! - `Set` elements are sorted by [`Value::cmp_total`] and contain no duplicates.
//! - `Unknown` stands for a value that is only known after apply; it may appear at any depth.
//! - `Sensitive` marks the wrapped value (and everything inside it) as sensitive; operations
//!   on a sensitive operand produce a sensitive result. It never wraps another `Sensitive`.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

/// A configuration value, possibly unknown or marked sensitive.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    /// A list or tuple.
    List(Vec<Value>),
    /// A set: sorted, no duplicates.
    Set(Vec<Value>),
    /// A map or object, keys sorted.
    Map(BTreeMap<String, Value>),
    /// Known only after apply.
    Unknown,
    /// A value that must be masked in output.
    Sensitive(Box<Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// Builds a set: sorts and removes duplicates.
    pub fn set(mut items: Vec<Value>) -> Value {
        items.sort_by(Value::cmp_total);
        items.dedup();
        Value::Set(items)
    }

    pub fn map<K: Into<String>>(items: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(items.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Wraps in a sensitive mark (idempotent).
    pub fn sensitive(self) -> Value {
        match self {
            Value::Sensitive(_) => self,
            v => Value::Sensitive(Box::new(v)),
        }
    }

    /// Marks sensitive when `cond` holds.
    pub fn mark_if(self, cond: bool) -> Value {
        if cond {
            self.sensitive()
        } else {
            self
        }
    }

    /// Removes the top-level sensitive mark, returning whether there was one.
    pub fn unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(v) => (*v, true),
            v => (v, false),
        }
    }

    /// Reference to the value under a top-level sensitive mark.
    pub fn peel(&self) -> &Value {
        match self {
            Value::Sensitive(v) => v,
            v => v,
        }
    }

    /// Removes every sensitive mark at any depth, returning whether any was found.
    pub fn unmark_deep(self) -> (Value, bool) {
        match self {
            Value::Sensitive(v) => (v.unmark_deep().0, true),
            Value::List(items) => {
                let mut any = false;
                let items = items
                    .into_iter()
                    .map(|v| {
                        let (v, s) = v.unmark_deep();
                        any |= s;
                        v
                    })
                    .collect();
                (Value::List(items), any)
            }
            Value::Set(items) => {
                let mut any = false;
                let items = items
                    .into_iter()
                    .map(|v| {
                        let (v, s) = v.unmark_deep();
                        any |= s;
                        v
                    })
                    .collect();
                (Value::set(items), any)
            }
            Value::Map(m) => {
                let mut any = false;
                let m = m
                    .into_iter()
                    .map(|(k, v)| {
                        let (v, s) = v.unmark_deep();
                        any |= s;
                        (k, v)
                    })
                    .collect();
                (Value::Map(m), any)
            }
            v => (v, false),
        }
    }

    pub fn is_sensitive(&self) -> bool {
        matches!(self, Value::Sensitive(_))
    }

    /// True when a sensitive mark appears anywhere inside.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(v) | Value::Set(v) => v.iter().any(Value::contains_sensitive),
            Value::Map(m) => m.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// True when the value itself (under marks) is not `Unknown`.
    pub fn is_known(&self) -> bool {
        !matches!(self.peel(), Value::Unknown)
    }

    /// True when no `Unknown` appears at any depth.
    pub fn is_wholly_known(&self) -> bool {
        match self.peel() {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) => v.iter().all(Value::is_wholly_known),
            Value::Map(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.peel(), Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.peel() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.peel() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.peel() {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self.peel() {
            Value::List(v) | Value::Set(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self.peel() {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Gets an attribute of a map/object value.
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(name))
    }

    /// A short name of the value's type for error messages (`string`, `list`, `object`, ...).
    pub fn type_name(&self) -> &'static str {
        match self.peel() {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "tuple",
            Value::Set(_) => "set",
            Value::Map(_) => "object",
            Value::Unknown => "unknown",
            Value::Sensitive(_) => "sensitive",
        }
    }

    /// A total order used for sets and sorting: null < bool < number < string < collections.
    pub fn cmp_total(a: &Value, b: &Value) -> Ordering {
        fn rank(v: &Value) -> u8 {
            match v {
                Value::Null => 0,
                Value::Bool(_) => 1,
                Value::Number(_) => 2,
                Value::String(_) => 3,
                Value::List(_) => 4,
                Value::Set(_) => 5,
                Value::Map(_) => 6,
                Value::Unknown => 7,
                Value::Sensitive(_) => 8,
            }
        }
        match (a, b) {
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
            (Value::String(x), Value::String(y)) => x.cmp(y),
            (Value::List(x), Value::List(y)) | (Value::Set(x), Value::Set(y)) => {
                for (p, q) in x.iter().zip(y) {
                    let o = Value::cmp_total(p, q);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                x.len().cmp(&y.len())
            }
            (Value::Map(x), Value::Map(y)) => {
                for ((kp, p), (kq, q)) in x.iter().zip(y) {
                    let o = kp.cmp(kq).then_with(|| Value::cmp_total(p, q));
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                x.len().cmp(&y.len())
            }
            (Value::Sensitive(x), Value::Sensitive(y)) => Value::cmp_total(x, y),
            _ => rank(a).cmp(&rank(b)),
        }
    }

    /// Converts to JSON; unknowns become `null`, sensitive marks are dropped.
    /// Callers that must not reveal sensitive values check [`Value::contains_sensitive`] first.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(v) | Value::Set(v) => {
                serde_json::Value::Array(v.iter().map(Value::to_json).collect())
            }
            Value::Map(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Sensitive(v) => v.to_json(),
        }
    }

    /// Converts from JSON: arrays become lists, objects maps.
    pub fn from_json(j: &serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

/// Formats a number the way Terraform does: integers without a fraction.
pub fn format_number(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e17 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn number_to_json(n: f64) -> serde_json::Value {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

impl fmt::Display for Value {
    /// HCL-like rendering; sensitive values are masked, unknowns shown as `(known after apply)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{}", format_number(*n)),
            Value::String(s) => write!(f, "{}", serde_json::Value::String(s.clone())),
            Value::List(v) | Value::Set(v) => {
                write!(f, "[")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{x}")?;
                }
                write!(f, "]")
            }
            Value::Map(m) => {
                write!(f, "{{")?;
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k} = {x}")?;
                }
                write!(f, "}}")
            }
            Value::Unknown => write!(f, "(known after apply)"),
            Value::Sensitive(_) => write!(f, "(sensitive value)"),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_is_sorted_and_unique() {
        let s = Value::set(vec!["b".into(), "a".into(), "b".into()]);
        assert_eq!(s, Value::Set(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn marks() {
        let v = Value::List(vec![Value::from("x").sensitive(), Value::Unknown]);
        assert!(v.contains_sensitive());
        assert!(!v.is_wholly_known());
        assert!(v.is_known());
        let (u, any) = v.unmark_deep();
        assert!(any);
        assert!(!u.contains_sensitive());
        assert_eq!(
            format!("{}", Value::from("s").sensitive()),
            "(sensitive value)"
        );
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(1.5), "1.5");
    }
}

//! Serialisation of planned values for saved plan files. Unknowns and sets keep their
//! meaning; sensitive values are replaced by a marker and never written in clear.
//!
//! Format: JSON, with `{"$unknown": true}`, `{"$sensitive": true}` and `{"$set": [...]}`
//! standing for unknown values, masked sensitive values and sets.

use crate::eval::Value;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Unknown => serde_json::json!({"$unknown": true}),
        Value::Sensitive(_) => serde_json::json!({"$sensitive": true}),
        Value::Set(items) => {
            serde_json::json!({"$set": items.iter().map(to_json).collect::<Vec<_>>()})
        }
        Value::List(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(m) => {
            serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
        other => other.to_json(),
    }
}

pub fn from_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Object(o)
            if o.len() == 1 && o.get("$unknown") == Some(&serde_json::Value::Bool(true)) =>
        {
            Value::Unknown
        }
        serde_json::Value::Object(o)
            if o.len() == 1 && o.get("$sensitive") == Some(&serde_json::Value::Bool(true)) =>
        {
            Value::Null.sensitive()
        }
        serde_json::Value::Object(o)
            if o.len() == 1 && o.get("$set").is_some_and(serde_json::Value::is_array) =>
        {
            Value::set(
                o["$set"]
                    .as_array()
                    .map(|a| a.iter().map(from_json).collect())
                    .unwrap_or_default(),
            )
        }
        serde_json::Value::Array(a) => Value::List(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            Value::Map(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
        other => Value::from_json(other),
    }
}

/// `#[serde(with = "value_serde::opt")]` for `Option<Value>` fields.
pub mod opt {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<Value>, s: S) -> Result<S::Ok, S::Error> {
        v.as_ref().map(to_json).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        let j = Option::<serde_json::Value>::deserialize(d)?;
        Ok(j.as_ref().map(from_json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_sensitive_and_keeps_unknown() {
        let v = Value::map([
            ("pw", Value::from("secret").sensitive()),
            ("id", Value::Unknown),
            ("s", Value::set(vec!["a".into()])),
        ]);
        let j = to_json(&v);
        assert!(!j.to_string().contains("secret"));
        let back = from_json(&j);
        assert_eq!(back.get_attr("id"), Some(&Value::Unknown));
        assert!(back.get_attr("pw").unwrap().is_sensitive());
        assert_eq!(back.get_attr("s"), Some(&Value::Set(vec!["a".into()])));
    }
}

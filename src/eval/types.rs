//! Type constraints (`string`, `list(object({...}))`, ...) and conversion of values to them,
//! following Terraform's conversion rules (string <-> number/bool, tuple -> list/set,
//! object -> map, optional object attributes with defaults).

use super::value::{format_number, Value};
use std::collections::BTreeMap;
use std::fmt;

/// A type constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Any,
    Bool,
    Number,
    String,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(Vec<ObjectAttr>),
}

/// One attribute of an object type constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectAttr {
    pub name: String,
    pub ty: Type,
    /// Declared with `optional(...)`: may be absent, then takes `default` (or null).
    pub optional: bool,
    pub default: Option<Value>,
}

/// Why a value does not conform to a type. `path` is like `[0].name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }
    /// An object type with all attributes required.
    pub fn object(attrs: &[(&str, Type)]) -> Type {
        Type::Object(
            attrs
                .iter()
                .map(|(n, t)| ObjectAttr {
                    name: (*n).to_string(),
                    ty: t.clone(),
                    optional: false,
                    default: None,
                })
                .collect(),
        )
    }

    /// Converts `value` to this type. Unknowns and nulls pass through (nullability is checked
    /// by the caller); sensitive marks are kept.
    pub fn convert(&self, value: Value) -> Result<Value, ConvertError> {
        convert_at(self, value, &mut String::new())
    }
}

fn err(path: &str, message: impl Into<String>) -> ConvertError {
    ConvertError {
        path: path.to_string(),
        message: message.into(),
    }
}

fn convert_at(ty: &Type, value: Value, path: &mut String) -> Result<Value, ConvertError> {
    if let Value::Sensitive(inner) = value {
        return convert_at(ty, *inner, path).map(Value::sensitive);
    }
    if matches!(value, Value::Null | Value::Unknown) || *ty == Type::Any {
        return Ok(value);
    }
    match ty {
        Type::Any => Ok(value),
        Type::String => match value {
            Value::String(_) => Ok(value),
            Value::Number(n) => Ok(Value::String(format_number(n))),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            v => Err(err(
                path,
                format!("string required, but have {}", v.type_name()),
            )),
        },
        Type::Number => match value {
            Value::Number(_) => Ok(value),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && !s.trim().is_empty())
                .map(Value::Number)
                .ok_or_else(|| err(path, format!("a number is required, but have string {s:?}"))),
            v => Err(err(
                path,
                format!("number required, but have {}", v.type_name()),
            )),
        },
        Type::Bool => match value {
            Value::Bool(_) => Ok(value),
            Value::String(s) if s == "true" => Ok(Value::Bool(true)),
            Value::String(s) if s == "false" => Ok(Value::Bool(false)),
            Value::String(s) => Err(err(
                path,
                format!("a bool is required, but have string {s:?}"),
            )),
            v => Err(err(
                path,
                format!("bool required, but have {}", v.type_name()),
            )),
        },
        Type::List(elem) | Type::Set(elem) => {
            let items = match value {
                Value::List(v) | Value::Set(v) => v,
                v => {
                    let kind = if matches!(ty, Type::List(_)) {
                        "list"
                    } else {
                        "set"
                    };
                    return Err(err(
                        path,
                        format!("{kind} of {} required, but have {}", elem, v.type_name()),
                    ));
                }
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                out.push(convert_at(elem, item, path)?);
                path.truncate(len);
            }
            if matches!(ty, Type::Set(_)) {
                Ok(Value::set(out))
            } else {
                Ok(Value::List(out))
            }
        }
        Type::Map(elem) => {
            let m = match value {
                Value::Map(m) => m,
                v => {
                    return Err(err(
                        path,
                        format!("map of {elem} required, but have {}", v.type_name()),
                    ))
                }
            };
            let mut out = BTreeMap::new();
            for (k, v) in m {
                let len = path.len();
                path.push_str(&format!("[{k:?}]"));
                out.insert(k, convert_at(elem, v, path)?);
                path.truncate(len);
            }
            Ok(Value::Map(out))
        }
        Type::Tuple(elems) => {
            let items = match value {
                Value::List(v) | Value::Set(v) => v,
                v => {
                    return Err(err(
                        path,
                        format!("tuple required, but have {}", v.type_name()),
                    ))
                }
            };
            if items.len() != elems.len() {
                return Err(err(
                    path,
                    format!(
                        "tuple required with {} elements, but have {}",
                        elems.len(),
                        items.len()
                    ),
                ));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, t)) in items.into_iter().zip(elems).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                out.push(convert_at(t, item, path)?);
                path.truncate(len);
            }
            Ok(Value::List(out))
        }
        Type::Object(attrs) => {
            let mut m = match value {
                Value::Map(m) => m,
                v => {
                    return Err(err(
                        path,
                        format!("object required, but have {}", v.type_name()),
                    ))
                }
            };
            let mut out = BTreeMap::new();
            for a in attrs {
                let len = path.len();
                path.push('.');
                path.push_str(&a.name);
                let v = match m.remove(&a.name) {
                    Some(Value::Null) if a.optional => a.default.clone().unwrap_or(Value::Null),
                    Some(v) => convert_at(&a.ty, v, path)?,
                    None if a.optional => match &a.default {
                        Some(d) => convert_at(&a.ty, d.clone(), path)?,
                        None => Value::Null,
                    },
                    None => {
                        path.truncate(len);
                        return Err(err(path, format!("attribute {:?} is required", a.name)));
                    }
                };
                path.truncate(len);
                out.insert(a.name.clone(), v);
            }
            Ok(Value::Map(out))
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => write!(f, "any"),
            Type::Bool => write!(f, "bool"),
            Type::Number => write!(f, "number"),
            Type::String => write!(f, "string"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                write!(f, "tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{t}")?;
                }
                write!(f, "])")
            }
            Type::Object(attrs) => {
                write!(f, "object({{")?;
                for (i, a) in attrs.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    if a.optional {
                        write!(f, "{} = optional({})", a.name, a.ty)?;
                    } else {
                        write!(f, "{} = {}", a.name, a.ty)?;
                    }
                }
                write!(f, "}})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitive_conversions() {
        assert_eq!(Type::String.convert(Value::Number(5.0)), Ok("5".into()));
        assert_eq!(Type::Number.convert("42".into()), Ok(Value::Number(42.0)));
        assert_eq!(Type::Bool.convert("true".into()), Ok(Value::Bool(true)));
        assert!(Type::Number.convert("x".into()).is_err());
        assert_eq!(Type::String.convert(Value::Unknown), Ok(Value::Unknown));
    }

    #[test]
    fn object_optional_defaults_and_paths() {
        let ty = Type::list(Type::Object(vec![
            ObjectAttr {
                name: "name".into(),
                ty: Type::String,
                optional: false,
                default: None,
            },
            ObjectAttr {
                name: "port".into(),
                ty: Type::Number,
                optional: true,
                default: Some(Value::Number(80.0)),
            },
        ]));
        let v = Value::List(vec![Value::map([("name", Value::from("a"))])]);
        let out = ty.convert(v).unwrap();
        assert_eq!(
            out.as_list().unwrap()[0].get_attr("port"),
            Some(&Value::Number(80.0))
        );
        let bad = Value::List(vec![Value::map([
            ("name", Value::from("a")),
            ("port", Value::from("x")),
        ])]);
        let e = ty.convert(bad).unwrap_err();
        assert_eq!(e.path, "[0].port");
        let missing = Value::List(vec![Value::map([("port", Value::Number(1.0))])]);
        assert_eq!(
            ty.convert(missing).unwrap_err().message,
            "attribute \"name\" is required"
        );
    }

    #[test]
    fn set_conversion_dedups_and_keeps_marks() {
        let v = Value::List(vec!["b".into(), "a".into(), "a".into()]).sensitive();
        let out = Type::set(Type::String).convert(v).unwrap();
        assert_eq!(out, Value::Set(vec!["a".into(), "b".into()]).sensitive());
    }
}

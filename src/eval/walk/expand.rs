//! `count` and `for_each`: how many instances a resource or module call has.

use super::scope::InstanceScope;
use super::{EvalMode, Evaluation, Slot};
use crate::addr::{InstanceKey, ModulePath};
use crate::config::Expr;
use crate::diag::Diagnostic;
use crate::eval::value::Value;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The instances of a resource or module call.
#[derive(Debug, Clone, PartialEq)]
pub enum Expansion {
    /// Neither `count` nor `for_each`.
    Single,
    /// `count = N`.
    Count(usize),
    /// `for_each`: key to `each.value`.
    ForEach(BTreeMap<String, Value>),
    /// `count`/`for_each` not known yet (validate mode only).
    Unknown,
}

/// One instance of an expansion: its key, `count.index`, and `(each.key, each.value)`.
pub type InstanceContext = (InstanceKey, Option<Value>, Option<(Value, Value)>);

/// Upper bound on instances of one resource, to fail clearly instead of exhausting memory.
pub const MAX_INSTANCES: usize = 100_000;

impl Expansion {
    /// (key, count.index, (each.key, each.value)) of every instance.
    pub fn instances(&self) -> Vec<InstanceContext> {
        match self {
            Expansion::Single => vec![(InstanceKey::None, None, None)],
            Expansion::Count(n) => (0..*n)
                .map(|i| {
                    (
                        InstanceKey::Int(i as i64),
                        Some(Value::Number(i as f64)),
                        None,
                    )
                })
                .collect(),
            Expansion::ForEach(m) => m
                .iter()
                .map(|(k, v)| {
                    (
                        InstanceKey::Str(k.clone()),
                        None,
                        Some((Value::String(k.clone()), v.clone())),
                    )
                })
                .collect(),
            Expansion::Unknown => Vec::new(),
        }
    }

    /// The value a reference to the whole resource or module sees: the object itself, a
    /// list (count), a map (for_each), or unknown.
    pub fn aggregate(&self, mut instance: impl FnMut(InstanceKey) -> Value) -> Value {
        match self {
            Expansion::Single => instance(InstanceKey::None),
            Expansion::Count(n) => Value::List(
                (0..*n)
                    .map(|i| instance(InstanceKey::Int(i as i64)))
                    .collect(),
            ),
            Expansion::ForEach(m) => Value::Map(
                m.keys()
                    .map(|k| (k.clone(), instance(InstanceKey::Str(k.clone()))))
                    .collect(),
            ),
            Expansion::Unknown => Value::Unknown,
        }
    }
}

impl Evaluation<'_> {
    /// Evaluates `count` / `for_each` in `scope`. Errors are pushed; the result then is
    /// `Unknown` so evaluation can continue.
    pub(super) fn expansion(
        &self,
        scope: &InstanceScope<'_, '_>,
        count: Option<&Expr>,
        for_each: Option<&Expr>,
    ) -> Expansion {
        let r = match (count, for_each) {
            (Some(c), _) => self.count(scope, c),
            (None, Some(f)) => self.for_each(scope, f),
            (None, None) => Ok(Expansion::Single),
        };
        r.unwrap_or_else(|d| {
            self.push(d);
            Expansion::Unknown
        })
    }

    fn count(&self, scope: &InstanceScope<'_, '_>, e: &Expr) -> Result<Expansion, Diagnostic> {
        let v = scope.eval(e)?;
        let invalid = |detail: String| {
            Diagnostic::error("Invalid count argument")
                .detail(detail)
                .at(&e.span())
        };
        if v.contains_sensitive() {
            return Err(invalid("Sensitive values, or values derived from sensitive values, cannot be used as count arguments.".into()));
        }
        match crate::eval::Type::Number.convert(v) {
            Ok(Value::Unknown) => match self.opts.mode {
                EvalMode::Validate => Ok(Expansion::Unknown),
                EvalMode::Plan => Err(invalid("The \"count\" value depends on resource attributes that cannot be determined until apply, so Terrace cannot predict how many instances will be created.".into())
                    .hint("use -target to first apply only the resources that the count depends on")),
            },
            Ok(Value::Null) => Err(invalid("The given \"count\" argument value is null. An integer is required.".into())),
            Ok(Value::Number(n)) => {
                if n.fract() != 0.0 {
                    Err(invalid(format!("The given \"count\" argument value is unsuitable: {n} is not a whole number.")))
                } else if n < 0.0 {
                    Err(invalid("The given \"count\" argument value is unsuitable: must be greater than or equal to zero.".into()))
                } else if n > MAX_INSTANCES as f64 {
                    Err(invalid(format!("count = {n} is more than the {MAX_INSTANCES} instances Terrace allows per resource.")))
                } else {
                    Ok(Expansion::Count(n as usize))
                }
            }
            _ => Err(invalid("The given \"count\" argument value is unsuitable: a number is required.".into())),
        }
    }

    fn for_each(&self, scope: &InstanceScope<'_, '_>, e: &Expr) -> Result<Expansion, Diagnostic> {
        let v = scope.eval(e)?;
        let invalid = |detail: String| {
            Diagnostic::error("Invalid for_each argument")
                .detail(detail)
                .at(&e.span())
        };
        if v.is_sensitive()
            || matches!(&v, Value::Set(items) if items.iter().any(Value::contains_sensitive))
        {
            return Err(invalid("Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as a resource instance key.".into()));
        }
        let unknown = || {
            match self.opts.mode {
            EvalMode::Validate => Ok(Expansion::Unknown),
            EvalMode::Plan => Err(invalid("The \"for_each\" value depends on resource attributes that cannot be determined until apply, so Terrace cannot determine the full set of keys that will identify the instances of this resource.".into())
                .hint("use a map whose keys are known in configuration, or -target to first apply the resources it depends on")),
        }
        };
        match v {
            Value::Unknown => unknown(),
            Value::Null => Err(invalid("The given \"for_each\" argument value is unsuitable: the given \"for_each\" argument value is null. A map, or set of strings is allowed.".into())),
            Value::Map(m) => {
                if m.len() > MAX_INSTANCES {
                    return Err(invalid(format!("for_each has {} elements, more than the {MAX_INSTANCES} instances Terrace allows per resource.", m.len())));
                }
                Ok(Expansion::ForEach(m))
            }
            Value::Set(items) => {
                let mut m = BTreeMap::new();
                for it in items {
                    match it {
                        Value::String(s) => {
                            m.insert(s.clone(), Value::String(s));
                        }
                        Value::Unknown => return unknown(),
                        Value::Null => return Err(invalid("The given \"for_each\" argument value is unsuitable: \"for_each\" sets must not contain null values.".into())),
                        other => return Err(invalid(format!("The given \"for_each\" argument value is unsuitable: \"for_each\" supports maps and sets of strings, but you have provided a set containing type {}.", other.type_name()))),
                    }
                }
                Ok(Expansion::ForEach(m))
            }
            Value::List(_) => Err(invalid("The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type tuple.".into())
                .hint("convert the list with toset(...), or build a map with a for expression")),
            other => Err(invalid(format!("The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.", other.type_name()))),
        }
    }

    /// The instances of module call `name` in module instance `module`.
    pub(super) fn call_expansion(&self, module: &ModulePath, name: &str) -> Rc<Expansion> {
        let key = (module.clone(), name.to_string());
        match self.memo.borrow().calls.get(&key) {
            Some(Slot::Done(e)) => return e.clone(),
            Some(Slot::InProgress) => return Rc::new(Expansion::Unknown),
            None => {}
        }
        self.memo
            .borrow_mut()
            .calls
            .insert(key.clone(), Slot::InProgress);
        let call = &self.tree(module).module.module_calls[name];
        let scope = InstanceScope::new(self, module);
        let e = Rc::new(self.expansion(&scope, call.count.as_ref(), call.for_each.as_ref()));
        self.memo
            .borrow_mut()
            .calls
            .insert(key, Slot::Done(e.clone()));
        e
    }
}

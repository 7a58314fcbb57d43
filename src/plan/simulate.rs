//! Recording a plan in a state without touching any cloud, with deterministic fake values
//! for everything the cloud computes. For benchmarks (`examples/fake_apply.rs`) and tests of
//! later plans; apply never uses it.

use super::{Action, Plan};
use crate::addr::Mode;
use crate::eval::Value;
use crate::state::{value_to_state_json, OutputState, ResourceState, State};

/// `v` with every unknown replaced by `"fake-<path>"`.
pub fn fill_unknowns(v: &Value, path: &str) -> Value {
    match v {
        Value::Unknown => Value::from(format!("fake-{path}")),
        Value::Sensitive(inner) => fill_unknowns(inner, path).sensitive(),
        Value::List(items) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| fill_unknowns(x, &format!("{path}.{i}")))
                .collect(),
        ),
        Value::Set(items) => Value::set(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| fill_unknowns(x, &format!("{path}.{i}")))
                .collect(),
        ),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, x)| (k.clone(), fill_unknowns(x, &format!("{path}.{k}"))))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Applies `plan` to `state` as if every change succeeded, and bumps the serial.
pub fn record_plan(plan: &Plan, state: &mut State) {
    for c in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        match (&c.after, c.action) {
            (Some(after), a) if a != Action::Delete => {
                let v = fill_unknowns(after, &c.addr.to_string());
                let (attributes, sensitive_attributes) = value_to_state_json(&v);
                state.upsert(ResourceState {
                    address: c.addr.clone(),
                    mode: if c.addr.resource.mode == Mode::Data {
                        "data".into()
                    } else {
                        "managed".into()
                    },
                    type_name: c.addr.resource.type_name.clone(),
                    provider_id: v.get_attr("id").and_then(Value::as_str).map(str::to_string),
                    attributes,
                    sensitive_attributes,
                    dependencies: Vec::new(),
                    create_before_destroy: c.create_before_destroy,
                    tainted: false,
                });
            }
            _ => {
                state.remove(&c.addr);
            }
        }
    }
    for o in &plan.outputs {
        match &o.after {
            Some(v) => {
                let value = fill_unknowns(v, &o.name).unmark_deep().0.to_json();
                state.outputs.insert(
                    o.name.clone(),
                    OutputState {
                        value,
                        sensitive: o.sensitive,
                    },
                );
            }
            None => {
                state.outputs.remove(&o.name);
            }
        }
    }
    state.serial += 1;
}

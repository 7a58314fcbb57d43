//! Benchmark tooling: writes `DIR/state/default.tfstate.json` as if the configuration in DIR
//! had been applied, with fake values for everything the cloud computes. Repeats planning
//! until the plan is empty, so references between resources settle as in a real apply.
//!
//! `cargo run --release --example fake_apply -- DIR`

use std::path::Path;
use terrace::eval::Value;
use terrace::ops::{self, PlanCmdOptions, Workspace};
use terrace::plan::Action;
use terrace::state::{value_to_state_json, OutputState, ResourceState, State};

fn fill(v: &Value, path: &str) -> Value {
    match v {
        Value::Unknown => Value::from(format!("fake-{path}")),
        Value::Sensitive(inner) => fill(inner, path).sensitive(),
        Value::List(items) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| fill(x, &format!("{path}.{i}")))
                .collect(),
        ),
        Value::Set(items) => Value::set(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| fill(x, &format!("{path}.{i}")))
                .collect(),
        ),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, x)| (k.clone(), fill(x, &format!("{path}.{k}"))))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: fake_apply DIR");
        std::process::exit(2)
    });
    let dir = Path::new(&dir);
    let ws = Workspace {
        dir: dir.to_path_buf(),
        name: "default".into(),
        env: std::env::vars().collect(),
    };
    let path = dir.join("state/default.tfstate.json");
    let mut state = State::new();
    for round in 1..=10 {
        let report = ops::plan(&ws, &PlanCmdOptions::default());
        let Some(plan) = report.plan else {
            eprintln!("plan failed: {:?}", report.diags);
            std::process::exit(1)
        };
        if !plan.has_changes() {
            println!(
                "state with {} resources written to {} after {} round(s)",
                state.resources.len(),
                path.display(),
                round - 1
            );
            return;
        }
        for c in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
            match (&c.after, c.action) {
                (Some(after), a) if a != Action::Delete => {
                    let v = fill(after, &c.addr.to_string());
                    let (attributes, sensitive_attributes) = value_to_state_json(&v);
                    state.upsert(ResourceState {
                        address: c.addr.clone(),
                        mode: if c.addr.resource.mode == terrace::addr::Mode::Data {
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
                    state.outputs.insert(
                        o.name.clone(),
                        OutputState {
                            value: fill(v, &o.name).unmark_deep().0.to_json(),
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
        std::fs::create_dir_all(dir.join("state")).expect("state dir");
        std::fs::write(&path, serde_json::to_vec(&state).expect("json")).expect("write state");
    }
    eprintln!("the plan did not settle after 10 rounds");
    std::process::exit(1);
}

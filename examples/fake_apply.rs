//! Benchmark tooling: writes `DIR/state/default.tfstate.json` as if the configuration in DIR
//! had been applied, with fake values for everything the cloud computes. Repeats planning
//! until the plan is empty, so references between resources settle as in a real apply.
//!
//! `cargo run --release --example fake_apply -- DIR`

use std::path::Path;
use terrace::ops::{self, PlanCmdOptions, Workspace};
use terrace::plan::simulate::record_plan;
use terrace::state::State;

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
    for round in 0..10 {
        let report = ops::plan(
            &ws,
            &PlanCmdOptions {
                lock: false,
                ..PlanCmdOptions::default()
            },
        );
        let Some(plan) = report.plan else {
            eprintln!("plan failed: {:?}", report.diags);
            std::process::exit(1)
        };
        if !plan.has_changes() {
            println!(
                "state with {} resources written to {} after {round} round(s)",
                state.resources.len(),
                path.display()
            );
            return;
        }
        record_plan(&plan, &mut state);
        std::fs::create_dir_all(dir.join("state")).expect("state dir");
        std::fs::write(&path, serde_json::to_vec(&state).expect("json")).expect("write state");
    }
    eprintln!("the plan did not settle after 10 rounds");
    std::process::exit(1);
}

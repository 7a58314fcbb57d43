//! Integration tests: one binary, one module per area.

#[path = "integration/support.rs"]
mod support;

#[path = "integration/apply.rs"]
mod apply;
#[path = "integration/aws.rs"]
mod aws;
#[path = "integration/aws_rds.rs"]
mod aws_rds;
#[path = "integration/ci_stage.rs"]
mod ci_stage;
#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/drift.rs"]
mod drift;
#[path = "integration/e2e.rs"]
mod e2e;
#[path = "integration/examples.rs"]
mod examples;
#[path = "integration/fault_proxy.rs"]
mod fault_proxy;
#[path = "integration/faults.rs"]
mod faults;
#[path = "integration/fmt_cmd.rs"]
mod fmt_cmd;
#[path = "integration/functions.rs"]
mod functions;
#[path = "integration/import.rs"]
mod import;
#[path = "integration/inventory.rs"]
mod inventory;
#[path = "integration/kill.rs"]
mod kill;
#[path = "integration/language.rs"]
mod language;
#[path = "integration/lifecycle.rs"]
mod lifecycle;
#[path = "integration/malformed.rs"]
mod malformed;
#[path = "integration/migrate_cmd.rs"]
mod migrate_cmd;
#[path = "integration/migrate_runner.rs"]
mod migrate_runner;
#[path = "integration/migrate_snapshot.rs"]
mod migrate_snapshot;
#[path = "integration/migrate_stage.rs"]
mod migrate_stage;
#[path = "integration/owned.rs"]
mod owned;
#[path = "integration/plan.rs"]
mod plan;
#[path = "integration/progress.rs"]
mod progress;
#[path = "integration/refresh_only.rs"]
mod refresh_only;
#[path = "integration/s3_backend.rs"]
mod s3_backend;
#[path = "integration/s3_runs.rs"]
mod s3_runs;
#[path = "integration/schemas.rs"]
mod schemas;
#[path = "integration/state.rs"]
mod state;
#[path = "integration/workspace_cmd.rs"]
mod workspace_cmd;

//! Integration tests: one binary, one module per area.

#[path = "integration/support.rs"]
mod support;

#[path = "integration/apply.rs"]
mod apply;
#[path = "integration/aws.rs"]
mod aws;
#[path = "integration/aws_rds.rs"]
mod aws_rds;
#[path = "integration/cli.rs"]
mod cli;
#[path = "integration/e2e.rs"]
mod e2e;
#[path = "integration/examples.rs"]
mod examples;
#[path = "integration/functions.rs"]
mod functions;
#[path = "integration/language.rs"]
mod language;
#[path = "integration/malformed.rs"]
mod malformed;
#[path = "integration/plan.rs"]
mod plan;
#[path = "integration/schemas.rs"]
mod schemas;
#[path = "integration/state.rs"]
mod state;

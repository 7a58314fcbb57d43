//! Output for people and machines: diagnostics with source snippets, graphs, apply progress,
//! and styling.

pub mod apply_progress;
mod atomic_write;
mod diagnostic;
mod drift_human;
mod drift_markdown;
mod drift_prometheus;
#[cfg(test)]
mod drift_sample;
#[cfg(test)]
mod drift_schema_tests;
mod graph;
mod migrate;
mod migrate_rows;
mod plan_gitlab;
mod plan_human;
mod plan_json;
mod plan_markdown;
mod state;
mod style;
pub mod ui_json;

pub use apply_progress::{in_automation, ApplyProgress, ChangeSummary, Operation, ProgressMode};
pub use atomic_write::write_atomically;
pub use diagnostic::{diagnostics_json, render_diagnostic, render_diagnostics};
pub use drift_human::render_drift_human;
pub use drift_markdown::render_drift_markdown;
pub use drift_prometheus::{render_drift_prometheus, render_drift_prometheus_failure};
pub use graph::{graph_dot, graph_json};
pub use migrate::{history_json, history_table, migrate_event, status_table};
pub use migrate_rows::{status_rows, RowState, StatusRow};
pub use plan_gitlab::{gitlab_report, render_plan_gitlab, GitlabReport};
pub use plan_human::render_plan;
pub use plan_json::{masked, plan_json};
pub use plan_markdown::render_plan_markdown;
pub use state::{resource_human, state_human, state_json};
pub use style::Style;

//! Terraform's machine-readable UI stream (`-json` on plan and apply): one JSON object per
//! line, each with `@level`, `@message`, `@module`, `@timestamp` and `type`.
//!
//! Types written here: `version` (first line), `diagnostic`, `planned_change`,
//! `resource_drift`, `change_summary` (of a plan) and `outputs`; the apply hooks
//! (`apply_start`, `apply_progress`, `apply_complete`, `apply_errored`) and the apply's
//! `change_summary` come from `apply_progress`.

use super::apply_progress::{resource_json, JSON_MODULE};
use crate::diag::{Diagnostic, Severity, SourceMap};
use crate::plan::{Action, OutputChange, Plan, ResourceChange};
use serde_json::{json, Map, Value as Json};

/// The version of the UI stream format (Terraform's `ui` field).
pub const UI_VERSION: &str = "1.2";

/// A message with the common fields.
pub fn ui_message(
    level: &str,
    msg: impl Into<String>,
    kind: &str,
    timestamp: &str,
) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("@level".into(), json!(level));
    m.insert("@message".into(), json!(msg.into()));
    m.insert("@module".into(), json!(JSON_MODULE));
    m.insert("@timestamp".into(), json!(timestamp));
    m.insert("type".into(), json!(kind));
    m
}

/// The first line of every stream.
pub fn version_line(timestamp: &str) -> Json {
    let v = env!("CARGO_PKG_VERSION");
    let mut m = ui_message("info", format!("Terrace {v}"), "version", timestamp);
    m.insert("terraform".into(), json!(v));
    m.insert("terrace".into(), json!(v));
    m.insert("ui".into(), json!(UI_VERSION));
    Json::Object(m)
}

/// A diagnostic, with its source range as `terraform validate -json` writes it.
pub fn diagnostic_line(d: &Diagnostic, sources: &SourceMap, timestamp: &str) -> Json {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warn",
    };
    let msg = format!(
        "{}: {}",
        if level == "error" { "Error" } else { "Warning" },
        d.summary
    );
    let mut m = ui_message(level, msg, "diagnostic", timestamp);
    m.insert(
        "diagnostic".into(),
        super::diagnostic::diagnostic_json(d, sources),
    );
    Json::Object(m)
}

/// Terraform's action word in plan messages and `change.action`.
fn action_name(a: Action) -> Option<&'static str> {
    Some(match a {
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete",
        Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
        Action::Read => "read",
        Action::NoOp => return None,
    })
}

fn planned_change(c: &ResourceChange, timestamp: &str) -> Option<Json> {
    let action = action_name(c.action)?;
    let verb = match action {
        "create" => "Plan to create",
        "update" => "Plan to update",
        "delete" => "Plan to delete",
        "replace" => "Plan to replace",
        _ => "Plan to read",
    };
    let mut m = ui_message(
        "info",
        format!("{}: {verb}", c.addr),
        "planned_change",
        timestamp,
    );
    let mut change = Map::new();
    change.insert("resource".into(), resource_json(&c.addr));
    change.insert("action".into(), json!(action));
    if let Some(r) = &c.reason {
        change.insert("reason".into(), json!(super::plan_json::reason_name(r)));
    }
    m.insert("change".into(), Json::Object(change));
    Some(Json::Object(m))
}

/// The lines of a plan after any diagnostics: drift, planned changes, the summary and (with
/// `with_outputs`; an apply reports the applied outputs instead) the planned outputs.
pub fn plan_lines(plan: &Plan, timestamp: &str, with_outputs: bool) -> Vec<Json> {
    let mut out = Vec::new();
    for d in &plan.drift {
        let action = if d.after.is_none() {
            "delete"
        } else {
            "update"
        };
        let mut m = ui_message(
            "info",
            format!("{}: Drift detected ({action})", d.addr),
            "resource_drift",
            timestamp,
        );
        m.insert(
            "change".into(),
            json!({"resource": resource_json(&d.addr), "action": action}),
        );
        out.push(Json::Object(m));
    }
    out.extend(
        plan.changes
            .iter()
            .filter_map(|c| planned_change(c, timestamp)),
    );
    let s = plan.summary();
    let msg = if plan.has_changes() {
        format!(
            "Plan: {} to add, {} to change, {} to destroy.",
            s.add, s.change, s.destroy
        )
    } else {
        "No changes.".to_string()
    };
    let mut m = ui_message("info", msg, "change_summary", timestamp);
    m.insert(
        "changes".into(),
        json!({
            "add": s.add,
            "change": s.change,
            "import": plan.changes.iter().filter(|c| c.importing.is_some()).count(),
            "remove": s.destroy,
            "operation": "plan",
            "migrations": s.migrations,
        }),
    );
    out.push(Json::Object(m));
    if with_outputs && !plan.outputs.is_empty() {
        out.push(outputs_line(&plan.outputs, timestamp));
    }
    out
}

/// The `outputs` message of a plan: each output's planned action and sensitivity.
fn outputs_line(outputs: &[OutputChange], timestamp: &str) -> Json {
    let mut o = Map::new();
    for c in outputs {
        let mut e = Map::new();
        e.insert("sensitive".into(), json!(c.sensitive));
        e.insert(
            "action".into(),
            json!(action_name(c.action).unwrap_or("noop")),
        );
        o.insert(c.name.clone(), Json::Object(e));
    }
    let mut m = ui_message(
        "info",
        format!("Outputs: {}", outputs.len()),
        "outputs",
        timestamp,
    );
    m.insert("outputs".into(), Json::Object(o));
    Json::Object(m)
}

/// The `outputs` message after an apply: each root output's value (sensitive ones masked)
/// and type.
pub fn applied_outputs_line(outputs: &[(String, Json, bool)], timestamp: &str) -> Json {
    let mut o = Map::new();
    for (name, value, sensitive) in outputs {
        let mut e = Map::new();
        e.insert("sensitive".into(), json!(sensitive));
        if !sensitive {
            e.insert("value".into(), value.clone());
        }
        o.insert(name.clone(), Json::Object(e));
    }
    let mut m = ui_message(
        "info",
        format!("Outputs: {}", outputs.len()),
        "outputs",
        timestamp,
    );
    m.insert("outputs".into(), Json::Object(o));
    Json::Object(m)
}

/// Lines as text, one per line.
pub fn to_lines(lines: &[Json]) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str(&l.to_string());
        s.push('\n');
    }
    s
}

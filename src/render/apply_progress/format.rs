//! Pure formatting of apply progress: events to Terraform's human lines and to Terraform's
//! machine-readable UI objects (`@level`, `@message`, `@module`, `@timestamp`, `type`, `hook`).
//! Nothing here does I/O or reads the clock; callers pass the timestamp.

use crate::addr::{InstanceKey, ResourceInstanceAddr};
use crate::apply::{ApplyEvent, NodeResult};
use crate::plan::{Action, Plan};
use crate::render::ui_json::ui_message as message;
use crate::render::Style;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::time::Duration;

/// `@module` of every JSON message.
pub const JSON_MODULE: &str = "terrace.ui";

/// How one action reads in progress lines: "Creating...", "Creation complete", "Still creating...".
struct Verbs {
    doing: &'static str,
    noun: &'static str,
}

fn verbs(a: Action) -> Verbs {
    let (doing, noun) = match a {
        Action::Create => ("Creating", "Creation"),
        // The engine replaces an object in one step (both halves), so it is named as one.
        Action::DeleteThenCreate | Action::CreateThenDelete => ("Replacing", "Replacement"),
        Action::Update => ("Modifying", "Modifications"),
        Action::Delete => ("Destroying", "Destruction"),
        Action::Read => ("Reading", "Read"),
        Action::NoOp => ("Checking", "Check"),
    };
    Verbs { doing, noun }
}

/// Terraform's `hook.action` word for an action.
pub fn action_word(a: Action) -> &'static str {
    match a {
        Action::NoOp => "noop",
        Action::Create => "create",
        Action::Read => "read",
        Action::Update => "update",
        Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
        Action::Delete => "delete",
    }
}

/// Elapsed time as Terraform prints it (Go's duration, truncated to seconds): `0s`, `59s`,
/// `1m5s`, `2h0m3s`.
pub fn fmt_elapsed(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{}s", s / 60, s % 60),
        _ => format!("{}h{}m{}s", s / 3600, (s / 60) % 60, s % 60),
    }
}

/// `addr: Creating...`
pub fn start_message(addr: &ResourceInstanceAddr, action: Action) -> String {
    format!("{addr}: {}...", verbs(action).doing)
}

/// `addr: Still creating... [10s elapsed]`, with the provider's latest status after it.
pub fn still_message(
    addr: &ResourceInstanceAddr,
    action: Action,
    elapsed: Duration,
    status: Option<&str>,
) -> String {
    let status = status.map(|s| format!(" ({s})")).unwrap_or_default();
    format!(
        "{addr}: Still {}... [{} elapsed]{status}",
        verbs(action).doing.to_lowercase(),
        fmt_elapsed(elapsed)
    )
}

/// `addr: Creation complete after 2s [id=vpc-123]` (no id after a delete).
pub fn complete_message(
    addr: &ResourceInstanceAddr,
    action: Action,
    id: Option<&str>,
    elapsed: Duration,
) -> String {
    let id = id.map(|i| format!(" [id={i}]")).unwrap_or_default();
    format!(
        "{addr}: {} complete after {}{id}",
        verbs(action).noun,
        fmt_elapsed(elapsed)
    )
}

/// `addr: Creation errored after 1s` (the error itself is reported with the diagnostics).
pub fn errored_message(addr: &ResourceInstanceAddr, action: Action, elapsed: Duration) -> String {
    format!(
        "{addr}: {} errored after {}",
        verbs(action).noun,
        fmt_elapsed(elapsed)
    )
}

/// `addr: Skipped because dep failed`
pub fn skipped_message(addr: &ResourceInstanceAddr, because: &str) -> String {
    format!("{addr}: Skipped because {because} failed")
}

/// The human line for an event (a `Progress` reads like a periodic "Still ..." line).
pub fn event_message(e: &ApplyEvent) -> String {
    match e {
        ApplyEvent::Start { addr, action } => start_message(addr, *action),
        ApplyEvent::Progress {
            addr,
            action,
            status,
            elapsed,
        } => still_message(addr, *action, *elapsed, Some(status)),
        ApplyEvent::Complete {
            addr,
            action,
            id,
            elapsed,
        } => complete_message(addr, *action, id.as_deref(), *elapsed),
        ApplyEvent::Errored {
            addr,
            action,
            elapsed,
            ..
        } => errored_message(addr, *action, *elapsed),
        ApplyEvent::Skipped { addr, because } => skipped_message(addr, because),
        ApplyEvent::MigrationStart { addr, pending } => {
            format!("{addr}: Migrating... [{pending} pending]")
        }
        ApplyEvent::MigrationProgress {
            addr,
            status,
            elapsed,
        } => format!(
            "{addr}: Still migrating... [{}] ({status})",
            fmt_elapsed(*elapsed)
        ),
        ApplyEvent::MigrationComplete {
            addr,
            applied,
            elapsed,
        } => format!(
            "{addr}: Migrations complete after {} [{applied} applied]",
            fmt_elapsed(*elapsed)
        ),
        ApplyEvent::MigrationErrored { addr, elapsed, .. } => {
            format!("{addr}: Migrations errored after {}", fmt_elapsed(*elapsed))
        }
        ApplyEvent::Interrupted => "Interrupt received: no new changes will start; waiting for those in progress to finish and be recorded. Press Ctrl-C again to exit at once (the state lock may be left behind).".to_string(),
    }
}

/// The human line for an event, styled like Terraform's (bold; failures red, skips yellow).
pub fn styled_message(e: &ApplyEvent, style: Style) -> String {
    let line = event_message(e);
    match e {
        ApplyEvent::Errored { .. } | ApplyEvent::MigrationErrored { .. } => style.red(&line),
        ApplyEvent::Skipped { .. } | ApplyEvent::Interrupted => style.yellow(&line),
        _ => style.bold(&line),
    }
}

/// Terraform's `hook.resource` object.
pub fn resource_json(addr: &ResourceInstanceAddr) -> Json {
    let key = match &addr.key {
        InstanceKey::None => Json::Null,
        InstanceKey::Int(i) => json!(i),
        InstanceKey::Str(s) => json!(s),
    };
    let type_name = &addr.resource.type_name;
    json!({
        "addr": addr.to_string(),
        "module": addr.module.to_string(),
        "resource": format!("{}{}", addr.resource, addr.key),
        "implied_provider": type_name.split('_').next().unwrap_or(type_name),
        "resource_type": type_name,
        "resource_name": addr.resource.name,
        "resource_key": key,
    })
}

fn hook_message(
    level: &str,
    msg: String,
    kind: &str,
    timestamp: &str,
    addr: &ResourceInstanceAddr,
    action: Action,
    extra: Json,
) -> Json {
    let mut hook = json!({"resource": resource_json(addr), "action": action_word(action)});
    if let (Some(h), Json::Object(x)) = (hook.as_object_mut(), extra) {
        h.extend(x);
    }
    let mut m = message(level, msg, kind, timestamp);
    m.insert("hook".into(), hook);
    Json::Object(m)
}

/// An `apply_progress` message: a periodic tick, or the provider's status when given.
pub fn still_json(
    addr: &ResourceInstanceAddr,
    action: Action,
    elapsed: Duration,
    status: Option<&str>,
    timestamp: &str,
) -> Json {
    let mut extra = json!({"elapsed_seconds": elapsed.as_secs()});
    if let Some(s) = status {
        extra["status"] = json!(s);
    }
    hook_message(
        "info",
        still_message(addr, action, elapsed, status),
        "apply_progress",
        timestamp,
        addr,
        action,
        extra,
    )
}

/// The JSON message for an event. A skipped change (never started) is a `log` warning, so
/// every `apply_complete`/`apply_errored` follows its `apply_start`.
pub fn event_json(e: &ApplyEvent, timestamp: &str) -> Json {
    let msg = event_message(e);
    match e {
        ApplyEvent::Start { addr, action } => hook_message(
            "info",
            msg,
            "apply_start",
            timestamp,
            addr,
            *action,
            json!({}),
        ),
        ApplyEvent::Progress {
            addr,
            action,
            status,
            elapsed,
        } => still_json(addr, *action, *elapsed, Some(status), timestamp),
        ApplyEvent::Complete {
            addr,
            action,
            id,
            elapsed,
        } => {
            let mut extra = json!({"elapsed_seconds": elapsed.as_secs()});
            if let Some(id) = id {
                extra["id_key"] = json!("id");
                extra["id_value"] = json!(id);
            }
            hook_message(
                "info",
                msg,
                "apply_complete",
                timestamp,
                addr,
                *action,
                extra,
            )
        }
        ApplyEvent::Errored {
            addr,
            action,
            error,
            elapsed,
        } => hook_message(
            "error",
            msg,
            "apply_errored",
            timestamp,
            addr,
            *action,
            json!({"elapsed_seconds": elapsed.as_secs(), "error": error}),
        ),
        ApplyEvent::Skipped { .. } | ApplyEvent::Interrupted => {
            Json::Object(message("warn", msg, "log", timestamp))
        }
        ApplyEvent::MigrationStart { addr, pending } => {
            let mut m = message("info", msg, "migration_start", timestamp);
            m.insert(
                "migration".into(),
                json!({"addr": addr, "pending": pending}),
            );
            Json::Object(m)
        }
        ApplyEvent::MigrationProgress {
            addr,
            status,
            elapsed,
        } => {
            let mut m = message("info", msg, "migration_progress", timestamp);
            m.insert(
                "migration".into(),
                json!({"addr": addr, "status": status, "elapsed_seconds": elapsed.as_secs()}),
            );
            Json::Object(m)
        }
        ApplyEvent::MigrationComplete {
            addr,
            applied,
            elapsed,
        } => {
            let mut m = message("info", msg, "migration_complete", timestamp);
            m.insert(
                "migration".into(),
                json!({"addr": addr, "applied": applied, "elapsed_seconds": elapsed.as_secs()}),
            );
            Json::Object(m)
        }
        ApplyEvent::MigrationErrored {
            addr,
            error,
            elapsed,
        } => {
            let mut m = message("error", msg, "migration_errored", timestamp);
            m.insert(
                "migration".into(),
                json!({"addr": addr, "error": error, "elapsed_seconds": elapsed.as_secs()}),
            );
            Json::Object(m)
        }
    }
}

/// Whether the run was an apply or a destroy (`change_summary.changes.operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Apply,
    Destroy,
}

/// What an apply did: counts of changes that completed, and whether all of them did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSummary {
    /// Objects imported into state (by `import` blocks).
    pub import: usize,
    pub add: usize,
    pub change: usize,
    pub remove: usize,
    pub operation: Operation,
    /// Some planned change failed, was skipped or was interrupted.
    pub failed: bool,
}

impl ChangeSummary {
    /// Counts the plan's changes whose result is `Done`; a replacement counts as one added
    /// and one destroyed. `failed` is whether any resource or migration stage did not
    /// complete.
    pub fn tally(plan: &Plan, outcome: &crate::apply::ApplyOutcome) -> Self {
        let changes = plan.changes.iter().map(|c| (&c.addr, c.action));
        let mut s = ChangeSummary::from_changes(plan.destroy, changes, &outcome.results);
        s.failed = !outcome.is_success();
        // An import counts once its whole change completed (an import alone has no step).
        s.import = plan
            .changes
            .iter()
            .filter(|c| c.importing.is_some())
            .filter(|c| {
                outcome
                    .results
                    .get(&c.addr)
                    .is_none_or(|r| *r == NodeResult::Done)
            })
            .count();
        s
    }

    /// [`ChangeSummary::tally`] over (address, action) pairs.
    pub fn from_changes<'a>(
        destroy: bool,
        changes: impl IntoIterator<Item = (&'a ResourceInstanceAddr, Action)>,
        results: &BTreeMap<ResourceInstanceAddr, NodeResult>,
    ) -> Self {
        let mut s = ChangeSummary::nothing(destroy);
        s.failed = results.values().any(|r| !matches!(r, NodeResult::Done));
        for (addr, action) in changes {
            if results.get(addr) != Some(&NodeResult::Done) {
                continue;
            }
            match action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Delete => s.remove += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    s.add += 1;
                    s.remove += 1;
                }
                Action::Read | Action::NoOp => {}
            }
        }
        s
    }

    /// A summary of no changes, successful.
    pub fn nothing(destroy: bool) -> Self {
        ChangeSummary {
            import: 0,
            add: 0,
            change: 0,
            remove: 0,
            operation: if destroy {
                Operation::Destroy
            } else {
                Operation::Apply
            },
            failed: false,
        }
    }

    /// "Apply complete!", "Destroy complete!", "Apply failed." or "Destroy failed."
    pub fn headline(&self) -> &'static str {
        match (self.operation, self.failed) {
            (Operation::Apply, false) => "Apply complete!",
            (Operation::Destroy, false) => "Destroy complete!",
            (Operation::Apply, true) => "Apply failed.",
            (Operation::Destroy, true) => "Destroy failed.",
        }
    }

    /// The counts as Terraform words them: a destroy names only what it destroyed.
    pub fn counts(&self) -> String {
        match self.operation {
            Operation::Destroy => format!("Resources: {} destroyed.", self.remove),
            Operation::Apply if self.import > 0 => format!(
                "Resources: {} imported, {} added, {} changed, {} destroyed.",
                self.import, self.add, self.change, self.remove
            ),
            Operation::Apply => format!(
                "Resources: {} added, {} changed, {} destroyed.",
                self.add, self.change, self.remove
            ),
        }
    }

    /// The `change_summary` message.
    pub fn to_json(&self, timestamp: &str) -> Json {
        let level = if self.failed { "error" } else { "info" };
        let msg = format!("{} {}", self.headline(), self.counts());
        let mut m = message(level, msg, "change_summary", timestamp);
        m.insert(
            "changes".into(),
            json!({
                "add": self.add,
                "change": self.change,
                "import": self.import,
                "remove": self.remove,
                "operation": match self.operation {
                    Operation::Apply => "apply",
                    Operation::Destroy => "destroy",
                },
            }),
        );
        Json::Object(m)
    }
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;

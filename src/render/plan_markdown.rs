//! Plans as a merge request comment (GitHub/GitLab-flavoured markdown): the summary line
//! first, a warning when anything is destroyed, then one collapsible `<details>` per resource
//! change, destroys and replacements first and flagged ⚠️, with the human renderer's diff
//! in a ```` ```diff ```` block; the migrations each block will run; what changed outside
//! Terrace; the outputs that change.
//!
//! Invariants: no sensitive value appears (the diffs are [`render_change`]'s, which masks
//! them; the lists show attribute names, never values); every piece of configuration or cloud text is
//! escaped for where it lands (HTML in summaries, code spans and fences longer than any
//! backtick run inside); the text stays under [`MAX_CHARS`] characters unless the summary,
//! migrations and drift alone are longer: once the resource diffs would pass it, the rest of
//! the resources are listed without their diff, with a note saying so.

use super::drift_markdown::text;
use super::plan_human::render_change;
use super::Style;
use crate::plan::{Action, Drift, MigrationChange, OutputChange, Plan, Reason, ResourceChange};
use std::fmt::Write;

/// GitHub refuses comments over 65,536 characters; this leaves room for a heading or a
/// marker that a pipeline adds around the plan.
pub const MAX_CHARS: usize = 60_000;

/// At most this many attribute names in a summary line before `…`.
const MAX_ATTRS_IN_SUMMARY: usize = 5;

/// The plan as a merge request comment. `workspace` names the state the plan was made for.
pub fn render_plan_markdown(plan: &Plan, workspace: &str) -> String {
    render_with_limit(plan, workspace, MAX_CHARS)
}

fn render_with_limit(plan: &Plan, workspace: &str, max_chars: usize) -> String {
    let mut head = String::new();
    let shown = ordered_changes(plan);
    let pending: Vec<&MigrationChange> = plan
        .migrations
        .iter()
        .filter(|m| !m.pending.is_empty())
        .collect();
    let outputs: Vec<&OutputChange> = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::NoOp)
        .collect();
    let _ = writeln!(
        head,
        "### {}\n",
        summary_line(plan, &shown, &pending, &outputs)
    );
    let _ = write!(head, "Workspace {}", code(workspace));
    if let Some(serial) = plan.prior_serial {
        let _ = write!(head, ", planned against state serial {serial}");
    }
    head.push_str(".\n\n");
    if plan.destroy {
        head.push_str("This is a destroy plan (`-destroy`).\n\n");
    }
    if !plan.targets.is_empty() {
        let targets: Vec<String> = plan.targets.iter().map(|t| code(t)).collect();
        let _ = writeln!(
            head,
            "⚠️ Resource targeting is in effect: only {} and what they depend on were planned.\n",
            targets.join(", ")
        );
    }
    let destroyed = shown.iter().filter(|c| c.action == Action::Delete).count();
    let replaced = shown.iter().filter(|c| c.action.is_replace()).count();
    if destroyed + replaced > 0 {
        let _ = writeln!(
            head,
            "⚠️ **This plan destroys {}: {destroyed} destroyed, {replaced} replaced.** They are listed first.\n",
            count(destroyed + replaced, "object", "objects")
        );
    }

    let mut tail = String::new();
    if !pending.is_empty() {
        render_migrations(&pending, &mut tail);
    }
    if !plan.drift.is_empty() {
        render_drift(&plan.drift, plan.refresh_only, &mut tail);
    }
    if !outputs.is_empty() {
        render_outputs(&outputs, &mut tail);
    }

    let mut body = String::new();
    if !shown.is_empty() {
        body.push_str("#### Resource changes\n\n");
        let budget = max_chars.saturating_sub(
            head.chars().count() + tail.chars().count() + body.chars().count() + NOTE_RESERVE,
        );
        resources(&shown, budget, &mut body);
    }
    head + &body + &tail
}

/// Room kept for the lines [`resources`] adds when it leaves diffs out.
const NOTE_RESERVE: usize = 400;

/// `Plan: …` as in the human output, or the no-changes and refresh-only equivalents.
fn summary_line(
    plan: &Plan,
    shown: &[&ResourceChange],
    pending: &[&MigrationChange],
    outputs: &[&OutputChange],
) -> String {
    if plan.refresh_only {
        return if plan.drift.is_empty() && outputs.is_empty() {
            "No changes. Your infrastructure still matches the configuration.".into()
        } else {
            format!(
                "Refresh-only plan: {} changed outside Terrace, {} changed; applying records them in the state.",
                count(plan.drift.len(), "object", "objects"),
                count(outputs.len(), "output", "outputs")
            )
        };
    }
    if shown.is_empty() && pending.is_empty() && outputs.is_empty() {
        return "No changes. Your infrastructure matches the configuration.".into();
    }
    let s = plan.summary();
    let imports = if s.import > 0 {
        format!("{} to import, ", s.import)
    } else {
        String::new()
    };
    format!(
        "Plan: {imports}{} to add, {} to change, {} to destroy, {} to run.",
        s.add,
        s.change,
        s.destroy,
        count(s.migrations, "migration", "migrations")
    )
}

/// The changes the human output shows, destroys first, then replacements, then the rest;
/// address order within each group.
fn ordered_changes(plan: &Plan) -> Vec<&ResourceChange> {
    let rank = |c: &ResourceChange| match c.action {
        Action::Delete => 0,
        Action::DeleteThenCreate | Action::CreateThenDelete => 1,
        Action::Create => 2,
        Action::Update => 3,
        Action::Read => 4,
        Action::NoOp => 5,
    };
    let mut shown: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp || c.importing.is_some())
        .collect();
    // Stable: the plan's address order is kept within a group.
    shown.sort_by_key(|c| rank(c));
    shown
}

/// One `<details>` per change while they fit in `budget` characters; after that, a list of
/// the remaining summaries (and, past the budget, how many were left out).
fn resources(shown: &[&ResourceChange], budget: usize, out: &mut String) {
    let mut used = 0;
    let mut listed = Vec::new();
    let mut left_out = 0;
    for c in shown {
        let summary = summary_html(c);
        if listed.is_empty() && left_out == 0 {
            let block = details(&summary, &diff_block(c));
            let n = block.chars().count();
            if used + n <= budget {
                used += n;
                out.push_str(&block);
                continue;
            }
        }
        let line = format!("- {summary}\n");
        let n = line.chars().count();
        if left_out == 0 && used + n <= budget {
            used += n;
            listed.push(line);
        } else {
            left_out += 1;
        }
    }
    if listed.is_empty() && left_out == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "The diffs of the {} below are left out to keep this comment short enough to post; `terrace show PLANFILE` prints them all.\n",
        count(listed.len() + left_out, "change", "changes")
    );
    for l in &listed {
        out.push_str(l);
    }
    if left_out > 0 {
        let _ = writeln!(out, "- … and {} more", count(left_out, "change", "changes"));
    }
    out.push('\n');
}

fn details(summary: &str, diff: &str) -> String {
    format!("<details><summary>{summary}</summary>\n\n{diff}\n</details>\n\n")
}

/// The one-line description of a change, as HTML (it sits inside `<summary>`).
fn summary_html(c: &ResourceChange) -> String {
    let addr = format!("<code>{}</code>", html(&c.addr.to_string()));
    let attrs = |names: &[String]| {
        let mut shown: Vec<String> = names
            .iter()
            .take(MAX_ATTRS_IN_SUMMARY)
            .map(|n| format!("<code>{}</code>", html(n)))
            .collect();
        if names.len() > MAX_ATTRS_IN_SUMMARY {
            shown.push("…".into());
        }
        shown.join(", ")
    };
    let what = match c.action {
        Action::Create => "will be created".to_string(),
        Action::Read => "will be read during apply".to_string(),
        Action::Update if c.changed.is_empty() => "will be updated in-place".to_string(),
        Action::Update => format!("will be updated in-place: {}", attrs(&c.changed)),
        Action::Delete => {
            let why = match c.reason {
                Some(Reason::DeleteNotInConfig) => " (not in the configuration)",
                Some(Reason::DeleteWrongKey) => {
                    " (its index or key is no longer in count or for_each)"
                }
                Some(Reason::DeleteModuleGone) => " (its module is no longer in the configuration)",
                _ => "",
            };
            format!("will be <b>destroyed</b>{why}")
        }
        Action::DeleteThenCreate | Action::CreateThenDelete => {
            let mut notes = Vec::new();
            match c.reason {
                Some(Reason::ReplaceTainted) => notes.push("tainted".to_string()),
                Some(Reason::ReplaceRequested) => notes.push("as requested".to_string()),
                Some(Reason::ReplaceTriggered) => notes.push("replace_triggered_by".to_string()),
                _ if !c.forces.is_empty() => notes.push(format!("forced by {}", attrs(&c.forces))),
                _ => {}
            }
            if c.action == Action::CreateThenDelete {
                notes.push("create before destroy".to_string());
            }
            if notes.is_empty() {
                "will be <b>replaced</b>".to_string()
            } else {
                format!("will be <b>replaced</b> ({})", notes.join(", "))
            }
        }
        Action::NoOp => "will be imported".to_string(),
    };
    let flag = if c.action == Action::Delete || c.action.is_replace() {
        "⚠️ "
    } else {
        ""
    };
    let import = match &c.importing {
        Some(i) if c.action != Action::NoOp => {
            format!(", imported from <code>{}</code>", html(&i.id))
        }
        _ => String::new(),
    };
    format!("{flag}{addr} {what}{import}")
}

/// The human renderer's diff of one change, plain, in a fenced `diff` block: the action
/// symbol of each line moves to the first column (`~` written `!`), where the renderers of
/// GitHub and GitLab colour it, and the columns after it stay where they were.
fn diff_block(c: &ResourceChange) -> String {
    let mut plain = String::new();
    render_change(&mut plain, c, Style::plain());
    let mut lines = String::new();
    for l in plain.lines() {
        lines.push_str(&diff_line(l));
        lines.push('\n');
    }
    let longest = lines.split(|ch| ch != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}diff\n{lines}{fence}\n")
}

fn diff_line(line: &str) -> String {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let symbol = match rest.as_bytes() {
        [s @ (b'+' | b'-' | b'~'), b' ', ..] if indent > 0 => *s,
        _ => return line.to_string(),
    };
    let first = if symbol == b'~' { '!' } else { symbol as char };
    // Byte slicing is safe: the indentation and the symbol are ASCII.
    format!("{first}{} {}", &line[1..indent], &rest[1..])
}

fn render_migrations(pending: &[&MigrationChange], out: &mut String) {
    let total: usize = pending.iter().map(|m| m.pending.len()).sum();
    let _ = writeln!(out, "#### Migrations ({total} to run)\n");
    for m in pending {
        let _ = writeln!(
            out,
            "{} will run {} ({}):\n",
            code(&m.addr),
            count(m.pending.len(), "migration", "migrations"),
            text(&m.basis)
        );
        for p in &m.pending {
            let label = match &p.version {
                Some(v) => format!("V{v}"),
                None => "R".to_string(),
            };
            let _ = writeln!(
                out,
                "- {} {} ({})",
                code(&label),
                text(&p.description),
                code(&p.file)
            );
        }
        out.push('\n');
    }
}

fn render_drift(drift: &[Drift], refresh_only: bool, out: &mut String) {
    let _ = writeln!(out, "#### Changed outside Terrace ({})\n", drift.len());
    for d in drift {
        let addr = code(&d.addr.to_string());
        if d.after.is_none() {
            let _ = writeln!(out, "- {addr} has been deleted");
        } else if d.changed.is_empty() {
            let _ = writeln!(out, "- {addr} has changed");
        } else {
            let attrs: Vec<String> = d.changed.iter().map(|a| code(a)).collect();
            let _ = writeln!(out, "- {addr} has changed: {}", attrs.join(", "));
        }
    }
    out.push('\n');
    out.push_str(if refresh_only {
        "Applying this refresh-only plan records these values in the state and changes nothing in the cloud.\n\n"
    } else {
        "Unless the configuration makes the same changes (or ignores them with `ignore_changes`), the resource changes above undo them.\n\n"
    });
}

fn render_outputs(outputs: &[&OutputChange], out: &mut String) {
    out.push_str("#### Changes to outputs\n\n");
    for o in outputs {
        let what = match o.action {
            Action::Create => "added",
            Action::Delete => "removed",
            _ => "changed",
        };
        let _ = writeln!(out, "- {} {what}", code(&o.name));
    }
    out.push('\n');
}

/// `n` and the noun, singular for one.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A code span: the fence is longer than any run of backticks inside, padded when the
/// content starts or ends with one; line breaks become spaces.
fn code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Text for an HTML element's content.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
#[path = "plan_markdown_tests.rs"]
mod tests;

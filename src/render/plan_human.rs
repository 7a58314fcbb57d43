//! Plans for people, in Terraform's notation: `+` create, `~` update, `-/+` replace,
//! `-` destroy, `<=` read; changed attributes only for updates; sensitive values masked.

use super::Style;
use crate::addr::Mode;
use crate::eval::{format_number, Value};
use crate::plan::{
    values_equal, Action, MigrationChange, OutputChange, Plan, Reason, ResourceChange,
};
use std::collections::BTreeSet;
use std::fmt::Write;

/// "Objects have changed outside of Terrace": what the refresh found.
fn render_drift(plan: &Plan, style: Style, out: &mut String) {
    if plan.drift.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}\n",
        style.bold("Note: Objects have changed outside of Terrace")
    );
    out.push_str("Terrace detected the following changes made outside of Terrace since the last \"terrace apply\":\n\n");
    for d in &plan.drift {
        let r = &d.addr.resource;
        match &d.after {
            None => {
                let _ = writeln!(out, "  # {} has been deleted", d.addr);
                let _ = writeln!(
                    out,
                    "  {} resource {:?} {:?} {{",
                    style.red("-"),
                    r.type_name,
                    r.name
                );
                if let Some(id) = d.before.as_ref().and_then(|b| b.get_attr("id")) {
                    let _ = writeln!(out, "      - id = {}", inline(id, false));
                }
                let _ = writeln!(out, "    }}");
            }
            Some(after) => {
                let _ = writeln!(out, "  # {} has changed", d.addr);
                let _ = writeln!(
                    out,
                    "  {} resource {:?} {:?} {{",
                    style.yellow("~"),
                    r.type_name,
                    r.name
                );
                let mut lines = Vec::new();
                let empty = Value::Map(Default::default());
                diff_object(
                    d.before.as_ref().unwrap_or(&empty),
                    after,
                    &[],
                    &d.changed,
                    6,
                    &mut lines,
                    true,
                );
                for l in lines {
                    let _ = writeln!(out, "{l}");
                }
                let _ = writeln!(out, "    }}");
            }
        }
        out.push('\n');
    }
    out.push_str(if plan.refresh_only {
        "This is a refresh-only plan, so Terrace will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the Terrace state without changing any remote objects.\n\n"
    } else {
        "Unless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes.\n\n"
    });
}

/// A refresh-only plan: the drift, the outputs it changes, and no resource actions.
fn render_refresh_only(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    render_drift(plan, style, &mut out);
    let outputs: Vec<&OutputChange> = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::NoOp)
        .collect();
    if plan.drift.is_empty() && outputs.is_empty() {
        out.push_str(&style.green("No changes."));
        out.push_str(" Your infrastructure still matches the configuration.\n\nTerrace has checked that the real remote objects still match the result of your most recent changes, and found no differences.\n");
        return out;
    }
    if !outputs.is_empty() {
        render_outputs(&outputs, style, &mut out);
        out.push_str("You can apply this plan to save these new output values to the Terrace state, without changing any real infrastructure.\n");
    }
    out
}

/// The whole plan as text.
pub fn render_plan(plan: &Plan, style: Style) -> String {
    if plan.refresh_only {
        return render_refresh_only(plan, style);
    }
    let mut out = String::new();
    render_drift(plan, style, &mut out);
    let shown: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp || c.importing.is_some())
        .collect();
    let migrations: Vec<&MigrationChange> = plan
        .migrations
        .iter()
        .filter(|m| !m.pending.is_empty())
        .collect();
    let outputs: Vec<&OutputChange> = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::NoOp)
        .collect();
    if shown.is_empty() && migrations.is_empty() {
        if outputs.is_empty() {
            out.push_str(&style.green("No changes."));
            out.push_str(" Your infrastructure matches the configuration.\n\nTerrace has compared your real infrastructure against your configuration and found no differences, so no changes are needed.\n");
            return out;
        }
    } else {
        let used: BTreeSet<Action> = shown.iter().map(|c| c.action).collect();
        out.push_str("Terrace will perform the following actions. Resource actions are indicated with the following symbols:\n");
        for a in [
            Action::Create,
            Action::Update,
            Action::Delete,
            Action::DeleteThenCreate,
            Action::CreateThenDelete,
            Action::Read,
        ] {
            if used.contains(&a) {
                let what = match a {
                    Action::Create => "create",
                    Action::Update => "update in-place",
                    Action::Delete => "destroy",
                    Action::DeleteThenCreate => "destroy and then create replacement",
                    Action::CreateThenDelete => "create replacement and then destroy",
                    Action::Read => "read (data resources)",
                    Action::NoOp => "",
                };
                let _ = writeln!(out, "  {:>3} {what}", paint(style, a, a.symbol()));
            }
        }
        out.push('\n');
        for c in &shown {
            render_change(&mut out, c, style);
            out.push('\n');
        }
        for m in &migrations {
            let _ = writeln!(
                out,
                "  # {} will run {} migration{} ({})",
                m.addr,
                m.pending.len(),
                plural(m.pending.len()),
                m.basis
            );
            for p in &m.pending {
                let label = match &p.version {
                    Some(v) => format!("V{v}"),
                    None => "R".to_string(),
                };
                let _ = writeln!(
                    out,
                    "  {} {label} {} ({})",
                    style.green("+"),
                    p.description,
                    p.file
                );
            }
            out.push('\n');
        }
    }
    if !outputs.is_empty() {
        render_outputs(&outputs, style, &mut out);
    }
    let s = plan.summary();
    let imports = if s.import > 0 {
        format!(" {} to import,", s.import)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{}{imports} {} to add, {} to change, {} to destroy, {} migration{} to run.",
        style.bold("Plan:"),
        s.add,
        s.change,
        s.destroy,
        s.migrations,
        plural(s.migrations)
    );
    out
}

/// "Changes to Outputs:" with one line per changed output.
fn render_outputs(outputs: &[&OutputChange], style: Style, out: &mut String) {
    out.push_str("Changes to Outputs:\n");
    let width = outputs.iter().map(|o| o.name.len()).max().unwrap_or(0);
    for o in outputs {
        let sym = match o.action {
            Action::Create => "+",
            Action::Delete => "-",
            _ => "~",
        };
        let value = match (o.action, &o.before, &o.after) {
            (Action::Create, _, Some(a)) => inline(a, o.sensitive),
            (Action::Delete, Some(b), _) => format!("{} -> null", inline(b, o.sensitive)),
            (_, Some(b), Some(a)) => {
                format!("{} -> {}", inline(b, o.sensitive), inline(a, o.sensitive))
            }
            _ => "null".into(),
        };
        let _ = writeln!(
            out,
            "  {} {:<width$} = {value}",
            paint(style, o.action, sym),
            o.name
        );
    }
    out.push('\n');
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn paint(style: Style, a: Action, s: &str) -> String {
    match a {
        Action::Create => style.green(s),
        Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete => style.red(s),
        _ => style.yellow(s),
    }
}

fn header(c: &ResourceChange) -> String {
    let what = match (c.action, &c.reason) {
        (Action::Create, _) => "will be created".to_string(),
        (Action::Read, _) => "will be read during apply".to_string(),
        (Action::Update, _) => "will be updated in-place".to_string(),
        (Action::Delete, Some(Reason::DeleteNotInConfig)) => "will be destroyed\n  # (because it is not in the configuration)".to_string(),
        (Action::Delete, Some(Reason::DeleteWrongKey)) => "will be destroyed\n  # (because its index or key is not in the configuration's count or for_each)".to_string(),
        (Action::Delete, Some(Reason::DeleteModuleGone)) => "will be destroyed\n  # (because its module is not in the configuration)".to_string(),
        (Action::Delete, _) => "will be destroyed".to_string(),
        (_, Some(Reason::ReplaceTainted)) => "is tainted, so must be replaced".to_string(),
        (_, Some(Reason::ReplaceRequested)) => "will be replaced, as requested".to_string(),
        (_, Some(Reason::ReplaceTriggered)) => "will be replaced due to changes in replace_triggered_by".to_string(),
        (_, _) => "must be replaced".to_string(),
    };
    match &c.importing {
        Some(_) if c.action == Action::NoOp => format!("  # {} will be imported", c.addr),
        Some(i) => format!(
            "  # {} {what}\n  # (imported from {})",
            c.addr,
            serde_json::Value::String(i.id.clone())
        ),
        None => format!("  # {} {what}", c.addr),
    }
}

pub(super) fn render_change(out: &mut String, c: &ResourceChange, style: Style) {
    let _ = writeln!(out, "{}", style.bold(&header(c)));
    let r = &c.addr.resource;
    let kind = if r.mode == Mode::Data {
        "data"
    } else {
        "resource"
    };
    let _ = writeln!(
        out,
        "{} {kind} {:?} {:?} {{",
        pad_symbol(
            &paint(style, c.action, c.action.symbol()),
            c.action.symbol()
        ),
        r.type_name,
        r.name
    );
    let empty = Value::Map(Default::default());
    let before = c.before.as_ref().unwrap_or(&empty);
    let after = c.after.as_ref().unwrap_or(&empty);
    let mut lines = Vec::new();
    match c.action {
        Action::Create | Action::Read => object_lines(after, "+", 6, &mut lines),
        Action::Delete => object_lines(before, "-", 6, &mut lines),
        Action::NoOp => match &c.importing {
            Some(i) => object_lines(&i.object, " ", 6, &mut lines),
            None => object_lines(before, " ", 6, &mut lines),
        },
        _ => diff_object(before, after, &c.forces, &c.changed, 6, &mut lines, true),
    }
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
    let _ = writeln!(out, "    }}");
}

/// Right-aligns the symbol in a 3-column gutter, as Terraform does.
fn pad_symbol(painted: &str, raw: &str) -> String {
    format!("{}{painted}", " ".repeat(3usize.saturating_sub(raw.len())))
}

/// A value on one line (collections get multi-line rendering elsewhere).
fn inline(v: &Value, sensitive: bool) -> String {
    if sensitive {
        return "(sensitive value)".into();
    }
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(*n),
        Value::String(s) => {
            if s.contains('\n') {
                format!("<<-EOT ({} lines)", s.lines().count())
            } else {
                serde_json::Value::String(s.clone()).to_string()
            }
        }
        Value::Unknown => "(known after apply)".into(),
        Value::Sensitive(_) => "(sensitive value)".into(),
        Value::List(items) | Value::Set(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|x| inline(x, false))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, x)| format!("{k} = {}", inline(x, false)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn is_block_list(v: &Value) -> bool {
    matches!(v, Value::List(items) | Value::Set(items) if !items.is_empty() && items.iter().all(|x| matches!(x, Value::Map(_))))
}

fn key_text(k: &str) -> String {
    if crate::config::is_valid_name(k) {
        k.to_string()
    } else {
        serde_json::Value::String(k.to_string()).to_string()
    }
}

/// Every non-null attribute of an object, each prefixed with `sym` (create / destroy).
fn object_lines(v: &Value, sym: &str, indent: usize, out: &mut Vec<String>) {
    let Some(m) = v.as_map() else { return };
    let pad = " ".repeat(indent);
    let empty = |x: &Value| match x {
        Value::Map(mm) => mm.is_empty(),
        Value::List(l) | Value::Set(l) => l.is_empty(),
        _ => false,
    };
    let attrs: Vec<(&String, &Value)> = m
        .iter()
        .filter(|(_, x)| !x.is_null() && !is_block_list(x) && !empty(x))
        .collect();
    let width = attrs
        .iter()
        .map(|(k, _)| key_text(k).len())
        .max()
        .unwrap_or(0);
    for (k, x) in attrs {
        value_lines(
            &format!("{pad}{sym} {:<width$} = ", key_text(k)),
            x,
            sym,
            indent,
            out,
        );
    }
    for (k, x) in m.iter().filter(|(_, x)| is_block_list(x)) {
        for item in x.as_list().unwrap_or(&[]) {
            out.push(format!("{pad}{sym} {k} {{"));
            object_lines(item, sym, indent + 4, out);
            out.push(format!("{pad}  }}"));
        }
    }
}

/// `prefix` + value; maps and lists spread over several lines.
fn value_lines(prefix: &str, v: &Value, sym: &str, indent: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    match v {
        Value::Map(m) if !m.is_empty() => {
            out.push(format!("{prefix}{{"));
            let width = m
                .keys()
                .map(|k| serde_json::Value::String(k.clone()).to_string().len())
                .max()
                .unwrap_or(0);
            for (k, x) in m {
                let key = serde_json::Value::String(k.clone()).to_string();
                value_lines(
                    &format!("{pad}    {sym} {key:<width$} = "),
                    x,
                    sym,
                    indent + 4,
                    out,
                );
            }
            out.push(format!("{pad}  }}"));
        }
        Value::List(items) | Value::Set(items) if !items.is_empty() => {
            out.push(format!("{prefix}["));
            for x in items {
                out.push(format!("{pad}    {sym} {},", inline(x, false)));
            }
            out.push(format!("{pad}  ]"));
        }
        other => out.push(format!("{prefix}{}", inline(other, false))),
    }
}

/// The changed attributes of an update or replacement; unchanged ones are counted. At the
/// top level, an attribute named in `changed` whose value is sensitive is shown as changed
/// even when the two sides compare equal: a saved plan keeps only the mark, not the value.
fn diff_object(
    before: &Value,
    after: &Value,
    forces: &[String],
    changed: &[String],
    indent: usize,
    out: &mut Vec<String>,
    top: bool,
) {
    let (Some(b), Some(a)) = (before.as_map(), after.as_map()) else {
        out.push(format!(
            "{}~ {} -> {}",
            " ".repeat(indent),
            inline(before, false),
            inline(after, false)
        ));
        return;
    };
    let pad = " ".repeat(indent);
    let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    let null = Value::Null;
    let mut unchanged = 0;
    let mut unchanged_blocks = 0;
    let attr_keys: Vec<&&String> = keys
        .iter()
        .filter(|k| {
            !is_block_list(b.get(**k).unwrap_or(&null))
                && !is_block_list(a.get(**k).unwrap_or(&null))
        })
        .collect();
    let differs = |k: &String, x: &Value, y: &Value| {
        !values_equal(x, y)
            || (top && (x.is_sensitive() || y.is_sensitive()) && changed.contains(k))
    };
    let width = attr_keys
        .iter()
        .copied()
        .filter(|k| differs(k, b.get(**k).unwrap_or(&null), a.get(**k).unwrap_or(&null)))
        .map(|k| key_text(k).len())
        .max()
        .unwrap_or(0);
    for k in &attr_keys {
        let (x, y) = (b.get(**k).unwrap_or(&null), a.get(**k).unwrap_or(&null));
        if !differs(k, x, y) {
            if !x.is_null() {
                unchanged += 1;
            }
            continue;
        }
        let force = if top && forces.iter().any(|f| f == **k) {
            " # forces replacement"
        } else {
            ""
        };
        let name = format!("{:<width$}", key_text(k));
        if x.is_sensitive() || y.is_sensitive() {
            out.push(format!("{pad}~ {name} = (sensitive value){force}"));
            continue;
        }
        match (x, y) {
            (Value::Null, y) => value_lines(&format!("{pad}+ {name} = "), y, "+", indent, out),
            (x, Value::Null) => out.push(format!(
                "{pad}- {name} = {} -> null{force}",
                inline(x, false)
            )),
            (Value::Map(_), Value::Map(_)) => {
                out.push(format!("{pad}~ {name} = {{{force}"));
                diff_map(x, y, indent + 4, out);
                out.push(format!("{pad}  }}"));
            }
            _ => out.push(format!(
                "{pad}~ {name} = {} -> {}{force}",
                inline(x, false),
                inline(y, false)
            )),
        }
    }
    for k in keys.iter().filter(|k| {
        is_block_list(b.get(**k).unwrap_or(&null)) || is_block_list(a.get(**k).unwrap_or(&null))
    }) {
        let force = if top && forces.iter().any(|f| f == *k) {
            " # forces replacement"
        } else {
            ""
        };
        let empty: &[Value] = &[];
        let xs = b.get(*k).and_then(Value::as_list).unwrap_or(empty);
        let ys = a.get(*k).and_then(Value::as_list).unwrap_or(empty);
        let positional =
            matches!(b.get(*k), Some(Value::List(_))) || matches!(a.get(*k), Some(Value::List(_)));
        if positional {
            for i in 0..xs.len().max(ys.len()) {
                match (xs.get(i), ys.get(i)) {
                    (Some(x), Some(y)) if values_equal(x, y) => unchanged_blocks += 1,
                    (Some(x), Some(y)) => {
                        out.push(format!("{pad}~ {k} {{{force}"));
                        diff_object(x, y, &[], &[], indent + 4, out, false);
                        out.push(format!("{pad}  }}"));
                    }
                    (Some(x), None) => {
                        out.push(format!("{pad}- {k} {{{force}"));
                        object_lines(x, "-", indent + 4, out);
                        out.push(format!("{pad}  }}"));
                    }
                    (None, Some(y)) => {
                        out.push(format!("{pad}+ {k} {{{force}"));
                        object_lines(y, "+", indent + 4, out);
                        out.push(format!("{pad}  }}"));
                    }
                    (None, None) => {}
                }
            }
        } else {
            for x in xs.iter().filter(|x| !ys.iter().any(|y| values_equal(x, y))) {
                out.push(format!("{pad}- {k} {{{force}"));
                object_lines(x, "-", indent + 4, out);
                out.push(format!("{pad}  }}"));
            }
            for y in ys.iter().filter(|y| !xs.iter().any(|x| values_equal(x, y))) {
                out.push(format!("{pad}+ {k} {{{force}"));
                object_lines(y, "+", indent + 4, out);
                out.push(format!("{pad}  }}"));
            }
            unchanged_blocks += xs
                .iter()
                .filter(|x| ys.iter().any(|y| values_equal(x, y)))
                .count();
        }
    }
    if unchanged > 0 {
        out.push(format!(
            "{pad}  # ({unchanged} unchanged attribute{} hidden)",
            plural(unchanged)
        ));
    }
    if unchanged_blocks > 0 {
        out.push(format!(
            "{pad}  # ({unchanged_blocks} unchanged block{} hidden)",
            plural(unchanged_blocks)
        ));
    }
}

fn diff_map(before: &Value, after: &Value, indent: usize, out: &mut Vec<String>) {
    let (Some(b), Some(a)) = (before.as_map(), after.as_map()) else {
        return;
    };
    let pad = " ".repeat(indent);
    let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    let width = keys
        .iter()
        .map(|k| serde_json::Value::String((*k).clone()).to_string().len())
        .max()
        .unwrap_or(0);
    let mut unchanged = 0;
    for k in keys {
        let key = format!(
            "{:<width$}",
            serde_json::Value::String(k.clone()).to_string()
        );
        match (b.get(k), a.get(k)) {
            (Some(x), Some(y)) if values_equal(x, y) => unchanged += 1,
            (Some(x), Some(y)) => out.push(format!(
                "{pad}~ {key} = {} -> {}",
                inline(x, x.is_sensitive()),
                inline(y, y.is_sensitive())
            )),
            (Some(x), None) => out.push(format!(
                "{pad}- {key} = {} -> null",
                inline(x, x.is_sensitive())
            )),
            (None, Some(y)) => out.push(format!("{pad}+ {key} = {}", inline(y, y.is_sensitive()))),
            (None, None) => {}
        }
    }
    if unchanged > 0 {
        out.push(format!(
            "{pad}  # ({unchanged} unchanged element{} hidden)",
            plural(unchanged)
        ));
    }
}

#[cfg(test)]
#[path = "plan_refresh_only_tests.rs"]
mod refresh_only_tests;

//! Drift reports for people: findings grouped by kind, each resource once with its attribute
//! differences in plan notation and a severity marker per line, a summary line, and the
//! commands that resolve what was found.

use super::Style;
use crate::drift::{DriftReport, Finding, FindingKind, Severity};
use indexmap::IndexMap;
use std::fmt::Write;

/// The report as text. Findings keep the report's order within each kind; `changed` findings
/// are grouped under their resource. With no findings, one line saying so.
pub fn render_drift_human(report: &DriftReport, style: Style) -> String {
    let mut out = String::new();
    if report.findings.is_empty() {
        let _ = writeln!(
            out,
            "{} the cloud matches the state ({} checked, {}).",
            style.green("No drift:"),
            count(report.resources_checked, "resource", "resources"),
            count(report.api_calls as usize, "API call", "API calls"),
        );
        return out;
    }
    for kind in FindingKind::ALL {
        let found: Vec<&Finding> = report.findings.iter().filter(|f| f.kind == kind).collect();
        if found.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}\n", style.bold(&kind_heading(kind, found.len())));
        match kind {
            FindingKind::Changed => changed_section(&found, style, &mut out),
            _ => object_section(&found, style, &mut out),
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{} {}", style.bold("Drift:"), summary_text(report));
    out.push_str("\nWhat to do next:\n");
    let steps = next_steps(report);
    let width = steps.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    for (cmd, what) in steps {
        let _ = writeln!(out, "  {cmd:<width$}  {what}");
    }
    out
}

/// "Changed outside Terrace (4 findings)"-style section titles; shared with the markdown.
pub(super) fn kind_title(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Changed => "Changed outside Terrace",
        FindingKind::Deleted => "Deleted outside Terrace",
        FindingKind::Unmanaged => "Unmanaged",
        FindingKind::Untracked => "Untracked",
    }
}

fn kind_heading(kind: FindingKind, n: usize) -> String {
    let what = match kind {
        FindingKind::Changed => "the cloud differs from the state",
        FindingKind::Deleted => "in the state, gone from the cloud",
        FindingKind::Unmanaged => "in a VPC that Terrace manages, known to no state",
        FindingKind::Untracked => {
            "tagged with this state's lineage but missing from it, left by an interrupted apply"
        }
    };
    format!(
        "{} ({}): {what}",
        kind_title(kind),
        count(n, "finding", "findings")
    )
}

/// `5 findings (2 high, 2 medium, 1 low) in 47 resources, 6 API calls, 1.2s`.
fn summary_text(report: &DriftReport) -> String {
    format!("{} in {}", findings_text(report), run_text(report))
}

/// `5 findings (2 high, 2 medium, 1 low)`; severities with no finding are left out.
pub(super) fn findings_text(report: &DriftReport) -> String {
    let by_severity: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|s| {
            let n = report.summary.by_severity.get(s.as_str()).copied()?;
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect();
    let mut text = count(report.summary.total, "finding", "findings");
    if !by_severity.is_empty() {
        let _ = write!(text, " ({})", by_severity.join(", "));
    }
    text
}

/// `47 resources, 6 API calls, 1.2s`.
fn run_text(report: &DriftReport) -> String {
    format!(
        "{}, {}, {}",
        count(report.resources_checked, "resource", "resources"),
        count(report.api_calls as usize, "API call", "API calls"),
        duration_text(report.duration_ms)
    )
}

/// `1 finding`, `2 findings`.
pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `850ms`, `1.2s`, `2m05s`.
pub(super) fn duration_text(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        let s = ms / 1000;
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

/// `[high]` red, `[medium]` yellow, `[low]` dim, padded to one width.
fn marker(severity: Severity, style: Style) -> String {
    let raw = format!("[{}]", severity.as_str());
    let pad = " ".repeat("[medium]".len() - raw.len());
    let painted = match severity {
        Severity::High => style.red(&raw),
        Severity::Medium => style.yellow(&raw),
        Severity::Low => style.dim(&raw),
    };
    format!("{painted}{pad}")
}

/// How a resource is named: its address and id, or its type and id when no state knows it.
fn resource_label(f: &Finding) -> String {
    match &f.address {
        Some(a) => format!("{a} ({})", f.resource_id),
        None => format!("{} {}", f.resource_type, f.resource_id),
    }
}

fn changed_section(found: &[&Finding], style: Style, out: &mut String) {
    let mut by_resource: IndexMap<(Option<&str>, &str, &str), Vec<&Finding>> = IndexMap::new();
    for f in found {
        let key = (
            f.address.as_deref(),
            f.resource_type.as_str(),
            f.resource_id.as_str(),
        );
        by_resource.entry(key).or_default().push(f);
    }
    for findings in by_resource.values() {
        let _ = writeln!(
            out,
            "  {}",
            style.bold(&format!("# {}", resource_label(findings[0])))
        );
        for f in findings {
            let _ = writeln!(
                out,
                "    {} {}",
                marker(f.severity, style),
                diff_line(f, style)
            );
            reason_line(f, 4, out);
        }
        out.push('\n');
    }
    out.pop();
}

/// Deleted, unmanaged and untracked findings: one line per object.
fn object_section(found: &[&Finding], style: Style, out: &mut String) {
    for f in found {
        let mut line = resource_label(f);
        if let Some(name) = &f.name {
            let _ = write!(line, " {}", quoted(name));
        }
        if let Some(vpc) = &f.vpc_id {
            let _ = write!(line, " in {vpc}");
        }
        if let Some(t) = &f.tagged_address {
            let _ = write!(line, ", tagged as {t}");
        }
        let _ = writeln!(out, "  {} {line}", marker(f.severity, style));
        reason_line(f, 2, out);
    }
}

/// `# why`, under the text that follows the severity marker.
fn reason_line(f: &Finding, indent: usize, out: &mut String) {
    if let Some(r) = &f.reason {
        let pad = " ".repeat(indent + "[medium] ".len());
        let _ = writeln!(out, "{pad}# {r}");
    }
}

/// One attribute difference in plan notation: `~ a = x -> y`, `+ a = y`, `- a = x -> null`;
/// a set element (an object under a bare attribute name) as `+ ingress { … }`.
fn diff_line(f: &Finding, style: Style) -> String {
    let path = f.path.as_deref().unwrap_or("(object)");
    let (sym, text) = if f.sensitive {
        ("~", format!("{path} = (sensitive value)"))
    } else {
        match (&f.state_value, &f.cloud_value) {
            (None, Some(c)) => ("+", assignment(path, c)),
            (Some(s), None) if is_block(path, s) => ("-", assignment(path, s)),
            (Some(s), None) => ("-", format!("{path} = {} -> null", compact(s))),
            (Some(s), Some(c)) => ("~", format!("{path} = {} -> {}", compact(s), compact(c))),
            (None, None) => ("~", path.to_string()),
        }
    };
    let painted = match sym {
        "+" => style.green(sym),
        "-" => style.red(sym),
        _ => style.yellow(sym),
    };
    format!("{painted} {text}")
}

/// Whether `v` is a set element (an object under a bare attribute name, like `ingress`).
pub(super) fn is_block(path: &str, v: &serde_json::Value) -> bool {
    v.is_object() && crate::config::is_valid_name(path)
}

/// `path = value`, or `path { … }` for a block.
fn assignment(path: &str, v: &serde_json::Value) -> String {
    if is_block(path, v) {
        format!("{path} {}", block(v))
    } else {
        format!("{path} = {}", compact(v))
    }
}

/// A block's attributes on one line, leaving out nulls and empty collections:
/// `{ cidr_blocks = ["0.0.0.0/0"], from_port = 22 }`.
pub(super) fn block(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    let Some(m) = v.as_object() else {
        return compact(v);
    };
    let attrs: Vec<String> = m
        .iter()
        .filter(|(_, x)| match x {
            J::Null => false,
            J::Array(a) => !a.is_empty(),
            J::Object(o) => !o.is_empty(),
            _ => true,
        })
        .map(|(k, x)| format!("{} = {}", key(k), compact(x)))
        .collect();
    if attrs.is_empty() {
        "{}".into()
    } else {
        format!("{{ {} }}", attrs.join(", "))
    }
}

/// A value on one line in HCL notation: strings quoted, `[a, b]`, `{ k = v }`.
pub(super) fn compact(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::String(s) => quoted(s),
        J::Array(items) => format!(
            "[{}]",
            items.iter().map(compact).collect::<Vec<_>>().join(", ")
        ),
        J::Object(m) if m.is_empty() => "{}".into(),
        J::Object(m) => format!(
            "{{ {} }}",
            m.iter()
                .map(|(k, x)| format!("{} = {}", key(k), compact(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn key(k: &str) -> String {
    if crate::config::is_valid_name(k) {
        k.to_string()
    } else {
        quoted(k)
    }
}

/// The commands that resolve each kind of finding present, with what each does; shared with
/// the markdown.
pub(super) fn next_steps(report: &DriftReport) -> Vec<(&'static str, &'static str)> {
    let has = |k: FindingKind| report.findings.iter().any(|f| f.kind == k);
    let changed = has(FindingKind::Changed) || has(FindingKind::Deleted);
    let untracked = has(FindingKind::Untracked);
    let mut steps = Vec::new();
    match (changed, untracked) {
        (true, true) => steps.push((
            "terrace apply",
            "puts the cloud back to the configuration (recreates deleted objects) and adopts \
             the untracked objects into the state",
        )),
        (true, false) => steps.push((
            "terrace apply",
            "puts the cloud back to the configuration (recreates deleted objects)",
        )),
        (false, true) => steps.push((
            "terrace apply",
            "adopts the untracked objects into the state",
        )),
        (false, false) => {}
    }
    if changed {
        steps.push((
            "terrace apply -refresh-only",
            "accepts the cloud's values into the state (forgets deleted objects)",
        ));
    }
    if has(FindingKind::Unmanaged) {
        steps.push((
            "terrace import ADDR ID",
            "brings one unmanaged object under management (ADDR must be in the configuration)",
        ));
        steps.push((
            "terrace drift --generate-config FILE",
            "writes resource and import blocks for every unmanaged object",
        ));
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::drift_sample::{report, sample_report};

    #[test]
    fn drift_human_sample() {
        insta::assert_snapshot!(render_drift_human(&sample_report(), Style::plain()));
    }

    #[test]
    fn drift_human_no_drift() {
        let text = render_drift_human(&report(vec![]), Style::plain());
        assert_eq!(
            text,
            "No drift: the cloud matches the state (47 resources checked, 6 API calls).\n"
        );
    }

    #[test]
    fn drift_human_colours_severity_markers() {
        let text = render_drift_human(&sample_report(), Style { color: true });
        assert!(text.contains("\x1b[1;31m[high]\x1b[0m  "), "{text}");
        assert!(text.contains("\x1b[1;33m[medium]\x1b[0m "), "{text}");
        assert!(text.contains("\x1b[2m[low]\x1b[0m   "), "{text}");
        assert!(!render_drift_human(&sample_report(), Style::plain()).contains('\x1b'));
    }

    #[test]
    fn drift_human_durations_and_plurals() {
        assert_eq!(duration_text(850), "850ms");
        assert_eq!(duration_text(1234), "1.2s");
        assert_eq!(duration_text(125_000), "2m05s");
        assert_eq!(count(1, "finding", "findings"), "1 finding");
        assert_eq!(count(0, "finding", "findings"), "0 findings");
    }

    #[test]
    fn drift_human_values_in_hcl_notation() {
        let v = serde_json::json!({"a b": [1, "x"], "c": {}, "d": null, "e": true});
        assert_eq!(
            compact(&v),
            r#"{ "a b" = [1, "x"], c = {}, d = null, e = true }"#
        );
        assert_eq!(block(&v), r#"{ "a b" = [1, "x"], e = true }"#);
    }
}

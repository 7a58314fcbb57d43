//! Drift reports in GitHub/GitLab-flavoured markdown, for a CI job summary, a merge request
//! comment or an issue body: a heading with the counts, then one table per kind, most severe
//! first.

use super::drift_human::{
    block, compact, count, duration_text, findings_text, is_block, kind_title, next_steps,
};
use crate::drift::{DriftReport, Finding, FindingKind, Severity};
use std::fmt::Write;

/// Values longer than this many characters are cut, ending in `…`.
const MAX_VALUE_CHARS: usize = 60;

/// The report as markdown. Every cell is escaped so that no value can break the table:
/// values are code spans with `|` escaped, free text has markdown punctuation escaped. With no
/// findings, one line.
pub fn render_drift_markdown(report: &DriftReport) -> String {
    let mut out = String::new();
    if report.findings.is_empty() {
        let _ = writeln!(
            out,
            "✅ No drift in {}: the cloud matches the state ({} checked, {}).",
            code(&report.workspace),
            count(report.resources_checked, "resource", "resources"),
            count(report.api_calls as usize, "API call", "API calls"),
        );
        return out;
    }
    let _ = writeln!(
        out,
        "## Terrace drift in {}: {}\n",
        code(&report.workspace),
        findings_text(report)
    );
    let _ = write!(
        out,
        "Checked {} with {} in {}; run started {}",
        count(report.resources_checked, "resource", "resources"),
        count(report.api_calls as usize, "API call", "API calls"),
        duration_text(report.duration_ms),
        report.started_at
    );
    if let Some(serial) = report.serial {
        let _ = write!(out, ", state serial {serial}");
    }
    out.push_str(".\n\n");
    for kind in FindingKind::ALL {
        let mut found: Vec<&Finding> = report.findings.iter().filter(|f| f.kind == kind).collect();
        if found.is_empty() {
            continue;
        }
        // Stable: the report's order within one severity.
        found.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let _ = writeln!(out, "### {} ({})\n", kind_title(kind), found.len());
        table(kind, &found, &mut out);
        out.push('\n');
    }
    out.push_str("**What to do next**\n\n");
    for (cmd, what) in next_steps(report) {
        let _ = writeln!(out, "- {}: {}", code(cmd), text(what));
    }
    out
}

type Column = (&'static str, fn(&Finding) -> String);

fn table(kind: FindingKind, found: &[&Finding], out: &mut String) {
    let mut columns: Vec<Column> = vec![("Severity", |f| severity(f.severity))];
    match kind {
        FindingKind::Changed => columns.extend([
            ("Address", address as fn(&Finding) -> String),
            ("ID", |f| code(&f.resource_id)),
            ("Attribute", |f| opt_code(f.path.as_deref())),
            ("In state", |f| value(f, f.state_value.as_ref())),
            ("In cloud", |f| value(f, f.cloud_value.as_ref())),
        ]),
        FindingKind::Deleted => columns.extend([
            ("Address", address as fn(&Finding) -> String),
            ("ID", |f| code(&f.resource_id)),
        ]),
        FindingKind::Unmanaged | FindingKind::Untracked => {
            columns.extend([
                (
                    "Type",
                    (|f| code(&f.resource_type)) as fn(&Finding) -> String,
                ),
                ("ID", |f| code(&f.resource_id)),
                ("Name", |f| opt_code(f.name.as_deref())),
                ("VPC", |f| opt_code(f.vpc_id.as_deref())),
            ]);
            if kind == FindingKind::Untracked {
                columns.push(("Tagged as", |f| opt_code(f.tagged_address.as_deref())));
            }
        }
    }
    if found.iter().any(|f| f.reason.is_some()) {
        columns.push(("Why", |f| f.reason.as_deref().map_or(String::new(), text)));
    }
    let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    out.push_str(&row(columns.iter().map(|(h, _)| h.to_string()).collect()));
    out.push_str(&row(columns.iter().map(|_| "---".to_string()).collect()));
    for f in found {
        out.push_str(&row(columns.iter().map(|(_, cell)| cell(f)).collect()));
    }
}

fn severity(s: Severity) -> String {
    let icon = match s {
        Severity::High => "🔴",
        Severity::Medium => "🟠",
        Severity::Low => "🟡",
    };
    format!("{icon} {}", s.as_str())
}

fn address(f: &Finding) -> String {
    opt_code(f.address.as_deref())
}

/// One side of a difference: the value in HCL notation, `—` when absent on that side.
fn value(f: &Finding, v: Option<&serde_json::Value>) -> String {
    if f.sensitive {
        return "*(sensitive value)*".into();
    }
    match v {
        None => "—".into(),
        Some(v) => {
            let path = f.path.as_deref().unwrap_or("");
            code(&truncate(&if is_block(path, v) {
                block(v)
            } else {
                compact(v)
            }))
        }
    }
}

fn opt_code(s: Option<&str>) -> String {
    s.map_or_else(|| "—".into(), code)
}

/// At most [`MAX_VALUE_CHARS`] characters, the last one `…` when cut.
fn truncate(s: &str) -> String {
    if s.chars().count() <= MAX_VALUE_CHARS {
        return s.to_string();
    }
    let mut t: String = s.chars().take(MAX_VALUE_CHARS - 1).collect();
    t.push('…');
    t
}

/// A code span that survives any content in a table cell: the fence is longer than any run
/// of backticks inside, padded when the content starts or ends with one, `|` escaped (GFM
/// reads `\|` as a pipe even inside code), line breaks as spaces; `—` for the empty string.
fn code(s: &str) -> String {
    if s.is_empty() {
        return "—".into();
    }
    let s = s.replace(['\n', '\r'], " ");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", s.replace('|', "\\|"))
}

/// Free text with markdown punctuation escaped, on one line.
pub(super) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::drift_sample::{report, sample_report};

    #[test]
    fn drift_markdown_sample() {
        insta::assert_snapshot!(render_drift_markdown(&sample_report()));
    }

    #[test]
    fn drift_markdown_no_drift() {
        assert_eq!(
            render_drift_markdown(&report(vec![])),
            "✅ No drift in `default`: the cloud matches the state (47 resources checked, 6 API calls).\n"
        );
    }

    #[test]
    fn drift_markdown_code_spans_survive_backticks_and_pipes() {
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x``"), "``` `x`` ```");
        assert_eq!(code("two\nlines"), "`two lines`");
        assert_eq!(text("a|b *c* <d>"), "a\\|b \\*c\\* \\<d\\>");
    }

    #[test]
    fn drift_markdown_truncates_long_values() {
        let long = "x".repeat(61);
        let cut = truncate(&long);
        assert_eq!(cut.chars().count(), MAX_VALUE_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate(&"é".repeat(60)), "é".repeat(60));
    }

    #[test]
    fn drift_markdown_rows_have_as_many_cells_as_the_header() {
        let md = render_drift_markdown(&sample_report());
        let mut header_cells = None;
        for line in md.lines() {
            if !line.starts_with('|') {
                header_cells = None;
                continue;
            }
            // Unescaped pipes delimit cells.
            let cells = line.replace("\\|", "").matches('|').count();
            match header_cells {
                None => header_cells = Some(cells),
                Some(n) => assert_eq!(cells, n, "{line}"),
            }
        }
    }

    #[test]
    fn drift_markdown_puts_high_first() {
        let md = render_drift_markdown(&sample_report());
        let changed = &md[md.find("### Changed").unwrap()..md.find("### Deleted").unwrap()];
        let first_row = changed.lines().nth(4).unwrap();
        assert!(first_row.starts_with("| 🔴 high |"), "{changed}");
    }
}

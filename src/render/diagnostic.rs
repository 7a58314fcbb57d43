//! Diagnostics as text (with a source snippet and caret) and as Terraform-compatible JSON.

use super::Style;
use crate::diag::{Diagnostic, Diagnostics, Severity, SourceMap};
use serde_json::json;
use std::fmt::Write;

/// Renders one diagnostic:
///
/// ```text
/// Error: Unsupported argument
///
///   on main.tf:3:3:
///      3 |   cidr_blok = "10.0.0.0/16"
///        |   ^^^^^^^^^
///
/// An argument named "cidr_blok" is not expected in a resource block.
/// Hint: did you mean "cidr_block"?
/// ```
pub fn render_diagnostic(d: &Diagnostic, sources: &SourceMap, style: Style) -> String {
    let mut out = String::new();
    let label = match d.severity {
        Severity::Error => style.red("Error:"),
        Severity::Warning => style.yellow("Warning:"),
    };
    let _ = writeln!(out, "{label} {}", style.bold(&d.summary));
    if let Some(span) = &d.span {
        if let Some(f) = sources.get(span.file) {
            let start = f.line_col(span.range.start);
            let end = f.line_col(span.range.end.max(span.range.start));
            let _ = writeln!(
                out,
                "\n  on {}:{}:{}:",
                f.path.display(),
                start.line,
                start.col
            );
            let text = f.line_text(start.line);
            let width = start.line.to_string().len().max(3);
            let _ = writeln!(
                out,
                "  {:>width$} | {}",
                start.line,
                text.replace('\t', " ")
            );
            let caret_len = if end.line == start.line {
                end.col.saturating_sub(start.col).max(1)
            } else {
                text.chars().count().saturating_sub(start.col - 1).max(1)
            };
            let pad = " ".repeat(start.col - 1);
            let _ = writeln!(
                out,
                "  {:>width$} | {pad}{}",
                "",
                style.red(&"^".repeat(caret_len))
            );
        }
    }
    if let Some(detail) = &d.detail {
        let _ = writeln!(out, "\n{detail}");
    }
    if let Some(hint) = &d.hint {
        let _ = writeln!(out, "{} {hint}", style.bold("Hint:"));
    }
    out
}

/// Renders all diagnostics separated by blank lines.
pub fn render_diagnostics(ds: &Diagnostics, sources: &SourceMap, style: Style) -> String {
    ds.iter()
        .map(|d| render_diagnostic(d, sources, style))
        .collect::<Vec<_>>()
        .join("\n")
}

fn pos_json(sources: &SourceMap, file: crate::diag::FileId, byte: usize) -> serde_json::Value {
    let lc = sources.get(file).map(|f| f.line_col(byte));
    json!({"line": lc.map_or(0, |l| l.line), "column": lc.map_or(0, |l| l.col), "byte": byte})
}

/// One diagnostic in Terraform's JSON shape (`terraform validate -json`).
pub fn diagnostic_json(d: &Diagnostic, sources: &SourceMap) -> serde_json::Value {
    let mut detail = d.detail.clone().unwrap_or_default();
    if let Some(h) = &d.hint {
        if !detail.is_empty() {
            detail.push('\n');
        }
        detail.push_str("Hint: ");
        detail.push_str(h);
    }
    let mut v = json!({
        "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "summary": d.summary,
        "detail": detail,
    });
    if let Some(span) = &d.span {
        if let Some(f) = sources.get(span.file) {
            let start = f.line_col(span.range.start);
            v["range"] = json!({
                "filename": f.path.display().to_string(),
                "start": pos_json(sources, span.file, span.range.start),
                "end": pos_json(sources, span.file, span.range.end),
            });
            let line_start = f.offset_of(start.line, 1);
            v["snippet"] = json!({
                "context": serde_json::Value::Null,
                "code": f.line_text(start.line),
                "start_line": start.line,
                "highlight_start_offset": span.range.start - line_start,
                "highlight_end_offset": (span.range.end - line_start).min(f.line_text(start.line).len()),
                "values": [],
            });
        }
    }
    v
}

/// `terraform validate -json`'s document.
pub fn diagnostics_json(ds: &Diagnostics, sources: &SourceMap) -> serde_json::Value {
    json!({
        "format_version": "1.0",
        "valid": !ds.has_errors(),
        "error_count": ds.error_count(),
        "warning_count": ds.warning_count(),
        "diagnostics": ds.iter().map(|d| diagnostic_json(d, sources)).collect::<Vec<_>>(),
    })
}

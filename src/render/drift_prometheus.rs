//! Drift reports in the Prometheus text exposition format, for node_exporter's textfile
//! collector (write the file with [`super::write_atomically`] so the collector never reads
//! half of it).
//!
//! Every series carries a `workspace` label. Alerting on any high-severity drift is one rule,
//! `sum(terrace_drift_findings{severity="high"}) > 0`; on a failed run,
//! `terrace_drift_success == 0`; on a schedule that stopped,
//! `time() - terrace_drift_last_run_timestamp_seconds > 3600`.

use crate::drift::DriftReport;
use std::collections::BTreeMap;
use std::fmt::Write;

const FINDINGS_HELP: &str = "Drift findings of the last terrace drift run, by kind \
(changed, deleted, unmanaged, untracked), resource type and severity (high, medium, low); \
no series for a combination not found, none at all when the run failed \
(terrace_drift_success 0). Alert on any high: \
sum(terrace_drift_findings{severity=\"high\"}) > 0";

/// The report as textfile-collector metrics: `terrace_drift_findings` (one series per kind,
/// resource type and severity found), the run's start time, duration, API calls and
/// resources checked, and `terrace_drift_success` 1. A `started_at` that is not RFC 3339
/// (never the case for reports Terrace builds) leaves out the timestamp series, with a
/// comment saying why.
pub fn render_drift_prometheus(report: &DriftReport) -> String {
    let ws = report.workspace.as_str();
    let mut out = String::new();
    let mut findings: BTreeMap<(&str, &str, &str), u64> = BTreeMap::new();
    for f in &report.findings {
        *findings
            .entry((
                f.kind.as_str(),
                f.resource_type.as_str(),
                f.severity.as_str(),
            ))
            .or_default() += 1;
    }
    if !findings.is_empty() {
        family(&mut out, "terrace_drift_findings", FINDINGS_HELP);
        for ((kind, ty, severity), n) in &findings {
            sample(
                &mut out,
                "terrace_drift_findings",
                &[
                    ("workspace", ws),
                    ("kind", kind),
                    ("resource_type", ty),
                    ("severity", severity),
                ],
                *n as f64,
            );
        }
    }
    match rfc3339_to_unix(&report.started_at) {
        Some(t) => run_facts(&mut out, ws, t, report.duration_ms as f64 / 1000.0),
        None => {
            let _ = writeln!(
                out,
                "# started_at {} is not an RFC 3339 time: no timestamp series",
                serde_json::Value::String(report.started_at.clone())
            );
            duration(&mut out, ws, report.duration_ms as f64 / 1000.0);
        }
    }
    gauge(
        &mut out,
        "terrace_drift_api_calls",
        "Cloud API requests the last terrace drift run made, retries included.",
        ws,
        report.api_calls as f64,
    );
    gauge(
        &mut out,
        "terrace_drift_resources_checked",
        "Managed objects the last terrace drift run compared with the cloud.",
        ws,
        report.resources_checked as f64,
    );
    success(&mut out, ws, true);
    out
}

/// The metrics of a run that failed (unreachable API, unreadable state): its start time and
/// duration, and `terrace_drift_success` 0. No findings series: what the cloud looks like
/// is unknown, so alert on `terrace_drift_success == 0` as well as on findings.
pub fn render_drift_prometheus_failure(
    workspace: &str,
    started_at_unix: f64,
    duration_secs: f64,
) -> String {
    let mut out = String::new();
    run_facts(&mut out, workspace, started_at_unix, duration_secs);
    success(&mut out, workspace, false);
    out
}

fn run_facts(out: &mut String, ws: &str, started_at_unix: f64, duration_secs: f64) {
    gauge(
        out,
        "terrace_drift_last_run_timestamp_seconds",
        "Unix time the last terrace drift run started.",
        ws,
        started_at_unix,
    );
    duration(out, ws, duration_secs);
}

fn duration(out: &mut String, ws: &str, secs: f64) {
    gauge(
        out,
        "terrace_drift_last_run_duration_seconds",
        "How long the last terrace drift run took, in seconds.",
        ws,
        secs,
    );
}

fn success(out: &mut String, ws: &str, ok: bool) {
    gauge(
        out,
        "terrace_drift_success",
        "1 if the last terrace drift run completed (whatever it found), 0 if it failed.",
        ws,
        if ok { 1.0 } else { 0.0 },
    );
}

/// A gauge family with one series labelled only by workspace.
fn gauge(out: &mut String, name: &str, help: &str, ws: &str, value: f64) {
    family(out, name, help);
    sample(out, name, &[("workspace", ws)], value);
}

fn family(out: &mut String, name: &str, help: &str) {
    let help = help.replace('\\', "\\\\").replace('\n', "\\n");
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    let labels: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect();
    let _ = writeln!(out, "{name}{{{}}} {}", labels.join(","), number(value));
}

/// A label value as the exposition format quotes it: `\`, `"` and line feeds escaped.
fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: Go's spellings for the non-finite ones.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        v.to_string()
    }
}

/// Seconds since the Unix epoch of an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, optional
/// fractional seconds, then `Z` or `±HH:MM` (`T` and `Z` in either case). Anything else, or
/// a date that does not exist, is `None`.
fn rfc3339_to_unix(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let digits = |from: usize, to: usize| -> Option<i64> {
        let t = b.get(from..to)?;
        if !t.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(t).ok()?.parse().ok()
    };
    let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 7)?, digits(8, 10)?);
    let (hour, minute, second) = (digits(11, 13)?, digits(14, 16)?, digits(17, 19)?);
    let mut i = 19;
    let mut fraction = 0.0;
    if at(i, b".") {
        let start = i + 1;
        i = start;
        while at(i, b"0123456789") {
            i += 1;
        }
        if i == start {
            return None;
        }
        fraction = format!("0.{}", &s[start..i]).parse().ok()?;
    }
    let offset = match &b[i..] {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (digits(i + 1, i + 3)?, digits(i + 4, i + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = h * 60 + m;
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => return None,
    };
    let month_ok = (1..=12).contains(&month);
    if !month_ok || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    // 60 is a leap second.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(secs as f64 + fraction)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date; Howard Hinnant's `days_from_civil`
/// (the inverse of `state::time`'s `civil_from_days`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
#[path = "drift_prometheus_tests.rs"]
mod tests;

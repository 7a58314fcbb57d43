use super::*;
use crate::render::drift_sample::{report, sample_report};
use std::collections::BTreeSet;
use std::time::{Duration, UNIX_EPOCH};

/// Label names and values, in order.
type Labels = Vec<(String, String)>;

/// One sample line: metric name, labels, value.
type Sample = (String, Labels, f64);

fn is_metric_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(x) if x.is_ascii_alphabetic() || x == '_' || x == ':')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
}

/// Parses `{k="v",…}` (with `\\`, `\"`, `\n` escapes) at the start of `s`; returns the
/// labels and the rest.
fn parse_labels(s: &str) -> Result<(Labels, &str), String> {
    let mut rest = s.strip_prefix('{').ok_or("no {")?;
    let mut labels = Vec::new();
    loop {
        if let Some(r) = rest.strip_prefix('}') {
            return Ok((labels, r));
        }
        let eq = rest.find('=').ok_or("label without =")?;
        let name = &rest[..eq];
        if !is_metric_name(name) || name.contains(':') {
            return Err(format!("bad label name {name:?}"));
        }
        let mut chars = rest[eq + 1..]
            .strip_prefix('"')
            .ok_or("unquoted value")?
            .chars();
        let mut value = String::new();
        loop {
            match chars.next().ok_or("unterminated value")? {
                '"' => break,
                '\\' => match chars.next().ok_or("dangling escape")? {
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    'n' => value.push('\n'),
                    c => return Err(format!("bad escape \\{c}")),
                },
                '\n' => return Err("raw line feed in value".into()),
                c => value.push(c),
            }
        }
        labels.push((name.to_string(), value));
        rest = chars.as_str();
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// Checks the text line by line: every comment is `# HELP name text` or `# TYPE name gauge`
/// (or a free comment), every sample is `name{labels} value` of a family whose HELP and TYPE
/// came first, no series twice.
fn parse_exposition(text: &str) -> Result<Vec<Sample>, String> {
    let mut helped = BTreeSet::new();
    let mut typed = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut samples = Vec::new();
    if !text.ends_with('\n') {
        return Err("no final line feed".into());
    }
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _) = rest.split_once(' ').ok_or("HELP without text")?;
            if !is_metric_name(name) || !helped.insert(name.to_string()) {
                return Err(format!("bad or repeated HELP: {line}"));
            }
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, ty) = rest.split_once(' ').ok_or("TYPE without type")?;
            if ty != "gauge" || !helped.contains(name) || !typed.insert(name.to_string()) {
                return Err(format!("TYPE before HELP, repeated or not gauge: {line}"));
            }
        } else if line.starts_with('#') {
            continue;
        } else {
            let brace = line.find('{').ok_or_else(|| format!("no labels: {line}"))?;
            let name = &line[..brace];
            if !is_metric_name(name) || !typed.contains(name) {
                return Err(format!("sample without HELP and TYPE before it: {line}"));
            }
            let (labels, rest) =
                parse_labels(&line[brace..]).map_err(|e| format!("{e}: {line}"))?;
            let value = rest
                .strip_prefix(' ')
                .ok_or_else(|| format!("no value: {line}"))?;
            let value: f64 = match value {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                v => v.parse().map_err(|_| format!("bad value: {line}"))?,
            };
            if !seen.insert(line[..line.len() - rest.len()].to_string()) {
                return Err(format!("series repeated: {line}"));
            }
            samples.push((name.to_string(), labels, value));
        }
    }
    Ok(samples)
}

fn value_of(samples: &[Sample], name: &str) -> f64 {
    let found: Vec<f64> = samples
        .iter()
        .filter(|s| s.0 == name)
        .map(|s| s.2)
        .collect();
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    found[0]
}

#[test]
fn drift_prometheus_sample() {
    insta::assert_snapshot!(render_drift_prometheus(&sample_report()));
}

#[test]
fn drift_prometheus_no_drift() {
    insta::assert_snapshot!(render_drift_prometheus(&report(vec![])));
}

#[test]
fn drift_prometheus_output_parses_and_adds_up() {
    let r = sample_report();
    let samples = parse_exposition(&render_drift_prometheus(&r)).unwrap();
    for (name, labels, _) in &samples {
        assert_eq!(labels[0], ("workspace".into(), "default".into()), "{name}");
    }
    let findings: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.0 == "terrace_drift_findings")
        .collect();
    let total: f64 = findings.iter().map(|s| s.2).sum();
    assert_eq!(total as usize, r.findings.len());
    let high: f64 = findings
        .iter()
        .filter(|s| s.1.contains(&("severity".into(), "high".into())))
        .map(|s| s.2)
        .sum();
    assert_eq!(high, 3.0);
    // 2025-03-04T05:06:07Z
    assert_eq!(
        value_of(&samples, "terrace_drift_last_run_timestamp_seconds"),
        1_741_064_767.0
    );
    assert_eq!(
        value_of(&samples, "terrace_drift_last_run_duration_seconds"),
        1.234
    );
    assert_eq!(value_of(&samples, "terrace_drift_api_calls"), 6.0);
    assert_eq!(value_of(&samples, "terrace_drift_resources_checked"), 47.0);
    assert_eq!(value_of(&samples, "terrace_drift_success"), 1.0);
}

#[test]
fn drift_prometheus_failure_parses() {
    let text = render_drift_prometheus_failure("prod \"eu\"\\x", 1_741_064_767.5, 0.25);
    let samples = parse_exposition(&text).unwrap();
    let names: Vec<&str> = samples.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "terrace_drift_last_run_timestamp_seconds",
            "terrace_drift_last_run_duration_seconds",
            "terrace_drift_success"
        ]
    );
    for (_, labels, _) in &samples {
        assert_eq!(
            labels,
            &[("workspace".to_string(), "prod \"eu\"\\x".to_string())]
        );
    }
    assert_eq!(
        value_of(&samples, "terrace_drift_last_run_timestamp_seconds"),
        1_741_064_767.5
    );
    assert_eq!(value_of(&samples, "terrace_drift_success"), 0.0);
}

#[test]
fn drift_prometheus_escapes_label_values() {
    let mut r = sample_report();
    r.findings[0].resource_type = "odd\\type \"x\"\nnext".into();
    let samples = parse_exposition(&render_drift_prometheus(&r)).unwrap();
    let types: BTreeSet<&str> = samples
        .iter()
        .flat_map(|s| s.1.iter())
        .filter(|(k, _)| k == "resource_type")
        .map(|(_, v)| v.as_str())
        .collect();
    assert!(types.contains("odd\\type \"x\"\nnext"), "{types:?}");
    assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

#[test]
fn drift_prometheus_bad_started_at_drops_only_the_timestamp() {
    let mut r = sample_report();
    r.started_at = "yesterday\n".into();
    let text = render_drift_prometheus(&r);
    let samples = parse_exposition(&text).unwrap();
    assert!(samples
        .iter()
        .all(|s| s.0 != "terrace_drift_last_run_timestamp_seconds"));
    assert_eq!(value_of(&samples, "terrace_drift_success"), 1.0);
}

#[test]
fn drift_prometheus_non_finite_values() {
    assert_eq!(number(f64::NAN), "NaN");
    assert_eq!(number(f64::INFINITY), "+Inf");
    assert_eq!(number(f64::NEG_INFINITY), "-Inf");
    assert_eq!(number(0.25), "0.25");
    assert_eq!(number(1_741_064_767.0), "1741064767");
}

#[test]
fn rfc3339_parses_what_the_state_formats() {
    for secs in [
        0u64,
        68_169_600,
        951_782_400,
        1_709_251_199,
        1_741_064_767,
        4_107_542_400,
    ] {
        let text = crate::state::rfc3339_utc(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(rfc3339_to_unix(&text), Some(secs as f64), "{text}");
    }
    // Every day of four years, including a leap day, at midnight.
    for day in 0..(4 * 366) {
        let secs = 1_704_067_200 + day * 86_400;
        let text = crate::state::rfc3339_utc(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(rfc3339_to_unix(&text), Some(secs as f64), "{text}");
    }
}

#[test]
fn rfc3339_offsets_fractions_and_rejections() {
    let t = Some(1_741_064_767.0);
    assert_eq!(rfc3339_to_unix("2025-03-04T07:06:07+02:00"), t);
    assert_eq!(rfc3339_to_unix("2025-03-03T23:36:07-05:30"), t);
    assert_eq!(rfc3339_to_unix("2025-03-04t05:06:07z"), t);
    assert_eq!(
        rfc3339_to_unix("2025-03-04T05:06:07.5Z"),
        Some(1_741_064_767.5)
    );
    assert_eq!(rfc3339_to_unix("1969-12-31T23:59:59Z"), Some(-1.0));
    for bad in [
        "",
        "2025-03-04",
        "2025-03-04T05:06:07",
        "2025-03-04 05:06:07Z",
        "2025-03-04T05:06:07+0200",
        "2025-03-04T05:06:07.Z",
        "2025-03-04T05:06:07Zjunk",
        "2025-02-29T00:00:00Z",
        "2025-13-01T00:00:00Z",
        "2025-04-31T00:00:00Z",
        "2025-03-04T24:00:00Z",
        "2025-03-04T05:60:00Z",
        "2025-03-04T05:06:61Z",
        "2025-03-04T05:06:07+24:00",
        "+025-03-04T05:06:07Z",
        "2025-03-04T05:06:0éZ",
    ] {
        assert_eq!(rfc3339_to_unix(bad), None, "{bad:?}");
    }
    assert_eq!(
        rfc3339_to_unix("2024-02-29T00:00:00Z"),
        Some(1_709_164_800.0)
    );
}

#[test]
fn drift_prometheus_checker_rejects_malformed_text() {
    let help = "# HELP m x\n# TYPE m gauge\n";
    assert!(parse_exposition(&format!("{help}m{{workspace=\"a\"}} 1\n")).is_ok());
    for bad in [
        "m{workspace=\"a\"} 1\n".to_string(),
        "# TYPE m gauge\n# HELP m x\nm{workspace=\"a\"} 1\n".into(),
        format!("{help}m{{workspace=\"a\\q\"}} 1\n"),
        format!("{help}m{{workspace=\"a\"}} one\n"),
        format!("{help}m{{workspace=\"a\"}} 1\nm{{workspace=\"a\"}} 2\n"),
        format!("{help}m 1\n"),
        format!("{help}m{{workspace=\"a\"}} 1"),
    ] {
        assert!(parse_exposition(&bad).is_err(), "{bad:?}");
    }
}

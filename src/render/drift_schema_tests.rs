//! `state/drift-report.schema.json` describes exactly what `serde_json` writes for a
//! [`DriftReport`]: every field written is in the schema, every field in the schema is
//! written by some report, every enum spelling matches.

use crate::drift::{DriftReport, FindingKind, Severity};
use crate::render::drift_sample::{report, sample_report};
use serde_json::Value as J;
use std::collections::BTreeSet;

fn schema() -> J {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("state/drift-report.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("the schema is JSON")
}

/// Errors of `v` against the subset of JSON Schema the file uses: `$ref` to `$defs`,
/// `type`, `const`, `enum`, `required`, `properties`, `additionalProperties`, `items`,
/// `minimum`, `minLength`.
fn check(root: &J, schema: &J, v: &J, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(J::as_str) {
        match r
            .strip_prefix("#/$defs/")
            .and_then(|n| root["$defs"].get(n))
        {
            Some(def) => check(root, def, v, at, errors),
            None => errors.push(format!("{at}: dangling $ref {r}")),
        }
        return;
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            J::String(s) => vec![s.as_str()],
            J::Array(a) => a.iter().filter_map(J::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_u64() || v.is_i64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            errors.push(format!("{at}: {v} is not {types:?}"));
        }
    }
    if let Some(c) = schema.get("const") {
        if v != c {
            errors.push(format!("{at}: {v} is not {c}"));
        }
    }
    if let Some(e) = schema.get("enum").and_then(J::as_array) {
        if !e.contains(v) {
            errors.push(format!("{at}: {v} is not one of {e:?}"));
        }
    }
    if let (Some(m), Some(x)) = (schema.get("minimum").and_then(J::as_f64), v.as_f64()) {
        if x < m {
            errors.push(format!("{at}: {x} < {m}"));
        }
    }
    if let (Some(m), Some(s)) = (schema.get("minLength").and_then(J::as_u64), v.as_str()) {
        if (s.chars().count() as u64) < m {
            errors.push(format!("{at}: {s:?} shorter than {m}"));
        }
    }
    if let Some(obj) = v.as_object() {
        for k in schema
            .get("required")
            .and_then(J::as_array)
            .into_iter()
            .flatten()
        {
            if !obj.contains_key(k.as_str().unwrap_or_default()) {
                errors.push(format!("{at}: required field {k} missing"));
            }
        }
        let props = schema.get("properties").and_then(J::as_object);
        for (k, x) in obj {
            match (
                props.and_then(|p| p.get(k)),
                schema.get("additionalProperties"),
            ) {
                (Some(s), _) => check(root, s, x, &format!("{at}.{k}"), errors),
                (None, Some(J::Bool(false))) => {
                    errors.push(format!("{at}: {k:?} not in the schema"))
                }
                (None, Some(s @ J::Object(_))) => check(root, s, x, &format!("{at}.{k}"), errors),
                _ => {}
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            check(root, items, x, &format!("{at}[{i}]"), errors);
        }
    }
}

fn errors_of(report: &DriftReport) -> Vec<String> {
    let s = schema();
    let v: J = serde_json::from_str(&serde_json::to_string_pretty(report).unwrap()).unwrap();
    let mut errors = Vec::new();
    check(&s, &s, &v, "$", &mut errors);
    errors
}

#[test]
fn drift_schema_accepts_the_reports_serde_writes() {
    assert_eq!(
        schema()["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(errors_of(&sample_report()), Vec::<String>::new());
    let mut empty = report(vec![]);
    empty.lineage = None;
    empty.serial = None;
    assert_eq!(errors_of(&empty), Vec::<String>::new());
}

#[test]
fn drift_schema_rejects_what_it_does_not_list() {
    // The checker can fail: a renamed field and a wrong enum spelling are caught.
    let s = schema();
    let mut v = serde_json::to_value(sample_report()).unwrap();
    v["findings"][0]["kind"] = J::from("modified");
    v["findings"][1]["note"] = J::from("x");
    v.as_object_mut().unwrap().remove("api_calls");
    let mut errors = Vec::new();
    check(&s, &s, &v, "$", &mut errors);
    assert_eq!(errors.len(), 3, "{errors:#?}");
}

#[test]
fn drift_schema_enums_match_the_rust_enums() {
    let s = schema();
    // Sets of the strings listed (a non-string entry would make a set differ).
    let strings = |a: &J| -> BTreeSet<String> {
        a.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
            .collect()
    };
    let listed = |def: &str| strings(&s["$defs"][def]["enum"]);
    let serialised = |v: J| v.as_str().unwrap().to_string();
    let kinds: BTreeSet<String> = FindingKind::ALL
        .iter()
        .map(|k| serialised(serde_json::to_value(k).unwrap()))
        .collect();
    let severities: BTreeSet<String> = Severity::ALL
        .iter()
        .map(|k| serialised(serde_json::to_value(k).unwrap()))
        .collect();
    assert_eq!(listed("kind"), kinds);
    assert_eq!(listed("severity"), severities);
    // as_str spells what serde writes (the summary's keys and the metrics' labels use it).
    for k in FindingKind::ALL {
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
    }
    for k in Severity::ALL {
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
    }
    let required = |o: &J| strings(&o["required"]);
    let summary = &s["$defs"]["summary"]["properties"];
    assert_eq!(required(&summary["by_kind"]), kinds);
    assert_eq!(required(&summary["by_severity"]), severities);
}

#[test]
fn drift_schema_lists_only_fields_that_are_written_and_describes_each() {
    let s = schema();
    let v = serde_json::to_value(sample_report()).unwrap();
    let written_top: BTreeSet<&String> = v.as_object().unwrap().keys().collect();
    let written_finding: BTreeSet<&String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f.as_object().unwrap().keys())
        .collect();
    let listed = |o: &J| -> Vec<(String, J)> {
        o["properties"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, x)| (k.clone(), x.clone()))
            .collect()
    };
    let described = |x: &J| {
        x.get("description").is_some()
            || x["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .is_some_and(|d| s["$defs"][d].get("description").is_some())
    };
    for (k, x) in listed(&s) {
        assert!(written_top.contains(&k), "schema lists {k}, never written");
        assert!(described(&x), "{k} has no description");
    }
    for (k, x) in listed(&s["$defs"]["finding"]) {
        assert!(
            written_finding.contains(&k),
            "schema lists finding.{k}, never written"
        );
        assert!(described(&x), "finding.{k} has no description");
    }
}

#[test]
fn drift_schema_report_round_trips() {
    let r = sample_report();
    let back: DriftReport =
        serde_json::from_str(&serde_json::to_string_pretty(&r).unwrap()).unwrap();
    assert_eq!(back, r);
}

//! Apply and destroy progress through the binary against moto: `-json` streams one valid
//! machine-readable UI object per line, in a valid order, ending with `change_summary`;
//! line mode (no terminal, `NO_COLOR`) prints Terraform's lines without escapes.
//! Each test owns a configuration in region eu-south-1, which no other test uses.

use crate::support::{moto_url, terrace, TempConfig};
use serde_json::Value;

fn config(vpc_cidr: &str, subnet_cidr: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "eu-south-1"
}}

resource "aws_vpc" "main" {{
  cidr_block = "{vpc_cidr}"
}}

resource "aws_subnet" "a" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "{subnet_cidr}"
}}
"#
    )
}

/// Every stdout line as JSON, each with the fields of Terraform's machine-readable UI.
fn json_lines(stdout: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}\nwhole output:\n{stdout}"));
        for key in ["@level", "@message", "@timestamp", "type"] {
            assert!(v[key].is_string(), "{key} missing: {line}");
        }
        assert_eq!(v["@module"], "terrace.ui", "{line}");
        assert!(
            matches!(v["@level"].as_str(), Some("info" | "warn" | "error")),
            "{line}"
        );
        let kind = v["type"].as_str().unwrap_or_default();
        if kind.starts_with("apply_") {
            let r = &v["hook"]["resource"];
            for key in [
                "addr",
                "module",
                "resource",
                "resource_type",
                "resource_name",
            ] {
                assert!(r[key].is_string(), "hook.resource.{key} missing: {line}");
            }
            assert!(v["hook"]["action"].is_string(), "{line}");
        }
        if matches!(kind, "apply_progress" | "apply_complete" | "apply_errored") {
            assert!(v["hook"]["elapsed_seconds"].is_u64(), "{line}");
        }
        out.push(v);
    }
    out
}

fn addr(v: &Value) -> &str {
    v["hook"]["resource"]["addr"].as_str().unwrap_or_default()
}

/// Index of the one event of `kind` for `address`.
fn position(events: &[Value], kind: &str, address: &str) -> usize {
    let found: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e["type"] == kind && addr(e) == address)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(found.len(), 1, "{kind} for {address}: {events:#?}");
    found[0]
}

/// Terraform's stream: `version` first; the plan's messages and its `change_summary`
/// before any change starts; each change starts once, ends once after its start, with
/// progress only in between; the apply's `change_summary` once, followed only by `outputs`.
/// Returns the apply's summary.
fn apply_summary(events: &[Value]) -> &Value {
    assert_eq!(events[0]["type"], "version", "{events:#?}");
    let summaries: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e["type"] == "change_summary")
        .map(|(i, _)| i)
        .collect();
    let last = *summaries.last().expect("a change_summary");
    let applied: Vec<&usize> = summaries
        .iter()
        .filter(|&&i| events[i]["changes"]["operation"] != "plan")
        .collect();
    assert_eq!(applied, [&last], "one apply summary, last: {events:#?}");
    for e in &events[last + 1..] {
        assert_eq!(e["type"], "outputs", "after the summary: {e}");
    }
    if let Some(first_start) = events.iter().position(|e| e["type"] == "apply_start") {
        assert!(summaries
            .iter()
            .filter(|&&i| i != last)
            .all(|&i| i < first_start));
    }
    &events[last]
}

/// [`apply_summary`] and the per-change order; returns the apply summary's `changes`.
fn check_order(events: &[Value]) -> Value {
    let last = apply_summary(events);
    for e in events.iter().filter(|e| e["type"] == "apply_start") {
        let a = addr(e);
        let start = position(events, "apply_start", a);
        let ends: Vec<usize> = events
            .iter()
            .enumerate()
            .filter(|(_, x)| {
                matches!(x["type"].as_str(), Some("apply_complete" | "apply_errored"))
                    && addr(x) == a
            })
            .map(|(i, _)| i)
            .collect();
        assert_eq!(ends.len(), 1, "{a} ends {} times", ends.len());
        assert!(start < ends[0], "{a} ends before it starts");
        for (i, p) in events.iter().enumerate() {
            if p["type"] == "apply_progress" && addr(p) == a {
                assert!(start < i && i < ends[0], "{a}: progress outside its run");
            }
        }
    }
    last["changes"].clone()
}

#[test]
fn json_apply_and_destroy_stream_ordered_events() {
    moto_url();
    let cfg = TempConfig::new(&[("main.tf", &config("10.61.0.0/16", "10.61.0.0/20"))]);
    let (code, out, err) = terrace(cfg.path(), &["apply", "-auto-approve", "-json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let events = json_lines(&out);
    let changes = check_order(&events);
    assert_eq!(
        changes,
        serde_json::json!({"add": 2, "change": 0, "import": 0, "remove": 0, "operation": "apply"})
    );
    assert_eq!(
        apply_summary(&events)["@message"],
        "Apply complete! Resources: 2 added, 0 changed, 0 destroyed."
    );
    // The subnet waits for its VPC.
    assert!(
        position(&events, "apply_complete", "aws_vpc.main")
            < position(&events, "apply_start", "aws_subnet.a")
    );
    let vpc_done = &events[position(&events, "apply_complete", "aws_vpc.main")];
    assert_eq!(vpc_done["hook"]["action"], "create");
    assert_eq!(vpc_done["hook"]["id_key"], "id");
    let id = vpc_done["hook"]["id_value"].as_str().unwrap();
    assert!(id.starts_with("vpc-"), "{vpc_done}");
    assert_eq!(vpc_done["hook"]["resource"]["resource_type"], "aws_vpc");
    assert_eq!(vpc_done["hook"]["resource"]["resource_name"], "main");

    let (code, out, err) = terrace(cfg.path(), &["destroy", "-auto-approve", "-json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let events = json_lines(&out);
    let changes = check_order(&events);
    assert_eq!(changes["remove"], 2);
    assert_eq!(changes["add"], 0);
    assert_eq!(changes["operation"], "destroy");
    assert_eq!(
        apply_summary(&events)["@message"],
        "Destroy complete! Resources: 2 destroyed."
    );
    let vpc_gone = &events[position(&events, "apply_complete", "aws_vpc.main")];
    assert_eq!(vpc_gone["hook"]["action"], "delete");
    // The VPC goes after the subnet in it.
    assert!(
        position(&events, "apply_complete", "aws_subnet.a")
            < position(&events, "apply_start", "aws_vpc.main")
    );
}

#[test]
fn json_failed_apply_still_ends_with_what_was_done() {
    moto_url();
    // The subnet lies outside its VPC: AWS (moto) refuses it after the VPC exists.
    let cfg = TempConfig::new(&[("main.tf", &config("10.62.0.0/16", "10.99.0.0/20"))]);
    let (code, out, err) = terrace(cfg.path(), &["apply", "-auto-approve", "-json"]);
    assert_eq!(code, 1, "{out}\n{err}");
    let events = json_lines(&out);
    let changes = check_order(&events);
    assert_eq!(changes["add"], 1, "{out}");
    assert_eq!(changes["operation"], "apply");
    let last = apply_summary(&events);
    assert_eq!(last["@level"], "error");
    assert_eq!(
        last["@message"],
        "Apply failed. Resources: 1 added, 0 changed, 0 destroyed."
    );
    let failed = &events[position(&events, "apply_errored", "aws_subnet.a")];
    assert_eq!(failed["@level"], "error");
    assert!(failed["hook"]["error"]
        .as_str()
        .is_some_and(|e| !e.is_empty()));
    assert!(err.contains("aws_subnet.a"), "{err}");
    let (code, out, err) = terrace(cfg.path(), &["destroy", "-auto-approve", "-json"]);
    assert_eq!(code, 0, "cleanup: {out}\n{err}");
}

/// The line that starts with `prefix`, or a failure showing the output.
fn line_starting<'a>(out: &'a str, prefix: &str) -> (usize, &'a str) {
    out.lines()
        .enumerate()
        .find(|(_, l)| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{out}"))
}

#[test]
fn line_mode_prints_terraforms_lines_without_escapes() {
    moto_url();
    let cfg = TempConfig::new(&[("main.tf", &config("10.63.0.0/16", "10.63.16.0/20"))]);
    // Not a terminal, NO_COLOR set (by `terrace`): plain lines, no spinners.
    let (code, out, err) = terrace(cfg.path(), &["apply", "-auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!out.contains('\x1b') && !err.contains('\x1b'), "{out:?}");
    let (start, _) = line_starting(&out, "aws_vpc.main: Creating...");
    let (vpc_done, line) = line_starting(&out, "aws_vpc.main: Creation complete after ");
    assert!(line.contains(" [id=vpc-") && line.ends_with(']'), "{line}");
    let (subnet_start, _) = line_starting(&out, "aws_subnet.a: Creating...");
    let (_, line) = line_starting(&out, "aws_subnet.a: Creation complete after ");
    assert!(line.contains(" [id=subnet-"), "{line}");
    assert!(start < vpc_done && vpc_done < subnet_start, "{out}");
    assert!(
        out.contains("\nApply complete! Resources: 2 added, 0 changed, 0 destroyed.\n"),
        "{out}"
    );

    let (code, out, err) = terrace(cfg.path(), &["destroy", "-auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!out.contains('\x1b'), "{out:?}");
    line_starting(&out, "aws_subnet.a: Destroying...");
    let (_, line) = line_starting(&out, "aws_vpc.main: Destruction complete after ");
    assert!(!line.contains("[id="), "{line}");
    assert!(
        out.contains("\nDestroy complete! Resources: 2 destroyed.\n"),
        "{out}"
    );
}

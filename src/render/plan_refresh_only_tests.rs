//! Refresh-only plans as text and as JSON.

use crate::eval::Value;
use crate::plan::refresh_only::{build, output_changes};
use crate::plan::{Drift, Plan};
use crate::render::{plan_json, render_plan, Style};
use crate::state::State;
use serde_json::json;

fn tag_drift() -> Drift {
    Drift {
        addr: "aws_vpc.main".parse().unwrap(),
        before: Some(Value::from_json(
            &json!({"id": "vpc-1", "tags": {"Name": "a"}}),
        )),
        after: Some(Value::from_json(
            &json!({"id": "vpc-1", "tags": {"Name": "b"}}),
        )),
        changed: vec!["tags".into()],
    }
}

fn deleted() -> Drift {
    Drift {
        addr: "aws_security_group.extra".parse().unwrap(),
        before: Some(Value::from_json(&json!({"id": "sg-1"}))),
        after: None,
        changed: vec![],
    }
}

fn plan(drift: Vec<Drift>, outputs: &[(&str, &str)]) -> Plan {
    let evaluated: Vec<(String, Value)> = outputs
        .iter()
        .map(|(n, v)| (n.to_string(), Value::from(*v)))
        .collect();
    let outputs = output_changes(&Default::default(), &evaluated);
    build(&State::new(), drift, outputs, &[], None)
}

#[test]
fn nothing_found_says_the_infrastructure_still_matches() {
    let text = render_plan(&plan(vec![], &[]), Style::plain());
    assert!(text.starts_with("No changes. Your infrastructure still matches the configuration."));
    assert!(!text.contains("Plan:"), "{text}");
}

#[test]
fn drift_is_shown_as_a_refresh_only_plan_without_actions() {
    let text = render_plan(&plan(vec![tag_drift(), deleted()], &[]), Style::plain());
    assert!(text.contains("# aws_vpc.main has changed"), "{text}");
    assert!(
        text.contains("# aws_security_group.extra has been deleted"),
        "{text}"
    );
    assert!(
        text.contains(
            "This is a refresh-only plan, so Terrace will not take any actions to undo these."
        ),
        "{text}"
    );
    assert!(!text.contains("may include actions to undo"), "{text}");
    assert!(
        !text.contains("will perform the following actions"),
        "{text}"
    );
    assert!(!text.contains("Plan:"), "{text}");
}

#[test]
fn new_output_values_are_offered_for_the_state() {
    let text = render_plan(&plan(vec![], &[("ip", "10.0.0.1")]), Style::plain());
    assert!(
        text.contains("Changes to Outputs:\n  + ip = \"10.0.0.1\""),
        "{text}"
    );
    assert!(
        text.contains("You can apply this plan to save these new output values"),
        "{text}"
    );
}

#[test]
fn json_marks_refresh_only_and_lists_the_drift() {
    let doc = plan_json(&plan(vec![tag_drift(), deleted()], &[]), None);
    assert_eq!(doc["refresh_only"], true);
    let drift = doc["resource_drift"].as_array().unwrap();
    assert_eq!(drift[0]["address"], "aws_vpc.main");
    assert_eq!(drift[0]["change"]["actions"], json!(["update"]));
    assert_eq!(drift[0]["change"]["after"]["tags"]["Name"], "b");
    assert_eq!(drift[1]["change"]["actions"], json!(["delete"]));
    assert_eq!(drift[1]["change"]["after"], serde_json::Value::Null);

    let mut normal = plan(vec![], &[]);
    normal.refresh_only = false;
    let doc = plan_json(&normal, None);
    assert!(doc.get("refresh_only").is_none());
    assert!(doc.get("resource_drift").is_none());
}

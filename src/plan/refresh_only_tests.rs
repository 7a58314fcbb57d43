use super::*;
use crate::state::ResourceState;
use serde_json::json;

fn addr(a: &str) -> ResourceInstanceAddr {
    a.parse().unwrap()
}

fn res(a: &str, attrs: serde_json::Value) -> ResourceState {
    let address = addr(a);
    ResourceState {
        mode: "managed".into(),
        type_name: address.resource.type_name.clone(),
        provider_id: attrs["id"].as_str().map(str::to_string),
        address,
        attributes: attrs,
        sensitive_attributes: vec![],
        dependencies: vec![],
        create_before_destroy: false,
        tainted: false,
    }
}

fn state(resources: Vec<ResourceState>) -> State {
    let mut s = State::new();
    s.serial = 4;
    for r in resources {
        s.upsert(r);
    }
    s
}

fn v(j: serde_json::Value) -> Value {
    Value::from_json(&j)
}

fn changed_tag(a: &str, name: &str) -> Drift {
    Drift {
        addr: addr(a),
        before: Some(v(json!({"id": "x", "tags": {"Name": "old"}}))),
        after: Some(v(json!({"id": "x", "tags": {"Name": name}}))),
        changed: vec!["tags".into()],
    }
}

fn gone(a: &str) -> Drift {
    Drift {
        addr: addr(a),
        before: Some(v(json!({"id": "y"}))),
        after: None,
        changed: vec![],
    }
}

#[test]
fn refresh_only_rejects_destroy_replace_and_no_refresh_but_not_targets() {
    let plain = PlanOptions::default();
    assert_eq!(incompatible(true, &plain), None);
    let targeted = PlanOptions {
        targets: vec!["aws_vpc.main".into()],
        ..PlanOptions::default()
    };
    assert_eq!(incompatible(true, &targeted), None);
    assert_eq!(
        incompatible(false, &plain).map(|e| e.0),
        Some("Incompatible refresh options")
    );
    let destroy = PlanOptions {
        destroy: true,
        ..PlanOptions::default()
    };
    assert_eq!(
        incompatible(true, &destroy).map(|e| e.0),
        Some("Incompatible plan mode options")
    );
    let replace = PlanOptions {
        replace: vec![addr("aws_vpc.main")],
        ..PlanOptions::default()
    };
    assert!(incompatible(true, &replace).is_some_and(|e| e.1.contains("-replace")));
}

#[test]
fn outputs_compare_with_the_recorded_ones() {
    let mut recorded = BTreeMap::new();
    for (name, value) in [
        ("same", json!("a")),
        ("edited", json!("b")),
        ("gone", json!(1)),
    ] {
        recorded.insert(
            name.to_string(),
            OutputState {
                value,
                sensitive: false,
            },
        );
    }
    recorded.insert(
        "undeclared".into(),
        OutputState {
            value: json!("u"),
            sensitive: true,
        },
    );
    let evaluated = vec![
        ("same".to_string(), v(json!("a"))),
        ("edited".to_string(), v(json!("c"))),
        ("gone".to_string(), Value::Unknown),
        ("new".to_string(), v(json!(["n"]))),
        ("never_known".to_string(), Value::Unknown),
    ];
    let got: Vec<(String, Action)> = output_changes(&recorded, &evaluated)
        .into_iter()
        .map(|o| (o.name, o.action))
        .collect();
    let want = [
        ("edited", Action::Update),
        ("gone", Action::Delete),
        ("new", Action::Create),
        ("same", Action::NoOp),
        ("undeclared", Action::Delete),
    ];
    let want: Vec<(String, Action)> = want.iter().map(|(n, a)| (n.to_string(), *a)).collect();
    assert_eq!(got, want);
    let undeclared = output_changes(&recorded, &[])
        .into_iter()
        .find(|o| o.name == "undeclared")
        .unwrap();
    assert!(undeclared.sensitive);
}

#[test]
fn the_plan_has_only_no_ops_and_changes_only_with_findings() {
    let s = state(vec![
        res("aws_vpc.main", json!({"id": "vpc-1"})),
        res("aws_subnet.a", json!({"id": "subnet-1"})),
    ]);
    let quiet = build(&s, vec![], vec![], &[], None);
    assert!(quiet.refresh_only);
    assert_eq!(quiet.changes.len(), 2);
    assert!(quiet.changes.iter().all(|c| c.action == Action::NoOp));
    assert_eq!(quiet.prior_serial, Some(4));
    assert!(!quiet.has_changes());

    let drifted = build(&s, vec![gone("aws_instance.web")], vec![], &[], None);
    assert!(drifted.has_changes());
    assert_eq!(drifted.summary(), super::super::Summary::default());

    let outputs = output_changes(&BTreeMap::new(), &[("ip".into(), v(json!("10.0.0.1")))]);
    assert!(build(&s, vec![], outputs, &[], None).has_changes());

    let keep: BTreeSet<_> = [addr("aws_vpc.main")].into();
    let only = build(&s, vec![], vec![], &["aws_vpc.main".into()], Some(&keep));
    let addrs: Vec<String> = only.changes.iter().map(|c| c.addr.to_string()).collect();
    assert_eq!(addrs, ["aws_vpc.main"]);
}

#[test]
fn restricting_to_targets_puts_back_the_prior_entries_elsewhere() {
    let prior = state(vec![
        res(
            "aws_vpc.main",
            json!({"id": "vpc-1", "tags": {"Name": "old"}}),
        ),
        res("aws_instance.web", json!({"id": "i-1"})),
    ]);
    let mut refreshed = state(vec![res(
        "aws_vpc.main",
        json!({"id": "vpc-1", "tags": {"Name": "new"}}),
    )]);
    let mut drift = vec![changed_tag("aws_vpc.main", "new"), gone("aws_instance.web")];
    let keep: BTreeSet<_> = [addr("aws_vpc.main")].into();
    restrict(&prior, &mut refreshed, &mut drift, &keep);
    assert_eq!(drift.len(), 1);
    assert_eq!(drift[0].addr, addr("aws_vpc.main"));
    assert_eq!(
        refreshed.get(&addr("aws_vpc.main")).unwrap().attributes["tags"]["Name"],
        "new"
    );
    assert!(refreshed.get(&addr("aws_instance.web")).is_some());
}

#[test]
fn the_written_state_records_known_outputs_and_drops_the_rest() {
    let mut s = state(vec![]);
    s.outputs.insert(
        "old".into(),
        OutputState {
            value: json!("x"),
            sensitive: false,
        },
    );
    s.outputs.insert(
        "vpc".into(),
        OutputState {
            value: json!("vpc-0"),
            sensitive: false,
        },
    );
    let evaluated = vec![
        ("vpc".to_string(), v(json!("vpc-1"))),
        ("secret".to_string(), v(json!("s")).sensitive()),
    ];
    let outputs = output_changes(&s.outputs, &evaluated);
    let plan = build(&s, vec![], outputs, &[], None);
    let after = state_after(&plan, s);
    assert_eq!(after.outputs["vpc"].value, json!("vpc-1"));
    assert_eq!(after.outputs["secret"].value, json!("s"));
    assert!(after.outputs["secret"].sensitive);
    assert!(!after.outputs.contains_key("old"));
}

#[test]
fn findings_survive_a_saved_plan_and_notice_new_changes() {
    let s = state(vec![]);
    let plan = build(
        &s,
        vec![
            changed_tag("aws_vpc.main", "edited"),
            gone("aws_instance.web"),
        ],
        vec![],
        &[],
        None,
    );
    let json = serde_json::to_string(&plan).unwrap();
    let saved: Plan = serde_json::from_str(&json).unwrap();
    assert!(saved.refresh_only);
    assert!(same_findings(&saved, &plan));

    let edited_again = build(
        &s,
        vec![
            changed_tag("aws_vpc.main", "again"),
            gone("aws_instance.web"),
        ],
        vec![],
        &[],
        None,
    );
    assert!(!same_findings(&saved, &edited_again));
    let fewer = build(&s, vec![gone("aws_instance.web")], vec![], &[], None);
    assert!(!same_findings(&saved, &fewer));

    // Sensitive values are masked in plan files: they compare equal whatever they hold.
    let secret = |x: &str| Drift {
        addr: addr("aws_db_instance.db"),
        before: None,
        after: Some(Value::Map(
            [("password".to_string(), v(json!(x)).sensitive())].into(),
        )),
        changed: vec!["password".into()],
    };
    let a = build(&s, vec![secret("one")], vec![], &[], None);
    let a_saved: Plan = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert!(same_findings(
        &a_saved,
        &build(&s, vec![secret("two")], vec![], &[], None)
    ));
}

#[test]
fn older_plan_files_are_not_refresh_only() {
    let s = state(vec![]);
    let mut j = serde_json::to_value(build(&s, vec![], vec![], &[], None)).unwrap();
    j.as_object_mut().unwrap().remove("refresh_only");
    let p: Plan = serde_json::from_value(j).unwrap();
    assert!(!p.refresh_only);
    let o: super::super::SavedOptions = serde_json::from_value(json!({"destroy": false})).unwrap();
    assert!(!o.refresh_only);
}

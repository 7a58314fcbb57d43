use super::*;

fn addr(s: &str) -> ResourceInstanceAddr {
    s.parse().expect("address")
}

const TS: &str = "2024-05-01T10:00:00Z";

#[test]
fn elapsed_reads_like_go_durations() {
    let cases = [
        (0, "0s"),
        (59, "59s"),
        (60, "1m0s"),
        (65, "1m5s"),
        (3599, "59m59s"),
        (3600, "1h0m0s"),
        (3725, "1h2m5s"),
    ];
    for (secs, want) in cases {
        assert_eq!(fmt_elapsed(Duration::from_secs(secs)), want, "{secs}s");
    }
    assert_eq!(fmt_elapsed(Duration::from_millis(1999)), "1s");
}

#[test]
fn human_lines_use_terraforms_wording() {
    let vpc = addr("aws_vpc.main");
    let secs = Duration::from_secs;
    assert_eq!(
        start_message(&vpc, Action::Create),
        "aws_vpc.main: Creating..."
    );
    assert_eq!(
        start_message(&vpc, Action::Delete),
        "aws_vpc.main: Destroying..."
    );
    assert_eq!(
        start_message(&vpc, Action::Update),
        "aws_vpc.main: Modifying..."
    );
    assert_eq!(
        complete_message(&vpc, Action::Create, Some("vpc-123"), secs(2)),
        "aws_vpc.main: Creation complete after 2s [id=vpc-123]"
    );
    assert_eq!(
        complete_message(&vpc, Action::Update, Some("vpc-123"), secs(61)),
        "aws_vpc.main: Modifications complete after 1m1s [id=vpc-123]"
    );
    assert_eq!(
        complete_message(&vpc, Action::Delete, None, secs(3)),
        "aws_vpc.main: Destruction complete after 3s"
    );
    assert_eq!(
        complete_message(&vpc, Action::DeleteThenCreate, Some("vpc-9"), secs(4)),
        "aws_vpc.main: Replacement complete after 4s [id=vpc-9]"
    );
    assert_eq!(
        still_message(&vpc, Action::Create, secs(10), None),
        "aws_vpc.main: Still creating... [10s elapsed]"
    );
    assert_eq!(
        still_message(&vpc, Action::Delete, secs(20), Some("waiting for deleted")),
        "aws_vpc.main: Still destroying... [20s elapsed] (waiting for deleted)"
    );
    assert_eq!(
        errored_message(&vpc, Action::Create, secs(1)),
        "aws_vpc.main: Creation errored after 1s"
    );
    assert_eq!(
        skipped_message(&addr("aws_subnet.a"), &vpc.to_string()),
        "aws_subnet.a: Skipped because aws_vpc.main failed"
    );
}

#[test]
fn event_message_matches_the_per_kind_functions() {
    let web = addr("aws_instance.web");
    let e = ApplyEvent::Progress {
        addr: web.clone(),
        action: Action::Create,
        status: "waiting for running".into(),
        elapsed: Duration::from_secs(12),
    };
    assert_eq!(
        event_message(&e),
        "aws_instance.web: Still creating... [12s elapsed] (waiting for running)"
    );
    let e = ApplyEvent::Errored {
        addr: web,
        action: Action::Update,
        error: "boom".into(),
        elapsed: Duration::from_secs(5),
    };
    assert_eq!(
        event_message(&e),
        "aws_instance.web: Modifications errored after 5s"
    );
}

#[test]
fn styled_lines_carry_escapes_only_with_colour() {
    let e = ApplyEvent::Start {
        addr: addr("aws_vpc.main"),
        action: Action::Create,
    };
    assert_eq!(
        styled_message(&e, Style::plain()),
        "aws_vpc.main: Creating..."
    );
    let coloured = styled_message(&e, Style { color: true });
    assert!(coloured.contains('\x1b'), "{coloured:?}");
    assert!(coloured.contains("aws_vpc.main: Creating..."));
}

#[test]
fn resource_object_names_module_key_and_provider() {
    let r = resource_json(&addr(r#"module.net.aws_subnet.a["x"]"#));
    assert_eq!(r["addr"], r#"module.net.aws_subnet.a["x"]"#);
    assert_eq!(r["module"], "module.net");
    assert_eq!(r["resource"], r#"aws_subnet.a["x"]"#);
    assert_eq!(r["implied_provider"], "aws");
    assert_eq!(r["resource_type"], "aws_subnet");
    assert_eq!(r["resource_name"], "a");
    assert_eq!(r["resource_key"], "x");
    let r = resource_json(&addr("aws_subnet.b[2]"));
    assert_eq!(r["module"], "");
    assert_eq!(r["resource_key"], 2);
    let r = resource_json(&addr("data.aws_ami.ubuntu"));
    assert_eq!(r["resource"], "data.aws_ami.ubuntu");
    assert_eq!(r["resource_key"], Json::Null);
}

#[test]
fn json_messages_follow_terraforms_machine_readable_ui() {
    let vpc = addr("aws_vpc.main");
    let start = event_json(
        &ApplyEvent::Start {
            addr: vpc.clone(),
            action: Action::Create,
        },
        TS,
    );
    assert_eq!(
        start,
        json!({
            "@level": "info",
            "@message": "aws_vpc.main: Creating...",
            "@module": "terrace.ui",
            "@timestamp": TS,
            "type": "apply_start",
            "hook": {
                "resource": resource_json(&vpc),
                "action": "create",
            },
        })
    );
    let done = event_json(
        &ApplyEvent::Complete {
            addr: vpc.clone(),
            action: Action::Create,
            id: Some("vpc-123".into()),
            elapsed: Duration::from_millis(2500),
        },
        TS,
    );
    assert_eq!(done["type"], "apply_complete");
    assert_eq!(
        done["@message"],
        "aws_vpc.main: Creation complete after 2s [id=vpc-123]"
    );
    assert_eq!(done["hook"]["id_key"], "id");
    assert_eq!(done["hook"]["id_value"], "vpc-123");
    assert_eq!(done["hook"]["elapsed_seconds"], 2);
    let gone = event_json(
        &ApplyEvent::Complete {
            addr: vpc.clone(),
            action: Action::Delete,
            id: None,
            elapsed: Duration::ZERO,
        },
        TS,
    );
    assert_eq!(gone["hook"]["action"], "delete");
    assert!(gone["hook"].get("id_value").is_none(), "{gone}");
    let replace = event_json(
        &ApplyEvent::Start {
            addr: vpc.clone(),
            action: Action::CreateThenDelete,
        },
        TS,
    );
    assert_eq!(replace["hook"]["action"], "replace");
}

#[test]
fn json_failures_and_progress() {
    let vpc = addr("aws_vpc.main");
    let err = event_json(
        &ApplyEvent::Errored {
            addr: vpc.clone(),
            action: Action::Create,
            error: "InvalidVpcRange".into(),
            elapsed: Duration::from_secs(1),
        },
        TS,
    );
    assert_eq!(err["type"], "apply_errored");
    assert_eq!(err["@level"], "error");
    assert_eq!(err["hook"]["error"], "InvalidVpcRange");
    assert_eq!(err["hook"]["elapsed_seconds"], 1);
    let skipped = event_json(
        &ApplyEvent::Skipped {
            addr: addr("aws_subnet.a"),
            because: vpc.to_string(),
        },
        TS,
    );
    assert_eq!(skipped["type"], "log");
    assert_eq!(skipped["@level"], "warn");
    assert_eq!(
        skipped["@message"],
        "aws_subnet.a: Skipped because aws_vpc.main failed"
    );
    let tick = still_json(&vpc, Action::Create, Duration::from_secs(20), None, TS);
    assert_eq!(tick["type"], "apply_progress");
    assert_eq!(
        tick["@message"],
        "aws_vpc.main: Still creating... [20s elapsed]"
    );
    assert_eq!(tick["hook"]["elapsed_seconds"], 20);
    assert!(tick["hook"].get("status").is_none());
    let status = event_json(
        &ApplyEvent::Progress {
            addr: vpc,
            action: Action::Create,
            status: "waiting for available".into(),
            elapsed: Duration::from_secs(3),
        },
        TS,
    );
    assert_eq!(status["type"], "apply_progress");
    assert_eq!(status["hook"]["status"], "waiting for available");
}

#[test]
fn summary_counts_only_completed_changes() {
    let (a, b, c, d) = (
        addr("aws_vpc.a"),
        addr("aws_vpc.b"),
        addr("aws_vpc.c"),
        addr("aws_vpc.d"),
    );
    let changes = [
        (&a, Action::Create),
        (&b, Action::DeleteThenCreate),
        (&c, Action::Update),
        (&d, Action::Create),
    ];
    let mut results = BTreeMap::new();
    results.insert(a.clone(), NodeResult::Done);
    results.insert(b.clone(), NodeResult::Done);
    results.insert(c.clone(), NodeResult::Done);
    let s = ChangeSummary::from_changes(false, changes, &results);
    assert_eq!((s.add, s.change, s.remove, s.failed), (2, 1, 1, false));
    assert_eq!(
        format!("{} {}", s.headline(), s.counts()),
        "Apply complete! Resources: 2 added, 1 changed, 1 destroyed."
    );
    results.insert(d.clone(), NodeResult::Skipped(a.to_string()));
    let s = ChangeSummary::from_changes(false, changes, &results);
    assert_eq!((s.add, s.failed), (2, true));
    assert_eq!(s.headline(), "Apply failed.");
}

#[test]
fn change_summary_message() {
    let s = ChangeSummary {
        import: 0,
        add: 0,
        change: 0,
        remove: 2,
        operation: Operation::Destroy,
        failed: false,
    };
    assert_eq!(
        s.to_json(TS),
        json!({
            "@level": "info",
            "@message": "Destroy complete! Resources: 2 destroyed.",
            "@module": "terrace.ui",
            "@timestamp": TS,
            "type": "change_summary",
            "changes": {"add": 0, "change": 0, "import": 0, "remove": 2, "operation": "destroy"},
        })
    );
    let failed = ChangeSummary {
        failed: true,
        operation: Operation::Apply,
        add: 1,
        ..s
    };
    let j = failed.to_json(TS);
    assert_eq!(j["@level"], "error");
    assert_eq!(
        j["@message"],
        "Apply failed. Resources: 1 added, 0 changed, 2 destroyed."
    );
    assert_eq!(j["changes"]["operation"], "apply");
    let imported = ChangeSummary {
        import: 3,
        ..failed
    }
    .to_json(TS);
    assert_eq!(
        imported["@message"],
        "Apply failed. Resources: 3 imported, 1 added, 0 changed, 2 destroyed."
    );
    assert_eq!(imported["changes"]["import"], 3);
}

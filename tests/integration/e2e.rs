//! End to end on moto through the binary: examples/three-tier applies, plans empty
//! afterwards, and destroys without leaving anything it created.

use crate::support::{copy_example, moto_url, terrace, three_tier_database};

/// Objects in `region` tagged with `lineage`, per kind, read directly through the SDK.
fn tagged(region: &str, lineage: &str) -> Vec<String> {
    let url = moto_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let settings = terrace::provider::aws::AwsSettings {
            region: Some(region.into()),
            access_key: Some("testing".into()),
            secret_key: Some("testing".into()),
            endpoint_ec2: Some(url.clone()),
            endpoint_rds: Some(url),
            ..Default::default()
        };
        let c = terrace::provider::aws::AwsClients::new(&settings).await;
        let f = aws_sdk_ec2::types::Filter::builder()
            .name("tag:terrace:lineage")
            .values(lineage)
            .build();
        let mut out = Vec::new();
        let vpcs = c
            .ec2
            .describe_vpcs()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        out.extend(
            vpcs.vpcs()
                .iter()
                .map(|v| format!("vpc {}", v.vpc_id().unwrap_or_default())),
        );
        let subnets = c
            .ec2
            .describe_subnets()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        out.extend(
            subnets
                .subnets()
                .iter()
                .map(|v| format!("subnet {}", v.subnet_id().unwrap_or_default())),
        );
        let inst = c
            .ec2
            .describe_instances()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        for r in inst.reservations() {
            for i in r.instances() {
                let state = i
                    .state()
                    .and_then(|s| s.name())
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default();
                if state != "terminated" {
                    out.push(format!(
                        "instance {} {state}",
                        i.instance_id().unwrap_or_default()
                    ));
                }
            }
        }
        let sgs = c
            .ec2
            .describe_security_groups()
            .filters(f)
            .send()
            .await
            .unwrap();
        out.extend(
            sgs.security_groups()
                .iter()
                .map(|g| format!("sg {}", g.group_id().unwrap_or_default())),
        );
        out
    })
}

#[test]
fn three_tier_applies_converges_and_destroys() {
    moto_url();
    let tmp = copy_example();
    let dir = tmp.path().join("examples/three-tier");
    let region = "sa-east-1";
    // A project name of its own, so names never collide with an earlier run on the same moto.
    let project = format!("-var=project=e2e{}", std::process::id() % 100_000);
    // The migration stage runs against a database of its own on the test PostgreSQL.
    let db = three_tier_database(&format!("e2e{}", std::process::id() % 100_000));
    let mut vars = vec![
        "-var-file=sandbox.tfvars",
        "-var=region=sa-east-1",
        "-var=azs=[\"sa-east-1a\",\"sa-east-1b\"]",
        project.as_str(),
    ];
    vars.extend(db.iter().map(String::as_str));
    let args = |verb: &[&'static str]| -> Vec<&str> {
        verb.iter().copied().chain(vars.iter().copied()).collect()
    };
    // Review, then apply exactly the saved plan: its variables come back from the plan file
    // (the sensitive password from sandbox.tfvars, which the plan only names).
    let (code, out, err) = terrace(&dir, &args(&["plan", "-no-color", "-out=tfplan"]));
    assert_eq!(code, 0, "plan failed:\n{out}\n{err}");
    assert!(
        !std::fs::read_to_string(dir.join("tfplan"))
            .unwrap()
            .contains("sandbox-Passw0rd-2024"),
        "the saved plan holds a secret"
    );
    let (code, out, err) = terrace(&dir, &["apply", "-no-color", "tfplan"]);
    assert_eq!(code, 0, "apply failed:\n{out}\n{err}");
    assert!(out.contains("Apply complete! Resources: 43 added"), "{out}");
    let state: terrace::state::State = serde_json::from_str(
        &std::fs::read_to_string(dir.join("state/default.tfstate.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        state.resources.iter().filter(|r| r.is_managed()).count(),
        43
    );
    assert!(!tagged(region, &state.lineage).is_empty());
    // The migration stage ran every file (V1, V2, then the repeatable) and state mirrors the
    // database's history.
    let ran: Vec<String> = state
        .migrations
        .iter()
        .filter(|m| m.success)
        .map(|m| format!("{} {}", m.kind, m.description))
        .collect();
    assert_eq!(ran.len(), 3, "{ran:?}\n{out}");
    // The app hosts depend on the database module, migration included: they start only
    // once the schema is in place.
    let line_of = |needle: &str| {
        out.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?}:\n{out}"))
    };
    let migrated = line_of("module.database.migration.schema: Migrations complete after");
    let first_app_host = line_of("module.app.aws_instance.this[0]: Creating...");
    assert!(
        migrated < first_app_host,
        "an app host started before the migrations finished:\n{out}"
    );
    // The second plan (with refresh) changes nothing: exit 0 with -detailed-exitcode.
    let (code, out, err) = terrace(&dir, &args(&["plan", "-detailed-exitcode", "-no-color"]));
    assert_eq!(code, 0, "the second plan is not empty:\n{out}\n{err}");
    let (code, out, err) = terrace(&dir, &args(&["plan", "-out=second.tfplan"]));
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = terrace(&dir, &["show", "-json", "second.tfplan"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Nothing pending, as the database's own history table says.
    let migrations = doc["migrations"].as_array().unwrap();
    assert_eq!(migrations.len(), 1, "{out}");
    assert_eq!(migrations[0]["pending"], serde_json::json!([]), "{out}");
    assert!(
        migrations[0]["basis"]
            .as_str()
            .unwrap()
            .starts_with("from the history table of postgres://"),
        "{out}"
    );
    let changed: Vec<String> = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"]))
        .map(|c| format!("{} {}", c["address"], c["change"]["actions"]))
        .collect();
    assert!(
        changed.is_empty(),
        "second plan changes resources: {changed:?}\n{err}"
    );
    let (code, out, err) = terrace(&dir, &args(&["destroy", "-auto-approve", "-no-color"]));
    assert_eq!(code, 0, "destroy failed:\n{out}\n{err}");
    assert_eq!(tagged(region, &state.lineage), Vec::<String>::new());
}

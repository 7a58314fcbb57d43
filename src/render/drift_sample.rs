//! A drift report covering every kind and severity, shared by the drift renderers' tests.

use crate::drift::{DriftReport, DriftSummary, Finding, FindingKind, Severity};
use serde_json::json;

fn finding(
    kind: FindingKind,
    severity: Severity,
    address: Option<&str>,
    ty: &str,
    id: &str,
) -> Finding {
    Finding {
        kind,
        severity,
        address: address.map(str::to_string),
        resource_type: ty.into(),
        resource_id: id.into(),
        path: None,
        state_value: None,
        cloud_value: None,
        sensitive: false,
        reason: None,
        vpc_id: None,
        name: None,
        tagged_address: None,
    }
}

fn changed(
    severity: Severity,
    address: &str,
    ty: &str,
    id: &str,
    path: &str,
    state: Option<serde_json::Value>,
    cloud: Option<serde_json::Value>,
) -> Finding {
    Finding {
        path: Some(path.into()),
        state_value: state,
        cloud_value: cloud,
        ..finding(FindingKind::Changed, severity, Some(address), ty, id)
    }
}

/// Findings of every kind and severity, sorted as the report sorts them (kind, address,
/// path): set elements added and removed, tags added, removed and changed, a sensitive
/// attribute, a value long enough to be truncated, names with a pipe and a quote.
pub(crate) fn sample_findings() -> Vec<Finding> {
    use FindingKind::*;
    use Severity::*;
    let sg = "aws_security_group";
    vec![
        changed(
            Medium,
            "aws_instance.app[0]",
            "aws_instance",
            "i-0app0",
            "instance_type",
            Some(json!("t3.micro")),
            Some(json!("t3.large")),
        ),
        changed(
            Low,
            "aws_instance.app[0]",
            "aws_instance",
            "i-0app0",
            "tags[\"Description\"]",
            Some(json!(
                "application host for the checkout service, eu-west-1a, managed by Terrace"
            )),
            Some(json!(
                "application host for the checkout service | resized by hand during the incident"
            )),
        ),
        changed(
            Low,
            "aws_instance.app[0]",
            "aws_instance",
            "i-0app0",
            "tags[\"Owner\"]",
            None,
            Some(json!("bob")),
        ),
        changed(
            Low,
            "aws_instance.app[0]",
            "aws_instance",
            "i-0app0",
            "tags[\"Team\"]",
            Some(json!("web")),
            None,
        ),
        Finding {
            reason: Some("database made publicly accessible".into()),
            ..changed(
                High,
                "module.database.aws_db_instance.main",
                "aws_db_instance",
                "app-db",
                "publicly_accessible",
                Some(json!(false)),
                Some(json!(true)),
            )
        },
        Finding {
            sensitive: true,
            ..changed(
                Medium,
                "module.database.aws_db_instance.main",
                "aws_db_instance",
                "app-db",
                "master_user_secret",
                None,
                None,
            )
        },
        Finding {
            reason: Some("admits 0.0.0.0/0 on port 5432".into()),
            ..changed(
                High,
                "module.database.aws_security_group.db",
                sg,
                "sg-0db",
                "ingress",
                None,
                Some(
                    json!({"cidr_blocks": ["0.0.0.0/0"], "description": null, "from_port": 5432,
                    "ipv6_cidr_blocks": [], "protocol": "tcp", "security_groups": [],
                    "self": false, "to_port": 5432}),
                ),
            )
        },
        changed(
            Medium,
            "module.database.aws_security_group.db",
            sg,
            "sg-0db",
            "ingress",
            Some(
                json!({"cidr_blocks": [], "from_port": 5432, "protocol": "tcp",
                "security_groups": ["sg-0app"], "self": false, "to_port": 5432}),
            ),
            None,
        ),
        finding(
            Deleted,
            Medium,
            Some("aws_instance.web[1]"),
            "aws_instance",
            "i-0web1",
        ),
        Finding {
            vpc_id: Some("vpc-0main".into()),
            name: Some("debug box".into()),
            cloud_value: Some(json!({"instance_type": "t3.nano", "subnet_id": "subnet-0app"})),
            ..finding(Unmanaged, Medium, None, "aws_instance", "i-0stray")
        },
        Finding {
            vpc_id: Some("vpc-0main".into()),
            name: Some("temp|ssh \"open\"".into()),
            reason: Some("admits 0.0.0.0/0 on port 22".into()),
            ..finding(Unmanaged, High, None, sg, "sg-0hand")
        },
        Finding {
            vpc_id: Some("vpc-0main".into()),
            name: Some("web-2".into()),
            tagged_address: Some("aws_instance.web[2]".into()),
            ..finding(Untracked, Medium, None, "aws_instance", "i-0left")
        },
    ]
}

/// The sample findings in a report of workspace `default`.
pub(crate) fn sample_report() -> DriftReport {
    report(sample_findings())
}

/// A report with `findings` and fixed run facts (47 resources, 6 calls, 1.234 s).
pub(crate) fn report(findings: Vec<Finding>) -> DriftReport {
    DriftReport {
        format_version: crate::drift::DRIFT_REPORT_VERSION,
        terrace_version: "0.1.0".into(),
        started_at: "2025-03-04T05:06:07Z".into(),
        duration_ms: 1234,
        workspace: "default".into(),
        lineage: Some("6f1c2d9e-3b7a-4c1e-9d2f-0a8b7c6d5e4f".into()),
        serial: Some(7),
        resources_checked: 47,
        api_calls: 6,
        api_calls_by_operation: [
            ("ec2:DescribeInstances", 2),
            ("ec2:DescribeSecurityGroups", 2),
            ("ec2:DescribeVpcs", 1),
            ("rds:DescribeDBInstances", 1),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
        summary: DriftSummary::of(&findings),
        findings,
    }
}

//! examples/three-tier: validates, and its graph is what the architecture says.

use crate::support::{repo, terrace};

fn example() -> std::path::PathBuf {
    repo().join("examples/three-tier")
}

#[test]
fn three_tier_validates() {
    let (code, out, err) = terrace(&example(), &["validate", "-var-file=sandbox.tfvars"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = terrace(&example(), &["validate"]);
    assert_eq!(code, 0, "without the sandbox var file: {out}{err}");
}

#[test]
fn three_tier_graph() {
    let (code, dot, err) = terrace(&example(), &["graph", "-var-file=sandbox.tfvars"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("three_tier_graph_dot", dot);

    let (code, out, err) = terrace(
        &example(),
        &["graph", "--format", "json", "-var-file=sandbox.tfvars"],
    );
    assert_eq!(code, 0, "{err}");
    let g: serde_json::Value = serde_json::from_str(&out).unwrap();
    let deps = |addr: &str| -> Vec<String> {
        g["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["address"] == addr)
            .unwrap_or_else(|| panic!("no node {addr}"))["depends_on"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    // Subnets hang off the VPC; the NAT gateway needs its EIP and a public subnet.
    assert!(deps("module.network.aws_subnet.app[1]")
        .contains(&"module.network.aws_vpc.this".to_string()));
    let nat = deps("module.network.aws_nat_gateway.this[0]");
    assert!(
        nat.contains(&"module.network.aws_eip.nat[0]".to_string()),
        "{nat:?}"
    );
    // The migration runs after its database; app hosts after the migration.
    let mig = deps("module.database.migration.schema");
    assert!(
        mig.contains(&"module.database.aws_db_instance.this".to_string()),
        "{mig:?}"
    );
    let app = deps("module.app.aws_instance.this[0]");
    assert!(
        app.contains(&"module.database.migration.schema".to_string()),
        "{app:?}"
    );
    // Security rules: app accepts from web only, db from app only.
    let app_rule = deps("module.security.aws_vpc_security_group_ingress_rule.app_from_web");
    assert!(
        app_rule.contains(&"module.security.aws_security_group.web".to_string()),
        "{app_rule:?}"
    );
    assert!(
        app_rule.contains(&"module.security.aws_security_group.app".to_string()),
        "{app_rule:?}"
    );
    let db_rule = deps("module.security.aws_vpc_security_group_ingress_rule.db_from_app");
    assert!(
        db_rule.contains(&"module.security.aws_security_group.app".to_string()),
        "{db_rule:?}"
    );
}

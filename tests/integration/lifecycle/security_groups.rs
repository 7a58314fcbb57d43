//! `aws_security_group`, `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`,
//! `aws_vpc_security_group_egress_rule`.

use super::{assert_same_dependencies, ec2_tags, expected_tags, id, unique, Stack};
use aws_sdk_ec2::types::{Filter, SecurityGroupRule};
use terrace::state::State;

/// What the configuration varies between steps.
#[derive(Clone)]
struct Step {
    /// Makes the group names unique in the account.
    suffix: String,
    /// `aws_security_group.web`: name prefix (force-new), the ports its inline ingress blocks
    /// open (in place), its Name tag.
    web_name: &'static str,
    web_ports: &'static [i32],
    web_tag: &'static str,
    /// `aws_security_group_rule.ssh`: port (force-new) and description (in place).
    ssh_port: i32,
    ssh_description: &'static str,
    /// The VPC rules: group (`app` or `db`; force-new), source / destination CIDR,
    /// description, Name tag (in place).
    rules_group: &'static str,
    https_cidr: &'static str,
    postgres_cidr: &'static str,
    rule_description: &'static str,
    rule_tag: &'static str,
}

fn config(s: &Step) -> String {
    let ingress: String = s
        .web_ports
        .iter()
        .map(|p| {
            format!(
                "  ingress {{\n    description = \"port {p}\"\n    protocol    = \"tcp\"\n    from_port   = {p}\n    to_port     = {p}\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }}\n"
            )
        })
        .collect();
    let Step {
        suffix,
        web_name,
        web_tag,
        ssh_port,
        ssh_description,
        rules_group,
        https_cidr,
        postgres_cidr,
        rule_description,
        rule_tag,
        ..
    } = s;
    format!(
        r#"
resource "aws_vpc" "main" {{
  cidr_block = "10.40.0.0/16"
}}

resource "aws_security_group" "web" {{
  name        = "{web_name}-{suffix}"
  description = "web tier"
  vpc_id      = aws_vpc.main.id
{ingress}  egress {{
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }}
  tags = {{
    Name = "{web_tag}"
  }}
}}

resource "aws_security_group" "app" {{
  name        = "app-{suffix}"
  description = "app tier"
  vpc_id      = aws_vpc.main.id
}}

resource "aws_security_group" "db" {{
  name        = "db-{suffix}"
  description = "database tier"
  vpc_id      = aws_vpc.main.id
}}

resource "aws_security_group_rule" "ssh" {{
  type              = "ingress"
  security_group_id = aws_security_group.app.id
  protocol          = "tcp"
  from_port         = {ssh_port}
  to_port           = {ssh_port}
  cidr_blocks       = ["10.40.0.0/16"]
  description       = "{ssh_description}"
}}

resource "aws_vpc_security_group_ingress_rule" "https" {{
  security_group_id = aws_security_group.{rules_group}.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "{https_cidr}"
  description       = "{rule_description}"
  tags = {{
    Name = "{rule_tag}"
  }}
}}

resource "aws_vpc_security_group_egress_rule" "postgres" {{
  security_group_id = aws_security_group.{rules_group}.id
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv4         = "{postgres_cidr}"
  description       = "{rule_description}"
  tags = {{
    Name = "{rule_tag}"
  }}
}}
"#
    )
}

async fn group_rules(stack: &Stack, group: &str) -> Vec<SecurityGroupRule> {
    let f = Filter::builder().name("group-id").values(group).build();
    let out = stack
        .ec2
        .describe_security_group_rules()
        .filters(f)
        .send()
        .await
        .unwrap();
    out.security_group_rules().to_vec()
}

/// `(egress, protocol, from, to, cidr, description)` of a rule.
fn shape(r: &SecurityGroupRule) -> (bool, String, i32, i32, String, String) {
    (
        r.is_egress().unwrap_or_default(),
        r.ip_protocol().unwrap_or_default().to_string(),
        r.from_port().unwrap_or_default(),
        r.to_port().unwrap_or_default(),
        r.cidr_ipv4().unwrap_or_default().to_string(),
        r.description().unwrap_or_default().to_string(),
    )
}

fn rule(
    egress: bool,
    port: i32,
    cidr: &str,
    description: &str,
) -> (bool, String, i32, i32, String, String) {
    let proto = if port == -1 { "-1" } else { "tcp" };
    (
        egress,
        proto.into(),
        port,
        port,
        cidr.into(),
        description.into(),
    )
}

/// The groups and rules in the cloud match `s`.
async fn check(stack: &Stack, state: &State, s: &Step) {
    let lineage = &state.lineage;
    let web_id = id(state, "aws_security_group.web");
    let out = stack
        .ec2
        .describe_security_groups()
        .group_ids(&web_id)
        .send()
        .await
        .unwrap();
    let web = &out.security_groups()[0];
    let name = format!("{}-{}", s.web_name, s.suffix);
    assert_eq!(web.group_name(), Some(name.as_str()));
    assert_eq!(web.description(), Some("web tier"));
    assert_eq!(web.vpc_id(), Some(id(state, "aws_vpc.main").as_str()));
    assert_eq!(
        ec2_tags(web.tags()),
        expected_tags(&[("Name", s.web_tag)], "aws_security_group.web", lineage)
    );
    let mut got: Vec<_> = group_rules(stack, &web_id)
        .await
        .iter()
        .map(shape)
        .collect();
    got.sort();
    let mut want: Vec<_> = s
        .web_ports
        .iter()
        .map(|p| rule(false, *p, "0.0.0.0/0", &format!("port {p}")))
        .collect();
    want.push(rule(true, -1, "0.0.0.0/0", ""));
    want.sort();
    assert_eq!(got, want, "the rules of the web group");

    // aws_security_group_rule has no tags and names no EC2 rule id: found by content.
    let app_rules = group_rules(stack, &id(state, "aws_security_group.app")).await;
    let ssh: Vec<_> = app_rules
        .iter()
        .map(shape)
        .filter(|r| !r.0 && r.2 != 443)
        .collect();
    assert_eq!(
        ssh,
        [rule(false, s.ssh_port, "10.40.0.0/16", s.ssh_description)]
    );

    let group = id(state, &format!("aws_security_group.{}", s.rules_group));
    let rules = group_rules(stack, &group).await;
    for (addr, egress, port, cidr) in [
        (
            "aws_vpc_security_group_ingress_rule.https",
            false,
            443,
            s.https_cidr,
        ),
        (
            "aws_vpc_security_group_egress_rule.postgres",
            true,
            5432,
            s.postgres_cidr,
        ),
    ] {
        let rule_id = id(state, addr);
        let r = rules
            .iter()
            .find(|r| r.security_group_rule_id() == Some(rule_id.as_str()))
            .unwrap_or_else(|| panic!("{addr}: rule {rule_id} is not in {group}: {rules:?}"));
        assert_eq!(
            shape(r),
            rule(egress, port, cidr, s.rule_description),
            "{addr}"
        );
        assert_eq!(
            ec2_tags(r.tags()),
            expected_tags(&[("Name", s.rule_tag)], addr, lineage),
            "{addr}"
        );
    }
}

const CHANGED: [&str; 4] = [
    "aws_security_group.web",
    "aws_security_group_rule.ssh",
    "aws_vpc_security_group_egress_rule.postgres",
    "aws_vpc_security_group_ingress_rule.https",
];

#[tokio::test(flavor = "multi_thread")]
async fn security_groups_and_rules() {
    let stack = Stack::new("me-central-1");
    // 1. Create.
    let g1 = Step {
        suffix: unique(),
        web_name: "web",
        web_ports: &[80],
        web_tag: "web",
        ssh_port: 22,
        ssh_description: "ssh from the vpc",
        rules_group: "app",
        https_cidr: "0.0.0.0/0",
        postgres_cidr: "10.40.16.0/20",
        rule_description: "app traffic",
        rule_tag: "app",
    };
    stack.write(&config(&g1));
    let s1 = stack.apply(&[]).await;
    check(&stack, &s1, &g1).await;

    // 2. Nothing to do.
    stack.expect_no_changes().await;

    // 3. In place: the group's ingress blocks and tags; rule descriptions, sources and tags.
    let g2 = Step {
        web_ports: &[80, 443],
        web_tag: "web-2",
        ssh_description: "ssh from the office",
        https_cidr: "10.0.0.0/8",
        postgres_cidr: "10.40.32.0/20",
        rule_description: "app traffic, narrowed",
        rule_tag: "app-2",
        ..g1.clone()
    };
    stack.write(&config(&g2));
    stack
        .expect_plan(&[], &CHANGED.map(|a| (a, "update")))
        .await;
    let s2 = stack.apply(&[]).await;
    for a in CHANGED {
        assert_eq!(
            id(&s2, a),
            id(&s1, a),
            "{a} changed id on an in-place update"
        );
    }
    check(&stack, &s2, &g2).await;
    assert_same_dependencies(&s1, &s2);
    stack.expect_no_changes().await;

    // 4. Replace: the group's name, the legacy rule's port, the VPC rules' group.
    let g3 = Step {
        web_name: "web2",
        ssh_port: 2222,
        rules_group: "db",
        ..g2.clone()
    };
    stack.write(&config(&g3));
    stack
        .expect_plan(&[], &CHANGED.map(|a| (a, "replace")))
        .await;
    let s3 = stack.apply(&[]).await;
    check(&stack, &s3, &g3).await;
    let live = stack.owned(&s3.lineage).await;
    for a in CHANGED {
        assert_ne!(
            id(&s3, a),
            id(&s2, a),
            "{a} kept its id through a replacement"
        );
    }
    for a in [
        "aws_security_group.web",
        "aws_vpc_security_group_egress_rule.postgres",
        "aws_vpc_security_group_ingress_rule.https",
    ] {
        assert!(live.contains(&id(&s3, a)), "{a}: the new object is missing");
        assert!(!live.contains(&id(&s2, a)), "{a}: the old object is left");
    }
    // The old ssh rule (port 22) is gone: check found only the new port in the app group.
    stack.expect_no_changes().await;

    // 5. Destroy.
    stack.destroy().await;
    assert_eq!(stack.owned(&s3.lineage).await, Default::default());
}

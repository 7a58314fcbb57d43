//! `aws_vpc`, `aws_subnet`.

use super::{assert_same_dependencies, ec2_tags, expected_tags, id, Stack};
use aws_sdk_ec2::types::VpcAttributeName;
use terrace::state::State;

/// What the VPC test's configuration varies between steps.
#[derive(Clone, Copy)]
struct VpcStep {
    /// The first two octets of the VPC's /16 (force-new through `cidr_block`).
    net: &'static str,
    dns_hostnames: bool,
    public_ips: bool,
    name: &'static str,
}

fn vpc_config(s: VpcStep) -> String {
    let VpcStep {
        net,
        dns_hostnames,
        public_ips,
        name,
    } = s;
    format!(
        r#"
resource "aws_vpc" "main" {{
  cidr_block           = "{net}.0.0/16"
  enable_dns_hostnames = {dns_hostnames}
  tags = {{
    Name = "{name}"
  }}
}}

resource "aws_subnet" "a" {{
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "{net}.16.0/20"
  availability_zone       = "ap-southeast-3a"
  map_public_ip_on_launch = {public_ips}
  tags = {{
    Name = "{name}-a"
  }}
}}
"#
    )
}

/// The VPC and the subnet in the cloud match `s` and carry their tags.
async fn check_vpc(stack: &Stack, state: &State, s: VpcStep) {
    let vpc_id = id(state, "aws_vpc.main");
    let out = stack
        .ec2
        .describe_vpcs()
        .vpc_ids(&vpc_id)
        .send()
        .await
        .unwrap();
    let vpc = &out.vpcs()[0];
    assert_eq!(vpc.cidr_block(), Some(format!("{}.0.0/16", s.net).as_str()));
    assert_eq!(
        ec2_tags(vpc.tags()),
        expected_tags(&[("Name", s.name)], "aws_vpc.main", &state.lineage)
    );
    let hostnames = stack
        .ec2
        .describe_vpc_attribute()
        .vpc_id(&vpc_id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    assert_eq!(
        hostnames.enable_dns_hostnames().and_then(|a| a.value()),
        Some(s.dns_hostnames)
    );

    let subnet_id = id(state, "aws_subnet.a");
    let out = stack
        .ec2
        .describe_subnets()
        .subnet_ids(&subnet_id)
        .send()
        .await
        .unwrap();
    let subnet = &out.subnets()[0];
    assert_eq!(subnet.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(
        subnet.cidr_block(),
        Some(format!("{}.16.0/20", s.net).as_str())
    );
    assert_eq!(subnet.availability_zone(), Some("ap-southeast-3a"));
    assert_eq!(subnet.map_public_ip_on_launch(), Some(s.public_ips));
    let name = format!("{}-a", s.name);
    assert_eq!(
        ec2_tags(subnet.tags()),
        expected_tags(&[("Name", &name)], "aws_subnet.a", &state.lineage)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn vpc_and_subnet() {
    let stack = Stack::new("ap-southeast-3");
    let both = ["aws_subnet.a", "aws_vpc.main"];

    // 1. Create.
    let v1 = VpcStep {
        net: "10.10",
        dns_hostnames: false,
        public_ips: false,
        name: "lifecycle",
    };
    stack.write(&vpc_config(v1));
    let s1 = stack.apply(&[]).await;
    check_vpc(&stack, &s1, v1).await;

    // 2. Nothing to do.
    stack.expect_no_changes().await;

    // 3. In place: a VPC attribute, a subnet attribute, tags.
    let v2 = VpcStep {
        dns_hostnames: true,
        public_ips: true,
        name: "lifecycle-2",
        ..v1
    };
    stack.write(&vpc_config(v2));
    stack.expect_plan(&[], &both.map(|a| (a, "update"))).await;
    let s2 = stack.apply(&[]).await;
    for a in both {
        assert_eq!(
            id(&s2, a),
            id(&s1, a),
            "{a} changed id on an in-place update"
        );
    }
    check_vpc(&stack, &s2, v2).await;
    assert_same_dependencies(&s1, &s2);
    stack.expect_no_changes().await;

    // 4. Replace: a new CIDR block replaces the VPC, and the subnet with it.
    let v3 = VpcStep { net: "10.20", ..v2 };
    stack.write(&vpc_config(v3));
    stack.expect_plan(&[], &both.map(|a| (a, "replace"))).await;
    let s3 = stack.apply(&[]).await;
    check_vpc(&stack, &s3, v3).await;
    let live = stack.owned(&s3.lineage).await;
    for a in both {
        assert_ne!(
            id(&s3, a),
            id(&s2, a),
            "{a} kept its id through a replacement"
        );
        assert!(live.contains(&id(&s3, a)), "{a}: the new object is missing");
        assert!(!live.contains(&id(&s2, a)), "{a}: the old object is left");
    }
    stack.expect_no_changes().await;

    // 5. Destroy.
    stack.destroy().await;
    assert_eq!(stack.owned(&s3.lineage).await, Default::default());
}

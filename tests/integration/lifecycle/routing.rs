//! `aws_internet_gateway`, `aws_eip`, `aws_nat_gateway`, `aws_route_table`, `aws_route`,
//! `aws_route_table_association`.

use super::{ec2_tags, expected_tags, id, Stack};
use aws_sdk_ec2::types::{Filter, RouteTable};
use terrace::state::State;

/// What the gateways-and-routes configuration varies between steps.
#[derive(Clone, Copy)]
struct RoutingStep {
    igw_name: &'static str,
    /// The Elastic IP's address (force-new; a BYOIP address).
    eip_address: &'static str,
    eip_name: &'static str,
    nat_name: &'static str,
    /// The VPC of `aws_route_table.public` (`main` or `other`; force-new) and the inline
    /// routes' destinations, all through that VPC's internet gateway.
    public_vpc: &'static str,
    public_routes: &'static [&'static str],
    public_name: &'static str,
    /// `aws_route.egress`: destination (force-new) and target attribute (in place).
    route_dest: &'static str,
    route_target: &'static str,
    /// `aws_route_table_association.private`: subnet (force-new) and table (in place).
    rta_subnet: &'static str,
    rta_table: &'static str,
}

fn routing_config(s: RoutingStep) -> String {
    let routes: String = s
        .public_routes
        .iter()
        .map(|cidr| {
            format!(
                "  route {{\n    cidr_block = \"{cidr}\"\n    gateway_id = aws_internet_gateway.{}.id\n  }}\n",
                s.public_vpc
            )
        })
        .collect();
    let RoutingStep {
        igw_name,
        eip_address,
        eip_name,
        nat_name,
        public_vpc,
        public_name,
        route_dest,
        route_target,
        rta_subnet,
        rta_table,
        ..
    } = s;
    format!(
        r#"
resource "aws_vpc" "main" {{
  cidr_block = "10.30.0.0/16"
}}

resource "aws_vpc" "other" {{
  cidr_block = "10.31.0.0/16"
}}

resource "aws_subnet" "public" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.30.0.0/20"
}}

resource "aws_subnet" "private" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.30.16.0/20"
}}

resource "aws_subnet" "spare" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.30.32.0/20"
}}

resource "aws_internet_gateway" "main" {{
  vpc_id = aws_vpc.main.id
  tags = {{
    Name = "{igw_name}"
  }}
}}

resource "aws_internet_gateway" "other" {{
  vpc_id = aws_vpc.other.id
}}

resource "aws_eip" "nat" {{
  domain  = "vpc"
  address = "{eip_address}"
  tags = {{
    Name = "{eip_name}"
  }}
}}

resource "aws_nat_gateway" "main" {{
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
  tags = {{
    Name = "{nat_name}"
  }}
}}

resource "aws_route_table" "public" {{
  vpc_id = aws_vpc.{public_vpc}.id
{routes}  tags = {{
    Name = "{public_name}"
  }}
}}

resource "aws_route_table" "private" {{
  vpc_id = aws_vpc.main.id
}}

resource "aws_route" "egress" {{
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "{route_dest}"
  {route_target}
}}

resource "aws_route_table_association" "private" {{
  subnet_id      = aws_subnet.{rta_subnet}.id
  route_table_id = aws_route_table.{rta_table}.id
}}
"#
    )
}

async fn route_table(stack: &Stack, id: &str) -> RouteTable {
    let out = stack
        .ec2
        .describe_route_tables()
        .route_table_ids(id)
        .send()
        .await
        .unwrap();
    out.route_tables()[0].clone()
}

/// `(destination, target)` of a table's routes other than the VPC's local one.
fn routes(t: &RouteTable) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = t
        .routes()
        .iter()
        .filter(|r| r.gateway_id() != Some("local"))
        .map(|r| {
            let target = r.gateway_id().or(r.nat_gateway_id()).unwrap_or_default();
            (
                r.destination_cidr_block().unwrap_or_default().to_string(),
                target.to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Every object of the routing test in the cloud matches `s`.
async fn check_routing(stack: &Stack, state: &State, s: RoutingStep) {
    let lineage = &state.lineage;
    let igw_id = id(state, "aws_internet_gateway.main");
    let out = stack
        .ec2
        .describe_internet_gateways()
        .internet_gateway_ids(&igw_id)
        .send()
        .await
        .unwrap();
    let igw = &out.internet_gateways()[0];
    let attached: Vec<_> = igw
        .attachments()
        .iter()
        .filter_map(|a| a.vpc_id())
        .collect();
    assert_eq!(attached, [id(state, "aws_vpc.main")]);
    assert_eq!(
        ec2_tags(igw.tags()),
        expected_tags(
            &[("Name", s.igw_name)],
            "aws_internet_gateway.main",
            lineage
        )
    );

    let eip_id = id(state, "aws_eip.nat");
    let out = stack
        .ec2
        .describe_addresses()
        .allocation_ids(&eip_id)
        .send()
        .await
        .unwrap();
    let eip = &out.addresses()[0];
    assert_eq!(eip.public_ip(), Some(s.eip_address));
    assert_eq!(eip.domain().map(|d| d.as_str()), Some("vpc"));
    assert_eq!(
        ec2_tags(eip.tags()),
        expected_tags(&[("Name", s.eip_name)], "aws_eip.nat", lineage)
    );

    let nat_id = id(state, "aws_nat_gateway.main");
    let out = stack
        .ec2
        .describe_nat_gateways()
        .nat_gateway_ids(&nat_id)
        .send()
        .await
        .unwrap();
    let nat = &out.nat_gateways()[0];
    assert_eq!(nat.state().map(|x| x.as_str()), Some("available"));
    assert_eq!(
        nat.subnet_id(),
        Some(id(state, "aws_subnet.public").as_str())
    );
    let allocations: Vec<_> = nat
        .nat_gateway_addresses()
        .iter()
        .filter_map(|a| a.allocation_id())
        .collect();
    assert_eq!(allocations, [eip_id.as_str()]);
    assert_eq!(
        ec2_tags(nat.tags()),
        expected_tags(&[("Name", s.nat_name)], "aws_nat_gateway.main", lineage)
    );

    let public = route_table(stack, &id(state, "aws_route_table.public")).await;
    let vpc = id(state, &format!("aws_vpc.{}", s.public_vpc));
    assert_eq!(public.vpc_id(), Some(vpc.as_str()));
    let igw = id(state, &format!("aws_internet_gateway.{}", s.public_vpc));
    let mut want: Vec<(String, String)> = s
        .public_routes
        .iter()
        .map(|c| (c.to_string(), igw.clone()))
        .collect();
    want.sort();
    assert_eq!(routes(&public), want);
    assert_eq!(
        ec2_tags(public.tags()),
        expected_tags(
            &[("Name", s.public_name)],
            "aws_route_table.public",
            lineage
        )
    );

    // aws_route and aws_route_table_association have no tags: found by content and id.
    let private = route_table(stack, &id(state, "aws_route_table.private")).await;
    let target = if s.route_target.starts_with("nat_gateway_id") {
        nat_id
    } else {
        igw_id
    };
    assert_eq!(routes(&private), [(s.route_dest.to_string(), target)]);

    let rta_id = id(state, "aws_route_table_association.private");
    let table = route_table(
        stack,
        &id(state, &format!("aws_route_table.{}", s.rta_table)),
    )
    .await;
    let assoc = table
        .associations()
        .iter()
        .find(|a| a.route_table_association_id() == Some(rta_id.as_str()))
        .unwrap_or_else(|| panic!("association {rta_id} is not on its table: {table:?}"));
    let subnet = id(state, &format!("aws_subnet.{}", s.rta_subnet));
    assert_eq!(assoc.subnet_id(), Some(subnet.as_str()));
}

/// Whether a route table association exists (in any table of the region).
async fn association_exists(stack: &Stack, id: &str) -> bool {
    let f = Filter::builder()
        .name("association.route-table-association-id")
        .values(id)
        .build();
    let out = stack
        .ec2
        .describe_route_tables()
        .filters(f)
        .send()
        .await
        .unwrap();
    !out.route_tables().is_empty()
}

const ROUTING: [&str; 6] = [
    "aws_eip.nat",
    "aws_internet_gateway.main",
    "aws_nat_gateway.main",
    "aws_route.egress",
    "aws_route_table.public",
    "aws_route_table_association.private",
];

#[tokio::test(flavor = "multi_thread")]
async fn gateways_and_routes() {
    let stack = Stack::new("eu-south-2");

    // 1. Create.
    let r1 = RoutingStep {
        igw_name: "igw",
        eip_address: "198.51.100.10",
        eip_name: "nat-ip",
        nat_name: "nat",
        public_vpc: "main",
        public_routes: &["0.0.0.0/0"],
        public_name: "public",
        route_dest: "0.0.0.0/0",
        route_target: "nat_gateway_id = aws_nat_gateway.main.id",
        rta_subnet: "private",
        rta_table: "private",
    };
    stack.write(&routing_config(r1));
    let s1 = stack.apply(&[]).await;
    check_routing(&stack, &s1, r1).await;

    // 2. Nothing to do.
    stack.expect_no_changes().await;

    // A route whose record was lost (a killed apply created it, then died before recording
    // it) has no tags to be found by: creating it again takes over the identical route.
    let (code, out, err) = stack.run(&["state", "rm", "aws_route.egress"]).await;
    assert_eq!(code, 0, "{out}{err}");
    stack
        .expect_plan(&[], &[("aws_route.egress", "create")])
        .await;
    let again = stack.apply(&[]).await;
    assert_eq!(id(&again, "aws_route.egress"), id(&s1, "aws_route.egress"));
    stack.expect_no_changes().await;
    let (code, out, err) = stack
        .run(&["state", "rm", "aws_route_table_association.private"])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    let again = stack.apply(&[]).await;
    assert_eq!(
        id(&again, "aws_route_table_association.private"),
        id(&s1, "aws_route_table_association.private")
    );
    stack.expect_no_changes().await;

    // 3. In place: tags, another inline route, the route's target, the association's table.
    let r2 = RoutingStep {
        igw_name: "igw-2",
        eip_name: "nat-ip-2",
        nat_name: "nat-2",
        public_routes: &["0.0.0.0/0", "192.0.2.0/24"],
        public_name: "public-2",
        route_target: "gateway_id = aws_internet_gateway.main.id",
        rta_table: "public",
        ..r1
    };
    stack.write(&routing_config(r2));
    stack
        .expect_plan(&[], &ROUTING.map(|a| (a, "update")))
        .await;
    let s2 = stack.apply(&[]).await;
    // Moving an association to another table (ReplaceRouteTableAssociation) gives it a new
    // id, as in the AWS provider; every other object keeps its id.
    let (rta, moved) = ROUTING.split_last().unwrap();
    for a in moved {
        assert_eq!(
            id(&s2, a),
            id(&s1, a),
            "{a} changed id on an in-place update"
        );
    }
    assert!(!association_exists(&stack, &id(&s1, rta)).await);
    check_routing(&stack, &s2, r2).await;
    stack.expect_no_changes().await;

    // 4. Replace: a new address replaces the EIP and so the NAT gateway; the public table
    // moves to the other VPC; the route gets a new destination, the association a new
    // subnet. An internet gateway has no force-new argument: it is replaced on request.
    let r3 = RoutingStep {
        eip_address: "198.51.100.11",
        public_vpc: "other",
        public_routes: &["0.0.0.0/0"],
        route_dest: "172.16.0.0/12",
        rta_subnet: "spare",
        rta_table: "private",
        ..r2
    };
    stack.write(&routing_config(r3));
    let replace_igw = ["-replace=aws_internet_gateway.main"];
    stack
        .expect_plan(&replace_igw, &ROUTING.map(|a| (a, "replace")))
        .await;
    let s3 = stack.apply(&replace_igw).await;
    check_routing(&stack, &s3, r3).await;
    for a in ROUTING {
        assert_ne!(
            id(&s3, a),
            id(&s2, a),
            "{a} kept its id through a replacement"
        );
    }
    let live = stack.owned(&s3.lineage).await;
    for a in [
        "aws_eip.nat",
        "aws_internet_gateway.main",
        "aws_nat_gateway.main",
        "aws_route_table.public",
    ] {
        assert!(live.contains(&id(&s3, a)), "{a}: the new object is missing");
        assert!(!live.contains(&id(&s2, a)), "{a}: the old object is left");
    }
    // The old route (0.0.0.0/0) is gone from the private table: check_routing saw only the
    // new one there.
    assert!(!association_exists(&stack, &id(&s2, "aws_route_table_association.private")).await);
    stack.expect_no_changes().await;

    // 5. Destroy.
    stack.destroy().await;
    assert_eq!(stack.owned(&s3.lineage).await, Default::default());
    assert!(!association_exists(&stack, &id(&s3, "aws_route_table_association.private")).await);
}

//! `Provider::inventory` and `Provider::api_calls` of the AWS provider against moto, through
//! the real SDK: the objects of the supported types inside the VPCs in scope, managed or not,
//! each shaped like `read` gives it; nothing from another VPC, no default group, no main
//! route table, no terminated instance; one Describe call per type; none for an empty scope.
//!
//! Needs `TERRACE_TEST_MOTO_URL` (scripts/test.sh starts moto and sets it). The objects are
//! made with a separate set of clients, so the provider under test counts only its own calls.

use aws_sdk_ec2::types::{
    Filter, InstanceType, IpPermission, IpRange, ResourceType, Tag, TagSpecification,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use terrace::eval::Value;
use terrace::provider::aws::{AwsClients, AwsProvider, AwsSettings};
use terrace::provider::{strip_ownership_tags, CloudObject, InventoryScope, Provider};

/// A region no other test uses: its DB instance listing holds only these tests' instances.
const REGION: &str = "ap-southeast-4";

async fn clients(region: &str) -> AwsClients {
    let url = super::support::moto_url();
    AwsClients::new(&AwsSettings {
        region: Some(region.into()),
        access_key: Some("testing".into()),
        secret_key: Some("testing".into()),
        endpoint_ec2: Some(url.clone()),
        endpoint_rds: Some(url),
        max_retries: Some(2),
        ..Default::default()
    })
    .await
}

/// A name unique to this process and call (moto keeps objects between runs).
fn unique(prefix: &str) -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    format!(
        "{prefix}-{:x}{:x}{n}",
        nanos % 0xffff_ffff,
        std::process::id()
    )
}

fn tag_spec(rt: ResourceType, tags: &[(&str, &str)]) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(rt)
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| Tag::builder().key(*k).value(*v).build())
                .collect(),
        ))
        .build()
}

fn strings(items: &[(&str, &str)]) -> BTreeMap<String, String> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The objects of one VPC, by (type, id), as made by [`network`].
struct Network {
    vpc: String,
    db_subnet_group: String,
    objects: BTreeSet<(&'static str, String)>,
    /// The instance tagged with ownership tags.
    owned_instance: String,
    /// A terminated instance and a deleted NAT gateway (not in `objects`).
    terminated: String,
    deleted_nat: String,
    /// The VPC's default security group and main route table (not in `objects`).
    default_group: String,
    main_table: String,
}

/// A VPC with two subnets, a security group (one ingress rule), a route table, an attached
/// internet gateway, a NAT gateway and a deleted one, two live instances (one with ownership
/// tags) and a terminated one, and a DB instance in a DB subnet group over the subnets.
async fn network(c: &AwsClients, cidr_prefix: &str) -> Network {
    let (ec2, rds) = (&c.ec2, &c.rds);
    let mut objects = BTreeSet::new();
    let vpc = ec2
        .create_vpc()
        .cidr_block(format!("{cidr_prefix}.0.0/16"))
        .send()
        .await
        .expect("CreateVpc")
        .vpc
        .and_then(|v| v.vpc_id)
        .expect("vpc id");
    let mut subnets = Vec::new();
    for (i, az) in ["a", "b"].iter().enumerate() {
        let id = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("{cidr_prefix}.{}.0/20", i * 16))
            .availability_zone(format!("{REGION}{az}"))
            .send()
            .await
            .expect("CreateSubnet")
            .subnet
            .and_then(|s| s.subnet_id)
            .expect("subnet id");
        objects.insert(("aws_subnet", id.clone()));
        subnets.push(id);
    }
    let group = ec2
        .create_security_group()
        .group_name(unique("web"))
        .description("web hosts")
        .vpc_id(&vpc)
        .send()
        .await
        .expect("CreateSecurityGroup")
        .group_id
        .expect("group id");
    ec2.authorize_security_group_ingress()
        .group_id(&group)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").build())
                .build(),
        )
        .send()
        .await
        .expect("AuthorizeSecurityGroupIngress");
    objects.insert(("aws_security_group", group));
    let table = ec2
        .create_route_table()
        .vpc_id(&vpc)
        .send()
        .await
        .expect("CreateRouteTable")
        .route_table
        .and_then(|t| t.route_table_id)
        .expect("route table id");
    objects.insert(("aws_route_table", table));
    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .expect("CreateInternetGateway")
        .internet_gateway
        .and_then(|g| g.internet_gateway_id)
        .expect("igw id");
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .expect("AttachInternetGateway");
    objects.insert(("aws_internet_gateway", igw));
    let eip = ec2
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .expect("AllocateAddress")
        .allocation_id
        .expect("allocation id");
    let nat = ec2
        .create_nat_gateway()
        .subnet_id(&subnets[0])
        .allocation_id(eip)
        .send()
        .await
        .expect("CreateNatGateway")
        .nat_gateway
        .and_then(|g| g.nat_gateway_id)
        .expect("nat id");
    objects.insert(("aws_nat_gateway", nat));
    let deleted_nat = ec2
        .create_nat_gateway()
        .subnet_id(&subnets[1])
        .connectivity_type(aws_sdk_ec2::types::ConnectivityType::Private)
        .send()
        .await
        .expect("CreateNatGateway")
        .nat_gateway
        .and_then(|g| g.nat_gateway_id)
        .expect("nat id");
    ec2.delete_nat_gateway()
        .nat_gateway_id(&deleted_nat)
        .send()
        .await
        .expect("DeleteNatGateway");

    let run = |tags: &[(&str, &str)]| {
        let mut req = ec2
            .run_instances()
            .image_id("ami-12345678")
            .instance_type(InstanceType::T3Micro)
            .subnet_id(&subnets[0])
            .min_count(1)
            .max_count(1);
        if !tags.is_empty() {
            req = req.tag_specifications(tag_spec(ResourceType::Instance, tags));
        }
        async move {
            req.send().await.expect("RunInstances").instances()[0]
                .instance_id()
                .expect("instance id")
                .to_string()
        }
    };
    let owned_instance = run(&[
        ("Name", "a"),
        ("terrace:lineage", "X"),
        ("terrace:address", "aws_instance.a"),
    ])
    .await;
    objects.insert(("aws_instance", owned_instance.clone()));
    objects.insert(("aws_instance", run(&[]).await));
    let terminated = run(&[("Name", "gone")]).await;
    ec2.terminate_instances()
        .instance_ids(&terminated)
        .send()
        .await
        .expect("TerminateInstances");

    let db_subnet_group = unique("inv-dbsg");
    rds.create_db_subnet_group()
        .db_subnet_group_name(&db_subnet_group)
        .db_subnet_group_description("inventory test")
        .set_subnet_ids(Some(subnets.clone()))
        .send()
        .await
        .expect("CreateDBSubnetGroup");
    let db = unique("inv-db");
    rds.create_db_instance()
        .db_instance_identifier(&db)
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .allocated_storage(20)
        .master_username("app")
        .master_user_password("correct-horse-battery")
        .db_subnet_group_name(&db_subnet_group)
        .send()
        .await
        .expect("CreateDBInstance");
    objects.insert(("aws_db_instance", db));

    let vpc_filter = Filter::builder().name("vpc-id").values(&vpc).build();
    let default_group = ec2
        .describe_security_groups()
        .filters(vpc_filter.clone())
        .send()
        .await
        .expect("DescribeSecurityGroups")
        .security_groups()
        .iter()
        .find(|g| g.group_name() == Some("default"))
        .and_then(|g| g.group_id())
        .expect("default group")
        .to_string();
    let main_table = ec2
        .describe_route_tables()
        .filters(vpc_filter)
        .send()
        .await
        .expect("DescribeRouteTables")
        .route_tables()
        .iter()
        .find(|t| t.associations().iter().any(|a| a.main() == Some(true)))
        .and_then(|t| t.route_table_id())
        .expect("main route table")
        .to_string();
    Network {
        vpc,
        db_subnet_group,
        objects,
        owned_instance,
        terminated,
        deleted_nat,
        default_group,
        main_table,
    }
}

fn keys(found: &[CloudObject]) -> BTreeSet<(&str, String)> {
    found
        .iter()
        .map(|o| (o.type_name.as_str(), o.id.clone()))
        .collect()
}

fn calls(items: &[(&str, u64)]) -> BTreeMap<String, u64> {
    items.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_the_objects_in_scope_with_one_call_per_type() {
    let setup = clients(REGION).await;
    let a = network(&setup, "10.61").await;
    let b = network(&setup, "10.62").await;

    let p = AwsProvider::new(clients(REGION).await);
    assert!(p.api_calls().is_empty(), "{:?}", p.api_calls());
    let vpcs = [a.vpc.clone()];
    let groups = [a.db_subnet_group.clone(), unique("no-such-group")];
    let found = p
        .inventory(InventoryScope {
            vpc_ids: &vpcs,
            db_subnet_groups: &groups,
        })
        .await
        .expect("inventory");

    // Exactly the first VPC's objects: not the other VPC's, not its default group or main
    // route table, not the terminated instance or the deleted NAT gateway.
    assert_eq!(
        keys(&found),
        a.objects.iter().map(|(t, id)| (*t, id.clone())).collect()
    );
    let ids: BTreeSet<&str> = found.iter().map(|o| o.id.as_str()).collect();
    for id in [
        &a.default_group,
        &a.main_table,
        &a.terminated,
        &a.deleted_nat,
    ] {
        assert!(!ids.contains(id.as_str()), "{id} listed");
    }
    for (_, id) in &b.objects {
        assert!(!ids.contains(id.as_str()), "{id} of the other VPC listed");
    }
    assert_eq!(
        p.api_calls(),
        calls(&[
            ("DescribeDBInstances", 1),
            ("DescribeInstances", 1),
            ("DescribeInternetGateways", 1),
            ("DescribeNatGateways", 1),
            ("DescribeRouteTables", 1),
            ("DescribeSecurityGroups", 1),
            ("DescribeSubnets", 1),
        ])
    );

    for o in &found {
        assert_eq!(o.vpc_id.as_deref(), Some(a.vpc.as_str()), "{}", o.id);
        let schema = terrace::schema::resource(&o.type_name).expect("schema");
        let m = o.value.as_map().expect("an object");
        let want: BTreeSet<&str> = schema
            .body
            .attrs
            .iter()
            .map(|x| x.name)
            .chain(schema.body.blocks.iter().map(|x| x.name))
            .collect();
        assert_eq!(m.keys().map(String::as_str).collect::<BTreeSet<_>>(), want);
        assert_eq!(m["id"], Value::from(o.id.as_str()), "{}", o.id);
        assert!(o.value.is_known(), "{}", o.id);
    }

    // Tags: the cloud's tags on the object, the value without the ownership tags.
    let owned = found
        .iter()
        .find(|o| o.id == a.owned_instance)
        .expect("owned instance");
    assert_eq!(
        owned.tags,
        strings(&[
            ("Name", "a"),
            ("terrace:address", "aws_instance.a"),
            ("terrace:lineage", "X"),
        ])
    );
    let name_only = Value::map([("Name", Value::from("a"))]);
    assert_eq!(owned.value.get_attr("tags"), Some(&name_only));
    assert_eq!(owned.value.get_attr("tags_all"), Some(&name_only));
    assert_eq!(
        owned.value.get_attr("instance_state"),
        Some(&Value::from("running"))
    );

    // The group's rules are in its value.
    let group = found
        .iter()
        .find(|o| o.type_name == "aws_security_group")
        .expect("group");
    let ingress = group.value.get_attr("ingress").expect("ingress");
    let Value::Set(blocks) = ingress else {
        panic!("ingress is not a set: {ingress:?}")
    };
    assert_eq!(blocks.len(), 1, "{blocks:?}");
    assert_eq!(blocks[0].get_attr("from_port"), Some(&Value::Number(22.0)));

    // Each value is what `read` gives over it (ownership tags aside): the same shape. A DB
    // instance's latest restorable time is the moment of the call.
    let reader = AwsProvider::new(setup.clone());
    let timeless = |v: Value| match v {
        Value::Map(mut m) => {
            m.remove("latest_restorable_time");
            Value::Map(m)
        }
        v => v,
    };
    for o in &found {
        let read = reader
            .read(&o.type_name, &[(o.id.clone(), o.value.clone())])
            .await
            .expect("read");
        assert_eq!(
            read.get(&o.id)
                .cloned()
                .map(strip_ownership_tags)
                .map(timeless),
            Some(timeless(o.value.clone())),
            "{} {}",
            o.type_name,
            o.id
        );
    }

    // Without DB subnet groups in scope, no DB instance and no DescribeDBInstances call.
    let before = p.api_calls();
    let found = p
        .inventory(InventoryScope {
            vpc_ids: &vpcs,
            db_subnet_groups: &[],
        })
        .await
        .expect("inventory without groups");
    assert!(found.iter().all(|o| o.type_name != "aws_db_instance"));
    assert_eq!(found.len(), a.objects.len() - 1);
    let after = p.api_calls();
    assert_eq!(after["DescribeDBInstances"], before["DescribeDBInstances"]);
    assert_eq!(after["DescribeInstances"], before["DescribeInstances"] + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_scope_makes_no_call() {
    let p = AwsProvider::new(clients(REGION).await);
    let found = p
        .inventory(InventoryScope {
            vpc_ids: &[],
            db_subnet_groups: &[],
        })
        .await
        .expect("inventory");
    assert_eq!(found, Vec::new());
    assert_eq!(p.api_calls(), BTreeMap::new());
}

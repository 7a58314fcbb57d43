//! `aws_db_subnet_group`, `aws_db_parameter_group`, `aws_db_instance`.

use super::{assert_same_dependencies, attr, expected_tags, id, rds_tags, unique, Stack};
use aws_sdk_rds::types::DbInstance;
use std::collections::BTreeSet;
use terrace::state::State;

/// What the configuration varies between steps.
#[derive(Clone)]
struct Step {
    suffix: String,
    /// `aws_db_subnet_group.main`: name prefix (force-new). Its description and subnets
    /// stay: moto 5.2's ModifyDBSubnetGroup drops the group it modifies.
    subnet_group: &'static str,
    /// `aws_db_parameter_group.main`: name prefix (force-new); a parameter's value (in place).
    parameter_group: &'static str,
    slow_query_ms: u32,
    /// `aws_db_instance.main`: database name (force-new); class and storage (in place).
    db_name: &'static str,
    instance_class: &'static str,
    storage_gb: i32,
    /// The Name tag of all three (in place).
    tag: &'static str,
}

fn config(s: &Step) -> String {
    let Step {
        suffix,
        subnet_group,
        parameter_group,
        slow_query_ms,
        db_name,
        instance_class,
        storage_gb,
        tag,
        ..
    } = s;
    format!(
        r#"
resource "aws_vpc" "main" {{
  cidr_block = "10.60.0.0/16"
}}

resource "aws_subnet" "a" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.60.0.0/20"
  availability_zone = "eu-central-2a"
}}

resource "aws_subnet" "b" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.60.16.0/20"
  availability_zone = "eu-central-2b"
}}

resource "aws_subnet" "c" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.60.32.0/20"
  availability_zone = "eu-central-2c"
}}

resource "aws_db_subnet_group" "main" {{
  name        = "{subnet_group}-{suffix}"
  description = "database subnets"
  subnet_ids  = [aws_subnet.a.id, aws_subnet.b.id, aws_subnet.c.id]
  tags = {{
    Name = "{tag}"
  }}
}}

resource "aws_db_parameter_group" "main" {{
  name   = "{parameter_group}-{suffix}"
  family = "postgres16"
  parameter {{
    name  = "log_min_duration_statement"
    value = "{slow_query_ms}"
  }}
  tags = {{
    Name = "{tag}"
  }}
}}

resource "aws_db_instance" "main" {{
  identifier           = "db-{suffix}"
  engine               = "postgres"
  engine_version       = "16.3"
  instance_class       = "{instance_class}"
  allocated_storage    = {storage_gb}
  db_name              = "{db_name}"
  username             = "app"
  password             = "lifecycle-Passw0rd"
  db_subnet_group_name = aws_db_subnet_group.main.name
  parameter_group_name = aws_db_parameter_group.main.name
  skip_final_snapshot  = true
  apply_immediately    = true
  tags = {{
    Name = "{tag}"
  }}
}}
"#
    )
}

async fn tags_of(stack: &Stack, arn: &str) -> std::collections::BTreeMap<String, String> {
    let out = stack
        .rds
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .unwrap();
    rds_tags(out.tag_list())
}

/// An instance as `identifier@creation time`: a replacement keeps a configured identifier
/// (and moto gives every instance the same resource id), so the creation time tells a new
/// instance from the old one.
fn db_identity(db: &DbInstance) -> String {
    let created = db.instance_create_time().expect("InstanceCreateTime");
    format!(
        "{}@{}.{:09}",
        db.db_instance_identifier().unwrap_or_default(),
        created.secs(),
        created.subsec_nanos()
    )
}

/// The three objects in the cloud match `s`; returns the instance's identity.
async fn check(stack: &Stack, state: &State, s: &Step) -> String {
    let lineage = &state.lineage;
    let group_name = format!("{}-{}", s.subnet_group, s.suffix);
    assert_eq!(id(state, "aws_db_subnet_group.main"), group_name);
    let out = stack
        .rds
        .describe_db_subnet_groups()
        .db_subnet_group_name(&group_name)
        .send()
        .await
        .unwrap();
    let group = &out.db_subnet_groups()[0];
    assert_eq!(
        group.db_subnet_group_description(),
        Some("database subnets")
    );
    assert_eq!(group.vpc_id(), Some(id(state, "aws_vpc.main").as_str()));
    let got: BTreeSet<_> = group
        .subnets()
        .iter()
        .filter_map(|x| x.subnet_identifier())
        .map(str::to_string)
        .collect();
    let want: BTreeSet<_> = ["a", "b", "c"]
        .iter()
        .map(|n| id(state, &format!("aws_subnet.{n}")))
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        tags_of(stack, group.db_subnet_group_arn().unwrap()).await,
        expected_tags(&[("Name", s.tag)], "aws_db_subnet_group.main", lineage)
    );

    let params_name = format!("{}-{}", s.parameter_group, s.suffix);
    assert_eq!(id(state, "aws_db_parameter_group.main"), params_name);
    let out = stack
        .rds
        .describe_db_parameter_groups()
        .db_parameter_group_name(&params_name)
        .send()
        .await
        .unwrap();
    let params = &out.db_parameter_groups()[0];
    assert_eq!(params.db_parameter_group_family(), Some("postgres16"));
    let values = stack
        .rds
        .describe_db_parameters()
        .db_parameter_group_name(&params_name)
        .source("user")
        .send()
        .await
        .unwrap();
    let got: Vec<_> = values
        .parameters()
        .iter()
        .map(|p| {
            (
                p.parameter_name().unwrap_or_default(),
                p.parameter_value().unwrap_or_default(),
            )
        })
        .collect();
    let slow = s.slow_query_ms.to_string();
    assert_eq!(got, [("log_min_duration_statement", slow.as_str())]);
    assert_eq!(
        tags_of(stack, params.db_parameter_group_arn().unwrap()).await,
        expected_tags(&[("Name", s.tag)], "aws_db_parameter_group.main", lineage)
    );

    let identifier = format!("db-{}", s.suffix);
    assert_eq!(id(state, "aws_db_instance.main"), identifier);
    let out = stack
        .rds
        .describe_db_instances()
        .db_instance_identifier(&identifier)
        .send()
        .await
        .unwrap();
    let db = &out.db_instances()[0];
    assert_eq!(db.db_instance_status(), Some("available"));
    assert_eq!(
        db.dbi_resource_id(),
        Some(attr(state, "aws_db_instance.main", "resource_id").as_str())
    );
    assert_eq!(db.engine(), Some("postgres"));
    assert_eq!(db.db_instance_class(), Some(s.instance_class));
    assert_eq!(db.allocated_storage(), Some(s.storage_gb));
    assert_eq!(db.db_name(), Some(s.db_name));
    assert_eq!(db.master_username(), Some("app"));
    assert_eq!(
        db.db_subnet_group().and_then(|g| g.db_subnet_group_name()),
        Some(group_name.as_str())
    );
    let groups: Vec<_> = db
        .db_parameter_groups()
        .iter()
        .filter_map(|g| g.db_parameter_group_name())
        .collect();
    assert_eq!(groups, [params_name.as_str()]);
    assert_eq!(
        tags_of(stack, db.db_instance_arn().unwrap()).await,
        expected_tags(&[("Name", s.tag)], "aws_db_instance.main", lineage)
    );
    db_identity(db)
}

/// Names of the region's subnet groups, parameter groups (not the defaults) and DB instances
/// (by `db_identity`).
async fn rds_objects(stack: &Stack) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let groups = stack.rds.describe_db_subnet_groups().send().await.unwrap();
    names.extend(
        groups
            .db_subnet_groups()
            .iter()
            .filter_map(|g| g.db_subnet_group_name())
            .map(str::to_string),
    );
    let params = stack
        .rds
        .describe_db_parameter_groups()
        .send()
        .await
        .unwrap();
    names.extend(
        params
            .db_parameter_groups()
            .iter()
            .filter_map(|g| g.db_parameter_group_name())
            .filter(|n| !n.starts_with("default."))
            .map(str::to_string),
    );
    let dbs = stack.rds.describe_db_instances().send().await.unwrap();
    names.extend(dbs.db_instances().iter().map(db_identity));
    names
}

/// What `rds_objects` lists for the groups in `state` and the instance `db`.
fn listed(state: &State, db: String) -> BTreeSet<String> {
    BTreeSet::from([
        id(state, "aws_db_subnet_group.main"),
        id(state, "aws_db_parameter_group.main"),
        db,
    ])
}

const CHANGED: [&str; 3] = [
    "aws_db_instance.main",
    "aws_db_parameter_group.main",
    "aws_db_subnet_group.main",
];

#[tokio::test(flavor = "multi_thread")]
async fn subnet_group_parameter_group_and_instance() {
    let stack = Stack::new("eu-central-2");

    // 1. Create.
    let d1 = Step {
        suffix: unique(),
        subnet_group: "db",
        parameter_group: "pg",
        slow_query_ms: 500,
        db_name: "app",
        instance_class: "db.t3.micro",
        storage_gb: 20,
        tag: "db",
    };
    stack.write(&config(&d1));
    let s1 = stack.apply(&[]).await;
    let db1 = check(&stack, &s1, &d1).await;
    // What the region held besides this run's objects (leftovers of an interrupted run).
    let others = &rds_objects(&stack).await - &listed(&s1, db1.clone());

    // 2. Nothing to do.
    stack.expect_no_changes().await;

    // 3. In place: a parameter's value, the instance's class and storage (applied
    // immediately), tags.
    let d2 = Step {
        slow_query_ms: 1000,
        instance_class: "db.t3.small",
        storage_gb: 30,
        tag: "db-2",
        ..d1.clone()
    };
    stack.write(&config(&d2));
    stack
        .expect_plan(&[], &CHANGED.map(|a| (a, "update")))
        .await;
    let s2 = stack.apply(&[]).await;
    let db2 = check(&stack, &s2, &d2).await;
    assert_same_dependencies(&s1, &s2);
    let old = listed(&s2, db2);
    assert_eq!(
        old,
        listed(&s1, db1),
        "an in-place update made a new object"
    );
    stack.expect_no_changes().await;

    // 4. Replace: new group names, a new database name.
    let d3 = Step {
        subnet_group: "db2",
        parameter_group: "pg2",
        db_name: "app2",
        ..d2.clone()
    };
    stack.write(&config(&d3));
    stack
        .expect_plan(&[], &CHANGED.map(|a| (a, "replace")))
        .await;
    let s3 = stack.apply(&[]).await;
    let db3 = check(&stack, &s3, &d3).await;
    let new = listed(&s3, db3);
    assert!(
        old.is_disjoint(&new),
        "kept through a replacement: {old:?} {new:?}"
    );
    let live = rds_objects(&stack).await;
    assert_eq!(
        live,
        &others | &new,
        "the old objects are left or new ones missing"
    );
    stack.expect_no_changes().await;

    // 5. Destroy.
    stack.destroy().await;
    assert_eq!(rds_objects(&stack).await, others);
    assert_eq!(stack.owned(&s3.lineage).await, Default::default());
}

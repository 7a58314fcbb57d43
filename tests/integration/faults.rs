//! Faults on moto: throttling injected on 30% of calls is ridden out, and an AWS error in
//! the middle of an apply fails only its branch while state stays exact.

use crate::fault_proxy::{FaultProxy, Faults};
use crate::support::{copy_dir, moto_url, repo, TempConfig};
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::Filter;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use terrace::provider::aws::{AwsClients, AwsSettings};
use terrace::state::{ResourceState, State};

/// Runs the `terrace` binary in `dir` with every AWS call sent to `endpoint`; returns
/// (exit code, stdout, stderr).
fn terrace_at(endpoint: &str, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_terrace"))
        .args(args)
        .current_dir(dir)
        .env_remove("TF_WORKSPACE")
        .env_remove("AWS_PROFILE")
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run terrace");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn read_state(dir: &Path) -> State {
    serde_json::from_str(&std::fs::read_to_string(dir.join("state/default.tfstate.json")).unwrap())
        .unwrap()
}

/// SDK clients talking to moto directly (not through any proxy).
fn moto(region: &str) -> (tokio::runtime::Runtime, AwsClients) {
    let url = moto_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let settings = AwsSettings {
        region: Some(region.into()),
        access_key: Some("testing".into()),
        secret_key: Some("testing".into()),
        endpoint_ec2: Some(url.clone()),
        endpoint_rds: Some(url),
        ..Default::default()
    };
    let c = rt.block_on(AwsClients::new(&settings));
    (rt, c)
}

fn attr<'a>(r: &'a ResourceState, name: &str) -> &'a str {
    r.attributes[name].as_str().unwrap_or_default()
}

/// Whether the object `r` records exists in moto under its id, asked with the describe call
/// of its type. A type without a check fails the test, so new types are not silently skipped.
async fn exists(c: &AwsClients, r: &ResourceState) -> bool {
    let id = r.provider_id.clone().unwrap_or_default();
    let ids = vec![id.clone()];
    let (ec2, rds) = (&c.ec2, &c.rds);
    match r.type_name.as_str() {
        "aws_vpc" => ec2
            .describe_vpcs()
            .set_vpc_ids(Some(ids))
            .send()
            .await
            .is_ok_and(|o| o.vpcs().len() == 1),
        "aws_subnet" => ec2
            .describe_subnets()
            .set_subnet_ids(Some(ids))
            .send()
            .await
            .is_ok_and(|o| o.subnets().len() == 1),
        "aws_internet_gateway" => ec2
            .describe_internet_gateways()
            .set_internet_gateway_ids(Some(ids))
            .send()
            .await
            .is_ok_and(|o| o.internet_gateways().len() == 1),
        "aws_eip" => ec2
            .describe_addresses()
            .set_allocation_ids(Some(ids))
            .send()
            .await
            .is_ok_and(|o| o.addresses().len() == 1),
        "aws_nat_gateway" => ec2
            .describe_nat_gateways()
            .set_nat_gateway_ids(Some(ids))
            .send()
            .await
            .is_ok_and(|o| {
                o.nat_gateways()
                    .iter()
                    .any(|g| g.state().is_some_and(|s| s.as_str() == "available"))
            }),
        "aws_route_table" | "aws_route" | "aws_route_table_association" => {
            let rtb = attr(r, "route_table_id");
            let rtb = if r.type_name == "aws_route_table" {
                id.as_str()
            } else {
                rtb
            };
            let Ok(o) = ec2
                .describe_route_tables()
                .route_table_ids(rtb)
                .send()
                .await
            else {
                return false;
            };
            let Some(t) = o.route_tables().first() else {
                return false;
            };
            match r.type_name.as_str() {
                "aws_route" => t.routes().iter().any(|x| {
                    x.destination_cidr_block() == Some(attr(r, "destination_cidr_block"))
                        && id == format!("{rtb}_{}", attr(r, "destination_cidr_block"))
                }),
                "aws_route_table_association" => t
                    .associations()
                    .iter()
                    .any(|a| a.route_table_association_id() == Some(id.as_str())),
                _ => true,
            }
        }
        "aws_security_group" => ec2
            .describe_security_groups()
            .set_group_ids(Some(ids))
            .send()
            .await
            .is_ok_and(|o| o.security_groups().len() == 1),
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => ec2
            .describe_security_group_rules()
            .set_security_group_rule_ids(Some(ids))
            .send()
            .await
            .is_ok_and(|o| {
                o.security_group_rules().iter().any(|x| {
                    x.is_egress() == Some(r.type_name.ends_with("egress_rule"))
                        && x.group_id() == Some(attr(r, "security_group_id"))
                })
            }),
        "aws_instance" => ec2
            .describe_instances()
            .set_instance_ids(Some(ids))
            .send()
            .await
            .is_ok_and(|o| {
                o.reservations()
                    .iter()
                    .flat_map(|x| x.instances())
                    .any(|i| {
                        i.state()
                            .and_then(|s| s.name())
                            .is_some_and(|n| n.as_str() == "running")
                    })
            }),
        "aws_key_pair" => ec2
            .describe_key_pairs()
            .key_names(id)
            .send()
            .await
            .is_ok_and(|o| o.key_pairs().len() == 1),
        "aws_db_subnet_group" => rds
            .describe_db_subnet_groups()
            .db_subnet_group_name(id)
            .send()
            .await
            .is_ok_and(|o| o.db_subnet_groups().len() == 1),
        "aws_db_parameter_group" => rds
            .describe_db_parameter_groups()
            .db_parameter_group_name(id)
            .send()
            .await
            .is_ok_and(|o| o.db_parameter_groups().len() == 1),
        "aws_db_instance" => rds
            .describe_db_instances()
            .db_instance_identifier(attr(r, "identifier"))
            .send()
            .await
            .is_ok_and(|o| {
                o.db_instances()
                    .iter()
                    .any(|d| d.db_instance_status() == Some("available"))
            }),
        other => panic!("no existence check for {other} ({})", r.address),
    }
}

/// Addresses of managed resources in `state` whose object is missing from moto.
fn missing_in_moto(region: &str, state: &State) -> Vec<String> {
    let (rt, c) = moto(region);
    rt.block_on(async {
        let mut missing = Vec::new();
        for r in state.resources.iter().filter(|r| r.is_managed()) {
            if r.provider_id.is_none() || !exists(&c, r).await {
                missing.push(format!("{} {:?}", r.address, r.provider_id));
            }
        }
        missing
    })
}

/// Ids of the EC2 objects in `region` tagged with `lineage`, except terminated instances and
/// the volumes of tagged instances.
fn ec2_tagged(region: &str, lineage: &str) -> BTreeSet<String> {
    let (rt, c) = moto(region);
    rt.block_on(async {
        let tags = c
            .ec2
            .describe_tags()
            .filters(
                Filter::builder()
                    .name("key")
                    .values("terrace:lineage")
                    .build(),
            )
            .filters(Filter::builder().name("value").values(lineage).build())
            .send()
            .await
            .unwrap();
        let mut ids: BTreeSet<String> = tags
            .tags()
            .iter()
            .filter_map(|t| t.resource_id().map(str::to_string))
            .collect();
        let instances: Vec<String> = ids
            .iter()
            .filter(|i| i.starts_with("i-"))
            .cloned()
            .collect();
        if !instances.is_empty() {
            let o = c
                .ec2
                .describe_instances()
                .set_instance_ids(Some(instances))
                .send()
                .await
                .unwrap();
            for i in o.reservations().iter().flat_map(|r| r.instances()) {
                if i.state().and_then(|s| s.name()).map(|n| n.as_str()) == Some("terminated") {
                    ids.remove(i.instance_id().unwrap_or_default());
                }
            }
        }
        // A root volume carries its instance's tags; it is part of that instance.
        let volumes: Vec<String> = ids
            .iter()
            .filter(|i| i.starts_with("vol-"))
            .cloned()
            .collect();
        if !volumes.is_empty() {
            let o = c
                .ec2
                .describe_volumes()
                .set_volume_ids(Some(volumes))
                .send()
                .await
                .unwrap();
            for v in o.volumes() {
                let owner = v.attachments().iter().find_map(|a| a.instance_id());
                if owner.is_some_and(|i| ids.contains(i)) {
                    ids.remove(v.volume_id().unwrap_or_default());
                }
            }
        }
        ids
    })
}

/// A unique suffix for names in the shared moto.
fn unique() -> String {
    format!("{}", std::process::id() % 100_000)
}

fn representative_config(region: &str, project: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "{region}"
}}

data "aws_ami" "ubuntu" {{
  most_recent = true
  owners      = ["099720109477"]
  filter {{
    name   = "name"
    values = ["ubuntu/images/hvm-ssd*/ubuntu-*-amd64-server-*"]
  }}
}}

module "network" {{
  source             = "./modules/network"
  name               = "{project}"
  cidr               = "10.40.0.0/16"
  azs                = ["{region}a", "{region}c"]
  subnet_newbits     = 4
  single_nat_gateway = false
}}

module "security" {{
  source      = "./modules/security"
  name        = "{project}"
  vpc_id      = module.network.vpc_id
  admin_cidrs = ["203.0.113.0/24"]
}}

resource "aws_key_pair" "admin" {{
  key_name   = "{project}-admin"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFKUdzrHl2wZlGdzufwYlsBWNeXJrkZ5Isxk0o9k1hhZ admin@faults"
}}

module "app" {{
  source             = "./modules/hosts"
  name               = "{project}-app"
  ami                = data.aws_ami.ubuntu.id
  subnet_ids         = module.network.app_subnet_ids
  security_group_ids = [module.security.app_security_group_id]
  host_count         = 3
  key_name           = aws_key_pair.admin.key_name
}}

resource "aws_db_subnet_group" "db" {{
  name       = "{project}-db"
  subnet_ids = module.network.db_subnet_ids
}}

resource "aws_db_instance" "db" {{
  identifier             = "{project}-db"
  engine                 = "postgres"
  instance_class         = "db.t3.micro"
  allocated_storage      = 20
  username               = "app_admin"
  password               = "faults-Passw0rd-2024"
  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = [module.security.db_security_group_id]
  skip_final_snapshot    = true
}}
"#
    )
}

/// The proxy's throttling answers are what the SDK's retry classifier retries: with every
/// call throttled and two retries allowed, each operation is sent three times and fails with
/// the service's own throttling code. Without throttling, calls pass through to moto.
#[test]
fn the_proxy_throttles_in_each_services_own_format() {
    let upstream = moto_url();
    for (fraction, expect_ok) in [(1.0, false), (0.0, true)] {
        let proxy = FaultProxy::start(
            &upstream,
            Faults {
                throttle_fraction: fraction,
                ..Faults::default()
            },
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let settings = AwsSettings {
            region: Some("ap-northeast-1".into()),
            access_key: Some("testing".into()),
            secret_key: Some("testing".into()),
            max_retries: Some(2),
            endpoint_ec2: Some(proxy.url()),
            endpoint_rds: Some(proxy.url()),
            ..Default::default()
        };
        let (ec2, rds) = rt.block_on(async {
            let c = AwsClients::new(&settings).await;
            let ec2 = c.ec2.describe_vpcs().send().await;
            let rds = c.rds.describe_db_instances().send().await;
            (
                ec2.map(|_| ())
                    .map_err(|e| e.into_service_error().code().map(str::to_string)),
                rds.map(|_| ())
                    .map_err(|e| e.into_service_error().code().map(str::to_string)),
            )
        });
        if expect_ok {
            assert_eq!((ec2, rds), (Ok(()), Ok(())));
            assert_eq!((proxy.requests(), proxy.throttled()), (2, 0));
        } else {
            assert_eq!(ec2, Err(Some("RequestLimitExceeded".into())));
            assert_eq!(rds, Err(Some("Throttling".into())));
            assert_eq!(proxy.action("DescribeVpcs"), 3);
            assert_eq!(proxy.action("DescribeDBInstances"), 3);
            assert_eq!(proxy.throttled(), 6);
        }
    }
}

#[test]
fn apply_rides_out_throttling_on_30_percent_of_calls() {
    let upstream = moto_url();
    let region = "ap-northeast-1";
    let project = format!("throttle{}", unique());
    let main = representative_config(region, &project);
    let cfg = TempConfig::new(&[("main.tf", main.as_str())]);
    copy_dir(&repo().join("modules"), &cfg.path().join("modules"));
    let proxy = FaultProxy::start(
        &upstream,
        Faults {
            throttle_fraction: 0.3,
            latency: Duration::ZERO,
            seed: 0x5EED_0004,
        },
    );
    let (code, out, err) = terrace_at(&proxy.url(), cfg.path(), &["apply", "-auto-approve"]);
    assert_eq!(code, 0, "apply failed under throttling:\n{out}\n{err}");
    let counts = proxy.counts();
    assert!(
        counts.throttled > 0 && counts.throttled < counts.requests,
        "{counts:?}"
    );
    let state = read_state(cfg.path());
    let managed = state.resources.iter().filter(|r| r.is_managed()).count();
    assert!(
        out.contains(&format!("Apply complete! Resources: {managed} added")),
        "{out}"
    );
    assert_eq!(missing_in_moto(region, &state), Vec::<String>::new());
    // Refreshing through the same throttling converges: nothing left to do.
    let (code, out, err) = terrace_at(
        &proxy.url(),
        cfg.path(),
        &["plan", "-detailed-exitcode", "-no-color"],
    );
    assert_eq!(code, 0, "second plan is not empty:\n{out}\n{err}");
    assert!(proxy.throttled() > counts.throttled, "{:?}", proxy.counts());
}

/// Two independent branches under one VPC; `b`'s subnet lies outside the VPC's range, so
/// AWS refuses it (`InvalidSubnet.Range`) after the VPC and branch `a` are under way.
fn two_branch_config(region: &str, name: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "{region}"
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.50.0.0/16"
  tags       = {{ Name = "{name}" }}
}}

resource "aws_route_table" "main" {{
  vpc_id = aws_vpc.main.id
}}

resource "aws_subnet" "a" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.50.0.0/20"
}}

resource "aws_instance" "a" {{
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.a.id
}}

resource "aws_route_table_association" "a" {{
  subnet_id      = aws_subnet.a.id
  route_table_id = aws_route_table.main.id
}}

resource "aws_subnet" "b" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.51.0.0/20"
}}

resource "aws_instance" "b" {{
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.b.id
}}

resource "aws_route_table_association" "b" {{
  subnet_id      = aws_subnet.b.id
  route_table_id = aws_route_table.main.id
}}
"#
    )
}

#[test]
fn an_aws_error_mid_apply_fails_only_its_branch_and_state_is_exact() {
    let endpoint = moto_url();
    let region = "ap-northeast-3";
    let cfg = TempConfig::new(&[(
        "main.tf",
        two_branch_config(region, &format!("faults{}", unique())).as_str(),
    )]);
    let (code, out, err) = terrace_at(&endpoint, cfg.path(), &["apply", "-auto-approve"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("Error: aws_subnet.b: InvalidSubnet.Range"),
        "the error names neither the resource nor the AWS code:\n{err}"
    );
    for dependent in ["aws_instance.b", "aws_route_table_association.b"] {
        assert!(
            err.contains(&format!(
                "Error: {dependent}: not attempted: aws_subnet.b failed"
            )),
            "{dependent} is not reported as not attempted:\n{err}"
        );
    }
    assert!(
        out.contains("Apply failed. Resources: 5 added, 0 changed, 0 destroyed."),
        "{out}"
    );
    // State holds exactly the other branch and what both share...
    let (code, list, err) = terrace_at(&endpoint, cfg.path(), &["state", "list"]);
    assert_eq!(code, 0, "{err}");
    let mut listed: Vec<&str> = list.lines().collect();
    listed.sort_unstable();
    assert_eq!(
        listed,
        [
            "aws_instance.a",
            "aws_route_table.main",
            "aws_route_table_association.a",
            "aws_subnet.a",
            "aws_vpc.main",
        ]
    );
    // ...each object exists in moto under the recorded id...
    let state = read_state(cfg.path());
    assert_eq!(missing_in_moto(region, &state), Vec::<String>::new());
    // ...and nothing else carries this state's lineage (taggable EC2 objects: the VPC, the
    // subnet, the route table and the instance).
    let recorded: BTreeSet<String> = state
        .resources
        .iter()
        .filter(|r| r.type_name != "aws_route_table_association")
        .filter_map(|r| r.provider_id.clone())
        .collect();
    assert_eq!(ec2_tagged(region, &state.lineage), recorded);
}

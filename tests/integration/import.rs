//! Importing existing objects against moto, through the binary: `terrace import ADDR ID`,
//! `import {}` blocks in plan and apply (saved plans included), their errors, and the
//! configuration `generate_config` writes for unmanaged objects (it validates, plans only
//! imports, applies, and plans empty afterwards).
//!
//! Objects are created with the SDK, as a person in the console would. Every test works in
//! `ca-west-1`, which no other test uses, inside a VPC of its own.
//! Needs `TERRACE_TEST_MOTO_URL` (scripts/test.sh starts moto and sets it).

use crate::support::{moto_url, terrace, TempConfig};
use aws_sdk_ec2::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ec2::types::{IpPermission, IpRange, ResourceType, Tag, TagSpecification};
use std::collections::BTreeMap;
use terrace::eval::Value;
use terrace::provider::aws::{AwsClients, AwsProvider, AwsSettings};
use terrace::provider::CloudObject;
use terrace::state::State;

const REGION: &str = "ca-west-1";

fn ec2() -> aws_sdk_ec2::Client {
    let creds = Credentials::new("testing", "testing", None, None, "import-test");
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(moto_url())
        .credentials_provider(creds)
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

async fn provider() -> AwsProvider {
    let url = moto_url();
    AwsProvider::new(
        AwsClients::new(&AwsSettings {
            region: Some(REGION.into()),
            access_key: Some("testing".into()),
            secret_key: Some("testing".into()),
            endpoint_ec2: Some(url.clone()),
            endpoint_rds: Some(url),
            max_retries: Some(2),
            ..Default::default()
        })
        .await,
    )
}

fn tags(kind: ResourceType, pairs: &[(&str, &str)]) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(
            pairs
                .iter()
                .map(|(k, v)| Tag::builder().key(*k).value(*v).build())
                .collect(),
        ))
        .build()
}

/// Objects made by hand: a VPC with one subnet, a security group with rules and an
/// instance in the subnet, in the group.
struct Manual {
    vpc: String,
    subnet: String,
    group: String,
    instance: String,
    ami: String,
}

/// Creates [`Manual`] objects; `name` makes their Name tags unique to the test.
async fn make_objects(ec2: &aws_sdk_ec2::Client, name: &str, octet: u8) -> Manual {
    let vpc = ec2
        .create_vpc()
        .cidr_block(format!("10.{octet}.0.0/16"))
        .tag_specifications(tags(ResourceType::Vpc, &[("Name", name)]))
        .send()
        .await
        .unwrap()
        .vpc()
        .and_then(|v| v.vpc_id())
        .unwrap()
        .to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block(format!("10.{octet}.0.0/20"))
        .availability_zone(format!("{REGION}a"))
        .tag_specifications(tags(
            ResourceType::Subnet,
            &[("Name", &format!("{name} app")), ("team", "payments")],
        ))
        .send()
        .await
        .unwrap()
        .subnet()
        .and_then(|s| s.subnet_id())
        .unwrap()
        .to_string();
    let group = ec2
        .create_security_group()
        .vpc_id(&vpc)
        .group_name(format!("{name}-web"))
        .description("web hosts")
        .tag_specifications(tags(
            ResourceType::SecurityGroup,
            &[("Name", &format!("{name}-web"))],
        ))
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string();
    let range = |cidr: &str| IpRange::builder().cidr_ip(cidr).build();
    ec2.authorize_security_group_ingress()
        .group_id(&group)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(range("0.0.0.0/0"))
                .build(),
        )
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(range("10.0.0.0/8"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let ami = ec2
        .describe_images()
        .owners("amazon")
        .send()
        .await
        .unwrap()
        .images()[0]
        .image_id()
        .unwrap()
        .to_string();
    let instance = ec2
        .run_instances()
        .image_id(&ami)
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnet)
        .security_group_ids(&group)
        .tag_specifications(tags(
            ResourceType::Instance,
            &[("Name", &format!("{name} host"))],
        ))
        .send()
        .await
        .unwrap()
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_string();
    Manual {
        vpc,
        subnet,
        group,
        instance,
        ami,
    }
}

/// The objects as an inventory would list them: read for import, with all their tags.
async fn cloud_objects(p: &AwsProvider, objects: &[(&str, &str)]) -> Vec<CloudObject> {
    let mut out = Vec::new();
    for (type_name, id) in objects {
        let read = terrace::ops::read_objects(p, type_name, &[id.to_string()])
            .await
            .unwrap();
        let value = terrace::ops::imported_value(type_name, read[*id].clone(), None);
        let tags: BTreeMap<String, String> = value
            .get_attr("tags_all")
            .and_then(Value::as_map)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        out.push(CloudObject {
            type_name: type_name.to_string(),
            id: id.to_string(),
            vpc_id: value
                .get_attr("vpc_id")
                .and_then(Value::as_str)
                .map(str::to_string),
            tags,
            value,
        });
    }
    out
}

fn provider_block() -> String {
    format!("provider \"aws\" {{\n  region = \"{REGION}\"\n}}\n")
}

fn state_of(dir: &std::path::Path) -> State {
    let text = std::fs::read_to_string(dir.join("state/default.tfstate.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Runs the binary off the async workers.
async fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        terrace(&dir, &args)
    })
    .await
    .unwrap()
}

/// The ingress rules of a security group as (protocol, from, to, CIDRs), sorted.
async fn ingress(ec2: &aws_sdk_ec2::Client, group: &str) -> Vec<(String, i32, i32, Vec<String>)> {
    let out = ec2
        .describe_security_groups()
        .group_ids(group)
        .send()
        .await
        .unwrap();
    let mut rules: Vec<(String, i32, i32, Vec<String>)> = out.security_groups()[0]
        .ip_permissions()
        .iter()
        .map(|p| {
            (
                p.ip_protocol().unwrap_or_default().to_string(),
                p.from_port().unwrap_or(-1),
                p.to_port().unwrap_or(-1),
                p.ip_ranges()
                    .iter()
                    .filter_map(|r| r.cidr_ip().map(str::to_string))
                    .collect(),
            )
        })
        .collect();
    rules.sort();
    rules
}

async fn instance_tags(ec2: &aws_sdk_ec2::Client, id: &str) -> BTreeMap<String, String> {
    let out = ec2
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .unwrap();
    crate::lifecycle::ec2_tags(out.reservations()[0].instances()[0].tags())
}

#[tokio::test(flavor = "multi_thread")]
async fn generated_configuration_validates_imports_and_plans_empty() {
    let ec2 = ec2();
    let m = make_objects(&ec2, "gen", 41).await;
    let igw = ec2
        .create_internet_gateway()
        .tag_specifications(tags(ResourceType::InternetGateway, &[("Name", "gen gw")]))
        .send()
        .await
        .unwrap()
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .unwrap()
        .to_string();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&m.vpc)
        .send()
        .await
        .unwrap();
    let rtb = ec2
        .create_route_table()
        .vpc_id(&m.vpc)
        .tag_specifications(tags(ResourceType::RouteTable, &[("Name", "gen public")]))
        .send()
        .await
        .unwrap()
        .route_table()
        .and_then(|t| t.route_table_id())
        .unwrap()
        .to_string();
    ec2.create_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    let p = provider().await;
    let objects = cloud_objects(
        &p,
        &[
            ("aws_subnet", &m.subnet),
            ("aws_security_group", &m.group),
            ("aws_instance", &m.instance),
            ("aws_internet_gateway", &igw),
            ("aws_route_table", &rtb),
        ],
    )
    .await;
    let hcl = terrace::drift::generate_config(&objects);
    for (kind, name) in [
        ("aws_subnet", "gen_app"),
        ("aws_security_group", "gen_web"),
        ("aws_instance", "gen_host"),
        ("aws_internet_gateway", "gen_gw"),
        ("aws_route_table", "gen_public"),
    ] {
        assert!(
            hcl.contains(&format!("resource \"{kind}\" \"{name}\" {{"))
                && hcl.contains(&format!("  to = {kind}.{name}\n")),
            "{hcl}"
        );
    }
    assert!(
        hcl.contains("  ingress {\n") && hcl.contains("from_port   = 22"),
        "{hcl}"
    );
    assert!(
        hcl.contains(&format!("subnet_id              = \"{}\"", m.subnet)),
        "{hcl}"
    );
    let before_rules = ingress(&ec2, &m.group).await;
    let cfg = TempConfig::new(&[("provider.tf", &provider_block()), ("generated.tf", &hcl)]);
    let dir = cfg.path();
    let (code, out, err) = run(dir, &["validate", "-no-color"]).await;
    assert_eq!(code, 0, "{out}\n{err}\n{hcl}");
    assert!(err.is_empty(), "validate warned:\n{err}");
    let (code, out, err) = run(dir, &["plan", "-no-color", "-detailed-exitcode"]).await;
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        out.contains("Plan: 5 to import, 0 to add, 0 to change, 0 to destroy,"),
        "{out}\n{hcl}"
    );
    for addr in [
        "aws_subnet.gen_app",
        "aws_security_group.gen_web",
        "aws_instance.gen_host",
        "aws_internet_gateway.gen_gw",
        "aws_route_table.gen_public",
    ] {
        assert!(out.contains(&format!("# {addr} will be imported")), "{out}");
    }
    let (code, out, err) = run(dir, &["apply", "-auto-approve", "-no-color"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("Apply complete! Resources: 5 imported, 0 added, 0 changed, 0 destroyed."),
        "{out}"
    );
    let state = state_of(dir);
    let ids: BTreeMap<String, &str> = state
        .resources
        .iter()
        .map(|r| {
            (
                r.address.to_string(),
                r.provider_id.as_deref().unwrap_or(""),
            )
        })
        .collect();
    let want: BTreeMap<String, &str> = [
        ("aws_instance.gen_host", m.instance.as_str()),
        ("aws_internet_gateway.gen_gw", igw.as_str()),
        ("aws_route_table.gen_public", rtb.as_str()),
        ("aws_security_group.gen_web", m.group.as_str()),
        ("aws_subnet.gen_app", m.subnet.as_str()),
    ]
    .into_iter()
    .map(|(a, id)| (a.to_string(), id))
    .collect();
    assert_eq!(ids, want);
    let (code, out, err) = run(dir, &["plan", "-no-color", "-detailed-exitcode"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("No changes."), "{out}");
    // Importing changed nothing in the cloud.
    assert_eq!(ingress(&ec2, &m.group).await, before_rules);
    assert_eq!(instance_tags(&ec2, &m.instance).await["Name"], "gen host");
    let _ = (m.vpc, m.ami);
}

#[tokio::test(flavor = "multi_thread")]
async fn import_command_writes_state_and_plan_shows_the_differences() {
    let ec2 = ec2();
    let m = make_objects(&ec2, "cmd", 42).await;
    let main = format!(
        r#"{provider}
resource "aws_subnet" "app" {{
  vpc_id            = "{vpc}"
  cidr_block        = "10.42.0.0/20"
  availability_zone = "{REGION}a"
  tags = {{
    Name = "cmd app"
    team = "platform"
  }}
}}

resource "aws_security_group" "web" {{
  name        = "cmd-web"
  description = "web hosts"
  vpc_id      = "{vpc}"
  tags = {{
    Name = "cmd-web"
  }}
}}
"#,
        provider = provider_block(),
        vpc = m.vpc
    );
    let cfg = TempConfig::new(&[("main.tf", &main)]);
    let dir = cfg.path();
    let (code, out, err) = run(dir, &["import", "aws_subnet.app", &m.subnet]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Import successful!"), "{out}");
    assert!(
        out.contains(&format!(
            "aws_subnet.app: Refreshing state... [id={}]",
            m.subnet
        )),
        "{out}"
    );
    let state = state_of(dir);
    assert_eq!(state.serial, 1);
    let subnet = state.get(&"aws_subnet.app".parse().unwrap()).unwrap();
    assert_eq!(subnet.provider_id.as_deref(), Some(m.subnet.as_str()));
    assert_eq!(subnet.attributes["cidr_block"], "10.42.0.0/20");
    assert_eq!(
        subnet.attributes["tags"],
        serde_json::json!({"Name": "cmd app", "team": "payments"})
    );
    // A second import is a second state write: serial 2, the first kept as a backup.
    let (code, out, err) = run(
        dir,
        &[
            "import",
            "-lock-timeout=5s",
            "aws_security_group.web",
            &m.group,
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    let state = state_of(dir);
    assert_eq!(state.serial, 2);
    assert!(dir.join("state/default.tfstate.json.backup.1").exists());
    // The plan shows what differs from the configuration: only the subnet's team tag (the
    // group's rules are not managed inline by this configuration).
    let (code, out, err) = run(dir, &["plan", "-no-color", "-detailed-exitcode"]).await;
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        out.contains("# aws_subnet.app will be updated in-place"),
        "{out}"
    );
    assert!(
        out.contains(r#""team" = "payments" -> "platform""#),
        "{out}"
    );
    assert!(
        out.contains("Plan: 0 to add, 1 to change, 0 to destroy,"),
        "{out}"
    );
    assert!(!out.contains("to import"), "{out}");
    let (code, out, err) = run(dir, &["apply", "-auto-approve", "-no-color"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let subnets = ec2
        .describe_subnets()
        .subnet_ids(&m.subnet)
        .send()
        .await
        .unwrap();
    let tags = crate::lifecycle::ec2_tags(subnets.subnets()[0].tags());
    assert_eq!(tags.get("team").map(String::as_str), Some("platform"));
    assert_eq!(ingress(&ec2, &m.group).await.len(), 2);
    let (code, out, err) = run(dir, &["plan", "-no-color", "-detailed-exitcode"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn import_command_errors_leave_the_state_alone() {
    let ec2 = ec2();
    let m = make_objects(&ec2, "err", 44).await;
    let main = format!(
        r#"{provider}
resource "aws_subnet" "app" {{
  vpc_id     = "{vpc}"
  cidr_block = "10.44.0.0/20"
}}

resource "aws_subnet" "counted" {{
  count      = 2
  vpc_id     = "{vpc}"
  cidr_block = "10.44.${{count.index + 1}}.0/24"
}}

resource "aws_security_group_rule" "ssh" {{
  type              = "ingress"
  security_group_id = "{group}"
  protocol          = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_blocks       = ["10.0.0.0/8"]
}}
"#,
        provider = provider_block(),
        vpc = m.vpc,
        group = m.group
    );
    let cfg = TempConfig::new(&[("main.tf", &main)]);
    let dir = cfg.path();
    let (code, _, err) = run(dir, &["import", "-no-color", "aws_subnet.ap", &m.subnet]).await;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("Import to non-existent resource address"),
        "{err}"
    );
    assert!(err.contains("did you mean aws_subnet.app?"), "{err}");
    assert!(err.contains(r#"resource "aws_subnet" "ap" {"#), "{err}");
    assert!(!dir.join("state/default.tfstate.json").exists());
    let (code, _, err) = run(
        dir,
        &[
            "import",
            "-no-color",
            "aws_subnet.app",
            "subnet-0000000000000dead",
        ],
    )
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("Cannot import non-existent remote object"),
        "{err}"
    );
    assert!(err.contains("subnet-0000000000000dead"), "{err}");
    let (code, _, err) = run(
        dir,
        &["import", "-no-color", "aws_subnet.counted[5]", &m.subnet],
    )
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("Configuration for import target does not exist"),
        "{err}"
    );
    assert!(
        err.contains("does not produce the instance aws_subnet.counted[5]"),
        "{err}"
    );
    let (code, _, err) = run(
        dir,
        &["import", "-no-color", "aws_subnet.counted", &m.subnet],
    )
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("an index, like [0], because it sets count"),
        "{err}"
    );
    let (code, _, err) = run(dir, &["import", "-no-color", "data.aws_vpc.x", &m.vpc]).await;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("only managed resources can be imported"),
        "{err}"
    );
    let (code, _, err) = run(
        dir,
        &[
            "import",
            "-no-color",
            "aws_security_group_rule.ssh",
            "sgr-1",
        ],
    )
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("Terrace cannot import aws_security_group_rule objects"),
        "{err}"
    );
    assert!(!dir.join("state/default.tfstate.json").exists());
    let (code, out, err) = run(dir, &["import", "aws_subnet.app", &m.subnet]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let written = std::fs::read(dir.join("state/default.tfstate.json")).unwrap();
    let (code, _, err) = run(dir, &["import", "-no-color", "aws_subnet.app", &m.subnet]).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("Resource already managed by Terrace"), "{err}");
    assert!(err.contains("terrace state rm aws_subnet.app"), "{err}");
    assert_eq!(
        std::fs::read(dir.join("state/default.tfstate.json")).unwrap(),
        written
    );
    assert!(!dir.join("state/default.tfstate.json.lock").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn import_blocks_plan_apply_and_then_do_nothing() {
    let ec2 = ec2();
    let m = make_objects(&ec2, "blk", 43).await;
    let main = format!(
        r#"{provider}
variable "subnet_id" {{
  type = string
}}

import {{
  to = aws_subnet.app
  id = var.subnet_id
}}

import {{
  to = aws_security_group.web
  id = "{group}"
}}

import {{
  to = aws_instance.host
  id = "{instance}"
}}

resource "aws_subnet" "app" {{
  vpc_id            = "{vpc}"
  cidr_block        = "10.43.0.0/20"
  availability_zone = "{REGION}a"
  tags = {{
    Name = "blk app"
    team = "payments"
  }}
}}

resource "aws_security_group" "web" {{
  name        = "blk-web"
  description = "web hosts"
  vpc_id      = "{vpc}"
  tags = {{
    Name = "blk-web"
  }}
}}

resource "aws_instance" "host" {{
  ami                    = "{ami}"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.app.id
  vpc_security_group_ids = [aws_security_group.web.id]
  tags = {{
    Name = "blk host"
    role = "web"
  }}
}}
"#,
        provider = provider_block(),
        vpc = m.vpc,
        group = m.group,
        instance = m.instance,
        ami = m.ami,
    );
    let cfg = TempConfig::new(&[("main.tf", &main)]);
    let dir = cfg.path();
    let var = format!("subnet_id={}", m.subnet);
    let (code, out, err) = run(dir, &["validate", "-no-color"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = run(
        dir,
        &[
            "plan",
            "-no-color",
            "-detailed-exitcode",
            "-out=tfplan",
            "-var",
            &var,
        ],
    )
    .await;
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(out.contains("# aws_subnet.app will be imported"), "{out}");
    assert!(
        out.contains("# aws_security_group.web will be imported"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "# aws_instance.host will be updated in-place\n  # (imported from \"{}\")",
            m.instance
        )),
        "{out}"
    );
    assert!(out.contains(r#"+ "role" = "web""#), "{out}");
    assert!(
        out.contains("Plan: 3 to import, 0 to add, 1 to change, 0 to destroy,"),
        "{out}"
    );
    assert!(
        !dir.join("state/default.tfstate.json").exists(),
        "plan wrote state"
    );
    // The saved plan carries the imports, as plan JSON shows.
    let (code, out, err) = run(dir, &["show", "-json", "tfplan"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let importing: BTreeMap<String, String> = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            Some((
                c["address"].as_str()?.to_string(),
                c["change"]["importing"]["id"].as_str()?.to_string(),
            ))
        })
        .collect();
    assert_eq!(
        importing,
        BTreeMap::from([
            ("aws_instance.host".to_string(), m.instance.clone()),
            ("aws_security_group.web".to_string(), m.group.clone()),
            ("aws_subnet.app".to_string(), m.subnet.clone()),
        ])
    );
    let (code, out, err) = run(dir, &["apply", "-no-color", "tfplan"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("Apply complete! Resources: 3 imported, 0 added, 1 changed, 0 destroyed."),
        "{out}"
    );
    let state = state_of(dir);
    for (addr, id) in [
        ("aws_subnet.app", &m.subnet),
        ("aws_security_group.web", &m.group),
        ("aws_instance.host", &m.instance),
    ] {
        let r = state
            .get(&addr.parse().unwrap())
            .unwrap_or_else(|| panic!("{addr} not in state"));
        assert_eq!(r.provider_id.as_deref(), Some(id.as_str()), "{addr}");
    }
    let host = state.get(&"aws_instance.host".parse().unwrap()).unwrap();
    assert_eq!(
        host.dependencies,
        ["aws_security_group.web", "aws_subnet.app"]
    );
    let subnet = state.get(&"aws_subnet.app".parse().unwrap()).unwrap();
    assert!(subnet.dependencies.is_empty());
    assert_eq!(instance_tags(&ec2, &m.instance).await["role"], "web");
    assert_eq!(ingress(&ec2, &m.group).await.len(), 2);
    // The import blocks stay: their targets are in state with the same ids, so nothing to do.
    let (code, out, err) = run(
        dir,
        &["plan", "-no-color", "-detailed-exitcode", "-var", &var],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("No changes."), "{out}");
    // An import block naming another object for an address in state is an error.
    let (code, out, err) = run(
        dir,
        &[
            "plan",
            "-no-color",
            "-var",
            "subnet_id=subnet-0000000000000beef",
        ],
    )
    .await;
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("Import target already managed"), "{err}");
    assert!(err.contains("subnet-0000000000000beef"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn import_blocks_of_missing_objects_and_unplannable_ids_fail_the_plan() {
    let ec2 = ec2();
    let m = make_objects(&ec2, "miss", 45).await;
    let main = format!(
        r#"{provider}
import {{
  to = aws_subnet.app
  id = "subnet-00000000000000bad"
}}

resource "aws_subnet" "app" {{
  vpc_id     = "{vpc}"
  cidr_block = "10.45.0.0/20"
}}
"#,
        provider = provider_block(),
        vpc = m.vpc,
    );
    let cfg = TempConfig::new(&[("main.tf", &main)]);
    let (code, out, err) = run(cfg.path(), &["plan", "-no-color"]).await;
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("Cannot import non-existent remote object"),
        "{err}"
    );
    assert!(
        err.contains("main.tf:"),
        "the error points at the block:\n{err}"
    );
    let (code, out, err) = run(cfg.path(), &["apply", "-auto-approve", "-no-color"]).await;
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("Cannot import non-existent remote object"),
        "{err}"
    );
    assert!(!cfg.path().join("state/default.tfstate.json").exists());
}

#[test]
fn import_blocks_are_validated() {
    let (text, diags, _) = crate::support::check(
        r#"
variable "ids" {
  type    = list(string)
  default = ["i-1"]
}

resource "aws_subnet" "app" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.0.0/24"
}

resource "aws_subnet" "counted" {
  count      = 2
  vpc_id     = "vpc-1"
  cidr_block = "10.0.${count.index}.0/24"
}

import {
  to = aws_subnet.ap
  id = "subnet-1"
}

import {
  to = aws_subnet.app
  id = 42
}

import {
  to = aws_subnet.app
  id = "subnet-2"
}

import {
  to = aws_subnet.counted
  id = var.ids
}

import {
  to = aws_subnet.counted[1]
  id = var.ids
}
"#,
    );
    let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "Configuration for import target does not exist",
            "Invalid import id argument",
            "Duplicate import configuration",
            "Invalid import address",
            "Invalid import id argument",
            "Invalid import id argument",
        ],
        "{text}"
    );
    assert!(text.contains("did you mean aws_subnet.app?"), "{text}");
    assert!(
        text.contains("The import ID must be a string; got number."),
        "{text}"
    );
    assert!(
        text.contains("got list") || text.contains("got tuple"),
        "{text}"
    );
    assert!(
        text.contains("an index, like [0], because it sets count"),
        "{text}"
    );
}

#[test]
fn import_blocks_belong_in_the_root_module() {
    let cfg = TempConfig::new(&[
        (
            "main.tf",
            "module \"net\" {\n  source = \"./net\"\n}\n",
        ),
        (
            "net/main.tf",
            "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n\nimport {\n  to = aws_vpc.main\n  id = \"vpc-1\"\n}\n",
        ),
    ]);
    let loaded = crate::support::load_dir(cfg.path(), &[], terrace::eval::EvalMode::Validate);
    let d: Vec<String> = loaded.diags.iter().map(ToString::to_string).collect();
    assert!(
        d.iter().any(|m| m.contains("Invalid import configuration")
            && m.contains("Import blocks are only allowed in the root module")),
        "{d:?}"
    );
}

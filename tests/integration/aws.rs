//! The AWS provider against moto (the local AWS endpoint), through the real SDK: create,
//! read, update in place, delete and read again for every EC2 resource type, checked
//! through the SDK directly as well; the data sources; error mapping.
//!
//! Needs `TERRACE_TEST_MOTO_URL` (scripts/test.sh starts moto and sets it). Each test works
//! in its own region, so tests running in parallel do not see each other's objects.

use aws_sdk_ec2::types::{Filter, VpcAttributeName};
use std::collections::BTreeMap;
use std::time::Duration;
use terrace::addr::ResourceInstanceAddr;
use terrace::eval::Value;
use terrace::provider::aws::{AwsClients, AwsProvider, AwsSettings};
use terrace::provider::{CreateRequest, DeleteRequest, Provider, ProviderError, UpdateRequest};
use terrace::schema::{self, BodySchema, Nesting, Presence};

struct Env {
    p: AwsProvider,
    ec2: aws_sdk_ec2::Client,
    region: &'static str,
}

async fn env(region: &'static str) -> Env {
    let url = super::support::moto_url();
    let clients = AwsClients::new(&AwsSettings {
        region: Some(region.into()),
        access_key: Some("testing".into()),
        secret_key: Some("testing".into()),
        endpoint_ec2: Some(url.clone()),
        endpoint_rds: Some(url),
        max_retries: Some(2),
        ..Default::default()
    })
    .await;
    let ec2 = clients.ec2.clone();
    Env {
        p: AwsProvider::new(clients),
        ec2,
        region,
    }
}

fn s(v: &str) -> Value {
    Value::from(v)
}

fn n(v: f64) -> Value {
    Value::Number(v)
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|x| Value::from(*x)).collect())
}

fn set(items: &[&str]) -> Value {
    Value::set(items.iter().map(|x| Value::from(*x)).collect())
}

fn map(items: &[(&str, &str)]) -> Value {
    Value::map(items.iter().map(|(k, v)| (*k, Value::from(*v))))
}

/// A body's value as the evaluator plans it: given attributes, defaults, unknown for unset
/// computed attributes, null for unset optional ones, empty collections for absent blocks.
fn fill(body: &BodySchema, given: Vec<(&str, Value)>) -> Value {
    let mut given: BTreeMap<&str, Value> = given.into_iter().collect();
    let mut m = BTreeMap::new();
    for a in &body.attrs {
        let v = given
            .remove(a.name)
            .unwrap_or_else(|| match (&a.default, a.presence) {
                (Some(d), _) => d.clone(),
                (None, Presence::Computed | Presence::OptionalComputed) => Value::Unknown,
                _ => Value::Null,
            });
        m.insert(a.name.to_string(), v);
    }
    for b in &body.blocks {
        let v = given.remove(b.name).unwrap_or(match b.nesting {
            Nesting::Single => Value::Null,
            Nesting::List => Value::List(vec![]),
            Nesting::Set => Value::Set(vec![]),
        });
        m.insert(b.name.to_string(), v);
    }
    assert!(given.is_empty(), "not in the schema: {:?}", given.keys());
    Value::Map(m)
}

fn config(t: &str, given: Vec<(&str, Value)>) -> Value {
    fill(&schema::resource(t).unwrap().body, given)
}

fn data_config(t: &str, given: Vec<(&str, Value)>) -> Value {
    fill(&schema::data_source(t).unwrap().body, given)
}

/// A nested block object of `t` (`path` names nested blocks).
fn block(t: &str, path: &[&str], given: Vec<(&str, Value)>) -> Value {
    let mut body = &schema::resource(t).unwrap().body;
    for p in path {
        body = &body.block(p).unwrap().body;
    }
    fill(body, given)
}

fn attr<'a>(v: &'a Value, k: &str) -> &'a Value {
    v.get_attr(k)
        .unwrap_or_else(|| panic!("no attribute {k} in {v}"))
}

fn text(v: &Value, k: &str) -> String {
    attr(v, k)
        .as_str()
        .unwrap_or_else(|| panic!("{k} is not a string: {}", attr(v, k)))
        .to_string()
}

fn contains_unknown(v: &Value) -> bool {
    !v.is_wholly_known()
}

/// Every attribute and block of the schema present, nothing unknown, blocks of the right
/// collection type.
fn check_shape(body: &BodySchema, v: &Value, what: &str) {
    let m = v
        .as_map()
        .unwrap_or_else(|| panic!("{what}: not an object: {v}"));
    assert!(!contains_unknown(v), "{what}: unknown values in {v}");
    for a in &body.attrs {
        let x = m
            .get(a.name)
            .unwrap_or_else(|| panic!("{what}: missing {}", a.name));
        if !x.is_null() {
            assert!(
                a.ty.convert(x.clone()).as_ref() == Ok(x),
                "{what}.{} = {x} is not of type {:?}",
                a.name,
                a.ty
            );
        }
    }
    for b in &body.blocks {
        let x = m
            .get(b.name)
            .unwrap_or_else(|| panic!("{what}: missing block {}", b.name));
        let items = match (b.nesting, x) {
            (Nesting::List, Value::List(i)) | (Nesting::Set, Value::Set(i)) => i.clone(),
            (Nesting::Single, Value::Null) => vec![],
            (Nesting::Single, x @ Value::Map(_)) => vec![x.clone()],
            _ => panic!("{what}.{}: wrong collection {x}", b.name),
        };
        for i in items {
            check_shape(&b.body, &i, &format!("{what}.{}", b.name));
        }
    }
    assert_eq!(
        m.len(),
        body.attrs.len() + body.blocks.len(),
        "{what}: attributes outside the schema"
    );
}

fn addr(t: &str, name: &str) -> ResourceInstanceAddr {
    format!("{t}.{name}").parse().unwrap()
}

/// The request's tags: the configured ones plus the ownership tag.
fn req_tags(a: &ResourceInstanceAddr, cfg: &Value) -> BTreeMap<String, String> {
    let mut t: BTreeMap<String, String> = cfg
        .get_attr("tags")
        .and_then(Value::as_map)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default();
    t.insert("terrace:address".into(), a.to_string());
    t
}

const TIMEOUT: Duration = Duration::from_secs(60);

impl Env {
    async fn try_create(&self, t: &str, name: &str, cfg: &Value) -> Result<Value, ProviderError> {
        let a = addr(t, name);
        let tags = req_tags(&a, cfg);
        let token = format!("{}-{a}", self.region);
        self.p
            .create(CreateRequest {
                addr: &a,
                config: cfg,
                tags: &tags,
                client_token: &token,
                timeout: TIMEOUT,
            })
            .await
    }

    /// Creates, checks the value's shape and that a read returns the same value.
    async fn create(&self, t: &str, name: &str, cfg: &Value) -> Value {
        let v = self
            .try_create(t, name, cfg)
            .await
            .unwrap_or_else(|e| panic!("create {t}.{name}: {e}"));
        check_shape(
            &schema::resource(t).unwrap().body,
            &v,
            &format!("{t}.{name}"),
        );
        let read = self.read_one(t, &v).await.expect("just created");
        assert_eq!(read, v, "{t}.{name}: read differs from create");
        v
    }

    async fn read_one(&self, t: &str, v: &Value) -> Option<Value> {
        let id = text(v, "id");
        let mut got = self
            .p
            .read(t, &[(id.clone(), v.clone())])
            .await
            .unwrap_or_else(|e| panic!("read {t} {id}: {e}"));
        got.remove(&id)
    }

    /// Updates `changes` in place; checks the shape and that a read returns the new value.
    async fn update(
        &self,
        t: &str,
        name: &str,
        prior: &Value,
        changes: Vec<(&str, Value)>,
    ) -> Value {
        let mut m = prior.as_map().unwrap().clone();
        let changed: Vec<String> = changes.iter().map(|(k, _)| k.to_string()).collect();
        for (k, v) in changes {
            assert!(m.contains_key(k), "{t} has no {k}");
            m.insert(k.to_string(), v);
        }
        let cfg = Value::Map(m);
        let a = addr(t, name);
        let tags = req_tags(&a, &cfg);
        let id = text(prior, "id");
        let v = self
            .p
            .update(UpdateRequest {
                addr: &a,
                id: &id,
                prior,
                config: &cfg,
                changed: &changed,
                tags: &tags,
                timeout: TIMEOUT,
            })
            .await
            .unwrap_or_else(|e| panic!("update {t}.{name}: {e}"));
        check_shape(
            &schema::resource(t).unwrap().body,
            &v,
            &format!("{t}.{name}"),
        );
        for k in &changed {
            if k != "tags" {
                assert_eq!(attr(&v, k), attr(&cfg, k), "{t}.{name}: {k} after update");
            }
        }
        let read = self.read_one(t, &v).await.expect("just updated");
        assert_eq!(read, v, "{t}.{name}: read differs from update");
        v
    }

    async fn try_delete(&self, t: &str, v: &Value) -> Result<(), ProviderError> {
        let a = addr(t, "x");
        let id = text(v, "id");
        self.p
            .delete(DeleteRequest {
                addr: &a,
                type_name: t,
                id: &id,
                prior: v,
                timeout: TIMEOUT,
            })
            .await
    }

    /// Deletes, checks a read omits it, and that deleting again succeeds.
    async fn delete(&self, t: &str, v: &Value) {
        self.try_delete(t, v)
            .await
            .unwrap_or_else(|e| panic!("delete {t} {}: {e}", text(v, "id")));
        assert_eq!(
            self.read_one(t, v).await,
            None,
            "{t} still read after delete"
        );
        self.try_delete(t, v)
            .await
            .unwrap_or_else(|e| panic!("second delete of {t}: {e}"));
    }

    async fn vpc(&self, cidr: &str) -> Value {
        let cfg = config("aws_vpc", vec![("cidr_block", s(cidr))]);
        self.create("aws_vpc", "net", &cfg).await
    }

    async fn subnet(&self, vpc: &Value, name: &str, cidr: &str) -> Value {
        let cfg = config(
            "aws_subnet",
            vec![("vpc_id", attr(vpc, "id").clone()), ("cidr_block", s(cidr))],
        );
        self.create("aws_subnet", name, &cfg).await
    }
}

fn tag_map(tags: &[aws_sdk_ec2::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn filter(name: &str, values: &[&str]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.iter().map(|v| v.to_string()).collect()))
        .build()
}

// ----------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn vpc_and_subnet_lifecycle() {
    let e = env("eu-west-3").await;
    let cfg = config(
        "aws_vpc",
        vec![
            ("cidr_block", s("10.10.0.0/16")),
            ("enable_dns_hostnames", Value::Bool(true)),
            ("tags", map(&[("Name", "main"), ("team", "a")])),
        ],
    );
    let vpc = e.create("aws_vpc", "main", &cfg).await;
    let vpc_id = text(&vpc, "id");
    assert!(vpc_id.starts_with("vpc-"));
    assert_eq!(attr(&vpc, "tags"), &map(&[("Name", "main"), ("team", "a")]));
    assert_eq!(
        attr(&vpc, "tags_all").get_attr("terrace:address"),
        Some(&s("aws_vpc.main"))
    );
    assert!(text(&vpc, "main_route_table_id").starts_with("rtb-"));
    assert!(text(&vpc, "default_security_group_id").starts_with("sg-"));
    assert!(text(&vpc, "default_network_acl_id").starts_with("acl-"));
    assert_eq!(attr(&vpc, "enable_dns_support"), &Value::Bool(true));
    assert!(text(&vpc, "arn").ends_with(&format!(":vpc/{vpc_id}")));

    // Update in place: tags and DNS hostnames.
    let vpc = e
        .update(
            "aws_vpc",
            "main",
            &vpc,
            vec![
                ("tags", map(&[("Name", "main2")])),
                ("enable_dns_hostnames", Value::Bool(false)),
            ],
        )
        .await;
    let out = e.ec2.describe_vpcs().vpc_ids(&vpc_id).send().await.unwrap();
    let tags = tag_map(out.vpcs()[0].tags());
    assert_eq!(tags.get("Name").map(String::as_str), Some("main2"));
    assert!(
        !tags.contains_key("team"),
        "removed tag still there: {tags:?}"
    );
    assert_eq!(
        tags.get("terrace:address").map(String::as_str),
        Some("aws_vpc.main")
    );
    let attr_out = e
        .ec2
        .describe_vpc_attribute()
        .vpc_id(&vpc_id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    assert_eq!(
        attr_out.enable_dns_hostnames().and_then(|b| b.value()),
        Some(false)
    );

    // A tag changed outside: the read reports it on `tags`.
    e.ec2
        .create_tags()
        .resources(&vpc_id)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Name")
                .value("drifted")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let read = e.read_one("aws_vpc", &vpc).await.unwrap();
    assert_eq!(attr(&read, "tags"), &map(&[("Name", "drifted")]));

    // Subnet.
    let cfg = config(
        "aws_subnet",
        vec![
            ("vpc_id", s(&vpc_id)),
            ("cidr_block", s("10.10.1.0/24")),
            ("map_public_ip_on_launch", Value::Bool(true)),
            ("tags", map(&[("Name", "public")])),
        ],
    );
    let subnet = e.create("aws_subnet", "public", &cfg).await;
    let subnet_id = text(&subnet, "id");
    assert!(subnet_id.starts_with("subnet-"));
    assert!(text(&subnet, "availability_zone").starts_with("eu-west-3"));
    let subnet = e
        .update(
            "aws_subnet",
            "public",
            &subnet,
            vec![
                ("map_public_ip_on_launch", Value::Bool(false)),
                ("tags", map(&[("Name", "private")])),
            ],
        )
        .await;
    let out = e
        .ec2
        .describe_subnets()
        .subnet_ids(&subnet_id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.subnets()[0].map_public_ip_on_launch(), Some(false));
    assert_eq!(
        tag_map(out.subnets()[0].tags())
            .get("Name")
            .map(String::as_str),
        Some("private")
    );

    // Deleting the VPC while the subnet exists fails with the API's code.
    match e.try_delete("aws_vpc", &vpc).await {
        Err(ProviderError::Api { code, .. }) => assert_eq!(code, "DependencyViolation"),
        other => panic!("expected DependencyViolation, got {other:?}"),
    }

    e.delete("aws_subnet", &subnet).await;
    e.delete("aws_vpc", &vpc).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn batched_reads_omit_deleted_objects() {
    let e = env("eu-west-2").await;
    let mut vpcs = Vec::new();
    for i in 0..12 {
        let cfg = config(
            "aws_vpc",
            vec![("cidr_block", s(&format!("10.{i}.0.0/16")))],
        );
        vpcs.push(
            e.try_create("aws_vpc", &format!("v{i}"), &cfg)
                .await
                .unwrap(),
        );
    }
    let subnet = e.subnet(&vpcs[0], "s", "10.0.1.0/24").await;
    // Two VPCs gone, one of them deleted outside Terrace.
    e.try_delete("aws_vpc", &vpcs[3]).await.unwrap();
    e.ec2
        .delete_vpc()
        .vpc_id(text(&vpcs[7], "id"))
        .send()
        .await
        .unwrap();
    let priors: Vec<(String, Value)> = vpcs.iter().map(|v| (text(v, "id"), v.clone())).collect();
    let got = e.p.read("aws_vpc", &priors).await.unwrap();
    assert_eq!(got.len(), 10);
    assert!(!got.contains_key(&text(&vpcs[3], "id")));
    assert!(!got.contains_key(&text(&vpcs[7], "id")));
    for v in vpcs.iter().filter(|v| got.contains_key(&text(v, "id"))) {
        assert_eq!(&got[&text(v, "id")], v);
    }
    // A read of a missing subnet id alone is empty, not an error.
    e.delete("aws_subnet", &subnet).await;
    assert!(e
        .p
        .read(
            "aws_subnet",
            &[("subnet-0123456789abcdef0".into(), subnet.clone())]
        )
        .await
        .unwrap()
        .is_empty());
    assert!(e
        .p
        .read(
            "aws_instance",
            &[("i-0123456789abcdef0".into(), Value::Null)]
        )
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_map_by_code() {
    let e = env("us-west-1").await;
    let vpc = e.vpc("10.20.0.0/16").await;
    // A CIDR outside the VPC.
    let cfg = config(
        "aws_subnet",
        vec![
            ("vpc_id", attr(&vpc, "id").clone()),
            ("cidr_block", s("10.99.0.0/24")),
        ],
    );
    match e.try_create("aws_subnet", "bad", &cfg).await {
        Err(ProviderError::Api { code, .. }) => assert_eq!(code, "InvalidSubnet.Range"),
        other => panic!("expected InvalidSubnet.Range, got {other:?}"),
    }
    // A VPC that does not exist.
    let cfg = config(
        "aws_subnet",
        vec![
            ("vpc_id", s("vpc-0123456789abcdef0")),
            ("cidr_block", s("10.20.0.0/24")),
        ],
    );
    match e.try_create("aws_subnet", "bad", &cfg).await {
        Err(ProviderError::NotFound { what }) => {
            assert!(what.contains("InvalidVpcID.NotFound"), "{what}")
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    e.delete("aws_vpc", &vpc).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gateways_routes_and_associations() {
    let e = env("eu-north-1").await;
    let vpc = e.vpc("10.30.0.0/16").await;
    let vpc_id = text(&vpc, "id");
    let subnet = e.subnet(&vpc, "a", "10.30.1.0/24").await;
    let subnet_id = text(&subnet, "id");

    // Internet gateway, attached at creation.
    let cfg = config(
        "aws_internet_gateway",
        vec![("vpc_id", s(&vpc_id)), ("tags", map(&[("Name", "gw")]))],
    );
    let igw = e.create("aws_internet_gateway", "gw", &cfg).await;
    let igw_id = text(&igw, "id");
    let out = e
        .ec2
        .describe_internet_gateways()
        .internet_gateway_ids(&igw_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.internet_gateways()[0].attachments()[0].vpc_id(),
        Some(vpc_id.as_str())
    );
    let igw = e
        .update(
            "aws_internet_gateway",
            "gw",
            &igw,
            vec![("tags", map(&[("Name", "gw2")]))],
        )
        .await;

    // EIP and NAT gateway.
    let cfg = config(
        "aws_eip",
        vec![("domain", s("vpc")), ("tags", map(&[("Name", "nat")]))],
    );
    let eip = e.create("aws_eip", "nat", &cfg).await;
    assert!(text(&eip, "id").starts_with("eipalloc-"));
    assert!(!text(&eip, "public_ip").is_empty());
    let eip = e
        .update(
            "aws_eip",
            "nat",
            &eip,
            vec![("tags", map(&[("Name", "nat2")]))],
        )
        .await;
    let cfg = config(
        "aws_nat_gateway",
        vec![
            ("subnet_id", s(&subnet_id)),
            ("allocation_id", attr(&eip, "id").clone()),
            ("tags", map(&[("Name", "nat")])),
        ],
    );
    let nat = e.create("aws_nat_gateway", "nat", &cfg).await;
    let nat_id = text(&nat, "id");
    assert!(nat_id.starts_with("nat-"));
    assert_eq!(attr(&nat, "public_ip"), attr(&eip, "public_ip"));
    let nat = e
        .update(
            "aws_nat_gateway",
            "nat",
            &nat,
            vec![("tags", map(&[("Name", "nat2")]))],
        )
        .await;
    let out = e
        .ec2
        .describe_nat_gateways()
        .nat_gateway_ids(&nat_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tag_map(out.nat_gateways()[0].tags())
            .get("Name")
            .map(String::as_str),
        Some("nat2")
    );

    // Route table with an inline route.
    let default_route = block(
        "aws_route_table",
        &["route"],
        vec![("cidr_block", s("0.0.0.0/0")), ("gateway_id", s(&igw_id))],
    );
    let cfg = config(
        "aws_route_table",
        vec![
            ("vpc_id", s(&vpc_id)),
            ("route", Value::set(vec![default_route])),
            ("tags", map(&[("Name", "public")])),
        ],
    );
    let rt = e.create("aws_route_table", "public", &cfg).await;
    let rt_id = text(&rt, "id");
    assert_eq!(attr(&rt, "route").as_list().unwrap().len(), 1);
    // Update: the default route moves to the NAT gateway (ReplaceRoute), a route is added.
    let routes = Value::set(vec![
        block(
            "aws_route_table",
            &["route"],
            vec![
                ("cidr_block", s("0.0.0.0/0")),
                ("nat_gateway_id", s(&nat_id)),
            ],
        ),
        block(
            "aws_route_table",
            &["route"],
            vec![
                ("cidr_block", s("172.16.0.0/12")),
                ("gateway_id", s(&igw_id)),
            ],
        ),
    ]);
    let rt = e
        .update("aws_route_table", "public", &rt, vec![("route", routes)])
        .await;
    let out = e
        .ec2
        .describe_route_tables()
        .route_table_ids(&rt_id)
        .send()
        .await
        .unwrap();
    let routes = out.route_tables()[0].routes();
    let default = routes
        .iter()
        .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
        .unwrap();
    assert_eq!(default.nat_gateway_id(), Some(nat_id.as_str()));
    assert!(routes
        .iter()
        .any(|r| r.destination_cidr_block() == Some("172.16.0.0/12")));
    // Remove a route.
    let routes = Value::set(vec![block(
        "aws_route_table",
        &["route"],
        vec![
            ("cidr_block", s("0.0.0.0/0")),
            ("nat_gateway_id", s(&nat_id)),
        ],
    )]);
    let rt = e
        .update("aws_route_table", "public", &rt, vec![("route", routes)])
        .await;
    assert_eq!(attr(&rt, "route").as_list().unwrap().len(), 1);

    // A second table with a standalone route.
    let cfg = config("aws_route_table", vec![("vpc_id", s(&vpc_id))]);
    let rt2 = e.create("aws_route_table", "private", &cfg).await;
    let rt2_id = text(&rt2, "id");
    let cfg = config(
        "aws_route",
        vec![
            ("route_table_id", s(&rt2_id)),
            ("destination_cidr_block", s("0.0.0.0/0")),
            ("gateway_id", s(&igw_id)),
        ],
    );
    let route = e.create("aws_route", "default", &cfg).await;
    assert_eq!(text(&route, "id"), format!("{rt2_id}_0.0.0.0/0"));
    let route = e
        .update(
            "aws_route",
            "default",
            &route,
            vec![("gateway_id", Value::Null), ("nat_gateway_id", s(&nat_id))],
        )
        .await;
    let out = e
        .ec2
        .describe_route_tables()
        .route_table_ids(&rt2_id)
        .send()
        .await
        .unwrap();
    assert!(out.route_tables()[0]
        .routes()
        .iter()
        .any(|r| r.destination_cidr_block() == Some("0.0.0.0/0")
            && r.nat_gateway_id() == Some(nat_id.as_str())));

    // Association, moved to the other table in place.
    let cfg = config(
        "aws_route_table_association",
        vec![("subnet_id", s(&subnet_id)), ("route_table_id", s(&rt_id))],
    );
    let assoc = e.create("aws_route_table_association", "a", &cfg).await;
    assert!(text(&assoc, "id").starts_with("rtbassoc-"));
    let moved = e
        .update(
            "aws_route_table_association",
            "a",
            &assoc,
            vec![("route_table_id", s(&rt2_id))],
        )
        .await;
    let out = e
        .ec2
        .describe_route_tables()
        .route_table_ids(&rt2_id)
        .send()
        .await
        .unwrap();
    assert!(out.route_tables()[0]
        .associations()
        .iter()
        .any(|a| a.subnet_id() == Some(subnet_id.as_str())
            && a.route_table_association_id() == Some(text(&moved, "id").as_str())));
    if text(&moved, "id") != text(&assoc, "id") {
        assert_eq!(
            e.read_one("aws_route_table_association", &assoc).await,
            None
        );
    }

    e.delete("aws_route_table_association", &moved).await;
    e.delete("aws_route", &route).await;
    e.delete("aws_route_table", &rt2).await;
    e.delete("aws_route_table", &rt).await;
    e.delete("aws_nat_gateway", &nat).await;
    e.delete("aws_eip", &eip).await;
    e.delete("aws_internet_gateway", &igw).await;
    let out = e
        .ec2
        .describe_internet_gateways()
        .filters(filter("internet-gateway-id", &[&igw_id]))
        .send()
        .await
        .unwrap();
    assert!(out.internet_gateways().is_empty());
    e.delete("aws_subnet", &subnet).await;
    e.delete("aws_vpc", &vpc).await;
}

fn ingress(proto: &str, from: f64, to: f64, cidrs: &[&str], desc: Option<&str>) -> Value {
    block(
        "aws_security_group",
        &["ingress"],
        vec![
            ("protocol", s(proto)),
            ("from_port", n(from)),
            ("to_port", n(to)),
            ("cidr_blocks", list(cidrs)),
            ("description", desc.map_or(Value::Null, s)),
        ],
    )
}

/// The group's rules from DescribeSecurityGroupRules: (egress, protocol, from, to, cidr,
/// description).
async fn group_rules(
    e: &Env,
    group: &str,
) -> Vec<(bool, String, i32, i32, String, Option<String>)> {
    let out = e
        .ec2
        .describe_security_group_rules()
        .filters(filter("group-id", &[group]))
        .send()
        .await
        .unwrap();
    let mut rules: Vec<_> = out
        .security_group_rules()
        .iter()
        .map(|r| {
            (
                r.is_egress().unwrap(),
                r.ip_protocol().unwrap().to_string(),
                r.from_port().unwrap_or(-1),
                r.to_port().unwrap_or(-1),
                r.cidr_ipv4()
                    .or(r.cidr_ipv6())
                    .or(r.referenced_group_info().and_then(|g| g.group_id()))
                    .unwrap_or_default()
                    .to_string(),
                r.description().map(str::to_string),
            )
        })
        .collect();
    rules.sort();
    rules
}

#[tokio::test(flavor = "multi_thread")]
async fn security_groups_and_rules() {
    let e = env("ap-south-1").await;
    let vpc = e.vpc("10.40.0.0/16").await;
    let vpc_id = text(&vpc, "id");

    // No egress block: the default allow-all egress rule is revoked.
    let cfg = config(
        "aws_security_group",
        vec![
            ("name", s("web")),
            ("vpc_id", s(&vpc_id)),
            (
                "ingress",
                Value::set(vec![ingress(
                    "tcp",
                    22.0,
                    22.0,
                    &["10.0.0.0/8"],
                    Some("ssh"),
                )]),
            ),
            ("tags", map(&[("Name", "web")])),
        ],
    );
    let web = e.create("aws_security_group", "web", &cfg).await;
    let web_id = text(&web, "id");
    assert_eq!(
        group_rules(&e, &web_id).await,
        vec![(
            false,
            "tcp".into(),
            22,
            22,
            "10.0.0.0/8".into(),
            Some("ssh".into())
        )]
    );

    // Update: the description changes, a rule is added, allow-all egress is declared.
    let all_out = block(
        "aws_security_group",
        &["egress"],
        vec![
            ("protocol", s("-1")),
            ("from_port", n(0.0)),
            ("to_port", n(0.0)),
            ("cidr_blocks", list(&["0.0.0.0/0"])),
        ],
    );
    let web = e
        .update(
            "aws_security_group",
            "web",
            &web,
            vec![
                (
                    "ingress",
                    Value::set(vec![
                        ingress("tcp", 22.0, 22.0, &["10.0.0.0/8"], Some("ssh from office")),
                        ingress("tcp", 443.0, 443.0, &["0.0.0.0/0", "10.1.0.0/16"], None),
                    ]),
                ),
                ("egress", Value::set(vec![all_out.clone()])),
                ("tags", map(&[("Name", "web2")])),
            ],
        )
        .await;
    let rules = group_rules(&e, &web_id).await;
    assert_eq!(rules.len(), 4, "{rules:?}");
    assert!(rules.contains(&(
        false,
        "tcp".into(),
        22,
        22,
        "10.0.0.0/8".into(),
        Some("ssh from office".into())
    )));
    assert!(rules.contains(&(false, "tcp".into(), 443, 443, "10.1.0.0/16".into(), None)));
    assert!(rules
        .iter()
        .any(|r| r.0 && r.1 == "-1" && r.4 == "0.0.0.0/0"));

    // Allow-all egress declared at creation: kept, not authorized twice.
    let cfg = config(
        "aws_security_group",
        vec![
            ("name_prefix", s("db-")),
            ("vpc_id", s(&vpc_id)),
            ("egress", Value::set(vec![all_out.clone()])),
        ],
    );
    let db = e.create("aws_security_group", "db", &cfg).await;
    let db_id = text(&db, "id");
    assert!(text(&db, "name").starts_with("db-"));
    let rules = group_rules(&e, &db_id).await;
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert!(rules[0].0 && rules[0].1 == "-1");

    // Rule resources on the db group.
    let cfg = config(
        "aws_vpc_security_group_ingress_rule",
        vec![
            ("security_group_id", s(&db_id)),
            ("referenced_security_group_id", s(&web_id)),
            ("ip_protocol", s("tcp")),
            ("from_port", n(5432.0)),
            ("to_port", n(5432.0)),
            ("description", s("postgres")),
            ("tags", map(&[("Name", "pg")])),
        ],
    );
    let pg = e
        .create("aws_vpc_security_group_ingress_rule", "pg", &cfg)
        .await;
    assert!(text(&pg, "id").starts_with("sgr-"));
    assert_eq!(attr(&pg, "security_group_rule_id"), attr(&pg, "id"));
    let pg = e
        .update(
            "aws_vpc_security_group_ingress_rule",
            "pg",
            &pg,
            vec![
                ("description", s("postgres from web")),
                ("to_port", n(5433.0)),
            ],
        )
        .await;
    let rules = group_rules(&e, &db_id).await;
    assert!(
        rules.contains(&(
            false,
            "tcp".into(),
            5432,
            5433,
            web_id.clone(),
            Some("postgres from web".into())
        )),
        "{rules:?}"
    );

    let cfg = config(
        "aws_vpc_security_group_egress_rule",
        vec![
            ("security_group_id", s(&db_id)),
            ("cidr_ipv4", s("10.40.0.0/16")),
            ("ip_protocol", s("-1")),
        ],
    );
    let out_rule = e
        .create("aws_vpc_security_group_egress_rule", "out", &cfg)
        .await;
    assert_eq!(attr(&out_rule, "from_port"), &Value::Null);

    let cfg = config(
        "aws_security_group_rule",
        vec![
            ("type", s("ingress")),
            ("security_group_id", s(&db_id)),
            ("protocol", s("tcp")),
            ("from_port", n(6379.0)),
            ("to_port", n(6379.0)),
            ("cidr_blocks", list(&["10.40.1.0/24", "10.40.2.0/24"])),
        ],
    );
    let redis = e.create("aws_security_group_rule", "redis", &cfg).await;
    assert!(text(&redis, "id").starts_with("sgr-"));
    let redis = e
        .update(
            "aws_security_group_rule",
            "redis",
            &redis,
            vec![("description", s("redis"))],
        )
        .await;
    let rules = group_rules(&e, &db_id).await;
    assert_eq!(
        rules
            .iter()
            .filter(|r| r.2 == 6379 && r.5.as_deref() == Some("redis"))
            .count(),
        2,
        "{rules:?}"
    );

    // The group's read does not report the rule resources' rules as its own ingress.
    let read = e.read_one("aws_security_group", &db).await.unwrap();
    assert_eq!(attr(&read, "ingress"), &Value::Set(vec![]));

    e.delete("aws_security_group_rule", &redis).await;
    e.delete("aws_vpc_security_group_egress_rule", &out_rule)
        .await;
    e.delete("aws_vpc_security_group_ingress_rule", &pg).await;
    assert_eq!(group_rules(&e, &db_id).await.len(), 1);
    e.delete("aws_security_group", &db).await;
    e.delete("aws_security_group", &web).await;
    e.delete("aws_vpc", &vpc).await;
}

fn ssh_public_key() -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "terrace-test", "-f"])
        .arg(&path)
        .status()
        .expect("ssh-keygen (openssh-client) is needed to make a test key");
    assert!(status.success());
    std::fs::read_to_string(path.with_extension("pub"))
        .unwrap()
        .trim()
        .to_string()
}

async fn ubuntu_ami(e: &Env) -> String {
    let out = e
        .ec2
        .describe_images()
        .owners("099720109477")
        .send()
        .await
        .unwrap();
    out.images()[0].image_id().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn key_pair_and_instance() {
    let e = env("ca-central-1").await;
    // Unique per run, so a run after a failed one does not meet its leftovers.
    let key_name = format!(
        "deployer-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let cfg = config(
        "aws_key_pair",
        vec![
            ("key_name", s(&key_name)),
            ("public_key", s(&ssh_public_key())),
            ("tags", map(&[("Name", "deployer")])),
        ],
    );
    let key = e.create("aws_key_pair", "deployer", &cfg).await;
    assert_eq!(text(&key, "id"), key_name);
    assert_eq!(text(&key, "key_type"), "ed25519");
    assert!(text(&key, "key_pair_id").starts_with("key-"));
    let key = e
        .update(
            "aws_key_pair",
            "deployer",
            &key,
            vec![("tags", map(&[("Name", "deployer2")]))],
        )
        .await;
    let out = e
        .ec2
        .describe_key_pairs()
        .key_names(&key_name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tag_map(out.key_pairs()[0].tags())
            .get("Name")
            .map(String::as_str),
        Some("deployer2")
    );

    let vpc = e.vpc("10.50.0.0/16").await;
    let subnet = e.subnet(&vpc, "a", "10.50.0.0/20").await;
    let sg = config(
        "aws_security_group",
        vec![("name", s("app")), ("vpc_id", attr(&vpc, "id").clone())],
    );
    let sg = e.create("aws_security_group", "app", &sg).await;
    let ami = ubuntu_ami(&e).await;
    let root = block(
        "aws_instance",
        &["root_block_device"],
        vec![("volume_size", n(12.0)), ("volume_type", s("gp3"))],
    );
    let cfg = config(
        "aws_instance",
        vec![
            ("ami", s(&ami)),
            ("instance_type", s("t3.micro")),
            ("subnet_id", attr(&subnet, "id").clone()),
            (
                "vpc_security_group_ids",
                Value::set(vec![attr(&sg, "id").clone()]),
            ),
            ("key_name", s(&key_name)),
            ("user_data", s("#!/bin/sh\necho hi\n")),
            ("root_block_device", Value::List(vec![root])),
            ("volume_tags", map(&[("backup", "daily")])),
            ("tags", map(&[("Name", "app")])),
        ],
    );
    let inst = e.create("aws_instance", "app", &cfg).await;
    let id = text(&inst, "id");
    assert!(id.starts_with("i-"));
    assert_eq!(text(&inst, "instance_state"), "running");
    assert_eq!(text(&inst, "instance_type"), "t3.micro");
    let root = &attr(&inst, "root_block_device").as_list().unwrap()[0];
    assert_eq!(attr(root, "volume_size"), &n(12.0));
    assert!(text(root, "volume_id").starts_with("vol-"));
    assert_eq!(attr(&inst, "user_data"), &s("#!/bin/sh\necho hi\n"));
    // Tags at creation on the instance and its volumes.
    let out = e
        .ec2
        .describe_instances()
        .instance_ids(&id)
        .send()
        .await
        .unwrap();
    let i = &out.reservations()[0].instances()[0];
    assert_eq!(
        tag_map(i.tags()).get("terrace:address").map(String::as_str),
        Some("aws_instance.app")
    );
    let vols = e
        .ec2
        .describe_volumes()
        .filters(filter("attachment.instance-id", &[&id]))
        .send()
        .await
        .unwrap();
    assert!(!vols.volumes().is_empty());
    for v in vols.volumes() {
        let t = tag_map(v.tags());
        assert_eq!(t.get("backup").map(String::as_str), Some("daily"), "{t:?}");
        assert_eq!(
            t.get("terrace:address").map(String::as_str),
            Some("aws_instance.app")
        );
        assert!(!t.contains_key("Name"), "{t:?}");
    }

    // instance_type and user data in place: stop, modify, start; security groups.
    let sg2 = config(
        "aws_security_group",
        vec![("name", s("app2")), ("vpc_id", attr(&vpc, "id").clone())],
    );
    let sg2 = e.create("aws_security_group", "app2", &sg2).await;
    let inst = e
        .update(
            "aws_instance",
            "app",
            &inst,
            vec![
                ("instance_type", s("t3.small")),
                ("user_data", s("#!/bin/sh\necho bye\n")),
                (
                    "vpc_security_group_ids",
                    Value::set(vec![attr(&sg2, "id").clone()]),
                ),
                ("tags", map(&[("Name", "app2")])),
            ],
        )
        .await;
    let ud = e
        .ec2
        .describe_instance_attribute()
        .instance_id(&id)
        .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
        .send()
        .await
        .unwrap();
    let ud = ud.user_data().and_then(|v| v.value()).unwrap_or_default();
    assert!(
        ud == "#!/bin/sh\necho bye\n" || ud == "IyEvYmluL3NoCmVjaG8gYnllCg==",
        "{ud}"
    );
    assert_eq!(text(&inst, "instance_state"), "running");
    let out = e
        .ec2
        .describe_instances()
        .instance_ids(&id)
        .send()
        .await
        .unwrap();
    let i = &out.reservations()[0].instances()[0];
    assert_eq!(i.instance_type().map(|t| t.as_str()), Some("t3.small"));
    assert_eq!(
        i.state().and_then(|s| s.name()).map(|s| s.as_str()),
        Some("running")
    );
    assert_eq!(
        tag_map(i.tags()).get("Name").map(String::as_str),
        Some("app2")
    );
    assert_eq!(
        i.security_groups()
            .iter()
            .filter_map(|g| g.group_id())
            .collect::<Vec<_>>(),
        [text(&sg2, "id").as_str()]
    );

    e.delete("aws_instance", &inst).await;
    let out = e
        .ec2
        .describe_instances()
        .instance_ids(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.reservations()[0].instances()[0]
            .state()
            .and_then(|s| s.name())
            .map(|s| s.as_str()),
        Some("terminated")
    );
    e.delete("aws_key_pair", &key).await;
    e.delete("aws_security_group", &sg2).await;
    e.delete("aws_security_group", &sg).await;
    e.delete("aws_subnet", &subnet).await;
    e.delete("aws_vpc", &vpc).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn data_sources() {
    let e = env("sa-east-1").await;
    let check = |t: &str, v: &Value| check_shape(&schema::data_source(t).unwrap().body, v, t);

    let cfg = data_config("aws_availability_zones", vec![("state", s("available"))]);
    let azs = e.p.read_data("aws_availability_zones", &cfg).await.unwrap();
    check("aws_availability_zones", &azs);
    let names = attr(&azs, "names").as_list().unwrap().to_vec();
    assert!(!names.is_empty());
    assert!(names
        .iter()
        .all(|n| n.as_str().unwrap().starts_with("sa-east-1")));
    assert_eq!(attr(&azs, "zone_ids").as_list().unwrap().len(), names.len());
    let cfg = data_config(
        "aws_availability_zones",
        vec![("exclude_names", Value::set(vec![names[0].clone()]))],
    );
    let fewer = e.p.read_data("aws_availability_zones", &cfg).await.unwrap();
    assert_eq!(
        attr(&fewer, "names").as_list().unwrap().len(),
        names.len() - 1
    );

    let name_filter = block_data(
        "aws_ami",
        vec![("name", s("name")), ("values", set(&["ubuntu/images/*"]))],
    );
    let cfg = data_config(
        "aws_ami",
        vec![
            ("most_recent", Value::Bool(true)),
            ("owners", list(&["099720109477"])),
            ("filter", Value::set(vec![name_filter.clone()])),
        ],
    );
    let ami = e.p.read_data("aws_ami", &cfg).await.unwrap();
    check("aws_ami", &ami);
    assert!(text(&ami, "id").starts_with("ami-"));
    assert!(text(&ami, "name").starts_with("ubuntu/images/"));
    // Without most_recent, two matches are an error; name_regex narrows them to one.
    let cfg = data_config(
        "aws_ami",
        vec![
            ("owners", list(&["099720109477"])),
            ("filter", Value::set(vec![name_filter])),
        ],
    );
    assert!(e.p.read_data("aws_ami", &cfg).await.is_err());
    let cfg = data_config(
        "aws_ami",
        vec![
            ("owners", list(&["099720109477"])),
            ("name_regex", s("ubuntu-xenial-16\\.04-amd64-server-\\d+$")),
        ],
    );
    let xenial = e.p.read_data("aws_ami", &cfg).await.unwrap();
    assert!(text(&xenial, "name").contains("xenial"));

    let vpc = e.vpc("10.60.0.0/16").await;
    let vpc_id = text(&vpc, "id");
    let subnet = e.subnet(&vpc, "a", "10.60.1.0/24").await;
    let cfg = data_config("aws_vpc", vec![("id", s(&vpc_id))]);
    let dv = e.p.read_data("aws_vpc", &cfg).await.unwrap();
    check("aws_vpc", &dv);
    assert_eq!(text(&dv, "cidr_block"), "10.60.0.0/16");
    assert_eq!(
        attr(&dv, "main_route_table_id"),
        attr(&vpc, "main_route_table_id")
    );
    assert_eq!(attr(&dv, "enable_dns_support"), &Value::Bool(true));
    let cfg = data_config("aws_vpc", vec![("default", Value::Bool(true))]);
    let default = e.p.read_data("aws_vpc", &cfg).await.unwrap();
    assert_eq!(attr(&default, "default"), &Value::Bool(true));

    let f = block_data(
        "aws_subnets",
        vec![("name", s("vpc-id")), ("values", set(&[&vpc_id]))],
    );
    let cfg = data_config("aws_subnets", vec![("filter", Value::set(vec![f]))]);
    let subnets = e.p.read_data("aws_subnets", &cfg).await.unwrap();
    check("aws_subnets", &subnets);
    assert_eq!(attr(&subnets, "ids"), &list(&[&text(&subnet, "id")]));

    e.delete("aws_subnet", &subnet).await;
    e.delete("aws_vpc", &vpc).await;
}

fn block_data(t: &str, given: Vec<(&str, Value)>) -> Value {
    fill(
        &schema::data_source(t)
            .unwrap()
            .body
            .block("filter")
            .unwrap()
            .body,
        given,
    )
}

// ----------------------------------------------------------------------------------------------
// API calls per read.

/// Records the operation name of every request (retries included).
#[derive(Debug, Default, Clone)]
struct Calls(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl aws_sdk_ec2::config::Intercept for Calls {
    fn name(&self) -> &'static str {
        "Calls"
    }

    fn read_before_transmit(
        &self,
        _ctx: &aws_sdk_ec2::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _rc: &aws_sdk_ec2::config::RuntimeComponents,
        cfg: &mut aws_sdk_ec2::config::ConfigBag,
    ) -> Result<(), aws_sdk_ec2::error::BoxError> {
        let op = cfg
            .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
            .map_or("?", |m| m.name())
            .to_string();
        self.0.lock().unwrap().push(op);
        Ok(())
    }
}

impl Calls {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// An environment whose provider counts its EC2 calls.
async fn counted_env(region: &'static str) -> (Env, Calls) {
    let e = env(region).await;
    let calls = Calls::default();
    let conf = e
        .ec2
        .config()
        .to_builder()
        .interceptor(calls.clone())
        .build();
    let mut clients = e.p.clients().clone();
    clients.ec2 = aws_sdk_ec2::Client::from_conf(conf);
    let e = Env {
        p: AwsProvider::new(clients),
        ..e
    };
    (e, calls)
}

#[tokio::test(flavor = "multi_thread")]
async fn read_costs_one_call_per_page() {
    let (e, calls) = counted_env("ap-northeast-2").await;
    let ec2 = &e.ec2;
    // 250 VPCs made directly: one DescribeVpcs reads them all.
    let mut priors = Vec::new();
    for i in 0..250 {
        let out = ec2
            .create_vpc()
            .cidr_block(format!("10.{}.{}.0/24", i / 200, i % 200))
            .send()
            .await
            .unwrap();
        let id = out.vpc().unwrap().vpc_id().unwrap().to_string();
        priors.push((
            id.clone(),
            config("aws_vpc", vec![("cidr_block", s("10.0.0.0/24"))]),
        ));
    }
    calls.take();
    let got = e.p.read("aws_vpc", &priors).await.unwrap();
    assert_eq!(got.len(), 250);
    assert_eq!(calls.take(), ["DescribeVpcs"]);
    // With one id gone, the page is described again through a filter (ceil(250/200) calls).
    ec2.delete_vpc().vpc_id(&priors[10].0).send().await.unwrap();
    let got = e.p.read("aws_vpc", &priors).await.unwrap();
    assert_eq!(got.len(), 249);
    assert_eq!(calls.take(), ["DescribeVpcs"; 3]);
    // 1000 ids that do not exist: a full page, then five filtered calls, nothing found.
    let missing: Vec<(String, Value)> = (0..1000)
        .map(|i| (format!("vpc-{i:017x}"), Value::Null))
        .collect();
    assert!(e.p.read("aws_vpc", &missing).await.unwrap().is_empty());
    assert_eq!(calls.take(), ["DescribeVpcs"; 6]);

    // 300 instances from one RunInstances: one DescribeInstances reads them all.
    let ami = ubuntu_ami(&e).await;
    let out = ec2
        .run_instances()
        .image_id(&ami)
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .min_count(300)
        .max_count(300)
        .send()
        .await
        .unwrap();
    let prior = config("aws_instance", vec![("ami", s(&ami))]);
    let priors: Vec<(String, Value)> = out
        .instances()
        .iter()
        .map(|i| (i.instance_id().unwrap().to_string(), prior.clone()))
        .collect();
    calls.take();
    let got = e.p.read("aws_instance", &priors).await.unwrap();
    assert_eq!(got.len(), 300);
    assert_eq!(calls.take(), ["DescribeInstances"]);
    // With volume blocks in the prior values, one DescribeVolumes per 200 instances.
    let with_root = config(
        "aws_instance",
        vec![(
            "root_block_device",
            Value::List(vec![block("aws_instance", &["root_block_device"], vec![])]),
        )],
    );
    let priors: Vec<(String, Value)> = priors
        .into_iter()
        .map(|(id, _)| (id, with_root.clone()))
        .collect();
    let got = e.p.read("aws_instance", &priors).await.unwrap();
    assert_eq!(got.len(), 300);
    assert_eq!(
        calls.take(),
        ["DescribeInstances", "DescribeVolumes", "DescribeVolumes"]
    );
    let ids: Vec<String> = priors.iter().map(|(id, _)| id.clone()).collect();
    ec2.terminate_instances()
        .set_instance_ids(Some(ids))
        .send()
        .await
        .unwrap();
    let got = e.p.read("aws_instance", &priors).await.unwrap();
    assert!(got.is_empty());

    // Security groups and their rule resources.
    let vpc = e.vpc("10.250.0.0/16").await;
    let mut groups = Vec::new();
    let mut rules = Vec::new();
    for i in 0..5 {
        let cfg = config(
            "aws_security_group",
            vec![
                ("name", s(&format!("g{i}"))),
                ("vpc_id", attr(&vpc, "id").clone()),
            ],
        );
        let g = e
            .try_create("aws_security_group", &format!("g{i}"), &cfg)
            .await
            .unwrap();
        let cfg = config(
            "aws_vpc_security_group_ingress_rule",
            vec![
                ("security_group_id", attr(&g, "id").clone()),
                ("cidr_ipv4", s("10.0.0.0/8")),
                ("ip_protocol", s("tcp")),
                ("from_port", n(80.0)),
                ("to_port", n(80.0)),
            ],
        );
        rules.push(
            e.try_create(
                "aws_vpc_security_group_ingress_rule",
                &format!("r{i}"),
                &cfg,
            )
            .await
            .unwrap(),
        );
        groups.push(g);
    }
    calls.take();
    let priors: Vec<(String, Value)> = groups.iter().map(|v| (text(v, "id"), v.clone())).collect();
    assert_eq!(
        e.p.read("aws_security_group", &priors).await.unwrap().len(),
        5
    );
    assert_eq!(calls.take(), ["DescribeSecurityGroups"]);
    let priors: Vec<(String, Value)> = rules.iter().map(|v| (text(v, "id"), v.clone())).collect();
    assert_eq!(
        e.p.read("aws_vpc_security_group_ingress_rule", &priors)
            .await
            .unwrap()
            .len(),
        5
    );
    assert_eq!(calls.take(), ["DescribeSecurityGroupRules"]);
}

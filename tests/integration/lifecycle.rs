//! Every managed resource type through its whole life, through the `terrace` binary against
//! moto: create, an empty plan, an in-place update, a replacement, destroy. Each step checks
//! the cloud through the SDK (clients of the test's own, not Terrace's), not only the state.
//!
//! One test function per group of types that need each other; each works in a region no
//! other test uses, so tests running in parallel against one moto do not see each other.
//! Needs `TERRACE_TEST_MOTO_URL` (scripts/test.sh starts moto and sets it).

#[path = "lifecycle/compute.rs"]
mod compute;
#[path = "lifecycle/network.rs"]
mod network;
#[path = "lifecycle/rds.rs"]
mod rds;
#[path = "lifecycle/routing.rs"]
mod routing;
#[path = "lifecycle/security_groups.rs"]
mod security_groups;

use crate::support::{moto_url, terrace, TempConfig};
use aws_sdk_ec2::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ec2::types::Filter;
use std::collections::{BTreeMap, BTreeSet};
use terrace::state::State;

/// A configuration directory in one region, driven through the binary, with SDK clients
/// for the same region and endpoint to look at the cloud directly.
pub(crate) struct Stack {
    cfg: TempConfig,
    region: &'static str,
    pub ec2: aws_sdk_ec2::Client,
    pub rds: aws_sdk_rds::Client,
}

impl Stack {
    pub fn new(region: &'static str) -> Stack {
        let url = moto_url();
        let creds = Credentials::new("testing", "testing", None, None, "lifecycle-test");
        let ec2 = aws_sdk_ec2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region))
            .endpoint_url(&url)
            .credentials_provider(creds.clone())
            .build();
        let rds = aws_sdk_rds::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region))
            .endpoint_url(&url)
            .credentials_provider(creds)
            .build();
        Stack {
            cfg: TempConfig::new(&[]),
            region,
            ec2: aws_sdk_ec2::Client::from_conf(ec2),
            rds: aws_sdk_rds::Client::from_conf(rds),
        }
    }

    /// Writes `main.tf`: the provider block for the stack's region, then `body`.
    pub fn write(&self, body: &str) {
        let text = format!(
            "provider \"aws\" {{\n  region = \"{}\"\n}}\n{body}",
            self.region
        );
        std::fs::write(self.cfg.path().join("main.tf"), text).unwrap();
    }

    /// Runs the binary off the async workers.
    async fn run(&self, args: &[&str]) -> (i32, String, String) {
        let dir = self.cfg.path().to_path_buf();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            terrace(&dir, &args)
        })
        .await
        .unwrap()
    }

    /// `terrace apply -auto-approve` (plus `extra`) must succeed; returns the state it wrote.
    pub async fn apply(&self, extra: &[&str]) -> State {
        let mut args = vec!["apply", "-auto-approve", "-no-color"];
        args.extend(extra);
        let (code, out, err) = self.run(&args).await;
        assert_eq!(code, 0, "apply {extra:?} failed:\n{out}\n{err}");
        self.state()
    }

    /// `terrace plan -detailed-exitcode` finds nothing to do.
    pub async fn expect_no_changes(&self) {
        let (code, out, err) = self.run(&["plan", "-detailed-exitcode", "-no-color"]).await;
        assert_eq!(code, 0, "the plan is not empty:\n{out}\n{err}");
        assert!(out.contains("No changes."), "{out}");
    }

    /// `terrace plan -detailed-exitcode` (plus `extra`) plans exactly `want`: (address,
    /// `update` | `replace` | `create` | `destroy`) for every resource it changes.
    pub async fn expect_plan(&self, extra: &[&str], want: &[(&str, &str)]) {
        let mut args = vec!["plan", "-detailed-exitcode", "-no-color"];
        args.extend(extra);
        let (code, out, err) = self.run(&args).await;
        assert_eq!(code, 2, "expected a plan with changes:\n{out}\n{err}");
        let want: BTreeMap<String, String> = want
            .iter()
            .map(|(a, w)| (a.to_string(), w.to_string()))
            .collect();
        assert_eq!(planned_actions(&out), want, "{out}");
    }

    /// `terrace destroy -auto-approve` succeeds and leaves no managed resource in state.
    pub async fn destroy(&self) {
        let (code, out, err) = self.run(&["destroy", "-auto-approve", "-no-color"]).await;
        assert_eq!(code, 0, "destroy failed:\n{out}\n{err}");
        let left: Vec<String> = self
            .state()
            .resources
            .iter()
            .filter(|r| r.is_managed())
            .map(|r| r.address.to_string())
            .collect();
        assert!(left.is_empty(), "still in state after destroy: {left:?}");
    }

    pub fn state(&self) -> State {
        let path = self.cfg.path().join("state/default.tfstate.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// Ids of the EC2 objects carrying `terrace:lineage = lineage` that still exist
    /// (terminated instances and deleted NAT gateways do not count).
    pub async fn owned(&self, lineage: &str) -> BTreeSet<String> {
        let f = Filter::builder()
            .name("tag:terrace:lineage")
            .values(lineage)
            .build();
        let ec2 = &self.ec2;
        let mut ids = BTreeSet::new();
        let vpcs = ec2.describe_vpcs().filters(f.clone()).send().await.unwrap();
        ids.extend(
            vpcs.vpcs()
                .iter()
                .filter_map(|x| x.vpc_id())
                .map(str::to_string),
        );
        let subnets = ec2
            .describe_subnets()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        ids.extend(
            subnets
                .subnets()
                .iter()
                .filter_map(|x| x.subnet_id())
                .map(str::to_string),
        );
        let igws = ec2
            .describe_internet_gateways()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        ids.extend(
            igws.internet_gateways()
                .iter()
                .filter_map(|x| x.internet_gateway_id())
                .map(str::to_string),
        );
        let rts = ec2
            .describe_route_tables()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        ids.extend(
            rts.route_tables()
                .iter()
                .filter_map(|x| x.route_table_id())
                .map(str::to_string),
        );
        let nats = ec2
            .describe_nat_gateways()
            .filter(f.clone())
            .send()
            .await
            .unwrap();
        // moto ignores tag filters on DescribeNatGateways: the tag is checked here as well.
        let tagged = |x: &aws_sdk_ec2::types::NatGateway| {
            ec2_tags(x.tags())
                .get("terrace:lineage")
                .map(String::as_str)
                == Some(lineage)
        };
        ids.extend(
            nats.nat_gateways()
                .iter()
                .filter(|x| tagged(x))
                .filter(|x| x.state().is_none_or(|s| s.as_str() != "deleted"))
                .filter_map(|x| x.nat_gateway_id())
                .map(str::to_string),
        );
        let eips = ec2
            .describe_addresses()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        ids.extend(
            eips.addresses()
                .iter()
                .filter_map(|x| x.allocation_id())
                .map(str::to_string),
        );
        let sgs = ec2
            .describe_security_groups()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        ids.extend(
            sgs.security_groups()
                .iter()
                .filter_map(|x| x.group_id())
                .map(str::to_string),
        );
        let rules = ec2
            .describe_security_group_rules()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        ids.extend(
            rules
                .security_group_rules()
                .iter()
                .filter_map(|x| x.security_group_rule_id())
                .map(str::to_string),
        );
        let keys = ec2
            .describe_key_pairs()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        ids.extend(
            keys.key_pairs()
                .iter()
                .filter_map(|x| x.key_pair_id())
                .map(str::to_string),
        );
        let inst = ec2.describe_instances().filters(f).send().await.unwrap();
        ids.extend(
            inst.reservations()
                .iter()
                .flat_map(|r| r.instances())
                .filter(|i| {
                    i.state()
                        .and_then(|s| s.name())
                        .is_none_or(|n| n.as_str() != "terminated")
                })
                .filter_map(|i| i.instance_id())
                .map(str::to_string),
        );
        ids
    }
}

/// Planned actions by address, read from the human plan's resource lines (`~ resource "t"
/// "n" {`) after the drift report: `~` update, `-/+` and `+/-` replace, `+` create, `-`
/// destroy.
fn planned_actions(plan: &str) -> BTreeMap<String, String> {
    plan.lines()
        .skip_while(|l| !l.starts_with("Terrace will perform the following actions"))
        .filter_map(|l| {
            let (symbol, rest) = l.trim_start().split_once(" resource \"")?;
            let (type_name, rest) = rest.split_once("\" \"")?;
            let name = rest.strip_suffix("\" {")?;
            let what = match symbol {
                "~" => "update",
                "-/+" | "+/-" => "replace",
                "+" => "create",
                "-" => "destroy",
                _ => return None,
            };
            Some((format!("{type_name}.{name}"), what.to_string()))
        })
        .collect()
}

/// Every resource in `after` records the dependencies it had in `before`: for a step whose
/// changes keep every reference, since later destroys are ordered by them (a subnet must
/// not be deleted before the DB subnet group that uses it).
pub(crate) fn assert_same_dependencies(before: &State, after: &State) {
    let deps = |s: &State| -> BTreeMap<String, Vec<String>> {
        s.resources
            .iter()
            .map(|r| (r.address.to_string(), r.dependencies.clone()))
            .collect()
    };
    assert_eq!(deps(after), deps(before), "recorded dependencies changed");
}

/// The cloud id of the resource at `addr` in `state`.
pub(crate) fn id(state: &State, addr: &str) -> String {
    let r = state
        .resources
        .iter()
        .find(|r| r.address.to_string() == addr)
        .unwrap_or_else(|| panic!("{addr} is not in state"));
    r.provider_id
        .clone()
        .unwrap_or_else(|| panic!("{addr} has no id in state"))
}

/// A string attribute of the resource at `addr` in `state`.
pub(crate) fn attr(state: &State, addr: &str, name: &str) -> String {
    let r = state
        .resources
        .iter()
        .find(|r| r.address.to_string() == addr)
        .unwrap_or_else(|| panic!("{addr} is not in state"));
    r.attributes[name]
        .as_str()
        .unwrap_or_else(|| panic!("{addr}.{name} is not a string: {}", r.attributes[name]))
        .to_string()
}

/// The tags an object must carry: the configured ones and Terrace's ownership tags.
pub(crate) fn expected_tags(
    configured: &[(&str, &str)],
    addr: &str,
    lineage: &str,
) -> BTreeMap<String, String> {
    configured
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .chain([
            ("terrace:address".to_string(), addr.to_string()),
            ("terrace:lineage".to_string(), lineage.to_string()),
        ])
        .collect()
}

pub(crate) fn ec2_tags(tags: &[aws_sdk_ec2::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub(crate) fn rds_tags(tags: &[aws_sdk_rds::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A suffix for names that must be unique in the account, so a run does not meet the
/// leftovers of an earlier one on the same moto.
pub(crate) fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{}{}", std::process::id() % 100_000, nanos % 1000)
}

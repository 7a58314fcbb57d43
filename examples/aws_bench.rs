//! Benchmarks against moto through a counting, latency-injecting proxy (the test suite's
//! fault proxy). `scripts/bench.sh refresh|apply` starts moto and runs this.
//!
//! - `refresh`: creates 1 VPC, 50 subnets, 200 security groups and 1,000 instances, writes a
//!   state that holds them, and counts the API calls of one `plan` (which refreshes every
//!   object in state).
//! - `apply LATENCY_MS PARALLELISM`: applies 100 instances and 3 RDS instances (with their
//!   network) with a fixed latency on every request, polls included. Reports wall time, the
//!   critical-path bound, and bytes of state written ÷ final state size.
//!
//! Environment: `TERRACE_BENCH_MOTO_URL` (moto's URL).

#[path = "../tests/integration/fault_proxy.rs"]
mod fault_proxy;

use fault_proxy::{FaultProxy, Faults};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use terrace::addr::ResourceInstanceAddr;
use terrace::apply::{ApplyEvent, EventSink};
use terrace::ops::{self, ApplyCmdOptions, PlanCmdOptions, Workspace};

/// Start and end of every change.
#[derive(Default)]
struct Timing {
    spans: Mutex<HashMap<ResourceInstanceAddr, (Instant, Option<Instant>)>>,
}

impl EventSink for Timing {
    fn event(&self, e: ApplyEvent) {
        let now = Instant::now();
        let mut s = self.spans.lock().unwrap();
        match e {
            ApplyEvent::Start { addr, .. } => {
                s.insert(addr, (now, None));
            }
            ApplyEvent::Complete { addr, .. } => {
                if let Some(x) = s.get_mut(&addr) {
                    x.1 = Some(now);
                }
            }
            ApplyEvent::Errored { addr, error, .. } => {
                eprintln!("{addr} failed: {error}");
                std::process::exit(1);
            }
            _ => {}
        }
    }
}

fn workspace(dir: &Path) -> Workspace {
    Workspace {
        dir: dir.to_path_buf(),
        name: "default".into(),
        env: std::env::vars().collect(),
    }
}

/// Bytes this process has written through write(2) so far (`wchar` in /proc/self/io).
fn bytes_written() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("wchar: ").map(|n| n.trim().parse().ok()))
                .flatten()
        })
        .unwrap_or(0)
}

fn apply(dir: &Path, parallelism: usize, sink: Arc<dyn EventSink>) -> Duration {
    let t = Instant::now();
    let report = ops::apply(
        &workspace(dir),
        &ApplyCmdOptions {
            parallelism,
            ..ApplyCmdOptions::default()
        },
        |_| true,
        ops::aws_provider,
        sink,
    );
    let took = t.elapsed();
    if report.diags.has_errors() || !report.outcome.as_ref().is_some_and(|o| o.is_success()) {
        eprintln!("apply failed: {:?}", report.diags);
        std::process::exit(1);
    }
    took
}

fn network(region: &str, subnets: usize) -> String {
    format!(
        r#"
provider "aws" {{
  region = "{region}"
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
}}

resource "aws_subnet" "s" {{
  count             = {subnets}
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 6, count.index)
  availability_zone = "{region}a"
}}
"#
    )
}

/// Creates the objects through the SDK (an apply of 1,251 resources is needlessly slow for a
/// benchmark of reads) and writes a state that holds them, then counts one `plan`'s calls.
/// What the refresh and drift benchmarks read: 1,000 instances, 200 security groups and
/// 50 subnets in one VPC, created through the SDK, with a state naming them (ids only) and
/// a configuration declaring them, in a temporary directory.
struct Fixture {
    tmp: tempfile::TempDir,
    instances: usize,
    groups: usize,
    subnets: usize,
}

fn fixture(moto: &str, region: &str) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (vpc, subnets, groups, instances) = rt.block_on(async {
        let settings = terrace::provider::aws::AwsSettings {
            region: Some(region.into()),
            endpoint_ec2: Some(moto.into()),
            endpoint_rds: Some(moto.into()),
            ..Default::default()
        };
        let ec2 = terrace::provider::aws::AwsClients::new(&settings).await.ec2;
        let vpc = ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .send()
            .await
            .unwrap()
            .vpc()
            .and_then(|v| v.vpc_id())
            .unwrap()
            .to_string();
        let mut subnets = Vec::new();
        for i in 0..50 {
            let s = ec2
                .create_subnet()
                .vpc_id(&vpc)
                .cidr_block(format!("10.0.{}.0/22", i * 4))
                .send()
                .await
                .unwrap();
            subnets.push(s.subnet().and_then(|s| s.subnet_id()).unwrap().to_string());
        }
        let mut groups = Vec::new();
        for i in 0..200 {
            let g = ec2
                .create_security_group()
                .group_name(format!("bench-{i}-{}", std::process::id()))
                .description("bench")
                .vpc_id(&vpc)
                .send()
                .await
                .unwrap();
            let id = g.group_id().unwrap().to_string();
            // As Terrace creates groups: the default allow-all egress rule revoked (the
            // configuration declares no egress).
            ec2.revoke_security_group_egress()
                .group_id(&id)
                .ip_permissions(
                    aws_sdk_ec2::types::IpPermission::builder()
                        .ip_protocol("-1")
                        .ip_ranges(
                            aws_sdk_ec2::types::IpRange::builder()
                                .cidr_ip("0.0.0.0/0")
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .unwrap();
            groups.push(id);
        }
        let mut instances = Vec::new();
        for (i, subnet) in subnets.iter().enumerate() {
            let r = ec2
                .run_instances()
                .image_id("ami-0123456789abcdef0")
                .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
                .subnet_id(subnet)
                .security_group_ids(&groups[i % 200])
                .min_count(20)
                .max_count(20)
                .send()
                .await
                .unwrap();
            instances.extend(
                r.instances()
                    .iter()
                    .filter_map(|x| x.instance_id())
                    .map(str::to_string),
            );
        }
        (vpc, subnets, groups, instances)
    });
    let mut state = terrace::state::State::new();
    let mut add = |t: &str, name: &str, key: Option<usize>, id: &str| {
        let addr: ResourceInstanceAddr = match key {
            Some(k) => format!("{t}.{name}[{k}]"),
            None => format!("{t}.{name}"),
        }
        .parse()
        .unwrap();
        state.resources.push(terrace::state::ResourceState {
            address: addr,
            mode: "managed".into(),
            type_name: t.into(),
            provider_id: Some(id.into()),
            attributes: serde_json::json!({ "id": id }),
            sensitive_attributes: Vec::new(),
            dependencies: Vec::new(),
            create_before_destroy: false,
            tainted: false,
        });
    };
    add("aws_vpc", "main", None, &vpc);
    for (i, id) in subnets.iter().enumerate() {
        add("aws_subnet", "s", Some(i), id);
    }
    for (i, id) in groups.iter().enumerate() {
        add("aws_security_group", "g", Some(i), id);
    }
    for (i, id) in instances.iter().enumerate() {
        add("aws_instance", "i", Some(i), id);
    }
    std::fs::create_dir_all(dir.join("state")).unwrap();
    std::fs::write(
        dir.join("state/default.tfstate.json"),
        serde_json::to_vec(&state).unwrap(),
    )
    .unwrap();
    let mut cfg = network(region, 50);
    cfg.push_str(
        r#"
resource "aws_security_group" "g" {
  count  = 200
  name   = "bench-${count.index}"
  vpc_id = aws_vpc.main.id
}

resource "aws_instance" "i" {
  count                  = 1000
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.s[count.index % 50].id
  vpc_security_group_ids = [aws_security_group.g[count.index % 200].id]
}
"#,
    );
    std::fs::write(dir.join("main.tf"), cfg).unwrap();
    Fixture {
        instances: instances.len(),
        groups: groups.len(),
        subnets: subnets.len(),
        tmp,
    }
}

fn refresh(moto: &str) {
    let f = fixture(moto, "us-west-1");
    let dir = f.tmp.path();
    let proxy = FaultProxy::start(moto, Faults::default());
    std::env::set_var("AWS_ENDPOINT_URL", proxy.url());
    let t = Instant::now();
    let report = ops::plan(
        &workspace(dir),
        &PlanCmdOptions {
            lock: false,
            connect: true,
            refresh: true,
            ..PlanCmdOptions::default()
        },
    );
    let took = t.elapsed();
    assert!(report.plan.is_some(), "plan failed: {:?}", report.diags);
    let counts = proxy.counts();
    println!(
        "refresh of {} instances + {} security groups + {} subnets + 1 VPC: {} API calls ({:.2}s)",
        f.instances,
        f.groups,
        f.subnets,
        counts.requests,
        took.as_secs_f64()
    );
    for (action, n) in &counts.actions {
        println!("  {action}: {n}");
    }
}

fn apply_bench(moto: &str, latency_ms: u64, parallelism: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let region = "us-west-2";
    let mut cfg = network(region, 4);
    cfg.push_str(
        r#"
resource "aws_security_group" "app" {
  name   = "bench-app-RUN"
  vpc_id = aws_vpc.main.id
}

resource "aws_db_subnet_group" "db" {
  name       = "bench-db-RUN"
  subnet_ids = aws_subnet.s[*].id
}

resource "aws_db_instance" "db" {
  count                  = 3
  identifier             = "bench-RUN-${count.index}"
  engine                 = "postgres"
  instance_class         = "db.t3.micro"
  allocated_storage      = 20
  username               = "bench"
  password               = "bench-password-1"
  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = [aws_security_group.app.id]
  skip_final_snapshot    = true
}

resource "aws_instance" "i" {
  count                  = 100
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.s[count.index % 4].id
  vpc_security_group_ids = [aws_security_group.app.id]
}
"#,
    );
    // Names of their own, so runs against one moto never collide.
    let cfg = cfg.replace("RUN", &std::process::id().to_string());
    std::fs::write(dir.join("main.tf"), cfg).unwrap();
    let proxy = FaultProxy::start(
        moto,
        Faults {
            latency: Duration::from_millis(latency_ms),
            ..Faults::default()
        },
    );
    std::env::set_var("AWS_ENDPOINT_URL", proxy.url());
    let timing = Arc::new(Timing::default());
    let before = bytes_written();
    let total = apply(dir, parallelism, timing.clone());
    let written = bytes_written() - before;
    let state_path = dir.join("state/default.tfstate.json");
    let state_size = std::fs::metadata(&state_path).unwrap().len();
    let state: terrace::state::State =
        serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    let spans = timing.spans.lock().unwrap();
    let first = spans.values().map(|s| s.0).min().unwrap();
    let last = spans.values().filter_map(|s| s.1).max().unwrap();
    let wall = last - first;
    // Longest path through the recorded dependencies, each change weighted by its own
    // duration (start to completion), in dependency order.
    let deps: BTreeMap<String, Vec<String>> = state
        .resources
        .iter()
        .map(|r| (r.address.to_string(), r.dependencies.clone()))
        .collect();
    let dur: BTreeMap<String, Duration> = spans
        .iter()
        .map(|(a, s)| (a.to_string(), s.1.unwrap() - s.0))
        .collect();
    let mut finish: BTreeMap<String, Duration> = BTreeMap::new();
    fn longest(
        a: &str,
        deps: &BTreeMap<String, Vec<String>>,
        dur: &BTreeMap<String, Duration>,
        memo: &mut BTreeMap<String, Duration>,
    ) -> Duration {
        if let Some(d) = memo.get(a) {
            return *d;
        }
        let before = deps
            .get(a)
            .into_iter()
            .flatten()
            .map(|d| longest(d, deps, dur, memo))
            .max()
            .unwrap_or_default();
        let d = before + dur.get(a).copied().unwrap_or_default();
        memo.insert(a.to_string(), d);
        d
    }
    let critical = dur
        .keys()
        .map(|a| longest(a, &deps, &dur, &mut finish))
        .max()
        .unwrap();
    let counts = proxy.counts();
    println!(
        "apply of {} resources, {latency_ms} ms per request, -parallelism {parallelism}: {} API calls",
        spans.len(),
        counts.requests
    );
    println!(
        "  walk {:.2}s (whole apply incl. plan and refresh {:.2}s); critical path {:.2}s; walk / critical path = {:.3}",
        wall.as_secs_f64(),
        total.as_secs_f64(),
        critical.as_secs_f64(),
        wall.as_secs_f64() / critical.as_secs_f64()
    );
    println!(
        "  state bytes written {written}, final state {state_size} bytes: ratio {:.2}",
        written as f64 / state_size as f64
    );
}

/// `terrace drift` over the refresh fixture, its state first filled in by a refresh (as an
/// apply would have left it): API calls, wall time, findings.
fn drift(moto: &str) {
    let region = "us-west-2";
    let f = fixture(moto, region);
    let dir = f.tmp.path();
    let path = dir.join("state/default.tfstate.json");
    let mut state: terrace::state::State =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let settings = terrace::provider::aws::AwsSettings {
            region: Some(region.into()),
            endpoint_ec2: Some(moto.into()),
            endpoint_rds: Some(moto.into()),
            ..Default::default()
        };
        let provider = terrace::provider::aws::AwsProvider::new(
            terrace::provider::aws::AwsClients::new(&settings).await,
        );
        ops::refresh(&provider, &mut state).await.unwrap();
    });
    std::fs::write(&path, serde_json::to_vec(&state).unwrap()).unwrap();
    let proxy = FaultProxy::start(moto, Faults::default());
    std::env::set_var("AWS_ENDPOINT_URL", proxy.url());
    let t = Instant::now();
    let run = ops::drift(&workspace(dir), &ops::DriftOptions::default());
    let took = t.elapsed();
    let report = run
        .report
        .unwrap_or_else(|| panic!("drift failed: {:?}", run.diags));
    let counts = proxy.counts();
    println!(
        "drift over {} instances + {} security groups + {} subnets + 1 VPC: {} API calls ({} in the report), {:.2}s, {} findings",
        f.instances, f.groups, f.subnets, counts.requests, report.api_calls, took.as_secs_f64(), report.findings.len()
    );
    for (action, n) in &counts.actions {
        println!("  {action}: {n}");
    }
    println!("  findings by kind: {:?}", report.summary.by_kind);
}

fn main() {
    let moto = std::env::var("TERRACE_BENCH_MOTO_URL").unwrap_or_else(|_| {
        eprintln!(
            "set TERRACE_BENCH_MOTO_URL to a running moto server (scripts/bench.sh starts one)"
        );
        std::process::exit(2)
    });
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("refresh") => refresh(&moto),
        Some("drift") => drift(&moto),
        Some("apply") => {
            let latency = args.get(1).and_then(|x| x.parse().ok()).unwrap_or(50);
            let parallelism = args.get(2).and_then(|x| x.parse().ok()).unwrap_or(10);
            apply_bench(&moto, latency, parallelism);
        }
        _ => {
            eprintln!("usage: aws_bench refresh | drift | apply [LATENCY_MS] [PARALLELISM]");
            std::process::exit(2);
        }
    }
}

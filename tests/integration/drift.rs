//! `terrace drift` end to end: examples/three-tier applied on moto, then the cloud changed
//! through the SDK the way a person in the console would. Drift must find every change with
//! the right kind and severity, make only read calls (counted by a proxy in front of moto),
//! leave the state byte-identical, and the ways back (`apply -refresh-only`, `apply`,
//! generated configuration with import blocks) must each leave a clean drift run.

use crate::fault_proxy::{FaultProxy, Faults};
use crate::support::{copy_example, moto_url, three_tier_database};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use terrace::provider::aws::{AwsClients, AwsSettings};

const REGION: &str = "ap-southeast-2";

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

async fn ec2() -> aws_sdk_ec2::Client {
    let url = moto_url();
    AwsClients::new(&AwsSettings {
        region: Some(REGION.into()),
        access_key: Some("testing".into()),
        secret_key: Some("testing".into()),
        endpoint_ec2: Some(url.clone()),
        endpoint_rds: Some(url),
        ..Default::default()
    })
    .await
    .ec2
}

/// The binary in `dir` against `endpoint`; (exit code, stdout, stderr).
fn terrace_at(dir: &Path, endpoint: &str, args: &[&str]) -> (i32, String, String) {
    let out = command(dir, endpoint, args).output().expect("run terrace");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn command(dir: &Path, endpoint: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_terrace"));
    c.args(args)
        .current_dir(dir)
        .env_remove("TF_WORKSPACE")
        .env_remove("AWS_PROFILE")
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", REGION)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

struct Stack {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    vars: Vec<String>,
}

impl Stack {
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.run_at(&moto_url(), args)
    }

    fn run_at(&self, endpoint: &str, args: &[&str]) -> (i32, String, String) {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(self.vars.iter().map(String::as_str));
        terrace_at(&self.dir, endpoint, &all)
    }

    fn state(&self) -> Json {
        serde_json::from_slice(&self.state_bytes()).unwrap()
    }

    fn state_bytes(&self) -> Vec<u8> {
        std::fs::read(self.dir.join("state/default.tfstate.json")).unwrap()
    }

    /// The cloud id of the object at `addr` in state.
    fn id(&self, addr: &str) -> String {
        self.state()["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["address"] == addr)
            .and_then(|r| r["provider_id"].as_str())
            .unwrap_or_else(|| panic!("{addr} not in state"))
            .to_string()
    }

    fn drift_json(&self, extra: &[&str]) -> (i32, Json, String) {
        let mut args = vec!["drift", "--json"];
        args.extend(extra);
        let (code, out, err) = self.run(&args);
        let doc = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("drift --json is not JSON ({e}):\n{out}\n{err}"));
        (code, doc, err)
    }
}

fn apply_three_tier() -> Stack {
    moto_url();
    let tmp = copy_example();
    let dir = tmp.path().join("examples/three-tier");
    let tag = format!("drift{}", std::process::id() % 100_000);
    let mut vars = vec![
        "-var-file=sandbox.tfvars".to_string(),
        format!("-var=region={REGION}"),
        format!("-var=azs=[\"{REGION}a\",\"{REGION}b\"]"),
        format!("-var=project={tag}"),
    ];
    vars.extend(three_tier_database(&tag));
    let stack = Stack {
        _tmp: tmp,
        dir,
        vars,
    };
    let (code, out, err) = stack.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(code, 0, "apply failed:\n{out}\n{err}");
    stack
}

/// (kind, severity, address or type, path) of each finding.
fn summary(doc: &Json) -> Vec<(String, String, String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            let who = if f["address"].is_string() {
                s("address")
            } else {
                s("resource_type")
            };
            (s("kind"), s("severity"), who, s("path"))
        })
        .collect()
}

fn finding<'a>(doc: &'a Json, kind: &str, who: &str, path: &str) -> &'a Json {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["kind"] == kind
                && (f["address"] == who || f["resource_type"] == who)
                && f["path"].as_str().unwrap_or("") == path
        })
        .unwrap_or_else(|| panic!("no {kind} finding for {who} {path}: {:#?}", summary(doc)))
}

/// Replaces cloud ids, times and per-run names so reports compare across runs.
fn stable(text: &str, stack: &Stack) -> String {
    let tag = stack.vars[3]
        .trim_start_matches("-var=project=")
        .to_string();
    let mut s = text.replace(&tag, "[project]");
    for (re, with) in [
        (
            r"\b(i|sg|vpc|subnet|igw|nat|rtb|eipalloc|sgr)-[0-9a-f]{8,17}\b",
            "$1-[id]",
        ),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[time]"),
        (r#""duration_ms": \d+"#, r#""duration_ms": 0"#),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[lineage]",
        ),
        (r"\b\d+(\.\d+)?m?s\b", "[duration]"),
    ] {
        s = regex::Regex::new(re)
            .unwrap()
            .replace_all(&s, with)
            .into_owned();
    }
    s
}

#[test]
fn drift_finds_what_changed_outside_terrace_and_each_way_back_is_clean() {
    let stack = apply_three_tier();
    let (code, doc, err) = stack.drift_json(&[]);
    assert_eq!(
        code,
        0,
        "drift right after apply: {:#?}\n{err}",
        summary(&doc)
    );
    assert!(doc["api_calls"].as_u64().unwrap() > 0);

    // A person in the console.
    let db_sg = stack.id("module.security.aws_security_group.db");
    let app_host = stack.id("module.app.aws_instance.this[0]");
    let web_host = stack.id("module.web.aws_instance.this[0]");
    let vpc = stack.id("module.network.aws_vpc.this");
    let app_subnet = stack.id("module.network.aws_subnet.app[0]");
    let lineage = stack.state()["lineage"].as_str().unwrap().to_string();
    block_on(async {
        let ec2 = ec2().await;
        ec2.authorize_security_group_ingress()
            .group_id(&db_sg)
            .ip_permissions(world_on_5432())
            .send()
            .await
            .expect("open the database group");
        ec2.stop_instances()
            .instance_ids(&app_host)
            .send()
            .await
            .expect("stop");
        ec2.modify_instance_attribute()
            .instance_id(&app_host)
            .instance_type(
                aws_sdk_ec2::types::AttributeValue::builder()
                    .value("t3.large")
                    .build(),
            )
            .send()
            .await
            .expect("resize");
        ec2.start_instances()
            .instance_ids(&app_host)
            .send()
            .await
            .expect("start");
        ec2.terminate_instances()
            .instance_ids(&web_host)
            .send()
            .await
            .expect("terminate");
        ec2.create_tags()
            .resources(&vpc)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("Name")
                    .value("hand-edited")
                    .build(),
            )
            .send()
            .await
            .expect("edit a tag");
        ec2.run_instances()
            .image_id("ami-12c6146b")
            .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
            .min_count(1)
            .max_count(1)
            .subnet_id(&app_subnet)
            .tag_specifications(
                aws_sdk_ec2::types::TagSpecification::builder()
                    .resource_type(aws_sdk_ec2::types::ResourceType::Instance)
                    .tags(
                        aws_sdk_ec2::types::Tag::builder()
                            .key("Name")
                            .value("handmade")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("launch a host by hand");
        // What an apply killed between create and state write leaves: tagged with this
        // state's lineage, in no state.
        ec2.create_security_group()
            .group_name("left-by-a-killed-apply")
            .description("tagged, untracked")
            .vpc_id(&vpc)
            .tag_specifications(
                aws_sdk_ec2::types::TagSpecification::builder()
                    .resource_type(aws_sdk_ec2::types::ResourceType::SecurityGroup)
                    .tags(
                        aws_sdk_ec2::types::Tag::builder()
                            .key("terrace:lineage")
                            .value(&lineage)
                            .build(),
                    )
                    .tags(
                        aws_sdk_ec2::types::Tag::builder()
                            .key("terrace:address")
                            .value("aws_security_group.ghost")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("create an untracked group");
        ec2.create_security_group()
            .group_name("handmade-sg")
            .description("made in the console")
            .vpc_id(&vpc)
            .send()
            .await
            .expect("create a group by hand");
    });

    // Drift through a counting proxy: read calls only, and the state untouched; it needs
    // no lock, so it runs while an apply holds one.
    let before = stack.state_bytes();
    let held = terrace::state::LocalBackend::new(stack.dir.join("state/default.tfstate.json"))
        .lock("apply", std::time::Duration::ZERO)
        .expect("hold the state lock as an apply would");
    let proxy = FaultProxy::start(&moto_url(), Faults::default());
    let (code, out, err) = stack.run_at(&proxy.url(), &["drift", "--json"]);
    drop(held);
    assert_eq!(code, 2, "drift found nothing:\n{out}\n{err}");
    assert_eq!(stack.state_bytes(), before, "drift changed the state file");
    let actions = proxy.counts().actions;
    let writes: Vec<&String> = actions
        .keys()
        .filter(|a| !(a.starts_with("Describe") || a.starts_with("List") || a.starts_with("Get")))
        .collect();
    assert!(writes.is_empty(), "drift made non-read calls: {actions:?}");
    let doc: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["api_calls"].as_u64().unwrap(),
        proxy.requests(),
        "the report counts every API call"
    );

    let high = finding(
        &doc,
        "changed",
        "module.security.aws_security_group.db",
        "ingress",
    );
    assert_eq!(high["severity"], "high");
    assert!(
        high["reason"].as_str().unwrap().contains("0.0.0.0/0"),
        "{high}"
    );
    assert_eq!(high["cloud_value"]["from_port"], 5432);
    let resized = finding(
        &doc,
        "changed",
        "module.app.aws_instance.this[0]",
        "instance_type",
    );
    assert_eq!(
        (
            resized["severity"].as_str(),
            resized["cloud_value"].as_str()
        ),
        (Some("medium"), Some("t3.large"))
    );
    assert_eq!(resized["resource_id"], app_host.as_str());
    let gone = finding(&doc, "deleted", "module.web.aws_instance.this[0]", "");
    assert_eq!(gone["resource_id"], web_host.as_str());
    let tag = finding(
        &doc,
        "changed",
        "module.network.aws_vpc.this",
        "tags[\"Name\"]",
    );
    assert_eq!(
        (tag["severity"].as_str(), tag["cloud_value"].as_str()),
        (Some("low"), Some("hand-edited"))
    );
    let host = finding(&doc, "unmanaged", "aws_instance", "");
    assert_eq!(
        (host["name"].as_str(), host["vpc_id"].as_str()),
        (Some("handmade"), Some(vpc.as_str()))
    );
    let group = finding(&doc, "unmanaged", "aws_security_group", "");
    assert_eq!(group["vpc_id"], vpc.as_str());
    let ghost = finding(&doc, "untracked", "aws_security_group", "");
    assert_eq!(ghost["tagged_address"], "aws_security_group.ghost");
    assert_eq!(
        doc["findings"].as_array().unwrap().len(),
        7,
        "{:#?}",
        summary(&doc)
    );
    assert_eq!(doc["summary"]["by_severity"]["high"], 1);

    // The open database group is high: --fail-on high still exits 2, and the notify command
    // gets the JSON report on its standard input.
    let (code, out, err) = stack.run(&[
        "drift",
        "--fail-on",
        "high",
        "--notify-command",
        "cat > notified.json",
    ]);
    assert_eq!(code, 2, "{out}{err}");
    let notified: Json =
        serde_json::from_slice(&std::fs::read(stack.dir.join("notified.json")).unwrap()).unwrap();
    assert_eq!(notified["summary"]["total"], 7);

    // Reports for people and machines.
    let (code, md, _) = stack.run(&["drift", "--format", "markdown"]);
    assert_eq!(code, 2);
    insta::assert_snapshot!("drift_markdown", stable(&md, &stack));
    let mut pretty = doc.clone();
    pretty["api_calls_by_operation"] = Json::Null;
    // Unmanaged objects' values hold addresses moto hands out as it pleases: keep the
    // attributes that identify them.
    for f in pretty["findings"].as_array_mut().unwrap() {
        if let Some(v) = f["cloud_value"]
            .as_object()
            .filter(|_| f["kind"] == "unmanaged")
        {
            let keep = [
                "ami",
                "instance_type",
                "subnet_id",
                "name",
                "description",
                "vpc_id",
                "tags",
            ];
            let kept: serde_json::Map<String, Json> = v
                .iter()
                .filter(|(k, _)| keep.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            f["cloud_value"] = Json::Object(kept);
        }
    }
    insta::assert_snapshot!(
        "drift_json",
        stable(&serde_json::to_string_pretty(&pretty).unwrap(), &stack)
    );
    let (code, human, _) = stack.run(&["drift"]);
    assert_eq!(code, 2);
    assert!(human.contains("terrace apply -refresh-only"), "{human}");
    let prom = stack.dir.join("drift.prom");
    let (code, out, err) = stack.run(&[
        "drift",
        "--format",
        "prometheus",
        "--out",
        prom.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}{err}");
    check_prometheus(&std::fs::read_to_string(&prom).unwrap());

    // A long-running service: at least two runs, then SIGTERM ends it cleanly.
    every_runs_until_sigterm(&stack);

    // The untracked group: no configuration names its address, so nothing would adopt it.
    let ghost_id = ghost["resource_id"].as_str().unwrap().to_string();
    block_on(async {
        ec2()
            .await
            .delete_security_group()
            .group_id(&ghost_id)
            .send()
            .await
            .expect("delete the untracked group");
    });

    // Unmanaged objects: generated configuration validates and imports them.
    let generated = stack.dir.join("unmanaged.tf");
    let (code, out, err) = stack.run(&["drift", "--generate-config", generated.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    let hcl = std::fs::read_to_string(&generated).unwrap();
    assert!(
        hcl.contains("import {") && hcl.contains("resource \"aws_instance\""),
        "{hcl}"
    );
    let (code, out, err) = stack.run(&["validate"]);
    assert_eq!(
        code, 0,
        "generated configuration does not validate:\n{hcl}\n{out}{err}"
    );
    let (code, out, err) = stack.run(&["apply", "-auto-approve", "-no-color", "-refresh-only"]);
    assert_eq!(code, 0, "apply -refresh-only failed:\n{out}\n{err}");
    // The rule added by hand to a group whose rules are rule resources belongs to no
    // resource; take it away by hand, as the report's next steps say.
    block_on(async {
        ec2()
            .await
            .revoke_security_group_ingress()
            .group_id(&db_sg)
            .ip_permissions(world_on_5432())
            .send()
            .await
            .expect("close the database group");
    });
    let (code, out, err) = stack.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(
        code, 0,
        "importing the generated configuration failed:\n{out}\n{err}"
    );
    assert!(out.contains("imported") || out.contains("Import"), "{out}");
    let (code, doc, err) = stack.drift_json(&[]);
    assert_eq!(
        code,
        0,
        "drift after refresh-only, import and apply: {:#?}\n{err}",
        summary(&doc)
    );

    // Changed again; apply -refresh-only accepts it, and the next drift run is clean.
    resize_and_retag(&app_host, &vpc, "t3.xlarge", "accepted");
    let (code, doc, _) = stack.drift_json(&[]);
    assert_eq!(code, 2, "{:#?}", summary(&doc));
    let (code, out, err) = stack.run(&["apply", "-auto-approve", "-no-color", "-refresh-only"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, doc, _) = stack.drift_json(&[]);
    assert_eq!(
        code,
        0,
        "drift after apply -refresh-only: {:#?}",
        summary(&doc)
    );

    // Changed again; apply puts the configuration back, and the next drift run is clean.
    resize_and_retag(&app_host, &vpc, "t3.2xlarge", "reverted");
    let (code, out, err) = stack.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, doc, _) = stack.drift_json(&[]);
    assert_eq!(code, 0, "drift after apply: {:#?}", summary(&doc));
}

/// PostgreSQL's port open to the world: the change a person makes in the console.
fn world_on_5432() -> aws_sdk_ec2::types::IpPermission {
    aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(5432)
        .to_port(5432)
        .ip_ranges(
            aws_sdk_ec2::types::IpRange::builder()
                .cidr_ip("0.0.0.0/0")
                .build(),
        )
        .build()
}

fn resize_and_retag(instance: &str, vpc: &str, instance_type: &str, name: &str) {
    block_on(async {
        let ec2 = ec2().await;
        ec2.stop_instances()
            .instance_ids(instance)
            .send()
            .await
            .expect("stop");
        ec2.modify_instance_attribute()
            .instance_id(instance)
            .instance_type(
                aws_sdk_ec2::types::AttributeValue::builder()
                    .value(instance_type)
                    .build(),
            )
            .send()
            .await
            .expect("resize");
        ec2.start_instances()
            .instance_ids(instance)
            .send()
            .await
            .expect("start");
        ec2.create_tags()
            .resources(vpc)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("Name")
                    .value(name)
                    .build(),
            )
            .send()
            .await
            .expect("tag");
    });
}

/// Every sample line is `name{labels} value` and every metric has HELP and TYPE first;
/// the run's metrics are there, with a high finding.
fn check_prometheus(text: &str) {
    check_prometheus_shape(text);
    for m in [
        "terrace_drift_findings",
        "terrace_drift_last_run_timestamp_seconds",
        "terrace_drift_success",
        "terrace_drift_api_calls",
    ] {
        assert!(
            text.contains(&format!("# TYPE {m} ")),
            "{m} missing:\n{text}"
        );
    }
    assert!(text.contains("severity=\"high\""), "{text}");
}

/// Every sample line is `name{labels} value` and every metric has HELP and TYPE first.
fn check_prometheus_shape(text: &str) {
    let sample = regex::Regex::new(
        r#"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? -?[0-9.eE+-]+$"#,
    )
    .unwrap();
    let mut described = std::collections::BTreeSet::new();
    let mut typed = std::collections::BTreeSet::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            described.insert(rest.split(' ').next().unwrap().to_string());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            typed.insert(rest.split(' ').next().unwrap().to_string());
        } else {
            let c = sample
                .captures(line)
                .unwrap_or_else(|| panic!("not a sample: {line:?}"));
            let name = &c[1];
            assert!(
                described.contains(name) && typed.contains(name),
                "{name} lacks HELP/TYPE"
            );
        }
    }
}

fn every_runs_until_sigterm(stack: &Stack) {
    let mut args: Vec<String> = ["drift", "--json", "--every", "1s"]
        .map(String::from)
        .to_vec();
    args.extend(stack.vars.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = command(&stack.dir, &moto_url(), &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start drift --every");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line.starts_with("  \"format_version\"") && tx.send(()).is_err() {
                break;
            }
        }
    });
    for run in 1..=2 {
        rx.recv_timeout(std::time::Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("run {run} of drift --every did not report"));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(
        exit.code(),
        Some(0),
        "drift --every did not stop cleanly on SIGTERM"
    );
}

#[test]
fn drift_without_a_state_or_a_cloud_is_an_error() {
    let cfg = crate::support::TempConfig::new(&[(
        "main.tf",
        "provider \"aws\" {\n  region      = \"ap-southeast-2\"\n  max_retries = 0\n}\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
    )]);
    let (code, out, err) = terrace_at(cfg.path(), "http://127.0.0.1:9", &["drift"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("No state"), "{err}");

    // A state whose VPC cannot be read: the cloud does not answer.
    let state = serde_json::json!({
        "version": 1, "terrace_version": "0.1.0",
        "lineage": "5e0c1f2e-5b6a-4c7d-8e9f-0a1b2c3d4e5f", "serial": 3,
        "resources": [{
            "address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc",
            "provider_id": "vpc-0123456789abcdef0",
            "attributes": {"id": "vpc-0123456789abcdef0", "cidr_block": "10.0.0.0/16"}
        }]
    });
    std::fs::create_dir_all(cfg.path().join("state")).unwrap();
    let path = cfg.path().join("state/default.tfstate.json");
    std::fs::write(&path, state.to_string()).unwrap();
    let before = std::fs::read(&path).unwrap();
    let prom = cfg.path().join("drift.prom");
    let out = command(
        cfg.path(),
        "http://127.0.0.1:9",
        &["drift", "--format", "prometheus", "--out", "drift.prom"],
    )
    .output()
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("Cannot read the cloud"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let metrics = std::fs::read_to_string(&prom).expect("a failed run still writes its metrics");
    assert!(
        metrics.contains("terrace_drift_success{workspace=\"default\"} 0"),
        "{metrics}"
    );
    check_prometheus_shape(&metrics);
}

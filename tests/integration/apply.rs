//! The apply engine through `ops::apply`, with an in-memory provider: order, state after
//! every resource, failure isolation, destroy, saved plans.

use crate::support::TempConfig;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use terrace::apply::{ApplyEvent, EventSink, NodeResult};
use terrace::eval::Value;
use terrace::ops::{self, ApplyCmdOptions, PlanCmdOptions, Workspace};
use terrace::plan::{PlanOptions, SavedPlan};
use terrace::provider::{CreateRequest, DeleteRequest, Provider, ProviderError, UpdateRequest};

/// Objects by id; a configured value containing "FAIL" makes create fail.
#[derive(Clone, Default)]
struct MemoryCloud {
    objects: Arc<Mutex<BTreeMap<String, Value>>>,
    log: Arc<Mutex<Vec<String>>>,
    /// Operation, address and the time limit the engine gave it.
    limits: Arc<Mutex<Vec<(String, String, std::time::Duration)>>>,
}

fn fill(v: &Value, id: &str, path: &str) -> Value {
    match v {
        Value::Unknown if path == "id" => Value::from(id),
        Value::Unknown => Value::from(format!("{id}-{path}")),
        Value::Map(m) => Value::Map(m.iter().map(|(k, x)| (k.clone(), fill(x, id, k))).collect()),
        Value::List(items) => Value::List(items.iter().map(|x| fill(x, id, path)).collect()),
        Value::Set(items) => Value::set(items.iter().map(|x| fill(x, id, path)).collect()),
        Value::Sensitive(x) => fill(x, id, path),
        other => other.clone(),
    }
}

impl Provider for MemoryCloud {
    async fn create(&self, req: CreateRequest<'_>) -> Result<Value, ProviderError> {
        if req.config.to_json().to_string().contains("FAIL") {
            return Err(ProviderError::Api {
                code: "InvalidParameterValue".into(),
                message: format!("{} cannot be created", req.addr),
            });
        }
        self.limits
            .lock()
            .unwrap()
            .push(("create".into(), req.addr.to_string(), req.timeout));
        let mut objects = self.objects.lock().unwrap();
        let id = format!("{}-{}", req.addr.resource.type_name, objects.len() + 1);
        let v = fill(req.config, &id, "");
        objects.insert(id.clone(), v.clone());
        self.log
            .lock()
            .unwrap()
            .push(format!("create {}", req.addr));
        assert_eq!(
            req.tags.get("terrace:address").map(String::as_str),
            Some(req.addr.to_string().as_str())
        );
        Ok(v)
    }

    async fn update(&self, req: UpdateRequest<'_>) -> Result<Value, ProviderError> {
        let v = fill(req.config, req.id, "");
        self.objects
            .lock()
            .unwrap()
            .insert(req.id.to_string(), v.clone());
        self.log
            .lock()
            .unwrap()
            .push(format!("update {}", req.addr));
        Ok(v)
    }

    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        self.limits
            .lock()
            .unwrap()
            .push(("delete".into(), req.addr.to_string(), req.timeout));
        self.objects.lock().unwrap().remove(req.id);
        self.log
            .lock()
            .unwrap()
            .push(format!("delete {}", req.addr));
        Ok(())
    }

    async fn read(
        &self,
        _type_name: &str,
        priors: &[(String, Value)],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let objects = self.objects.lock().unwrap();
        Ok(priors
            .iter()
            .filter_map(|(id, _)| objects.get(id).map(|v| (id.clone(), v.clone())))
            .collect())
    }

    async fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, ProviderError> {
        Ok(fill(config, &format!("data-{type_name}"), ""))
    }
}

struct Events(Mutex<Vec<ApplyEvent>>);

impl EventSink for Events {
    fn event(&self, e: ApplyEvent) {
        self.0.lock().unwrap().push(e);
    }
}

fn ws(dir: &Path) -> Workspace {
    Workspace {
        dir: dir.to_path_buf(),
        name: "default".into(),
        env: Vec::new(),
    }
}

fn run(dir: &Path, cloud: &MemoryCloud, opts: ApplyCmdOptions) -> ops::ApplyReport {
    let c = cloud.clone();
    ops::apply(
        &ws(dir),
        &opts,
        |_| true,
        move |_: HashMap<Option<String>, Value>| async move { Ok::<_, String>(c) },
        Arc::new(Events(Mutex::new(Vec::new()))),
    )
}

const CONFIG: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
  tags       = { Name = "a-${aws_vpc.main.id}" }
}
resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.main.id
  cidr_block = var.b_cidr
}
resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = aws_vpc.main.id
}
variable "b_cidr" {
  default = "10.0.2.0/24"
}
output "subnet_a" {
  value = aws_subnet.a.id
}
"#;

#[test]
fn apply_creates_in_dependency_order_and_converges() {
    let cfg = TempConfig::new(&[("main.tf", CONFIG)]);
    let cloud = MemoryCloud::default();
    let r = run(cfg.path(), &cloud, ApplyCmdOptions::default());
    assert!(!r.diags.has_errors(), "{:?}", r.diags);
    assert!(r.outcome.as_ref().unwrap().is_success(), "{:?}", r.outcome);
    let log = cloud.log.lock().unwrap().clone();
    assert_eq!(log[0], "create aws_vpc.main", "{log:?}");
    assert_eq!(log.len(), 4);
    // The subnet's tag saw the VPC's real id: its configuration was resolved after the VPC.
    let objects = cloud.objects.lock().unwrap().clone();
    let subnet = objects
        .values()
        .find(|v| v.get_attr("cidr_block") == Some(&Value::from("10.0.1.0/24")))
        .unwrap();
    assert_eq!(
        subnet.get_attr("tags").unwrap().get_attr("Name"),
        Some(&Value::from("a-aws_vpc-1"))
    );
    assert_eq!(subnet.get_attr("vpc_id"), Some(&Value::from("aws_vpc-1")));
    // State holds every resource with its id, and the outputs.
    let st: terrace::state::State = serde_json::from_str(
        &std::fs::read_to_string(cfg.path().join("state/default.tfstate.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(st.resources.len(), 4);
    assert!(st.outputs.contains_key("subnet_a"));
    assert!(!cfg
        .path()
        .join("state/default.tfstate.json.journal")
        .exists());
    // A second plan is empty.
    let p = ops::plan(&ws(cfg.path()), &PlanCmdOptions::default());
    assert!(!p.plan.unwrap().has_changes());
}

#[test]
fn a_failure_fails_only_its_branch() {
    let cloud = MemoryCloud::default();
    let src = CONFIG.replace("name   = \"web\"", "name   = \"FAIL\"");
    let cfg2 = TempConfig::new(&[("main.tf", src.as_str())]);
    let r = run(cfg2.path(), &cloud, ApplyCmdOptions::default());
    let outcome = r.outcome.unwrap();
    assert!(!outcome.is_success());
    let failed: Vec<String> = outcome.failed().map(|(a, _)| a.to_string()).collect();
    assert_eq!(failed, ["aws_security_group.web"]);
    assert_eq!(
        outcome
            .results
            .values()
            .filter(|r| **r == NodeResult::Done)
            .count(),
        3
    );
    let st: terrace::state::State = serde_json::from_str(
        &std::fs::read_to_string(cfg2.path().join("state/default.tfstate.json")).unwrap(),
    )
    .unwrap();
    let addrs: Vec<String> = st.resources.iter().map(|r| r.address.to_string()).collect();
    assert_eq!(addrs, ["aws_subnet.a", "aws_subnet.b", "aws_vpc.main"]);
}

#[test]
fn destroy_removes_everything_in_reverse_order() {
    let cfg = TempConfig::new(&[("main.tf", CONFIG)]);
    let cloud = MemoryCloud::default();
    assert!(run(cfg.path(), &cloud, ApplyCmdOptions::default())
        .outcome
        .unwrap()
        .is_success());
    cloud.log.lock().unwrap().clear();
    let r = run(
        cfg.path(),
        &cloud,
        ApplyCmdOptions {
            plan: PlanOptions {
                destroy: true,
                ..PlanOptions::default()
            },
            ..ApplyCmdOptions::default()
        },
    );
    assert!(r.outcome.unwrap().is_success());
    let log = cloud.log.lock().unwrap().clone();
    assert_eq!(
        log.last().map(String::as_str),
        Some("delete aws_vpc.main"),
        "{log:?}"
    );
    assert!(cloud.objects.lock().unwrap().is_empty());
    let st: terrace::state::State = serde_json::from_str(
        &std::fs::read_to_string(cfg.path().join("state/default.tfstate.json")).unwrap(),
    )
    .unwrap();
    assert!(st.resources.is_empty());
}

#[test]
fn updates_and_stale_saved_plans() {
    let cfg = TempConfig::new(&[("main.tf", CONFIG)]);
    let cloud = MemoryCloud::default();
    assert!(run(cfg.path(), &cloud, ApplyCmdOptions::default())
        .outcome
        .unwrap()
        .is_success());
    // A saved plan made now...
    let saved: SavedPlan = ops::plan(&ws(cfg.path()), &PlanCmdOptions::default())
        .saved
        .unwrap();
    // ...goes stale when the configuration changes.
    std::fs::write(
        cfg.path().join("main.tf"),
        CONFIG.replace("name   = \"web\"", "name   = \"web2\""),
    )
    .unwrap();
    let r = run(
        cfg.path(),
        &cloud,
        ApplyCmdOptions {
            saved: Some(saved),
            ..ApplyCmdOptions::default()
        },
    );
    assert!(r.outcome.is_none());
    assert!(
        r.diags.iter().any(|d| d.summary == "Saved plan is stale"),
        "{:?}",
        r.diags
    );
    // A fresh saved plan applies exactly: the name forces a replacement of the group.
    let saved = ops::plan(&ws(cfg.path()), &PlanCmdOptions::default())
        .saved
        .unwrap();
    cloud.log.lock().unwrap().clear();
    let r = run(
        cfg.path(),
        &cloud,
        ApplyCmdOptions {
            saved: Some(saved),
            ..ApplyCmdOptions::default()
        },
    );
    assert!(r.outcome.unwrap().is_success());
    assert_eq!(
        cloud.log.lock().unwrap().clone(),
        [
            "delete aws_security_group.web",
            "create aws_security_group.web"
        ]
    );
}

#[test]
fn timeouts_blocks_bound_each_operation() {
    let tmp = TempConfig::new(&[(
        "main.tf",
        r#"
resource "aws_instance" "slow" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  timeouts {
    create = "7m"
    delete = "1h30m"
  }
}
resource "aws_vpc" "plain" {
  cidr_block = "10.1.0.0/16"
}
"#,
    )]);
    let cloud = MemoryCloud::default();
    let r = run(tmp.path(), &cloud, ApplyCmdOptions::default());
    assert!(r.outcome.is_some_and(|o| o.is_success()), "{:?}", r.diags);
    let destroy = ApplyCmdOptions {
        plan: PlanOptions {
            destroy: true,
            ..PlanOptions::default()
        },
        ..ApplyCmdOptions::default()
    };
    let r = run(tmp.path(), &cloud, destroy);
    assert!(r.outcome.unwrap().is_success());
    let mut limits = cloud.limits.lock().unwrap().clone();
    limits.sort();
    let default = terrace::apply::ApplySettings::default().default_timeout;
    let minutes = |m: u64| std::time::Duration::from_secs(m * 60);
    assert_eq!(
        limits,
        vec![
            (
                "create".to_string(),
                "aws_instance.slow".to_string(),
                minutes(7)
            ),
            ("create".to_string(), "aws_vpc.plain".to_string(), default),
            (
                "delete".to_string(),
                "aws_instance.slow".to_string(),
                minutes(90)
            ),
            ("delete".to_string(), "aws_vpc.plain".to_string(), default),
        ]
    );
}

//! Plans: actions, reasons, rendering (human and JSON), saved plans, exit codes.

use crate::support::{repo, terrace, TempConfig};
use std::path::Path;
use terrace::ops::{self, PlanCmdOptions, Workspace};
use terrace::plan::simulate::record_plan;
use terrace::plan::{Action, Plan, PlanOptions};
use terrace::state::State;

fn ws(dir: &Path) -> Workspace {
    Workspace {
        dir: dir.to_path_buf(),
        name: "default".into(),
        env: Vec::new(),
    }
}

fn plan_with(dir: &Path, opts: PlanOptions) -> terrace::ops::PlanReport {
    ops::plan(
        &ws(dir),
        &PlanCmdOptions {
            plan: opts,
            ..PlanCmdOptions::default()
        },
    )
}

fn plan_ok(dir: &Path) -> Plan {
    let r = plan_with(dir, PlanOptions::default());
    assert!(!r.diags.has_errors(), "{:?}", r.diags);
    r.plan.expect("a plan")
}

fn write_state(dir: &Path, s: &State) {
    std::fs::create_dir_all(dir.join("state")).unwrap();
    std::fs::write(
        dir.join("state/default.tfstate.json"),
        serde_json::to_string_pretty(s).unwrap(),
    )
    .unwrap();
}

fn action(plan: &Plan, addr: &str) -> Action {
    plan.changes
        .iter()
        .find(|c| c.addr.to_string() == addr)
        .unwrap_or_else(|| {
            panic!(
                "no change for {addr}: {:?}",
                plan.changes
                    .iter()
                    .map(|c| c.addr.to_string())
                    .collect::<Vec<_>>()
            )
        })
        .action
}

const BASE: &str = r#"
variable "subnet_cidr" {
  default = "10.0.1.0/24"
}
variable "name" {
  default = "web"
}
variable "db_password" {
  type      = string
  default   = "correct-horse-battery"
  sensitive = true
}
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = var.name }
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = var.subnet_cidr
}
resource "aws_db_instance" "db" {
  identifier        = "app"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "app"
  password          = var.db_password
}
output "vpc_id" {
  value = aws_vpc.main.id
}
"#;

/// Fakes applies until the plan is empty, so references between resources settle as a
/// real apply would.
fn converge(dir: &Path) {
    let mut state = State::new();
    for _ in 0..5 {
        let p = plan_ok(dir);
        if !p.has_changes() {
            return;
        }
        record_plan(&p, &mut state);
        write_state(dir, &state);
    }
    panic!("fake apply did not converge");
}

/// A directory with `main_tf` applied (fake), returning it for further edits.
fn applied(main_tf: &str) -> TempConfig {
    let cfg = TempConfig::new(&[("main.tf", main_tf)]);
    converge(cfg.path());
    cfg
}

/// Snapshots the human and JSON renderings of the plan in `dir`.
fn snap_both(name: &str, dir: &Path, args: &[&str]) {
    let (_, human, err) = rendered(dir, args);
    insta::assert_snapshot!(format!("{name}_human"), human, &err);
    let mut out_args = vec!["-out=snap.tfplan"];
    out_args.extend_from_slice(args);
    let (_, _, err) = rendered(dir, &out_args);
    let (_, json, err2) = terrace(dir, &["show", "-json", "snap.tfplan"]);
    let mut doc: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}{err}{err2}"));
    // The configuration section is covered by its own test; keep these snapshots about changes.
    doc.as_object_mut().unwrap().remove("configuration");
    insta::assert_json_snapshot!(format!("{name}_json"), doc);
}

fn rendered(dir: &Path, args: &[&str]) -> (i32, String, String) {
    // These states are made up (fake ids): compare against them as stored, without a refresh.
    let mut all = vec!["plan", "-no-color", "-refresh=false"];
    all.extend_from_slice(args);
    terrace(dir, &all)
}

#[test]
fn first_plan_creates_everything_with_unknowns() {
    let cfg = TempConfig::new(&[("main.tf", BASE)]);
    let (code, out, err) = rendered(cfg.path(), &["-detailed-exitcode"]);
    assert_eq!(code, 2, "{err}");
    insta::assert_snapshot!("first_plan_human", out);
    assert!(
        out.contains("+ id                = (known after apply)")
            || out.contains("(known after apply)")
    );
    assert!(
        !out.contains("correct-horse-battery"),
        "sensitive value leaked: {out}"
    );
    assert!(
        out.contains("Plan: 3 to add, 0 to change, 0 to destroy, 0 migrations to run."),
        "{out}"
    );
}

#[test]
fn no_op_plan_after_apply() {
    let cfg = applied(BASE);
    let p = plan_ok(cfg.path());
    assert!(
        p.changes.iter().all(|c| c.action == Action::NoOp),
        "{:?}",
        p.changes
            .iter()
            .map(|c| (c.addr.to_string(), c.action, c.changed.clone()))
            .collect::<Vec<_>>()
    );
    let (code, out, _) = rendered(cfg.path(), &["-detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("no_op_plan", out);
    snap_both("no_op", cfg.path(), &[]);
}

#[test]
fn in_place_update_names_changed_attributes() {
    let cfg = applied(BASE);
    std::fs::write(
        cfg.path().join("main.tf"),
        BASE.replace("default = \"web\"", "default = \"web2\""),
    )
    .unwrap();
    let p = plan_ok(cfg.path());
    let c = p
        .changes
        .iter()
        .find(|c| c.addr.to_string() == "aws_vpc.main")
        .unwrap();
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.changed, ["tags", "tags_all"]);
    let (code, out, _) = rendered(cfg.path(), &["-detailed-exitcode"]);
    assert_eq!(code, 2);
    insta::assert_snapshot!("in_place_update", out);
    snap_both("in_place_update", cfg.path(), &[]);
}

#[test]
fn replace_marks_forcing_attributes() {
    let cfg = applied(BASE);
    std::fs::write(
        cfg.path().join("main.tf"),
        BASE.replace("10.0.1.0/24", "10.0.2.0/24"),
    )
    .unwrap();
    let p = plan_ok(cfg.path());
    let c = p
        .changes
        .iter()
        .find(|c| c.addr.to_string() == "aws_subnet.a")
        .unwrap();
    assert_eq!(c.action, Action::DeleteThenCreate);
    assert_eq!(c.forces, ["cidr_block"]);
    let (_, out, _) = rendered(cfg.path(), &[]);
    assert!(out.contains("# forces replacement"), "{out}");
    insta::assert_snapshot!("replace_forced", out);
    snap_both("replace_forced", cfg.path(), &[]);
}

#[test]
fn create_before_destroy_replacement() {
    let src = BASE.replace(
        "  cidr_block = var.subnet_cidr\n}",
        "  cidr_block = var.subnet_cidr\n  lifecycle {\n    create_before_destroy = true\n  }\n}",
    );
    let cfg = applied(&src);
    std::fs::write(
        cfg.path().join("main.tf"),
        src.replace("10.0.1.0/24", "10.0.2.0/24"),
    )
    .unwrap();
    let p = plan_ok(cfg.path());
    assert_eq!(action(&p, "aws_subnet.a"), Action::CreateThenDelete);
    let (_, out, _) = rendered(cfg.path(), &[]);
    assert!(out.contains("+/- resource \"aws_subnet\" \"a\""), "{out}");
    snap_both("create_before_destroy", cfg.path(), &[]);
}

#[test]
fn removed_resource_is_deleted() {
    let cfg = applied(BASE);
    let without_subnet = BASE.replace("resource \"aws_subnet\" \"a\" {\n  vpc_id     = aws_vpc.main.id\n  cidr_block = var.subnet_cidr\n}\n", "");
    std::fs::write(cfg.path().join("main.tf"), without_subnet).unwrap();
    let p = plan_ok(cfg.path());
    assert_eq!(action(&p, "aws_subnet.a"), Action::Delete);
    let (_, out, _) = rendered(cfg.path(), &[]);
    assert!(
        out.contains("because it is not in the configuration"),
        "{out}"
    );
    insta::assert_snapshot!("delete_removed", out);
    snap_both("delete_removed", cfg.path(), &[]);
}

#[test]
fn prevent_destroy_refuses() {
    let src = BASE.replace(
        "  cidr_block = var.subnet_cidr\n}",
        "  cidr_block = var.subnet_cidr\n  lifecycle {\n    prevent_destroy = true\n  }\n}",
    );
    let cfg = applied(BASE);
    std::fs::write(
        cfg.path().join("main.tf"),
        src.replace("10.0.1.0/24", "10.0.2.0/24"),
    )
    .unwrap();
    let r = plan_with(cfg.path(), PlanOptions::default());
    assert!(r.plan.is_none());
    let d = r
        .diags
        .iter()
        .find(|d| d.summary == "Instance cannot be destroyed")
        .expect("refusal");
    let f = r.config.sources.get(d.span.as_ref().unwrap().file).unwrap();
    assert_eq!(f.line_col(d.span.as_ref().unwrap().range.start).line, 21);
    let (code, _, err) = rendered(cfg.path(), &["-detailed-exitcode"]);
    assert_eq!(code, 1);
    assert!(err.contains("main.tf:21:5"), "{err}");
    insta::assert_snapshot!("prevent_destroy_error", err);
}

#[test]
fn replace_triggered_by_follows_updates() {
    let src = r#"
variable "ami" {
  default = "ami-1"
}
resource "aws_instance" "app" {
  ami           = var.ami
  instance_type = "t3.micro"
}
resource "aws_key_pair" "k" {
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFKUdzrHl2wZlGdzufwYlsBWNeXJrkZ5Isxk0o9k1hhZ a@b"
  tags       = { app = aws_instance.app.id }
  lifecycle {
    replace_triggered_by = [aws_instance.app]
  }
}
"#;
    let cfg = applied(src);
    std::fs::write(cfg.path().join("main.tf"), src.replace("ami-1", "ami-2")).unwrap();
    let p = plan_ok(cfg.path());
    assert_eq!(action(&p, "aws_instance.app"), Action::DeleteThenCreate);
    let k = p
        .changes
        .iter()
        .find(|c| c.addr.to_string() == "aws_key_pair.k")
        .unwrap();
    assert!(k.action.is_replace(), "{:?}", k.action);
}

#[test]
fn ignore_changes_hides_drift_in_config() {
    let src = BASE.replace(
        "  tags       = { Name = var.name }\n}",
        "  tags       = { Name = var.name }\n  lifecycle {\n    ignore_changes = [tags]\n  }\n}",
    );
    let cfg = applied(&src);
    std::fs::write(
        cfg.path().join("main.tf"),
        src.replace("default = \"web\"", "default = \"other\""),
    )
    .unwrap();
    let p = plan_ok(cfg.path());
    // tags are ignored; tags_all follows the configuration's tags and is not ignored.
    let c = p
        .changes
        .iter()
        .find(|c| c.addr.to_string() == "aws_vpc.main")
        .unwrap();
    assert!(!c.changed.contains(&"tags".to_string()), "{:?}", c.changed);
    snap_both("ignore_changes", cfg.path(), &[]);
}

#[test]
fn count_resize_adds_and_removes_instances() {
    let src = "variable \"n\" {\n  default = 2\n}\nresource \"aws_vpc\" \"v\" {\n  count      = var.n\n  cidr_block = \"10.${count.index}.0.0/16\"\n}\n";
    let cfg = applied(src);
    std::fs::write(
        cfg.path().join("main.tf"),
        src.replace("default = 2", "default = 3"),
    )
    .unwrap();
    let p = plan_ok(cfg.path());
    assert_eq!(action(&p, "aws_vpc.v[2]"), Action::Create);
    assert_eq!(p.summary().add, 1);
    std::fs::write(
        cfg.path().join("main.tf"),
        src.replace("default = 2", "default = 1"),
    )
    .unwrap();
    let p = plan_ok(cfg.path());
    assert_eq!(action(&p, "aws_vpc.v[1]"), Action::Delete);
    assert_eq!(
        p.changes
            .iter()
            .find(|c| c.addr.to_string() == "aws_vpc.v[1]")
            .unwrap()
            .reason,
        Some(terrace::plan::Reason::DeleteWrongKey)
    );
}

#[test]
fn for_each_and_module_changes() {
    let files = [
        ("main.tf", "module \"net\" {\n  source = \"./net\"\n  names  = [\"a\", \"b\"]\n}\n"),
        ("net/main.tf", "variable \"names\" {\n  type = set(string)\n}\nresource \"aws_vpc\" \"v\" {\n  for_each   = var.names\n  cidr_block = \"10.0.0.0/16\"\n  tags       = { Name = each.key }\n}\n"),
    ];
    let cfg = TempConfig::new(&files);
    converge(cfg.path());
    std::fs::write(
        cfg.path().join("main.tf"),
        "module \"net\" {\n  source = \"./net\"\n  names  = [\"b\", \"c\"]\n}\n",
    )
    .unwrap();
    let p = plan_ok(cfg.path());
    assert_eq!(action(&p, "module.net.aws_vpc.v[\"a\"]"), Action::Delete);
    assert_eq!(action(&p, "module.net.aws_vpc.v[\"b\"]"), Action::NoOp);
    assert_eq!(action(&p, "module.net.aws_vpc.v[\"c\"]"), Action::Create);
    let (_, out, _) = rendered(cfg.path(), &[]);
    insta::assert_snapshot!("module_for_each_change", out);
    snap_both("module_for_each", cfg.path(), &[]);
}

#[test]
fn targets_limit_the_plan() {
    let cfg = TempConfig::new(&[("main.tf", BASE)]);
    let r = plan_with(
        cfg.path(),
        PlanOptions {
            targets: vec!["aws_subnet.a".into()],
            ..PlanOptions::default()
        },
    );
    let p = r.plan.unwrap();
    let addrs: Vec<String> = p.changes.iter().map(|c| c.addr.to_string()).collect();
    assert_eq!(addrs, ["aws_subnet.a", "aws_vpc.main"]);
    assert!(r
        .diags
        .iter()
        .any(|d| d.summary == "Resource targeting is in effect"));
}

#[test]
fn replace_option_and_destroy() {
    let cfg = applied(BASE);
    let r = plan_with(
        cfg.path(),
        PlanOptions {
            replace: vec!["aws_vpc.main".parse().unwrap()],
            ..PlanOptions::default()
        },
    );
    assert_eq!(
        action(r.plan.as_ref().unwrap(), "aws_vpc.main"),
        Action::DeleteThenCreate
    );
    let r = plan_with(
        cfg.path(),
        PlanOptions {
            destroy: true,
            ..PlanOptions::default()
        },
    );
    let p = r.plan.unwrap();
    assert_eq!(p.summary().destroy, 3);
    assert!(p.changes.iter().all(|c| c.action == Action::Delete));
}

#[test]
fn sensitive_values_never_shown() {
    let cfg = applied(BASE);
    std::fs::write(
        cfg.path().join("main.tf"),
        BASE.replace("correct-horse-battery", "new-secret-value-1"),
    )
    .unwrap();
    let p = plan_ok(cfg.path());
    assert_eq!(action(&p, "aws_db_instance.db"), Action::Update);
    let (_, out, _) = rendered(cfg.path(), &["-out=tfplan"]);
    assert!(
        out.contains("~ password") && out.contains("(sensitive value)"),
        "{out}"
    );
    let (_, json, _) = rendered(cfg.path(), &["-json"]);
    let saved = std::fs::read_to_string(cfg.path().join("tfplan")).unwrap();
    for text in [&out, &json, &saved] {
        assert!(
            !text.contains("new-secret-value-1") && !text.contains("correct-horse-battery"),
            "leak in {text}"
        );
    }
    let (_, shown, _) = terrace(cfg.path(), &["show", "-json", "tfplan"]);
    assert!(!shown.contains("new-secret-value-1") && !shown.contains("correct-horse-battery"));
    let doc: serde_json::Value = serde_json::from_str(&shown).unwrap();
    let db = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "aws_db_instance.db")
        .unwrap();
    assert_eq!(db["change"]["after_sensitive"]["password"], true);
    assert_eq!(db["change"]["after"]["password"], serde_json::Value::Null);
    snap_both("sensitive", cfg.path(), &[]);
}

#[test]
fn saved_plan_show_and_json_shape() {
    let cfg = TempConfig::new(&[("main.tf", BASE)]);
    let (code, _, err) = rendered(cfg.path(), &["-out=tfplan"]);
    assert_eq!(code, 0, "{err}");
    let (code, shown, _) = terrace(cfg.path(), &["show", "-no-color", "tfplan"]);
    assert_eq!(code, 0);
    assert!(shown.contains("Plan: 3 to add"), "{shown}");
    let (_, json, _) = terrace(cfg.path(), &["show", "-json", "tfplan"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["format_version"], "1.2");
    let vpc = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "aws_vpc.main")
        .unwrap();
    assert_eq!(vpc["change"]["actions"], serde_json::json!(["create"]));
    assert_eq!(vpc["change"]["after"]["cidr_block"], "10.0.0.0/16");
    assert_eq!(vpc["change"]["after_unknown"]["id"], true);
    assert_eq!(
        doc["planned_values"]["root_module"]["resources"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let (code, _, err) = terrace(cfg.path(), &["show", "nonexistent.plan"]);
    assert_eq!(code, 1);
    assert!(err.contains("nonexistent.plan"), "{err}");
}

#[test]
fn three_tier_first_plan() {
    crate::support::moto_url();
    let dir = repo().join("examples/three-tier");
    let (code, out, err) = terrace(
        &dir,
        &[
            "plan",
            "-no-color",
            "-lock=false",
            "-var-file=sandbox.tfvars",
            "-detailed-exitcode",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        out.contains("module.database.migration.schema will run 3 migrations"),
        "{out}"
    );
    insta::assert_snapshot!("three_tier_first_plan", out);
    let (code, _, err) = terrace(
        &dir,
        &[
            "plan",
            "-out=first.tfplan",
            "-lock=false",
            "-var-file=sandbox.tfvars",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, json, err) = terrace(&dir, &["show", "-json", "first.tfplan"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let creates = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"]["actions"] == serde_json::json!(["create"]))
        .count();
    assert_eq!(creates, 43);
    assert_eq!(doc["migrations"][0]["pending"].as_array().unwrap().len(), 3);
    assert!(
        doc["configuration"]["root_module"]["module_calls"]["network"]["module"]["resources"]
            .as_array()
            .is_some()
    );
}

#[test]
fn plan_json_streams_terraform_ui_messages() {
    let cfg = TempConfig::new(&[(
        "main.tf",
        "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\noutput \"vpc\" {\n  value = aws_vpc.main.id\n}\n",
    )]);
    let (code, out, err) = rendered(cfg.path(), &["-json"]);
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    for l in &lines {
        for k in ["@level", "@message", "@module", "@timestamp", "type"] {
            assert!(l.get(k).is_some(), "{k} missing in {l}");
        }
    }
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["version", "planned_change", "change_summary", "outputs"]
    );
    assert_eq!(lines[1]["change"]["resource"]["addr"], "aws_vpc.main");
    assert_eq!(lines[1]["change"]["action"], "create");
    assert_eq!(lines[2]["changes"]["add"], 1);
    assert_eq!(lines[2]["changes"]["operation"], "plan");
    assert_eq!(lines[3]["outputs"]["vpc"]["action"], "create");

    // Errors are diagnostic messages on the same stream, with their source range.
    std::fs::write(
        cfg.path().join("main.tf"),
        "resource \"aws_vpc\" \"main\" {\n  cidr_blok = \"10.0.0.0/16\"\n}\n",
    )
    .unwrap();
    let (code, out, _) = rendered(cfg.path(), &["-json"]);
    assert_eq!(code, 1);
    let diag: serde_json::Value = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["type"] == "diagnostic")
        .unwrap_or_else(|| panic!("no diagnostic message: {out}"));
    assert_eq!(diag["@level"], "error");
    assert_eq!(diag["diagnostic"]["range"]["start"]["line"], 2);
    assert!(diag["diagnostic"]["range"]["filename"]
        .as_str()
        .unwrap()
        .ends_with("main.tf"));
}

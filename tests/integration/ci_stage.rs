//! What pipelines and reviewers read from a saved plan (`show -json`, `--format markdown`,
//! `--format gitlab`), and the CI templates of examples/ci run command by command on moto so
//! they cannot rot.

use crate::support::{terrace, TempConfig};
use std::path::Path;
use terrace::ops::{self, PlanCmdOptions, Workspace};
use terrace::plan::simulate::record_plan;
use terrace::state::State;

#[path = "ci_templates.rs"]
mod ci_templates;

/// The configuration before the change under review: a VPC, two subnets and a database
/// whose password is a literal (sensitive through the schema).
const BEFORE: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "web" }
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_subnet" "old" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.9.0/24"
}
resource "aws_db_instance" "legacy" {
  identifier        = "legacy"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "app"
  password          = "literal-secret-before"
}
"#;

/// The change: the VPC's tags (update), the subnet's range (replace), the old subnet
/// removed (delete), the literal password changed (update of a sensitive attribute), a new
/// database whose password is a sensitive variable (create) with a migration block.
const AFTER: &str = r#"
variable "db_password" {
  type      = string
  default   = "variable-secret-after"
  sensitive = true
}
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "web2" }
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.2.0/24"
}
resource "aws_db_instance" "legacy" {
  identifier        = "legacy"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "app"
  password          = "literal-secret-after"
}
resource "aws_db_instance" "app" {
  identifier        = "app"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  db_name           = "app"
  username          = "app"
  password          = var.db_password
}
migration "schema" {
  database = aws_db_instance.app
  source   = "./migrations"
}
"#;

const SECRETS: [&str; 3] = [
    "literal-secret-before",
    "literal-secret-after",
    "variable-secret-after",
];

/// Fakes applies of the configuration in `dir` until its plan is empty, writing the state.
fn converge(dir: &Path) {
    let ws = Workspace {
        dir: dir.to_path_buf(),
        name: "default".into(),
        env: Vec::new(),
    };
    let mut state = State::new();
    for _ in 0..5 {
        let r = ops::plan(&ws, &PlanCmdOptions::default());
        assert!(!r.diags.has_errors(), "{:?}", r.diags);
        let p = r.plan.expect("a plan");
        if !p.has_changes() {
            return;
        }
        record_plan(&p, &mut state);
        std::fs::create_dir_all(dir.join("state")).unwrap();
        std::fs::write(
            dir.join("state/default.tfstate.json"),
            serde_json::to_string_pretty(&state).unwrap(),
        )
        .unwrap();
    }
    panic!("fake apply did not converge");
}

/// A directory with [`BEFORE`] applied (fake) and changed to [`AFTER`], and `tfplan` saved
/// from it without any cloud (`-refresh=false`).
fn saved_plan() -> TempConfig {
    let cfg = TempConfig::new(&[("main.tf", BEFORE)]);
    converge(cfg.path());
    std::fs::write(cfg.path().join("main.tf"), AFTER).unwrap();
    let m = cfg.path().join("migrations");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        m.join("V1__create_users.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    )
    .unwrap();
    std::fs::write(
        m.join("R__views.sql"),
        "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
    )
    .unwrap();
    let (code, out, err) = terrace(
        cfg.path(),
        &["plan", "-no-color", "-refresh=false", "-out=tfplan"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("Plan: 2 to add, 2 to change, 2 to destroy, 2 migrations to run."),
        "{out}"
    );
    cfg
}

fn show(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["show"];
    all.extend_from_slice(args);
    let (code, out, err) = terrace(dir, &all);
    assert_eq!(code, 0, "show {args:?}:\n{out}\n{err}");
    for s in SECRETS {
        assert!(!out.contains(s), "show {args:?} prints {s}:\n{out}");
    }
    out
}

/// Fake ids from the simulated applies, whatever their spelling.
fn filtered(f: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"fake-[A-Za-z0-9_.\[\]-]+", "[id]");
    settings.bind(f);
}

#[test]
fn show_markdown_of_a_saved_plan() {
    let cfg = saved_plan();
    let md = show(cfg.path(), &["--format", "markdown", "tfplan"]);
    assert!(
        md.starts_with("### Plan: 2 to add, 2 to change, 2 to destroy, 2 migrations to run.\n"),
        "{md}"
    );
    filtered(|| insta::assert_snapshot!("show_markdown", md));
}

#[test]
fn show_gitlab_report_of_a_saved_plan() {
    let cfg = saved_plan();
    let report = show(cfg.path(), &["-format=gitlab", "tfplan"]);
    // A replacement counts in create and in delete, as GitLab's jq filter counts it.
    insta::assert_snapshot!("show_gitlab", report);
    let doc: serde_json::Value = serde_json::from_str(&report).unwrap();
    let plan: serde_json::Value =
        serde_json::from_str(&show(cfg.path(), &["-json", "tfplan"])).unwrap();
    let actions: Vec<&str> = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["change"]["actions"].as_array().unwrap())
        .map(|a| a.as_str().unwrap())
        .collect();
    for key in ["create", "update", "delete"] {
        let n = actions.iter().filter(|a| **a == key).count();
        assert_eq!(doc[key], n, "{key}: {report}");
    }
    assert_eq!(
        doc,
        serde_json::json!({"create": 2, "update": 2, "delete": 2})
    );
}

#[test]
fn show_json_of_a_saved_plan_marks_sensitive_values() {
    let cfg = saved_plan();
    // Every format, the saved plan file itself included, is free of the secrets.
    let human = show(cfg.path(), &["-no-color", "tfplan"]);
    // The saved plan keeps the marks only, yet the changed password is shown as changed.
    assert!(
        human.contains("      ~ password = (sensitive value)\n"),
        "{human}"
    );
    let saved = std::fs::read_to_string(cfg.path().join("tfplan")).unwrap();
    for s in SECRETS {
        assert!(!saved.contains(s), "the plan file holds {s}");
    }
    let doc: serde_json::Value =
        serde_json::from_str(&show(cfg.path(), &["-json", "tfplan"])).unwrap();
    let change = |addr: &str| {
        doc["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == addr)
            .unwrap_or_else(|| panic!("no change for {addr}: {doc:#}"))["change"]
            .clone()
    };
    // A sensitive attribute (through the schema), changed: marked on both sides, no value.
    let legacy = change("aws_db_instance.legacy");
    assert_eq!(legacy["actions"], serde_json::json!(["update"]));
    assert_eq!(legacy["before_sensitive"]["password"], true, "{legacy:#}");
    assert_eq!(legacy["after_sensitive"]["password"], true, "{legacy:#}");
    assert_eq!(legacy["before"]["password"], serde_json::Value::Null);
    assert_eq!(legacy["after"]["password"], serde_json::Value::Null);
    // Marks name only the sensitive attributes.
    assert!(
        legacy["after_sensitive"].get("username").is_none(),
        "{legacy:#}"
    );
    assert_eq!(legacy["after"]["username"], "app");
    // A sensitive variable, in a created object.
    let app = change("aws_db_instance.app");
    assert_eq!(app["actions"], serde_json::json!(["create"]));
    assert_eq!(app["before_sensitive"], false);
    assert_eq!(app["after_sensitive"]["password"], true, "{app:#}");
    assert_eq!(app["after"]["password"], serde_json::Value::Null);
    // The planned values carry the same marks.
    let planned = doc["planned_values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "aws_db_instance.app")
        .unwrap();
    assert_eq!(planned["sensitive_values"]["password"], true);
    assert_eq!(planned["values"]["password"], serde_json::Value::Null);
    // The Terrace extension lists the pending migrations.
    let pending: Vec<&str> = doc["migrations"][0]["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["description"].as_str().unwrap())
        .collect();
    assert_eq!(pending, ["create users", "views"]);
    // The configuration section (the plan's own configuration is in the directory) keeps
    // the literal password's place, not its value.
    let legacy_cfg = doc["configuration"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "aws_db_instance.legacy")
        .unwrap_or_else(|| panic!("no configuration: {doc:#}"));
    assert_eq!(legacy_cfg["expressions"]["password"], serde_json::json!({}));
    assert_eq!(
        legacy_cfg["expressions"]["username"]["constant_value"],
        "app"
    );
    // Elsewhere (a job that downloaded only the plan) the section is left out, saying so.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::copy(cfg.path().join("tfplan"), elsewhere.path().join("tfplan")).unwrap();
    let (code, out, err) = terrace(elsewhere.path(), &["show", "-json", "tfplan"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(doc.get("configuration").is_none(), "{out}");
    assert!(doc["resource_changes"]
        .as_array()
        .is_some_and(|c| !c.is_empty()));
    assert!(err.contains("configuration section is left out"), "{err}");
}

#[test]
fn show_json_configuration_keeps_sensitive_module_inputs_out() {
    let cfg = TempConfig::new(&[
        (
            "main.tf",
            "module \"db\" {\n  source   = \"./db\"\n  password = \"module-input-secret\"\n  name     = \"app\"\n}\n",
        ),
        (
            "db/main.tf",
            "variable \"password\" {\n  type      = string\n  sensitive = true\n}\nvariable \"name\" {\n  type = string\n}\nresource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.0.0.0/16\"\n  tags       = { Name = var.name }\n}\n",
        ),
    ]);
    let (code, out, err) = terrace(cfg.path(), &["plan", "-refresh=false", "-out=tfplan"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, json, err) = terrace(cfg.path(), &["show", "-json", "tfplan"]);
    assert_eq!(code, 0, "{err}");
    assert!(!json.contains("module-input-secret"), "{json}");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let inputs = &doc["configuration"]["root_module"]["module_calls"]["db"]["expressions"];
    assert_eq!(inputs["password"], serde_json::json!({}), "{json}");
    assert_eq!(inputs["name"]["constant_value"], "app", "{json}");
}

#[test]
fn show_formats_conflict_and_need_a_plan() {
    let cfg = saved_plan();
    let (code, _, err) = terrace(
        cfg.path(),
        &["show", "-json", "--format", "markdown", "tfplan"],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("-json and --format markdown conflict"),
        "{err}"
    );
    let (code, _, err) = terrace(cfg.path(), &["show", "--format", "gitlab"]);
    assert_eq!(code, 1);
    assert!(err.contains("give the plan file"), "{err}");
    // `-json` and `--format json` are one format.
    assert_eq!(
        show(cfg.path(), &["-json", "tfplan"]),
        show(cfg.path(), &["--format", "json", "tfplan"])
    );
}

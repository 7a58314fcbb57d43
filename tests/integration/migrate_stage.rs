//! The migration stage in plan and apply. Plan: pending migrations come from the database's
//! history table when it answers, disagreements fail the plan naming the file, and an
//! unreachable database is a warning with the state's record as the fallback. Apply:
//! resources that depend on a migration block start after it, and are skipped when it
//! fails; the next apply retries the stage. The database
//! instance is created on moto; the migration block reaches the real PostgreSQL started by
//! scripts/test.sh through its `host`/`port` overrides.

use crate::migrate_cmd::{fresh_pg, Server};
use crate::support::{copy_dir, moto_url, terrace, TempConfig};
use std::path::Path;

fn config(region: &str, s: &Server, db: &str) -> String {
    config_with(region, s, db, "")
}

/// [`config`] with `extra` blocks appended.
fn config_with(region: &str, s: &Server, db: &str, extra: &str) -> String {
    format!(
        r#"provider "aws" {{
  region = "{region}"
}}
variable "db_password" {{
  type      = string
  sensitive = true
}}
variable "db_port" {{
  type    = number
  default = {port}
}}
resource "aws_db_instance" "app" {{
  identifier          = "plan-{pid}"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  db_name             = "{db}"
  username            = "{user}"
  password            = var.db_password
  skip_final_snapshot = true
}}
migration "app_schema" {{
  database = aws_db_instance.app
  source   = "./migrations"
  host     = "{host}"
  port     = var.db_port
}}
{extra}"#,
        port = s.port,
        user = s.user,
        host = s.host,
        // Unique per run: a moto kept between local runs still knows earlier instances.
        pid = std::process::id(),
    )
}

const V1: (&str, &str) = (
    "migrations/V1__create_users.sql",
    "CREATE TABLE users (id int PRIMARY KEY);\n",
);
const V2: (&str, &str) = (
    "migrations/V2__add_email.sql",
    "ALTER TABLE users ADD COLUMN email text;\n",
);
const V3: (&str, &str) = (
    "migrations/V3__add_name.sql",
    "ALTER TABLE users ADD COLUMN name text;\n",
);

fn write(dir: &Path, (name, text): (&str, &str)) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// `terrace` with `-var db_password=...` and any further `-var`s appended.
fn run(dir: &Path, args: &[&str], s: &Server, vars: &[String]) -> (i32, String, String) {
    let pw = format!("db_password={}", s.password);
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-var", &pw]);
    for v in vars {
        all.extend(["-var", v]);
    }
    terrace(dir, &all)
}

#[test]
fn plan_reads_pending_migrations_from_the_database() {
    moto_url();
    let (s, db) = fresh_pg("plan_history");
    let main = config("me-south-1", &s, &db);
    let here = TempConfig::new(&[("main.tf", main.as_str()), V1]);
    let (code, out, err) = run(here.path(), &["apply", "-auto-approve"], &s, &[]);
    assert_eq!(code, 0, "{out}{err}");

    // Another runner with a copy of the state migrates the same database: this state's
    // record knows only V1, but plan asks the database.
    let elsewhere = tempfile::tempdir().unwrap();
    copy_dir(here.path(), elsewhere.path());
    std::fs::create_dir(elsewhere.path().join("state")).unwrap();
    std::fs::copy(
        here.path().join("state/default.tfstate.json"),
        elsewhere.path().join("state/default.tfstate.json"),
    )
    .unwrap();
    for d in [here.path(), elsewhere.path()] {
        write(d, V2);
        write(d, V3);
    }
    let (code, out, err) = run(elsewhere.path(), &["migrate", "up", "--to", "2"], &s, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(here.path(), &["plan", "-no-color"], &s, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let target = format!("postgres://{}@{}:{}/{db}", s.user, s.host, s.port);
    assert!(
        out.contains(&format!(
            "migration.app_schema will run 1 migration (from the history table of {target})"
        )),
        "{out}"
    );
    assert!(out.contains("+ V3 add name"), "{out}");
    assert!(!out.contains("+ V2 add email"), "{out}");

    // An applied file changed: plan fails, naming the file and pointing at the block.
    write(
        here.path(),
        (V2.0, "ALTER TABLE users ADD COLUMN email varchar(200);\n"),
    );
    let (code, out, err) = run(here.path(), &["plan", "-no-color"], &s, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("Migrations disagree with the history"),
        "{err}"
    );
    assert!(err.contains("V2__add_email.sql"), "{err}");
    assert!(err.contains("was changed after it was applied"), "{err}");
    assert!(
        err.contains("main.tf:"),
        "the error points at the block: {err}"
    );
}

#[test]
fn plan_warns_when_the_database_cannot_be_reached() {
    moto_url();
    let (s, db) = fresh_pg("plan_unreachable");
    let main = config("il-central-1", &s, &db);
    let cfg = TempConfig::new(&[("main.tf", main.as_str()), V1]);
    let (code, out, err) = run(cfg.path(), &["apply", "-auto-approve"], &s, &[]);
    assert_eq!(code, 0, "{out}{err}");
    write(cfg.path(), V2);
    // A port nothing listens on: bind one, note it, let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, out, err) = run(
        cfg.path(),
        &["plan", "-no-color"],
        &s,
        &[format!("db_port={port}")],
    );
    assert_eq!(code, 0, "{out}{err}");
    let all = format!("{out}{err}");
    assert!(all.contains("Cannot read the migration history"), "{all}");
    assert!(all.contains(&format!(":{port}/{db}")), "{all}");
    assert!(
        out.contains("migration.app_schema will run 1 migration (from the migration history recorded in state"),
        "{out}"
    );
    assert!(out.contains("+ V2 add email"), "{out}");
}

#[test]
fn dependents_of_a_migration_wait_for_it_and_are_skipped_when_it_fails() {
    moto_url();
    let (s, db) = fresh_pg("stage_dependents");
    let after = r#"
resource "aws_vpc" "after_schema" {
  cidr_block = "10.42.0.0/16"
  depends_on = [migration.app_schema]
}
"#;
    let main = config_with("ap-east-1", &s, &db, after);
    let cfg = TempConfig::new(&[
        ("main.tf", main.as_str()),
        V1,
        (
            "migrations/V2__broken.sql",
            "ALTER TABLE nope ADD COLUMN x int;\n",
        ),
    ]);
    let d = cfg.path();
    let (code, out, err) = run(d, &["apply", "-auto-approve", "-no-color"], &s, &[]);
    assert_eq!(code, 1, "a failed migration fails the apply:\n{out}\n{err}");
    assert!(
        err.contains("V2__broken.sql"),
        "the error names the file: {err}"
    );
    assert!(
        err.contains("aws_vpc.after_schema: not attempted: migration.app_schema failed"),
        "{err}"
    );
    let state = || -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(d.join("state/default.tfstate.json")).unwrap(),
        )
        .unwrap()
    };
    let st = state();
    let resources = st["resources"].as_array().unwrap();
    let types: Vec<&str> = resources
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["aws_db_instance"], "only the database exists: {st}");
    assert_ne!(resources[0]["tainted"], true, "the database was tainted");
    // PostgreSQL rolled V2 back; V1 is recorded, V2 is not.
    let versions = |st: &serde_json::Value| -> Vec<String> {
        st["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["success"] == true)
            .map(|m| m["version"].as_str().unwrap_or("R").to_string())
            .collect()
    };
    assert_eq!(versions(&st), ["1"], "{st}");

    // Fixed, the next apply retries the stage, then creates what waited for it.
    write(
        d,
        ("migrations/V2__broken.sql", "CREATE TABLE nope (x int);\n"),
    );
    let (code, out, err) = run(d, &["apply", "-auto-approve", "-no-color"], &s, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let line_of = |needle: &str| {
        out.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?}:\n{out}"))
    };
    assert!(
        line_of("migration.app_schema: Migrations complete after")
            < line_of("aws_vpc.after_schema: Creating..."),
        "{out}"
    );
    assert_eq!(versions(&state()), ["1", "2"]);
}

//! `snapshot_before = true`: `terrace apply` snapshots the migration block's database
//! instance (on moto) before pending migrations run (on the test PostgreSQL, reached through
//! the block's overrides), and only then. Every test has an instance identifier of its own
//! in a region no other test uses.

use crate::migrate_cmd::{fresh_pg, Server};
use crate::support::{copy_dir, moto_url, terrace, TempConfig};
use aws_sdk_rds::types::DbSnapshot;
use serde_json::Value as Json;
use std::path::Path;

const REGION: &str = "af-south-1";

/// An instance identifier unique to this test and run (moto outlives test runs).
fn identifier(test: &str) -> String {
    format!("snap-{test}-{}", std::process::id() % 100_000)
}

/// One `aws_db_instance` on moto, and a migration block over it that reaches the database
/// `db` of the test PostgreSQL through its overrides; `snapshot_before` as given.
fn config(id: &str, s: &Server, db: &str, snapshot_before: Option<bool>) -> String {
    let snapshot = snapshot_before.map_or(String::new(), |b| format!("snapshot_before = {b}"));
    format!(
        r#"
provider "aws" {{
  region = "{REGION}"
}}

resource "aws_db_instance" "db" {{
  identifier          = "{id}"
  engine              = "postgres"
  engine_version      = "16.3"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  db_name             = "app"
  username            = "app"
  password            = "snapshot-Passw0rd"
  skip_final_snapshot = true
}}

migration "schema" {{
  database      = aws_db_instance.db
  source        = "./migrations"
  engine        = "postgres"
  host          = "{host}"
  port          = {port}
  username      = "{user}"
  password      = "{password}"
  database_name = "{db}"
  tls           = "disable"
  {snapshot}
}}
"#,
        host = s.host,
        port = s.port,
        user = s.user,
        password = s.password,
    )
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// An RDS client for moto in [`REGION`].
async fn rds() -> aws_sdk_rds::Client {
    let url = moto_url();
    let settings = terrace::provider::aws::AwsSettings {
        region: Some(REGION.into()),
        access_key: Some("testing".into()),
        secret_key: Some("testing".into()),
        endpoint_ec2: Some(url.clone()),
        endpoint_rds: Some(url),
        ..Default::default()
    };
    terrace::provider::aws::AwsClients::new(&settings).await.rds
}

/// The manual snapshots of instance `id`, oldest first.
fn snapshots(id: &str) -> Vec<DbSnapshot> {
    block_on(async {
        let out = rds()
            .await
            .describe_db_snapshots()
            .db_instance_identifier(id)
            .snapshot_type("manual")
            .send()
            .await
            .expect("DescribeDBSnapshots");
        let mut s = out.db_snapshots().to_vec();
        s.sort_by(|a, b| a.db_snapshot_identifier().cmp(&b.db_snapshot_identifier()));
        s
    })
}

/// The tags of the snapshot `arn`.
fn tags(arn: &str) -> Vec<(String, String)> {
    block_on(async {
        let out = rds()
            .await
            .list_tags_for_resource()
            .resource_name(arn)
            .send()
            .await
            .expect("ListTagsForResource");
        out.tag_list()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect()
    })
}

/// The versions the database's history records as applied successfully.
fn applied(dir: &Path) -> Vec<String> {
    let (code, out, err) = terrace(dir, &["migrate", "history", "-json"]);
    assert_eq!(code, 0, "migrate history failed:\n{out}\n{err}");
    let rows: Vec<Json> = serde_json::from_str(&out).expect("history -json is a JSON array");
    rows.iter()
        .filter(|r| r["success"] == true)
        .map(|r| r["version"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn apply(dir: &Path, extra: &[&str]) -> (String, String) {
    let args: Vec<&str> = ["apply", "-auto-approve", "-no-color"]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    let (code, out, err) = terrace(dir, &args);
    assert_eq!(code, 0, "apply failed:\n{out}\n{err}");
    (out, err)
}

fn write(dir: &Path, name: &str, sql: &str) {
    std::fs::write(dir.join("migrations").join(name), sql).unwrap();
}

#[test]
fn snapshots_before_pending_migrations_only() {
    moto_url();
    let id = identifier("pending");
    let (s, db) = fresh_pg("snapshot_pending");
    let cfg = TempConfig::new(&[
        ("main.tf", &config(&id, &s, &db, Some(true))),
        (
            "migrations/V1__create_users.sql",
            "CREATE TABLE users (id int PRIMARY KEY);\n",
        ),
    ]);
    let d = cfg.path();

    // First apply: the instance, then one snapshot of it, then V1.
    let (out, _) = apply(d, &[]);
    let taken = snapshots(&id);
    assert_eq!(taken.len(), 1, "{taken:?}\n{out}");
    let snap = &taken[0];
    let snap_id = snap.db_snapshot_identifier().unwrap();
    assert!(
        snap_id.starts_with(&format!("{id}-terrace-schema-")),
        "{snap_id}"
    );
    assert_eq!(snap.status(), Some("available"));
    assert!(
        out.contains(&format!("snapshot {snap_id} created")),
        "the progress does not name the snapshot:\n{out}"
    );
    assert!(tags(snap.db_snapshot_arn().unwrap())
        .contains(&("terrace:migration".into(), "migration.schema".into())));
    assert_eq!(applied(d), ["1"]);

    // Nothing pending: no snapshot.
    apply(d, &[]);
    assert_eq!(snapshots(&id).len(), 1);

    // The plan lists V2, but another run applies it before the stage starts: the stage finds
    // nothing pending and takes no snapshot.
    write(
        d,
        "V2__add_email.sql",
        "ALTER TABLE users ADD COLUMN email text;\n",
    );
    let (code, out, err) = terrace(d, &["plan", "-no-color", "-out=tfplan"]);
    assert_eq!(code, 0, "plan failed:\n{out}\n{err}");
    let other = tempfile::tempdir().unwrap();
    copy_dir(d, other.path());
    // With a copy of the state, as a second runner reading the same state would have.
    std::fs::create_dir_all(other.path().join("state")).unwrap();
    std::fs::copy(
        d.join("state/default.tfstate.json"),
        other.path().join("state/default.tfstate.json"),
    )
    .unwrap();
    // `terrace migrate up` honours snapshot_before as the stage does: a snapshot first.
    let (code, out, err) = terrace(other.path(), &["migrate", "up", "-no-color"]);
    assert_eq!(code, 0, "migrate up failed:\n{out}\n{err}");
    let taken = snapshots(&id);
    assert_eq!(taken.len(), 2, "{taken:?}\n{out}");
    let by_migrate_up = taken
        .iter()
        .filter_map(|t| t.db_snapshot_identifier())
        .find(|t| *t != snap_id)
        .unwrap()
        .to_string();
    assert!(
        out.contains(&format!(
            "snapshot {by_migrate_up} created before migrating"
        )),
        "{out}"
    );
    apply(d, &["tfplan"]);
    assert_eq!(snapshots(&id).len(), 2);
    assert_eq!(applied(d), ["1", "2"]);

    // A new pending migration: a second snapshot, distinct from the first.
    write(
        d,
        "V3__add_name.sql",
        "ALTER TABLE users ADD COLUMN name text;\n",
    );
    let (out, _) = apply(d, &[]);
    let taken = snapshots(&id);
    assert_eq!(taken.len(), 3, "{taken:?}\n{out}");
    assert_eq!(applied(d), ["1", "2", "3"]);
    // Nothing pending: migrate up takes no snapshot either.
    let (code, out, err) = terrace(d, &["migrate", "up", "-no-color"]);
    assert_eq!(code, 0, "migrate up failed:\n{out}\n{err}");
    assert!(out.contains("up to date"), "{out}");
    assert_eq!(snapshots(&id).len(), 3);
}

#[test]
fn no_snapshot_without_snapshot_before() {
    moto_url();
    let id = identifier("unset");
    let (s, db) = fresh_pg("snapshot_unset");
    let cfg = TempConfig::new(&[
        ("main.tf", &config(&id, &s, &db, None)),
        (
            "migrations/V1__create_users.sql",
            "CREATE TABLE users (id int PRIMARY KEY);\n",
        ),
    ]);
    let (out, _) = apply(cfg.path(), &[]);
    assert!(!out.contains("creating snapshot"), "{out}");
    assert_eq!(snapshots(&id).len(), 0);
    assert_eq!(applied(cfg.path()), ["1"]);
}

#[test]
fn a_failed_snapshot_stops_the_migrations() {
    moto_url();
    let id = identifier("failed");
    let (s, db) = fresh_pg("snapshot_failed");
    let cfg = TempConfig::new(&[
        ("main.tf", &config(&id, &s, &db, Some(true))),
        (
            "migrations/V1__create_users.sql",
            "CREATE TABLE users (id int PRIMARY KEY);\n",
        ),
    ]);
    let d = cfg.path();
    apply(d, &[]);
    assert_eq!(snapshots(&id).len(), 1);
    // The instance goes away behind Terrace's back; without a refresh the plan still has it,
    // so the stage runs and its snapshot fails.
    block_on(async {
        rds()
            .await
            .delete_db_instance()
            .db_instance_identifier(&id)
            .skip_final_snapshot(true)
            .send()
            .await
            .expect("DeleteDBInstance");
    });
    write(
        d,
        "V2__add_email.sql",
        "ALTER TABLE users ADD COLUMN email text;\n",
    );
    let (code, out, err) = terrace(d, &["apply", "-auto-approve", "-json", "-refresh=false"]);
    assert_eq!(
        code, 1,
        "a failed migration stage fails the apply:\n{out}\n{err}"
    );
    let errors: Vec<String> = out
        .lines()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
        .filter(|e| e["type"] == "migration_errored")
        .map(|e| {
            e["migration"]["error"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let [error] = errors.as_slice() else {
        panic!("expected one migration_errored event:\n{out}\n{err}");
    };
    assert!(
        error.contains(&format!("{id}-terrace-schema-"))
            && error.contains(&format!("({id})"))
            && error.contains("no migration ran"),
        "the error does not name the snapshot and the instance: {error}"
    );
    assert_eq!(applied(d), ["1"], "a migration ran without its snapshot");
    let state: terrace::state::State = serde_json::from_str(
        &std::fs::read_to_string(d.join("state/default.tfstate.json")).unwrap(),
    )
    .unwrap();
    let instance = state
        .resources
        .iter()
        .find(|r| r.type_name == "aws_db_instance")
        .expect("the instance stays in state");
    assert!(!instance.tainted, "the database instance was tainted");
    // migrate up refuses the same way: no snapshot, no migration.
    let (code, out, err) = terrace(d, &["migrate", "up", "-no-color"]);
    assert_eq!(code, 1, "migrate up without its snapshot:\n{out}\n{err}");
    assert!(
        err.contains("Cannot snapshot the database") && err.contains("no migration ran"),
        "{err}"
    );
    assert_eq!(applied(d), ["1"], "a migration ran without its snapshot");
}

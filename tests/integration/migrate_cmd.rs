//! `terrace migrate status|up|down|history|repair`, run as the binary against real
//! PostgreSQL and MariaDB servers (started by scripts/test.sh; see `pg_url` / `mysql_url`).
//! Each test works in a database of its own, created here, and a configuration whose
//! database instance is in a hand-written state (or reached through the block's overrides).

use crate::support::{mysql_url, pg_url, TempConfig};
use serde_json::Value as Json;
use sqlx::{ConnectOptions, Connection};
use std::path::Path;
use std::process::Command;

/// A server's URL split up: (user, password, host, port, database).
pub(crate) struct Server {
    pub user: String,
    pub password: String,
    pub host: String,
    pub port: u16,
    pub db: String,
}

pub(crate) fn server(url: &str) -> Server {
    let rest = url.split_once("://").expect("scheme").1;
    let (auth, rest) = rest.rsplit_once('@').expect("user@host");
    let (user, password) = auth.split_once(':').expect("user:password");
    let (hostport, db) = rest.split_once('/').expect("/database");
    let (host, port) = hostport.rsplit_once(':').expect("host:port");
    Server {
        user: user.into(),
        password: password.into(),
        host: host.into(),
        port: port.parse().expect("port"),
        db: db.into(),
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Runs `sql` on the server's own database (`db` = None) or on `db`.
pub(crate) fn pg_exec(s: &Server, db: Option<&str>, sql: &str) {
    block_on(async {
        let mut c = sqlx::postgres::PgConnectOptions::new_without_pgpass()
            .host(&s.host)
            .port(s.port)
            .username(&s.user)
            .password(&s.password)
            .database(db.unwrap_or(&s.db))
            .connect()
            .await
            .expect("connect to PostgreSQL");
        sqlx::raw_sql(sql)
            .execute(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let _ = c.close().await;
    })
}

fn mysql_exec(s: &Server, db: Option<&str>, sql: &str) {
    block_on(async {
        let mut c = sqlx::mysql::MySqlConnectOptions::new()
            .host(&s.host)
            .port(s.port)
            .username(&s.user)
            .password(&s.password)
            .database(db.unwrap_or(&s.db))
            .connect()
            .await
            .expect("connect to MariaDB");
        sqlx::raw_sql(sql)
            .execute(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let _ = c.close().await;
    })
}

/// A fresh PostgreSQL database named after the test.
pub(crate) fn fresh_pg(name: &str) -> (Server, String) {
    let s = server(&pg_url());
    let db = format!("terrace_c_{name}");
    pg_exec(
        &s,
        None,
        &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
    );
    pg_exec(&s, None, &format!("CREATE DATABASE {db}"));
    (s, db)
}

fn fresh_mysql(name: &str) -> (Server, String) {
    let s = server(&mysql_url());
    let db = format!("terrace_c_{name}");
    mysql_exec(&s, None, &format!("DROP DATABASE IF EXISTS {db}"));
    mysql_exec(&s, None, &format!("CREATE DATABASE {db}"));
    (s, db)
}

/// Runs the binary in `dir` with `env` added; the audit identity is fixed
/// (`tester (GitLab CI)`), and no password comes from the caller's environment.
pub(crate) fn terrace(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_terrace"));
    c.args(args)
        .current_dir(dir)
        .env_remove("TF_WORKSPACE")
        .env_remove("PGPASSWORD")
        .env_remove("MYSQL_PWD")
        .env("NO_COLOR", "1")
        .env("GITLAB_USER_LOGIN", "tester");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run terrace");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A state holding one `aws_db_instance` at `address` with attributes pointing at `s`/`db`.
pub(crate) fn state_with_instance(address: &str, s: &Server, db: &str, engine: &str) -> String {
    serde_json::json!({
        "version": 1,
        "terrace_version": "0.1.0",
        "lineage": "0d4c1f2e-5b6a-4c7d-8e9f-0a1b2c3d4e5f",
        "serial": 1,
        "resources": [{
            "address": address,
            "mode": "managed",
            "type": "aws_db_instance",
            "provider_id": "app-db",
            "attributes": {
                "identifier": "app-db", "address": s.host, "port": s.port,
                "username": s.user, "db_name": db, "engine": engine, "password": s.password
            },
            "sensitive_attributes": [["password"]]
        }]
    })
    .to_string()
}

fn state_migrations(dir: &Path) -> Vec<Json> {
    let text = std::fs::read_to_string(dir.join("state/default.tfstate.json")).expect("state");
    let st: Json = serde_json::from_str(&text).unwrap();
    st["migrations"].as_array().cloned().unwrap_or_default()
}

pub(crate) const DB_INSTANCE: &str = r#"
resource "aws_db_instance" "app" {
  identifier          = "app-db"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  db_name             = "app"
  username            = "app"
  password            = "not-the-one-in-state"
  skip_final_snapshot = true
}
"#;

/// The status table's line for `description`, split into cells.
fn status_line(stdout: &str, description: &str) -> Vec<String> {
    let line = stdout
        .lines()
        .find(|l| l.contains(description))
        .unwrap_or_else(|| panic!("no line for {description:?} in\n{stdout}"));
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn status_up_and_history_with_the_instance_from_state() {
    let (s, db) = fresh_pg("status_up_history");
    let main = format!(
        "{DB_INSTANCE}
variable \"db_password\" {{
  type      = string
  sensitive = true
}}
migration \"app_schema\" {{
  database = aws_db_instance.app
  source   = \"./migrations\"
  password = var.db_password
}}
"
    );
    let state = state_with_instance("aws_db_instance.app", &s, &db, "postgres");
    let cfg = TempConfig::new(&[
        ("main.tf", &main),
        ("state/default.tfstate.json", &state),
        (
            "migrations/V1__create_users.sql",
            "CREATE TABLE users (id int PRIMARY KEY);\n",
        ),
        (
            "migrations/V2__add_email.sql",
            "ALTER TABLE users ADD COLUMN email text;\n",
        ),
        (
            "migrations/R__user_view.sql",
            "CREATE OR REPLACE VIEW user_emails AS SELECT email FROM users;\n",
        ),
    ]);
    let d = cfg.path();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(d)
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "config"]);
    let head = git(&["rev-parse", "HEAD"]);
    let pw = format!("db_password={}", s.password);

    let (code, out, err) = terrace(d, &["migrate", "status", "-var", &pw], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with(&format!(
            "migration.app_schema (postgres://{}@{}:{}/{db})",
            s.user, s.host, s.port
        )),
        "{out}"
    );
    assert_eq!(
        status_line(&out, "create users"),
        ["1", "create users", "versioned", "pending", "-", "-"]
    );
    assert_eq!(status_line(&out, "user view")[3], "pending");
    assert!(out.contains("3 pending."), "{out}");
    let (code, ..) = terrace(
        d,
        &["migrate", "status", "-detailed-exitcode", "-var", &pw],
        &[],
    );
    assert_eq!(code, 2, "pending migrations with -detailed-exitcode");

    let (code, out, err) = terrace(d, &["migrate", "up", "-var", &pw], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("migration.app_schema: V1__create_users.sql applied"),
        "{out}"
    );
    assert!(
        out.contains("Applied 3 migrations of migration.app_schema"),
        "{out}"
    );
    let records = state_migrations(d);
    assert_eq!(records.len(), 3, "{records:?}");
    assert!(records
        .iter()
        .all(|r| r["migration"] == "migration.app_schema" && r["success"] == true));
    assert_eq!(records[0]["version"], "1");
    assert_eq!(records[2]["kind"], "repeatable");
    assert_eq!(records[0]["git_commit"], head.as_str());

    let (code, out, err) = terrace(
        d,
        &[
            "migrate",
            "status",
            "app_schema",
            "-detailed-exitcode",
            "-var",
            &pw,
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    let line = status_line(&out, "add email");
    assert_eq!(line[3], "applied");
    assert_eq!(line[5], "tester (GitLab CI)");
    assert!(out.contains("3 applied."), "{out}");

    let (code, out, err) = terrace(d, &["migrate", "history", "-var", &pw], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&head[..12]), "{out}");
    assert_eq!(out.matches("success").count(), 3, "{out}");
    let (code, out, err) = terrace(
        d,
        &[
            "migrate",
            "history",
            "migration.app_schema",
            "-json",
            "-var",
            &pw,
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Json> = serde_json::from_str(&out).expect("history -json is a JSON array");
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert_eq!(r["migration"], "migration.app_schema");
        assert_eq!(r["applied_by"], "tester (GitLab CI)");
        assert_eq!(r["git_commit"], head.as_str());
        assert_eq!(r["checksum"].as_str().unwrap().len(), 64);
        assert!(r["applied_at"].as_str().unwrap().ends_with('Z'));
        assert!(r["execution_ms"].is_u64() && r["id"].is_i64());
    }
    assert_eq!(rows[1]["description"], "add email");

    // Nothing left: a no-op that leaves the state alone.
    let before = std::fs::read_to_string(d.join("state/default.tfstate.json")).unwrap();
    let (code, out, _) = terrace(d, &["migrate", "up", "-var", &pw], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("migration.app_schema: up to date"), "{out}");
    assert_eq!(
        std::fs::read_to_string(d.join("state/default.tfstate.json")).unwrap(),
        before
    );
}

#[test]
fn down_to_a_version_in_a_module_with_the_password_from_the_environment() {
    let (s, db) = fresh_pg("down_to");
    let module = DB_INSTANCE.replace("\"app\" {", "\"main\" {")
        + "migration \"schema\" {\n  database = aws_db_instance.main\n  source   = \"${path.module}/migrations\"\n}\n";
    let mut state: Json = serde_json::from_str(&state_with_instance(
        "module.database.aws_db_instance.main",
        &s,
        &db,
        "postgres",
    ))
    .unwrap();
    // Not the master password: it must come from the environment.
    state["resources"][0]["attributes"]["password"] = Json::Null;
    let cfg = TempConfig::new(&[
        ("main.tf", "module \"database\" {\n  source = \"./db\"\n}\n"),
        ("db/main.tf", &module),
        ("db/migrations/V1__a.sql", "CREATE TABLE a (id int);\n"),
        ("db/migrations/V2__b.sql", "CREATE TABLE b (id int);\n"),
        ("db/migrations/U2__b.sql", "DROP TABLE b;\n"),
        ("db/migrations/V3__c.sql", "CREATE TABLE c (id int);\n"),
        ("db/migrations/U3__c.sql", "DROP TABLE c;\n"),
        ("state/default.tfstate.json", &state.to_string()),
    ]);
    let d = cfg.path();
    let env = [("TERRACE_MIGRATION_PASSWORD_SCHEMA", s.password.as_str())];

    let (code, out, err) = terrace(d, &["migrate", "up", "schema"], &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Applied 3 migrations of module.database.migration.schema"),
        "{out}"
    );

    // Without the password, the error says where it may come from.
    let (code, _, err) = terrace(d, &["migrate", "status"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("TERRACE_MIGRATION_PASSWORD_SCHEMA"), "{err}");

    let (code, _, err) = terrace(
        d,
        &[
            "migrate",
            "down",
            "module.database.migration.schema",
            "-to",
            "7",
        ],
        &env,
    );
    assert_eq!(code, 1);
    assert!(err.contains("there is no migration version 7"), "{err}");

    let (code, out, err) = terrace(d, &["migrate", "down", "schema", "--to", "2"], &env);
    assert_eq!(code, 0, "{out}{err}");
    let undone: Vec<&str> = out
        .lines()
        .filter(|l| l.ends_with("undone") || l.contains(" undone ("))
        .collect();
    assert_eq!(undone.len(), 2, "{out}");
    assert!(
        undone[0].contains("U3__c.sql") && undone[1].contains("U2__b.sql"),
        "{out}"
    );
    assert!(out.contains("Undid 2 migrations"), "{out}");

    let (code, out, err) = terrace(
        d,
        &["migrate", "status", "module.database.migration.schema"],
        &env,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(status_line(&out, " a ")[3], "applied");
    assert_eq!(status_line(&out, " b ")[3], "pending");
    assert_eq!(status_line(&out, " c ")[3], "pending");

    // The state mirrors the whole history, undo rows included.
    let kinds: Vec<(String, String)> = state_migrations(d)
        .iter()
        .map(|r| {
            assert_eq!(r["migration"], "module.database.migration.schema");
            (
                r["kind"].as_str().unwrap().to_string(),
                r["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("versioned", "1"),
        ("versioned", "2"),
        ("versioned", "3"),
        ("undo", "3"),
        ("undo", "2"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(kinds, expected);
}

#[test]
fn postgres_failure_records_only_what_ran() {
    let (s, db) = fresh_pg("pg_failure");
    let main = format!(
        "{DB_INSTANCE}
migration \"app_schema\" {{
  database = aws_db_instance.app
  source   = \"./migrations\"
}}
"
    );
    let cfg = TempConfig::new(&[
        ("main.tf", &main),
        (
            "state/default.tfstate.json",
            &state_with_instance("aws_db_instance.app", &s, &db, "postgres"),
        ),
        ("migrations/V1__ok.sql", "CREATE TABLE ok (id int);\n"),
        (
            "migrations/V2__broken.sql",
            "CREATE TABLE half (id int);\n\nINSERT INTO missing VALUES (1);\n",
        ),
    ]);
    let d = cfg.path();
    let (code, out, err) = terrace(d, &["migrate", "up"], &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("V2__broken.sql:3"), "{err}");
    assert!(err.contains("rolled back"), "{err}");
    assert!(
        out.contains("1 migration applied before the failure"),
        "{out}"
    );
    let records = state_migrations(d);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["version"], "1");
    let (code, out, _) = terrace(d, &["migrate", "status"], &[]);
    assert_eq!(code, 0);
    assert_eq!(status_line(&out, "broken")[3], "pending");
}

#[test]
fn mariadb_failure_then_repair_through_overrides() {
    let (s, db) = fresh_mysql("repair");
    // No database instance in state: the block's overrides reach the server.
    let main = format!(
        "{}
migration \"shop\" {{
  database      = aws_db_instance.app
  source        = \"./migrations\"
  engine        = \"mariadb\"
  host          = \"{}\"
  port          = {}
  username      = \"{}\"
  database_name = \"{db}\"
  lock_timeout  = \"10s\"
}}
",
        DB_INSTANCE.replace("\"postgres\"", "\"mariadb\""),
        s.host,
        s.port,
        s.user
    );
    let cfg = TempConfig::new(&[
        ("main.tf", &main),
        (
            "migrations/V1__a.sql",
            "CREATE TABLE a (id int PRIMARY KEY);\n",
        ),
        (
            "migrations/V2__b.sql",
            "CREATE TABLE b (id int);\nCREATE TABLE a (id int);\n",
        ),
    ]);
    let d = cfg.path();
    let env = [("MYSQL_PWD", s.password.as_str())];

    let (code, out, err) = terrace(d, &["migrate", "up", "shop"], &env);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("V2__b.sql:2"), "{err}");
    assert!(err.contains("terrace migrate repair"), "{err}");
    let records = state_migrations(d);
    let outcome: Vec<(&str, bool)> = records
        .iter()
        .map(|r| {
            (
                r["version"].as_str().unwrap(),
                r["success"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(outcome, [("1", true), ("2", false)]);

    let (code, out, err) = terrace(d, &["migrate", "status"], &env);
    assert_eq!(code, 1, "the failed version blocks: {out}{err}");
    let failed = status_line(&out, " b ");
    assert_eq!(failed[3], "failed");
    assert_eq!(failed[5], "tester (GitLab CI)");
    assert!(out.contains("1 applied, 1 failed."), "{out}");

    let (code, _, err) = terrace(d, &["migrate", "up"], &env);
    assert_eq!(code, 1);
    assert!(err.contains("V2__b.sql failed"), "{err}");

    // Fix the database and the file by hand, then repair and run again.
    mysql_exec(&s, Some(&db), "DROP TABLE b");
    std::fs::write(d.join("migrations/V2__b.sql"), "CREATE TABLE b (id int);\n").unwrap();
    let (code, out, err) = terrace(d, &["migrate", "repair", "shop"], &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("migration.shop: removed the failed run of V2__b.sql"),
        "{out}"
    );
    assert_eq!(state_migrations(d).len(), 1);
    let (code, out, err) = terrace(d, &["migrate", "up"], &env);
    assert_eq!(code, 0, "{out}{err}");
    let records = state_migrations(d);
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r["success"] == true));
    let (code, out, _) = terrace(d, &["migrate", "repair", "shop"], &env);
    assert_eq!(code, 0);
    assert!(out.contains("nothing to repair"), "{out}");
}

/// Without a server: the database instance is not created yet, and names that select
/// nothing.
#[test]
fn before_the_database_exists() {
    let main = format!(
        "{DB_INSTANCE}
migration \"app_schema\" {{
  database = aws_db_instance.app
  source   = \"./migrations\"
}}
"
    );
    let cfg = TempConfig::new(&[
        ("main.tf", &main),
        ("migrations/V1__init.sql", "SELECT 1;\n"),
        ("migrations/U1__init.sql", "SELECT 1;\n"),
        ("migrations/R__views.sql", "SELECT 1;\n"),
    ]);
    let d = cfg.path();
    let (code, out, err) = terrace(d, &["migrate", "status"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("migration.app_schema (the database does not exist yet)"),
        "{out}"
    );
    assert_eq!(
        status_line(&out, "init"),
        ["1", "init", "versioned", "pending", "-", "-"]
    );
    assert!(out.contains("2 pending."), "{out}");
    let (code, out, _) = terrace(d, &["migrate", "history", "-json"], &[]);
    assert_eq!((code, out.trim()), (0, "[]"));

    let (code, _, err) = terrace(d, &["migrate", "up"], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "migration.app_schema: the database instance is not in the state yet (terrace apply creates it); apply first, or set engine, host, username, database_name in the block"
        ),
        "{err}"
    );
    assert!(
        !d.join("state/default.tfstate.json").exists(),
        "nothing ran, nothing written"
    );

    let (code, _, err) = terrace(d, &["migrate", "status", "app_shema"], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no migration block \"app_shema\" (did you mean \"migration.app_schema\"?)"),
        "{err}"
    );
    let (code, _, err) = terrace(d, &["migrate", "down", "app_schema"], &[]);
    assert_eq!(code, 1, "down needs --to");
    assert!(err.contains("--to"), "{err}");
}

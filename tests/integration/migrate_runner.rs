//! The migration runner against real PostgreSQL and MariaDB servers (started by
//! scripts/test.sh; see `pg_url` / `mysql_url`). Each test works in a database of its own,
//! created here.

use crate::support::{mysql_url, pg_url, TempConfig};
use sqlx::ConnectOptions;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use terrace::migrate::{
    self, discover, Audit, Engine, HistoryRow, MigrateError, MigrateEvent, MigrationFile,
    MigrationKind, NoProgress, Problem, RunOptions, Target,
};

const BOTH: [Engine; 2] = [Engine::Postgres, Engine::Mysql];

/// The server's target from its URL (`scheme://user:password@host:port/db`).
fn server(engine: Engine) -> Target {
    let url = match engine {
        Engine::Postgres => pg_url(),
        Engine::Mysql => mysql_url(),
    };
    let rest = url.split_once("://").expect("scheme").1;
    let (auth, rest) = rest.rsplit_once('@').expect("user@host");
    let (user, password) = auth.split_once(':').expect("user:password");
    let (hostport, db) = rest.split_once('/').expect("/database");
    let (host, port) = hostport.rsplit_once(':').expect("host:port");
    let mut t = Target::new(engine, host, port.parse().expect("port"), user, db);
    t.password = Some(password.to_string());
    t
}

/// A fresh, empty database named after the test, on `engine`'s server.
async fn fresh_db(engine: Engine, name: &str) -> Target {
    let admin = server(engine);
    let db = format!("terrace_t_{name}");
    match engine {
        Engine::Postgres => {
            exec(
                &admin,
                &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
            )
            .await;
            exec(&admin, &format!("CREATE DATABASE {db}")).await;
        }
        Engine::Mysql => {
            exec(&admin, &format!("DROP DATABASE IF EXISTS {db}")).await;
            exec(&admin, &format!("CREATE DATABASE {db}")).await;
        }
    }
    Target {
        database: db,
        ..admin
    }
}

enum TestConn {
    Pg(sqlx::PgConnection),
    My(sqlx::MySqlConnection),
}

async fn connect(t: &Target) -> TestConn {
    let password = t.password.as_deref().unwrap_or_default();
    match t.engine {
        Engine::Postgres => TestConn::Pg(
            sqlx::postgres::PgConnectOptions::new_without_pgpass()
                .host(&t.host)
                .port(t.port)
                .username(&t.username)
                .password(password)
                .database(&t.database)
                .connect()
                .await
                .expect("connect to PostgreSQL"),
        ),
        Engine::Mysql => TestConn::My(
            sqlx::mysql::MySqlConnectOptions::new()
                .host(&t.host)
                .port(t.port)
                .username(&t.username)
                .password(password)
                .database(&t.database)
                .connect()
                .await
                .expect("connect to MariaDB"),
        ),
    }
}

impl TestConn {
    async fn exec(&mut self, sql: &str) {
        match self {
            TestConn::Pg(c) => sqlx::raw_sql(sql).execute(c).await.map(drop),
            TestConn::My(c) => sqlx::raw_sql(sql).execute(c).await.map(drop),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// A query returning one integer (cast to a signed 64-bit one).
    async fn int(&mut self, sql: &str) -> i64 {
        match self {
            TestConn::Pg(c) => {
                sqlx::query_scalar::<_, i64>(&format!("SELECT ({sql})::bigint"))
                    .fetch_one(c)
                    .await
            }
            TestConn::My(c) => {
                sqlx::query_scalar::<_, i64>(&format!("SELECT CAST(({sql}) AS SIGNED)"))
                    .fetch_one(c)
                    .await
            }
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

async fn exec(t: &Target, sql: &str) {
    connect(t).await.exec(sql).await;
}

async fn int(t: &Target, sql: &str) -> i64 {
    connect(t).await.int(sql).await
}

async fn table_exists(t: &Target, table: &str) -> bool {
    let sql = match t.engine {
        Engine::Postgres => format!("SELECT count(*) FROM pg_tables WHERE tablename = '{table}'"),
        Engine::Mysql => format!(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{table}'"
        ),
    };
    int(t, &sql).await == 1
}

/// A migration directory with `files`.
fn dir(files: &[(&str, &str)]) -> TempConfig {
    TempConfig::new(files)
}

fn files(d: &TempConfig) -> Vec<MigrationFile> {
    discover(d.path()).expect("migration files")
}

fn opts() -> RunOptions {
    RunOptions {
        lock_timeout: Duration::from_secs(60),
        ..RunOptions::new(Audit {
            applied_by: "tester".into(),
            git_commit: None,
        })
    }
}

async fn up(t: &Target, d: &TempConfig) -> Result<migrate::RunReport, migrate::RunError> {
    migrate::up(t, &files(d), None, &opts(), &NoProgress).await
}

fn names(rows: &[HistoryRow]) -> Vec<String> {
    rows.iter().map(HistoryRow::file_name).collect()
}

fn problems(e: MigrateError) -> Vec<Problem> {
    match e {
        MigrateError::Validation(p) => p,
        other => panic!("expected validation problems, got: {other}"),
    }
}

#[tokio::test]
async fn pending_then_applied_then_nothing_to_do() {
    for engine in BOTH {
        let t = fresh_db(engine, "pending").await;
        let d = dir(&[
            (
                "V1__create.sql",
                "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20));",
            ),
            (
                "V2__seed.sql",
                "INSERT INTO items VALUES (1, 'a;b');\nINSERT INTO items VALUES (2, 'c');\n",
            ),
            (
                "R__view.sql",
                "CREATE OR REPLACE VIEW item_names AS SELECT name FROM items;",
            ),
        ]);
        let s = migrate::status(&t, &files(&d), false).await.unwrap();
        assert_eq!(s.pending.len(), 3, "{engine:?}");
        assert!(s.applied.is_empty() && s.problems.is_empty());
        assert!(
            !table_exists(&t, "terrace_schema_history").await,
            "status changes nothing"
        );

        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let hook = move |e: &MigrateEvent<'_>| {
            let name = match e {
                MigrateEvent::Started { file } => format!("start {}", file.file_name()),
                MigrateEvent::Finished { file, .. } => format!("done {}", file.file_name()),
                other => format!("{other:?}")
                    .split([' ', '{'])
                    .next()
                    .unwrap()
                    .to_string(),
            };
            seen.lock().unwrap().push(name);
        };
        let r = migrate::up(&t, &files(&d), Some("1"), &opts(), &hook)
            .await
            .unwrap();
        assert_eq!(
            names(&r.ran),
            ["V1__create.sql"],
            "repeatables wait for every version"
        );
        assert_eq!(
            *events.lock().unwrap(),
            [
                "LockAcquired",
                "start V1__create.sql",
                "done V1__create.sql"
            ]
        );

        let r = up(&t, &d).await.unwrap();
        assert_eq!(names(&r.ran), ["V2__seed.sql", "R__view.sql"]);
        assert!(r.ran.iter().all(|row| row.success));
        assert_eq!(
            names(&r.history),
            ["V1__create.sql", "V2__seed.sql", "R__view.sql"]
        );
        assert_eq!(int(&t, "SELECT COUNT(*) FROM item_names").await, 2);

        let r = up(&t, &d).await.unwrap();
        assert!(
            r.ran.is_empty(),
            "{engine:?}: nothing to do the second time"
        );
        assert_eq!(r.history.len(), 3);
        let s = migrate::status(&t, &files(&d), false).await.unwrap();
        assert!(s.pending.is_empty());
        assert_eq!(
            names(&s.applied),
            ["V1__create.sql", "V2__seed.sql", "R__view.sql"]
        );
    }
}

#[tokio::test]
async fn postgres_failure_rolls_the_migration_back() {
    let t = fresh_db(Engine::Postgres, "pg_failure").await;
    let d = dir(&[
        ("V1__ok.sql", "CREATE TABLE a (x int);"),
        (
            "V2__bad.sql",
            "CREATE TABLE b (x int);\nINSERT INTO b VALUES (1);\nINSERT INTO b\n  SELECT x FROM missing_table;\n",
        ),
    ]);
    let err = up(&t, &d).await.unwrap_err();
    assert_eq!(names(&err.ran), ["V1__ok.sql"]);
    match &err.error {
        MigrateError::Failed {
            file,
            statement_line,
            line,
            message,
            code,
            rolled_back,
            ..
        } => {
            assert!(file.ends_with("V2__bad.sql"));
            assert_eq!(
                (*statement_line, *line),
                (3, 4),
                "the error points into the statement"
            );
            assert!(message.contains("missing_table"), "{message}");
            assert_eq!(code.as_deref(), Some("42P01"));
            assert!(rolled_back);
        }
        other => panic!("{other}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("V2__bad.sql:4:") && text.contains("rolled back"),
        "{text}"
    );
    assert!(
        !table_exists(&t, "b").await,
        "the whole migration was rolled back"
    );
    assert_eq!(names(&migrate::history(&t).await.unwrap()), ["V1__ok.sql"]);

    std::fs::write(d.path().join("V2__bad.sql"), "CREATE TABLE b (x int);").unwrap();
    assert_eq!(
        names(&up(&t, &d).await.unwrap().ran),
        ["V2__bad.sql"],
        "a retry needs no repair"
    );
}

#[tokio::test]
async fn mariadb_failure_is_recorded_and_blocks_until_repair() {
    let t = fresh_db(Engine::Mysql, "my_failure").await;
    let d = dir(&[
        ("V1__ok.sql", "CREATE TABLE a (x INT);"),
        (
            "V2__bad.sql",
            "CREATE TABLE b (x INT);\n-- a comment\nINSERT INTO b VALUES (1);\nINSERT INTO nope VALUES (1);\n",
        ),
        ("V3__later.sql", "CREATE TABLE c (x INT);"),
    ]);
    let err = up(&t, &d).await.unwrap_err();
    assert_eq!(names(&err.ran), ["V1__ok.sql", "V2__bad.sql"]);
    assert_eq!(
        err.ran.iter().map(|r| r.success).collect::<Vec<_>>(),
        [true, false]
    );
    match &err.error {
        MigrateError::Failed {
            file,
            statement_line,
            statement,
            message,
            rolled_back,
            ..
        } => {
            assert!(file.ends_with("V2__bad.sql"));
            assert_eq!(*statement_line, 4);
            assert_eq!(statement, "INSERT INTO nope VALUES (1)");
            assert!(message.contains("nope"), "{message}");
            assert!(!rolled_back);
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("terrace migrate repair"), "{err}");
    assert!(table_exists(&t, "b").await, "MariaDB cannot roll DDL back");
    assert!(!table_exists(&t, "c").await, "the run stopped");

    let blocked = problems(up(&t, &d).await.unwrap_err().error);
    assert!(
        matches!(&blocked[..], [Problem::NeedsRepair { name, .. }] if name == "V2__bad.sql"),
        "{blocked:?}"
    );

    // Fix the database by hand and the file, then repair.
    exec(&t, "DROP TABLE b").await;
    std::fs::write(d.path().join("V2__bad.sql"), "CREATE TABLE b (x INT);").unwrap();
    let repaired = migrate::repair(&t, &files(&d), &opts(), &NoProgress)
        .await
        .unwrap();
    assert_eq!(names(&repaired.removed), ["V2__bad.sql"]);
    assert!(repaired.remaining.is_empty());
    assert_eq!(
        names(&up(&t, &d).await.unwrap().ran),
        ["V2__bad.sql", "V3__later.sql"]
    );
}

#[tokio::test]
async fn changed_applied_file_is_refused_until_restored_or_repaired() {
    for engine in BOTH {
        let t = fresh_db(engine, "checksum").await;
        let d = dir(&[("V1__a.sql", "CREATE TABLE a (x INT);")]);
        up(&t, &d).await.unwrap();
        std::fs::write(d.path().join("V1__a.sql"), "CREATE TABLE a (x INT, y INT);").unwrap();
        std::fs::write(d.path().join("V2__b.sql"), "CREATE TABLE b (x INT);").unwrap();
        let p = problems(up(&t, &d).await.unwrap_err().error);
        assert!(
            matches!(&p[..], [Problem::ChecksumMismatch { file, .. }] if file.ends_with("V1__a.sql")),
            "{p:?}"
        );
        assert!(
            !table_exists(&t, "b").await,
            "nothing runs while the history disagrees"
        );
        let s = migrate::status(&t, &files(&d), false).await.unwrap();
        assert_eq!(s.problems, p);

        let r = migrate::repair(&t, &files(&d), &opts(), &NoProgress)
            .await
            .unwrap();
        assert_eq!(names(&r.realigned), ["V1__a.sql"]);
        assert_eq!(names(&up(&t, &d).await.unwrap().ran), ["V2__b.sql"]);
    }
}

#[tokio::test]
async fn applied_version_without_its_file_is_reported() {
    let t = fresh_db(Engine::Postgres, "missing").await;
    let d = dir(&[
        ("V1__a.sql", "CREATE TABLE a (x int);"),
        ("V2__b_c.sql", "CREATE TABLE b (x int);"),
    ]);
    up(&t, &d).await.unwrap();
    std::fs::remove_file(d.path().join("V2__b_c.sql")).unwrap();
    let p = problems(up(&t, &d).await.unwrap_err().error);
    assert!(
        matches!(&p[..], [Problem::MissingFile { expected, .. }] if expected == "V2__b_c.sql"),
        "{p:?}"
    );
    assert!(p[0].to_string().starts_with("V2__b_c.sql: "), "{}", p[0]);
}

#[tokio::test]
async fn lower_new_version_needs_allow_out_of_order() {
    let t = fresh_db(Engine::Mysql, "out_of_order").await;
    let d = dir(&[
        ("V1__a.sql", "CREATE TABLE a (x INT);"),
        ("V3__c.sql", "CREATE TABLE c (x INT);"),
    ]);
    up(&t, &d).await.unwrap();
    std::fs::write(d.path().join("V2__b.sql"), "CREATE TABLE b (x INT);").unwrap();
    let p = problems(up(&t, &d).await.unwrap_err().error);
    assert!(
        matches!(&p[..], [Problem::OutOfOrder { file, latest, .. }] if file.ends_with("V2__b.sql") && latest == "3"),
        "{p:?}"
    );
    let allow = RunOptions {
        allow_out_of_order: true,
        ..opts()
    };
    let r = migrate::up(&t, &files(&d), None, &allow, &NoProgress)
        .await
        .unwrap();
    assert_eq!(names(&r.ran), ["V2__b.sql"]);
}

#[tokio::test]
async fn down_to_a_version_undoes_newest_first() {
    for engine in BOTH {
        let t = fresh_db(engine, "down").await;
        let d = dir(&[
            ("V1__a.sql", "CREATE TABLE a (x INT);"),
            ("V2__b.sql", "CREATE TABLE b (x INT);"),
            ("U2__b.sql", "DROP TABLE b;"),
            ("V3__c.sql", "CREATE TABLE c (x INT);"),
            ("U3__c.sql", "DROP TABLE c;"),
        ]);
        up(&t, &d).await.unwrap();
        let r = migrate::down(&t, &files(&d), "2", &opts(), &NoProgress)
            .await
            .unwrap();
        assert_eq!(names(&r.ran), ["U3__c.sql", "U2__b.sql"], "{engine:?}");
        assert!(r
            .ran
            .iter()
            .all(|row| row.kind == MigrationKind::Undo && row.success));
        assert!(
            table_exists(&t, "a").await
                && !table_exists(&t, "b").await
                && !table_exists(&t, "c").await
        );
        let s = migrate::status(&t, &files(&d), false).await.unwrap();
        assert_eq!(
            s.pending
                .iter()
                .map(MigrationFile::file_name)
                .collect::<Vec<_>>(),
            ["V2__b.sql", "V3__c.sql"]
        );

        let err = migrate::down(&t, &files(&d), "1", &opts(), &NoProgress)
            .await
            .unwrap_err();
        assert!(
            matches!(&err.error, MigrateError::MissingUndo { expected, .. } if expected == "U1__a.sql"),
            "{err}"
        );
        let err = migrate::down(&t, &files(&d), "9", &opts(), &NoProgress)
            .await
            .unwrap_err();
        assert!(
            matches!(err.error, MigrateError::UnknownVersion { .. }),
            "{err}"
        );
        assert_eq!(
            names(&up(&t, &d).await.unwrap().ran),
            ["V2__b.sql", "V3__c.sql"]
        );
    }
}

#[tokio::test]
async fn repeatable_runs_again_when_its_file_changes() {
    let t = fresh_db(Engine::Postgres, "repeatable").await;
    let d = dir(&[(
        "R__answer.sql",
        "CREATE OR REPLACE VIEW answer AS SELECT 1 AS x;",
    )]);
    assert_eq!(up(&t, &d).await.unwrap().ran.len(), 1);
    assert!(up(&t, &d).await.unwrap().ran.is_empty());
    std::fs::write(
        d.path().join("R__answer.sql"),
        "CREATE OR REPLACE VIEW answer AS SELECT 42 AS x;",
    )
    .unwrap();
    let r = up(&t, &d).await.unwrap();
    assert_eq!(names(&r.ran), ["R__answer.sql"]);
    assert_eq!(
        names(&r.history),
        ["R__answer.sql", "R__answer.sql"],
        "the audit trail keeps both runs"
    );
    assert_eq!(int(&t, "SELECT x FROM answer").await, 42);
}

#[tokio::test]
async fn concurrent_runners_apply_each_migration_once() {
    for engine in BOTH {
        let t = fresh_db(engine, "concurrent").await;
        let sleep = match engine {
            Engine::Postgres => "SELECT pg_sleep(0.3);",
            Engine::Mysql => "SELECT SLEEP(0.3);",
        };
        let d = dir(&[
            ("V1__runs.sql", "CREATE TABLE runs (v INT);"),
            (
                "V2__slow.sql",
                &format!("INSERT INTO runs VALUES (2);\n{sleep}"),
            ),
            ("V3__more.sql", "INSERT INTO runs VALUES (3);"),
        ]);
        let (f, o) = (files(&d), opts());
        let (a, b) = tokio::join!(
            migrate::up(&t, &f, None, &o, &NoProgress),
            migrate::up(&t, &f, None, &o, &NoProgress)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(
            a.ran.len() + b.ran.len(),
            3,
            "{engine:?}: every migration ran once"
        );
        assert_eq!(int(&t, "SELECT COUNT(*) FROM runs").await, 2);
        assert_eq!(
            int(&t, "SELECT COUNT(*) FROM terrace_schema_history").await,
            3
        );
    }
}

#[tokio::test]
async fn lock_timeout_while_another_run_holds_the_lock() {
    for engine in BOTH {
        let t = fresh_db(engine, "lock_timeout").await;
        // The first run's migration waits for a gate the test holds, so it keeps the lock.
        let mut gate = connect(&t).await;
        let (setup, wait) = match engine {
            Engine::Postgres => (
                "BEGIN; LOCK TABLE gate;",
                "SET LOCAL lock_timeout = '60s'; SELECT count(*) FROM gate;",
            ),
            Engine::Mysql => (
                "SELECT GET_LOCK('terrace_t_gate', 60);",
                "SELECT GET_LOCK('terrace_t_gate', 60);",
            ),
        };
        if engine == Engine::Postgres {
            gate.exec("CREATE TABLE gate (x int)").await;
        }
        gate.exec(setup).await;
        let d = dir(&[("V1__wait.sql", wait)]);
        let started = Arc::new(tokio::sync::Notify::new());
        let first = {
            let (t, f, started) = (t.clone(), files(&d), started.clone());
            tokio::spawn(async move {
                let hook = move |e: &MigrateEvent<'_>| {
                    if matches!(e, MigrateEvent::Started { .. }) {
                        started.notify_one();
                    }
                };
                migrate::up(&t, &f, None, &opts(), &hook).await
            })
        };
        started.notified().await;

        let waited = Arc::new(Mutex::new(false));
        let w = waited.clone();
        let hook = move |e: &MigrateEvent<'_>| {
            if matches!(e, MigrateEvent::WaitingForLock { .. }) {
                *w.lock().unwrap() = true;
            }
        };
        let short = RunOptions {
            lock_timeout: Duration::from_millis(300),
            ..opts()
        };
        let err = migrate::up(&t, &files(&d), None, &short, &hook)
            .await
            .unwrap_err();
        match &err.error {
            MigrateError::LockTimeout { holder, .. } => {
                let holder = holder.as_deref().unwrap_or_default();
                let expected = match engine {
                    Engine::Postgres => "application terrace migrate",
                    Engine::Mysql => "terrace@",
                };
                assert!(holder.contains(expected), "{engine:?}: {holder}");
            }
            other => panic!("{other}"),
        }
        assert!(err.to_string().contains("lock_timeout"), "{err}");
        assert!(*waited.lock().unwrap());

        gate.exec(match engine {
            Engine::Postgres => "COMMIT",
            Engine::Mysql => "SELECT RELEASE_LOCK('terrace_t_gate')",
        })
        .await;
        let r = first.await.unwrap().unwrap();
        assert_eq!(names(&r.ran), ["V1__wait.sql"]);
    }
}

#[tokio::test]
async fn history_rows_carry_the_audit_fields() {
    let repo = dir(&[
        ("main.tf", "# configuration\n"),
        ("migrations/V1__a.sql", "CREATE TABLE a (x INT);"),
    ]);
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(repo.path())
            .args(args)
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-qm",
        "init",
    ]);
    let head = git(&["rev-parse", "HEAD"]);
    let audit = Audit::detect(repo.path());
    assert_eq!(audit.git_commit.as_deref(), Some(head.as_str()));
    assert_eq!(
        audit.applied_by,
        migrate::applied_by(|v| std::env::var(v).ok())
    );

    let f = discover(&repo.path().join("migrations")).unwrap();
    let timestamp = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$").unwrap();
    for engine in BOTH {
        let t = fresh_db(engine, "audit").await;
        let o = RunOptions {
            audit: audit.clone(),
            ..opts()
        };
        let r = migrate::up(&t, &f, None, &o, &NoProgress).await.unwrap();
        let row = &migrate::history(&t).await.unwrap()[0];
        assert_eq!(
            row, &r.ran[0],
            "{engine:?}: the report is what the table holds"
        );
        assert_eq!(row.version.as_deref(), Some("1"));
        assert_eq!(
            (row.description.as_str(), row.kind),
            ("a", MigrationKind::Versioned)
        );
        assert_eq!(row.checksum, f[0].checksum);
        assert_eq!(row.applied_by, audit.applied_by);
        assert_eq!(row.git_commit.as_deref(), Some(head.as_str()));
        assert!(timestamp.is_match(&row.applied_at), "{}", row.applied_at);
        assert!(row.success);
        let rec = row.to_record("migration.app_schema");
        assert_eq!(
            (rec.migration.as_str(), rec.kind.as_str()),
            ("migration.app_schema", "versioned")
        );
        assert_eq!(
            (rec.applied_at.as_str(), rec.git_commit.as_deref()),
            (row.applied_at.as_str(), Some(head.as_str()))
        );
    }
}

#[tokio::test]
async fn unsplittable_file_stops_the_run_before_anything_runs() {
    let t = fresh_db(Engine::Postgres, "unsplittable").await;
    let d = dir(&[
        ("V1__a.sql", "CREATE TABLE a (x int);"),
        ("V2__b.sql", "SELECT 1;\nSELECT 'open;\n"),
    ]);
    let err = up(&t, &d).await.unwrap_err();
    assert!(
        matches!(&err.error, MigrateError::Split { file, line: 2, .. } if file.ends_with("V2__b.sql")),
        "{err}"
    );
    assert!(err.ran.is_empty() && !table_exists(&t, "a").await);
}

#[tokio::test]
async fn tls_require_fails_against_a_server_without_tls_and_hides_the_password() {
    let mut t = server(Engine::Postgres);
    t.tls = migrate::TlsMode::Require;
    t.password = Some("not-the-password-xyzzy".into());
    let err = migrate::history(&t).await.unwrap_err();
    assert!(matches!(err, MigrateError::Connect { .. }), "{err}");
    let text = format!("{err} {err:?}");
    assert!(
        text.contains(&t.describe()) && !text.contains("xyzzy"),
        "{text}"
    );
}

//! Benchmarks of the migration stage against a local PostgreSQL (and moto for the apply).
//! `scripts/bench.sh migrate [N]` starts both and runs this.
//!
//! - Overhead per migration: the runner as the stage runs it (`migrate::discover`, then
//!   `migrate::up`) on N trivial migrations (`V<i>__m.sql`, each
//!   `CREATE TABLE t<i> (id int);`) against a fresh database, next to the same
//!   statements run directly on one open connection in autocommit (the SQL's own time) and
//!   with a transaction per file (what BEGIN/COMMIT add). Overhead per migration = (the
//!   runner's wall time − the SQL's own time) / N. The runner's progress events split its
//!   time into the fixed part before the first file and after the last one (reading and
//!   checking the files, connect, lock, history table, final history read, unlock) and the
//!   per-file part. The mean round trip of `SELECT 1` on an open connection gives the
//!   scale: the per-file overhead is a few round trips.
//! - Database available → first migration statement: `ops::apply` of an `aws_db_instance`
//!   (on moto) and a `migration` block pointed at the local PostgreSQL. "Available" is the
//!   engine's `Complete` event for the instance; "first statement" is the moment the first
//!   migration's statement executes, which the statement records itself
//!   (`clock_timestamp()`, the same system clock).
//!
//! Every figure is the median of REPS runs (default 7), each on fresh databases, with the
//! best run next to it: interference from other processes only adds time.
//!
//! Usage: `migrate_bench [N] [REPS]`.
//!
//! Environment: `TERRACE_BENCH_MOTO_URL` (moto) and `TERRACE_BENCH_PG_URL`
//! (`postgres://user:password@host:port/database`, a user that may create databases).

use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Connection, Executor};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use terrace::apply::{ApplyEvent, EventSink};
use terrace::migrate::{self, Audit, Engine, MigrateEvent, RunOptions, Target, TlsMode};
use terrace::ops::{self, ApplyCmdOptions, Workspace};

/// The benchmark's PostgreSQL server and a user that may create databases.
struct Pg {
    host: String,
    port: u16,
    user: String,
    password: String,
    /// A database to connect to for creating and dropping the benchmark's own.
    admin_db: String,
}

impl Pg {
    fn parse(url: &str) -> Option<Pg> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))?;
        let (auth, rest) = rest.rsplit_once('@')?;
        let (user, password) = auth.split_once(':')?;
        let (hostport, db) = rest.split_once('/')?;
        let (host, port) = hostport.rsplit_once(':')?;
        Some(Pg {
            host: host.into(),
            port: port.parse().ok()?,
            user: user.into(),
            password: password.into(),
            admin_db: db.into(),
        })
    }

    async fn connect(&self, db: &str) -> PgConnection {
        PgConnectOptions::new_without_pgpass()
            .host(&self.host)
            .port(self.port)
            .username(&self.user)
            .password(&self.password)
            .database(db)
            .ssl_mode(PgSslMode::Disable)
            .disable_statement_logging()
            .connect()
            .await
            .unwrap_or_else(|e| fail(format!("cannot connect to database {db}: {e}")))
    }

    /// The runner's target for database `db` (plain TCP, like the direct connection).
    fn target(&self, db: &str) -> Target {
        let mut t = Target::new(Engine::Postgres, &self.host, self.port, &self.user, db);
        t.password = Some(self.password.clone());
        t.tls = TlsMode::Disable;
        t
    }

    /// Drops database `db` if it exists, and creates it again unless `drop_only`.
    async fn recreate(&self, db: &str, drop_only: bool) {
        let mut c = self.connect(&self.admin_db).await;
        let mut sql = vec![format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")];
        if !drop_only {
            sql.push(format!("CREATE DATABASE {db}"));
        }
        for s in sql {
            if let Err(e) = c.execute(s.as_str()).await {
                fail(format!("{s}: {e}"));
            }
        }
        let _ = c.close().await;
    }
}

fn fail(message: String) -> ! {
    eprintln!("migrate_bench: {message}");
    std::process::exit(1)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `statements` on one connection to a fresh database `db`, each alone in autocommit
/// or each in a transaction of its own; returns the time to connect, the time from the
/// first statement to the last, and then the mean round trip of `SELECT 1`.
async fn direct(
    pg: &Pg,
    db: &str,
    statements: &[String],
    tx_per_file: bool,
) -> (Duration, Duration, Duration) {
    pg.recreate(db, false).await;
    let t = Instant::now();
    let mut c = pg.connect(db).await;
    let connect = t.elapsed();
    let t = Instant::now();
    for s in statements {
        let r = if tx_per_file {
            match c.begin().await {
                Ok(mut tx) => match tx.execute(sqlx::raw_sql(s)).await {
                    Ok(_) => tx.commit().await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            }
        } else {
            c.execute(sqlx::raw_sql(s)).await.map(drop)
        };
        if let Err(e) = r {
            fail(format!("{s}: {e}"));
        }
    }
    let took = t.elapsed();
    const PINGS: u32 = 200;
    let t = Instant::now();
    for _ in 0..PINGS {
        if let Err(e) = c.execute(sqlx::raw_sql("SELECT 1")).await {
            fail(format!("SELECT 1: {e}"));
        }
    }
    let rtt = t.elapsed() / PINGS;
    let _ = c.close().await;
    pg.recreate(db, true).await;
    (connect, took, rtt)
}

/// One run of the runner as the stage runs it (discover the files in `dir`, then
/// `migrate::up`): (wall, before the first file, first start → last finish, after the last
/// file, no-op rerun).
async fn runner(pg: &Pg, db: &str, dir: &Path) -> [Duration; 5] {
    pg.recreate(db, false).await;
    let target = pg.target(db);
    let opts = RunOptions::new(Audit {
        applied_by: "bench".into(),
        git_commit: None,
    });
    let marks: Mutex<Vec<Instant>> = Mutex::new(Vec::new());
    let progress = |e: &MigrateEvent<'_>| {
        if matches!(
            e,
            MigrateEvent::Started { .. } | MigrateEvent::Finished { .. }
        ) {
            marks.lock().unwrap().push(Instant::now());
        }
    };
    let t = Instant::now();
    let files = migrate::discover(dir).unwrap_or_else(|e| fail(e));
    let report = migrate::up(&target, &files, None, &opts, &progress).await;
    let end = Instant::now();
    match report {
        Ok(r) if r.ran.len() == files.len() => {}
        Ok(r) => fail(format!("{} of {} migrations ran", r.ran.len(), files.len())),
        Err(e) => fail(format!("migrate up: {}", e.error)),
    }
    let noop = Instant::now();
    if let Err(e) = migrate::up(&target, &files, None, &opts, &migrate::NoProgress).await {
        fail(format!("migrate up (nothing pending): {}", e.error));
    }
    let noop = noop.elapsed();
    pg.recreate(db, true).await;
    let marks = marks.into_inner().unwrap();
    let (first, last) = (marks[0], marks[marks.len() - 1]);
    [end - t, first - t, last - first, end - last, noop]
}

fn overhead(pg: &Pg, n: usize, reps: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let statements: Vec<String> = (1..=n)
        .map(|i| format!("CREATE TABLE t{i} (id int);"))
        .collect();
    for (i, s) in statements.iter().enumerate() {
        std::fs::write(tmp.path().join(format!("V{}__m.sql", i + 1)), s).unwrap();
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Per run, in ms: runner wall, before the first file, first file start → last file
    // finish, after the last file, no-op rerun, SQL alone, SQL with a transaction per file,
    // connect, round trip.
    let mut runs: Vec<[f64; 9]> = Vec::new();
    for _ in 0..reps {
        let (sql, tx, run) = rt.block_on(async {
            (
                direct(pg, "mbench_sql", &statements, false).await,
                direct(pg, "mbench_tx", &statements, true).await,
                runner(pg, "mbench_runner", tmp.path()).await,
            )
        });
        let [wall, before, files_span, after, noop] = run.map(ms);
        runs.push([
            wall,
            before,
            files_span,
            after,
            noop,
            ms(sql.1),
            ms(tx.1),
            ms(sql.0.min(tx.0)),
            ms(sql.2.min(tx.2)),
        ]);
    }
    let med: [f64; 9] = std::array::from_fn(|k| median(runs.iter().map(|r| r[k]).collect()));
    let best: [f64; 9] =
        std::array::from_fn(|k| runs.iter().map(|r| r[k]).fold(f64::INFINITY, f64::min));
    let per_n = |d: f64| d / n as f64;
    // A figure from the medians and from the best times (interference only adds time).
    let row = |label: &str, f: &dyn Fn(&[f64; 9]) -> f64| {
        println!("  {label:<58} {:>8.3} ms  (best {:.3})", f(&med), f(&best));
    };
    println!(
        "migration stage overhead: {n} migrations of one CREATE TABLE each; median of {reps} runs"
    );
    row("runner (discover + migrate::up), wall time", &|r| r[0]);
    row("the SQL alone: one open connection, autocommit", &|r| r[5]);
    row("the SQL with a transaction per file", &|r| r[6]);
    row(
        "OVERHEAD PER MIGRATION = (runner − SQL) / N (target ≤ 5)",
        &|r| per_n(r[0] - r[5]),
    );
    row("  fixed part / N", &|r| per_n(r[1] + r[3]));
    row(
        "    before the first file (files, connect, lock, history)",
        &|r| r[1],
    );
    row("      of which connect", &|r| r[7]);
    row(
        "    after the last file (read history, unlock, close)",
        &|r| r[3],
    );
    row("  per file beyond the SQL", &|r| per_n(r[2] - r[5]));
    row("    BEGIN/COMMIT", &|r| per_n(r[6] - r[5]));
    row("    history row INSERT and the rest", &|r| {
        per_n(r[2] - r[6])
    });
    row("a run with nothing pending", &|r| r[4]);
    // What the per-file part is made of: each round trip costs about this much.
    row("a round trip (SELECT 1 on an open connection)", &|r| r[8]);
}

/// When things happened during one apply.
#[derive(Default)]
struct Marks {
    /// The `Complete` event of `aws_db_instance.db`, on both clocks.
    available: Option<(Instant, SystemTime)>,
    stage_start: Option<Instant>,
    lock_acquired: Option<Instant>,
    first_file: Option<Instant>,
    error: Option<String>,
}

struct Sink(Mutex<Marks>);

impl EventSink for Sink {
    fn event(&self, e: ApplyEvent) {
        let now = Instant::now();
        let wall = SystemTime::now();
        let mut m = self.0.lock().unwrap();
        match e {
            ApplyEvent::Complete { addr, .. } if addr.to_string() == "aws_db_instance.db" => {
                m.available = Some((now, wall));
            }
            ApplyEvent::MigrationStart { .. } => {
                m.stage_start.get_or_insert(now);
            }
            // The stage's status lines (src/ops/migration_stage.rs).
            ApplyEvent::MigrationProgress { status, .. } => {
                if status.starts_with("lock acquired") {
                    m.lock_acquired.get_or_insert(now);
                } else if status.starts_with("running ") {
                    m.first_file.get_or_insert(now);
                }
            }
            ApplyEvent::Errored { error, .. } | ApplyEvent::MigrationErrored { error, .. } => {
                m.error = Some(error);
            }
            _ => {}
        }
    }
}

/// The applied configuration: one RDS instance on moto, and a migration block that runs
/// `source` against database `db` of the local server.
fn config(pg: &Pg, run: &str, source: &Path, db: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "eu-north-1"
}}

resource "aws_db_instance" "db" {{
  identifier          = "mbench-{run}"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "bench"
  password            = "bench-password-1"
  db_name             = "app"
  skip_final_snapshot = true
}}

migration "schema" {{
  database        = aws_db_instance.db
  source          = "{source}"
  engine          = "postgres"
  host            = "{host}"
  port            = {port}
  username        = "{user}"
  password        = "{password}"
  database_name   = "{db}"
  tls             = "disable"
  snapshot_before = false
}}
"#,
        source = source.display(),
        host = pg.host,
        port = pg.port,
        user = pg.user,
        password = pg.password,
    )
}

/// One apply; returns the delays after the instance's `Complete` event: stage start, lock
/// acquired, first file started, first statement executed.
fn apply_once(pg: &Pg, rt: &tokio::runtime::Runtime, run: usize) -> [Option<Duration>; 4] {
    let db = format!("mbench_apply_{run}");
    rt.block_on(pg.recreate(&db, false));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let migrations = dir.join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(
        migrations.join("V1__first.sql"),
        "CREATE TABLE first_statement AS SELECT clock_timestamp() AS at;\n",
    )
    .unwrap();
    std::fs::write(
        migrations.join("V2__next.sql"),
        "CREATE TABLE t2 (id int);\n",
    )
    .unwrap();
    let cfg = config(
        pg,
        &format!("{}-{run}", std::process::id()),
        &migrations,
        &db,
    );
    std::fs::write(dir.join("main.tf"), cfg).unwrap();
    let sink = Arc::new(Sink(Mutex::new(Marks::default())));
    let report = ops::apply(
        &workspace(dir),
        &ApplyCmdOptions::default(),
        |_| true,
        ops::aws_provider,
        sink.clone(),
    );
    let marks = std::mem::take(&mut *sink.0.lock().unwrap());
    if let Some(e) = marks.error {
        fail(format!("apply failed: {e}"));
    }
    if report.diags.has_errors() || !report.outcome.as_ref().is_some_and(|o| o.is_success()) {
        fail(format!("apply failed: {:?}", report.diags));
    }
    let first_us: i64 = rt.block_on(async {
        let mut c = pg.connect(&db).await;
        let us = sqlx::query_scalar::<_, i64>(
            "SELECT (extract(epoch FROM at) * 1000000)::bigint FROM first_statement",
        )
        .fetch_one(&mut c)
        .await
        .unwrap_or_else(|e| fail(format!("reading the first statement's time: {e}")));
        let _ = c.close().await;
        us
    });
    rt.block_on(pg.recreate(&db, true));
    let (at, wall) = marks
        .available
        .unwrap_or_else(|| fail("no Complete event for aws_db_instance.db".into()));
    let wall_us = i64::try_from(wall.duration_since(UNIX_EPOCH).unwrap().as_micros()).unwrap();
    let first = u64::try_from(first_us - wall_us)
        .ok()
        .map(Duration::from_micros);
    let after = |x: Option<Instant>| x.map(|x| x.saturating_duration_since(at));
    [
        after(marks.stage_start),
        after(marks.lock_acquired),
        after(marks.first_file),
        first,
    ]
}

fn workspace(dir: &Path) -> Workspace {
    Workspace {
        dir: dir.to_path_buf(),
        name: "default".into(),
        env: std::env::vars().collect(),
    }
}

fn first_statement(pg: &Pg, reps: usize) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let runs: Vec<[Option<Duration>; 4]> = (0..reps).map(|r| apply_once(pg, &rt, r)).collect();
    let row = |label: &str, k: usize| {
        let xs: Vec<f64> = runs.iter().filter_map(|r| r[k]).map(ms).collect();
        if xs.len() == runs.len() {
            let best = xs.iter().copied().fold(f64::INFINITY, f64::min);
            println!("  {label:<58} {:>8.3} ms  (best {best:.3})", median(xs));
        } else {
            // The stage's status lines changed (src/ops/migration_stage.rs).
            println!("  {label:<58} n/a");
        }
    };
    println!(
        "database available → first migration statement: apply of an aws_db_instance and a migration block; median of {reps} applies"
    );
    println!("  after the instance's Complete event:");
    row("FIRST STATEMENT EXECUTES", 3);
    row("  the stage starts", 0);
    row("  lock acquired (evaluate the block, connect, lock)", 1);
    row(
        "  first file starts (history table, read it, check files)",
        2,
    );
}

fn main() {
    let env = |k: &str| {
        std::env::var(k).unwrap_or_else(|_| {
            fail(format!(
                "set {k} (scripts/bench.sh migrate starts moto and PostgreSQL)"
            ))
        })
    };
    let moto = env("TERRACE_BENCH_MOTO_URL");
    let pg = Pg::parse(&env("TERRACE_BENCH_PG_URL")).unwrap_or_else(|| {
        fail("TERRACE_BENCH_PG_URL: expected postgres://user:password@host:port/database".into())
    });
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::set_var("AWS_ENDPOINT_URL", &moto);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = args.first().and_then(|x| x.parse().ok()).unwrap_or(200);
    let reps = args.get(1).and_then(|x| x.parse().ok()).unwrap_or(7);
    if n == 0 || reps == 0 {
        fail("usage: migrate_bench [N ≥ 1] [REPS ≥ 1]".into());
    }
    overhead(&pg, n, reps);
    first_statement(&pg, reps);
}

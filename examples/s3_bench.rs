//! Benchmark of the S3 state backend on moto: S3 requests and bytes per apply (of
//! examples/three-tier and of the generated 1,000-resource configuration), and the latency
//! of taking and releasing the `.tflock` lock. `scripts/bench.sh s3` starts moto and
//! PostgreSQL (for the three-tier migration stage) and runs this.
//!
//! The state backend's endpoint is a counting proxy in front of moto, so every S3 request
//! the `terrace` binary sends is seen with its body size; EC2 and RDS go to moto directly.
//!
//! Environment: `TERRACE_BENCH_MOTO_URL`, `TERRACE_BENCH_PG_URL` (a superuser URL),
//! `TERRACE_BENCH_BIN` (the `terrace` binary), `TERRACE_BENCH_GEN` (the `gen_config` example).

#[path = "../tests/integration/fault_proxy.rs"]
mod fault_proxy;

use fault_proxy::{Exchange, FaultProxy, Faults};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use terrace::state::{BackendSettings, S3Backend, S3Settings};

const REGION: &str = "us-east-1";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("set {name} (scripts/bench.sh s3 sets it)");
        std::process::exit(2)
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name.to_string_lossy().ends_with(".tfplan") || name == "state" || name == ".terrace" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(&name));
        } else {
            std::fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

fn backend_block(bucket: &str, key: &str, endpoint: &str) -> String {
    format!(
        "  backend \"s3\" {{\n    bucket         = \"{bucket}\"\n    key            = \"{key}\"\n    region         = \"{REGION}\"\n    use_path_style = true\n    use_lockfile   = true\n    endpoints {{\n      s3 = \"{endpoint}\"\n    }}\n  }}\n"
    )
}

/// Runs the terrace binary in `dir`; exits on failure.
fn terrace(dir: &Path, args: &[&str]) -> Duration {
    let t = Instant::now();
    let out = Command::new(env("TERRACE_BENCH_BIN"))
        .args(args)
        .current_dir(dir)
        .env("AWS_ENDPOINT_URL", env("TERRACE_BENCH_MOTO_URL"))
        .env("AWS_REGION", REGION)
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .unwrap();
    if !out.status.success() {
        eprintln!(
            "terrace {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::process::exit(1);
    }
    t.elapsed()
}

/// What kind of S3 request an exchange was.
fn kind(e: &Exchange) -> String {
    let what = if e.target.contains("?delete") {
        "DeleteObjects"
    } else if e.target.contains("list-type=2") {
        "ListObjectsV2"
    } else if e.target.contains(".tflock") {
        "lock object"
    } else if e.target.contains(".journal/") {
        "journal segment"
    } else if e.method == "HEAD" {
        "bucket"
    } else {
        "state object"
    };
    format!("{} {what}", e.method)
}

/// Prints the requests and bytes of `exchanges` by kind; returns (requests, bytes up).
fn report(label: &str, exchanges: &[Exchange], final_state: u64) -> (usize, u64) {
    let mut by: BTreeMap<String, (usize, u64, u64)> = BTreeMap::new();
    for e in exchanges {
        let x = by.entry(kind(e)).or_default();
        x.0 += 1;
        x.1 += e.bytes_up;
        x.2 += e.bytes_down;
    }
    let up: u64 = exchanges.iter().map(|e| e.bytes_up).sum();
    let down: u64 = exchanges.iter().map(|e| e.bytes_down).sum();
    println!(
        "{label}: {} S3 requests, {up} bytes up, {down} bytes down; final state {final_state} bytes; up / final = {:.2}",
        exchanges.len(),
        up as f64 / final_state.max(1) as f64
    );
    for (k, (n, u, d)) in by {
        println!("  {k}: {n} requests, {u} bytes up, {d} bytes down");
    }
    (exchanges.len(), up)
}

fn create_bucket(moto: &str, bucket: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .load()
            .await;
        let conf = aws_sdk_s3::config::Builder::from(&sdk)
            .endpoint_url(moto)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
            .create_bucket()
            .bucket(bucket)
            .send()
            .await
            .expect("create the bucket");
    });
}

/// Makes the example's database role and database on the benchmark's PostgreSQL.
fn three_tier_database(pg: &str) -> u16 {
    use sqlx::{ConnectOptions, Executor};
    let opts: sqlx::postgres::PgConnectOptions = pg.parse().expect("TERRACE_BENCH_PG_URL");
    let port = opts.get_port();
    let user = opts.get_username().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut c = opts.connect().await.expect("connect to PostgreSQL");
        for sql in [
            "DROP DATABASE IF EXISTS app WITH (FORCE)".to_string(),
            "DROP ROLE IF EXISTS app_admin".to_string(),
            "CREATE ROLE app_admin LOGIN PASSWORD 'sandbox-Passw0rd-2024'".to_string(),
            format!("GRANT app_admin TO {user}"),
            "CREATE DATABASE app OWNER app_admin".to_string(),
        ] {
            c.execute(sql.as_str()).await.expect(&sql);
        }
    });
    port
}

fn state_size(moto: &str, bucket: &str, key: &str) -> u64 {
    let b = library_backend(moto, bucket, key);
    let s = b.load_snapshot().unwrap().expect("a state");
    serde_json::to_vec_pretty(&s).unwrap().len() as u64 + 1
}

/// For comparison: the bytes a whole-state write after every resource would upload, with the
/// final state's resources recorded in order (the state with its first k resources, for
/// every k).
fn whole_state_per_resource(moto: &str, bucket: &str, key: &str) -> u64 {
    let b = library_backend(moto, bucket, key);
    let full = b.load_snapshot().unwrap().expect("a state");
    let mut s = full.clone();
    s.resources.clear();
    let mut total = 0;
    for r in &full.resources {
        s.resources.push(r.clone());
        total += serde_json::to_vec_pretty(&s).unwrap().len() as u64 + 1;
    }
    total
}

fn library_backend(endpoint: &str, bucket: &str, key: &str) -> S3Backend {
    let mut s = BackendSettings::new();
    for (k, v) in [
        ("bucket", bucket),
        ("key", key),
        ("region", REGION),
        ("access_key", "testing"),
        ("secret_key", "testing"),
    ] {
        s.insert(k.into(), serde_json::Value::String(v.into()));
    }
    s.insert("use_path_style".into(), serde_json::Value::Bool(true));
    s.insert("use_lockfile".into(), serde_json::Value::Bool(true));
    s.insert("endpoints".into(), serde_json::json!({ "s3": endpoint }));
    S3Backend::open(S3Settings::from_map(&s).unwrap(), "default").unwrap()
}

fn three_tier(moto: &str, proxy: &FaultProxy, bucket: &str) {
    let port = three_tier_database(&env("TERRACE_BENCH_PG_URL"));
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo.join("modules"), &tmp.path().join("modules"));
    let dir = tmp.path().join("examples/three-tier");
    copy_dir(&repo.join("examples/three-tier"), &dir);
    let main = dir.join("main.tf");
    let text = std::fs::read_to_string(&main).unwrap().replacen(
        "  backend \"local\" {}\n",
        &backend_block(bucket, "three-tier.tfstate", &proxy.url()),
        1,
    );
    assert!(
        text.contains("backend \"s3\""),
        "the example's backend block moved"
    );
    std::fs::write(&main, text).unwrap();
    let port = format!("-var=migration_port={port}");
    let vars = ["-var-file=sandbox.tfvars", port.as_str()];
    let with = |verb: &[&'static str]| -> Vec<&str> {
        verb.iter().copied().chain(vars.iter().copied()).collect()
    };
    let at = proxy.exchanges().len();
    terrace(&dir, &["init", "-input=false"]);
    report("init", &proxy.exchanges()[at..], 0);
    let at = proxy.exchanges().len();
    let took = terrace(&dir, &with(&["apply", "-auto-approve", "-input=false"]));
    let size = state_size(moto, bucket, "three-tier.tfstate");
    report(
        &format!(
            "three-tier apply (creates everything, runs the migrations; {:.1}s)",
            took.as_secs_f64()
        ),
        &proxy.exchanges()[at..],
        size,
    );
    println!(
        "  (a whole-state write per resource would upload about {} bytes)",
        whole_state_per_resource(moto, bucket, "three-tier.tfstate")
    );
    let at = proxy.exchanges().len();
    terrace(&dir, &with(&["apply", "-auto-approve", "-input=false"]));
    report(
        "three-tier apply with no changes",
        &proxy.exchanges()[at..],
        size,
    );
    let at = proxy.exchanges().len();
    terrace(&dir, &with(&["plan", "-input=false"]));
    report("three-tier plan", &proxy.exchanges()[at..], size);
}

fn generated(moto: &str, proxy: &FaultProxy, bucket: &str, n: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ok = Command::new(env("TERRACE_BENCH_GEN"))
        .arg(n.to_string())
        .arg(dir)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "gen_config failed");
    let vars = dir.join("variables.tf");
    let text = std::fs::read_to_string(&vars).unwrap().replacen(
        "terraform {\n",
        &format!(
            "terraform {{\n{}",
            backend_block(bucket, "generated.tfstate", &proxy.url())
        ),
        1,
    );
    std::fs::write(&vars, text).unwrap();
    terrace(dir, &["init", "-input=false"]);
    let at = proxy.exchanges().len();
    let took = terrace(
        dir,
        &["apply", "-auto-approve", "-input=false", "-parallelism=20"],
    );
    let size = state_size(moto, bucket, "generated.tfstate");
    report(
        &format!(
            "apply of {n} generated resources ({:.1}s)",
            took.as_secs_f64()
        ),
        &proxy.exchanges()[at..],
        size,
    );
    println!(
        "  (a whole-state write per resource would upload about {} bytes)",
        whole_state_per_resource(moto, bucket, "generated.tfstate")
    );
    let at = proxy.exchanges().len();
    terrace(
        dir,
        &[
            "destroy",
            "-auto-approve",
            "-input=false",
            "-parallelism=20",
        ],
    );
    let after = library_backend(moto, bucket, "generated.tfstate")
        .load_snapshot()
        .unwrap()
        .map_or(0, |s| {
            serde_json::to_vec_pretty(&s).unwrap().len() as u64 + 1
        });
    report(
        &format!("destroy of the {n}"),
        &proxy.exchanges()[at..],
        after,
    );
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Takes and releases the lock `rounds` times against moto directly.
fn lock_latency(moto: &str, bucket: &str, rounds: usize) {
    let b = library_backend(moto, bucket, "lock-bench.tfstate");
    let (mut take, mut release) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let guard = b.lock("bench", Duration::ZERO).expect("lock");
        take.push(t.elapsed());
        let t = Instant::now();
        guard.release().expect("release");
        release.push(t.elapsed());
    }
    take.sort();
    release.sort();
    println!("lock on moto ({rounds} rounds): acquire median {:.2} ms, p90 {:.2} ms; release median {:.2} ms, p90 {:.2} ms",
        percentile(&take, 0.5), percentile(&take, 0.9), percentile(&release, 0.5), percentile(&release, 0.9));
    println!("  acquire = one conditional PutObject; release = GetObject (is it still ours?) + DeleteObject");
}

fn main() {
    let moto = env("TERRACE_BENCH_MOTO_URL");
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    let bucket = format!("s3-bench-{}", std::process::id());
    create_bucket(&moto, &bucket);
    let proxy = FaultProxy::start(&moto, Faults::default());
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    three_tier(&moto, &proxy, &bucket);
    generated(&moto, &proxy, &bucket, n);
    lock_latency(&moto, &bucket, 200);
}

//! Helpers: temporary configurations, loading through the library, running the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use terrace::diag::Diagnostics;
use terrace::eval::inputs::VarArg;
use terrace::eval::EvalMode;
use terrace::ops::{self, LoadOptions, Loaded, Workspace};
use terrace::render::{render_diagnostics, Style};

/// A temporary directory holding a configuration.
pub struct TempConfig {
    pub dir: tempfile::TempDir,
}

impl TempConfig {
    /// Writes `files` (relative path, content) into a new temporary directory.
    pub fn new(files: &[(&str, &str)]) -> TempConfig {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        TempConfig { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Loads a configuration directory through the library, in validate mode.
pub fn load_dir(dir: &Path, vars: &[VarArg], mode: EvalMode) -> Loaded {
    let ws = Workspace {
        dir: dir.to_path_buf(),
        name: "default".into(),
        env: Vec::new(),
    };
    ops::load(
        &ws,
        &LoadOptions {
            vars: vars.to_vec(),
            mode,
        },
    )
}

/// Loads a single `main.tf` and returns the rendered diagnostics (plain text) and the
/// diagnostics themselves. Paths in the text are relative to the temporary directory.
pub fn check(main_tf: &str) -> (String, Diagnostics, Loaded) {
    let cfg = TempConfig::new(&[("main.tf", main_tf)]);
    let loaded = load_dir(cfg.path(), &[], EvalMode::Validate);
    let text = render_diagnostics(&loaded.diags, &loaded.config.sources, Style::plain());
    let prefix = format!("{}/", cfg.path().display());
    (text.replace(&prefix, ""), loaded.diags.clone(), loaded)
}

/// `file:line:col` of each diagnostic, for exact-position assertions.
pub fn positions(loaded: &Loaded) -> Vec<(String, usize, usize)> {
    loaded
        .diags
        .iter()
        .filter_map(|d| {
            let s = d.span.as_ref()?;
            let f = loaded.config.sources.get(s.file)?;
            let lc = f.line_col(s.range.start);
            Some((d.summary.clone(), lc.line, lc.col))
        })
        .collect()
}

/// The path of the repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The moto endpoint started by `scripts/test.sh`; fails the test with instructions when
/// it is not running.
pub fn moto_url() -> String {
    match std::env::var("TERRACE_TEST_MOTO_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => panic!(
            "this test needs moto (the local AWS endpoint), and TERRACE_TEST_MOTO_URL is not set.\n\
             Run the suite with scripts/test.sh, which starts it, or start it yourself:\n  \
             python3 -m venv .venv && .venv/bin/pip install 'moto[server]>=5.1,<6'\n  \
             .venv/bin/moto_server -H 127.0.0.1 -p 5000 &\n  \
             export TERRACE_TEST_MOTO_URL=http://127.0.0.1:5000"
        ),
    }
}

/// Runs the `terrace` binary with `args` in `dir`; returns (exit code, stdout, stderr).
/// AWS calls go to moto when it runs (`TERRACE_TEST_MOTO_URL`), else to a closed local port,
/// never to AWS; credentials are dummies.
pub fn terrace(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = terrace_command(dir, args, "us-east-1")
        .output()
        .expect("run terrace");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `terrace` binary with `args` in `dir`, talking to moto in `region` with test
/// credentials (no profile, no workspace override, no colour, no stdin).
pub fn terrace_command(dir: &Path, args: &[&str], region: &str) -> Command {
    let endpoint =
        std::env::var("TERRACE_TEST_MOTO_URL").unwrap_or_else(|_| "http://127.0.0.1:9".into());
    let mut c = Command::new(env!("CARGO_BIN_EXE_terrace"));
    c.args(args)
        .current_dir(dir)
        .env_remove("TF_WORKSPACE")
        .env_remove("AWS_PROFILE")
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", region)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(std::process::Stdio::null());
    c
}

/// The PostgreSQL server started by `scripts/test.sh` (a URL like
/// `postgres://user:password@127.0.0.1:PORT/db`, whose user may create databases); fails
/// the test with instructions when it is not set.
pub fn pg_url() -> String {
    match std::env::var("TERRACE_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => panic!(
            "this test needs PostgreSQL, and TERRACE_TEST_PG_URL is not set.\n\
             Run the suite with scripts/test.sh, which starts it, or start one yourself:\n  \
             bash -c '. scripts/services.sh && ensure_postgres && start_postgres 55432 /tmp/terrace-pg'\n  \
             export TERRACE_TEST_PG_URL=postgres://terrace:terrace@127.0.0.1:55432/terrace"
        ),
    }
}

/// The MariaDB server started by `scripts/test.sh` (a URL like
/// `mysql://user:password@127.0.0.1:PORT/db`, whose user may create databases); fails the
/// test with instructions when it is not set.
pub fn mysql_url() -> String {
    match std::env::var("TERRACE_TEST_MYSQL_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => panic!(
            "this test needs MariaDB (or MySQL), and TERRACE_TEST_MYSQL_URL is not set.\n\
             Run the suite with scripts/test.sh, which starts it, or start one yourself:\n  \
             bash -c '. scripts/services.sh && ensure_mariadb && start_mariadb 53306 /tmp/terrace-mariadb'\n  \
             export TERRACE_TEST_MYSQL_URL=mysql://terrace:terrace@127.0.0.1:53306/terrace"
        ),
    }
}

/// A role and database of their own on the test PostgreSQL for one run of
/// examples/three-tier, named `tag`, with the example's sandbox password: returns the
/// `-var` arguments that point the example's database variables and migration overrides at
/// it.
pub fn three_tier_database(tag: &str) -> Vec<String> {
    use sqlx::{ConnectOptions, Executor};
    let url = pg_url();
    let rest = url.split_once("://").expect("scheme").1;
    let (auth, rest) = rest.rsplit_once('@').expect("user@host");
    let (user, password) = auth.split_once(':').expect("user:password");
    let (hostport, db) = rest.split_once('/').expect("/database");
    let (host, port) = hostport.rsplit_once(':').expect("host:port");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c = sqlx::postgres::PgConnectOptions::new_without_pgpass()
            .host(host)
            .port(port.parse().expect("port"))
            .username(user)
            .password(password)
            .database(db)
            .connect()
            .await
            .expect("connect to the test PostgreSQL");
        for sql in [
            format!("DROP DATABASE IF EXISTS {tag} WITH (FORCE)"),
            format!("DROP ROLE IF EXISTS {tag}"),
            format!("CREATE ROLE {tag} LOGIN PASSWORD 'sandbox-Passw0rd-2024'"),
            format!("GRANT {tag} TO {user}"),
            format!("CREATE DATABASE {tag} OWNER {tag}"),
        ] {
            c.execute(sql.as_str())
                .await
                .expect("prepare the sandbox database");
        }
    });
    vec![
        format!("-var=migration_port={port}"),
        format!("-var=db_username={tag}"),
        format!("-var=db_name={tag}"),
    ]
}

/// Copies `from` into `to` recursively, leaving out `state` directories (so state and lock
/// files of a local run never reach a test).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let Some(name) = p.file_name() else { continue };
        if name == "state" {
            continue;
        }
        if p.is_dir() {
            copy_dir(&p, &to.join(name));
        } else {
            std::fs::copy(&p, to.join(name)).unwrap();
        }
    }
}

/// A current-thread runtime and an S3 client on moto (path-style, as the backend's `use_path_style`).
pub fn s3_client() -> (tokio::runtime::Runtime, aws_sdk_s3::Client) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let conf = aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .endpoint_url(moto_url())
        .force_path_style(true)
        .build();
    (rt, aws_sdk_s3::Client::from_conf(conf))
}

/// Points the copied examples/three-tier in `dir` at an S3 state (`key` in `bucket` on moto,
/// with lockfile locking) instead of its local backend. `init` is still to be run.
pub fn three_tier_in_s3(dir: &Path, bucket: &str, key: &str) {
    let main = dir.join("main.tf");
    let text = std::fs::read_to_string(&main).unwrap().replacen(
        "  backend \"local\" {}",
        &format!(
            "  backend \"s3\" {{\n    bucket         = \"{bucket}\"\n    key            = \"{key}\"\n    region         = \"us-east-1\"\n    use_path_style = true\n    use_lockfile   = true\n    endpoints {{\n      s3 = \"{}\"\n    }}\n  }}\n",
            moto_url()
        ),
        1,
    );
    assert!(
        text.contains("backend \"s3\""),
        "the example's backend block moved"
    );
    std::fs::write(&main, text).unwrap();
}

/// examples/three-tier and the modules it uses, copied into a temporary directory.
pub fn copy_example() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for sub in ["examples/three-tier", "modules"] {
        copy_dir(&repo().join(sub), &tmp.path().join(sub));
    }
    tmp
}

//! The templates of examples/ci, run: every `terrace …` command line of a template, in the
//! file's order, through `sh` (so quoting, `$VARIABLES` and `> file` redirections work as on
//! a runner), against a copy of examples/three-tier whose state lives in a moto S3 bucket,
//! on moto EC2/RDS, with the migration stage on the test PostgreSQL. A template whose
//! commands stop working fails here.
//!
//! What counts as a command: in YAML, a line (after joining `\` continuations) that is
//! `terrace …` on its own, as a `- terrace …` list item or as `run: terrace …`, including the
//! lines of `run: |` blocks; in the Jenkinsfile, a single-quoted Groovy string that starts
//! with `terrace ` (as in `sh 'terrace …'`). `CMD || rc=$?` (a step that records the exit
//! status instead of failing) runs as CMD. Every command must exit 0.

use crate::support::{copy_example, moto_url, repo, three_tier_database};
use std::path::PathBuf;
use std::process::Command;

/// The sandbox password of examples/three-tier, which [`three_tier_database`] gives the
/// test role; a CI secret, so it comes from the environment and must never be printed.
const DB_PASSWORD: &str = "sandbox-Passw0rd-2024";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Syntax {
    Yaml,
    Jenkinsfile,
}

/// The `terrace` command lines of a template, in order.
fn commands(syntax: Syntax, text: &str) -> Vec<String> {
    let quoted = regex::Regex::new(r"'(terrace [^']*)'").unwrap();
    let mut out = Vec::new();
    for line in logical_lines(text) {
        let t = line.trim_start();
        let found: Vec<String> = match syntax {
            Syntax::Yaml => {
                let t = t.strip_prefix("- ").unwrap_or(t).trim_start();
                let t = t.strip_prefix("run: ").unwrap_or(t).trim_start();
                if t.starts_with("terrace ") {
                    vec![t.to_string()]
                } else {
                    Vec::new()
                }
            }
            Syntax::Jenkinsfile if t.starts_with("//") => Vec::new(),
            Syntax::Jenkinsfile => quoted.captures_iter(t).map(|c| c[1].to_string()).collect(),
        };
        for cmd in found {
            let cmd = cmd.split(" || ").next().unwrap_or(&cmd).trim().to_string();
            out.push(cmd);
        }
    }
    out
}

/// Lines with `\`-continuations joined.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        match line.strip_suffix('\\') {
            Some(head) => {
                pending.push_str(if pending.is_empty() {
                    head.trim_end()
                } else {
                    head.trim()
                });
                pending.push(' ');
            }
            None => {
                pending.push_str(if pending.is_empty() {
                    line
                } else {
                    line.trim_start()
                });
                out.push(std::mem::take(&mut pending));
            }
        }
    }
    if !pending.is_empty() {
        out.push(pending);
    }
    out
}

#[test]
fn command_extraction_follows_the_syntax() {
    let yaml = "script:\n  - terrace init -input=false\n  # terrace plan (a comment)\n  - echo terrace\n  - run: |\n      terrace show tfplan \\\n        > plan.md\n      terrace drift || rc=$?\n";
    assert_eq!(
        commands(Syntax::Yaml, yaml),
        [
            "terrace init -input=false",
            "terrace show tfplan > plan.md",
            "terrace drift"
        ]
    );
    let groovy = "// sh 'terrace fmt'\nsh 'terrace validate -json'\nint rc = sh(returnStatus: true, script: 'terrace drift --out d.md')\necho 'terraced'\n";
    assert_eq!(
        commands(Syntax::Jenkinsfile, groovy),
        ["terrace validate -json", "terrace drift --out d.md"]
    );
}

/// A copy of examples/three-tier set up as a pipeline finds it: `backend "s3" {}`, a
/// backend configuration and a variables file per environment, a bucket for the state.
struct Pipeline {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    env: Vec<(String, String)>,
    bucket: String,
    region: &'static str,
}

const STATE_KEY: &str = "three-tier/ci.tfstate";

impl Pipeline {
    fn new(tag: &str, region: &'static str) -> Pipeline {
        let url = moto_url();
        let tmp = copy_example();
        let dir = tmp.path().join("examples/three-tier");
        let main = std::fs::read_to_string(dir.join("main.tf")).unwrap();
        assert!(main.contains("backend \"local\" {}"), "main.tf changed");
        std::fs::write(
            dir.join("main.tf"),
            main.replace("backend \"local\" {}", "backend \"s3\" {}"),
        )
        .unwrap();
        let id = format!("{tag}{}", std::process::id() % 100_000);
        let bucket = format!("terrace-ci-{id}");
        create_bucket(&url, region, &bucket);
        std::fs::create_dir_all(dir.join("environments")).unwrap();
        std::fs::write(
            dir.join("environments/ci.s3.tfbackend"),
            format!(
                "bucket         = \"{bucket}\"\nkey            = \"{STATE_KEY}\"\nregion         = \"{region}\"\nencrypt        = true\nuse_lockfile   = true\nuse_path_style = true\nendpoints      = {{ s3 = \"{url}\" }}\n"
            ),
        )
        .unwrap();
        // The sandbox's variables, with a region, a project and a database of this test's
        // own; the password is left to the environment, as a CI secret would be.
        let mut vars = tfvars(&std::fs::read_to_string(dir.join("sandbox.tfvars")).unwrap());
        vars.retain(|(k, _)| k != "db_password");
        let mut set = |k: &str, v: String| match vars.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = v,
            None => vars.push((k.to_string(), v)),
        };
        set("region", format!("\"{region}\""));
        set("azs", format!("[\"{region}a\", \"{region}b\"]"));
        set("project", format!("\"{id}\""));
        for arg in three_tier_database(&id) {
            let (k, v) = arg
                .strip_prefix("-var=")
                .and_then(|kv| kv.split_once('='))
                .expect("-var=NAME=VALUE");
            let v = if v.parse::<u32>().is_ok() {
                v.to_string()
            } else {
                format!("\"{v}\"")
            };
            set(k, v);
        }
        let width = vars.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let text: String = vars
            .iter()
            .map(|(k, v)| format!("{k:<width$} = {v}\n"))
            .collect();
        std::fs::write(dir.join("environments/ci.tfvars"), text).unwrap();

        let bin = PathBuf::from(env!("CARGO_BIN_EXE_terrace"));
        let path = format!(
            "{}:{}",
            bin.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let env = [
            ("PATH", path),
            ("TF_ROOT", dir.display().to_string()),
            ("TF_BACKEND_CONFIG", "environments/ci.s3.tfbackend".into()),
            ("TF_VAR_FILE", "environments/ci.tfvars".into()),
            ("TF_VAR_db_password", DB_PASSWORD.into()),
            ("CI", "true".into()),
            ("TF_IN_AUTOMATION", "1".into()),
            ("NO_COLOR", "1".into()),
            ("AWS_ENDPOINT_URL", url.clone()),
            ("AWS_ENDPOINT_URL_S3", url),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", region.into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Pipeline {
            _tmp: tmp,
            dir,
            env,
            bucket,
            region,
        }
    }

    /// Runs `cmd` with `sh` in the configuration directory, as a runner would after
    /// `cd "$TF_ROOT"`; an unset variable is an error. Returns (exit code, stdout, stderr).
    fn sh(&self, cmd: &str) -> (i32, String, String) {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("set -u\n{cmd}"))
            .current_dir(&self.dir)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run sh");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
    }
}

/// `NAME = VALUE` lines of a variables file whose values are on one line.
fn tfvars(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty() && !k.contains(' '))
        .collect()
}

fn s3_client(url: &str, region: &str) -> (tokio::runtime::Runtime, aws_sdk_s3::Client) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(region.to_string()))
        .endpoint_url(url)
        .force_path_style(true)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    (rt, aws_sdk_s3::Client::from_conf(conf))
}

fn create_bucket(url: &str, region: &str, bucket: &str) {
    use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
    let (rt, s3) = s3_client(url, region);
    rt.block_on(async {
        s3.create_bucket()
            .bucket(bucket)
            .create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region))
                    .build(),
            )
            .send()
            .await
            .expect("create the state bucket on moto");
    });
}

/// The keys of the objects in the bucket.
fn bucket_keys(url: &str, region: &str, bucket: &str) -> Vec<String> {
    let (rt, s3) = s3_client(url, region);
    rt.block_on(async {
        s3.list_objects_v2()
            .bucket(bucket)
            .send()
            .await
            .expect("list the state bucket")
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect()
    })
}

/// Runs the template at `path` (relative to the repository) and checks what each stage
/// leaves behind. `reports` lists the files the plan stage must write.
fn run_template(path: &str, syntax: Syntax, region: &'static str, tag: &str, reports: &[&str]) {
    let text = std::fs::read_to_string(repo().join(path)).unwrap();
    let cmds = commands(syntax, &text);
    for c in &cmds {
        assert!(
            !c.contains("${{"),
            "{path}: {c}: expressions belong in env, not in commands"
        );
    }
    // The stages, in this order (init may repeat: each job of a pipeline starts afresh).
    let stages = [
        "terrace plan -input=false ",
        "terrace show -json tfplan > plan.json",
        "terrace show --format markdown tfplan > plan.md",
        "terrace apply -input=false ",
        "terrace drift ",
    ];
    let position = |prefix: &str| {
        cmds.iter()
            .position(|c| c.starts_with(prefix))
            .unwrap_or_else(|| panic!("{path} has no `{prefix}…` command: {cmds:#?}"))
    };
    let at: Vec<usize> = stages.iter().map(|s| position(s)).collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "{path}: stages out of order: {cmds:#?}"
    );
    for before_plan in [
        "terrace init -input=false -backend-config=",
        "terrace fmt -check -recursive",
        "terrace validate -json",
    ] {
        assert!(
            position(before_plan) < at[0],
            "{path}: {before_plan} after plan"
        );
    }
    for r in reports {
        position(&format!("terrace show --format {r} tfplan > "));
    }

    let p = Pipeline::new(tag, region);
    let mut log = String::new();
    for cmd in &cmds {
        let (code, out, err) = p.sh(cmd);
        log.push_str(&format!("$ {cmd}\n{out}{err}"));
        assert_eq!(code, 0, "{path}: `{cmd}` exited {code}:\n{log}");
        if cmd.starts_with("terrace validate -json") {
            let doc: serde_json::Value = serde_json::from_str(&out).expect("validate JSON");
            assert_eq!(doc["valid"], true, "{out}");
        }
        if cmd.starts_with("terrace apply ") {
            // The migration stage is part of apply.
            assert!(out.contains("Apply complete! Resources: 43 added"), "{out}");
            assert!(
                out.contains("module.database.migration.schema: Migrations complete"),
                "{out}"
            );
        }
        assert!(
            !out.contains(DB_PASSWORD) && !err.contains(DB_PASSWORD),
            "`{cmd}` printed the password:\n{log}"
        );
    }

    // Plan: the artifact and the reviewers' views, without the secret.
    for f in ["tfplan", "plan.json", "plan.md"] {
        assert!(!p.read(f).contains(DB_PASSWORD), "{f} holds the password");
    }
    let doc: serde_json::Value = serde_json::from_str(&p.read("plan.json")).unwrap();
    assert_eq!(doc["format_version"], "1.2");
    let md = p.read("plan.md");
    assert!(
        md.starts_with("### Plan: 43 to add, 0 to change, 0 to destroy, 3 migrations to run.\n"),
        "{md}"
    );
    assert!(
        md.contains("`module.database.migration.schema` will run 3 migrations"),
        "{md}"
    );
    if reports.contains(&"gitlab") {
        let report: serde_json::Value = serde_json::from_str(&p.read("plan.gitlab.json")).unwrap();
        assert_eq!(
            report,
            serde_json::json!({"create": 43, "update": 0, "delete": 0})
        );
    }
    // Apply: the state is in the bucket (not in a local file), its lock released, and it
    // lists what the plan created.
    assert!(
        !p.dir.join("state/default.tfstate.json").exists(),
        "a local state was written"
    );
    let keys = bucket_keys(&moto_url(), p.region, &p.bucket);
    assert!(
        keys.iter().any(|k| k == STATE_KEY),
        "no state object in S3: {keys:?}\n{log}"
    );
    assert!(
        !keys.iter().any(|k| k.ends_with(".tflock")),
        "a lock was left behind: {keys:?}"
    );
    let (code, listed, err) = p.sh("terrace state list");
    assert_eq!(code, 0, "{err}");
    let managed = listed
        .lines()
        .filter(|l| !l.split('.').any(|part| part == "data"))
        .count();
    assert_eq!(managed, 43, "{listed}");
    // Drift: the scheduled job finds the cloud as applied.
    assert!(
        p.read("drift.md").contains("No drift"),
        "{}",
        p.read("drift.md")
    );
}

#[test]
fn gitlab_ci_template_runs_on_moto() {
    run_template(
        "examples/ci/gitlab-ci.yml",
        Syntax::Yaml,
        "eu-west-1",
        "gl",
        &["gitlab"],
    );
}

#[test]
fn github_actions_template_runs_on_moto() {
    run_template(
        "examples/ci/github-actions.yml",
        Syntax::Yaml,
        "eu-west-2",
        "gh",
        &[],
    );
}

#[test]
fn jenkinsfile_template_runs_on_moto() {
    run_template(
        "examples/ci/Jenkinsfile",
        Syntax::Jenkinsfile,
        "ap-south-1",
        "jk",
        &[],
    );
}

//! Runs sharing one S3 state, as CI runners do: eight concurrent applies of
//! examples/three-tier take turns through the lock; the lock is released after a failed
//! apply and after Ctrl-C.

use crate::owned::check_exact;
use crate::support::{
    copy_example, moto_url, s3_client, terrace_command, three_tier_database, three_tier_in_s3,
};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use terrace::state::State;

const REGION: &str = "eu-central-1";

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = terrace_command(dir, args, REGION);
    c.env("CI", "true");
    c
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = command(dir, args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An S3 client on moto.
struct Bucket {
    rt: tokio::runtime::Runtime,
    s3: aws_sdk_s3::Client,
    name: String,
}

impl Bucket {
    /// A new bucket named after `tag` and this process.
    fn new(tag: &str) -> Bucket {
        let b = Bucket::existing(format!("runs-{tag}-{}", std::process::id()));
        b.rt.block_on(b.s3.create_bucket().bucket(&b.name).send())
            .expect("create the state bucket");
        b
    }

    fn existing(name: String) -> Bucket {
        let (rt, s3) = s3_client();
        Bucket { rt, s3, name }
    }

    fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.rt.block_on(async {
            let o = self
                .s3
                .get_object()
                .bucket(&self.name)
                .key(key)
                .send()
                .await
                .ok()?;
            Some(o.body.collect().await.ok()?.into_bytes().to_vec())
        })
    }

    fn state(&self, key: &str) -> Option<State> {
        serde_json::from_slice(&self.get(key)?).ok()
    }

    fn keys(&self, prefix: &str) -> Vec<String> {
        self.rt.block_on(async {
            let out = self
                .s3
                .list_objects_v2()
                .bucket(&self.name)
                .prefix(prefix)
                .send()
                .await
                .expect("list the bucket");
            out.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string))
                .collect()
        })
    }
}

/// examples/three-tier in a temporary directory with its state at `key` in `bucket`,
/// initialised.
fn three_tier(bucket: &str, key: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = copy_example();
    let dir = tmp.path().join("examples/three-tier");
    three_tier_in_s3(&dir, bucket, key);
    let (code, out, err) = run(&dir, &["init", "-input=false"]);
    assert_eq!(code, 0, "init failed:\n{out}\n{err}");
    (tmp, dir)
}

/// The example's variables for one stack named `tag` (its own database on the test
/// PostgreSQL).
fn vars(tag: &str) -> Vec<String> {
    let mut v = vec![
        "-var-file=sandbox.tfvars".to_string(),
        format!("-var=region={REGION}"),
        format!("-var=azs=[\"{REGION}a\",\"{REGION}b\"]"),
        format!("-var=project={tag}"),
    ];
    v.extend(three_tier_database(tag));
    v
}

fn app_hosts(s: &State) -> usize {
    s.resources
        .iter()
        .filter(|r| r.type_name == "aws_instance" && r.address.to_string().contains(".app"))
        .count()
}

#[test]
fn eight_concurrent_three_tier_applies_take_turns_on_one_s3_state() {
    let bucket = Bucket::new("eight");
    let key = "three-tier.tfstate";
    let (_tmp, dir) = three_tier(&bucket.name, key);
    let tag = format!("c8p{}", std::process::id() % 100_000);
    let vars = vars(&tag);
    // Watch the serial while the applies run.
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (stop, name) = (stop.clone(), bucket.name.clone());
        std::thread::spawn(move || {
            let b = Bucket::existing(name);
            let mut seen: Vec<(String, u64)> = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                if let Some(s) = b.state(key) {
                    if seen.last().map(|l| l.1) != Some(s.serial) {
                        seen.push((s.lineage, s.serial));
                    }
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            seen
        })
    };
    let runs: Vec<_> = (1..=8)
        .map(|n| {
            let (dir, vars) = (dir.clone(), vars.clone());
            std::thread::spawn(move || {
                let mut args = vec![
                    "apply".to_string(),
                    "-auto-approve".to_string(),
                    "-input=false".to_string(),
                    "-lock-timeout=600s".to_string(),
                ];
                // After the var file, which sets its own count (later wins).
                args.extend(vars);
                args.push(format!("-var=app_count={n}"));
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                (n, run(&dir, &args))
            })
        })
        .collect();
    for r in runs {
        let (n, (code, out, err)) = r.join().unwrap();
        assert_eq!(code, 0, "apply with app_count={n} failed:\n{out}\n{err}");
        // Every run changed the host count of the one before it.
        assert!(out.contains("Apply complete!"), "app_count={n}: {out}");
    }
    stop.store(true, Ordering::Relaxed);
    let seen = watcher.join().unwrap();
    let fin = bucket.state(key).expect("the state in S3");
    // The serial only ever grows, under one lineage; the runs took turns, so every one of
    // them changed the host count and wrote.
    assert!(
        seen.windows(2).all(|w| w[0].1 < w[1].1),
        "serials seen: {seen:?}"
    );
    assert!(seen.iter().all(|(l, _)| *l == fin.lineage), "{seen:?}");
    assert!(fin.serial >= 8, "serial {}", fin.serial);
    assert!(bucket.get(&format!("{key}.tflock")).is_none(), "lock left");
    assert!(
        bucket.keys(&format!("{key}.journal/")).is_empty(),
        "journal segments left"
    );
    // Exactly the objects that exist, each once, nothing untracked.
    check_exact(
        &String::from_utf8(bucket.get(key).unwrap()).unwrap(),
        REGION,
        20,
        "eight concurrent applies",
    );
    // The last run's host count is what the state and the cloud hold: a plan with it is
    // empty.
    let n = app_hosts(&fin);
    assert!((1..=8).contains(&n), "{n} app hosts");
    let mut args = vec![
        "plan".to_string(),
        "-input=false".to_string(),
        "-detailed-exitcode".to_string(),
    ];
    args.extend(vars.clone());
    args.push(format!("-var=app_count={n}"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run(&dir, &args);
    assert_eq!(code, 0, "plan after the runs is not empty:\n{out}\n{err}");
    let mut args = vec!["destroy".to_string(), "-auto-approve".to_string()];
    args.extend(vars);
    args.push(format!("-var=app_count={n}"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run(&dir, &args);
    assert_eq!(code, 0, "destroy:\n{out}\n{err}");
}

/// A configuration whose apply fails: the subnet lies outside its VPC.
const FAILING: &str = r#"
provider "aws" {
  region = "eu-central-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.9.0.0/16"
}

resource "aws_subnet" "outside" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.10.0.0/24"
}
"#;

fn backend(bucket: &str, key: &str) -> String {
    format!(
        "terraform {{\n  backend \"s3\" {{\n    bucket         = \"{bucket}\"\n    key            = \"{key}\"\n    region         = \"us-east-1\"\n    use_path_style = true\n    use_lockfile   = true\n    endpoints {{\n      s3 = \"{}\"\n    }}\n  }}\n}}\n",
        moto_url()
    )
}

#[test]
fn the_lock_is_released_after_a_failed_apply() {
    let bucket = Bucket::new("failed");
    let key = "failed.tfstate";
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("main.tf"),
        format!("{}{FAILING}", backend(&bucket.name, key)),
    )
    .unwrap();
    let (code, out, err) = run(tmp.path(), &["init", "-input=false"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(tmp.path(), &["apply", "-auto-approve"]);
    assert_eq!(code, 1, "the apply should fail:\n{out}\n{err}");
    assert!(
        bucket.get(&format!("{key}.tflock")).is_none(),
        "a failed apply left its lock"
    );
    // What was created before the failure is in state.
    let s = bucket.state(key).expect("state");
    assert!(
        s.resources.iter().any(|r| r.type_name == "aws_vpc"),
        "{:?}",
        s.resources
    );
    assert!(bucket.keys(&format!("{key}.journal/")).is_empty());
    // The next run is not blocked.
    let (code, out, err) = run(tmp.path(), &["destroy", "-auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn the_lock_is_released_after_ctrl_c() {
    let bucket = Bucket::new("interrupt");
    let key = "interrupt.tfstate";
    let (_tmp, dir) = three_tier(&bucket.name, key);
    let tag = format!("ccp{}", std::process::id() % 100_000);
    let vars = vars(&tag);
    let mut args = vec!["apply", "-auto-approve", "-input=false"];
    args.extend(vars.iter().map(String::as_str));
    let mut child = command(&dir, &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let mut printed = String::new();
    // Interrupt once some resources are done and others are still to start.
    let mut complete = 0;
    while complete < 3 {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        printed.push_str(&line);
        if line.contains(" complete after ") {
            complete += 1;
        }
    }
    assert!(complete == 3, "the apply ended early:\n{printed}");
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        !status.success(),
        "an interrupted apply must not succeed:\n{rest}\n{err}"
    );
    assert!(
        rest.contains("Interrupt received") && err.contains("not attempted: interrupted"),
        "no word of the interrupt:\n{rest}\n{err}"
    );
    assert!(
        bucket.get(&format!("{key}.tflock")).is_none(),
        "Ctrl-C left the lock:\n{rest}\n{err}"
    );
    assert!(
        bucket.keys(&format!("{key}.journal/")).is_empty(),
        "an interrupted apply that ended normally folds its journal"
    );
    // Everything it created is in state, and the next apply finishes the job.
    check_exact(
        &String::from_utf8(bucket.get(key).unwrap()).unwrap(),
        REGION,
        3,
        "after Ctrl-C",
    );
    let mut args = vec!["apply", "-auto-approve", "-input=false"];
    args.extend(vars.iter().map(String::as_str));
    let (code, out, err) = run(&dir, &args);
    assert_eq!(code, 0, "apply after Ctrl-C:\n{out}\n{err}");
    let mut args = vec!["destroy", "-auto-approve", "-input=false"];
    args.extend(vars.iter().map(String::as_str));
    let (code, out, err) = run(&dir, &args);
    assert_eq!(code, 0, "destroy:\n{out}\n{err}");
}

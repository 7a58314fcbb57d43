//! Crash safety on moto: `terrace apply` of examples/three-tier is killed (SIGKILL) at more
//! than twenty points, then applied again. Every run must converge: the second apply
//! succeeds, the next plan changes no resource, every object tagged with the state's lineage
//! is in state exactly once (no duplicate, nothing untracked), and destroy leaves nothing.

use crate::owned::{check_exact, owned_objects};
use crate::support::{
    copy_example, moto_url, s3_client, terrace_command, three_tier_database, three_tier_in_s3,
};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const REGION: &str = "ap-southeast-1";

fn command(dir: &Path, args: &[&str]) -> Command {
    terrace_command(dir, args, REGION)
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = command(dir, args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Where a kill test keeps its state: the local file, or an S3 bucket on moto (one key per
/// point).
#[derive(Clone, Copy)]
enum Store<'a> {
    Local,
    S3(&'a str),
}

/// The state as the store holds it now.
fn state_text(dir: &Path, store: Store<'_>, point: usize) -> String {
    match store {
        Store::Local => std::fs::read_to_string(dir.join("state/default.tfstate.json")).unwrap(),
        Store::S3(bucket) => {
            let (rt, c) = s3_client();
            rt.block_on(async {
                let o = c
                    .get_object()
                    .bucket(bucket)
                    .key(format!("kill/{point}.tfstate"))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("point {point}: no state in S3: {e}"));
                String::from_utf8(o.body.collect().await.unwrap().into_bytes().to_vec()).unwrap()
            })
        }
    }
}

/// The keys of the S3 journal segments of kill point `point`'s state.
fn journal_segments(bucket: &str, point: usize) -> Vec<String> {
    let (rt, c) = s3_client();
    rt.block_on(async {
        let out = c
            .list_objects_v2()
            .bucket(bucket)
            .prefix(format!("kill/{point}.tfstate.journal/"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("point {point}: cannot list the bucket: {e}"));
        out.contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect()
    })
}

/// One kill point: the first apply is killed right after it printed `lines` lines, plus a
/// few milliseconds that vary with the point.
fn kill_and_recover(point: usize, lines: usize, store: Store<'_>) {
    let tmp = copy_example();
    let dir = tmp.path().join("examples/three-tier");
    if let Store::S3(bucket) = store {
        three_tier_in_s3(&dir, bucket, &format!("kill/{point}.tfstate"));
        let (code, out, err) = run(&dir, &["init", "-input=false"]);
        assert_eq!(code, 0, "point {point}: init failed:\n{out}\n{err}");
    }
    let project = format!("-var=project=k{point}p{}", std::process::id() % 10_000);
    let region = format!("-var=region={REGION}");
    let azs = format!("-var=azs=[\"{REGION}a\",\"{REGION}b\"]");
    let db = three_tier_database(&format!("k{point}p{}", std::process::id() % 10_000));
    let mut vars = vec![
        "-var-file=sandbox.tfvars",
        region.as_str(),
        azs.as_str(),
        project.as_str(),
    ];
    vars.extend(db.iter().map(String::as_str));
    let with = |verb: &[&'static str]| -> Vec<&str> {
        verb.iter().copied().chain(vars.iter().copied()).collect()
    };
    let mut child = command(&dir, &with(&["apply", "-auto-approve", "-no-color"]))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut seen = 0;
    let mut line = String::new();
    // Resources whose create returned before the kill (a run records an object before it
    // reports it complete).
    let mut created = Vec::new();
    while seen < lines {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if line.contains("...") || line.contains(" complete after ") {
            seen += 1;
        }
        if let Some((addr, _)) = line.split_once(": Creation complete after ") {
            created.push(addr.to_string());
        }
    }
    std::thread::sleep(Duration::from_millis((point as u64 * 7) % 23));
    let _ = child.kill();
    let _ = child.wait();
    if let Store::S3(bucket) = store {
        // Unlike a local flock, an S3 lock outlives its process: the next run refuses,
        // naming the holder, and the lock is broken with force-unlock, as in Terraform.
        let (code, _, err) = run(&dir, &with(&["plan", "-no-color"]));
        if code != 0 {
            assert!(err.contains("locked"), "point {point}: {err}");
            let (rt, c) = s3_client();
            let lock = rt.block_on(async {
                let o = c
                    .get_object()
                    .bucket(bucket)
                    .key(format!("kill/{point}.tfstate.tflock"))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("point {point}: no lock object: {e}"));
                o.body.collect().await.unwrap().into_bytes().to_vec()
            });
            let info: serde_json::Value = serde_json::from_slice(&lock).unwrap();
            let id = info["ID"].as_str().unwrap();
            assert!(
                err.contains(id) || err.contains("apply"),
                "point {point}: {err}"
            );
            let (code, out, err) = run(&dir, &["force-unlock", "-force", id]);
            assert_eq!(code, 0, "point {point}: force-unlock: {out}{err}");
        }
    }
    if let Store::S3(bucket) = store {
        let segments = journal_segments(bucket, point);
        assert!(
            segments.len() >= created.len(),
            "point {point}: {} creates returned but S3 holds {} journal segments",
            created.len(),
            segments.len()
        );
    }
    // Every object whose create returned is recorded: in the local journal, or in the S3
    // journal segments, which a read folds in without the lock.
    let (code, out, err) = run(&dir, &["state", "list"]);
    let listed: Vec<&str> = out.lines().collect();
    for addr in &created {
        assert!(
            listed.contains(&addr.as_str()),
            "point {point}: {addr} was created before the kill but the state lists only {listed:?} (exit {code}, {err})"
        );
    }
    // The state must load after the kill, and the next apply must finish the job.
    let (code, out, err) = run(&dir, &with(&["apply", "-auto-approve", "-no-color"]));
    assert_eq!(
        code, 0,
        "point {point}: apply after the kill failed:\n{out}\n{err}"
    );
    let (code, out, err) = run(&dir, &with(&["plan", "-out=check.tfplan"]));
    assert_eq!(code, 0, "point {point}: {out}{err}");
    let (code, out, err) = run(&dir, &["show", "-json", "check.tfplan"]);
    assert_eq!(code, 0, "point {point}: {err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let changed: Vec<String> = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"]["actions"] != serde_json::json!(["no-op"]))
        .map(|c| format!("{} {}", c["address"], c["change"]["actions"]))
        .collect();
    assert!(
        changed.is_empty(),
        "point {point}: the plan after recovery changes resources: {changed:?}"
    );
    let lineage = check_exact(
        &state_text(&dir, store, point),
        REGION,
        20,
        &format!("point {point}"),
    );
    if let Store::S3(bucket) = store {
        let left = journal_segments(bucket, point);
        assert!(
            left.is_empty(),
            "point {point}: journal segments left after recovery: {left:?}"
        );
    }
    let (code, out, err) = run(&dir, &with(&["destroy", "-auto-approve", "-no-color"]));
    assert_eq!(code, 0, "point {point}: destroy failed:\n{out}\n{err}");
    let left = owned_objects(&lineage, REGION);
    assert!(left.is_empty(), "point {point}: destroy left {left:?}");
}

#[test]
fn apply_killed_at_22_points_converges_without_duplicates() {
    moto_url();
    // examples/three-tier prints two lines per resource (43 resources): spread 22 kill
    // points over them, from the very first line to the last creates.
    let points: Vec<(usize, usize)> = (0..22).map(|i| (i, 1 + i * 4)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(&(point, lines)) = points.get(i) else {
                    return;
                };
                kill_and_recover(point, lines, Store::Local);
            });
        }
    });
}

/// The same with the state in S3: every resource whose create returned is recorded there
/// (conditional writes after each), so a killed runner leaves nothing untracked.
#[test]
fn apply_killed_with_s3_state_converges_without_duplicates() {
    moto_url();
    let bucket = format!("kill-state-{}", std::process::id());
    let (rt, c) = s3_client();
    rt.block_on(c.create_bucket().bucket(&bucket).send())
        .expect("create the state bucket");
    let points = [(100, 3), (101, 21), (102, 47), (103, 77)];
    std::thread::scope(|s| {
        for (point, lines) in points {
            let bucket = bucket.as_str();
            s.spawn(move || kill_and_recover(point, lines, Store::S3(bucket)));
        }
    });
}

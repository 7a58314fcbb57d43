//! The S3 state backend against moto: init, state in S3, locking with `<key>.tflock`,
//! conditional writes, migration, workspaces, encryption, concurrent applies.

use super::support::{moto_url, terrace, TempConfig};
use aws_sdk_s3::primitives::ByteStream;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use terrace::state::{BackendSettings, S3Backend, S3Settings, State, StateError};

const KEY: &str = "three-tier/terraform.tfstate";

static BUCKETS: AtomicUsize = AtomicUsize::new(0);

/// A runtime and S3 client talking to moto, for checking and arranging objects.
struct Moto {
    rt: tokio::runtime::Runtime,
    s3: aws_sdk_s3::Client,
    url: String,
}

impl Moto {
    fn new() -> Moto {
        let url = moto_url();
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
            .endpoint_url(&url)
            .force_path_style(true)
            .build();
        Moto {
            rt,
            s3: aws_sdk_s3::Client::from_conf(conf),
            url,
        }
    }

    /// Creates a bucket with a name unique to this process and test.
    fn bucket(&self, tag: &str) -> String {
        let name = format!(
            "tfstate-{tag}-{}-{}",
            std::process::id(),
            BUCKETS.fetch_add(1, Ordering::Relaxed)
        );
        self.rt
            .block_on(self.s3.create_bucket().bucket(&name).send())
            .unwrap();
        name
    }

    fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let r = self
            .rt
            .block_on(self.s3.get_object().bucket(bucket).key(key).send());
        match r {
            Ok(o) => Some(
                self.rt
                    .block_on(o.body.collect())
                    .unwrap()
                    .into_bytes()
                    .to_vec(),
            ),
            Err(_) => None,
        }
    }

    fn state(&self, bucket: &str, key: &str) -> Option<State> {
        self.get(bucket, key)
            .map(|b| terrace::state::parse_state(Path::new(key), &b).unwrap())
    }

    fn put(&self, bucket: &str, key: &str, body: Vec<u8>) {
        self.rt
            .block_on(
                self.s3
                    .put_object()
                    .bucket(bucket)
                    .key(key)
                    .body(ByteStream::from(body))
                    .send(),
            )
            .unwrap();
    }

    fn delete(&self, bucket: &str, key: &str) {
        self.rt
            .block_on(self.s3.delete_object().bucket(bucket).key(key).send())
            .unwrap();
    }

    fn ec2(&self) -> aws_sdk_ec2::Client {
        let conf = aws_sdk_ec2::config::Builder::new()
            .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
            .region(aws_sdk_ec2::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_ec2::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .endpoint_url(&self.url)
            .build();
        aws_sdk_ec2::Client::from_conf(conf)
    }

    /// The CIDR blocks of the subnets moto has in `vpc_id`.
    fn subnets_of(&self, vpc_id: &str) -> Vec<String> {
        let ec2 = self.ec2();
        let out = self
            .rt
            .block_on(
                ec2.describe_subnets()
                    .filters(
                        aws_sdk_ec2::types::Filter::builder()
                            .name("vpc-id")
                            .values(vpc_id)
                            .build(),
                    )
                    .send(),
            )
            .unwrap();
        let mut v: Vec<String> = out
            .subnets()
            .iter()
            .filter_map(|s| s.cidr_block().map(str::to_string))
            .collect();
        v.sort();
        v
    }
}

fn backend_block(bucket: &str, url: &str, extra: &str) -> String {
    format!(
        "terraform {{\n  backend \"s3\" {{\n    bucket         = \"{bucket}\"\n    key            = \"{KEY}\"\n    region         = \"us-east-1\"\n    use_path_style = true\n    use_lockfile   = true\n{extra}    endpoints {{\n      s3 = \"{url}\"\n    }}\n  }}\n}}\n"
    )
}

const RESOURCES: &str = r#"
provider "aws" {
  region = "us-east-1"
}

variable "subnets" {
  default = 1
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags = {
    Name = "s3-backend-test"
  }
}

resource "aws_subnet" "app" {
  count      = var.subnets
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.${count.index * 16}.0/20"
}
"#;

fn config(bucket: &str, url: &str, extra: &str) -> TempConfig {
    TempConfig::new(&[(
        "main.tf",
        &format!("{}{RESOURCES}", backend_block(bucket, url, extra)),
    )])
}

fn ok(r: &(i32, String, String)) {
    assert_eq!(r.0, 0, "stdout:\n{}\nstderr:\n{}", r.1, r.2);
}

/// `terrace` with extra environment variables.
fn terrace_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_terrace"));
    c.args(args)
        .current_dir(dir)
        .env_remove("TF_WORKSPACE")
        .env_remove("AWS_PROFILE")
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", moto_url())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
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

fn vpc_id(s: &State) -> String {
    s.resources
        .iter()
        .find(|r| r.address.to_string() == "aws_vpc.main")
        .and_then(|r| r.provider_id.clone())
        .expect("vpc in state")
}

#[test]
fn init_checks_the_bucket_and_commands_need_init() {
    let m = Moto::new();
    let missing = format!("no-such-bucket-{}", std::process::id());
    let cfg = config(&missing, &m.url, "");
    let r = terrace(cfg.path(), &["plan"]);
    assert_eq!(r.0, 1);
    assert!(r.2.contains("terrace init"), "{}", r.2);
    let r = terrace(cfg.path(), &["init"]);
    assert_eq!(r.0, 1, "{r:?}");
    assert!(r.2.contains("does not exist"), "{}", r.2);
    assert!(r.2.contains(&missing), "{}", r.2);
    assert!(!cfg.path().join(".terrace/backend.json").exists());
    // A -backend-config override names an existing bucket; later commands use it.
    let bucket = m.bucket("override");
    ok(&terrace(
        cfg.path(),
        &["init", &format!("-backend-config=bucket={bucket}")],
    ));
    ok(&terrace(cfg.path(), &["apply", "-auto-approve"]));
    assert!(m.state(&bucket, KEY).is_some());
    // Unknown override names are refused.
    let r = terrace(cfg.path(), &["init", "-backend-config=buckit=x"]);
    assert_eq!(r.0, 1);
    assert!(r.2.contains("did you mean \"bucket\""), "{}", r.2);
    // A changed block without init is refused.
    let main = std::fs::read_to_string(cfg.path().join("main.tf")).unwrap();
    std::fs::write(
        cfg.path().join("main.tf"),
        main.replace("use_lockfile   = true", "use_lockfile   = false"),
    )
    .unwrap();
    let r = terrace(cfg.path(), &["plan"]);
    assert_eq!(r.0, 1);
    assert!(
        r.2.contains("Backend configuration changed") && r.2.contains("-migrate-state"),
        "{}",
        r.2
    );
}

#[test]
fn apply_writes_encrypted_state_to_s3_plan_reads_it_and_the_lock_is_released() {
    let m = Moto::new();
    let bucket = m.bucket("apply");
    let cfg = config(&bucket, &m.url, "    encrypt        = true\n");
    ok(&terrace(cfg.path(), &["init"]));
    let rec = std::fs::read_to_string(cfg.path().join(".terrace/backend.json")).unwrap();
    assert!(rec.contains("\"s3\"") && rec.contains(&bucket), "{rec}");
    ok(&terrace(
        cfg.path(),
        &["apply", "-auto-approve", "-var", "subnets=2"],
    ));
    let st = m.state(&bucket, KEY).expect("state in S3");
    assert_eq!(st.resources.len(), 3, "{:?}", st.resources);
    assert_eq!(m.subnets_of(&vpc_id(&st)).len(), 2);
    assert!(!cfg.path().join("state").exists(), "no local state");
    assert!(m.get(&bucket, &format!("{KEY}.tflock")).is_none());
    let head =
        m.rt.block_on(m.s3.head_object().bucket(&bucket).key(KEY).send())
            .unwrap();
    assert_eq!(
        head.server_side_encryption(),
        Some(&aws_sdk_s3::types::ServerSideEncryption::Aes256)
    );
    let r = terrace(cfg.path(), &["plan", "-var", "subnets=2"]);
    ok(&r);
    assert!(r.1.contains("No changes"), "{}", r.1);
    // A failing apply releases the lock too (the subnet is outside the VPC's range).
    let main = std::fs::read_to_string(cfg.path().join("main.tf")).unwrap();
    std::fs::write(
        cfg.path().join("main.tf"),
        format!("{main}\nresource \"aws_subnet\" \"bad\" {{\n  vpc_id     = aws_vpc.main.id\n  cidr_block = \"192.168.0.0/24\"\n}}\n"),
    )
    .unwrap();
    let r = terrace(cfg.path(), &["apply", "-auto-approve", "-var", "subnets=2"]);
    assert_ne!(r.0, 0, "{r:?}");
    assert!(m.get(&bucket, &format!("{KEY}.tflock")).is_none());
}

#[test]
fn a_held_lock_makes_apply_wait_then_run_and_force_unlock_removes_it() {
    let m = Moto::new();
    let bucket = m.bucket("lock");
    let cfg = config(&bucket, &m.url, "");
    ok(&terrace(cfg.path(), &["init"]));
    let lock_key = format!("{KEY}.tflock");
    let holder = serde_json::json!({
        "ID": "4b7c1a2e-0000-4000-8000-000000000001",
        "Path": format!("s3://{bucket}/{KEY}"),
        "Operation": "apply",
        "Who": "alice",
        "Host": "ci-runner-7",
        "Pid": 4242,
        "Version": "0.1.0",
        "Created": "2025-01-01T00:00:00Z",
        "Info": "https://gitlab.example.com/infra/-/jobs/99"
    });
    m.put(&bucket, &lock_key, serde_json::to_vec(&holder).unwrap());
    let r = terrace(cfg.path(), &["apply", "-auto-approve", "-lock-timeout=2s"]);
    assert_eq!(r.0, 1, "{r:?}");
    for want in [
        "alice@ci-runner-7",
        "4242",
        "jobs/99",
        "Error acquiring the state lock",
    ] {
        assert!(r.2.contains(want), "missing {want:?} in:\n{}", r.2);
    }
    assert!(m.state(&bucket, KEY).is_none(), "nothing written");
    // Released by its holder after a second: the waiting run then takes it and runs.
    let (b2, k2) = (bucket.clone(), lock_key.clone());
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        Moto::new().delete(&b2, &k2);
    });
    let r = terrace(cfg.path(), &["apply", "-auto-approve", "-lock-timeout=30s"]);
    releaser.join().unwrap();
    ok(&r);
    assert_eq!(m.state(&bucket, KEY).unwrap().resources.len(), 2);
    assert!(m.get(&bucket, &lock_key).is_none());
    // A stale lock (a killed run) is removed by force-unlock with its id only.
    m.put(&bucket, &lock_key, serde_json::to_vec(&holder).unwrap());
    let r = terrace(cfg.path(), &["force-unlock", "-force", "wrong-id"]);
    assert_eq!(r.0, 1);
    assert!(m.get(&bucket, &lock_key).is_some());
    let r = terrace(
        cfg.path(),
        &[
            "force-unlock",
            "-force",
            "4b7c1a2e-0000-4000-8000-000000000001",
        ],
    );
    ok(&r);
    assert!(r.1.contains("successfully unlocked"), "{}", r.1);
    assert!(m.get(&bucket, &lock_key).is_none());
    let r = terrace(cfg.path(), &["force-unlock", "-force", "x"]);
    assert_eq!(r.0, 1);
    assert!(r.2.contains("not locked"), "{}", r.2);
}

fn library_backend(m: &Moto, bucket: &str, workspace: &str) -> S3Backend {
    let mut s = BackendSettings::new();
    for (k, v) in [
        ("bucket", bucket),
        ("key", KEY),
        ("region", "us-east-1"),
        ("access_key", "testing"),
        ("secret_key", "testing"),
    ] {
        s.insert(k.into(), serde_json::Value::String(v.into()));
    }
    s.insert("use_path_style".into(), serde_json::Value::Bool(true));
    s.insert(
        "endpoints".into(),
        serde_json::json!({ "s3": m.url.clone() }),
    );
    S3Backend::open(S3Settings::from_map(&s).unwrap(), workspace).unwrap()
}

#[test]
fn a_write_against_a_changed_object_is_refused_naming_both_serials() {
    let m = Moto::new();
    let bucket = m.bucket("etag");
    let b = library_backend(&m, &bucket, "default");
    assert_eq!(b.load().unwrap(), None);
    let mut mine = State::new();
    b.write(&mut mine).unwrap();
    assert_eq!(mine.serial, 1);
    let mut loaded = b.load().unwrap().unwrap();
    // Another run writes serial 5 behind this one's back.
    let mut theirs = loaded.clone();
    theirs.serial = 5;
    let theirs_bytes = serde_json::to_vec(&theirs).unwrap();
    m.put(&bucket, KEY, theirs_bytes.clone());
    loaded.outputs.insert(
        "x".into(),
        terrace::state::OutputState {
            value: serde_json::json!(1),
            sensitive: false,
        },
    );
    match b.write(&mut loaded) {
        Err(e @ StateError::RemoteChanged { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("serial 1") && msg.contains("serial 5"),
                "{msg}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        m.get(&bucket, KEY).unwrap(),
        theirs_bytes,
        "not overwritten"
    );
    // A second process creating the first version loses the race the same way.
    let other = library_backend(&m, &bucket, "staging");
    let again = library_backend(&m, &bucket, "staging");
    assert_eq!(other.load().unwrap(), None);
    assert_eq!(again.load().unwrap(), None);
    other.write(&mut State::new()).unwrap();
    assert!(matches!(
        again.write(&mut State::new()),
        Err(StateError::RemoteChanged {
            read_serial: None,
            current_serial: Some(1),
            ..
        })
    ));
    assert_eq!(b.workspaces().unwrap(), ["default", "staging"]);
}

#[test]
fn init_migrate_state_copies_local_state_to_s3_and_back() {
    let m = Moto::new();
    let bucket = m.bucket("migrate");
    let cfg = TempConfig::new(&[("main.tf", RESOURCES)]);
    ok(&terrace(cfg.path(), &["apply", "-auto-approve"]));
    let local = cfg.path().join("state/default.tfstate.json");
    let before = terrace::state::LocalBackend::new(&local)
        .read_file()
        .unwrap()
        .unwrap();
    std::fs::write(
        cfg.path().join("main.tf"),
        format!("{}{RESOURCES}", backend_block(&bucket, &m.url, "")),
    )
    .unwrap();
    let r = terrace(cfg.path(), &["plan"]);
    assert_eq!(r.0, 1);
    assert!(r.2.contains("terrace init"), "{}", r.2);
    let r = terrace(cfg.path(), &["init"]);
    assert_eq!(r.0, 1);
    assert!(r.2.contains("-migrate-state"), "{}", r.2);
    // No terminal: the copy needs -force-copy.
    let r = terrace_env(cfg.path(), &["init", "-migrate-state"], &[("CI", "true")]);
    assert_eq!(r.0, 1);
    assert!(r.2.contains("-force-copy"), "{}", r.2);
    assert!(m.state(&bucket, KEY).is_none());
    ok(&terrace(
        cfg.path(),
        &["init", "-migrate-state", "-force-copy"],
    ));
    let remote = m.state(&bucket, KEY).expect("copied");
    assert_eq!(remote.lineage, before.lineage);
    assert_eq!(remote.resources, before.resources);
    assert!(!local.exists(), "the local copy is moved aside");
    let r = terrace(cfg.path(), &["plan"]);
    ok(&r);
    assert!(r.1.contains("No changes"), "{}", r.1);
    // And back to local.
    std::fs::write(cfg.path().join("main.tf"), RESOURCES).unwrap();
    let r = terrace(cfg.path(), &["plan"]);
    assert_eq!(r.0, 1);
    assert!(r.2.contains("Backend configuration changed"), "{}", r.2);
    ok(&terrace(
        cfg.path(),
        &["init", "-migrate-state", "-force-copy"],
    ));
    let back = terrace::state::LocalBackend::new(&local)
        .read_file()
        .unwrap()
        .unwrap();
    assert_eq!(back.lineage, before.lineage);
    assert_eq!(back.resources, remote.resources);
    let r = terrace(cfg.path(), &["plan"]);
    ok(&r);
    assert!(r.1.contains("No changes"), "{}", r.1);
}

#[test]
fn workspaces_keep_separate_state_objects() {
    let m = Moto::new();
    let bucket = m.bucket("workspaces");
    let cfg = config(&bucket, &m.url, "");
    ok(&terrace(cfg.path(), &["init"]));
    ok(&terrace_env(
        cfg.path(),
        &["apply", "-auto-approve"],
        &[("TF_WORKSPACE", "staging")],
    ));
    let staging = m
        .state(&bucket, &format!("env:/staging/{KEY}"))
        .expect("staging");
    assert!(m.state(&bucket, KEY).is_none(), "default untouched");
    ok(&terrace(cfg.path(), &["apply", "-auto-approve"]));
    let default = m.state(&bucket, KEY).expect("default");
    assert_ne!(vpc_id(&default), vpc_id(&staging));
    assert_ne!(default.lineage, staging.lineage);
    let b = library_backend(&m, &bucket, "default");
    assert_eq!(b.workspaces().unwrap(), ["default", "staging"]);
}

#[test]
fn eight_concurrent_applies_take_turns_on_one_s3_state() {
    let m = Moto::new();
    let bucket = m.bucket("concurrent");
    let cfg = config(&bucket, &m.url, "");
    ok(&terrace(cfg.path(), &["init"]));
    // Watch the serial while the applies run: it never goes back.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (b2, s2) = (bucket.clone(), stop.clone());
    let watcher = std::thread::spawn(move || {
        let m = Moto::new();
        let mut seen = Vec::new();
        while !s2.load(Ordering::Relaxed) {
            if let Some(s) = m.state(&b2, KEY) {
                seen.push((s.lineage, s.serial));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        seen
    });
    let dir = cfg.path().to_path_buf();
    let runs: Vec<_> = (1..=8)
        .map(|n| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                terrace(
                    &dir,
                    &[
                        "apply",
                        "-auto-approve",
                        "-lock-timeout=120s",
                        "-var",
                        &format!("subnets={n}"),
                    ],
                )
            })
        })
        .collect();
    for r in runs {
        ok(&r.join().unwrap());
    }
    stop.store(true, Ordering::Relaxed);
    let seen = watcher.join().unwrap();
    let fin = m.state(&bucket, KEY).unwrap();
    assert!(seen.windows(2).all(|w| w[0].1 <= w[1].1), "{seen:?}");
    assert!(seen.iter().all(|(l, _)| *l == fin.lineage));
    assert!(m.get(&bucket, &format!("{KEY}.tflock")).is_none());
    // Every apply changed the subnet count, so each wrote at least once.
    assert!(fin.serial >= 8, "serial {}", fin.serial);
    let subnets: Vec<String> = fin
        .resources
        .iter()
        .filter(|r| r.type_name == "aws_subnet")
        .map(|r| r.attributes["cidr_block"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = subnets.clone();
    sorted.sort();
    assert_eq!(m.subnets_of(&vpc_id(&fin)), sorted);
    let vpcs: BTreeMap<String, usize> = fin.resources.iter().fold(BTreeMap::new(), |mut acc, r| {
        *acc.entry(r.type_name.clone()).or_default() += 1;
        acc
    });
    assert_eq!(vpcs.get("aws_vpc"), Some(&1));
    // A final plan with the last run's count agrees with the cloud: nothing duplicated or
    // untracked.
    let n = subnets.len().to_string();
    let r = terrace(cfg.path(), &["plan", "-var", &format!("subnets={n}")]);
    ok(&r);
    assert!(r.1.contains("No changes"), "{}", r.1);
}

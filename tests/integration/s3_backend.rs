//! The S3 state backend against moto: init, state in S3, locking with `<key>.tflock`,
//! conditional writes, migration, workspaces, encryption (concurrent runs: `s3_runs`).

use super::support::{moto_url, s3_client, terrace, TempConfig};
use aws_sdk_s3::primitives::ByteStream;
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
        let (rt, s3) = s3_client();
        Moto {
            rt,
            s3,
            url: moto_url(),
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

fn vpc_record(name: &str, id: &str) -> terrace::state::ResourceState {
    terrace::state::ResourceState {
        address: format!("aws_vpc.{name}").parse().unwrap(),
        mode: "managed".into(),
        type_name: "aws_vpc".into(),
        provider_id: Some(id.into()),
        attributes: serde_json::json!({ "id": id, "cidr_block": "10.0.0.0/16" }),
        sensitive_attributes: Vec::new(),
        dependencies: Vec::new(),
        create_before_destroy: false,
        tainted: false,
    }
}

fn keys(m: &Moto, bucket: &str, prefix: &str) -> Vec<String> {
    m.rt.block_on(async {
        let out =
            m.s3.list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .send()
                .await
                .unwrap();
        out.contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect()
    })
}

#[test]
fn a_run_that_dies_leaves_journal_segments_that_readers_fold_and_the_next_holder_persists() {
    use terrace::state::{Backend, JournalEntry};
    let m = Moto::new();
    let bucket = m.bucket("journal");
    let writer = Backend::S3(library_backend(&m, &bucket, "default"));
    let guard = writer.lock("apply", Duration::ZERO).unwrap();
    let mut state = writer.load_or_new().unwrap();
    let mut journal = writer.journal(&mut state).unwrap();
    for (i, id) in ["vpc-1", "vpc-2", "vpc-3"].iter().enumerate() {
        journal
            .append(&JournalEntry::Upsert {
                resource: vpc_record(&format!("v{i}"), id),
            })
            .unwrap();
    }
    // One small object per entry, the state object untouched.
    let prefix = format!("{KEY}.journal/");
    let segments = keys(&m, &bucket, &prefix);
    assert_eq!(segments.len(), 3, "{segments:?}");
    let stored = m.get(&bucket, KEY).unwrap();
    assert_eq!(m.state(&bucket, KEY).unwrap().resources.len(), 0);
    // The run dies: no finish, and its lock stays (a killed process releases nothing).
    std::mem::forget(journal);
    std::mem::forget(guard);

    // A reader without the lock sees every recorded resource and writes nothing.
    let reader = library_backend(&m, &bucket, "default");
    let seen = reader.load_snapshot().unwrap().unwrap();
    assert_eq!(seen.resources.len(), 3);
    assert_eq!(reader.load().unwrap().unwrap().resources.len(), 3);
    assert_eq!(m.get(&bucket, KEY).unwrap(), stored, "a reader wrote");
    assert_eq!(keys(&m, &bucket, &prefix).len(), 3);

    // The next lock holder folds them into the state object and deletes them.
    m.delete(&bucket, &format!("{KEY}.tflock"));
    let next = library_backend(&m, &bucket, "default");
    let _g = next.lock("apply", Duration::ZERO).unwrap();
    let folded = next.load().unwrap().unwrap();
    assert_eq!(folded.resources.len(), 3);
    let now = m.state(&bucket, KEY).unwrap();
    assert_eq!(now.resources.len(), 3);
    assert_eq!(now.serial, folded.serial);
    assert!(
        now.serial > state.serial,
        "{} !> {}",
        now.serial,
        state.serial
    );
    assert!(keys(&m, &bucket, &prefix).is_empty());

    // A segment of an older serial (folded already, its delete lost) is ignored and removed;
    // one of a newer serial than the state is corruption, never folded silently.
    let stale = format!("{prefix}{}/00000000.json", state.serial);
    let seg = |serial: u64, id: &str| {
        format!(
            "{{\"journal\":1,\"lineage\":\"{}\",\"serial\":{serial}}}\n{}\n",
            now.lineage,
            serde_json::to_string(&JournalEntry::Upsert {
                resource: vpc_record("late", id),
            })
            .unwrap()
        )
        .into_bytes()
    };
    m.put(&bucket, &stale, seg(state.serial, "vpc-stale"));
    assert_eq!(next.load().unwrap().unwrap().resources.len(), 3);
    assert!(keys(&m, &bucket, &prefix).is_empty());
    let newer = format!("{prefix}{}/00000000.json", now.serial + 1);
    m.put(&bucket, &newer, seg(now.serial + 1, "vpc-newer"));
    match next.load() {
        Err(e @ StateError::Corrupt { .. }) => {
            assert!(e.to_string().contains("journal"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}

//! `plan -refresh-only` and `apply -refresh-only` through the binary against moto: the cloud
//! is changed with the SDK as a person in the console would (a tag edited, a security group
//! deleted); the refresh-only plan shows it and writes nothing; applying it records it in
//! state and changes nothing in the cloud; saved refresh-only plans apply exactly their
//! refresh or are refused as stale; flag combinations Terraform rejects are rejected.
//! Works in us-east-2, which no other test uses.

use crate::support::{moto_url, terrace, TempConfig};
use aws_sdk_ec2::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ec2::types::Tag;
use std::path::PathBuf;
use terrace::state::State;

const REGION: &str = "us-east-2";

const CONFIG: &str = r#"
provider "aws" {
  region = "us-east-2"
}

resource "aws_vpc" "main" {
  cidr_block = "10.64.0.0/16"
  tags = {
    Name = "refresh-only"
  }
}

resource "aws_security_group" "web" {
  name        = "refresh-only-web"
  description = "web"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "extra" {
  name        = "refresh-only-extra"
  description = "deleted by hand"
  vpc_id      = aws_vpc.main.id
}

output "vpc_name" {
  value = aws_vpc.main.tags["Name"]
}

output "extra_id" {
  value = aws_security_group.extra.id
}
"#;

struct Fixture {
    cfg: TempConfig,
    ec2: aws_sdk_ec2::Client,
    rt: tokio::runtime::Runtime,
}

impl Fixture {
    fn new() -> Fixture {
        let url = moto_url();
        let conf = aws_sdk_ec2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&url)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
            .build();
        Fixture {
            cfg: TempConfig::new(&[("main.tf", CONFIG)]),
            ec2: aws_sdk_ec2::Client::from_conf(conf),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        terrace(self.cfg.path(), args)
    }

    /// Runs `args`, which must exit with `code`; returns stdout.
    fn expect(&self, code: i32, args: &[&str]) -> String {
        let (got, out, err) = self.run(args);
        assert_eq!(got, code, "terrace {args:?}:\n{out}\n{err}");
        out
    }

    fn state_path(&self) -> PathBuf {
        self.cfg.path().join("state/default.tfstate.json")
    }

    fn state_bytes(&self) -> Vec<u8> {
        std::fs::read(self.state_path()).unwrap()
    }

    fn state(&self) -> State {
        serde_json::from_slice(&self.state_bytes()).unwrap()
    }

    fn id(&self, addr: &str) -> String {
        let s = self.state();
        let r = s.resources.iter().find(|r| r.address.to_string() == addr);
        r.and_then(|r| r.provider_id.clone())
            .unwrap_or_else(|| panic!("{addr} not in state"))
    }

    /// The `Name` tag of the VPC in state.
    fn state_vpc_name(&self) -> String {
        let s = self.state();
        let vpc = s
            .resources
            .iter()
            .find(|r| r.address.to_string() == "aws_vpc.main");
        vpc.unwrap().attributes["tags"]["Name"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Sets the VPC's `Name` tag in the cloud.
    fn tag_vpc(&self, name: &str) {
        let vpc = self.id("aws_vpc.main");
        let tag = Tag::builder().key("Name").value(name).build();
        self.rt
            .block_on(self.ec2.create_tags().resources(vpc).tags(tag).send())
            .unwrap();
    }

    /// The VPC's `Name` tag in the cloud.
    fn cloud_vpc_name(&self) -> String {
        let vpc = self.id("aws_vpc.main");
        let out = self
            .rt
            .block_on(self.ec2.describe_vpcs().vpc_ids(vpc).send())
            .unwrap();
        let tags = out.vpcs()[0].tags();
        let name = tags.iter().find(|t| t.key() == Some("Name"));
        name.and_then(|t| t.value()).unwrap_or_default().to_string()
    }

    fn delete_group(&self, id: &str) {
        self.rt
            .block_on(self.ec2.delete_security_group().group_id(id).send())
            .unwrap();
    }

    fn group_exists(&self, id: &str) -> bool {
        let out = self
            .rt
            .block_on(self.ec2.describe_security_groups().send())
            .unwrap();
        out.security_groups()
            .iter()
            .any(|g| g.group_id() == Some(id))
    }
}

fn has(state: &State, addr: &str) -> bool {
    state
        .resources
        .iter()
        .any(|r| r.address.to_string() == addr)
}

#[test]
fn refresh_only_plans_and_applies_what_changed_outside() {
    let f = Fixture::new();
    f.expect(0, &["apply", "-auto-approve", "-no-color"]);
    let extra = f.id("aws_security_group.extra");
    f.expect(0, &["plan", "-refresh-only", "-detailed-exitcode"]);

    f.tag_vpc("edited-by-hand");
    f.delete_group(&extra);
    let before = f.state_bytes();
    let serial = f.state().serial;

    let out = f.expect(2, &["plan", "-refresh-only", "-detailed-exitcode"]);
    assert!(
        out.contains("Objects have changed outside of Terrace"),
        "{out}"
    );
    assert!(out.contains("# aws_vpc.main has changed"), "{out}");
    assert!(out.contains("edited-by-hand"), "{out}");
    assert!(
        out.contains("# aws_security_group.extra has been deleted"),
        "{out}"
    );
    assert!(out.contains("This is a refresh-only plan"), "{out}");
    assert!(out.contains("Changes to Outputs:"), "{out}");
    assert!(!out.contains("will perform the following actions"), "{out}");
    assert!(!out.contains("Plan:"), "{out}");
    assert_eq!(
        f.state_bytes(),
        before,
        "plan -refresh-only wrote the state"
    );

    f.expect(0, &["plan", "-refresh-only", "-out=ro.tfplan"]);
    let json: serde_json::Value =
        serde_json::from_str(&f.expect(0, &["show", "-json", "ro.tfplan"])).unwrap();
    assert_eq!(json["refresh_only"], true);
    let drift: Vec<(String, String)> = json["resource_drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let a = d["address"].as_str().unwrap().to_string();
            (a, d["change"]["actions"][0].as_str().unwrap().to_string())
        })
        .collect();
    let want = [
        ("aws_security_group.extra", "delete"),
        ("aws_vpc.main", "update"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(drift, want);
    let changes = json["resource_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(changes.iter().all(|c| c["change"]["actions"][0] == "no-op"));

    // A saved plan of this refresh, made stale below by the apply.
    f.expect(0, &["plan", "-refresh-only", "-out=first.tfplan"]);
    assert_eq!(f.state_bytes(), before);

    // No terminal and no -auto-approve: nothing is written.
    let (code, _, err) = f.run(&["apply", "-refresh-only"]);
    assert_eq!((code, err.contains("No approval")), (1, true), "{err}");

    let out = f.expect(0, &["apply", "-refresh-only", "-auto-approve"]);
    assert!(out.contains("vpc_name = \"edited-by-hand\""), "{out}");
    let after = f.state();
    assert_eq!(after.serial, serial + 1);
    assert_eq!(f.state_vpc_name(), "edited-by-hand");
    assert!(!has(&after, "aws_security_group.extra"));
    assert!(has(&after, "aws_security_group.web"));
    assert_eq!(after.outputs["vpc_name"].value, "edited-by-hand");
    assert!(!after.outputs.contains_key("extra_id"));
    let backup = f
        .cfg
        .path()
        .join(format!("state/default.tfstate.json.backup.{serial}"));
    assert_eq!(std::fs::read(backup).unwrap(), before);
    // Nothing changed in the cloud: the tag is as edited, the group still gone.
    assert_eq!(f.cloud_vpc_name(), "edited-by-hand");
    assert!(!f.group_exists(&extra));

    let (code, _, err) = f.run(&["apply", "first.tfplan"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("Saved plan is stale"), "{err}");
    assert_eq!(f.state().serial, serial + 1);

    let out = f.expect(0, &["plan", "-refresh-only", "-detailed-exitcode"]);
    assert!(
        out.contains("No changes. Your infrastructure still matches the configuration."),
        "{out}"
    );
    // A normal plan now puts the tag back and the group again.
    let out = f.expect(2, &["plan", "-detailed-exitcode"]);
    assert!(out.contains("~ resource \"aws_vpc\" \"main\""), "{out}");
    assert!(
        out.contains("+ resource \"aws_security_group\" \"extra\""),
        "{out}"
    );
    assert!(!out.contains("Objects have changed outside"), "{out}");

    saved_plans_apply_exactly_their_refresh(&f);
    f.expect(0, &["destroy", "-auto-approve"]);
}

/// `plan -refresh-only -out` then `apply FILE`: applies that refresh; refused when the cloud
/// changed again since; a normal saved plan is not applied as refresh-only.
fn saved_plans_apply_exactly_their_refresh(f: &Fixture) {
    f.tag_vpc("second");
    let serial = f.state().serial;
    f.expect(0, &["plan", "-refresh-only", "-out=second.tfplan"]);
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f.cfg.path().join("second.tfplan")).unwrap())
            .unwrap();
    assert_eq!(saved["options"]["refresh_only"], true);
    assert_eq!(saved["plan"]["refresh_only"], true);
    f.expect(0, &["apply", "second.tfplan"]);
    assert_eq!(f.state().serial, serial + 1);
    assert_eq!(f.state_vpc_name(), "second");
    assert_eq!(f.cloud_vpc_name(), "second");

    f.tag_vpc("third");
    f.expect(0, &["plan", "-refresh-only", "-out=third.tfplan"]);
    f.tag_vpc("fourth");
    let before = f.state_bytes();
    let (code, _, err) = f.run(&["apply", "third.tfplan"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("other changes made outside Terrace"), "{err}");
    assert_eq!(f.state_bytes(), before);

    f.expect(0, &["plan", "-out=normal.tfplan"]);
    let (code, _, err) = f.run(&["apply", "-refresh-only", "normal.tfplan"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not a refresh-only plan"), "{err}");

    // -target is allowed (the targeted VPC and what it depends on).
    let out = f.expect(
        2,
        &[
            "plan",
            "-refresh-only",
            "-detailed-exitcode",
            "-target=aws_vpc.main",
        ],
    );
    assert!(out.contains("# aws_vpc.main has changed"), "{out}");
    assert_eq!(f.state_bytes(), before);
}

#[test]
fn refresh_only_rejects_destroy_replace_and_no_refresh() {
    let cfg = TempConfig::new(&[(
        "main.tf",
        "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
    )]);
    let cases: [(&[&str], &str); 5] = [
        (
            &["plan", "-refresh-only", "-destroy"],
            "Incompatible plan mode options",
        ),
        (
            &["plan", "-refresh-only", "-refresh=false"],
            "Incompatible refresh options",
        ),
        (
            &["plan", "-refresh-only", "-replace=aws_vpc.main"],
            "-replace option cannot be used",
        ),
        (
            &["apply", "-refresh-only", "-auto-approve", "-destroy"],
            "Incompatible plan mode options",
        ),
        (
            &["destroy", "-refresh-only", "-auto-approve"],
            "Incompatible plan mode options",
        ),
    ];
    for (args, want) in cases {
        let (code, out, err) = terrace(cfg.path(), args);
        assert_eq!(code, 1, "{args:?}:\n{out}\n{err}");
        assert!(err.contains(want), "{args:?}:\n{err}");
    }
    assert!(
        !cfg.path().join("state").exists(),
        "a rejected run wrote state"
    );
}

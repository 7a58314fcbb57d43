//! `aws_key_pair`, `aws_instance`.

use super::{assert_same_dependencies, ec2_tags, expected_tags, id, unique, Stack};
use aws_sdk_ec2::types::{Filter, KeyPairInfo};
use terrace::state::State;

/// An ed25519 public key made by ssh-keygen (EC2 checks the key's format).
fn ssh_public_key() -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "lifecycle", "-f"])
        .arg(&path)
        .status()
        .expect("ssh-keygen (openssh-client) is needed to make a test key");
    assert!(status.success());
    std::fs::read_to_string(path.with_extension("pub"))
        .unwrap()
        .trim()
        .to_string()
}

/// The id of the Canonical image whose name starts with `name`.
async fn canonical_ami(stack: &Stack, name: &str) -> String {
    let f = Filter::builder()
        .name("name")
        .values(format!("{name}*"))
        .build();
    let out = stack
        .ec2
        .describe_images()
        .owners("099720109477")
        .filters(f)
        .send()
        .await
        .unwrap();
    out.images()[0].image_id().unwrap().to_string()
}

/// What the configuration varies between steps.
#[derive(Clone)]
struct Step {
    suffix: String,
    public_key: String,
    /// `aws_key_pair.deploy`: name prefix (force-new), Name tag (in place).
    key_name: &'static str,
    key_tag: &'static str,
    /// `aws_instance.web`: image (force-new), type and Name tag (in place).
    ami: String,
    instance_type: &'static str,
    instance_tag: &'static str,
}

fn config(s: &Step) -> String {
    let Step {
        suffix,
        public_key,
        key_name,
        key_tag,
        ami,
        instance_type,
        instance_tag,
    } = s;
    format!(
        r#"
resource "aws_vpc" "main" {{
  cidr_block = "10.50.0.0/16"
}}

resource "aws_subnet" "a" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.50.0.0/20"
  availability_zone = "ap-south-2a"
}}

resource "aws_security_group" "web" {{
  name   = "web-{suffix}"
  vpc_id = aws_vpc.main.id
}}

resource "aws_key_pair" "deploy" {{
  key_name   = "{key_name}-{suffix}"
  public_key = "{public_key}"
  tags = {{
    Name = "{key_tag}"
  }}
}}

resource "aws_instance" "web" {{
  ami                    = "{ami}"
  instance_type          = "{instance_type}"
  subnet_id              = aws_subnet.a.id
  vpc_security_group_ids = [aws_security_group.web.id]
  key_name               = aws_key_pair.deploy.key_name
  tags = {{
    Name = "{instance_tag}"
  }}
}}
"#
    )
}

async fn key_pairs_named(stack: &Stack, name: &str) -> Vec<KeyPairInfo> {
    let f = Filter::builder().name("key-name").values(name).build();
    let out = stack
        .ec2
        .describe_key_pairs()
        .filters(f)
        .send()
        .await
        .unwrap();
    out.key_pairs().to_vec()
}

/// The key pair and the instance in the cloud match `s`.
async fn check(stack: &Stack, state: &State, s: &Step) {
    let name = format!("{}-{}", s.key_name, s.suffix);
    assert_eq!(id(state, "aws_key_pair.deploy"), name);
    let keys = key_pairs_named(stack, &name).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0].key_type().map(|t| t.as_str()), Some("ed25519"));
    assert_eq!(
        ec2_tags(keys[0].tags()),
        expected_tags(
            &[("Name", s.key_tag)],
            "aws_key_pair.deploy",
            &state.lineage
        )
    );

    let instance_id = id(state, "aws_instance.web");
    let out = stack
        .ec2
        .describe_instances()
        .instance_ids(&instance_id)
        .send()
        .await
        .unwrap();
    let i = &out.reservations()[0].instances()[0];
    let running = i.state().and_then(|x| x.name()).map(|n| n.as_str());
    assert_eq!(running, Some("running"));
    assert_eq!(i.image_id(), Some(s.ami.as_str()));
    assert_eq!(i.instance_type().map(|t| t.as_str()), Some(s.instance_type));
    assert_eq!(i.subnet_id(), Some(id(state, "aws_subnet.a").as_str()));
    assert_eq!(i.key_name(), Some(name.as_str()));
    let groups: Vec<_> = i
        .security_groups()
        .iter()
        .filter_map(|g| g.group_id())
        .collect();
    assert_eq!(groups, [id(state, "aws_security_group.web")]);
    assert_eq!(
        ec2_tags(i.tags()),
        expected_tags(
            &[("Name", s.instance_tag)],
            "aws_instance.web",
            &state.lineage
        )
    );
}

const CHANGED: [&str; 2] = ["aws_instance.web", "aws_key_pair.deploy"];

#[tokio::test(flavor = "multi_thread")]
async fn key_pair_and_instance() {
    let stack = Stack::new("ap-south-2");

    // 1. Create.
    let c1 = Step {
        suffix: unique(),
        public_key: ssh_public_key(),
        key_name: "deploy",
        key_tag: "deploy",
        ami: canonical_ami(&stack, "ubuntu/images/hvm-ssd/ubuntu-xenial").await,
        instance_type: "t3.micro",
        instance_tag: "web",
    };
    stack.write(&config(&c1));
    let s1 = stack.apply(&[]).await;
    check(&stack, &s1, &c1).await;

    // 2. Nothing to do.
    stack.expect_no_changes().await;

    // 3. In place: the instance type (stop, modify, start) and tags.
    let c2 = Step {
        key_tag: "deploy-2",
        instance_type: "t3.small",
        instance_tag: "web-2",
        ..c1.clone()
    };
    stack.write(&config(&c2));
    stack
        .expect_plan(&[], &CHANGED.map(|a| (a, "update")))
        .await;
    let s2 = stack.apply(&[]).await;
    for a in CHANGED {
        assert_eq!(
            id(&s2, a),
            id(&s1, a),
            "{a} changed id on an in-place update"
        );
    }
    check(&stack, &s2, &c2).await;
    assert_same_dependencies(&s1, &s2);
    stack.expect_no_changes().await;

    // 4. Replace: a new key name replaces the key pair; a new image (and the new key name)
    // the instance.
    let c3 = Step {
        key_name: "deploy2",
        ami: canonical_ami(&stack, "ubuntu/images/hvm-ssd/ubuntu-trusty").await,
        ..c2.clone()
    };
    assert_ne!(c3.ami, c2.ami);
    stack.write(&config(&c3));
    stack
        .expect_plan(&[], &CHANGED.map(|a| (a, "replace")))
        .await;
    let s3 = stack.apply(&[]).await;
    check(&stack, &s3, &c3).await;
    let live = stack.owned(&s3.lineage).await;
    let (old, new) = (id(&s2, "aws_instance.web"), id(&s3, "aws_instance.web"));
    assert_ne!(old, new);
    assert!(live.contains(&new) && !live.contains(&old), "{live:?}");
    let old_key = id(&s2, "aws_key_pair.deploy");
    assert_eq!(key_pairs_named(&stack, &old_key).await, []);
    stack.expect_no_changes().await;

    // 5. Destroy: the instance terminated, the key pair deleted.
    stack.destroy().await;
    assert_eq!(stack.owned(&s3.lineage).await, Default::default());
    assert_eq!(
        key_pairs_named(&stack, &id(&s3, "aws_key_pair.deploy")).await,
        []
    );
}

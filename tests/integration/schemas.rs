//! Every resource type and data source: a minimal realistic configuration validates cleanly,
//! a misspelt argument is rejected with a suggestion, and dropping any required argument
//! (top level or in a nested block) is reported. Also force-new flags, the required arguments
//! the provider documents, and `tags_all` from provider `default_tags`.

use crate::support::{load_dir, positions, TempConfig};
use terrace::eval::{EvalMode, Value};
use terrace::ops::Loaded;
use terrace::render::{render_diagnostics, Style};
use terrace::schema::{self, ResourceSchema, SchemaKind};

/// A block body: `name = value` arguments and nested blocks, written in this order.
struct Body {
    attrs: &'static [(&'static str, &'static str)],
    blocks: &'static [(&'static str, Body)],
}

const fn attrs(attrs: &'static [(&'static str, &'static str)]) -> Body {
    Body { attrs, blocks: &[] }
}

/// A minimal, realistic configuration of each type.
static MINIMAL: &[(SchemaKind, &str, Body)] = &[
    (
        SchemaKind::Managed,
        "aws_db_instance",
        attrs(&[
            ("identifier", r#""app-db""#),
            ("engine", r#""postgres""#),
            ("engine_version", r#""16.3""#),
            ("instance_class", r#""db.t3.micro""#),
            ("allocated_storage", "20"),
            ("username", r#""app""#),
            ("password", r#""change-me-please""#),
            ("skip_final_snapshot", "true"),
        ]),
    ),
    (
        SchemaKind::Managed,
        "aws_db_parameter_group",
        Body {
            attrs: &[("name", r#""app-pg16""#), ("family", r#""postgres16""#)],
            blocks: &[(
                "parameter",
                attrs(&[
                    ("name", r#""log_min_duration_statement""#),
                    ("value", r#""500""#),
                ]),
            )],
        },
    ),
    (
        SchemaKind::Managed,
        "aws_db_subnet_group",
        attrs(&[
            ("name", r#""app""#),
            ("subnet_ids", r#"["subnet-0a1b2c3d", "subnet-4e5f6a7b"]"#),
        ]),
    ),
    (
        SchemaKind::Managed,
        "aws_eip",
        attrs(&[("domain", r#""vpc""#)]),
    ),
    (
        SchemaKind::Managed,
        "aws_instance",
        attrs(&[
            ("ami", r#""ami-0c55b159cbfafe1f0""#),
            ("instance_type", r#""t3.micro""#),
        ]),
    ),
    (
        SchemaKind::Managed,
        "aws_internet_gateway",
        attrs(&[("vpc_id", r#""vpc-0a1b2c3d""#)]),
    ),
    (
        SchemaKind::Managed,
        "aws_key_pair",
        attrs(&[
            ("key_name", r#""deployer""#),
            (
                "public_key",
                r#""ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZvb2Jhcg deployer@example.com""#,
            ),
        ]),
    ),
    (
        SchemaKind::Managed,
        "aws_nat_gateway",
        attrs(&[
            ("allocation_id", r#""eipalloc-0a1b2c3d""#),
            ("subnet_id", r#""subnet-0a1b2c3d""#),
        ]),
    ),
    (
        SchemaKind::Managed,
        "aws_route",
        attrs(&[
            ("route_table_id", r#""rtb-0a1b2c3d""#),
            ("destination_cidr_block", r#""0.0.0.0/0""#),
            ("gateway_id", r#""igw-0a1b2c3d""#),
        ]),
    ),
    (
        SchemaKind::Managed,
        "aws_route_table",
        Body {
            attrs: &[("vpc_id", r#""vpc-0a1b2c3d""#)],
            blocks: &[(
                "route",
                attrs(&[
                    ("cidr_block", r#""0.0.0.0/0""#),
                    ("gateway_id", r#""igw-0a1b2c3d""#),
                ]),
            )],
        },
    ),
    (
        SchemaKind::Managed,
        "aws_route_table_association",
        attrs(&[
            ("subnet_id", r#""subnet-0a1b2c3d""#),
            ("route_table_id", r#""rtb-0a1b2c3d""#),
        ]),
    ),
    (
        SchemaKind::Managed,
        "aws_security_group",
        Body {
            attrs: &[
                ("name", r#""web""#),
                ("description", r#""Web servers""#),
                ("vpc_id", r#""vpc-0a1b2c3d""#),
            ],
            blocks: &[
                (
                    "ingress",
                    attrs(&[
                        ("description", r#""HTTPS""#),
                        ("from_port", "443"),
                        ("to_port", "443"),
                        ("protocol", r#""tcp""#),
                        ("cidr_blocks", r#"["0.0.0.0/0"]"#),
                    ]),
                ),
                (
                    "egress",
                    attrs(&[
                        ("from_port", "0"),
                        ("to_port", "0"),
                        ("protocol", r#""-1""#),
                        ("cidr_blocks", r#"["0.0.0.0/0"]"#),
                    ]),
                ),
            ],
        },
    ),
    (
        SchemaKind::Managed,
        "aws_security_group_rule",
        attrs(&[
            ("type", r#""ingress""#),
            ("from_port", "22"),
            ("to_port", "22"),
            ("protocol", r#""tcp""#),
            ("cidr_blocks", r#"["10.0.0.0/8"]"#),
            ("security_group_id", r#""sg-0a1b2c3d""#),
        ]),
    ),
    (
        SchemaKind::Managed,
        "aws_subnet",
        attrs(&[
            ("vpc_id", r#""vpc-0a1b2c3d""#),
            ("cidr_block", r#""10.0.1.0/24""#),
            ("availability_zone", r#""us-east-1a""#),
        ]),
    ),
    (
        SchemaKind::Managed,
        "aws_vpc",
        attrs(&[
            ("cidr_block", r#""10.0.0.0/16""#),
            ("enable_dns_hostnames", "true"),
        ]),
    ),
    (
        SchemaKind::Managed,
        "aws_vpc_security_group_egress_rule",
        attrs(&[
            ("security_group_id", r#""sg-0a1b2c3d""#),
            ("cidr_ipv4", r#""0.0.0.0/0""#),
            ("ip_protocol", r#""-1""#),
        ]),
    ),
    (
        SchemaKind::Managed,
        "aws_vpc_security_group_ingress_rule",
        attrs(&[
            ("security_group_id", r#""sg-0a1b2c3d""#),
            ("cidr_ipv4", r#""10.0.0.0/16""#),
            ("from_port", "443"),
            ("to_port", "443"),
            ("ip_protocol", r#""tcp""#),
        ]),
    ),
    (
        SchemaKind::Data,
        "aws_ami",
        Body {
            attrs: &[("most_recent", "true"), ("owners", r#"["099720109477"]"#)],
            blocks: &[(
                "filter",
                attrs(&[
                    ("name", r#""name""#),
                    (
                        "values",
                        r#"["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"]"#,
                    ),
                ]),
            )],
        },
    ),
    (
        SchemaKind::Data,
        "aws_availability_zones",
        attrs(&[("state", r#""available""#)]),
    ),
    (
        SchemaKind::Data,
        "aws_subnets",
        Body {
            attrs: &[],
            blocks: &[(
                "filter",
                attrs(&[("name", r#""vpc-id""#), ("values", r#"["vpc-0a1b2c3d"]"#)]),
            )],
        },
    ),
    (SchemaKind::Data, "aws_vpc", attrs(&[("default", "true")])),
];

fn keyword(kind: SchemaKind) -> &'static str {
    match kind {
        SchemaKind::Managed => "resource",
        SchemaKind::Data => "data",
    }
}

fn schema_of(kind: SchemaKind, ty: &str) -> &'static ResourceSchema {
    schema::lookup(kind, ty).unwrap_or_else(|| panic!("no schema for {ty}"))
}

/// Writes `body` at `depth`, leaving out the argument at path `skip` (block names, then the
/// argument name) and appending `extra` lines to the top level. Returns the text and, for
/// each nested block written, its path and 1-based line.
fn write_body(
    body: &Body,
    depth: usize,
    path: &[&str],
    skip: &[&str],
    out: &mut String,
    lines: &mut Vec<(Vec<String>, usize)>,
) {
    let pad = "  ".repeat(depth);
    for (name, value) in body.attrs {
        if skip.len() == path.len() + 1 && skip[..path.len()] == *path && skip[path.len()] == *name
        {
            continue;
        }
        out.push_str(&format!("{pad}{name} = {value}\n"));
    }
    for (name, b) in body.blocks {
        let mut p = path.to_vec();
        p.push(name);
        lines.push((
            p.iter().map(ToString::to_string).collect(),
            out.lines().count() + 1,
        ));
        out.push_str(&format!("{pad}{name} {{\n"));
        write_body(b, depth + 1, &p, skip, out, lines);
        out.push_str(&format!("{pad}}}\n"));
    }
}

/// The configuration of one minimal block named `this` (first line), without the argument at
/// `skip`, plus `extra` arguments at its top level. Returns the text and the lines of nested
/// blocks.
fn config(
    kind: SchemaKind,
    ty: &str,
    body: &Body,
    skip: &[&str],
    extra: &[(&str, &str)],
) -> (String, Vec<(Vec<String>, usize)>) {
    let mut out = format!("{} \"{ty}\" \"this\" {{\n", keyword(kind));
    let mut lines = Vec::new();
    let mut inner = String::new();
    write_body(body, 1, &[], skip, &mut inner, &mut lines);
    for (name, value) in extra {
        inner.push_str(&format!("  {name} = {value}\n"));
    }
    out.push_str(&inner);
    out.push_str("}\n");
    let lines = lines.into_iter().map(|(p, l)| (p, l + 1)).collect();
    (out, lines)
}

fn load(files: &[(&str, &str)]) -> (String, Loaded) {
    let cfg = TempConfig::new(files);
    let loaded = load_dir(cfg.path(), &[], EvalMode::Validate);
    let text = render_diagnostics(&loaded.diags, &loaded.config.sources, Style::plain());
    (
        text.replace(&format!("{}/", cfg.path().display()), ""),
        loaded,
    )
}

fn instance<'a>(loaded: &'a Loaded, addr: &str) -> &'a Value {
    &loaded
        .evaluated
        .instances
        .iter()
        .find(|i| i.addr.to_string() == addr)
        .unwrap_or_else(|| panic!("no instance {addr}"))
        .value
}

/// Paths of every required argument of `body` and of the nested blocks it writes.
fn required_paths(
    schema: &schema::BodySchema,
    body: &Body,
    prefix: &[&'static str],
    out: &mut Vec<Vec<&'static str>>,
) {
    for a in schema.required_attrs() {
        let mut p = prefix.to_vec();
        p.push(a.name);
        out.push(p);
    }
    for (name, b) in body.blocks {
        let bs = schema
            .block(name)
            .unwrap_or_else(|| panic!("no block {name}"));
        let mut p = prefix.to_vec();
        p.push(name);
        required_paths(&bs.body, b, &p, out);
    }
}

#[test]
fn every_type_has_a_minimal_configuration() {
    let mut covered: Vec<(SchemaKind, &str)> = MINIMAL.iter().map(|(k, t, _)| (*k, *t)).collect();
    covered.sort();
    let mut all: Vec<(SchemaKind, &str)> = schema::managed_types()
        .into_iter()
        .map(|t| (SchemaKind::Managed, t))
        .chain(
            schema::data_types()
                .into_iter()
                .map(|t| (SchemaKind::Data, t)),
        )
        .collect();
    all.sort();
    assert_eq!(covered, all);
}

#[test]
fn minimal_configurations_validate_cleanly() {
    let mut failures = Vec::new();
    for (kind, ty, body) in MINIMAL {
        let (main, _) = config(*kind, ty, body, &[], &[]);
        let (text, loaded) = load(&[("main.tf", &main)]);
        if !loaded.diags.is_empty() {
            failures.push(format!("{ty}:\n{main}{text}"));
        }
        let addr = match kind {
            SchemaKind::Managed => format!("{ty}.this"),
            SchemaKind::Data => format!("data.{ty}.this"),
        };
        // Every schema attribute is present in the planned value; unset computed ones are unknown.
        let v = instance(&loaded, &addr);
        for a in &schema_of(*kind, ty).body.attrs {
            assert!(
                v.get_attr(a.name).is_some(),
                "{addr}.{} missing from {v:?}",
                a.name
            );
        }
        assert_eq!(v.get_attr("id"), Some(&Value::Unknown), "{addr}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The whole set of minimal blocks in one file validates too (names do not clash).
#[test]
fn all_minimal_configurations_together() {
    let main: String = MINIMAL
        .iter()
        .map(|(k, t, b)| config(*k, t, b, &[], &[]).0)
        .collect();
    let (text, loaded) = load(&[("main.tf", &main)]);
    assert!(loaded.diags.is_empty(), "{text}");
    assert_eq!(loaded.evaluated.instances.len(), MINIMAL.len());
}

#[test]
fn misspelt_arguments_are_rejected_with_a_suggestion() {
    for (kind, ty, body) in MINIMAL {
        let s = schema_of(*kind, ty);
        // The longest settable argument, with one letter dropped from its middle.
        let target = s
            .body
            .attrs
            .iter()
            .filter(|a| a.is_settable())
            .map(|a| a.name)
            .max_by_key(|n| (n.len(), *n))
            .unwrap();
        let mid = target.len() / 2;
        let typo = format!("{}{}", &target[..mid], &target[mid + 1..]);
        assert!(s.attr(&typo).is_none(), "{ty}: {typo} exists");
        let line = 2
            + body.attrs.len()
            + body
                .blocks
                .iter()
                .map(|(_, b)| 2 + b.attrs.len())
                .sum::<usize>();
        let (main, _) = config(*kind, ty, body, &[], &[(typo.as_str(), "\"x\"")]);
        let (text, loaded) = load(&[("main.tf", &main)]);
        assert_eq!(
            positions(&loaded),
            [("Unsupported argument".to_string(), line, 3)],
            "{ty}:\n{main}{text}"
        );
        assert!(
            text.contains(&format!("did you mean \"{target}\"?")),
            "{ty}:\n{text}"
        );
    }
}

#[test]
fn missing_required_arguments_are_reported() {
    let mut checked = 0;
    for (kind, ty, body) in MINIMAL {
        let s = schema_of(*kind, ty);
        let mut paths = Vec::new();
        required_paths(&s.body, body, &[], &mut paths);
        for path in paths {
            let (main, lines) = config(*kind, ty, body, &path, &[]);
            let (text, loaded) = load(&[("main.tf", &main)]);
            let block = &path[..path.len() - 1];
            // A missing top-level argument points at the block header, a nested one at the
            // nested block.
            let (line, col) = if block.is_empty() {
                (1, 1)
            } else {
                let l = lines
                    .iter()
                    .find(|(p, _)| p.iter().map(String::as_str).eq(block.iter().copied()))
                    .unwrap()
                    .1;
                (l, 3)
            };
            let name = path.last().unwrap();
            assert_eq!(
                positions(&loaded),
                [("Missing required argument".to_string(), line, col)],
                "{ty} without {path:?}:\n{main}{text}"
            );
            assert!(
                text.contains(&format!("The argument \"{name}\" is required")),
                "{ty}:\n{text}"
            );
            checked += 1;
        }
    }
    // 18 top-level required arguments, 12 in the nested blocks written.
    assert_eq!(checked, 30);
}

/// The required top-level arguments are the ones the provider documents as "(Required)".
#[test]
fn required_arguments_follow_the_provider() {
    let expected: &[(&str, &[&str])] = &[
        ("aws_db_instance", &["instance_class"]),
        ("aws_db_parameter_group", &["family"]),
        ("aws_db_subnet_group", &["subnet_ids"]),
        ("aws_eip", &[]),
        ("aws_instance", &[]),
        ("aws_internet_gateway", &[]),
        ("aws_key_pair", &["public_key"]),
        ("aws_nat_gateway", &["subnet_id"]),
        ("aws_route", &["route_table_id"]),
        ("aws_route_table", &["vpc_id"]),
        ("aws_route_table_association", &["route_table_id"]),
        ("aws_security_group", &[]),
        (
            "aws_security_group_rule",
            &[
                "from_port",
                "protocol",
                "security_group_id",
                "to_port",
                "type",
            ],
        ),
        ("aws_subnet", &["vpc_id"]),
        ("aws_vpc", &[]),
        (
            "aws_vpc_security_group_egress_rule",
            &["ip_protocol", "security_group_id"],
        ),
        (
            "aws_vpc_security_group_ingress_rule",
            &["ip_protocol", "security_group_id"],
        ),
    ];
    assert_eq!(
        expected.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        schema::managed_types()
    );
    for (ty, want) in expected {
        let got: Vec<&str> = schema::resource(ty)
            .unwrap()
            .body
            .required_attrs()
            .map(|a| a.name)
            .collect();
        assert_eq!(got, *want, "{ty}");
    }
    for ty in schema::data_types() {
        assert_eq!(
            schema::data_source(ty)
                .unwrap()
                .body
                .required_attrs()
                .count(),
            0,
            "{ty}"
        );
    }
}

#[test]
fn force_new_flags() {
    let replaces = |ty: &str, path: &[&str]| schema::resource(ty).unwrap().requires_replace(path);
    for (ty, path) in [
        ("aws_subnet", &["availability_zone"][..]),
        ("aws_eip", &["domain"]),
        ("aws_nat_gateway", &["subnet_id"]),
        ("aws_security_group_rule", &["type"]),
        ("aws_security_group_rule", &["cidr_blocks"]),
        ("aws_key_pair", &["key_name"]),
        ("aws_route_table", &["vpc_id"]),
        ("aws_route_table_association", &["subnet_id"]),
        ("aws_db_parameter_group", &["family"]),
        ("aws_db_parameter_group", &["name"]),
        ("aws_db_instance", &["db_name"]),
        ("aws_db_instance", &["availability_zone"]),
        ("aws_instance", &["availability_zone"]),
        ("aws_instance", &["ephemeral_block_device", "device_name"]),
        ("aws_instance", &["ebs_block_device", "device_name"]),
        (
            "aws_vpc_security_group_ingress_rule",
            &["security_group_id"],
        ),
    ] {
        assert!(replaces(ty, path), "{ty} {path:?} should force replacement");
    }
    for (ty, path) in [
        ("aws_db_subnet_group", &["subnet_ids"][..]),
        ("aws_db_subnet_group", &["description"]),
        ("aws_db_instance", &["allocated_storage"]),
        ("aws_db_instance", &["password"]),
        ("aws_db_instance", &["identifier"]),
        ("aws_instance", &["user_data"]),
        ("aws_instance", &["root_block_device", "volume_size"]),
        ("aws_security_group", &["ingress", "from_port"]),
        ("aws_route_table", &["route", "cidr_block"]),
        ("aws_vpc_security_group_ingress_rule", &["from_port"]),
        ("aws_vpc_security_group_egress_rule", &["cidr_ipv4"]),
        ("aws_internet_gateway", &["vpc_id"]),
        ("aws_vpc", &["tags"]),
        ("aws_subnet", &["tags"]),
    ] {
        assert!(!replaces(ty, path), "{ty} {path:?} should update in place");
    }
    // Changing only tags never replaces anything.
    for ty in schema::managed_types() {
        let s = schema::resource(ty).unwrap();
        assert!(!s.force_new_names().contains(&"tags"), "{ty}");
        assert!(!s.requires_replace(&["tags"]), "{ty}");
    }
}

const PROVIDERS: &str = r#"provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = {
      Environment = "prod"
      Team        = "platform"
    }
  }
}
provider "aws" {
  alias  = "west"
  region = "us-west-2"
  default_tags {
    tags = {
      Region = "west"
    }
  }
}
"#;

fn tags(items: &[(&str, &str)]) -> Value {
    Value::map(items.iter().map(|(k, v)| (*k, Value::from(*v))))
}

#[test]
fn tags_all_merges_default_tags_with_resource_tags() {
    let main = format!(
        "{PROVIDERS}{}",
        r#"resource "aws_vpc" "tagged" {
  cidr_block = "10.0.0.0/16"
  tags = {
    Name = "main"
    Team = "network"
  }
}
resource "aws_vpc" "untagged" {
  cidr_block = "10.1.0.0/16"
}
resource "aws_vpc" "west" {
  provider   = aws.west
  cidr_block = "10.2.0.0/16"
  tags = {
    Name = "west"
  }
}
resource "aws_vpc" "unknown" {
  cidr_block = "10.3.0.0/16"
  tags = {
    Peer = aws_vpc.tagged.id
  }
}
resource "aws_route" "r" {
  route_table_id         = "rtb-0a1b2c3d"
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = "igw-0a1b2c3d"
}
"#
    );
    let (text, loaded) = load(&[("main.tf", &main)]);
    assert!(loaded.diags.is_empty(), "{text}");
    let tagged = instance(&loaded, "aws_vpc.tagged");
    assert_eq!(
        tagged.get_attr("tags"),
        Some(&tags(&[("Name", "main"), ("Team", "network")]))
    );
    // Resource tags win over default tags with the same key.
    assert_eq!(
        tagged.get_attr("tags_all"),
        Some(&tags(&[
            ("Environment", "prod"),
            ("Name", "main"),
            ("Team", "network")
        ]))
    );
    let untagged = instance(&loaded, "aws_vpc.untagged");
    assert_eq!(untagged.get_attr("tags"), Some(&Value::Null));
    assert_eq!(
        untagged.get_attr("tags_all"),
        Some(&tags(&[("Environment", "prod"), ("Team", "platform")]))
    );
    // An aliased provider contributes its own default tags.
    assert_eq!(
        instance(&loaded, "aws_vpc.west").get_attr("tags_all"),
        Some(&tags(&[("Name", "west"), ("Region", "west")]))
    );
    // An unknown tag value: Terraform knows tags_all only after apply then.
    assert!(!instance(&loaded, "aws_vpc.unknown")
        .get_attr("tags_all")
        .unwrap()
        .is_wholly_known());
    // Resources AWS cannot tag have neither.
    let route = instance(&loaded, "aws_route.r");
    assert_eq!(route.get_attr("tags"), None);
    assert_eq!(route.get_attr("tags_all"), None);
}

/// Every taggable type gets `tags_all` = default tags + its own tags.
#[test]
fn tags_all_for_every_taggable_type() {
    let mut main = PROVIDERS.to_string();
    let mut taggable = Vec::new();
    for (kind, ty, body) in MINIMAL {
        if !schema_of(*kind, ty).taggable {
            continue;
        }
        taggable.push(*ty);
        main.push_str(
            &config(
                *kind,
                ty,
                body,
                &[],
                &[("tags", "{ Name = \"n\", Team = \"own\" }")],
            )
            .0,
        );
    }
    assert!(taggable.len() >= 14, "{taggable:?}");
    let (text, loaded) = load(&[("main.tf", &main)]);
    assert!(loaded.diags.is_empty(), "{text}");
    for ty in taggable {
        let v = instance(&loaded, &format!("{ty}.this"));
        assert_eq!(
            v.get_attr("tags_all"),
            Some(&tags(&[
                ("Environment", "prod"),
                ("Name", "n"),
                ("Team", "own")
            ])),
            "{ty}"
        );
    }
    for ty in schema::data_types() {
        assert!(
            schema::data_source(ty).unwrap().attr("tags_all").is_none(),
            "{ty}"
        );
    }
}

#[test]
fn tags_all_cannot_be_set() {
    let (text, loaded) = load(&[("main.tf", "resource \"aws_vpc\" \"x\" {\n  cidr_block = \"10.0.0.0/16\"\n  tags_all   = { Name = \"x\" }\n}\n")]);
    assert_eq!(
        positions(&loaded),
        [("Value for unconfigurable attribute".to_string(), 3, 3)],
        "{text}"
    );
}

/// The provider's `ExactlyOneOf` rules, which `terraform validate` enforces: a route has one
/// destination and one target, a route table association one of subnet / gateway, a VPC
/// security group rule one source or destination. Each configuration here breaks one rule
/// and must fail, with the error on the resource and naming the alternatives.
#[test]
fn exactly_one_of_rules() {
    let cases = [
        ("resource \"aws_route\" \"r\" {\n  route_table_id = \"rtb-1\"\n  gateway_id     = \"igw-1\"\n}\n", "destination_cidr_block"),
        ("resource \"aws_route\" \"r\" {\n  route_table_id         = \"rtb-1\"\n  destination_cidr_block = \"0.0.0.0/0\"\n}\n", "gateway_id"),
        ("resource \"aws_route\" \"r\" {\n  route_table_id         = \"rtb-1\"\n  destination_cidr_block = \"0.0.0.0/0\"\n  gateway_id             = \"igw-1\"\n  nat_gateway_id         = \"nat-1\"\n}\n", "nat_gateway_id"),
        ("resource \"aws_route_table_association\" \"a\" {\n  route_table_id = \"rtb-1\"\n}\n", "subnet_id"),
        ("resource \"aws_vpc_security_group_ingress_rule\" \"r\" {\n  security_group_id = \"sg-1\"\n  ip_protocol       = \"tcp\"\n  from_port         = 443\n  to_port           = 443\n}\n", "cidr_ipv4"),
        ("resource \"aws_vpc_security_group_egress_rule\" \"r\" {\n  security_group_id = \"sg-1\"\n  ip_protocol       = \"-1\"\n  cidr_ipv4         = \"0.0.0.0/0\"\n  cidr_ipv6         = \"::/0\"\n}\n", "cidr_ipv6"),
    ];
    for (main, names) in cases {
        let (text, loaded) = load(&[("main.tf", main)]);
        assert!(loaded.diags.has_errors(), "should fail:\n{main}");
        assert!(text.contains(names), "{main}{text}");
    }
    // One of each is fine.
    let (text, loaded) = load(&[("main.tf", "resource \"aws_route\" \"r\" {\n  route_table_id              = \"rtb-1\"\n  destination_ipv6_cidr_block = \"::/0\"\n  egress_only_gateway_id      = \"eigw-1\"\n}\n")]);
    assert!(loaded.diags.is_empty(), "{text}");
}

#[test]
fn deprecated_provider_v5_arguments_are_accepted_with_a_warning() {
    // `vpc = true` on aws_eip is what most configurations written before provider v5 say.
    let main = "resource \"aws_eip\" \"nat\" {\n  count = 2\n  vpc   = true\n}\n\nresource \"aws_instance\" \"i\" {\n  ami                  = \"ami-0c55b159cbfafe1f0\"\n  instance_type        = \"c5.xlarge\"\n  cpu_core_count       = 2\n  cpu_threads_per_core = 1\n}\n";
    let (text, loaded) = load(&[("main.tf", main)]);
    assert!(!loaded.diags.has_errors(), "{text}");
    assert!(text.contains("Warning: Argument is deprecated"), "{text}");
    assert!(text.contains("use domain attribute instead"), "{text}");
    assert!(text.contains("use cpu_options instead"), "{text}");
    assert_eq!(
        instance(&loaded, "aws_eip.nat[0]").get_attr("vpc"),
        Some(&Value::Bool(true))
    );
    // vpc and domain say the same thing two ways: only one may be set.
    let both = "resource \"aws_eip\" \"e\" {\n  vpc    = true\n  domain = \"vpc\"\n}\n";
    let (text, loaded) = load(&[("main.tf", both)]);
    assert!(loaded.diags.has_errors(), "{text}");
    assert!(
        text.contains("Conflicting configuration arguments"),
        "{text}"
    );
}

#[test]
fn recent_provider_arguments_are_accepted() {
    let main = r#"resource "aws_db_instance" "db" {
  identifier                  = "app"
  engine                      = "MySQL"
  engine_version              = "8.4"
  engine_lifecycle_support    = "open-source-rds-extended-support-disabled"
  instance_class              = "db.t3.micro"
  allocated_storage           = 20
  username                    = "admin"
  manage_master_user_password = true
  database_insights_mode      = "standard"
  dedicated_log_volume        = false
  upgrade_storage_config      = false
  skip_final_snapshot         = true
}

resource "aws_db_instance" "wo" {
  instance_class      = "db.t3.micro"
  engine              = "postgres"
  allocated_storage   = 20
  username            = "app"
  password_wo         = "change-me-please"
  password_wo_version = 1
  skip_final_snapshot = true
}

resource "aws_instance" "spot" {
  ami                 = "ami-0c55b159cbfafe1f0"
  instance_type       = "t3.micro"
  enable_primary_ipv6 = false
  force_destroy       = false
  instance_market_options {
    market_type = "spot"
    spot_options {
      max_price          = "0.01"
      spot_instance_type = "one-time"
    }
  }
}
"#;
    let (text, loaded) = load(&[("main.tf", main)]);
    assert!(loaded.diags.is_empty(), "{text}");
    // The engine keeps the case it was written in; the API accepts any.
    assert_eq!(
        instance(&loaded, "aws_db_instance.db").get_attr("engine"),
        Some(&Value::from("MySQL"))
    );
    let bad = "resource \"aws_db_instance\" \"db\" {\n  instance_class = \"db.t3.micro\"\n  engine         = \"MongoDB\"\n}\n";
    let (text, loaded) = load(&[("main.tf", bad)]);
    assert!(loaded.diags.has_errors(), "{text}");
    assert!(text.contains("got \"MongoDB\""), "{text}");
}

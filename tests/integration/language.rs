//! Language features end to end: expansion, modules, dynamic blocks, unknown and sensitive
//! values, cycles, depends_on, migrations.

use crate::support::{check, load_dir, positions, TempConfig};
use terrace::addr::NodeAddr;
use terrace::eval::{EvalMode, Value};

fn node_names(loaded: &terrace::ops::Loaded) -> Vec<String> {
    let mut v: Vec<String> = loaded
        .graph
        .graph
        .node_weights()
        .map(ToString::to_string)
        .collect();
    v.sort();
    v
}

fn instance<'a>(loaded: &'a terrace::ops::Loaded, addr: &str) -> &'a Value {
    &loaded
        .evaluated
        .instances
        .iter()
        .find(|i| i.addr.to_string() == addr)
        .unwrap_or_else(|| panic!("no instance {addr}"))
        .value
}

#[test]
fn count_and_for_each_expand_to_instances() {
    let (text, diags, loaded) = check(
        r#"
variable "azs" {
  type    = list(string)
  default = ["us-east-1a", "us-east-1b"]
}
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "public" {
  count             = length(var.azs)
  vpc_id            = aws_vpc.main.id
  availability_zone = var.azs[count.index]
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
}
resource "aws_security_group" "tier" {
  for_each = toset(["web", "app"])
  name     = "tier-${each.key}"
  vpc_id   = aws_vpc.main.id
}
"#,
    );
    assert!(!diags.has_errors(), "{text}");
    assert_eq!(
        node_names(&loaded),
        [
            "aws_security_group.tier[\"app\"]",
            "aws_security_group.tier[\"web\"]",
            "aws_subnet.public[0]",
            "aws_subnet.public[1]",
            "aws_vpc.main"
        ]
    );
    let s1 = instance(&loaded, "aws_subnet.public[1]");
    assert_eq!(s1.get_attr("cidr_block"), Some(&Value::from("10.0.1.0/24")));
    assert_eq!(
        s1.get_attr("vpc_id"),
        Some(&Value::Unknown),
        "computed ids are unknown before apply"
    );
    assert_eq!(
        instance(&loaded, "aws_security_group.tier[\"web\"]").get_attr("name"),
        Some(&Value::from("tier-web"))
    );
}

#[test]
fn modules_with_count_and_nesting() {
    let cfg = TempConfig::new(&[
        ("main.tf", "module \"net\" {\n  source = \"./modules/net\"\n  count  = 2\n  cidr   = \"10.${count.index}.0.0/16\"\n}\noutput \"ids\" {\n  value = module.net[*].vpc_id\n}\n"),
        ("modules/net/main.tf", "variable \"cidr\" {\n  type = string\n}\nresource \"aws_vpc\" \"this\" {\n  cidr_block = var.cidr\n}\nmodule \"inner\" {\n  source = \"../inner\"\n  vpc_id = aws_vpc.this.id\n}\noutput \"vpc_id\" {\n  value = aws_vpc.this.id\n}\n"),
        ("modules/inner/main.tf", "variable \"vpc_id\" {}\nresource \"aws_internet_gateway\" \"gw\" {\n  vpc_id = var.vpc_id\n}\n"),
    ]);
    let loaded = load_dir(cfg.path(), &[], EvalMode::Validate);
    assert!(!loaded.diags.has_errors(), "{:?}", loaded.diags);
    let names = node_names(&loaded);
    assert!(
        names.contains(&"module.net[1].aws_vpc.this".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"module.net[0].module.inner.aws_internet_gateway.gw".to_string()),
        "{names:?}"
    );
    assert_eq!(
        instance(&loaded, "module.net[1].aws_vpc.this").get_attr("cidr_block"),
        Some(&Value::from("10.1.0.0/16"))
    );
    // The gateway depends on the VPC of its own module instance, through the module input.
    let gw: NodeAddr = "module.net[0].module.inner.aws_internet_gateway.gw"
        .parse()
        .unwrap();
    let deps: Vec<String> = loaded
        .graph
        .dependencies(&gw)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(deps, ["module.net[0].aws_vpc.this"]);
}

#[test]
fn dynamic_blocks_expand() {
    let (text, diags, loaded) = check(
        r#"
variable "ports" {
  default = [80, 443]
}
resource "aws_security_group" "web" {
  name = "web"
  dynamic "ingress" {
    for_each = var.ports
    iterator = port
    content {
      from_port   = port.value
      to_port     = port.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
"#,
    );
    assert!(!diags.has_errors(), "{text}");
    let ingress = instance(&loaded, "aws_security_group.web")
        .get_attr("ingress")
        .unwrap()
        .as_list()
        .unwrap()
        .len();
    assert_eq!(ingress, 2);
}

#[test]
fn sensitive_values_stay_marked() {
    let (text, diags, loaded) = check(
        r#"
variable "password" {
  type      = string
  default   = "hunter2hunter2"
  sensitive = true
}
resource "aws_db_instance" "db" {
  identifier        = "db"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "app"
  password          = "${var.password}!"
}
output "conn" {
  value = "postgres://app:${var.password}@host"
}
"#,
    );
    assert!(instance(&loaded, "aws_db_instance.db")
        .get_attr("password")
        .unwrap()
        .is_sensitive());
    assert_eq!(
        positions(&loaded),
        [("Output refers to sensitive values".to_string(), 16, 11)],
        "{text}"
    );
    assert!(diags.has_errors());
}

#[test]
fn security_group_cycle_names_every_edge() {
    let (text, _, loaded) = check(
        r#"
resource "aws_security_group" "a" {
  name = "a"
  ingress {
    from_port       = 1
    to_port         = 1
    protocol        = "tcp"
    security_groups = [aws_security_group.b.id]
  }
}
resource "aws_security_group" "b" {
  name = "b"
  ingress {
    from_port       = 1
    to_port         = 1
    protocol        = "tcp"
    security_groups = [aws_security_group.a.id]
  }
}
"#,
    );
    assert!(text.contains("Cycle in dependencies"), "{text}");
    assert!(
        text.contains(
            "aws_security_group.a -> aws_security_group.b (attribute \"ingress.security_groups\")"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "aws_security_group.b -> aws_security_group.a (attribute \"ingress.security_groups\")"
        ),
        "{text}"
    );
    assert!(
        text.contains("aws_vpc_security_group_ingress_rule"),
        "{text}"
    );
    assert_eq!(positions(&loaded)[0].1, 8);
    // The graph handed to later stages is still acyclic.
    assert!(!petgraph::algo::is_cyclic_directed(&loaded.graph.graph));
}

#[test]
fn unknown_count_is_an_error_when_planning() {
    let cfg = TempConfig::new(&[(
        "main.tf",
        "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\nresource \"aws_subnet\" \"s\" {\n  count      = length(aws_vpc.main.id)\n  vpc_id     = aws_vpc.main.id\n  cidr_block = \"10.0.1.0/24\"\n}\n",
    )]);
    let loaded = load_dir(cfg.path(), &[], EvalMode::Validate);
    assert!(
        !loaded.diags.has_errors(),
        "validate accepts unknown counts: {:?}",
        loaded.diags
    );
    assert!(node_names(&loaded).contains(&"aws_subnet.s[*]".to_string()));
    let loaded = load_dir(cfg.path(), &[], EvalMode::Plan);
    let pos = positions(&loaded);
    assert_eq!(pos, [("Invalid count argument".to_string(), 5, 16)]);
}

#[test]
fn depends_on_and_migrations_are_edges() {
    let cfg = TempConfig::new(&[
        (
            "main.tf",
            r#"
resource "aws_db_instance" "app" {
  identifier        = "app"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "app"
  password          = "secretsecret"
}
migration "schema" {
  database = aws_db_instance.app
  source   = "${path.module}/migrations"
}
resource "aws_instance" "app" {
  ami           = "ami-123"
  instance_type = "t3.micro"
  depends_on    = [migration.schema]
}
"#,
        ),
        ("migrations/V1__init.sql", "create table t (id int);\n"),
    ]);
    let loaded = load_dir(cfg.path(), &[], EvalMode::Validate);
    assert!(!loaded.diags.has_errors(), "{:?}", loaded.diags);
    let m: NodeAddr = "migration.schema".parse().unwrap();
    assert_eq!(
        loaded
            .graph
            .dependencies(&m)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["aws_db_instance.app"]
    );
    let i: NodeAddr = "aws_instance.app".parse().unwrap();
    assert_eq!(
        loaded
            .graph
            .dependencies(&i)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["migration.schema"]
    );
}

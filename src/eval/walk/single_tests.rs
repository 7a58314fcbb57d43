//! `evaluate_instance` agrees with `evaluate` on every instance, and knows what is gone.

use super::{evaluate, evaluate_instance, EvalMode, EvalOptions};
use crate::addr::ResourceInstanceAddr;
use crate::diag::Diagnostics;
use crate::eval::inputs::InputValues;

const ROOT: &str = r#"
variable "names" {
  default = ["a", "b", "c"]
}
locals {
  cidr = "10.0.0.0/16"
}
provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { Team = "core" }
  }
}
resource "aws_vpc" "main" {
  cidr_block = local.cidr
  tags       = { Name = "main" }
}
resource "aws_subnet" "s" {
  count      = length(var.names)
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  tags       = { Name = var.names[count.index] }
}
resource "aws_security_group" "g" {
  for_each = toset(var.names)
  name     = "web-${each.key}"
  vpc_id   = aws_vpc.main.id
}
module "net" {
  source = "./net"
  count  = 2
  vpc_id = aws_vpc.main.id
  index  = count.index
}
"#;

const NET: &str = r#"
variable "vpc_id" {}
variable "index" {}
resource "aws_subnet" "inner" {
  for_each   = { x = 100, y = 101 }
  vpc_id     = var.vpc_id
  cidr_block = cidrsubnet("10.0.0.0/16", 8, each.value + var.index * 10)
}
"#;

fn config(dir: &std::path::Path) -> crate::config::Config {
    std::fs::create_dir_all(dir.join("net")).unwrap();
    std::fs::write(dir.join("main.tf"), ROOT).unwrap();
    std::fs::write(dir.join("net/main.tf"), NET).unwrap();
    let mut diags = Diagnostics::new();
    let cfg = crate::config::load(dir, &mut diags);
    assert!(!diags.has_errors(), "{diags:?}");
    cfg
}

fn opts(inputs: &InputValues) -> EvalOptions<'_> {
    EvalOptions {
        mode: EvalMode::Plan,
        workspace: "default".into(),
        inputs,
        planner: None,
    }
}

#[test]
fn every_instance_evaluates_alone_to_its_value_in_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let inputs = InputValues::default();
    let mut diags = Diagnostics::new();
    let whole = evaluate(&cfg, opts(&inputs), &mut diags);
    assert!(!diags.has_errors(), "{diags:?}");
    assert_eq!(whole.instances.len(), 1 + 3 + 3 + 4);
    for i in &whole.instances {
        let mut d = Diagnostics::new();
        let alone = evaluate_instance(&cfg, opts(&inputs), &i.addr, &mut d);
        assert!(!d.has_errors(), "{}: {d:?}", i.addr);
        assert_eq!(alone.as_ref(), Some(&i.value), "{}", i.addr);
    }
}

#[test]
fn instances_the_configuration_no_longer_declares_are_none() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let inputs = InputValues::default();
    for gone in [
        "aws_subnet.s[3]",
        "aws_subnet.s",
        "aws_security_group.g[\"d\"]",
        "aws_vpc.other",
        "module.net[2].aws_subnet.inner[\"x\"]",
        "module.net[0].aws_subnet.inner[\"z\"]",
        "module.gone.aws_subnet.inner[\"x\"]",
    ] {
        let addr: ResourceInstanceAddr = gone.parse().unwrap();
        let mut d = Diagnostics::new();
        assert_eq!(
            evaluate_instance(&cfg, opts(&inputs), &addr, &mut d),
            None,
            "{gone}"
        );
    }
}

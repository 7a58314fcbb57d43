//! Generates a large, reference-rich Terraform configuration for benchmarks and
//! stress tests: exactly N `resource` blocks (no `count` / `for_each`, so blocks
//! and resource instances are the same number), spread over several `.tf` files.
//!
//! ```sh
//! cargo run --release --example gen_config -- 10000 /tmp/big
//! ```
//!
//! The configuration is a row of "cells", each a small VPC with an internet
//! gateway, three subnets (`cidrsubnet` of the VPC), two route tables with their
//! associations, web and app security groups with rule resources, and an app and
//! a web instance. Cell `i` uses the VPC `10.(i / 256).(i % 256).0/24` with /28
//! subnets, so up to 65,536 cells (about 1.2 million resources) get distinct,
//! valid CIDRs. Every cell after the first also lets SSH in from the first
//! cell's VPC (a hub), so there are references across cells and files.
//!
//! Blocks within a cell are written in dependency order, so cutting the last
//! cell short to hit exactly N still leaves every reference valid.
//!
//! Writes `variables.tf` (variables, locals, the provider) and
//! `resources_NNN.tf` with at most 500 resources each. Earlier
//! `resources_*.tf` files in DIR are removed first so that re-running with a
//! smaller N leaves exactly N resources behind.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const DEFAULT_COUNT: usize = 10_000;
const DEFAULT_DIR: &str = "generated-config";
const RESOURCES_PER_FILE: usize = 500;
const MAX_CELLS: usize = 256 * 256;
/// Resources of every cell but the first.
const CELL_RESOURCES: usize = 19;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") || args.len() > 2 {
        eprintln!("usage: gen_config [N (default {DEFAULT_COUNT})] [DIR (default {DEFAULT_DIR})]");
        return if args.len() > 2 {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let count = match args.first() {
        None => DEFAULT_COUNT,
        Some(s) => match s.replace('_', "").parse::<usize>() {
            Ok(n) => n,
            Err(_) => {
                eprintln!("gen_config: N must be a non-negative integer, got {s:?}");
                return ExitCode::from(2);
            }
        },
    };
    let dir = PathBuf::from(args.get(1).map_or(DEFAULT_DIR, String::as_str));

    match generate(count, &dir) {
        Ok(summary) => {
            let files = summary.resource_files + 1;
            println!(
                "wrote {} resources ({} cells) to {}: {files} file{} (variables.tf + {} resource file{})",
                summary.resources,
                summary.cells,
                dir.display(),
                plural(files),
                summary.resource_files,
                plural(summary.resource_files),
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_config: {e}");
            ExitCode::FAILURE
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

struct Summary {
    resources: usize,
    cells: usize,
    resource_files: usize,
}

fn generate(count: usize, dir: &Path) -> Result<Summary, String> {
    // Cell 0 (the hub) has one rule fewer than the others.
    let capacity = CELL_RESOURCES - 1 + (MAX_CELLS - 1) * CELL_RESOURCES;
    if count > capacity {
        return Err(format!(
            "at most {capacity} resources fit the 10.x.y.0/24 address plan of {MAX_CELLS} cells, asked for {count}"
        ));
    }

    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    remove_old_outputs(dir)?;
    write_file(&dir.join("variables.tf"), VARIABLES_TF)?;

    // Blocks are written out a file at a time, so memory stays flat for any N.
    let mut pending: Vec<String> = Vec::with_capacity(RESOURCES_PER_FILE + CELL_RESOURCES);
    let mut written = 0;
    let mut files = 0;
    let mut cells = 0;
    while written + pending.len() < count {
        let room = count - written - pending.len();
        let blocks = cell_blocks(cells);
        debug_assert!(
            blocks.len() == CELL_RESOURCES || (cells == 0 && blocks.len() == CELL_RESOURCES - 1)
        );
        pending.extend(blocks.into_iter().take(room));
        cells += 1;
        while pending.len() >= RESOURCES_PER_FILE
            || (written + pending.len() == count && !pending.is_empty())
        {
            let take = pending.len().min(RESOURCES_PER_FILE);
            let chunk: Vec<String> = pending.drain(..take).collect();
            write_resource_file(dir, files, written, count, &chunk)?;
            written += chunk.len();
            files += 1;
        }
    }

    Ok(Summary {
        resources: written,
        cells,
        resource_files: files,
    })
}

fn write_resource_file(
    dir: &Path,
    index: usize,
    first: usize,
    count: usize,
    blocks: &[String],
) -> Result<(), String> {
    let mut text = format!(
        "# Generated by `cargo run --example gen_config`: resources {} to {} of {count}.\n",
        first + 1,
        first + blocks.len()
    );
    for block in blocks {
        text.push('\n');
        text.push_str(block);
    }
    write_file(&dir.join(format!("resources_{index:03}.tf")), &text)
}

/// Removes the `resources_*.tf` files of an earlier run.
fn remove_old_outputs(dir: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("reading {}: {e}", dir.display()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("resources_") && name.ends_with(".tf") {
            std::fs::remove_file(entry.path())
                .map_err(|e| format!("removing {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// The resource blocks of cell `i`, each block referencing only blocks before it
/// (in this cell, or in cell 0), so any prefix of the list is a valid configuration.
fn cell_blocks(i: usize) -> Vec<String> {
    let c = format!("c{i:05}");
    let cidr = format!("10.{}.{}.0/24", i / 256, i % 256);
    let tags = |role: &str| {
        format!(
            r#"  tags = merge(local.common_tags, {{
    Name = "{c}-{role}"
    Cell = "{c}"
  }})
"#
        )
    };
    let mut blocks: Vec<String> = Vec::with_capacity(CELL_RESOURCES);

    blocks.push(format!(
        r#"resource "aws_vpc" "{c}" {{
  cidr_block           = "{cidr}"
  enable_dns_support   = true
  enable_dns_hostnames = true

{tags}}}
"#,
        tags = tags("vpc")
    ));
    blocks.push(format!(
        r#"resource "aws_internet_gateway" "{c}" {{
  vpc_id = aws_vpc.{c}.id

{tags}}}
"#,
        tags = tags("igw")
    ));
    for (netnum, tier) in ["public", "app", "db"].into_iter().enumerate() {
        let public = tier == "public";
        blocks.push(format!(
            r#"resource "aws_subnet" "{c}_{tier}" {{
  vpc_id                  = aws_vpc.{c}.id
  cidr_block              = cidrsubnet(aws_vpc.{c}.cidr_block, 4, {netnum})
  availability_zone       = element(var.azs, {i})
  map_public_ip_on_launch = {public}

{tags}}}
"#,
            tags = tags(tier)
        ));
    }

    blocks.push(format!(
        r#"resource "aws_route_table" "{c}_public" {{
  vpc_id = aws_vpc.{c}.id

  route {{
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.{c}.id
  }}

{tags}}}
"#,
        tags = tags("public")
    ));
    blocks.push(format!(
        r#"resource "aws_route_table_association" "{c}_public" {{
  subnet_id      = aws_subnet.{c}_public.id
  route_table_id = aws_route_table.{c}_public.id
}}
"#
    ));
    blocks.push(format!(
        r#"resource "aws_route_table" "{c}_private" {{
  vpc_id = aws_vpc.{c}.id

{tags}}}
"#,
        tags = tags("private")
    ));
    for tier in ["app", "db"] {
        blocks.push(format!(
            r#"resource "aws_route_table_association" "{c}_{tier}" {{
  subnet_id      = aws_subnet.{c}_{tier}.id
  route_table_id = aws_route_table.{c}_private.id
}}
"#
        ));
    }

    for (tier, what) in [("web", "Web tier"), ("app", "App tier")] {
        blocks.push(format!(
            r#"resource "aws_security_group" "{c}_{tier}" {{
  name        = "{c}-{tier}"
  description = "{what} of cell {c}"
  vpc_id      = aws_vpc.{c}.id

{tags}}}
"#,
            tags = tags(tier)
        ));
    }
    blocks.push(format!(
        r#"resource "aws_vpc_security_group_ingress_rule" "{c}_web_http" {{
  security_group_id = aws_security_group.{c}_web.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}}
"#
    ));
    blocks.push(format!(
        r#"resource "aws_vpc_security_group_ingress_rule" "{c}_app_from_web" {{
  security_group_id            = aws_security_group.{c}_app.id
  referenced_security_group_id = aws_security_group.{c}_web.id
  ip_protocol                  = "tcp"
  from_port                    = var.app_port
  to_port                      = var.app_port
}}
"#
    ));
    if i > 0 {
        blocks.push(format!(
            r#"resource "aws_vpc_security_group_ingress_rule" "{c}_ssh_from_hub" {{
  security_group_id = aws_security_group.{c}_app.id
  description       = "SSH from the hub cell"
  cidr_ipv4         = aws_vpc.c00000.cidr_block
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
}}
"#
        ));
    }
    for tier in ["web", "app"] {
        blocks.push(format!(
            r#"resource "aws_vpc_security_group_egress_rule" "{c}_{tier}_all" {{
  security_group_id = aws_security_group.{c}_{tier}.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}}
"#
        ));
    }

    blocks.push(format!(
        r#"resource "aws_instance" "{c}_app" {{
  ami                    = var.ami
  instance_type          = var.instance_type
  subnet_id              = aws_subnet.{c}_app.id
  vpc_security_group_ids = [aws_security_group.{c}_app.id]

{tags}}}
"#,
        tags = tags("app")
    ));
    blocks.push(format!(
        r#"resource "aws_instance" "{c}_web" {{
  ami                    = var.ami
  instance_type          = var.instance_type
  subnet_id              = aws_subnet.{c}_public.id
  vpc_security_group_ids = [aws_security_group.{c}_web.id]
  user_data              = format("UPSTREAM=%s:%d\n", aws_instance.{c}_app.private_ip, var.app_port)

{tags}}}
"#,
        tags = tags("web")
    ));

    blocks
}

const VARIABLES_TF: &str = r#"# Generated by `cargo run --example gen_config`.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "azs" {
  description = "Availability zones; cell i uses element(azs, i)."
  type        = list(string)
  default     = ["us-east-1a", "us-east-1b", "us-east-1c"]
}

variable "ami" {
  description = "AMI of every instance."
  type        = string
  default     = "ami-0123456789abcdef0"
}

variable "instance_type" {
  description = "Instance type of every instance."
  type        = string
  default     = "t3.micro"
}

variable "app_port" {
  description = "Port the app instances listen on."
  type        = number
  default     = 8000
}

variable "environment" {
  description = "Environment tag."
  type        = string
  default     = "bench"
}

locals {
  common_tags = {
    environment = var.environment
    generator   = "gen_config"
  }
}
"#;

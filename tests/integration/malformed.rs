//! Malformed configurations: each case is a set of files, the diagnostics it must produce
//! as (summary, line, column) in order, and phrases the rendered text must contain. The
//! positions are where Terraform would point (or, where Terrace's wording differs, at the
//! same construct).

use crate::support::{load_dir, positions, terrace, TempConfig};
use terrace::eval::inputs::VarArg;
use terrace::eval::EvalMode;
use terrace::ops::Loaded;
use terrace::render::{render_diagnostics, Style};

const MIGRATION_SQL: (&str, &str) = ("migrations/V1__init.sql", "create table t (id int);\n");

struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    expect: &'static [(&'static str, usize, usize)],
    says: &'static [&'static str],
}

static CASES: &[Case] = &[
    Case {
        name: "unclosed_brace",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block = "10.0.0.0/16"
"#,
        )],
        expect: &[("Invalid HCL syntax", 1, 24)],
        says: &["expected `}`"],
    },
    Case {
        name: "missing_equals",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block "10.0.0.0/16"
}
"#,
        )],
        expect: &[("Invalid HCL syntax", 2, 27)],
        says: &["Expected `{`"],
    },
    Case {
        name: "missing_equals_number",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  count 2
}
"#,
        )],
        expect: &[("Invalid HCL syntax", 2, 9)],
        says: &[],
    },
    Case {
        name: "bad_escape",
        files: &[(
            "main.tf",
            r#"resource "aws_security_group" "x" {
  name = "a\qb"
}
"#,
        )],
        expect: &[("Invalid HCL syntax", 2, 14)],
        says: &["Invalid escape sequence"],
    },
    Case {
        name: "unterminated_heredoc",
        files: &[(
            "main.tf",
            r#"resource "aws_instance" "x" {
  ami = "ami-1"
  user_data = <<EOT
echo hi
"#,
        )],
        expect: &[("Invalid HCL syntax", 4, 1)],
        says: &["heredoc end delimiter"],
    },
    Case {
        name: "unknown_block",
        files: &[(
            "main.tf",
            r#"resourse "aws_vpc" "x" {
  cidr_block = "10.0.0.0/16"
}
"#,
        )],
        expect: &[("Unsupported block type", 1, 1)],
        says: &["did you mean \"resource\"?"],
    },
    Case {
        name: "label_count",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" {
  cidr_block = "10.0.0.0/16"
}
"#,
        )],
        expect: &[("Wrong number of labels on resource block", 1, 1)],
        says: &["two labels"],
    },
    Case {
        name: "dup_resource",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc" "x" {
  cidr_block = "10.1.0.0/16"
}
"#,
        )],
        expect: &[("Duplicate resource \"aws_vpc.x\"", 4, 1)],
        says: &["was already declared"],
    },
    Case {
        name: "dup_variable",
        files: &[(
            "main.tf",
            r#"variable "a" {}
variable "b" {}
  variable "a" {}
"#,
        )],
        expect: &[("Duplicate variable \"a\"", 3, 3)],
        says: &[],
    },
    Case {
        name: "dup_output",
        files: &[(
            "main.tf",
            r#"output "o" {
  value = 1
}
output "o" {
  value = 2
}
"#,
        )],
        expect: &[("Duplicate output \"o\"", 4, 1)],
        says: &[],
    },
    Case {
        name: "dup_local",
        files: &[(
            "main.tf",
            r#"locals {
  a = 1
}
locals {
  b = 2
  a = 3
}
"#,
        )],
        expect: &[("Duplicate local value \"a\"", 6, 3)],
        says: &[],
    },
    Case {
        name: "unsupported_resource",
        files: &[(
            "main.tf",
            r#"resource "aws_s3_bucket" "b" {
  bucket = "x"
}
"#,
        )],
        expect: &[("Unsupported resource type", 1, 10)],
        says: &["\"aws_s3_bucket\""],
    },
    Case {
        name: "unsupported_data",
        files: &[(
            "main.tf",
            r#"data "aws_s3_bucket" "b" {
  bucket = "x"
}
"#,
        )],
        expect: &[("Unsupported data source", 1, 6)],
        says: &["\"aws_s3_bucket\""],
    },
    Case {
        name: "unknown_attr",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "main" {
  cidr_blok = "10.0.0.0/16"
}
"#,
        )],
        expect: &[("Unsupported argument", 2, 3)],
        says: &["did you mean \"cidr_block\"?"],
    },
    Case {
        name: "attr_as_block",
        files: &[(
            "main.tf",
            r#"resource "aws_security_group" "x" {
  name = "x"
  ingress = [{ from_port = 1 }]
}
"#,
        )],
        expect: &[("Unsupported argument", 3, 3)],
        says: &["\"ingress\" is a block, not an argument"],
    },
    Case {
        name: "block_as_attr",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block = "10.0.0.0/16"
  tags {
    Name = "x"
  }
}
"#,
        )],
        expect: &[("Unsupported block type", 3, 3)],
        says: &["\"tags\" is an argument, not a block"],
    },
    Case {
        name: "missing_required",
        files: &[(
            "main.tf",
            r#"resource "aws_subnet" "s" {
  cidr_block = "10.0.1.0/24"
}
"#,
        )],
        expect: &[("Missing required argument", 1, 1)],
        says: &["The argument \"vpc_id\" is required"],
    },
    Case {
        name: "computed_set",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block = "10.0.0.0/16"
  arn        = "arn:aws:ec2:x"
}
"#,
        )],
        expect: &[("Value for unconfigurable attribute", 3, 3)],
        says: &["\"arn\""],
    },
    Case {
        name: "wrong_type_list",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block = [1]
}
"#,
        )],
        expect: &[("Incorrect attribute value type", 2, 16)],
        says: &["string required"],
    },
    Case {
        name: "wrong_type_count",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  count      = "abc"
  cidr_block = "10.0.0.0/16"
}
"#,
        )],
        expect: &[("Invalid count argument", 2, 16)],
        says: &["a number is required"],
    },
    Case {
        name: "cidr_malformed",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block = "10.0.0/16"
}
"#,
        )],
        expect: &[("Invalid value for attribute", 2, 16)],
        says: &["10.0.0/16 is not a valid CIDR block"],
    },
    Case {
        name: "cidr_not_network",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block = "10.0.0.1/16"
}
"#,
        )],
        expect: &[("Invalid value for attribute", 2, 16)],
        says: &["did you mean 10.0.0.0/16?"],
    },
    Case {
        name: "port_range",
        files: &[(
            "main.tf",
            r#"resource "aws_security_group_rule" "r" {
  type              = "ingress"
  security_group_id = "sg-1"
  protocol          = "tcp"
  from_port         = 70000
  to_port           = 443
}
"#,
        )],
        expect: &[("Invalid value for attribute", 5, 23)],
        says: &["from -1 to 65535; got 70000"],
    },
    Case {
        name: "one_of",
        files: &[(
            "main.tf",
            r#"resource "aws_security_group_rule" "r" {
  type              = "inbound"
  security_group_id = "sg-1"
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
}
"#,
        )],
        expect: &[("Invalid value for attribute", 2, 23)],
        says: &["expected one of \"ingress\", \"egress\"; got \"inbound\""],
    },
    Case {
        name: "undeclared_var",
        files: &[(
            "main.tf",
            r#"variable "region" {}
output "o" {
  value = var.regoin
}
"#,
        )],
        expect: &[("Reference to undeclared input variable", 3, 11)],
        says: &["did you mean var.region?"],
    },
    Case {
        name: "undeclared_local",
        files: &[(
            "main.tf",
            r#"locals {
  name = "x"
}
output "o" {
  value = local.nmae
}
"#,
        )],
        expect: &[("Reference to undeclared local value", 5, 11)],
        says: &["did you mean local.name?"],
    },
    Case {
        name: "undeclared_resource",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id = aws_vpc.mian.id
}
"#,
        )],
        expect: &[("Reference to undeclared resource", 5, 12)],
        says: &["did you mean aws_vpc.main?"],
    },
    Case {
        name: "undeclared_module_output",
        files: &[
            (
                "main.tf",
                r#"module "net" {
  source = "./net"
}
output "o" {
  value = module.net.vpc_idd
}
"#,
            ),
            (
                "net/main.tf",
                r#"output "vpc_id" {
  value = "v"
}
"#,
            ),
        ],
        expect: &[("Unsupported attribute", 5, 11)],
        says: &["did you mean \"vpc_id\"?"],
    },
    Case {
        name: "undeclared_module",
        files: &[(
            "main.tf",
            r#"output "o" {
  value = module.nope.x
}
"#,
        )],
        expect: &[("Reference to undeclared module", 2, 11)],
        says: &[],
    },
    Case {
        name: "var_alone",
        files: &[(
            "main.tf",
            r#"output "o" {
  value = var
}
"#,
        )],
        expect: &[("Invalid reference", 2, 11)],
        says: &["\"var\" object cannot be accessed directly"],
    },
    Case {
        name: "unknown_function",
        files: &[(
            "main.tf",
            r#"output "o" {
  value = lenght([1, 2])
}
"#,
        )],
        expect: &[("Call to unknown function", 2, 11)],
        says: &["did you mean \"length\"?"],
    },
    Case {
        name: "function_arg_error",
        files: &[(
            "main.tf",
            r#"output "o" {
  value = cidrsubnet("10.0.0.0/16", 40, 1)
}
"#,
        )],
        expect: &[("Invalid function argument", 2, 37)],
        says: &["\"cidrsubnet\"", "insufficient address space"],
    },
    Case {
        name: "index_out_of_range",
        files: &[(
            "main.tf",
            r#"locals {
  azs = ["a", "b"]
}
output "o" {
  value = local.azs[5]
}
"#,
        )],
        expect: &[("Invalid index", 5, 20)],
        says: &["out of range"],
    },
    Case {
        name: "validation_failed",
        files: &[(
            "main.tf",
            r#"variable "n" {
  type    = number
  default = 7
  validation {
    condition     = var.n < 5
    error_message = "n must be below 5."
  }
}
"#,
        )],
        expect: &[("Invalid value for variable", 5, 21)],
        says: &["n must be below 5."],
    },
    Case {
        name: "default_type",
        files: &[(
            "main.tf",
            r#"variable "n" {
  type    = number
  default = "abc"
}
"#,
        )],
        expect: &[("Invalid default value for variable", 3, 13)],
        says: &["a number is required"],
    },
    Case {
        name: "count_and_for_each",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  count      = 2
  for_each   = toset(["a"])
  cidr_block = "10.0.0.0/16"
}
"#,
        )],
        expect: &[("Invalid combination of \"count\" and \"for_each\"", 3, 16)],
        says: &[],
    },
    Case {
        name: "for_each_list",
        files: &[(
            "main.tf",
            r#"resource "aws_security_group" "x" {
  for_each = ["a", "b"]
  name     = each.key
}
"#,
        )],
        expect: &[("Invalid for_each argument", 2, 14)],
        says: &["toset"],
    },
    Case {
        name: "negative_count",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  count      = -1
  cidr_block = "10.0.0.0/16"
}
"#,
        )],
        expect: &[("Invalid count argument", 2, 16)],
        says: &["greater than or equal to zero"],
    },
    Case {
        name: "count_index_no_count",
        files: &[(
            "main.tf",
            r#"resource "aws_security_group" "x" {
  name = "sg-${count.index}"
}
"#,
        )],
        expect: &[("Reference to \"count\" in non-counted context", 2, 16)],
        says: &[],
    },
    Case {
        name: "each_key_no_for_each",
        files: &[(
            "main.tf",
            r#"resource "aws_security_group" "x" {
  name = each.key
}
"#,
        )],
        expect: &[("Reference to \"each\" in context without for_each", 2, 10)],
        says: &[],
    },
    Case {
        name: "each_in_module_call",
        files: &[
            (
                "main.tf",
                r#"module "a" {
  source = "./m"
  name   = each.key
}
"#,
            ),
            (
                "m/main.tf",
                r#"variable "name" {}
"#,
            ),
        ],
        expect: &[("Reference to \"each\" in context without for_each", 3, 12)],
        says: &[],
    },
    Case {
        name: "module_registry",
        files: &[(
            "main.tf",
            r#"module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}
"#,
        )],
        expect: &[("Unsupported module source", 2, 13)],
        says: &["\"terraform-aws-modules/vpc/aws\""],
    },
    Case {
        name: "module_missing_dir",
        files: &[(
            "main.tf",
            r#"module "net" {
  source = "./modules/nope"
}
"#,
        )],
        expect: &[("Unreadable module directory", 2, 12)],
        says: &["./modules/nope"],
    },
    Case {
        name: "module_missing_input",
        files: &[
            (
                "main.tf",
                r#"module "net" {
  source = "./net"
}
"#,
            ),
            (
                "net/main.tf",
                r#"variable "cidr" {
  type = string
}
"#,
            ),
        ],
        expect: &[("Missing required argument", 1, 1)],
        says: &["The argument \"cidr\" is required"],
    },
    Case {
        name: "module_unexpected_input",
        files: &[
            (
                "main.tf",
                r#"module "net" {
  source = "./net"
  cidr   = "10.0.0.0/16"
  cdir   = "x"
}
"#,
            ),
            (
                "net/main.tf",
                r#"variable "cidr" {
  type = string
}
"#,
            ),
        ],
        expect: &[("Unsupported argument", 4, 3)],
        says: &["\"cdir\"", "did you mean \"cidr\"?"],
    },
    Case {
        name: "output_sensitive",
        files: &[(
            "main.tf",
            r#"variable "pw" {
  default   = "secretsecret"
  sensitive = true
}
output "o" {
  value = "x-${var.pw}"
}
"#,
        )],
        expect: &[("Output refers to sensitive values", 6, 11)],
        says: &["sensitive = true"],
    },
    Case {
        name: "cycle",
        files: &[(
            "main.tf",
            r#"resource "aws_subnet" "s" {
  vpc_id     = aws_vpc.x.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_vpc" "x" {
  cidr_block = "10.0.0.0/16"
  tags = {
    Subnet = aws_subnet.s.id
  }
}
"#,
        )],
        expect: &[("Cycle in dependencies", 2, 16)],
        says: &[
            "aws_subnet.s -> aws_vpc.x (attribute \"vpc_id\")",
            "aws_vpc.x -> aws_subnet.s (attribute \"tags\")",
        ],
    },
    Case {
        name: "prevent_destroy_expr",
        files: &[(
            "main.tf",
            r#"variable "keep" {
  default = true
}
resource "aws_vpc" "x" {
  cidr_block = "10.0.0.0/16"
  lifecycle {
    prevent_destroy = var.keep
  }
}
"#,
        )],
        expect: &[("Invalid prevent_destroy value", 7, 23)],
        says: &["literal true or false"],
    },
    Case {
        name: "ignore_changes_unknown",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block = "10.0.0.0/16"
  lifecycle {
    ignore_changes = [tags, tgas]
  }
}
"#,
        )],
        expect: &[("Unsupported attribute in ignore_changes", 4, 29)],
        says: &["did you mean \"tags\"?"],
    },
    Case {
        name: "timeout_invalid",
        files: &[(
            "main.tf",
            r#"resource "aws_subnet" "s" {
  vpc_id = "vpc-1"
  timeouts {
    create = "10x"
  }
}
"#,
        )],
        expect: &[("Invalid timeout", 4, 14)],
        says: &["\"10x\" is not a duration"],
    },
    Case {
        name: "depends_on_attr",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_internet_gateway" "gw" {
  depends_on = [aws_vpc.x.id]
}
"#,
        )],
        expect: &[("Invalid depends_on reference", 5, 17)],
        says: &[],
    },
    Case {
        name: "migration_database",
        files: &[
            (
                "main.tf",
                r#"resource "aws_instance" "x" {
  ami = "ami-1"
}
migration "m" {
  database = aws_instance.x
  source   = "${path.module}/migrations"
}
"#,
            ),
            MIGRATION_SQL,
        ],
        expect: &[("Invalid migration database", 5, 14)],
        says: &["aws_db_instance"],
    },
    Case {
        name: "migration_tls",
        files: &[
            (
                "main.tf",
                r#"resource "aws_db_instance" "db" {
  instance_class = "db.t3.micro"
  engine         = "postgres"
}
migration "m" {
  database = aws_db_instance.db
  source   = "${path.module}/migrations"
  tls      = "always"
}
"#,
            ),
            MIGRATION_SQL,
        ],
        expect: &[("Invalid value for attribute", 8, 14)],
        says: &["got \"always\""],
    },
    Case {
        name: "provider_not_aws",
        files: &[(
            "main.tf",
            r#"provider "google" {
  project = "p"
}
"#,
        )],
        expect: &[("Unsupported provider", 1, 1)],
        says: &["\"google\""],
    },
    Case {
        name: "too_many_blocks",
        files: &[(
            "main.tf",
            r#"resource "aws_instance" "x" {
  ami = "ami-1"
  root_block_device {
    volume_size = 8
  }
  root_block_device {
    volume_size = 16
  }
}
"#,
        )],
        expect: &[("Too many root_block_device blocks", 6, 3)],
        says: &["No more than 1 \"root_block_device\" block"],
    },
    Case {
        name: "self_reference",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block = "10.0.0.0/16"
  tags = {
    Name = aws_vpc.x.id
  }
}
"#,
        )],
        expect: &[("Self-referential block", 4, 12)],
        says: &["aws_vpc.x"],
    },
    Case {
        name: "top_level_attr",
        files: &[(
            "main.tf",
            r#"region = "us-east-1"
"#,
        )],
        expect: &[("Unsupported argument", 1, 1)],
        says: &[],
    },
    Case {
        name: "data_unknown_attr",
        files: &[(
            "main.tf",
            r#"data "aws_ami" "u" {
  most_recent = true
  owner       = ["amazon"]
}
"#,
        )],
        expect: &[("Unsupported argument", 3, 3)],
        says: &["did you mean \"owners\"?"],
    },
    Case {
        name: "nested_unknown_attr",
        files: &[(
            "main.tf",
            r#"resource "aws_security_group" "x" {
  name = "x"
  ingress {
    from_prot   = 443
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
  }
}
"#,
        )],
        expect: &[("Unsupported argument", 4, 5)],
        says: &["did you mean \"from_port\"?"],
    },
    Case {
        name: "nested_missing",
        files: &[(
            "main.tf",
            r#"resource "aws_security_group" "x" {
  name = "x"
  ingress {
    from_port = 443
    to_port   = 443
  }
}
"#,
        )],
        expect: &[("Missing required argument", 3, 3)],
        says: &["\"protocol\""],
    },
    Case {
        name: "invalid_name",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "1main" {
  cidr_block = "10.0.0.0/16"
}
"#,
        )],
        expect: &[("Invalid name", 1, 20)],
        says: &[],
    },
    Case {
        name: "bad_type_spec",
        files: &[(
            "main.tf",
            r#"variable "x" {
  type = strin
}
"#,
        )],
        expect: &[("Invalid type specification", 2, 10)],
        says: &["\"strin\""],
    },
    Case {
        name: "conflicts",
        files: &[(
            "main.tf",
            r#"resource "aws_security_group" "x" {
  name        = "x"
  name_prefix = "x-"
}
"#,
        )],
        expect: &[("Conflicting configuration arguments", 3, 3)],
        says: &["conflicts with \"name\""],
    },
    Case {
        name: "unsupported_timeout",
        files: &[(
            "main.tf",
            r#"resource "aws_security_group_rule" "r" {
  type              = "ingress"
  security_group_id = "sg-1"
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
  timeouts {
    delete = "5m"
  }
}
"#,
        )],
        expect: &[("Unsupported timeout", 8, 14)],
        says: &["supported: create"],
    },
    Case {
        name: "provider_alias_missing",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  provider   = aws.west
  cidr_block = "10.0.0.0/16"
}
"#,
        )],
        expect: &[("Provider configuration not present", 2, 16)],
        says: &["\"west\""],
    },
    Case {
        name: "required_null",
        files: &[(
            "main.tf",
            r#"resource "aws_subnet" "s" {
  vpc_id = null
}
"#,
        )],
        expect: &[("Missing required argument", 2, 12)],
        says: &[],
    },
    Case {
        name: "attr_redefined",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block = "10.0.0.0/16"
  cidr_block = "10.1.0.0/16"
}
"#,
        )],
        expect: &[("Invalid HCL syntax", 3, 3)],
        says: &[],
    },
    Case {
        name: "resource_type_alone",
        files: &[(
            "main.tf",
            r#"output "o" {
  value = aws_vpc
}
"#,
        )],
        expect: &[("Invalid reference", 2, 11)],
        says: &[],
    },
    Case {
        name: "count_fraction",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  count      = 1.5
  cidr_block = "10.0.0.0/16"
}
"#,
        )],
        expect: &[("Invalid count argument", 2, 16)],
        says: &[],
    },
    Case {
        name: "dynamic_unknown",
        files: &[(
            "main.tf",
            r#"resource "aws_security_group" "x" {
  name = "x"
  dynamic "ingres" {
    for_each = [1]
    content {}
  }
}
"#,
        )],
        expect: &[("Unsupported block type", 3, 11)],
        says: &["did you mean \"ingress\"?"],
    },
    Case {
        name: "var_in_default",
        files: &[(
            "main.tf",
            r#"variable "a" {
  default = "x"
}
variable "b" {
  default = var.a
}
"#,
        )],
        expect: &[("Variables not allowed", 5, 13)],
        says: &[],
    },
    Case {
        name: "undeclared_data",
        files: &[(
            "main.tf",
            r#"output "o" {
  value = data.aws_ami.ubuntu.id
}
"#,
        )],
        expect: &[("Reference to undeclared data resource", 2, 11)],
        says: &[],
    },
    Case {
        name: "string_to_bool",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_hostnames = "yes"
}
"#,
        )],
        expect: &[("Incorrect attribute value type", 3, 26)],
        says: &[],
    },
    Case {
        name: "cond_not_bool",
        files: &[(
            "main.tf",
            r#"output "o" {
  value = "x" ? 1 : 2
}
"#,
        )],
        expect: &[("Incorrect condition type", 2, 11)],
        says: &[],
    },
    Case {
        name: "vpc_prefix",
        files: &[(
            "main.tf",
            r#"resource "aws_vpc" "x" {
  cidr_block = "10.0.0.0/8"
}
"#,
        )],
        expect: &[("Invalid value for attribute", 2, 16)],
        says: &["from /16 to /28"],
    },
    Case {
        name: "module_dup_call",
        files: &[
            (
                "main.tf",
                r#"module "a" {
  source = "./m"
}
module "a" {
  source = "./m"
}
"#,
            ),
            (
                "m/main.tf",
                r#"output "x" {
  value = 1
}
"#,
            ),
        ],
        expect: &[("Duplicate module call \"a\"", 4, 1)],
        says: &[],
    },
    Case {
        name: "missing_source",
        files: &[(
            "main.tf",
            r#"module "a" {
  cidr = "x"
}
"#,
        )],
        expect: &[("Missing required argument", 1, 1)],
        says: &[],
    },
    Case {
        name: "output_missing_value",
        files: &[(
            "main.tf",
            r#"output "o" {
  description = "x"
}
"#,
        )],
        expect: &[("Missing required argument", 1, 1)],
        says: &[],
    },
    Case {
        name: "nested_cidr_list",
        files: &[(
            "main.tf",
            r#"resource "aws_security_group" "x" {
  name = "x"
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0", "10.1.2.3/8"]
  }
}
"#,
        )],
        expect: &[("Invalid value for attribute", 7, 19)],
        says: &["element 1: 10.1.2.3/8", "did you mean 10.0.0.0/8?"],
    },
    Case {
        name: "sensitive_count",
        files: &[(
            "main.tf",
            r#"variable "n" {
  default   = 2
  sensitive = true
}
resource "aws_vpc" "x" {
  count      = var.n
  cidr_block = "10.0.0.0/16"
}
"#,
        )],
        expect: &[("Invalid count argument", 6, 16)],
        says: &["Sensitive values"],
    },
    Case {
        name: "labels_on_nested",
        files: &[(
            "main.tf",
            r#"resource "aws_instance" "x" {
  ami = "ami-1"
  root_block_device "x" {
    volume_size = 8
  }
}
"#,
        )],
        expect: &[("Extraneous label", 3, 21)],
        says: &[],
    },
    Case {
        name: "attr_of_null",
        files: &[(
            "main.tf",
            r#"locals {
  n = null
}
output "o" {
  value = local.n.x
}
"#,
        )],
        expect: &[("Attempt to get attribute from null value", 5, 18)],
        says: &[],
    },
    Case {
        name: "binary_op",
        files: &[(
            "main.tf",
            r#"output "o" {
  value = "a" + 1
}
"#,
        )],
        expect: &[("Invalid operand", 2, 11)],
        says: &[],
    },
];

/// Loads `files` in validate mode; returns the plain rendering (paths relative to the
/// configuration directory) and the loaded configuration.
fn run(files: &[(&str, &str)], vars: &[VarArg]) -> (String, Loaded) {
    let cfg = TempConfig::new(files);
    let loaded = load_dir(cfg.path(), vars, EvalMode::Validate);
    let text = render_diagnostics(&loaded.diags, &loaded.config.sources, Style::plain());
    let prefix = format!("{}/", cfg.path().display());
    (text.replace(&prefix, ""), loaded)
}

fn expected(list: &[(&str, usize, usize)]) -> Vec<(String, usize, usize)> {
    list.iter()
        .map(|(s, l, c)| (s.to_string(), *l, *c))
        .collect()
}

fn find(name: &str) -> &'static Case {
    CASES
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

/// Checks one case: exactly the expected diagnostics, all errors, and the expected phrases.
fn case(name: &str) {
    let c = find(name);
    let (text, loaded) = run(c.files, &[]);
    assert_eq!(positions(&loaded), expected(c.expect), "{name}:\n{text}");
    assert_eq!(
        loaded.diags.len(),
        c.expect.len(),
        "{name}: diagnostics without a position:\n{text}"
    );
    assert!(
        loaded.diags.iter().all(|d| d.is_error()),
        "{name}: expected errors only:\n{text}"
    );
    for s in c.says {
        assert!(text.contains(s), "{name}: expected {s:?} in:\n{text}");
    }
}

#[test]
fn case_names_are_unique() {
    let mut names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    names.sort_unstable();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n);
    assert!(n >= 35, "{n} cases");
}

/// Every case loads in both modes, renders, and runs through the binary without a panic;
/// the binary's JSON agrees with the library on validity and positions.
#[test]
fn no_case_panics() {
    for c in CASES {
        let cfg = TempConfig::new(c.files);
        for mode in [EvalMode::Validate, EvalMode::Plan] {
            let r = std::panic::catch_unwind(|| {
                let loaded = load_dir(cfg.path(), &[], mode);
                render_diagnostics(&loaded.diags, &loaded.config.sources, Style::plain());
                render_diagnostics(&loaded.diags, &loaded.config.sources, Style::plain());
            });
            assert!(r.is_ok(), "{} ({mode:?}) panicked", c.name);
        }
        let loaded = load_dir(cfg.path(), &[], EvalMode::Validate);
        let invalid = loaded.diags.has_errors();
        let (code, out, err) = terrace(cfg.path(), &["validate", "-json"]);
        assert!(!err.contains("panicked"), "{}: {err}", c.name);
        assert_eq!(code, i32::from(invalid), "{}: {out}{err}", c.name);
        let doc: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{}: {e}: {out}", c.name));
        assert_eq!(doc["valid"], !invalid, "{}", c.name);
        let from_json: Vec<(String, usize, usize)> = doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| !d["range"].is_null())
            .map(|d| {
                (
                    d["summary"].as_str().unwrap().to_string(),
                    d["range"]["start"]["line"].as_u64().unwrap() as usize,
                    d["range"]["start"]["column"].as_u64().unwrap() as usize,
                )
            })
            .collect();
        assert_eq!(from_json, positions(&loaded), "{}", c.name);
    }
}

/// The rendering of representative diagnostics: header, location, snippet with carets,
/// detail and hint.
#[test]
fn rendering_snapshot() {
    let mut all = String::new();
    for name in [
        "bad_escape",
        "unknown_block",
        "unknown_attr",
        "missing_required",
        "cidr_not_network",
        "unknown_function",
        "for_each_list",
        "cycle",
    ] {
        let (text, _) = run(find(name).files, &[]);
        all.push_str(&format!("--- {name} ---\n{text}\n"));
    }
    insta::assert_snapshot!("malformed_rendering", all);
}

#[test]
fn validation_fails_for_a_command_line_value() {
    let files = [("main.tf", "variable \"n\" {\n  type = number\n  validation {\n    condition     = var.n < 5\n    error_message = \"n must be below 5.\"\n  }\n}\n")];
    let (text, loaded) = run(&files, &[VarArg::Var("n=9".into())]);
    assert_eq!(
        positions(&loaded),
        expected(&[("Invalid value for variable", 4, 21)]),
        "{text}"
    );
    assert!(text.contains("n must be below 5."), "{text}");
    let (text, loaded) = run(&files, &[VarArg::Var("n=3".into())]);
    assert!(!loaded.diags.has_errors(), "{text}");
    let (text, loaded) = run(&files, &[VarArg::Var("n=abc".into())]);
    assert!(loaded.diags.has_errors(), "{text}");
    assert!(text.contains("Invalid value for input variable"), "{text}");
}

#[test]
fn tfvars_value_of_the_wrong_type_points_into_the_tfvars_file() {
    let (text, loaded) = run(
        &[
            ("main.tf", "variable \"n\" {\n  type = number\n}\n"),
            ("terraform.tfvars", "n = [1]\n"),
        ],
        &[],
    );
    assert_eq!(
        positions(&loaded),
        expected(&[("Invalid value for input variable", 1, 5)]),
        "{text}"
    );
    assert!(text.contains("terraform.tfvars:1:5"), "{text}");
}

#[test]
fn duplicate_names_the_first_declaration() {
    let vpc = "resource \"aws_vpc\" \"x\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n";
    let (text, loaded) = run(&[("a.tf", vpc), ("b.tf", vpc)], &[]);
    assert_eq!(
        positions(&loaded),
        expected(&[("Duplicate resource \"aws_vpc.x\"", 1, 1)]),
        "{text}"
    );
    assert!(text.contains("on b.tf:1:1"), "{text}");
    assert!(
        text.contains("a.tf:1"),
        "the first declaration should be named by file and line:\n{text}"
    );
    assert!(!text.contains("byte"), "{text}");
}

#[test]
fn messages_use_the_right_article() {
    let (text, _) = run(find("dup_output").files, &[]);
    assert!(text.contains("An output named \"o\""), "{text}");
    let (text, _) = run(find("nested_unknown_attr").files, &[]);
    assert!(text.contains("in an ingress block"), "{text}");
}

#[test]
fn security_group_cycle_hint_only_for_inline_rules() {
    let (text, loaded) = run(
        &[("main.tf", "resource \"aws_security_group\" \"a\" {\n  name   = \"a\"\n  vpc_id = aws_security_group.b.vpc_id\n}\nresource \"aws_security_group\" \"b\" {\n  name   = \"b\"\n  vpc_id = aws_security_group.a.vpc_id\n}\n")],
        &[],
    );
    assert_eq!(
        positions(&loaded),
        expected(&[("Cycle in dependencies", 3, 12)]),
        "{text}"
    );
    assert!(!text.contains("inline rules"), "{text}");
}

#[test]
fn unclosed_brace() {
    case("unclosed_brace");
}

#[test]
fn missing_equals() {
    case("missing_equals");
}

#[test]
fn missing_equals_number() {
    case("missing_equals_number");
}

#[test]
fn bad_escape() {
    case("bad_escape");
}

#[test]
fn unterminated_heredoc() {
    case("unterminated_heredoc");
}

#[test]
fn unknown_block() {
    case("unknown_block");
}

#[test]
fn label_count() {
    case("label_count");
}

#[test]
fn dup_resource() {
    case("dup_resource");
}

#[test]
fn dup_variable() {
    case("dup_variable");
}

#[test]
fn dup_output() {
    case("dup_output");
}

#[test]
fn dup_local() {
    case("dup_local");
}

#[test]
fn unsupported_resource() {
    case("unsupported_resource");
}

#[test]
fn unsupported_data() {
    case("unsupported_data");
}

#[test]
fn unknown_attr() {
    case("unknown_attr");
}

#[test]
fn attr_as_block() {
    case("attr_as_block");
}

#[test]
fn block_as_attr() {
    case("block_as_attr");
}

#[test]
fn missing_required() {
    case("missing_required");
}

#[test]
fn computed_set() {
    case("computed_set");
}

#[test]
fn wrong_type_list() {
    case("wrong_type_list");
}

#[test]
fn wrong_type_count() {
    case("wrong_type_count");
}

#[test]
fn cidr_malformed() {
    case("cidr_malformed");
}

#[test]
fn cidr_not_network() {
    case("cidr_not_network");
}

#[test]
fn port_range() {
    case("port_range");
}

#[test]
fn one_of() {
    case("one_of");
}

#[test]
fn undeclared_var() {
    case("undeclared_var");
}

#[test]
fn undeclared_local() {
    case("undeclared_local");
}

#[test]
fn undeclared_resource() {
    case("undeclared_resource");
}

#[test]
fn undeclared_module_output() {
    case("undeclared_module_output");
}

#[test]
fn undeclared_module() {
    case("undeclared_module");
}

#[test]
fn var_alone() {
    case("var_alone");
}

#[test]
fn unknown_function() {
    case("unknown_function");
}

#[test]
fn function_arg_error() {
    case("function_arg_error");
}

#[test]
fn index_out_of_range() {
    case("index_out_of_range");
}

#[test]
fn validation_failed() {
    case("validation_failed");
}

#[test]
fn default_type() {
    case("default_type");
}

#[test]
fn count_and_for_each() {
    case("count_and_for_each");
}

#[test]
fn for_each_list() {
    case("for_each_list");
}

#[test]
fn negative_count() {
    case("negative_count");
}

#[test]
fn count_index_no_count() {
    case("count_index_no_count");
}

#[test]
fn each_key_no_for_each() {
    case("each_key_no_for_each");
}

#[test]
fn each_in_module_call() {
    case("each_in_module_call");
}

#[test]
fn module_registry() {
    case("module_registry");
}

#[test]
fn module_missing_dir() {
    case("module_missing_dir");
}

#[test]
fn module_missing_input() {
    case("module_missing_input");
}

#[test]
fn module_unexpected_input() {
    case("module_unexpected_input");
}

#[test]
fn output_sensitive() {
    case("output_sensitive");
}

#[test]
fn cycle() {
    case("cycle");
}

#[test]
fn prevent_destroy_expr() {
    case("prevent_destroy_expr");
}

#[test]
fn ignore_changes_unknown() {
    case("ignore_changes_unknown");
}

#[test]
fn timeout_invalid() {
    case("timeout_invalid");
}

#[test]
fn depends_on_attr() {
    case("depends_on_attr");
}

#[test]
fn migration_database() {
    case("migration_database");
}

#[test]
fn migration_tls() {
    case("migration_tls");
}

#[test]
fn provider_not_aws() {
    case("provider_not_aws");
}

#[test]
fn too_many_blocks() {
    case("too_many_blocks");
}

#[test]
fn self_reference() {
    case("self_reference");
}

#[test]
fn top_level_attr() {
    case("top_level_attr");
}

#[test]
fn data_unknown_attr() {
    case("data_unknown_attr");
}

#[test]
fn nested_unknown_attr() {
    case("nested_unknown_attr");
}

#[test]
fn nested_missing() {
    case("nested_missing");
}

#[test]
fn invalid_name() {
    case("invalid_name");
}

#[test]
fn bad_type_spec() {
    case("bad_type_spec");
}

#[test]
fn conflicts() {
    case("conflicts");
}

#[test]
fn unsupported_timeout() {
    case("unsupported_timeout");
}

#[test]
fn provider_alias_missing() {
    case("provider_alias_missing");
}

#[test]
fn required_null() {
    case("required_null");
}

#[test]
fn attr_redefined() {
    case("attr_redefined");
}

#[test]
fn resource_type_alone() {
    case("resource_type_alone");
}

#[test]
fn count_fraction() {
    case("count_fraction");
}

#[test]
fn dynamic_unknown() {
    case("dynamic_unknown");
}

#[test]
fn var_in_default() {
    case("var_in_default");
}

#[test]
fn undeclared_data() {
    case("undeclared_data");
}

#[test]
fn string_to_bool() {
    case("string_to_bool");
}

#[test]
fn cond_not_bool() {
    case("cond_not_bool");
}

#[test]
fn vpc_prefix() {
    case("vpc_prefix");
}

#[test]
fn module_dup_call() {
    case("module_dup_call");
}

#[test]
fn missing_source() {
    case("missing_source");
}

#[test]
fn output_missing_value() {
    case("output_missing_value");
}

#[test]
fn nested_cidr_list() {
    case("nested_cidr_list");
}

#[test]
fn sensitive_count() {
    case("sensitive_count");
}

#[test]
fn labels_on_nested() {
    case("labels_on_nested");
}

#[test]
fn attr_of_null() {
    case("attr_of_null");
}

#[test]
fn binary_op() {
    case("binary_op");
}

terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }

  backend "local" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      project    = var.project
      managed_by = "terrace"
    }
  }
}

locals {
  # e.g. "shop-sandbox"; lowercase because RDS identifiers must be.
  name_prefix = lower(format("%s-%s", var.project, var.environment))

  # Added to every resource on top of the provider's default_tags.
  common_tags = {
    environment = var.environment
    stack       = "three-tier"
  }

  db_port = 5432
}

data "aws_ami" "ubuntu" {
  most_recent = true
  owners      = ["099720109477"] # Canonical

  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd*/ubuntu-*-amd64-server-*"]
  }

  filter {
    name   = "virtualization-type"
    values = ["hvm"]
  }
}

# Network and firewalling

module "network" {
  source = "../../modules/network"

  name               = local.name_prefix
  cidr               = var.vpc_cidr
  azs                = var.azs
  single_nat_gateway = var.single_nat_gateway
  tags               = local.common_tags
}

module "security" {
  source = "../../modules/security"

  name        = local.name_prefix
  vpc_id      = module.network.vpc_id
  admin_cidrs = var.admin_cidrs
  app_port    = var.app_port
  db_port     = local.db_port
  tags        = local.common_tags
}

resource "aws_key_pair" "admin" {
  key_name   = format("%s-admin", local.name_prefix)
  public_key = var.ssh_public_key

  tags = local.common_tags
}

# Database (and its schema migrations, see modules/database/migration.tf)

module "database" {
  source = "../../modules/database"

  identifier         = format("%s-db", local.name_prefix)
  subnet_ids         = module.network.db_subnet_ids
  security_group_ids = [module.security.db_security_group_id]

  family         = "postgres16"
  engine_version = var.db_engine_version
  instance_class = var.db_instance_class
  db_name        = var.db_name
  username       = var.db_username
  password       = var.db_password
  port           = local.db_port

  parameters = {
    log_min_duration_statement = "500"
    log_connections            = "1"
  }

  skip_final_snapshot = var.environment != "production"
  deletion_protection = var.environment == "production"

  migrations_dir            = "${path.module}/migrations"
  migration_host            = var.migration_host
  migration_port            = var.migration_port
  migration_tls             = var.migration_tls
  migration_snapshot_before = var.migration_snapshot_before

  tags = local.common_tags
}

# Hosts

module "bastion" {
  source = "../../modules/hosts"

  name               = format("%s-bastion", local.name_prefix)
  ami                = data.aws_ami.ubuntu.id
  instance_type      = var.bastion_instance_type
  subnet_ids         = slice(module.network.public_subnet_ids, 0, 1)
  security_group_ids = [module.security.bastion_security_group_id]
  host_count         = 1
  key_name           = aws_key_pair.admin.key_name

  tags = merge(local.common_tags, { tier = "bastion" })
}

module "app" {
  source = "../../modules/hosts"

  name               = format("%s-app", local.name_prefix)
  ami                = data.aws_ami.ubuntu.id
  instance_type      = var.app_instance_type
  subnet_ids         = module.network.app_subnet_ids
  security_group_ids = [module.security.app_security_group_id]
  host_count         = var.app_count
  key_name           = aws_key_pair.admin.key_name

  # No secrets in user data: the app reads its database password at run time.
  user_data = templatefile("${path.module}/templates/app.sh.tftpl", {
    app_port    = var.app_port
    db_host     = module.database.address
    db_port     = module.database.port
    db_name     = module.database.db_name
    db_username = module.database.username
  })

  tags = merge(local.common_tags, { tier = "app" })

  # The app starts against the migrated schema.
  depends_on = [module.database]
}

module "web" {
  source = "../../modules/hosts"

  name               = format("%s-web", local.name_prefix)
  ami                = data.aws_ami.ubuntu.id
  instance_type      = var.web_instance_type
  subnet_ids         = module.network.public_subnet_ids
  security_group_ids = [module.security.web_security_group_id]
  host_count         = var.web_count
  key_name           = aws_key_pair.admin.key_name

  # nginx reverse proxy in front of every app host.
  user_data = templatefile("${path.module}/templates/web.sh.tftpl", {
    server_name = var.server_name
    app_port    = var.app_port
    app_hosts   = module.app.private_ips
  })

  tags = merge(local.common_tags, { tier = "web" })
}

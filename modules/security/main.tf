terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

# The groups carry no inline rules: every rule is its own resource, so the
# groups can reference each other (web -> app -> db, bastion -> web/app)
# without a dependency cycle.

resource "aws_security_group" "web" {
  name        = format("%s-web", var.name)
  description = "Web tier: HTTP/HTTPS from the internet, SSH from the bastion"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, {
    Name = format("%s-web", var.name)
    Tier = "web"
  })
}

resource "aws_security_group" "app" {
  name        = format("%s-app", var.name)
  description = "App tier: app port from the web tier, SSH from the bastion"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, {
    Name = format("%s-app", var.name)
    Tier = "app"
  })
}

resource "aws_security_group" "db" {
  name        = format("%s-db", var.name)
  description = "Database tier: database port from the app tier only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, {
    Name = format("%s-db", var.name)
    Tier = "db"
  })
}

resource "aws_security_group" "bastion" {
  name        = format("%s-bastion", var.name)
  description = "Bastion: SSH from the admin networks"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, {
    Name = format("%s-bastion", var.name)
    Tier = "bastion"
  })
}

locals {
  public_web_ports = {
    http  = 80
    https = 443
  }

  # Groups that accept SSH from the bastion.
  ssh_targets = {
    web = aws_security_group.web.id
    app = aws_security_group.app.id
  }

  all_groups = {
    web     = aws_security_group.web.id
    app     = aws_security_group.app.id
    db      = aws_security_group.db.id
    bastion = aws_security_group.bastion.id
  }
}

# Ingress

resource "aws_vpc_security_group_ingress_rule" "web_public" {
  for_each = local.public_web_ports

  security_group_id = aws_security_group.web.id
  description       = format("%s from anywhere", upper(each.key))
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "app_from_web" {
  security_group_id            = aws_security_group.app.id
  description                  = "App port from the web tier"
  referenced_security_group_id = aws_security_group.web.id
  ip_protocol                  = "tcp"
  from_port                    = var.app_port
  to_port                      = var.app_port

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "db_from_app" {
  security_group_id            = aws_security_group.db.id
  description                  = "Database port from the app tier"
  referenced_security_group_id = aws_security_group.app.id
  ip_protocol                  = "tcp"
  from_port                    = var.db_port
  to_port                      = var.db_port

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "ssh_from_bastion" {
  for_each = local.ssh_targets

  security_group_id            = each.value
  description                  = "SSH from the bastion"
  referenced_security_group_id = aws_security_group.bastion.id
  ip_protocol                  = "tcp"
  from_port                    = 22
  to_port                      = 22

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "bastion_ssh" {
  for_each = toset(var.admin_cidrs)

  security_group_id = aws_security_group.bastion.id
  description       = format("SSH from admin network %s", each.value)
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22

  tags = var.tags
}

# Egress: everything, from every group.

resource "aws_vpc_security_group_egress_rule" "all" {
  for_each = local.all_groups

  security_group_id = each.value
  description       = "All outbound traffic"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"

  tags = var.tags
}

terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

resource "aws_db_subnet_group" "this" {
  name        = var.identifier
  description = format("Subnets of the %s database", var.identifier)
  subnet_ids  = var.subnet_ids

  tags = merge(var.tags, {
    Name = var.identifier
  })
}

resource "aws_db_parameter_group" "this" {
  # The family is part of the name so that a major-version upgrade creates the
  # new group before the old one (still attached) is destroyed.
  name        = format("%s-%s", var.identifier, var.family)
  family      = var.family
  description = format("Parameters of the %s database (%s)", var.identifier, var.family)

  dynamic "parameter" {
    for_each = var.parameters

    content {
      name  = parameter.key
      value = parameter.value
    }
  }

  tags = merge(var.tags, {
    Name = format("%s-%s", var.identifier, var.family)
  })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "this" {
  identifier     = var.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  allocated_storage = var.allocated_storage
  storage_type      = "gp3"
  storage_encrypted = true

  db_name  = var.db_name
  username = var.username
  password = var.password
  port     = var.port

  db_subnet_group_name   = aws_db_subnet_group.this.name
  parameter_group_name   = aws_db_parameter_group.this.name
  vpc_security_group_ids = var.security_group_ids
  publicly_accessible    = false
  multi_az               = var.multi_az

  backup_retention_period   = var.backup_retention_period
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : format("%s-final", var.identifier)
  deletion_protection       = var.deletion_protection

  tags = merge(var.tags, {
    Name = var.identifier
  })
}

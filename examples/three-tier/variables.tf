# General

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "Project name; tags every resource (provider default_tags) and prefixes resource names."
  type        = string
  default     = "shop"

  validation {
    condition     = length(var.project) >= 2 && length(var.project) <= 20
    error_message = "The project name must be 2 to 20 characters long."
  }
}

variable "environment" {
  description = "Environment name (sandbox, staging, production). In production the database gets deletion protection and a final snapshot."
  type        = string
  default     = "sandbox"

  validation {
    condition     = contains(["sandbox", "staging", "production"], var.environment)
    error_message = "The environment must be one of sandbox, staging, production."
  }
}

# Network

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the VPC; /24 subnets are carved out of it (3 per AZ)."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "The vpc_cidr must be a valid IPv4 CIDR block, e.g. 10.20.0.0/16."
  }
}

variable "azs" {
  description = "Availability zones to use, in order; the bastion and the NAT gateway go to the first one."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2 && length(var.azs) <= 6
    error_message = "Between 2 and 6 availability zones are required (RDS needs subnets in at least two)."
  }
}

variable "single_nat_gateway" {
  description = "One shared NAT gateway (true, cheaper) or one per AZ (false)."
  type        = bool
  default     = true
}

variable "admin_cidrs" {
  description = "IPv4 CIDR blocks allowed to SSH into the bastion."
  type        = list(string)

  validation {
    condition     = length(var.admin_cidrs) >= 1 && length([for c in var.admin_cidrs : c if !can(cidrhost(c, 0))]) == 0
    error_message = "The admin_cidrs must hold at least one valid IPv4 CIDR block, and only valid ones."
  }

  validation {
    condition     = !contains(var.admin_cidrs, "0.0.0.0/0")
    error_message = "Do not open SSH to the whole internet (0.0.0.0/0)."
  }
}

# Hosts

variable "ssh_public_key" {
  description = "OpenSSH public key (one line) installed on every host for the admin key pair."
  type        = string

  validation {
    condition     = contains(["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"], split(" ", trimspace(var.ssh_public_key))[0])
    error_message = "The ssh_public_key must be an OpenSSH public key line, e.g. \"ssh-ed25519 AAAA... user@host\"."
  }
}

variable "server_name" {
  description = "Host name nginx answers to on the web tier (\"_\" for any)."
  type        = string
  default     = "_"
}

variable "web_count" {
  description = "Number of web hosts (spread over the public subnets)."
  type        = number
  default     = 2

  validation {
    condition     = var.web_count >= 1 && var.web_count <= 10 && floor(var.web_count) == var.web_count
    error_message = "The web_count must be a whole number between 1 and 10."
  }
}

variable "app_count" {
  description = "Number of app hosts (spread over the app subnets)."
  type        = number
  default     = 2

  validation {
    condition     = var.app_count >= 1 && var.app_count <= 10 && floor(var.app_count) == var.app_count
    error_message = "The app_count must be a whole number between 1 and 10."
  }
}

variable "app_port" {
  description = "TCP port the app listens on; only the web tier may reach it."
  type        = number
  default     = 8000

  validation {
    condition     = var.app_port >= 1024 && var.app_port <= 65535
    error_message = "The app_port must be an unprivileged port (1024-65535)."
  }
}

variable "web_instance_type" {
  description = "EC2 instance type of the web hosts."
  type        = string
  default     = "t3.micro"
}

variable "app_instance_type" {
  description = "EC2 instance type of the app hosts."
  type        = string
  default     = "t3.small"
}

variable "bastion_instance_type" {
  description = "EC2 instance type of the bastion."
  type        = string
  default     = "t3.nano"
}

# Database

variable "db_engine_version" {
  description = "PostgreSQL version (major, e.g. \"16\", or exact, e.g. \"16.4\"); must belong to the postgres16 family."
  type        = string
  default     = "16"

  validation {
    condition     = split(".", var.db_engine_version)[0] == "16"
    error_message = "The db_engine_version must be a PostgreSQL 16 version (the parameter group family is postgres16)."
  }
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_name" {
  description = "Name of the application database."
  type        = string
  default     = "app"
}

variable "db_username" {
  description = "Master user name of the database."
  type        = string
  default     = "app_admin"
}

variable "db_password" {
  description = "Master password of the database (12 to 128 characters; no /, \", @ or space)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.db_password) >= 12
    error_message = "The db_password must be at least 12 characters long."
  }
}

# Schema migrations

variable "migration_host" {
  description = "Host the schema migrations connect to; empty for the RDS endpoint (e.g. 127.0.0.1 with a local database or an SSH tunnel)."
  type        = string
  default     = ""
}

variable "migration_port" {
  description = "Port the schema migrations connect to; 0 for the RDS port."
  type        = number
  default     = 0
}

variable "migration_tls" {
  description = "TLS mode of the migration connection: disable, prefer, require or verify-full."
  type        = string
  default     = "require"

  validation {
    condition     = contains(["disable", "prefer", "require", "verify-full"], var.migration_tls)
    error_message = "The migration_tls must be one of disable, prefer, require, verify-full."
  }
}

variable "migration_snapshot_before" {
  description = "Snapshot the RDS instance before applying pending migrations."
  type        = bool
  default     = true
}

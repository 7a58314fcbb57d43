variable "identifier" {
  description = "Identifier of the DB instance; also names the subnet group and (with the family) the parameter group. Lowercase letters, digits and hyphens."
  type        = string

  validation {
    condition     = length(var.identifier) >= 1 && length(var.identifier) <= 50 && lower(var.identifier) == var.identifier
    error_message = "The identifier must be 1 to 50 lowercase characters."
  }
}

variable "subnet_ids" {
  description = "Subnets of the DB subnet group; they must cover at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "A DB subnet group needs subnets in at least two availability zones."
  }
}

variable "security_group_ids" {
  description = "Security groups attached to the instance."
  type        = list(string)
}

variable "family" {
  description = "DB parameter group family; must match the engine version, e.g. postgres16."
  type        = string
  default     = "postgres16"
}

variable "engine_version" {
  description = "PostgreSQL version: a major version (\"16\", RDS picks the minor) or an exact one (\"16.4\")."
  type        = string
  default     = "16"
}

variable "instance_class" {
  description = "DB instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "allocated_storage" {
  description = "Allocated storage, in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage >= 20
    error_message = "gp3 storage needs at least 20 GiB."
  }
}

variable "parameters" {
  description = "Database parameters (name => value) set in the parameter group; dynamic parameters only, applied immediately."
  type        = map(string)
  default = {
    log_min_duration_statement = "1000"
  }
}

variable "db_name" {
  description = "Name of the database created in the instance."
  type        = string
  default     = "app"
}

variable "username" {
  description = "Master user name."
  type        = string
  default     = "app_admin"
}

variable "password" {
  description = "Master password (8 to 128 characters; no /, \", @ or space)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.password) >= 8 && length(var.password) <= 128 && length([for c in ["/", "\"", "@", " "] : c if length(split(c, var.password)) > 1]) == 0
    error_message = "The password must be 8 to 128 characters long and contain no /, \", @ or space."
  }
}

variable "port" {
  description = "TCP port the database listens on."
  type        = number
  default     = 5432
}

variable "multi_az" {
  description = "Run a standby in a second availability zone."
  type        = bool
  default     = false
}

variable "backup_retention_period" {
  description = "Days to keep automated backups (0 disables them)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_period >= 0 && var.backup_retention_period <= 35
    error_message = "The backup_retention_period must be between 0 and 35 days."
  }
}

variable "skip_final_snapshot" {
  description = "Destroy the instance without a final snapshot. When false, the final snapshot is named <identifier>-final."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse to delete the instance while true."
  type        = bool
  default     = false
}

# Migration (Terrace `migration` block)

variable "migrations_dir" {
  description = "Directory of the SQL migrations (V<n>__*.sql, U<n>__*.sql, R__*.sql); pass \"$${path.module}/migrations\" from the calling module."
  type        = string
}

variable "migration_host" {
  description = "Host the migrations connect to; empty string for the instance's address."
  type        = string
  default     = ""
}

variable "migration_port" {
  description = "Port the migrations connect to; 0 for the instance's port."
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
  description = "Take a DB snapshot before applying pending migrations."
  type        = bool
  default     = true
}

variable "migration_lock_timeout" {
  description = "How long a migration waits for a lock before failing (e.g. 30s, 5m)."
  type        = string
  default     = "5m"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

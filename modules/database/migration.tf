# Terrace extension: applies the versioned SQL migrations in var.migrations_dir
# to the instance once it exists (before anything that depends on this module).
# Real Terraform does not know the `migration` block type; see README.md.

migration "schema" {
  database = aws_db_instance.this
  source   = var.migrations_dir
  engine   = "postgres"

  # Connection: the instance's own endpoint unless overridden (e.g. a local
  # sandbox database or an SSH tunnel through the bastion).
  host          = var.migration_host != "" ? var.migration_host : aws_db_instance.this.address
  port          = var.migration_port != 0 ? var.migration_port : aws_db_instance.this.port
  username      = aws_db_instance.this.username
  password      = var.password
  database_name = aws_db_instance.this.db_name
  tls           = var.migration_tls

  snapshot_before = var.migration_snapshot_before
  lock_timeout    = var.migration_lock_timeout
}

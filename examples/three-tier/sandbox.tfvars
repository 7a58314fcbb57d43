# Local sandbox: AWS-shaped plan, schema migrations against a local PostgreSQL
# on 127.0.0.1:54329 (without TLS).
#
#   terrace plan -var-file=sandbox.tfvars

region      = "us-east-1"
project     = "shop"
environment = "sandbox"

vpc_cidr           = "10.20.0.0/16"
azs                = ["us-east-1a", "us-east-1b"]
single_nat_gateway = true
admin_cidrs        = ["203.0.113.0/24"]

ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFKUdzrHl2wZlGdzufwYlsBWNeXJrkZ5Isxk0o9k1hhZ admin@three-tier-sandbox"

web_count = 2
app_count = 2

db_name     = "app"
db_username = "app_admin"
# Sandbox-only throwaway credential; use TF_VAR_db_password for anything real.
db_password = "sandbox-Passw0rd-2024"

migration_host            = "127.0.0.1"
migration_port            = 54329
migration_tls             = "disable"
migration_snapshot_before = false

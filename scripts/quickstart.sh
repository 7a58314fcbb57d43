#!/usr/bin/env bash
# The main job on a local sandbox: a local AWS endpoint (moto on 127.0.0.1), a local
# PostgreSQL for the schema migrations (127.0.0.1:54329, as sandbox.tfvars says), Terrace
# built from source, and validate -> plan -> apply on examples/three-tier with its sandbox
# var file (the apply runs the migration stage), then the outputs and a second, empty plan.
#   scripts/quickstart.sh        set up (or bring up to date) the sandbox
#   scripts/quickstart.sh down   destroy what it created and stop the endpoint
# Works on a fresh Debian machine as root; installs what it needs. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
. scripts/services.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/terrace/target}"
SANDBOX="$ROOT/.terrace/quickstart"
EXAMPLE="$ROOT/examples/three-tier"
mkdir -p "$SANDBOX"

need cargo || { echo "quickstart: cargo is required (install Rust with rustup)" >&2; exit 1; }
need cc || apt_install build-essential
ensure_moto

# The endpoint: reuse the one this script started earlier, if it still runs.
if [ -f "$SANDBOX/moto.pid" ] && kill -0 "$(cat "$SANDBOX/moto.pid")" 2>/dev/null; then
  MOTO_PORT=$(cat "$SANDBOX/moto.port")
elif [ "${1:-}" = "down" ]; then
  MOTO_PORT=""
else
  MOTO_PORT=$(free_port)
  start_moto "$MOTO_PORT" "$SANDBOX/moto.log"
  # Started detached from this shell so it outlives the script.
  echo "$MOTO_PID" > "$SANDBOX/moto.pid"
  echo "$MOTO_PORT" > "$SANDBOX/moto.port"
  disown "$MOTO_PID" 2>/dev/null || true
fi

# The database the migration stage runs against (sandbox.tfvars: 127.0.0.1:54329, the
# example's db_username / db_password / db_name).
PG_PORT=54329
if [ "${1:-}" = "down" ]; then
  if [ -d "$SANDBOX/postgres" ]; then
    ensure_postgres
    stop_postgres "$SANDBOX/postgres"
  fi
else
  ensure_postgres
  pid_file="$SANDBOX/postgres/data/postmaster.pid"
  if ! { [ -f "$pid_file" ] && kill -0 "$(head -n 1 "$pid_file")" 2>/dev/null; }; then
    start_postgres "$PG_PORT" "$SANDBOX/postgres"
  fi
  as_user postgres "$PG_BIN/psql" -qX -h "$SANDBOX/postgres" -p "$PG_PORT" -U postgres -d postgres >/dev/null <<'SQL'
SELECT 'CREATE ROLE app_admin LOGIN PASSWORD ''sandbox-Passw0rd-2024'''
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_admin') \gexec
SELECT 'CREATE DATABASE app OWNER app_admin'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'app') \gexec
SQL
  echo "== local PostgreSQL at 127.0.0.1:$PG_PORT"
fi

export AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox AWS_EC2_METADATA_DISABLED=true
echo "== building terrace"
cargo build --locked --quiet
BIN="$CARGO_TARGET_DIR/debug/terrace"
VARS=(-var-file=sandbox.tfvars)

if [ "${1:-}" = "down" ]; then
  if [ -n "$MOTO_PORT" ]; then
    export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
    (cd "$EXAMPLE" && "$BIN" destroy -auto-approve "${VARS[@]}")
    kill "$(cat "$SANDBOX/moto.pid")" 2>/dev/null || true
  fi
  rm -rf "$SANDBOX" "$EXAMPLE/state"
  echo "quickstart: sandbox destroyed and stopped"
  exit 0
fi

export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
echo "== local AWS endpoint at $AWS_ENDPOINT_URL"
cd "$EXAMPLE"
echo "== terrace validate"
"$BIN" validate "${VARS[@]}"
echo "== terrace plan"
"$BIN" plan "${VARS[@]}" -out="$SANDBOX/tfplan"
echo "== terrace apply (the saved plan)"
"$BIN" apply "$SANDBOX/tfplan"
echo "== terrace output"
"$BIN" output
echo "== terrace migrate history (the audit trail of the migration stage)"
"$BIN" migrate history "${VARS[@]}"
echo "== terrace plan (again: expect no changes)"
"$BIN" plan "${VARS[@]}" -detailed-exitcode
echo "== done. The state is in examples/three-tier/state/; 'scripts/quickstart.sh down' removes the sandbox."

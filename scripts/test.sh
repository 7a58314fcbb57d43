#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit and integration tests.
# Works on a fresh Debian machine as root; installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build artefacts live outside the clone so CI and later runs reuse them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/terrace/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
mkdir -p "$CARGO_TARGET_DIR"

ROOT="$PWD"
. scripts/services.sh

if ! need cargo; then
  echo "scripts/test.sh: cargo is required (install Rust with rustup)" >&2
  exit 1
fi
need cc || apt_install build-essential
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt clippy >/dev/null 2>&1 || true

# --- Services on 127.0.0.1 only -------------------------------------------------------------
# moto: the AWS endpoint for provider and apply tests.
ensure_moto
SERVICES_LOG="${TMPDIR:-/tmp}/terrace-test-services.$$"
mkdir -p "$SERVICES_LOG"
PIDS=()
DB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/terrace-test-db.XXXXXX")
chmod 755 "$DB_DIR"
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_postgres "$DB_DIR/postgres"
  stop_mariadb "$DB_DIR/mariadb"
  rm -rf "$DB_DIR"
}
trap cleanup EXIT
MOTO_PORT=$(free_port)
start_moto "$MOTO_PORT" "$SERVICES_LOG/moto.log"
PIDS+=("$MOTO_PID")
export TERRACE_TEST_MOTO_URL="http://127.0.0.1:$MOTO_PORT"
echo "== moto at $TERRACE_TEST_MOTO_URL"

# PostgreSQL and MariaDB: the migration runner's tests. Data in a temporary directory,
# removed on exit; each test creates its own database.
ensure_postgres
PG_PORT=$(free_port)
start_postgres "$PG_PORT" "$DB_DIR/postgres"
export TERRACE_TEST_PG_URL="postgres://$DB_TEST_USER:$DB_TEST_PASSWORD@127.0.0.1:$PG_PORT/$DB_TEST_NAME"
echo "== PostgreSQL at 127.0.0.1:$PG_PORT"
ensure_mariadb
MARIADB_PORT=$(free_port)
start_mariadb "$MARIADB_PORT" "$DB_DIR/mariadb"
export TERRACE_TEST_MYSQL_URL="mysql://$DB_TEST_USER:$DB_TEST_PASSWORD@127.0.0.1:$MARIADB_PORT/$DB_TEST_NAME"
echo "== MariaDB at 127.0.0.1:$MARIADB_PORT"

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --locked --all-targets

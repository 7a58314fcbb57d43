#!/usr/bin/env bash
# Reproduces the figures in BENCHMARKS.md.
#   scripts/bench.sh validate [N]   wall time and peak memory of `terrace validate` on an
#                                   N-resource generated configuration (default 10000)
#   scripts/bench.sh plan [N]       the same for `terrace plan`, against an empty state and
#                                   against a matching N-resource state (every change a no-op)
#   scripts/bench.sh refresh        API calls of the refresh of 1,000 instances, 200 security
#                                   groups and 50 subnets (on a local moto)
#   scripts/bench.sh drift          API calls and wall time of `terrace drift` over the same
#                                   objects (state filled in by a refresh first; on a local moto)
#   scripts/bench.sh apply [MS] [P] apply of 100 instances + 3 RDS instances with MS ms of
#                                   injected latency per request and -parallelism P: wall time
#                                   / critical path, and state bytes written / final size
#   scripts/bench.sh s3 [N]         S3 requests and bytes per apply of examples/three-tier and
#                                   of an N-resource generated configuration (default 1000)
#                                   with the state in S3, and lock acquire/release latency
#                                   (on a local moto; PostgreSQL for the migration stage)
#   scripts/bench.sh migrate [N]    the migration stage against a local PostgreSQL: overhead
#                                   per migration beyond the SQL (N trivial migrations,
#                                   default 200), and the time from the database instance's
#                                   completion (on a local moto) to the first statement
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/terrace/target}"
command -v /usr/bin/time >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null; apt-get install -y -qq time >/dev/null; }

what="${1:-validate}"
n="${2:-10000}"
if [ "$what" = migrate ]; then
  ROOT=$(pwd)
  . scripts/services.sh
  ensure_moto
  ensure_postgres
  dir=$(mktemp -d)
  chmod 755 "$dir"
  log="$dir/moto.log"
  trap 'kill "${MOTO_PID:-}" 2>/dev/null || true; stop_postgres "$dir/postgres"; rm -rf "$dir"' EXIT
  moto_port=$(free_port)
  start_moto "$moto_port" "$log"
  pg_port=$(free_port)
  start_postgres "$pg_port" "$dir/postgres"
  cargo build --release --locked --quiet --example migrate_bench
  TERRACE_BENCH_MOTO_URL="http://127.0.0.1:$moto_port" \
    TERRACE_BENCH_PG_URL="postgres://$DB_TEST_USER:$DB_TEST_PASSWORD@127.0.0.1:$pg_port/$DB_TEST_NAME" \
    "$CARGO_TARGET_DIR/release/examples/migrate_bench" "${2:-200}"
  exit 0
fi
if [ "$what" = s3 ]; then
  ROOT=$(pwd)
  . scripts/services.sh
  ensure_moto
  ensure_postgres
  dir=$(mktemp -d)
  chmod 755 "$dir"
  trap 'kill "${MOTO_PID:-}" 2>/dev/null || true; stop_postgres "$dir/postgres"; rm -rf "$dir"' EXIT
  moto_port=$(free_port)
  start_moto "$moto_port" "$dir/moto.log"
  pg_port=$(free_port)
  start_postgres "$pg_port" "$dir/postgres"
  cargo build --release --locked --quiet
  cargo build --release --locked --quiet --example s3_bench --example gen_config
  TERRACE_BENCH_MOTO_URL="http://127.0.0.1:$moto_port" \
    TERRACE_BENCH_PG_URL="postgres://$DB_TEST_USER:$DB_TEST_PASSWORD@127.0.0.1:$pg_port/$DB_TEST_NAME" \
    TERRACE_BENCH_BIN="$CARGO_TARGET_DIR/release/terrace" \
    TERRACE_BENCH_GEN="$CARGO_TARGET_DIR/release/examples/gen_config" \
    "$CARGO_TARGET_DIR/release/examples/s3_bench" "${2:-1000}"
  exit 0
fi
if [ "$what" = refresh ] || [ "$what" = drift ] || [ "$what" = apply ]; then
  ROOT=$(pwd)
  . scripts/services.sh
  ensure_moto
  port=$(free_port)
  log=$(mktemp)
  start_moto "$port" "$log"
  trap 'kill "$MOTO_PID" 2>/dev/null; rm -f "$log"' EXIT
  cargo build --release --locked --quiet --example aws_bench
  shift
  TERRACE_BENCH_MOTO_URL="http://127.0.0.1:$port" "$CARGO_TARGET_DIR/release/examples/aws_bench" "$what" "$@"
  exit 0
fi
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example gen_config --example fake_apply
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$CARGO_TARGET_DIR/release/examples/gen_config" "$n" "$dir" >/dev/null
bin="$CARGO_TARGET_DIR/release/terrace"

measure() { # label, command...
  local label=$1; shift
  local best_t="" best_m=""
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f "%e %M" -o "$dir/.time" "$@" >/dev/null 2>"$dir/.err" || { cat "$dir/.err" >&2; exit 1; }
    read -r t m < "$dir/.time"
    if [ -z "$best_t" ] || awk "BEGIN{exit !($t < $best_t)}"; then best_t=$t; fi
    if [ -z "$best_m" ] || [ "$m" -gt "$best_m" ]; then best_m=$m; fi
  done
  printf '%s: best of 5 wall %ss, peak RSS %s MiB\n' "$label" "$best_t" "$((best_m / 1024))"
}

case "$what" in
  validate) measure "validate, $n resources" "$bin" "-chdir=$dir" validate ;;
  plan)
    measure "plan, $n resources, empty state" "$bin" "-chdir=$dir" plan -lock=false
    "$CARGO_TARGET_DIR/release/examples/fake_apply" "$dir" >/dev/null
    measure "plan, $n resources, matching state (no-op)" "$bin" "-chdir=$dir" plan -lock=false -detailed-exitcode
    ;;
  *) echo "usage: scripts/bench.sh validate|plan [N] | refresh | drift | apply [MS] [P] | migrate [N]" >&2; exit 2 ;;
esac

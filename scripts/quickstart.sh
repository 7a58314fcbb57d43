#!/usr/bin/env bash
# The main job on a local sandbox: build Terrace and run it on examples/three-tier.
#   scripts/quickstart.sh        validate and graph the example with its sandbox var file
#   scripts/quickstart.sh down   remove what the quickstart produced
# Works on a fresh Debian machine as root; installs what it needs. Idempotent.
#
# Today this runs the stages that exist: validate and graph. Plan and apply against a local
# AWS endpoint (moto) join here as those stages land.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/terrace/target}"
OUT="$ROOT/.terrace/quickstart"

if [ "${1:-}" = "down" ]; then
  rm -rf "$OUT"
  echo "quickstart: sandbox removed"
  exit 0
fi

command -v cargo >/dev/null || { echo "quickstart: cargo is required (install Rust with rustup)" >&2; exit 1; }
command -v cc >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null; apt-get install -y -qq build-essential >/dev/null; }

echo "== building terrace (release)"
cargo build --release --locked --quiet
BIN="$CARGO_TARGET_DIR/release/terrace"
mkdir -p "$OUT"

cd examples/three-tier
echo "== terrace validate -var-file=sandbox.tfvars"
"$BIN" validate -var-file=sandbox.tfvars
echo "== terrace graph -var-file=sandbox.tfvars  (written to .terrace/quickstart/graph.dot)"
"$BIN" graph -var-file=sandbox.tfvars > "$OUT/graph.dot"
"$BIN" graph -var-file=sandbox.tfvars --format json > "$OUT/graph.json"
nodes=$(grep -c '\[label' "$OUT/graph.dot" || true)
edges=$(grep -c ' -> ' "$OUT/graph.dot" || true)
echo "graph: $nodes nodes, $edges edges"
if command -v dot >/dev/null; then dot -Tsvg "$OUT/graph.dot" > "$OUT/graph.svg" && echo "rendered $OUT/graph.svg"; fi

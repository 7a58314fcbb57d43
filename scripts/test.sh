#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit and integration tests.
# Works on a fresh Debian machine as root; installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build artefacts live outside the clone so CI and later runs reuse them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/terrace/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
mkdir -p "$CARGO_TARGET_DIR"

need() { command -v "$1" >/dev/null 2>&1; }
apt_install() {
  if need apt-get; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "$@" >/dev/null
  else
    echo "scripts/test.sh: please install: $*" >&2
    exit 1
  fi
}

if ! need cargo; then
  echo "scripts/test.sh: cargo is required (install Rust with rustup)" >&2
  exit 1
fi
need cc || apt_install build-essential
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt clippy >/dev/null 2>&1 || true

# --- Services on 127.0.0.1 only -------------------------------------------------------------
# moto: the AWS endpoint for provider and apply tests, from PyPI into a project-local venv.
VENV="$PWD/.venv"
if [ ! -x "$VENV/bin/moto_server" ]; then
  command -v python3 >/dev/null || apt_install python3 python3-venv
  python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$VENV"; }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'moto[server]>=5.1,<6'
fi
free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
SERVICES_LOG="${TMPDIR:-/tmp}/terrace-test-services.$$"
mkdir -p "$SERVICES_LOG"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
MOTO_PORT=$(free_port)
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$SERVICES_LOG/moto.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do
  if "$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$MOTO_PORT/moto-api/')" 2>/dev/null; then break; fi
  sleep 0.2
done
export TERRACE_TEST_MOTO_URL="http://127.0.0.1:$MOTO_PORT"
echo "== moto at $TERRACE_TEST_MOTO_URL"

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --locked --all-targets

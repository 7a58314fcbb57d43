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

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --locked --all-targets

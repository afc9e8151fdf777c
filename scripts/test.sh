#!/usr/bin/env bash
# Runs every test of the workspace on a fresh Debian 12 machine with only Rust installed.
# Installs what the tests need first (each scripts/setup.d/*.sh installs one crate's needs).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/motcua-target}"
export CARGO_TERM_COLOR=never

for setup in scripts/setup.d/*.sh; do
  [ -e "$setup" ] || continue
  echo "== setup: $setup"
  bash "$setup"
done

echo "== format and lint"
cargo fmt --all -- --check
# --all-features: the real drivers (USB printer, V4L2 camera, ALSA, Raspberry Pi GPIO) compile and lint here.
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

echo "== tests"
cargo test --workspace --locked

echo "== README commands, as written"
./scripts/check-readme-commands.sh

echo "== schemathesis (API against its OpenAPI document)"
./scripts/schemathesis.sh

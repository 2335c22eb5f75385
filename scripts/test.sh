#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy, unit, property and
# end-to-end tests (the CLI against temporary embedded ledgers; the verifier as a real
# process, and its pages in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prereqs.sh --tests
echo "[test] cargo fmt --check"
cargo fmt --all -- --check
echo "[test] cargo clippy"
cargo clippy --locked --workspace --all-targets --quiet -- -D warnings
echo "[test] cargo test"
cargo test --locked --workspace

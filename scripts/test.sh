#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy, docs, unit, property,
# conformance and end-to-end tests (the CLI against temporary embedded ledgers; the
# verifier as a real process, and its pages in headless Chromium; the CCaaS runtime
# against a scripted peer and against Fabric's own Go shim), and — whenever Fabric 3.1
# binaries are present — the Fabric suite on a real native network; `cargo audit` of the
# lockfiles against the RustSec database when one is at hand (scripts/audit.sh); and a
# short run of every fuzz target (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prereqs.sh --tests
. scripts/env.sh

fabric=no
if [ -x "$FABRIC_BIN_DIR/peer" ] && [ -x "$FABRIC_BIN_DIR/orderer" ]; then
  fabric=yes
else
  echo "#####################################################################################"
  echo "# FABRIC SUITE SKIPPED: no Fabric binaries in $FABRIC_BIN_DIR"
  echo "# (everything that needs no peer runs; see network/README.md to get Fabric 3.1.5)"
  echo "#####################################################################################"
fi

echo "[test] cargo fmt --check"
cargo fmt --all -- --check
echo "[test] cargo clippy"
cargo clippy --locked --workspace --all-targets --quiet -- -D warnings
echo "[test] cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --workspace --no-deps --quiet
echo "[test] dependency advisories (cargo audit)"
scripts/audit.sh
echo "[test] cargo test"
cargo test --locked --workspace --no-fail-fast
echo "[test] fuzz smoke: every fuzz target for 10 s on the stable driver (scripts/fuzz.sh; longer runs: docs/RELIABILITY.md)"
NANOTRACE_FUZZ_ENGINE=stable scripts/fuzz.sh all 10
if [ "$fabric" = yes ]; then
  echo "[test] Fabric network smoke test (Go asset chaincode, peer CLI)"
  tests/fabric/network_smoke.sh
fi
echo "[test] done (Fabric suite: $([ "$fabric" = yes ] && echo ran || echo SKIPPED))"

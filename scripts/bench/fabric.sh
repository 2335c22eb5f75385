#!/usr/bin/env bash
# Benchmarks NanoTrace on a real Fabric 3.1 network through our Rust Gateway client
# (peer-client/examples/fabric_load.rs): submissions/s and commit latency p50/p99 at 1, 16,
# 64 and 256 transactions in flight for Apply (one certificate per transaction) and
# ApplyBatch (100 per transaction), Verify evaluates/s, and the Go asset chaincode
# (CreateAsset / ReadAsset) on the same network for comparison.
#
# Brings up its own network in its own run folder (ports from 57050, 127.0.0.1 only),
# deploys the release build of nanotrace-chaincode and bench/go-asset (CCaaS, mutual TLS),
# bootstraps governance, runs the load, prints a table and tears the network down.
#
# Usage: scripts/bench/fabric.sh [fabric_load options, e.g. --count 500 --seconds 30]
# Variables: NANOTRACE_BENCH_RUN_DIR (default .run/bench-fabric), NANOTRACE_BENCH_PORT_BASE
# (default 57050), NANOTRACE_FABRIC_BATCH_TIMEOUT (orderer BatchTimeout override),
# BENCH_NO_ASSET=1 (skip the Go chaincode).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
[ -f scripts/env.sh ] && . scripts/env.sh

export NANOTRACE_FABRIC_RUN_DIR="${NANOTRACE_BENCH_RUN_DIR:-$ROOT/.run/bench-fabric}"
export NANOTRACE_FABRIC_PORT_BASE="${NANOTRACE_BENCH_PORT_BASE:-57050}"
NET="$ROOT/scripts/network.sh"
CC_PORT=$((NANOTRACE_FABRIC_PORT_BASE + 90))
ASSET_PORT=$((NANOTRACE_FABRIC_PORT_BASE + 91))
T="${CARGO_TARGET_DIR:-$ROOT/target}/release"

log() { printf '[bench] %s\n' "$*" >&2; }

FABRIC_BIN="${FABRIC_BIN_DIR:-$HOME/.local/share/fabric/bin}"
if [ ! -x "$FABRIC_BIN/peer" ]; then
  echo "FABRIC BENCH SKIPPED: no Fabric binaries in $FABRIC_BIN (network/README.md)"
  exit 0
fi

log "release build: nanotrace-chaincode and the load generator"
cargo build --quiet --release -p nanotrace-ccaas -p nanotrace-peer-client --bin nanotrace-chaincode --example fabric_load

asset=()
if [ "${BENCH_NO_ASSET:-0}" != 1 ] && command -v go >/dev/null 2>&1; then
  mkdir -p "$NANOTRACE_FABRIC_RUN_DIR.bin"
  log "go build bench/go-asset"
  (cd bench/go-asset && go build -o "$NANOTRACE_FABRIC_RUN_DIR.bin/go-asset" .)
  asset=(--asset asset)
fi

cleanup() {
  log "tearing the network down ($NANOTRACE_FABRIC_RUN_DIR)"
  "$NET" down >/dev/null 2>&1 || "$NET" down || true
}
trap cleanup EXIT INT TERM

"$NET" down >/dev/null 2>&1 || true
"$NET" up
"$NET" deploy nanotrace --address "127.0.0.1:$CC_PORT" --tls --server "$T/nanotrace-chaincode"
if [ ${#asset[@]} -gt 0 ]; then
  "$NET" deploy asset --address "127.0.0.1:$ASSET_PORT" --tls --server "$NANOTRACE_FABRIC_RUN_DIR.bin/go-asset"
fi

bt=$(awk '/^  BatchTimeout:/ { print $2 }' "$NANOTRACE_FABRIC_RUN_DIR/config/configtx.yaml" 2>/dev/null | head -1)
log "machine: $(nproc) cores; BatchTimeout ${NANOTRACE_FABRIC_BATCH_TIMEOUT:-${bt:-see configtx.yaml}}; endorsement policy ${NANOTRACE_FABRIC_CC_POLICY:-OutOf(2,'ManufacturerMSP.peer','CertifierMSP.peer','RegulatorMSP.peer')}"
"$T/examples/fabric_load" --profiles "$NANOTRACE_FABRIC_RUN_DIR/profiles" --bootstrap "${asset[@]}" "$@"

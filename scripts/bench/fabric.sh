#!/usr/bin/env bash
# Benchmarks on a real Fabric 3.1 network through our Rust Gateway client
# (nanotrace-load, bench/load), in one invocation:
#
# - asset A/B: the asset-transfer contract on Fabric's Go contract API (bench/go-asset,
#   chaincode 'asset-go') and on our runtime (bench/asset, chaincode 'asset-rs'), side by
#   side on the same channel: CreateAsset / UpdateAsset submits/s, ReadAsset evaluates/s,
#   endorsement and commit latency p50/p99 at 1, 16, 64 and 256 in flight, the two run
#   alternately in every cell for --rounds rounds, with a pooled Rust / Go summary;
# - NanoTrace (chaincode 'nanotrace'): Apply + Approve (real Ed25519 signatures) single and
#   batched (ApplyBatch/ApproveBatch, 100 and 1,000 per transaction), certificates committed
#   per second end to end, then Verify evaluates/s;
# - floor (BENCH_WORKLOADS=floor): Fabric's own cost per written key, CreateAssets of the
#   Rust asset contract with N trivial keys per transaction (--floor-batches N:TXS,...), with
#   the CPU per key of every process (the cost any contract pays per key on this network).
#
# Brings up its own network in its own run folder (ports from 57050, the table's
# `bench-fabric`: scripts/network.sh port-base bench-fabric; 127.0.0.1 only),
# deploys the release builds of nanotrace-chaincode and nanotrace-asset-chaincode and
# bench/go-asset (CCaaS, mutual TLS), bootstraps governance, runs the load, prints Markdown
# tables and tears the network down (trap, also on failure or Ctrl-C).
#
# Usage: scripts/bench/fabric.sh [nanotrace-load options, e.g. --count 500 --seconds 30 --rounds 2;
#        `cargo run -p nanotrace-bench --bin nanotrace-load -- --help` lists them]
# Variables: NANOTRACE_BENCH_RUN_DIR (default .run/bench-fabric), NANOTRACE_BENCH_PORT_BASE
# (default 57050), NANOTRACE_FABRIC_BATCH_TIMEOUT (orderer BatchTimeout override) and the other
# tuning knobs of scripts/network.sh (NANOTRACE_FABRIC_MAX_MESSAGE_COUNT, _PREFERRED_MAX_BYTES,
# _ABSOLUTE_MAX_BYTES, _PEER_ENV, _ORDERER_ENV; scripts/bench/fabric-tune.sh runs a matrix of them),
# BENCH_WORKLOADS (default "asset nanotrace"; "asset", "nanotrace" or "floor" runs one; add "caliper"
# to run scripts/bench/caliper/run.sh, Hyperledger Caliper 0.6.0 on the asset chaincodes,
# after the load generator and before the teardown; "caliper" alone runs only Caliper),
# BENCH_CHAINCODE_BIN (another NanoTrace chaincode server, e.g. the previous version's),
# BENCH_NO_GO=1 (no Go chaincode: needs `go` otherwise), BENCH_NO_BUILD=1 (use the release
# binaries already built, e.g. while another release build holds cargo's lock), BENCH_KEEP_NETWORK=1 (leave the
# network up at the end, e.g. for scripts/bench/caliper/run.sh; tear it down with
# NANOTRACE_FABRIC_RUN_DIR=.run/bench-fabric scripts/network.sh down).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
[ -f scripts/env.sh ] && . scripts/env.sh

export NANOTRACE_FABRIC_RUN_DIR="${NANOTRACE_BENCH_RUN_DIR:-$ROOT/.run/bench-fabric}"
NET="$ROOT/scripts/network.sh"
T="${CARGO_TARGET_DIR:-$ROOT/target}/release"
WORKLOADS="${BENCH_WORKLOADS:-asset nanotrace}"

log() { printf '[bench] %s\n' "$*" >&2; }
wants() { [[ " $WORKLOADS " == *" $1 "* ]]; }

FABRIC_BIN="${FABRIC_BIN_DIR:-$HOME/.local/share/fabric/bin}"
if [ ! -x "$FABRIC_BIN/peer" ]; then
  echo "FABRIC BENCH SKIPPED: no Fabric binaries in $FABRIC_BIN (network/README.md)"
  exit 0
fi
# The port base: NANOTRACE_BENCH_PORT_BASE, or this benchmark's in the table of every
# network's (`bench-fabric`, topology/README.md).
base=${NANOTRACE_BENCH_PORT_BASE:-$("$NET" port-base bench-fabric)}
export NANOTRACE_FABRIC_PORT_BASE=$base

if [ "${BENCH_NO_BUILD:-0}" = 1 ] && [ -x "$T/nanotrace-chaincode" ] && [ -x "$T/nanotrace-asset-chaincode" ] &&
  [ -x "$T/nanotrace-load" ]; then
  log "BENCH_NO_BUILD=1: using the release binaries in $T as they are"
else
  log "release build: nanotrace-chaincode, nanotrace-asset-chaincode and the load generator"
  cargo build --quiet --release -p nanotrace-ccaas -p nanotrace-asset-chaincode -p nanotrace-bench \
    --bin nanotrace-chaincode --bin nanotrace-asset-chaincode --bin nanotrace-load
fi

load_args=()
go_asset=false
if wants asset || wants caliper; then
  wants asset && load_args+=(--asset-rust asset-rs)
  if [ "${BENCH_NO_GO:-0}" != 1 ] && command -v go >/dev/null 2>&1; then
    mkdir -p "$NANOTRACE_FABRIC_RUN_DIR.bin"
    log "go build bench/go-asset"
    (cd bench/go-asset && go build -o "$NANOTRACE_FABRIC_RUN_DIR.bin/go-asset" .)
    wants asset && load_args+=(--asset-go asset-go)
    go_asset=true
  else
    log "no Go chaincode (BENCH_NO_GO=1 or no go): the asset workload runs on the Rust chaincode only"
  fi
fi
if wants floor; then
  load_args+=(--floor asset-rs)
fi
if wants nanotrace; then
  load_args+=(--nanotrace --bootstrap)
fi
[ ${#load_args[@]} -gt 0 ] || wants caliper || { echo "BENCH_WORKLOADS='$WORKLOADS': nothing to run (asset, nanotrace, floor, caliper)" >&2; exit 2; }

cleanup() {
  if [ "${BENCH_KEEP_NETWORK:-0}" = 1 ]; then
    log "BENCH_KEEP_NETWORK=1: the network stays up ($NANOTRACE_FABRIC_RUN_DIR)"
    return
  fi
  log "tearing the network down ($NANOTRACE_FABRIC_RUN_DIR)"
  "$NET" down >/dev/null 2>&1 || "$NET" down || true
}
trap cleanup EXIT INT TERM

"$NET" down >/dev/null 2>&1 || true
"$NET" up
# The chaincode servers on the layout's service ports (B+300, +301, +302), as the network
# answers them: no port is a sum here.
CC_PORT=$("$NET" service-port 0)
GO_ASSET_PORT=$("$NET" service-port 1)
RS_ASSET_PORT=$("$NET" service-port 2)
# BENCH_CHAINCODE_BIN: another NanoTrace chaincode server, e.g. an earlier version's for a
# before/after table (scripts/legacy-chaincode.sh --release builds the one before the
# write-once layout); the load generator and everything else stay this checkout's.
cc_server="${BENCH_CHAINCODE_BIN:-$T/nanotrace-chaincode}"
log "NanoTrace chaincode server: $cc_server"
"$NET" deploy nanotrace --address "127.0.0.1:$CC_PORT" --tls --server "$cc_server"
if wants asset || wants caliper || wants floor; then
  "$NET" deploy asset-rs --address "127.0.0.1:$RS_ASSET_PORT" --tls --server "$T/nanotrace-asset-chaincode"
  if $go_asset; then
    "$NET" deploy asset-go --address "127.0.0.1:$GO_ASSET_PORT" --tls --server "$NANOTRACE_FABRIC_RUN_DIR.bin/go-asset"
  fi
fi

bt=$(awk '/^ *BatchTimeout:/ { print $2; exit }' "$NANOTRACE_FABRIC_RUN_DIR/config/configtx.yaml" 2>/dev/null | head -1)
log "machine: $(nproc) cores; BatchTimeout ${NANOTRACE_FABRIC_BATCH_TIMEOUT:-${bt:-see configtx.yaml}}; endorsement policy ${NANOTRACE_FABRIC_CC_POLICY:-the default of the consortium, as scripts/network.sh deploy --help names it}"
knobs=$(env | grep -E '^NANOTRACE_FABRIC_(MAX_MESSAGE_COUNT|PREFERRED_MAX_BYTES|ABSOLUTE_MAX_BYTES|PEER_ENV|ORDERER_ENV)=' | tr '\n' ' ' || true)
log "tuning knobs: ${knobs:-none (defaults)}"
log "uptime before: $(uptime)"
if [ ${#load_args[@]} -gt 0 ]; then
  start=$(date +%s)
  "$T/nanotrace-load" --profiles "$NANOTRACE_FABRIC_RUN_DIR/profiles" --cpu-pids "$NANOTRACE_FABRIC_RUN_DIR/pids" \
    "${load_args[@]}" "$@"
  log "load took $(( $(date +%s) - start )) s; uptime after: $(uptime)"
fi
if wants caliper; then
  NANOTRACE_BENCH_RUN_DIR="$NANOTRACE_FABRIC_RUN_DIR" "$ROOT/scripts/bench/caliper/run.sh"
fi

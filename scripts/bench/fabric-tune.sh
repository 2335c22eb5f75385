#!/usr/bin/env bash
# Operator settings on the real Fabric network, one fresh network per setting
# (scripts/bench/fabric.sh, ports from 57050): for each setting, Fabric's floor
# (CreateAssets, 1,000 small keys per transaction), NanoTrace's ApplyBatch/ApproveBatch of
# 1,000 certificates and Verify evaluates, with the CPU per key / certificate / evaluate of
# every process (robust to other load on the machine, unlike throughput). Prints each
# setting's tables under a heading; docs/BENCHMARKS-HISTORY.md ("Operator settings") has
# the results.
#
# Usage: scripts/bench/fabric-tune.sh [SETTING...]   (default: all, in the order below)
# Settings: baseline gogc400 gogc800 nohistory pool1 blocks8mb timeout250 msgcount1
#           nostate concurrency
# Variables: TUNE_ARGS (nanotrace-load arguments, default below), BENCH_NO_BUILD=1 as in fabric.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ARGS="${TUNE_ARGS:---floor-batches 1000:8 --batch-inflight 4 --batches 1000:6 --inflight 64 --count 1 --eval-count 4000 --seconds 60}"

# Each setting: NAME, what it changes, then its environment (exported in a subshell).
describe() {
  case "$1" in
  baseline) echo "configtx.yaml and Fabric's core.yaml defaults (BatchTimeout 50ms, MaxMessageCount 500, PreferredMaxBytes 2 MB, AbsoluteMaxBytes 10 MB)" ;;
  gogc400) echo "GOGC=400 on the peers (Go's garbage collector target, default 100): fewer collections, more memory" ;;
  gogc800) echo "GOGC=800 on the peers" ;;
  nohistory) echo "history database off (CORE_LEDGER_HISTORY_ENABLEHISTORYDATABASE=false; the contract's History function then fails)" ;;
  pool1) echo "CORE_PEER_VALIDATORPOOLSIZE=1 (default: the number of CPUs, 2)" ;;
  blocks8mb) echo "PreferredMaxBytes 8 MB, AbsoluteMaxBytes 16 MB (a transaction of 1,000 certificates is ~2.7 MB: up to 3 per block)" ;;
  timeout250) echo "BatchTimeout 250ms (default here 50ms)" ;;
  msgcount1) echo "MaxMessageCount 1: one transaction per block" ;;
  nostate) echo "CORE_PEER_GOSSIP_STATE_ENABLED=false: no gossip state transfer (blocks still come from the orderer)" ;;
  concurrency) echo "CORE_PEER_LIMITS_CONCURRENCY_GATEWAYSERVICE=16 and _ENDORSERSERVICE=16 (defaults 500 and 2500)" ;;
  *) return 1 ;;
  esac
}
configure() {
  case "$1" in
  baseline) ;;
  gogc400) export NANOTRACE_FABRIC_PEER_ENV="GOGC=400" ;;
  gogc800) export NANOTRACE_FABRIC_PEER_ENV="GOGC=800" ;;
  nohistory) export NANOTRACE_FABRIC_PEER_ENV="CORE_LEDGER_HISTORY_ENABLEHISTORYDATABASE=false" ;;
  pool1) export NANOTRACE_FABRIC_PEER_ENV="CORE_PEER_VALIDATORPOOLSIZE=1" ;;
  blocks8mb) export NANOTRACE_FABRIC_PREFERRED_MAX_BYTES="8 MB" NANOTRACE_FABRIC_ABSOLUTE_MAX_BYTES="16 MB" ;;
  timeout250) export NANOTRACE_FABRIC_BATCH_TIMEOUT=250ms ;;
  msgcount1) export NANOTRACE_FABRIC_MAX_MESSAGE_COUNT=1 ;;
  nostate) export NANOTRACE_FABRIC_PEER_ENV="CORE_PEER_GOSSIP_STATE_ENABLED=false" ;;
  concurrency) export NANOTRACE_FABRIC_PEER_ENV="CORE_PEER_LIMITS_CONCURRENCY_GATEWAYSERVICE=16 CORE_PEER_LIMITS_CONCURRENCY_ENDORSERSERVICE=16" ;;
  esac
}

ALL=(baseline gogc400 gogc800 nohistory pool1 blocks8mb timeout250 msgcount1 nostate concurrency)
(($# > 0)) || set -- "${ALL[@]}"
for name in "$@"; do
  what=$(describe "$name") || { echo "unknown setting '$name' (${ALL[*]})" >&2; exit 2; }
  printf '\n# Setting: %s: %s\n\n' "$name" "$what"
  # shellcheck disable=SC2086
  (configure "$name" && BENCH_WORKLOADS="floor nanotrace" "$ROOT/scripts/bench/fabric.sh" $ARGS) ||
    echo "(setting $name failed: exit $?)"
done

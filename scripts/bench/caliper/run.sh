#!/usr/bin/env bash
# Runs Hyperledger Caliper 0.6.0 (benchconfig.yaml: the asset-transfer workload on the Go and
# the Rust chaincode, alternating) against the network of scripts/bench/fabric.sh, which
# must be up: `BENCH_WORKLOADS="asset caliper" scripts/bench/fabric.sh` runs this script
# before it tears the network down; or keep a network up with BENCH_KEEP_NETWORK=1 and run
# this script alone.
#
# Caliper is installed once with npm, outside the repository, into
# NANOTRACE_CALIPER_DIR (default ~/.cache/nanotrace/caliper-0.6.0): @hyperledger/caliper-cli,
# -core and -fabric, all 0.6.0, bound with `caliper bind --caliper-bind-sut fabric:fabric-gateway`.
# The network configuration is generated from the run folder (network-config.sh) into
# RUN_DIR/caliper/, with Caliper's report (report.html) and log (caliper.log).
#
# Usage: scripts/bench/caliper/run.sh [extra caliper launch manager flags]
# Variables: NANOTRACE_BENCH_RUN_DIR (default .run/bench-fabric), NANOTRACE_CALIPER_DIR,
# CALIPER_BENCHCONFIG (default benchconfig.yaml; a path relative to this folder or absolute).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
RUN_DIR="${NANOTRACE_BENCH_RUN_DIR:-$ROOT/.run/bench-fabric}"
CACHE="${NANOTRACE_CALIPER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nanotrace/caliper-0.6.0}"
OUT="$RUN_DIR/caliper"
VERSION=0.6.0

log() { printf '[caliper] %s\n' "$*" >&2; }

command -v npm >/dev/null 2>&1 || { echo "CALIPER SKIPPED: npm is not installed" >&2; exit 0; }
[ -f "$RUN_DIR/network.env" ] || { echo "run.sh: no network in $RUN_DIR (start it with BENCH_KEEP_NETWORK=1 scripts/bench/fabric.sh)" >&2; exit 1; }
case "$CACHE" in "$ROOT"/*) echo "run.sh: NANOTRACE_CALIPER_DIR must be outside the repository" >&2; exit 2 ;; esac

if [ ! -x "$CACHE/node_modules/.bin/caliper" ]; then
  log "installing @hyperledger/caliper-cli, -core, -fabric $VERSION into $CACHE"
  mkdir -p "$CACHE"
  [ -f "$CACHE/package.json" ] || printf '{ "name": "nanotrace-caliper", "private": true }\n' >"$CACHE/package.json"
  (cd "$CACHE" && npm install --no-audit --no-fund --loglevel=error \
    "@hyperledger/caliper-cli@$VERSION" "@hyperledger/caliper-core@$VERSION" "@hyperledger/caliper-fabric@$VERSION")
fi
if [ ! -d "$CACHE/node_modules/@hyperledger/fabric-gateway" ]; then
  log "caliper bind --caliper-bind-sut fabric:fabric-gateway"
  (cd "$CACHE" && npx caliper bind --caliper-bind-sut fabric:fabric-gateway)
fi

"$HERE/network-config.sh" "$RUN_DIR" "$OUT" >/dev/null
log "network configuration: $OUT/networkconfig.yaml; uptime before: $(uptime)"
start=$(date +%s)
# NODE_PATH: the workload modules in this folder require @hyperledger/caliper-core from the cache.
(cd "$CACHE" && NODE_PATH="$CACHE/node_modules" npx caliper launch manager \
  --caliper-workspace "$HERE" \
  --caliper-networkconfig "$OUT/networkconfig.yaml" \
  --caliper-benchconfig "${CALIPER_BENCHCONFIG:-benchconfig.yaml}" \
  --caliper-flow-only-test \
  --caliper-report-path "$OUT/report.html" \
  --caliper-logging-targets-file-enabled false \
  "$@") 2>&1 | tee "$OUT/caliper.log"
rc=${PIPESTATUS[0]}
log "caliper took $(( $(date +%s) - start )) s (exit $rc); uptime after: $(uptime); report $OUT/report.html"
# The summary table of every round (the last one Caliper prints).
awk '/All test results/ { buf = ""; on = 1; next } on && /^[|+]/ { buf = buf $0 "\n" } END { printf "%s", buf }' "$OUT/caliper.log"
exit "$rc"

#!/usr/bin/env bash
# Benchmarks the verifier against nginx on this machine, side by side in one run:
# cached GET /api/v1/certificates/{id} and GET /c/{id} at 64 and 256 connections with
# wrk, and nginx serving static files of the same sizes, tuned as its documentation tunes
# it for static files (scripts/bench/nginx.sh). Also the time from a
# revocation's commit to the verifier answering REVOKED.
# Usage: scripts/bench/verifier.sh [seconds per run, default 10] [embedded|fabric]
#        NO_BUILD=1: use the release binaries already built; VERIFIER_BIN: the verifier to run
#        BEFORE_BIN: another build of the verifier (e.g. the commit before a change), run
#        next to it on the same ledger and measured in the same run, cell by cell
#        LOADGEN_CPU=N: wrk on CPU N alone with one thread, the servers on the other CPUs
#        (taskset), the verifiers with one HTTP thread and nginx with one worker per CPU:
#        latency without the load generator's threads sharing the servers' cores
#
# `fabric`: the verifier follows a real Fabric network (--source fabric, the Regulator's
# user rita's profile): a network of its own from scripts/network.sh (run folder
# .run/bench-verifier-fabric, ports from NANOTRACE_BENCH_VERIFIER_PORT_BASE, default
# 30050, the table's `bench-verifier`, apart from the fabric_source test's 29050; Fabric
# binaries from FABRIC_BIN_DIR), the release nanotrace-chaincode deployed
# with mutual TLS, governance and one issued certificate through the nanotrace CLI
# (--network fabric), torn down on exit. The same wrk runs against nginx serving the
# same bytes, and the revocation's latency is measured 10 times on Fabric: from the
# CLI's revoke returning (the peer reported the commit) to the verifier serving REVOKED.
set -euo pipefail
cd "$(dirname "$0")/../.."
# One build environment with the other scripts (ccache for RocksDB's C++: without it a
# build from a plain shell compiles RocksDB again, ~13 min).
# shellcheck source=scripts/env.sh
. scripts/env.sh
DURATION="${1:-10}"
SOURCE="${2:-embedded}"
case "$SOURCE" in embedded | fabric) ;; *) echo "usage: $0 [seconds] [embedded|fabric]" >&2; exit 2 ;; esac
VPORT="${BENCH_VERIFIER_PORT:-18080}"
NPORT="${BENCH_NGINX_PORT:-18081}"

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  echo "[bench] installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# shellcheck source=scripts/bench/nginx.sh
. scripts/bench/nginx.sh

# The servers' CPUs and the load generator's (LOADGEN_CPU): every CPU but N serves.
server_pin=() wrk_pin=() wrk_threads=2 http_threads=()
if [ -n "${LOADGEN_CPU:-}" ]; then
  SERVER_CPUS=$(seq 0 $(($(nproc) - 1)) | grep -vx "$LOADGEN_CPU" | paste -sd, -)
  [ -n "$SERVER_CPUS" ] || { echo "LOADGEN_CPU=$LOADGEN_CPU leaves no CPU to serve" >&2; exit 2; }
  export SERVER_CPUS
  server_pin=(taskset -c "$SERVER_CPUS")
  wrk_pin=(taskset -c "$LOADGEN_CPU")
  wrk_threads=1
  http_threads=(--http-threads "$(cpus_in "$SERVER_CPUS")")
fi

scripts/prereqs.sh
# NO_BUILD=1: benchmark the release binaries already built (e.g. the verifier built with
# `--features jemalloc` for the allocator comparison).
if [ "${NO_BUILD:-0}" != 1 ]; then
  # --keep-going: in a shared tree a test target someone is editing must not stop the
  # benchmark of the binaries it needs (checked below); the warning says so.
  if ! cargo build --quiet --locked --release --workspace --all-targets --keep-going; then
    echo "[bench] warning: some targets of the workspace do not build; benchmarking the binaries that did" >&2
  fi
fi
T="${CARGO_TARGET_DIR:-target}/release"
# VERIFIER_BIN: another build of the verifier to measure (e.g. with --features jemalloc).
VERIFIER="${VERIFIER_BIN:-$T/nanotrace-verifier}"
for b in nanotrace nanotrace-verifier nanotrace-chaincode; do
  [ -x "$T/$b" ] || { echo "[bench] no $T/$b: the build failed" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
fabric_up=0
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$fabric_up" = 1 ]; then scripts/network.sh down >/dev/null 2>&1 || scripts/network.sh down; fi
  rm -rf "$work"
}
trap cleanup EXIT

id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["certificate_id"])'; }

if [ "$SOURCE" = fabric ]; then
  FABRIC_BIN_DIR="${FABRIC_BIN_DIR:-$HOME/.local/share/fabric/bin}"
  [ -x "$FABRIC_BIN_DIR/peer" ] || { echo "no Fabric binaries in $FABRIC_BIN_DIR (set FABRIC_BIN_DIR)" >&2; exit 2; }
  export NANOTRACE_FABRIC_RUN_DIR="${NANOTRACE_BENCH_VERIFIER_RUN_DIR:-$PWD/.run/bench-verifier-fabric}"
  # The port base: NANOTRACE_BENCH_VERIFIER_PORT_BASE, or this benchmark's in the table of
  # every network's (`bench-verifier`, topology/README.md); the chaincode server on the
  # layout's first service port (B+300).
  base=${NANOTRACE_BENCH_VERIFIER_PORT_BASE:-$(scripts/network.sh port-base bench-verifier)}
  export NANOTRACE_FABRIC_PORT_BASE=$base
  export NANOTRACE_FABRIC_CHAINCODE=nanotrace
  fabric_up=1
  scripts/network.sh up >/dev/null
  cc_port=$(scripts/network.sh service-port 0)
  scripts/network.sh deploy nanotrace --address "127.0.0.1:$cc_port" --tls \
    --server "$T/nanotrace-chaincode" >/dev/null
  P="$NANOTRACE_FABRIC_RUN_DIR/profiles"
  nt() { local who=$1; shift; "$T/nanotrace" --network fabric --profile "$P/$who.yaml" "$@"; }
  nt regulator-admin bootstrap >/dev/null
  nt regulator-admin register-org RegulatorMSP --name "National Nanomaterials Regulator" --kind regulator >/dev/null
  nt regulator-admin register-org CertifierMSP --name "NanoCert Certification Body" --kind certifier >/dev/null
  nt regulator-admin register-org ManufacturerMSP --name "Acme Nanomaterials GmbH" --kind manufacturer >/dev/null
  nt regulator-admin company-prefixes ManufacturerMSP 4006381 >/dev/null
  # alice hands the admin codes, never a key: her role request and her own issuer key's request.
  nt regulator-admin grant "$(nt certifier-alice whoami --code)" certifier >/dev/null
  nt regulator-admin key register "$(nt certifier-alice --json key request --out "$work/alice.key" | jq -r .code)" >/dev/null
  issue() {
    local id
    id=$(nt manufacturer-dave --json apply --file examples/application.json | id_of)
    nt certifier-alice approve "$id" --key "$work/alice.key" >/dev/null
    echo "$id"
  }
  revoke() { nt certifier-alice revoke "$1" --reason "benchmark" >/dev/null; }
  id=$(issue)
  "${server_pin[@]}" "$VERIFIER" "${http_threads[@]}" --source fabric --profile "$P/regulator-rita.yaml" --cache-dir "$work/cache" \
    --listen "127.0.0.1:$VPORT" --rate-per-sec 100000000 --rate-burst 100000000 --log warn &
  pids+=($!)
else
  data="$work/data"
  "$T/nanotrace" --data-dir "$data" init >/dev/null
  issue() {
    local id
    id=$("$T/nanotrace" --data-dir "$data" --as dave@manufacturer --json apply --file examples/application.json | id_of)
    "$T/nanotrace" --data-dir "$data" --as alice@certifier approve "$id" >/dev/null
    echo "$id"
  }
  revoke() { "$T/nanotrace" --data-dir "$data" --as alice@certifier revoke "$1" --reason "benchmark" >/dev/null; }
  id=$(issue)
  "${server_pin[@]}" "$VERIFIER" "${http_threads[@]}" --source embedded --data-dir "$data" --cache-dir "$work/cache" \
    --listen "127.0.0.1:$VPORT" --rate-per-sec 100000000 --rate-burst 100000000 --log warn &
  pids+=($!)
fi
BPORT=$((VPORT + 2))
if [ -n "${BEFORE_BIN:-}" ]; then
  [ "$SOURCE" = embedded ] || { echo "BEFORE_BIN: embedded only" >&2; exit 2; }
  "${server_pin[@]}" "$BEFORE_BIN" "${http_threads[@]}" --source embedded --data-dir "$data" --cache-dir "$work/cache-before" \
    --listen "127.0.0.1:$BPORT" --rate-per-sec 100000000 --rate-burst 100000000 --log warn &
  pids+=($!)
fi
for port in "$VPORT" ${BEFORE_BIN:+"$BPORT"}; do
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null
done

mkdir -p "$work/www/api" "$work/www/c"
curl -fs "http://127.0.0.1:$VPORT/api/v1/certificates/$id" -o "$work/www/api/cert.json"
curl -fs "http://127.0.0.1:$VPORT/c/$id" -o "$work/www/c/page.html"
api_size=$(stat -c %s "$work/www/api/cert.json")
page_size=$(stat -c %s "$work/www/c/page.html")

nginx_start "$work" "$NPORT" "$work/www"
cmp -s <(curl -fs "http://127.0.0.1:$NPORT/api/cert.json") "$work/www/api/cert.json" || { echo "nginx does not serve the file" >&2; exit 1; }

# wrk: prints "Requests/sec: N" and a latency distribution with the 99% line.
run() { # url connections -> "rps p99_ms"
  local out rps p99
  out=$("${wrk_pin[@]}" wrk -t"$wrk_threads" -c"$2" -d"${DURATION}s" --latency "$1")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}')
  local errors
  errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  [ -n "$errors" ] && echo "  warning: $errors non-2xx responses from $1" >&2
  echo "$rps $p99"
}

echo
echo "Verifier (--source $SOURCE) vs nginx on $(nproc) cores, ${DURATION}s per run, wrk -t$wrk_threads${LOADGEN_CPU:+ on CPU $LOADGEN_CPU, the servers on CPUs $SERVER_CPUS}, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "API body: $api_size bytes; page body: $page_size bytes"
[ -n "${BEFORE_BIN:-}" ] && echo "before: $BEFORE_BIN (before_rps, p99_ms; ratio is the verifier's to nginx)"
printf "%-32s %6s %12s %10s %12s %10s %12s %10s %7s\n" route conns verifier_rps p99_ms before_rps p99_ms nginx_rps p99_ms ratio
for route in api page; do
  if [ "$route" = api ]; then p="/api/v1/certificates/$id"; n="http://127.0.0.1:$NPORT/api/cert.json"; label="GET /api/v1/certificates/{id}";
  else p="/c/$id"; n="http://127.0.0.1:$NPORT/c/page.html"; label="GET /c/{id}"; fi
  for c in 64 256; do
    read -r vr vp < <(run "http://127.0.0.1:$VPORT$p" "$c")
    br=- bp=-
    [ -n "${BEFORE_BIN:-}" ] && read -r br bp < <(run "http://127.0.0.1:$BPORT$p" "$c")
    read -r nr np < <(run "$n" "$c")
    ratio=$(python3 -c "print(f'{$vr/$nr:.2f}')")
    printf "%-32s %6s %12s %10s %12s %10s %12s %10s %7s\n" "$label" "$c" "$vr" "$vp" "$br" "$bp" "$nr" "$np" "$ratio"
  done
done

# Revocation to REVOKED: commit the revocation, then poll the API every 5 ms (the first
# certificate, then on Fabric 9 more, each issued and seen VALID first).
revocation() { # id -> "commit_ms served_after_ms"
  local start committed seen
  start=$(date +%s%N)
  revoke "$1"
  committed=$(date +%s%N)
  while ! curl -fs "http://127.0.0.1:$VPORT/api/v1/certificates/$1" | grep -q '"verdict":"REVOKED"'; do
    sleep 0.005
    if [ $(( ($(date +%s%N) - committed) / 1000000 )) -gt 10000 ]; then echo "REVOKED not seen within 10 s" >&2; exit 1; fi
  done
  seen=$(date +%s%N)
  echo "$(( (committed - start) / 1000000 )) $(( (seen - committed) / 1000000 ))"
}
echo
read -r commit_ms served_ms < <(revocation "$id")
echo "revocation: CLI commit took $commit_ms ms; REVOKED served $served_ms ms after the commit returned"
if [ "$SOURCE" = fabric ]; then
  all=("$served_ms")
  for _ in $(seq 2 10); do
    next=$(issue)
    until curl -fs "http://127.0.0.1:$VPORT/api/v1/certificates/$next" | grep -q '"verdict":"VALID"'; do sleep 0.02; done
    read -r c s < <(revocation "$next")
    all+=("$s")
  done
  python3 - "${all[@]}" <<'PY'
import statistics, sys
v = sorted(int(x) for x in sys.argv[1:])
print(f"revocation on Fabric, commit returned → REVOKED served, {len(v)} runs: "
      f"median {statistics.median(v):.0f} ms, max {v[-1]} ms, all {v}")
PY
fi

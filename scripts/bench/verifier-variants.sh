#!/usr/bin/env bash
# Builds of the verifier side by side, each on a cache of its own, against nginx in the
# same runs: for choices that change what the cache stores (issue 76: the stored answers
# compressed or not), which a copy of one cache cannot compare. First each build makes its
# cache from nothing out of the same kept ledger (seconds until ready with every answer
# stored, CPU, bytes written, the cache's size); then, RUNS times, each build in turn is
# started afresh and asked for every certificate once in a random order (every ask a first
# ask: cold), and nginx, started afresh too, serves the same answers as files right after.
# Prints requests/s of the pass, the verifier's CPU per ask and the ratio to nginx's run.
#
# Usage: scripts/bench/verifier-variants.sh DIR WWW NAME=BINARY...
#   DIR: a ledger kept by `cargo bench --bench scale -- --keep DIR` (its data/ and ids.txt)
#   WWW: nginx's files of the JSON answers (api/ID.json), as verifier-scale.sh WWW=… writes
#   NAME=BINARY: a verifier build and the name it is printed under (e.g. lz4=/tmp/v1)
#   RUNS (default 3), BENCH_DIR (where the caches go; default the temp dir), REBUILD=0 to
#   keep caches an earlier run of the same names made there
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
# shellcheck source=scripts/bench/nginx.sh
. scripts/bench/nginx.sh
# shellcheck source=scripts/bench/process.sh
. scripts/bench/process.sh
DIR="$(cd "${1:?usage: $0 DIR WWW NAME=BINARY...}" && pwd)"
WWW="$(cd "${2:?usage: $0 DIR WWW NAME=BINARY...}" && pwd)"
shift 2
[ $# -ge 1 ] || { echo "usage: $0 DIR WWW NAME=BINARY..." >&2; exit 2; }
RUNS="${RUNS:-3}"
BASE="${BENCH_DIR:-${TMPDIR:-/tmp}}/nanotrace-verifier-variants"
mkdir -p "$BASE"
work=$(mktemp -d -p "$BASE" run.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
VPORT="${BENCH_VERIFIER_PORT:-18094}"
NPORT="${BENCH_NGINX_PORT:-18095}"
vp=
start() { # binary cache
  "$1" --source embedded --data-dir "$DIR/data" --cache-dir "$2" --listen "127.0.0.1:$VPORT" \
    --rate-per-sec 100000000 --rate-burst 100000000 --log warn >> "$work/verifier.log" 2>&1 &
  vp=$!
  pids+=("$vp")
  until curl -fs "http://127.0.0.1:$VPORT/readyz" >/dev/null 2>&1; do
    kill -0 "$vp" 2>/dev/null || { echo "[bench] $1 exited: $work/verifier.log" >&2; tail -5 "$work/verifier.log" >&2; exit 1; }
    sleep 0.2
  done
  wait_answers "$VPORT"
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

echo "Verifier builds on caches of their own vs nginx, $(wc -l < "$DIR/ids.txt") certificates, cold passes of the JSON route, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
if [ "${REBUILD:-1}" = 1 ]; then
  printf "%-10s %12s %14s %8s %11s %9s %9s\n" build ready_s certificates/s cpu_s written_MB cache_MB KiB/cert
  for variant in "$@"; do
    name=${variant%%=*} bin=${variant#*=}
    rm -rf "$BASE/cache-$name"
    t0=$(date +%s%N)
    start "$bin" "$BASE/cache-$name"
    t1=$(date +%s%N)
    cpu=$(cpu_ticks "$vp")
    written=$(written_bytes "$vp")
    stop "$vp"
    python3 - "$name" "$t0" "$t1" "$cpu" "$TICK_US" "$written" "$BASE/cache-$name" "$DIR/ids.txt" <<'PY'
import os, sys
name, t0, t1, cpu, tick_us, written, cache, ids = sys.argv[1:]
secs = (int(t1) - int(t0)) / 1e9
n = sum(1 for l in open(ids) if l.strip())
size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(cache) for f in fs)
print(f"{name:<10} {secs:12.1f} {n / secs:14.0f} {int(cpu) * int(tick_us) / 1e6:8.1f} {int(written) / 2**20:11.0f} {size / 2**20:9.0f} {size / n / 1024:9.2f}")
PY
  done
fi
shuf --random-source=<(yes) "$DIR/ids.txt" > "$work/ranked.txt"
asks=$(wc -l < "$work/ranked.txt")
pass() { # port prefix suffix
  ZIPF_IDS="$work/ranked.txt" ZIPF_PREFIX="$2" ZIPF_SUFFIX="$3" ZIPF_MODE=pass ZIPF_THREADS=2 \
    wrk -t2 -c64 -d60s -s scripts/bench/zipf.lua "http://127.0.0.1:$1" | awk '/^pass:/ {print $NF}' | tr -d '/s'
}
printf "%-4s %-10s %12s %11s %10s %8s\n" run build verifier_rps cpu_us/ask nginx_rps ratio
for run in $(seq 1 "$RUNS"); do
  for variant in "$@"; do
    name=${variant%%=*} bin=${variant#*=}
    start "$bin" "$BASE/cache-$name"
    c0=$(cpu_ticks "$vp")
    v=$(pass "$VPORT" /api/v1/certificates/ "")
    c1=$(cpu_ticks "$vp")
    stop "$vp"
    nginx_start "$work" "$NPORT" "$WWW"
    np=${pids[-1]}
    n=$(pass "$NPORT" /api/ .json)
    stop "$np"
    python3 -c "import sys; v, n, t, a = map(float, sys.argv[1:5]); print(f'{int(sys.argv[5]):<4} {sys.argv[6]:<10} {v:12.0f} {t / a:11.1f} {n:10.0f} {v / n:8.2f}')" \
      "$v" "$n" "$(((c1 - c0) * TICK_US))" "$asks" "$run" "$name"
  done
done

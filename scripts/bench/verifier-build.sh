#!/usr/bin/env bash
# The verifier's own cache build from nothing, as `nanotrace-verifier serve` makes it on a
# new machine: the follower applies every block of a kept ledger (`cargo bench --bench
# scale -- --sizes N --keep DIR`) into an empty cache, with the certificates' answers
# rendered and stored as it writes them (issue 76) and without (`--store-answers false`),
# the two taking turns. Prints, for each build: the seconds until ready (caught up), the
# certificates per second, the verifier's CPU, the bytes it wrote to disk (write
# amplification: written ÷ the cache's size), the cache's size per certificate, and the
# verifier's peak RSS (VmHWM: the most memory it held at once, building).
#
# Usage: scripts/bench/verifier-build.sh DIR [runs, default 2]
#        NO_BUILD=1: use the release binary already built; VERIFIER_BIN: the verifier to run
#        BENCH_DIR: where the caches are built (default the temp dir)
#        STORE=true or STORE=false: only that build, not both
#        KEEP=1: one build (STORE, default true) made in DIR/cache, which must not exist, and
#          kept there: the cache scripts/bench/verifier-scale.sh REUSE=DIR then serves (at
#          10^7 there is room for one copy only)
# The certificates counted are DIR/ids.txt's lines, or, for a ledger grown without them
# (`scale --keep DIR` without --commit-per-sec), those whose answers a build that stores
# them rendered ("-" until one has).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
# shellcheck source=scripts/bench/process.sh
. scripts/bench/process.sh
DIR="$(cd "${1:?usage: $0 DIR [runs]}" && pwd)"
RUNS="${2:-2}"
STORES="true false"
case "${STORE:-}" in
  "") ;;
  true | false) STORES=$STORE ;;
  *) echo "[bench] STORE must be true or false" >&2; exit 2 ;;
esac
KEEP="${KEEP:-0}"
if [ "$KEEP" = 1 ]; then
  RUNS=1 STORES="${STORE:-true}"
  [ -e "$DIR/cache" ] && { echo "[bench] KEEP=1: $DIR/cache exists (remove it to build it again)" >&2; exit 2; }
fi
[ -d "$DIR/data" ] || { echo "[bench] $DIR/data: no kept ledger (cargo bench --bench scale -- --keep DIR)" >&2; exit 2; }
if [ "${NO_BUILD:-0}" != 1 ]; then
  cargo build --quiet --locked --release -p nanotrace-verifier --bin nanotrace-verifier
fi
VERIFIER="${VERIFIER_BIN:-${CARGO_TARGET_DIR:-target}/release/nanotrace-verifier}"
PORT="${BENCH_VERIFIER_PORT:-18093}"
work=$(mktemp -d -p "${BENCH_DIR:-${TMPDIR:-/tmp}}" nanotrace-verifier-build.XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
listed=0
[ -f "$DIR/ids.txt" ] && listed=$(wc -l < "$DIR/ids.txt")
cache="$work/cache"
[ "$KEEP" = 1 ] && cache="$DIR/cache"
printf "%-14s %4s %9s %14s %9s %12s %10s %12s %12s\n" store_answers run ready_s certificates/s cpu_s written_MB cache_MB KiB/cert peak_RSS_MB
for run in $(seq 1 "$RUNS"); do
  # shellcheck disable=SC2086 # STORES is a list of words
  set -- $STORES
  [ $((run % 2)) = 0 ] && [ $# = 2 ] && set -- "$2" "$1"
  for store in "$@"; do
    [ "$KEEP" = 1 ] || rm -rf "$cache"
    t0=$(date +%s.%N)
    "$VERIFIER" --source embedded --data-dir "$DIR/data" --cache-dir "$cache" --listen "127.0.0.1:$PORT" \
      --store-answers "$store" --log warn > "$work/verifier.log" 2>&1 &
    pid=$!
    until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do
      kill -0 "$pid" 2>/dev/null || { cat "$work/verifier.log" >&2; exit 1; }
      sleep 0.2
    done
    t1=$(date +%s.%N)
    # The answers the background pass still renders (none, when the build stored them).
    wait_answers "$PORT"
    cpu=$(( $(cpu_ticks "$pid") * TICK_US / 1000 ))
    wrote=$(written_bytes "$pid")
    peak=$(awk '/^VmHWM/ {print $2 * 1024}' "/proc/$pid/status")
    if [ "$listed" = 0 ] && [ "$store" = true ]; then
      listed=$(curl -fs "http://127.0.0.1:$PORT/metrics" | awk '/cache_lookups\{what="answers_rendered"\}/ {print $2}')
    fi
    certificates=$listed
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
    size=$(du -sb --exclude=follower "$cache" | cut -f1)
    python3 - "$store" "$run" "$t0" "$t1" "${certificates:-0}" "$cpu" "$wrote" "$size" "$peak" <<'PY'
import sys
store, run, t0, t1, n, cpu_ms, wrote, size, peak = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:])
secs = t1 - t0
# Unknown (0) until a build that stores answers has counted them.
rate, per = (f"{n / secs:14,.0f}", f"{size / 1024 / n:12.2f}") if n else (f"{'-':>14}", f"{'-':>12}")
print(f"{store:<14} {run:>4} {secs:9.1f} {rate} {cpu_ms / 1000:9.1f} {wrote / 1e6:12,.0f} {size / 1e6:10,.0f} {per} {peak / 1e6:12,.0f}")
PY
  done
done

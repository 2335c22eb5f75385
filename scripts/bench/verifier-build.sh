#!/usr/bin/env bash
# The verifier's own cache build from nothing, as `nanotrace-verifier serve` makes it on a
# new machine: the follower applies every block of a kept ledger (`cargo bench --bench
# scale -- --sizes N --keep DIR`) into an empty cache, with the certificates' answers
# rendered and stored as it writes them (issue 76) and without (`--store-answers false`),
# the two taking turns. Prints, for each build: the seconds until ready (caught up), the
# certificates per second, the verifier's CPU, the bytes it wrote to disk (write
# amplification: written ÷ the cache's size), and the cache's size per certificate.
#
# Usage: scripts/bench/verifier-build.sh DIR [runs, default 2]
#        NO_BUILD=1: use the release binary already built; VERIFIER_BIN: the verifier to run
#        BENCH_DIR: where the caches are built (default the temp dir)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
# shellcheck source=scripts/bench/process.sh
. scripts/bench/process.sh
DIR="$(cd "${1:?usage: $0 DIR [runs]}" && pwd)"
RUNS="${2:-2}"
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
certificates=$(wc -l < "$DIR/ids.txt" 2>/dev/null || echo 0)
printf "%-14s %4s %9s %14s %9s %12s %10s %12s\n" store_answers run ready_s certificates/s cpu_s written_MB cache_MB KiB/cert
for run in $(seq 1 "$RUNS"); do
  for store in true false; do
    [ $((run % 2)) = 0 ] && store=$([ "$store" = true ] && echo false || echo true)
    rm -rf "$work/cache"
    t0=$(date +%s.%N)
    "$VERIFIER" --source embedded --data-dir "$DIR/data" --cache-dir "$work/cache" --listen "127.0.0.1:$PORT" \
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
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
    size=$(du -sb --exclude=follower "$work/cache" | cut -f1)
    python3 - "$store" "$run" "$t0" "$t1" "$certificates" "$cpu" "$wrote" "$size" <<'PY'
import sys
store, run, t0, t1, n, cpu_ms, wrote, size = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:])
secs = t1 - t0
print(f"{store:<14} {run:>4} {secs:9.1f} {n / secs:14,.0f} {cpu_ms / 1000:9.1f} {wrote / 1e6:12,.0f} {size / 1e6:10,.0f} {size / 1024 / max(n, 1):12.2f}")
PY
  done
done

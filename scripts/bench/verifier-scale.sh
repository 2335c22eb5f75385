#!/usr/bin/env bash
# The verifier at scale, side by side with nginx in one run: an embedded ledger of SIZE
# certificates in every state (the `scale` benchmark grows it through the contract and
# builds the verifier's cache from it), the verifier on it, nginx (tuned for static files,
# scripts/bench/nginx.sh) serving the very same API answers as files, and lookups spread
# over all the IDs with wrk — a Zipf distribution (s = 1) over the IDs in a random order
# plus 5 % IDs that exist nowhere — first on the still ledger, then while it commits
# COMMITS_PER_SEC certificates a second (default 100). Prints requests/s, p50 and p99, and
# the verifier's RSS before and after each phase.
#
# Usage: scripts/bench/verifier-scale.sh SIZE [seconds per run, default 20] [connections, default 64]
#        NO_BUILD=1: use the release binaries already built; VERIFIER_BIN: the verifier to run
#        BENCH_DIR: where the ledger, the cache and nginx's files go (default the temp dir)
#        REUSE=DIR: a ledger and cache an earlier `scale --keep DIR` grew, instead of growing
#          one (SIZE is then only a label); the live phase commits to it
#        WWW=DIR: nginx's files kept there between runs (only the missing ones are written;
#          at 10^6 writing them all takes minutes)
#        BEFORE_BIN: another build of the verifier (e.g. the commit before a change), run on a
#          copy of the same cache and measured in the same phases (before_rps, p99)
#        VERIFIER_ARGS: more flags for the verifier measured (not BEFORE_BIN's), e.g.
#          "--answer-cache-mb 6144"; BEFORE_BIN may then be the same binary with its defaults
#        BEFORE_ARGS: the same for BEFORE_BIN
#        LIVE_AFTER_BLOCKS=N: measure the live phase once the verifier has followed N blocks
#          of the commits (default 0: at the first), as a verifier that has followed a
#          committing ledger for a while
#        WARM_ALL=1: before measuring, ask each verifier for every ID once (as nginx's files
#          are all written and read into the page cache first): the steady state of a
#          verifier that has served for a while, rather than its first minute
#        NO_NGINX=1: the verifier's figures alone, no files and no nginx (at 10^7 the files
#          would not fit on the disk; the issue asks for the verifier's curve alone there)
#        ZIPF_UNKNOWN, ZIPF_S: the share of IDs that exist nowhere (default 0.05; 1: a flood
#          of unknown IDs) and the Zipf exponent (default 1), as scripts/bench/zipf.lua reads them
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
# shellcheck source=scripts/bench/nginx.sh
. scripts/bench/nginx.sh
SIZE="${1:?usage: $0 SIZE [seconds] [connections]}"
DURATION="${2:-20}"
CONNS="${3:-64}"
RATE="${COMMITS_PER_SEC:-100}"
VPORT="${BENCH_VERIFIER_PORT:-18090}"
NPORT="${BENCH_NGINX_PORT:-18091}"
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "[bench] $tool is needed (apt-get install $tool)" >&2; exit 2; }
done

if [ "${NO_BUILD:-0}" != 1 ]; then
  cargo build --quiet --locked --release -p nanotrace-verifier --bin nanotrace-verifier
  cargo bench --quiet --locked -p nanotrace-bench --bench scale --no-run
fi
T="${CARGO_TARGET_DIR:-target}/release"
VERIFIER="${VERIFIER_BIN:-$T/nanotrace-verifier}"
[ -x "$VERIFIER" ] || { echo "[bench] no $VERIFIER: build it first" >&2; exit 1; }

work=$(mktemp -d -p "${BENCH_DIR:-${TMPDIR:-/tmp}}" nanotrace-verifier-scale.XXXXXX)
pids=()
ledger="$work/ledger"
cleanup() {
  [ -d "$ledger" ] && touch "$ledger/stop"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# 1. The ledger and the verifier's cache, grown by the contract (or kept from before); the
#    benchmark then waits for `go` to commit RATE certificates a second until `stop`.
if [ -n "${REUSE:-}" ]; then
  ledger=$(cd "$REUSE" && pwd)
  echo "[bench] reusing the ledger in $ledger"
  # The signals of the run before, which would read as this run's.
  rm -f "$ledger/ready" "$ledger/go" "$ledger/stop"
  grow=(--reuse "$ledger")
else
  ledger="$work/ledger"
  echo "[bench] growing the ledger to $SIZE certificates (cargo bench --bench scale)"
  grow=(--sizes "$SIZE" --keep "$ledger")
fi
cargo bench --quiet --locked -p nanotrace-bench --bench scale -- \
  "${grow[@]}" --commit-per-sec "$RATE" > "$work/scale.log" 2>&1 &
grower=$!
pids+=("$grower")
until [ -e "$ledger/ready" ]; do
  kill -0 "$grower" 2>/dev/null || { cat "$work/scale.log" >&2; echo "[bench] the scale benchmark stopped" >&2; exit 1; }
  sleep 1
done
cat "$work/scale.log"

# 2. The verifier on that ledger and cache (and the one before a change on a copy of it).
BPORT="${BENCH_BEFORE_PORT:-18092}"
[ -n "${BEFORE_BIN:-}" ] && cp -a "$ledger/cache" "$work/cache-before"
start_verifier() { # binary cache port [more flags]
  "$1" --source embedded --data-dir "$ledger/data" --cache-dir "$2" \
    --listen "127.0.0.1:$3" --rate-per-sec 100000000 --rate-burst 100000000 --log warn "${@:4}" &
  pids+=("$!")
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$3/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fs "http://127.0.0.1:$3/readyz" >/dev/null
}
# shellcheck disable=SC2086 # VERIFIER_ARGS is a list of flags
start_verifier "$VERIFIER" "$ledger/cache" "$VPORT" ${VERIFIER_ARGS:-}
verifier=${pids[-1]}
before_pid=
if [ -n "${BEFORE_BIN:-}" ]; then
  # shellcheck disable=SC2086 # BEFORE_ARGS is a list of flags
  start_verifier "$BEFORE_BIN" "$work/cache-before" "$BPORT" ${BEFORE_ARGS:-}
  before_pid=${pids[-1]}
fi
rss() { awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/${1:-$verifier}/status"; }

# 3. The same answers as files for nginx: every ID's JSON answer, as the verifier gives it.
NGINX=1
[ "${NO_NGINX:-0}" = 1 ] && NGINX=0
www="${WWW:-$work/www}"
if [ "$NGINX" = 1 ]; then
mkdir -p "$www/api"
python3 - "$VPORT" "$ledger/ids.txt" "$www/api" <<'PY'
import http.client, os, sys, threading
port, ids_file, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ids = [l.strip() for l in open(ids_file) if l.strip()]
have = set(os.listdir(out))
missing = [i for i in ids if f"{i}.json" not in have]
def fetch(part):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for i in part:
        c.request("GET", f"/api/v1/certificates/{i}")
        r = c.getresponse()
        body = r.read()
        if r.status not in (200,):
            raise SystemExit(f"{i}: HTTP {r.status}")
        with open(os.path.join(out, f"{i}.json"), "wb") as f:
            f.write(body)
threads = [threading.Thread(target=fetch, args=(missing[k::4],)) for k in range(4)]
for t in threads: t.start()
for t in threads: t.join()
n = len(os.listdir(out))
if n < len(ids):
    raise SystemExit(f"{n} files for {len(ids)} IDs")
print(f"[bench] {len(missing)} answers written for nginx, {n} in all")
PY
nginx_start "$work" "$NPORT" "$www"
first=$(head -1 "$ledger/ids.txt")
cmp -s <(curl -fs "http://127.0.0.1:$NPORT/api/$first.json") "$www/api/$first.json" \
  || { echo "[bench] nginx does not serve the files" >&2; exit 1; }
fi

# The IDs in a random order (the same each run): the Zipf ranks.
shuf --random-source=<(yes) "$ledger/ids.txt" > "$work/ranked.txt"

# wrk with the Zipf script: "rps p50_ms p99_ms non2xx" (404s for the unknown IDs are expected).
run() { # prefix suffix port
  local out
  out=$(ZIPF_IDS="$work/ranked.txt" ZIPF_PREFIX="$1" ZIPF_SUFFIX="$2" \
    wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s scripts/bench/zipf.lua "http://127.0.0.1:$3")
  local ms='{v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}'
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1=="50%" '"$ms") $(echo "$out" | awk '$1=="99%" '"$ms") $(echo "$out" | awk '/Non-2xx/ {print $NF}')"
}

echo
echo "Verifier vs nginx at $SIZE certificates, Zipf (s = ${ZIPF_S:-1}) over all IDs + a share ${ZIPF_UNKNOWN:-0.05} of unknown IDs, $(nproc) cores, wrk -t2 -c$CONNS, ${DURATION}s per run, $(date -u +%Y-%m-%dT%H:%MZ)"
[ -n "${BEFORE_BIN:-}" ] && echo "before: $BEFORE_BIN (before_rps, p99_ms, RSS; ratio is the verifier's to nginx)"
printf "%-26s %10s %8s %8s %10s %8s %8s %7s %14s" phase verifier_rps p50_ms p99_ms nginx_rps p50_ms p99_ms ratio verifier_RSS_MB
[ -n "${BEFORE_BIN:-}" ] && printf " %10s %8s %14s" before_rps p99_ms before_RSS_MB
echo
phase() { # label
  local before vr vp50 vp99 nr np50 np99 ratio br bp99 bbefore
  before=$(rss)
  read -r vr vp50 vp99 _ < <(run /api/v1/certificates/ "" "$VPORT")
  nr=- np50=- np99=- ratio=-
  if [ "$NGINX" = 1 ]; then
    read -r nr np50 np99 _ < <(run /api/ .json "$NPORT")
    ratio=$(python3 -c "print(f'{$vr/$nr:.2f}')")
  fi
  printf "%-26s %10s %8s %8s %10s %8s %8s %7s %14s" "$1" "$vr" "$vp50" "$vp99" "$nr" "$np50" "$np99" "$ratio" "$before→$(rss)"
  if [ -n "$before_pid" ]; then
    bbefore=$(rss "$before_pid")
    read -r br _ bp99 _ < <(run /api/v1/certificates/ "" "$BPORT")
    printf " %10s %8s %14s" "$br" "$bp99" "$bbefore→$(rss "$before_pid")"
  fi
  echo
}
# The files written to disk and read once, and every server asked once the same way before
# anything is measured: nginx from the page cache, the verifier from what it keeps.
sync
[ "$NGINX" = 1 ] && find "$www/api" -type f -exec cat {} + > /dev/null
if [ "${WARM_ALL:-0}" = 1 ]; then
  for port in "$VPORT" ${before_pid:+"$BPORT"}; do
    python3 - "$port" "$ledger/ids.txt" <<'PY'
import http.client, sys, threading, time
port, ids = int(sys.argv[1]), [l.strip() for l in open(sys.argv[2]) if l.strip()]
failed = []
def ask(part):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for i in part:
        c.request("GET", f"/api/v1/certificates/{i}")
        r = c.getresponse()
        r.read()
        if r.status != 200:
            failed.append(f"{i}: HTTP {r.status}")
            return
t = time.monotonic()
threads = [threading.Thread(target=ask, args=(ids[k::4],)) for k in range(4)]
for th in threads: th.start()
for th in threads: th.join()
if failed:
    raise SystemExit(f"[bench] warming port {port}: {failed[0]}")
print(f"[bench] port {port}: every one of {len(ids)} IDs asked once in {time.monotonic() - t:.0f} s")
PY
  done
fi
for port in "$VPORT" ${before_pid:+"$BPORT"}; do run /api/v1/certificates/ "" "$port" > /dev/null; done
[ "$NGINX" = 1 ] && run /api/ .json "$NPORT" > /dev/null
phase "still ledger"
touch "$ledger/go"
# The first commit lands before the live phase is measured.
height() { curl -fs "http://127.0.0.1:$VPORT/readyz" >/dev/null && curl -fs "http://127.0.0.1:$VPORT/metrics" | awk '/^nanotrace_verifier_cache_checkpoint_block / {print $2}'; }
start_block=$(height)
for _ in $(seq 1 100); do [ "$(height)" != "$start_block" ] && break; sleep 0.1; done
if [ "${LIVE_AFTER_BLOCKS:-0}" -gt 0 ]; then
  until h=$(height || true) && [ "${h:-0}" -ge $((start_block + LIVE_AFTER_BLOCKS)) ]; do
    kill -0 "$grower" 2>/dev/null || { tail "$work/scale.log" >&2; echo "[bench] the commits stopped" >&2; exit 1; }
    sleep 1
  done
  echo "[bench] the verifier followed $LIVE_AFTER_BLOCKS blocks of commits before the live phase"
fi
phase "$RATE commits/s"
touch "$ledger/stop"
wait "$grower" 2>/dev/null || true
tail -3 "$work/scale.log"
echo "verifier's checkpoint went from block $start_block to $(height) during the live phase"
curl -fs "http://127.0.0.1:$VPORT/metrics" | grep -E '^nanotrace_verifier_(answers_kept|answered_freshened)' || true

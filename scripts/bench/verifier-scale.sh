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
cleanup() {
  [ -d "$work/ledger" ] && touch "$work/ledger/stop"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# 1. The ledger and the verifier's cache, grown by the contract; the benchmark then waits
#    for `go` to commit RATE certificates a second until `stop`.
echo "[bench] growing the ledger to $SIZE certificates (cargo bench --bench scale)"
cargo bench --quiet --locked -p nanotrace-bench --bench scale -- \
  --sizes "$SIZE" --keep "$work/ledger" --commit-per-sec "$RATE" > "$work/scale.log" 2>&1 &
grower=$!
pids+=("$grower")
until [ -e "$work/ledger/ready" ]; do
  kill -0 "$grower" 2>/dev/null || { cat "$work/scale.log" >&2; echo "[bench] the scale benchmark stopped" >&2; exit 1; }
  sleep 1
done
cat "$work/scale.log"

# 2. The verifier on that ledger and cache.
"$VERIFIER" --source embedded --data-dir "$work/ledger/data" --cache-dir "$work/ledger/cache" \
  --listen "127.0.0.1:$VPORT" --rate-per-sec 100000000 --rate-burst 100000000 --log warn &
verifier=$!
pids+=("$verifier")
for _ in $(seq 1 600); do
  curl -fs "http://127.0.0.1:$VPORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$VPORT/readyz" >/dev/null
rss() { awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$verifier/status"; }

# 3. The same answers as files for nginx: every ID's JSON answer, as the verifier gives it.
mkdir -p "$work/www/api"
python3 - "$VPORT" "$work/ledger/ids.txt" "$work/www/api" <<'PY'
import http.client, os, sys, threading
port, ids_file, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ids = [l.strip() for l in open(ids_file) if l.strip()]
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
threads = [threading.Thread(target=fetch, args=(ids[k::4],)) for k in range(4)]
for t in threads: t.start()
for t in threads: t.join()
n = len(os.listdir(out))
if n != len(ids):
    raise SystemExit(f"{n} files for {len(ids)} IDs")
print(f"[bench] {n} answers written for nginx")
PY
nginx_start "$work" "$NPORT" "$work/www"
first=$(head -1 "$work/ledger/ids.txt")
cmp -s <(curl -fs "http://127.0.0.1:$NPORT/api/$first.json") "$work/www/api/$first.json" \
  || { echo "[bench] nginx does not serve the files" >&2; exit 1; }

# The IDs in a random order (the same each run): the Zipf ranks.
shuf --random-source=<(yes) "$work/ledger/ids.txt" > "$work/ranked.txt"

# wrk with the Zipf script: "rps p50_ms p99_ms non2xx" (404s for the unknown IDs are expected).
run() { # prefix suffix port
  local out
  out=$(ZIPF_IDS="$work/ranked.txt" ZIPF_PREFIX="$1" ZIPF_SUFFIX="$2" \
    wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s scripts/bench/zipf.lua "http://127.0.0.1:$3")
  local ms='{v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}'
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1=="50%" '"$ms") $(echo "$out" | awk '$1=="99%" '"$ms") $(echo "$out" | awk '/Non-2xx/ {print $NF}')"
}

echo
echo "Verifier vs nginx at $SIZE certificates, Zipf (s = 1) over all IDs + 5 % unknown, $(nproc) cores, wrk -t2 -c$CONNS, ${DURATION}s per run, $(date -u +%Y-%m-%dT%H:%MZ)"
printf "%-26s %10s %8s %8s %10s %8s %8s %7s %14s\n" phase verifier_rps p50_ms p99_ms nginx_rps p50_ms p99_ms ratio verifier_RSS_MB
phase() { # label
  local before vr vp50 vp99 nr np50 np99 ratio
  before=$(rss)
  read -r vr vp50 vp99 _ < <(run /api/v1/certificates/ "" "$VPORT")
  read -r nr np50 np99 _ < <(run /api/ .json "$NPORT")
  ratio=$(python3 -c "print(f'{$vr/$nr:.2f}')")
  printf "%-26s %10s %8s %8s %10s %8s %8s %7s %14s\n" "$1" "$vr" "$vp50" "$vp99" "$nr" "$np50" "$np99" "$ratio" "$before→$(rss)"
}
phase "still ledger"
touch "$work/ledger/go"
# The first commit lands before the live phase is measured.
height() { curl -fs "http://127.0.0.1:$VPORT/readyz" >/dev/null && curl -fs "http://127.0.0.1:$VPORT/metrics" | awk '/^nanotrace_verifier_cache_checkpoint_block / {print $2}'; }
start_block=$(height)
for _ in $(seq 1 100); do [ "$(height)" != "$start_block" ] && break; sleep 0.1; done
phase "$RATE commits/s"
touch "$work/ledger/stop"
wait "$grower" 2>/dev/null || true
tail -1 "$work/scale.log"
echo "verifier's checkpoint went from block $start_block to $(height) during the live phase"

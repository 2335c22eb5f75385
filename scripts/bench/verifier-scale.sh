#!/usr/bin/env bash
# The verifier at scale, side by side with nginx in one run: an embedded ledger of SIZE
# certificates in every state, as users make them (the `scale` benchmark grows it through
# the contract, every approval carrying its credential, and builds the verifier's cache
# from it), the verifier on it, nginx (tuned for static files, scripts/bench/nginx.sh)
# serving the very same answers as files, and lookups spread over all the IDs with wrk:
# first on the still ledger, then while it commits COMMITS_PER_SEC certificates a second
# (default 100) and changes the most-asked ones (each second one suspended, one revoked,
# one renewed; what the verifier then answers on each is checked at the end). Prints
# requests/s, p50 and p99, the verifier's CPU per request (user + system, µs: what a
# request costs it, whatever wrk's share of the cores) and its RSS before and after each run.
#
# Cold by default (issue 76): before every run both servers are started afresh and nothing
# is asked before measuring — the verifier keeps no answer from an earlier run, nginx no
# open file; both find their files in the OS's page cache, as the files were written (or
# read) just before. Each phase is measured RUNS times, the servers taking turns to go
# first.
#
# Usage: scripts/bench/verifier-scale.sh SIZE [seconds per run, default 20] [connections, default 64]
#        ROUTE=api (default): the JSON answer, GET /api/v1/certificates/ID (nginx: ID.json);
#          ROUTE=page: the page, GET /c/ID (nginx: ID.html, the English page as served)
#        DIST=zipf (default): Zipf (s = ZIPF_S, default 1) over the IDs in a random order, plus
#          a share ZIPF_UNKNOWN (default 0.05) of IDs that exist nowhere; DIST=uniform: every
#          ID as likely (plus the unknown share); DIST=pass: every ID asked once, in a random
#          order, so that every ask is a first ask (a run ends when the pass does)
#        RUNS: runs per phase (default 2), alternating which server goes first
#        WARM_ALL=1: before each run, ask each verifier for every ID once on the route
#          measured (and read nginx's files): the steady state of a verifier that has
#          served every certificate already, rather than its first minute
#        NO_BUILD=1: use the release binaries already built; VERIFIER_BIN: the verifier to run;
#          SCALE_BIN: the `scale` benchmark's executable to run (else `cargo bench` runs it)
#        BENCH_DIR: where the ledger, the cache and nginx's files go (default the temp dir)
#        REUSE=DIR: a ledger and cache an earlier `scale --keep DIR` grew, instead of growing
#          one (SIZE is then only a label); the live phase commits to it
#        WWW=DIR: nginx's files kept there between runs (only the missing ones are written;
#          at 10^6 writing them all takes minutes)
#        BEFORE_BIN: another build of the verifier (e.g. the commit before a change), run on a
#          copy of the same cache and measured in the same runs (before_rps, p99)
#        VERIFIER_ARGS: more flags for the verifier measured (not BEFORE_BIN's), e.g.
#          "--answer-cache-mb 6144"; BEFORE_BIN may then be the same binary with its defaults
#        BEFORE_ARGS: the same for BEFORE_BIN
#        LIVE_AFTER_BLOCKS=N: measure the live phase once the verifier has followed N blocks
#          of the commits (default 0: at the first)
#        NO_NGINX=1: the verifier's figures alone, no files and no nginx (at 10^7 the files
#          would not fit on the disk)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
# shellcheck source=scripts/bench/nginx.sh
. scripts/bench/nginx.sh
# shellcheck source=scripts/bench/process.sh
. scripts/bench/process.sh
SIZE="${1:?usage: $0 SIZE [seconds] [connections]}"
DURATION="${2:-20}"
CONNS="${3:-64}"
RATE="${COMMITS_PER_SEC:-100}"
ROUTE="${ROUTE:-api}"
DIST="${DIST:-zipf}"
RUNS="${RUNS:-2}"
case "$ROUTE" in
  api) VPATH=/api/v1/certificates/ NPATH=/api/ NSUFFIX=.json ;;
  page) VPATH=/c/ NPATH=/c/ NSUFFIX=.html ;;
  *) echo "[bench] ROUTE must be api or page" >&2; exit 2 ;;
esac
case "$DIST" in zipf | uniform | pass) ;; *) echo "[bench] DIST must be zipf, uniform or pass" >&2; exit 2 ;; esac
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
if [ -n "${SCALE_BIN:-}" ]; then
  (cd bench/load && exec "$SCALE_BIN" --bench "${grow[@]}" --commit-per-sec "$RATE") > "$work/scale.log" 2>&1 &
else
  cargo bench --quiet --locked -p nanotrace-bench --bench scale -- \
    "${grow[@]}" --commit-per-sec "$RATE" > "$work/scale.log" 2>&1 &
fi
grower=$!
pids+=("$grower")
until [ -e "$ledger/ready" ]; do
  kill -0 "$grower" 2>/dev/null || { cat "$work/scale.log" >&2; echo "[bench] the scale benchmark stopped" >&2; exit 1; }
  sleep 1
done
cat "$work/scale.log"

# 2. The servers. Started afresh before every run (stop_servers, start_servers): the
#    verifier on the ledger and its cache (and the one before a change on a copy of it),
#    nginx on the files.
BPORT="${BENCH_BEFORE_PORT:-18092}"
[ -n "${BEFORE_BIN:-}" ] && cp -a "$ledger/cache" "$work/cache-before"
start_verifier() { # binary cache port [more flags]
  "$1" --source embedded --data-dir "$ledger/data" --cache-dir "$2" \
    --listen "127.0.0.1:$3" --rate-per-sec 100000000 --rate-burst 100000000 --log warn "${@:4}" >> "$work/verifier.log" &
  pids+=("$!")
  # Ready once its index of the stored answers is read back (seconds at 10^7).
  for _ in $(seq 1 6000); do
    curl -fs "http://127.0.0.1:$3/readyz" >/dev/null 2>&1 && break
    kill -0 "${pids[-1]}" 2>/dev/null || { tail -5 "$work/verifier.log" >&2; return 1; }
    sleep 0.1
  done
  curl -fs "http://127.0.0.1:$3/readyz" >/dev/null
  wait_answers "$3"
}
# A verifier that stores its certificates' answers (issue 76) renders the ones its cache
# lacks in the background (a cache `scale` built has none, nor one a new build opens):
# measured once there are none left (wait_answers, scripts/bench/process.sh).
NGINX=1
[ "${NO_NGINX:-0}" = 1 ] && NGINX=0
www="${WWW:-$work/www}"
verifier= before_pid= nginx_pid=
start_servers() {
  # shellcheck disable=SC2086 # VERIFIER_ARGS is a list of flags
  start_verifier "$VERIFIER" "$ledger/cache" "$VPORT" ${VERIFIER_ARGS:-}
  verifier=${pids[-1]}
  if [ -n "${BEFORE_BIN:-}" ]; then
    # shellcheck disable=SC2086 # BEFORE_ARGS is a list of flags
    start_verifier "$BEFORE_BIN" "$work/cache-before" "$BPORT" ${BEFORE_ARGS:-}
    before_pid=${pids[-1]}
  fi
  if [ "$NGINX" = 1 ] && [ -d "$www${NPATH%/}" ]; then
    nginx_start "$work" "$NPORT" "$www"
    nginx_pid=${pids[-1]}
  fi
}
stop_servers() {
  for p in $verifier $before_pid $nginx_pid; do kill "$p" 2>/dev/null || true; done
  for p in $verifier $before_pid $nginx_pid; do wait "$p" 2>/dev/null || true; done
  verifier= before_pid= nginx_pid=
}
rss() { awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/${1:-$verifier}/status"; }
start_servers

# 3. The same answers as files for nginx: every ID's answer on the route measured (the
#    JSON, or the English page), as the verifier gives it. (Asking the verifier warms it:
#    the servers start afresh after.)
if [ "$NGINX" = 1 ]; then
mkdir -p "$www${NPATH%/}"
python3 - "$VPORT" "$ledger/ids.txt" "$www" "$VPATH" "$NPATH" "$NSUFFIX" <<'PY'
import http.client, os, sys, threading
port, ids_file, www = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ids = [l.strip() for l in open(ids_file) if l.strip()]
for route, folder, suffix in ((sys.argv[4], sys.argv[5].strip("/"), sys.argv[6]),):
    out = os.path.join(www, folder)
    have = set(os.listdir(out))
    missing = [i for i in ids if f"{i}{suffix}" not in have]
    def fetch(part):
        c = http.client.HTTPConnection("127.0.0.1", port)
        for i in part:
            c.request("GET", f"{route}{i}")
            r = c.getresponse()
            body = r.read()
            if r.status not in (200,):
                raise SystemExit(f"{route}{i}: HTTP {r.status}")
            with open(os.path.join(out, f"{i}{suffix}"), "wb") as f:
                f.write(body)
    threads = [threading.Thread(target=fetch, args=(missing[k::4],)) for k in range(4)]
    for t in threads: t.start()
    for t in threads: t.join()
    n = len(os.listdir(out))
    if n < len(ids):
        raise SystemExit(f"{n} files in {out} for {len(ids)} IDs")
    print(f"[bench] {len(missing)} {folder} answers written for nginx, {n} in all")
PY
fi

# The IDs in a random order (the same each run): the Zipf ranks, the order of a pass. The
# most-asked thousand are the ones the live phase changes.
shuf --random-source=<(yes) "$ledger/ids.txt" > "$work/ranked.txt"
head -1000 "$work/ranked.txt" > "$ledger/touch.txt"

# wrk with the Zipf script: "rps p50_ms p99_ms non2xx" (404s for the unknown IDs are expected).
run() { # prefix suffix port
  local out
  out=$(ZIPF_IDS="$work/ranked.txt" ZIPF_PREFIX="$1" ZIPF_SUFFIX="$2" ZIPF_MODE="$DIST" ZIPF_THREADS=2 \
    wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s scripts/bench/zipf.lua "http://127.0.0.1:$3")
  local ms='{v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}'
  # A pass's own figure (see zipf.lua), not wrk's over the whole duration.
  local rps
  rps=$(echo "$out" | awk '/^pass:/ {print $NF; found=1} END {if (!found) exit 1}' | tr -d '/s') \
    || rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  echo "$rps $(echo "$out" | awk '$1=="50%" '"$ms") $(echo "$out" | awk '$1=="99%" '"$ms") $(echo "$out" | awk '/requests in/ {print $1}')"
}
# Every ID asked once on the route measured (WARM_ALL=1).
warm() { # port
  python3 - "$1" "$ledger/ids.txt" "$VPATH" <<'PY'
import http.client, sys, threading, time
port, ids, route = int(sys.argv[1]), [l.strip() for l in open(sys.argv[2]) if l.strip()], sys.argv[3]
failed = []
def ask(part):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for i in part:
        c.request("GET", f"{route}{i}")
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
print(f"[bench] port {port}: every one of {len(ids)} IDs asked once in {time.monotonic() - t:.0f} s", file=sys.stderr)
PY
}

STATE=cold
[ "${WARM_ALL:-0}" = 1 ] && STATE=warm
echo
echo "Verifier vs nginx at $SIZE certificates, $STATE, $ROUTE, $DIST$([ "$DIST" != pass ] && echo " (unknown share ${ZIPF_UNKNOWN:-0.05}$([ "$DIST" = zipf ] && echo ", s = ${ZIPF_S:-1}"))"), $(nproc) cores, wrk -t2 -c$CONNS, ${DURATION}s per run, $RUNS runs per phase, $(date -u +%Y-%m-%dT%H:%MZ)"
[ -n "${BEFORE_BIN:-}" ] && echo "before: $BEFORE_BIN (before_rps, p99_ms, RSS; ratio is the verifier's to nginx)"
printf "%-18s %-8s %10s %8s %8s %8s %10s %8s %8s %7s %14s" phase first verifier_rps p50_ms p99_ms cpu_us nginx_rps p50_ms p99_ms ratio verifier_RSS_MB
[ -n "${BEFORE_BIN:-}" ] && printf " %10s %8s %14s" before_rps p99_ms before_RSS_MB
echo
# One phase: RUNS runs, each on servers started afresh, the servers taking turns first.
phase() { # label
  local r before vr vp50 vp99 vn vcpu t0 nr np50 np99 ratio br bp99 bbefore first
  for r in $(seq 1 "$RUNS"); do
    stop_servers
    start_servers
    if [ "$STATE" = warm ]; then
      for port in "$VPORT" ${before_pid:+"$BPORT"}; do warm "$port"; done
      [ "$NGINX" = 1 ] && find "$www${NPATH%/}" -type f -exec cat {} + > /dev/null
    fi
    nr=- np50=- np99=- ratio=- first=verifier
    if [ "$NGINX" = 1 ] && [ $((r % 2)) = 0 ]; then
      first=nginx
      read -r nr np50 np99 _ < <(run "$NPATH" "$NSUFFIX" "$NPORT")
    fi
    before=$(rss)
    t0=$(cpu_ticks "$verifier")
    read -r vr vp50 vp99 vn < <(run "$VPATH" "" "$VPORT")
    vcpu=$(( ($(cpu_ticks "$verifier") - t0) * TICK_US / (vn > 0 ? vn : 1) ))
    if [ "$NGINX" = 1 ] && [ "$first" = verifier ]; then
      read -r nr np50 np99 _ < <(run "$NPATH" "$NSUFFIX" "$NPORT")
    fi
    [ "$NGINX" = 1 ] && ratio=$(python3 -c "print(f'{$vr/$nr:.2f}')")
    printf "%-18s %-8s %10s %8s %8s %8s %10s %8s %8s %7s %14s" "$1" "$first" "$vr" "$vp50" "$vp99" "$vcpu" "$nr" "$np50" "$np99" "$ratio" "$before→$(rss)"
    if [ -n "$before_pid" ]; then
      bbefore=$(rss "$before_pid")
      read -r br _ bp99 _ < <(run "$VPATH" "" "$BPORT")
      printf " %10s %8s %14s" "$br" "$bp99" "$bbefore→$(rss "$before_pid")"
    fi
    echo
  done
}
sync
[ "$NGINX" = 1 ] && find "$www${NPATH%/}" -type f -exec cat {} + > /dev/null
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

# What the verifier answers on the certificates changed while they were looked up: the
# verdict each change gave, on the JSON route and on the page (within 30 s: the verifier
# follows the last commits first).
python3 - "$VPORT" "$ledger/changed.txt" <<'PY'
import http.client, json, sys, time
port, changed = int(sys.argv[1]), [l.split() for l in open(sys.argv[2]) if l.strip()]
def answers(i):
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("GET", f"/api/v1/certificates/{i}")
    verdict = json.loads(c.getresponse().read()).get("verdict")
    c.request("GET", f"/c/{i}")
    return verdict, c.getresponse().read().decode()
wrong = []
for i, expected in changed:
    deadline = time.monotonic() + 30
    while True:
        verdict, page = answers(i)
        if verdict == expected and expected in page:
            break
        if time.monotonic() > deadline:
            wrong.append(f"{i}: {verdict} (page {'says' if expected in page else 'does not say'} {expected}), not {expected}")
            break
        time.sleep(0.2)
if not changed:
    raise SystemExit("[bench] no looked-up certificate was changed during the live phase")
if wrong:
    raise SystemExit("[bench] the verifier's answers on changed certificates are wrong:\n  " + "\n  ".join(wrong))
kinds = {}
for _, v in changed: kinds[v] = kinds.get(v, 0) + 1
print(f"[bench] {len(changed)} most-asked certificates changed during the live phase ({', '.join(f'{n} {v}' for v, n in sorted(kinds.items()))}): the verifier answers each as changed, JSON and page")
PY

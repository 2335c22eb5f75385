#!/usr/bin/env bash
# The verifier under load (issue 15): the release verifier following an embedded ledger
# with KNOWN issued certificates (a few revoked), driven by wrk (-t2) for SECONDS at
# CONNS connections with a mix of requests:
#   40 % GET /api/v1/certificates/{known}   → 200
#   20 % GET /c/{known}                     → 200
#   25 % GET /api/v1/certificates/{unknown} → 404 UNKNOWN   (UNKNOWN distinct IDs, default 100,000:
#   10 % GET /c/{unknown}                   → 404 UNKNOWN    more than the negative cache holds)
#    5 % GET / and GET /api/v1/issuers      → 200
# Prints the verifier's RSS before, every 5 s during and after the run; wrk's p50/p90/p99
# and socket errors; the status counts the Lua script saw and the verifier's own
# /metrics (requests by route and status, verdicts, connections, negative cache).
#
# Phase 1 runs with the per-IP rate limit raised out of the way (wrk is one client IP):
# every answer must be 200 or, for the unknown IDs, 404 with the verdict UNKNOWN, and
# there must be no socket error. Phase 2 (RATE_SECONDS, default 10; 0 skips it) runs the
# same mix at the default limit (--rate-per-sec 50 --rate-burst 100): the only other
# answer allowed is 429, and at most burst + rate × seconds requests may pass.
# wrk's "Non-2xx or 3xx responses" counts the 404s (and 429s) — expected answers here;
# its socket errors are: connect (refused/failed connects), read (a connection closed or
# reset while reading), write, timeout (no answer within wrk's 2 s). The script exits 1
# if any unexpected answer or socket error was seen, or RSS grew: the mean of the samples
# in the second half of the run (from 15 s on) more than 20 % above the first half's.
#
# Usage: scripts/bench/verifier-load.sh [SECONDS=60] [CONNS=1000]
#   env: KNOWN (50), UNKNOWN (100000), RATE_SECONDS (10), BENCH_VERIFIER_LOAD_PORT (18090),
#        VERIFIER_ARGS (extra flags for the verifier), NO_BUILD=1 (use the built binaries),
#        VERIFIER_BIN (another build of the verifier, e.g. with --features jemalloc)
set -euo pipefail
cd "$(dirname "$0")/../.."
# One build environment with the other scripts (ccache for RocksDB's C++: without it a
# build from a plain shell compiles RocksDB again, ~13 min).
# shellcheck source=scripts/env.sh
. scripts/env.sh
DURATION="${1:-60}"
CONNS="${2:-1000}"
KNOWN="${KNOWN:-50}"
UNKNOWN="${UNKNOWN:-100000}"
RATE_SECONDS="${RATE_SECONDS:-10}"
VPORT="${BENCH_VERIFIER_LOAD_PORT:-18090}"

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  echo "[load] installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# 1,000 connections on each side, plus RocksDB's files: raise the open-file limit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ "${NO_BUILD:-0}" != 1 ]; then
  scripts/prereqs.sh
  # As scripts/bench/verifier.sh: the whole workspace (same features), keep going past a
  # test target someone is editing.
  if ! cargo build --quiet --locked --release --workspace --all-targets --keep-going; then
    echo "[load] warning: some targets of the workspace do not build; using the binaries that did" >&2
  fi
fi
T="${CARGO_TARGET_DIR:-target}/release"
# VERIFIER_BIN: another build of the verifier to measure (e.g. with --features jemalloc).
VERIFIER="${VERIFIER_BIN:-$T/nanotrace-verifier}"
for b in nanotrace nanotrace-verifier; do
  [ -x "$T/$b" ] || { echo "[load] no $T/$b: the build failed" >&2; exit 1; }
done

work=$(mktemp -d)
vpid=""
sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  [ -n "$vpid" ] && kill "$vpid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The ledger: KNOWN certificates applied and approved in two batch transactions; every
# tenth revoked.
data="$work/data"
"$T/nanotrace" --data-dir "$data" init >/dev/null
python3 - "$KNOWN" >"$work/apps.jsonl" <<'PY'
import json, sys
app = json.load(open("examples/application.json"))
for i in range(int(sys.argv[1])):
    app["batch"] = f"LOAD-{i:05d}"
    print(json.dumps(app))
PY
"$T/nanotrace" --data-dir "$data" --as dave@manufacturer --json batch apply --file "$work/apps.jsonl" \
  | python3 -c 'import json,sys; [print(i) for _, i in json.load(sys.stdin)["committed"]]' >"$work/known.txt"
"$T/nanotrace" --data-dir "$data" --as alice@certifier batch approve --file "$work/known.txt" >/dev/null
awk 'NR % 10 == 0' "$work/known.txt" | while read -r id; do
  "$T/nanotrace" --data-dir "$data" --as alice@certifier revoke "$id" --reason "load test" >/dev/null
done
[ "$(wc -l <"$work/known.txt")" = "$KNOWN" ] || { echo "[load] expected $KNOWN certificates" >&2; exit 1; }
if grep -q '^NT-ZZ' "$work/known.txt"; then echo "[load] an issued ID starts with NT-ZZ; run again" >&2; exit 1; fi

start_verifier() { # cache-dir extra-args...
  local cache=$1; shift
  "$VERIFIER" --source embedded --data-dir "$data" --cache-dir "$cache" \
    --listen "127.0.0.1:$VPORT" --log warn "$@" ${VERIFIER_ARGS:-} >"$work/verifier.out" 2>"$work/verifier.err" &
  vpid=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$VPORT/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "[load] the verifier did not become ready:" >&2; cat "$work/verifier.err" >&2; exit 1
}
stop_verifier() {
  kill "$vpid" 2>/dev/null || true
  wait "$vpid" 2>/dev/null || true
  vpid=""
}
rss() { awk '/^VmRSS/ {print $2}' "/proc/$vpid/status" 2>/dev/null || echo 0; }
threads() { awk '/^Threads/ {print $2}' "/proc/$vpid/status" 2>/dev/null || echo 0; }

cat >"$work/mix.lua" <<'LUA'
-- Request mix and per-status counts (see scripts/bench/verifier-load.sh).
local known = {}
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
local unknown_count = tonumber(os.getenv("LOAD_UNKNOWN"))
-- Globals, not locals: done() reads them from each thread with thread:get().
statuses = {}
sent = { known = 0, unknown = 0, other = 0 }
local threads = {}

-- The i-th unknown ID: "NT-ZZ" + 10 base32 digits of i (well formed; the script checks
-- that no issued ID starts with "NT-ZZ").
local function unknown_id(i)
  local s = ""
  for _ = 1, 10 do
    local d = i % 32
    s = string.sub(alphabet, d + 1, d + 1) .. s
    i = math.floor(i / 32)
  end
  return "NT-ZZ" .. s
end

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("LOAD_KNOWN_FILE")) do
    table.insert(known, line)
  end
  -- Each thread its own sequence: seeded with the address of a new table.
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0) % 1000003)
end

function request()
  local r = math.random(100)
  local path
  if r <= 60 then
    local id = known[math.random(#known)]
    path = (r <= 40) and ("/api/v1/certificates/" .. id) or ("/c/" .. id)
    sent.known = sent.known + 1
  elseif r <= 95 then
    local id = unknown_id(math.random(unknown_count) - 1)
    path = (r <= 85) and ("/api/v1/certificates/" .. id) or ("/c/" .. id)
    sent.unknown = sent.unknown + 1
  else
    path = (r <= 97) and "/" or "/api/v1/issuers"
    sent.other = sent.other + 1
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total, sk, su, so = {}, 0, 0, 0
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, n in pairs(s) do total[code] = (total[code] or 0) + n end
    local c = t:get("sent")
    sk, su, so = sk + c.known, su + c.unknown, so + c.other
  end
  local line = "LUA sent known=" .. sk .. " unknown=" .. su .. " other=" .. so .. " statuses"
  for code, n in pairs(total) do line = line .. " " .. code .. "=" .. n end
  io.write(line .. "\n")
end
LUA

ms() { # wrk latency value (e.g. 512.00us, 3.21ms, 1.02s) → milliseconds
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us/, "", v); print v / 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v); print v + 0 } else if (v ~ /s$/) { sub(/s/, "", v); print v * 1000 } else print v }'
}
metric() { # series (prefix of a /metrics line) → value, 0 if absent
  curl -fs "http://127.0.0.1:$VPORT/metrics" | awk -v s="$1" 'index($0, s) == 1 { v = $NF } END { print (v == "" ? 0 : v) }'
}
statuses_of() { # metrics text → "status=count ..." summed over routes but /readyz
  awk '/^nanotrace_verifier_http_requests_total/ && !/route="\/readyz"/ { match($0, /status="[0-9]+"/); s = substr($0, RSTART + 8, RLENGTH - 9); n[s] += $NF } END { for (s in n) printf "%s=%d ", s, n[s] }'
}

failed=0
export LOAD_KNOWN_FILE="$work/known.txt" LOAD_UNKNOWN="$UNKNOWN"

# Phase 1: CONNS connections for DURATION s, rate limit out of the way.
start_verifier "$work/cache1" --rate-per-sec 100000000 --rate-burst 100000000
before=$(rss)
: >"$work/rss.txt"
(
  t=0
  while sleep 5; do t=$((t + 5)); echo "$t $(rss) $(threads)" >>"$work/rss.txt"; done
) &
sampler=$!
echo
echo "Verifier under load: $(nproc) cores, $(free -g | awk '/^Mem/ {print $2}') GiB, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t2 -c$CONNS -d${DURATION}s --latency; $KNOWN known certificates, $UNKNOWN distinct unknown IDs"
echo "verifier RSS before: $((before / 1024)) MiB"
wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 2s --latency -s "$work/mix.lua" "http://127.0.0.1:$VPORT" >"$work/wrk1.txt" 2>&1 || true
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=""
during=$(awk '{printf "%s s: %d MiB (%d threads); ", $1, $2 / 1024, $3}' "$work/rss.txt")
after=$(rss)
sleep 10
after10=$(rss)
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "verifier RSS during: $during"
echo "verifier RSS after: $((after / 1024)) MiB; 10 s later: $((after10 / 1024)) MiB"
sed -n '/Thread Stats/,/Transfer/p' "$work/wrk1.txt" | grep -v -E '^\s+(75|90)%' || true
grep -E '^(LUA|\s+Socket errors)' "$work/wrk1.txt" || true
p50=$(ms "$(awk '$1=="50%" {print $2}' "$work/wrk1.txt")")
p99=$(ms "$(awk '$1=="99%" {print $2}' "$work/wrk1.txt")")
rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk1.txt")
socket_errors=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$work/wrk1.txt")
socket_errors=${socket_errors:-0}
metrics=$(curl -fs "http://127.0.0.1:$VPORT/metrics")
server_statuses=$(echo "$metrics" | statuses_of)
lua_line=$(grep '^LUA' "$work/wrk1.txt" || echo "LUA (no summary)")
unexpected=$(echo "$lua_line" | tr ' ' '\n' | awk -F= '$1 ~ /^[0-9]+$/ && $1 != 200 && $1 != 404 { n += $2 } END { print n + 0 }')
not_found=$(echo "$lua_line" | tr ' ' '\n' | awk -F= '$1 == 404 { print $2 }')
unknown_verdicts=$(echo "$metrics" | awk '/^nanotrace_verifier_verdicts_total\{verdict="UNKNOWN"\}/ { print $NF }')
server_404=$(echo "$metrics" | awk '/^nanotrace_verifier_http_requests_total/ && /status="404"/ { n += $NF } END { print n + 0 }')
# Not /readyz: the script's own readiness poll sees 503 until the first catch-up.
server_other=$(echo "$metrics" | awk '/^nanotrace_verifier_http_requests_total/ && !/route="\/readyz"/ && !/status="(200|404)"/ { n += $NF } END { print n + 0 }')
echo "$metrics" | grep -E '^nanotrace_verifier_(connections|cache_lookups)' | sed 's/^nanotrace_verifier_/  /'
echo "verifier answered (from its /metrics): $server_statuses; verdicts UNKNOWN=${unknown_verdicts:-0}"
echo
echo "RESULT phase 1: ${rps} req/s, p50 ${p50} ms, p99 ${p99} ms; unexpected answers (not 200/404): $unexpected; socket errors: $socket_errors"
echo "  wrk's Non-2xx are the 404 UNKNOWN answers for unknown IDs: ${not_found:-0} seen by wrk, $server_404 sent by the verifier, all UNKNOWN verdicts: ${unknown_verdicts:-0}"
if [ "$unexpected" != 0 ] || [ "$socket_errors" != 0 ] || [ "$server_other" != 0 ] || [ "$server_404" != "${unknown_verdicts:-0}" ]; then
  echo "FAIL: answers other than 200 / 404 UNKNOWN, or socket errors"
  failed=1
fi
# Flat memory: the samples from 15 s on, in two halves; the second half's mean against
# the first's (RSS moves by tens of MiB as the answer memo and allocator pages turn
# over, so single samples are no trend).
read -r first second peak < <(awk '$1 >= 15 { v[n++] = $2; if ($2 > p) p = $2 }
  END { h = int(n / 2); for (i = 0; i < h; i++) a += v[i]; for (i = h; i < n; i++) b += v[i];
        if (h > 0 && n - h > 0) print a / h, b / (n - h), p; else print 0, 0, p }' "$work/rss.txt")
if awk -v f="$first" 'BEGIN { exit !(f > 0) }'; then
  growth=$(awk -v f="$first" -v s="$second" 'BEGIN { printf "%.1f", (s - f) * 100 / f }')
  echo "  RSS mean from 15 s, first half → second half: $(awk -v f="$first" -v s="$second" 'BEGIN { printf "%d → %d", f / 1024, s / 1024 }') MiB ($growth %), peak $(awk -v p="$peak" 'BEGIN { printf "%d", p / 1024 }') MiB"
  if awk -v g="$growth" 'BEGIN { exit !(g > 20) }'; then echo "FAIL: memory grew by more than 20 %"; failed=1; fi
fi
stop_verifier

# Phase 2: the default per-IP rate limit.
if [ "$RATE_SECONDS" -gt 0 ]; then
  start_verifier "$work/cache2"
  wrk -t2 -c"$CONNS" -d"${RATE_SECONDS}s" --timeout 2s -s "$work/mix.lua" "http://127.0.0.1:$VPORT" >"$work/wrk2.txt" 2>&1 || true
  lua_line=$(grep '^LUA' "$work/wrk2.txt" || echo "LUA (no summary)")
  socket_errors=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$work/wrk2.txt")
  socket_errors=${socket_errors:-0}
  passed=$(echo "$lua_line" | tr ' ' '\n' | awk -F= '$1 == 200 || $1 == 404 { n += $2 } END { print n + 0 }')
  limited=$(echo "$lua_line" | tr ' ' '\n' | awk -F= '$1 == 429 { print $2 }')
  unexpected=$(echo "$lua_line" | tr ' ' '\n' | awk -F= '$1 ~ /^[0-9]+$/ && $1 != 200 && $1 != 404 && $1 != 429 { n += $2 } END { print n + 0 }')
  allowed=$((100 + 50 * (RATE_SECONDS + 1)))
  echo
  echo "RESULT phase 2 (default limit 50/s, burst 100, ${RATE_SECONDS}s): $passed passed (at most $allowed allowed), ${limited:-0} got 429, unexpected: $unexpected, socket errors: $socket_errors"
  grep -E '^\s+Socket errors' "$work/wrk2.txt" || true
  if [ "$unexpected" != 0 ] || [ "$socket_errors" != 0 ] || [ "$passed" -gt "$allowed" ]; then
    echo "FAIL: phase 2"
    failed=1
  fi
  stop_verifier
fi
exit "$failed"

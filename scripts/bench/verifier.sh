#!/usr/bin/env bash
# Benchmarks the verifier against nginx on this machine, side by side in one run:
# cached GET /api/v1/certificates/{id} and GET /c/{id} at 64 and 256 connections with
# wrk, and nginx serving static files of the same sizes. Also the time from a
# revocation's commit to the verifier answering REVOKED.
# Usage: scripts/bench/verifier.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-10}"
VPORT="${BENCH_VERIFIER_PORT:-18080}"
NPORT="${BENCH_NGINX_PORT:-18081}"

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  echo "[bench] installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

scripts/prereqs.sh
cargo build --quiet --locked --release --workspace --all-targets
T="${CARGO_TARGET_DIR:-target}/release"

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

data="$work/data"
"$T/nanotrace" --data-dir "$data" init >/dev/null
id=$("$T/nanotrace" --data-dir "$data" --as dave@manufacturer --json apply --file examples/application.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["certificate_id"])')
"$T/nanotrace" --data-dir "$data" --as alice@certifier approve "$id" >/dev/null

"$T/nanotrace-verifier" --source embedded --data-dir "$data" --cache-dir "$work/cache" \
  --listen "127.0.0.1:$VPORT" --rate-per-sec 100000000 --rate-burst 100000000 --log warn &
pids+=($!)
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$VPORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$VPORT/readyz" >/dev/null

mkdir -p "$work/www/api" "$work/www/c"
curl -fs "http://127.0.0.1:$VPORT/api/v1/certificates/$id" -o "$work/www/api/cert.json"
curl -fs "http://127.0.0.1:$VPORT/c/$id" -o "$work/www/c/page.html"
api_size=$(stat -c %s "$work/www/api/cert.json")
page_size=$(stat -c %s "$work/www/c/page.html")

cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/octet-stream;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:$NPORT; root $work/www; }
}
CONF
mkdir -p "$work/tmp"
# nginx's workers run unprivileged: let them read the files (mktemp made the dir 0700).
chmod -R a+rX "$work"
"$NGINX" -c "$work/nginx.conf" &
pids+=($!)
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$NPORT/api/cert.json" >/dev/null 2>&1 && break; sleep 0.1; done
cmp -s <(curl -fs "http://127.0.0.1:$NPORT/api/cert.json") "$work/www/api/cert.json" || { echo "nginx does not serve the file" >&2; exit 1; }

# wrk: prints "Requests/sec: N" and a latency distribution with the 99% line.
run() { # url connections -> "rps p99_ms"
  local out rps p99
  out=$(wrk -t2 -c"$2" -d"${DURATION}s" --latency "$1")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}')
  local errors
  errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  [ -n "$errors" ] && echo "  warning: $errors non-2xx responses from $1" >&2
  echo "$rps $p99"
}

echo
echo "Verifier vs nginx on $(nproc) cores, ${DURATION}s per run, wrk -t2, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "API body: $api_size bytes; page body: $page_size bytes"
printf "%-32s %6s %12s %10s %12s %10s %7s\n" route conns verifier_rps p99_ms nginx_rps p99_ms ratio
for route in api page; do
  if [ "$route" = api ]; then v="http://127.0.0.1:$VPORT/api/v1/certificates/$id"; n="http://127.0.0.1:$NPORT/api/cert.json"; label="GET /api/v1/certificates/{id}";
  else v="http://127.0.0.1:$VPORT/c/$id"; n="http://127.0.0.1:$NPORT/c/page.html"; label="GET /c/{id}"; fi
  for c in 64 256; do
    read -r vr vp < <(run "$v" "$c")
    read -r nr np < <(run "$n" "$c")
    ratio=$(python3 -c "print(f'{$vr/$nr:.2f}')")
    printf "%-32s %6s %12s %10s %12s %10s %7s\n" "$label" "$c" "$vr" "$vp" "$nr" "$np" "$ratio"
  done
done

# Revocation to REVOKED: commit the revocation, then poll the API every 5 ms.
start=$(date +%s%N)
"$T/nanotrace" --data-dir "$data" --as alice@certifier revoke "$id" --reason "benchmark" >/dev/null
committed=$(date +%s%N)
while ! curl -fs "http://127.0.0.1:$VPORT/api/v1/certificates/$id" | grep -q '"verdict":"REVOKED"'; do
  sleep 0.005
  if [ $(( ($(date +%s%N) - committed) / 1000000 )) -gt 10000 ]; then echo "REVOKED not seen within 10 s" >&2; exit 1; fi
done
seen=$(date +%s%N)
echo
echo "revocation: CLI commit took $(( (committed - start) / 1000000 )) ms; REVOKED served $(( (seen - committed) / 1000000 )) ms after the commit returned"

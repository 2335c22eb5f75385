# Sourced by the verifier benchmarks: the anchor they are measured against, nginx serving
# static files as its documentation tunes it for that (sendfile with tcp_nopush, open files
# cached, keep-alive connections not closed every 1,000 requests). One definition, so
# every benchmark compares against the same nginx.
#
# nginx_start WORK PORT ROOT: writes WORK/nginx.conf, starts nginx in the foreground as a
# child (its pid appended to the caller's `pids` array, for the caller's trap) and waits
# until it answers on 127.0.0.1:PORT. Installs nginx with apt-get when missing.
# SERVER_CPUS (e.g. 0): run it on those CPUs only, with one worker per CPU (taskset's list),
# as the benchmark's load generator is given a CPU of its own.
nginx_start() {
  local work=$1 port=$2 root=$3 nginx workers=auto pin=()
  if [ -n "${SERVER_CPUS:-}" ]; then
    workers=$(cpus_in "$SERVER_CPUS")
    pin=(taskset -c "$SERVER_CPUS")
  fi
  if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    echo "[bench] installing nginx"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  fi
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  mkdir -p "$work/tmp"
  # Each cached open file holds a descriptor: as many as the hard limit lets a worker have,
  # with room for its 8,192 connections (at 10^6 files a cache of 10^6 ran out of
  # descriptors and refused connections).
  local files cached
  files=$(ulimit -Hn)
  [ "$files" = unlimited ] && files=1048576
  cached=$(( files > 16384 ? files - 9216 : 1024 ))
  cached=$(( cached > 1000000 ? 1000000 : cached ))
  cat > "$work/nginx.conf" <<CONF
worker_processes $workers;
worker_rlimit_nofile $files;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
daemon off;
events { worker_connections 8192; multi_accept on; }
http {
  access_log off;
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  open_file_cache max=$cached inactive=300s;
  open_file_cache_valid 300s;
  open_file_cache_min_uses 1;
  open_file_cache_errors on;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:$port reuseport backlog=4096; root $root; }
}
CONF
  # nginx's workers run unprivileged: let them read the files (mktemp made the dir 0700).
  chmod a+rX "$work"
  chmod -R a+rX "$root"
  "${pin[@]}" "$nginx" -c "$work/nginx.conf" &
  pids+=($!)
  for _ in $(seq 1 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
    sleep 0.1
  done
  echo "[bench] nginx did not start (see $work/nginx-error.log)" >&2
  return 1
}

# cpus_in LIST: how many CPUs a taskset list names ("0", "0-2", "0,2-3").
cpus_in() {
  local n=0 part
  for part in ${1//,/ }; do
    if [[ $part == *-* ]]; then n=$((n + ${part#*-} - ${part%-*} + 1)); else n=$((n + 1)); fi
  done
  echo "$n"
}

# Sourced by the verifier benchmarks: what they read of a running verifier, defined once.
#
# cpu_ticks PID: the CPU the process has used (user + system), in clock ticks (TICK_US
#   microseconds each).
# written_bytes PID: the bytes it has written to storage (/proc/PID/io's write_bytes).
# answers_pending PORT: 1 while the verifier on 127.0.0.1:PORT still renders stored
#   answers its cache lacks (issue 76), else 0.
# wait_answers PORT: until it has none pending (at most an hour), as a verifier in service
#   is measured; says how long it took when that was more than a second.
TICK_US=$((1000000 / $(getconf CLK_TCK)))
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
written_bytes() { awk '/^write_bytes/ {print $2}' "/proc/$1/io"; }
answers_pending() { curl -fs "http://127.0.0.1:$1/metrics" | awk '/cache_lookups\{what="answers_pending"\}/ {print $2}'; }
wait_answers() { # port
  local t0=$SECONDS
  until [ "$(answers_pending "$1")" != 1 ]; do
    [ $((SECONDS - t0)) -gt 3600 ] && { echo "[bench] port $1: answers still pending after an hour" >&2; return 1; }
    sleep 0.2
  done
  [ $((SECONDS - t0)) -le 1 ] || echo "[bench] port $1: every answer stored $((SECONDS - t0)) s after ready" >&2
}

# shellcheck shell=bash
# Sourced by scripts/network.sh. The processes this script starts: in the background with
# the run's marker, found, waited for and stopped.

# -------------------------------------------------------- processes ----

# start_bg NAME LOG CMD... : starts CMD in its own session (process group),
# detached from this shell, with the marker variable, its output appended to LOG (a
# restarted node keeps its earlier log); records its pid.
start_bg() {
    local name=$1 logfile=$2
    shift 2
    mkdir -p "$PIDS" "$(dirname "$logfile")"
    env "$MARKER_VAR=$RUN_DIR" setsid "$@" >>"$logfile" 2>&1 </dev/null &
    echo $! >"$PIDS/$name.pid"
}

# Is PID alive and one of ours (carries the marker of this run folder)?
ours() {
    grep -qxzF "$MARKER_VAR=$RUN_DIR" "/proc/$1/environ" 2>/dev/null
}

# Every live process that carries this run folder's marker (one grep over
# /proc; kernel threads and vanished processes are skipped silently).
marked_pids() {
    grep -lxzF "$MARKER_VAR=$RUN_DIR" /proc/[0-9]*/environ 2>/dev/null |
        sed -n 's#^/proc/\([0-9]*\)/environ$#\1#p' || true
}

# stop_pids PID... : SIGTERM (to each process group), wait, then SIGKILL.
stop_pids() {
    (($#)) || return 0
    local pid deadline left
    for pid in "$@"; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    deadline=$(($(date +%s) + STOP_TIMEOUT))
    while :; do
        left=()
        for pid in "$@"; do
            ours "$pid" && left+=("$pid")
        done
        ((${#left[@]})) || return 0
        (($(date +%s) < deadline)) || break
        sleep 0.2
    done
    log "still running after ${STOP_TIMEOUT}s, sending SIGKILL: ${left[*]}"
    for pid in "${left[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
    done
    sleep 0.3
}

# stop_named NAME : stops the process recorded in pids/NAME.pid, if it runs.
stop_named() {
    local f="$PIDS/$1.pid" pid
    [[ -f "$f" ]] || return 0
    pid=$(<"$f")
    if [[ -n "$pid" ]] && ours "$pid"; then
        stop_pids "$pid"
    fi
    rm -f "$f"
}

pid_of() {
    local f="$PIDS/$1.pid" pid
    [[ -f "$f" ]] || return 1
    pid=$(<"$f")
    ours "$pid" && echo "$pid"
}

port_in_use() {
    ss -Htln "sport = :$1" 2>/dev/null | grep -q . && return 0
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_for SECONDS WHAT CMD... : polls CMD until it succeeds.
wait_for() {
    local timeout=$1 what=$2
    shift 2
    local deadline=$(($(date +%s) + timeout))
    until "$@" >/dev/null 2>&1; do
        (($(date +%s) < deadline)) || die "timed out after ${timeout}s waiting for $what"
        sleep 0.1
    done
}

# healthy PORT [HOST] : the operations endpoint answers OK.
healthy() { curl -fsS --max-time 2 "http://${2:-127.0.0.1}:$1/healthz" | grep -q '"OK"'; }
# listening HOST PORT : a TCP connection is accepted (within 2 s: a SYN that is never
# answered must not hang a wait).
listening() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null; }

# Stops every process of this run folder: chaincode servers, peers, orderer
# (reverse order of start), then anything else that carries the marker.
stop_all() {
    local f n
    if [[ -d "$PIDS" ]]; then
        for f in "$PIDS"/chaincode-*.pid; do
            [[ -e "$f" ]] || continue
            n=$(basename "$f" .pid)
            stop_named "$n"
        done
        local org
        for ((i = ${#ORGS[@]} - 1; i >= 0; i--)); do
            stop_named "$(peer_host "${ORGS[$i]}")"
        done
        stop_named orderer0
        for org in "${CA_ORGS[@]}"; do
            stop_named "ca-$org"
        done
    fi
    local left
    mapfile -t left < <(marked_pids)
    if ((${#left[@]})); then
        log "stopping leftover processes of $RUN_DIR: ${left[*]}"
        stop_pids "${left[@]}"
    fi
    mapfile -t left < <(marked_pids)
    ((${#left[@]} == 0)) || die "could not stop: ${left[*]}"
}

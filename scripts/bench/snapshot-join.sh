#!/usr/bin/env bash
# How long a regulator's new peer takes to join the channel: from a ledger snapshot of an
# existing peer (`network.sh snapshot` + `add-peer --snapshot`) against replaying every
# block from the genesis block (`add-peer` alone), on a ledger of N certificates (default
# 100,000: ApplyBatch and ApproveBatch of 1,000 through nanotrace-load). Two networks in
# turn, each loaded the same way, in their own run folder (ports from 59050, the table's
# `bench-snapshot`: scripts/network.sh port-base bench-snapshot; 127.0.0.1 only), torn
# down by a trap. Prints a Markdown table.
#
# Usage: scripts/bench/snapshot-join.sh [CERTIFICATES]   (a multiple of 1,000)
# Variables: NANOTRACE_BENCH_RUN_DIR (default .run/bench-snapshot), NANOTRACE_BENCH_PORT_BASE
# (default 59050), NANOTRACE_FABRIC_ORDERING (raft or bft), BENCH_NO_BUILD=1, BENCH_PROFILE
# (release, default, or debug: the chaincode server and the load generator only feed the
# ledger; the join times are the peers'), BENCH_MODES (default "snapshot replay": the joins
# to run), BEFORE_BIN (another build of nanotrace-verifier, timed the same way on each new
# peer right after this checkout's, on the same ledger), BENCH_QUERIES=1 (after loading, time
# every page of ListByStatus and ListByApplicant, the approval queue and a long History:
# nanotrace-load --queries; printed to stderr).
set -euo pipefail
# A failed step inside run's command substitution fails the benchmark, not a row of "-".
shopt -s inherit_errexit
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
[ -f scripts/env.sh ] && . scripts/env.sh
CERTS=${1:-100000}
((CERTS % 1000 == 0 && CERTS > 0)) || { echo "CERTIFICATES must be a positive multiple of 1000" >&2; exit 2; }
export NANOTRACE_FABRIC_RUN_DIR="${NANOTRACE_BENCH_RUN_DIR:-$ROOT/.run/bench-snapshot}"
# The port base: NANOTRACE_BENCH_PORT_BASE, or this benchmark's in the table of every
# network's (`bench-snapshot`, topology/README.md).
base=${NANOTRACE_BENCH_PORT_BASE:-$(scripts/network.sh port-base bench-snapshot)}
export NANOTRACE_FABRIC_PORT_BASE=$base
PROFILE="${BENCH_PROFILE:-release}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE"
if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
    if [[ $PROFILE == release ]]; then
        cargo build --release --quiet -p nanotrace-ccaas -p nanotrace-bench -p nanotrace-verifier
    else
        cargo build --quiet -p nanotrace-ccaas -p nanotrace-bench -p nanotrace-verifier
    fi
fi
for bin in nanotrace-chaincode nanotrace-load nanotrace-verifier; do
    [[ -x "$TARGET/$bin" ]] || { echo "no $TARGET/$bin (build it, or unset BENCH_NO_BUILD)" >&2; exit 2; }
done
trap 'scripts/network.sh down >/dev/null 2>&1 || true' EXIT INT TERM

value() { sed -n "s/^$1=//p"; }

# verifier_ready BIN PROFILE : seconds until verifier BIN with an empty cache, following
# PROFILE's peer, is ready (it starts from the peer's world state when the peer joined
# from a snapshot); the verifier is stopped after.
verifier_ready() {
    local dir="$NANOTRACE_FABRIC_RUN_DIR/bench-verifier" pid addr t0 n=0
    rm -rf "$dir"
    mkdir -p "$dir"
    t0=$(date +%s.%N)
    "$1" --source fabric --profile "$2" --cache-dir "$dir/cache" --listen 127.0.0.1:0 \
        --poll-ms 100 --log info >"$dir/stdout" 2>"$dir/verifier.log" &
    pid=$!
    until addr=$(sed -n 's/^listening on //p' "$dir/stdout") && [[ -n "$addr" ]]; do
        sleep 0.05
        ((++n < 1200)) || { kill "$pid"; echo "the verifier did not start" >&2; return 1; }
    done
    until curl -fs "http://$addr/readyz" >/dev/null 2>&1; do
        sleep 0.1
        ((++n < 12000)) || { kill "$pid"; echo "the verifier never became ready" >&2; return 1; }
    done
    awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

# run MODE : one network loaded with CERTS certificates, the Regulator's second peer
# joined by MODE (snapshot or replay); prints "join_seconds snapshot_seconds snapshot_size
# verifier_seconds before_seconds" (a verifier with an empty cache on the new peer, ready;
# then BEFORE_BIN's, or -).
run() {
    local mode=$1 out snap_s="" size="" dir="" ready="" before=""
    scripts/network.sh up >/dev/null
    # The chaincode server on the layout's first service port (B+300).
    local cc_port
    cc_port=$(scripts/network.sh service-port 0)
    scripts/network.sh deploy nanotrace --address "127.0.0.1:$cc_port" \
        --server "$TARGET/nanotrace-chaincode" >/dev/null
    # Cells of at most 100 transactions (the certifier lists and signs a cell's applications
    # at once), none cut short by the time limit.
    local batches="" left=$((CERTS / 1000))
    while ((left > 0)); do
        batches+="1000:$((left < 100 ? left : 100)),"
        left=$((left - 100))
    done
    "$TARGET/nanotrace-load" --profiles "$NANOTRACE_FABRIC_RUN_DIR/profiles" --bootstrap --nanotrace \
        --count 1 --inflight 1 --eval-count 1 --batches "${batches%,}" --batch-inflight 4 --seconds 86400 \
        ${BENCH_QUERIES:+--queries} >"$NANOTRACE_FABRIC_RUN_DIR/load.md" 2>&1 \
        || { tail -20 "$NANOTRACE_FABRIC_RUN_DIR/load.md" >&2; echo "[bench] the load failed (above)" >&2; return 1; }
    [[ -z "${BENCH_QUERIES:-}" ]] || sed -n '/^### Queries/,$p' "$NANOTRACE_FABRIC_RUN_DIR/load.md" >&2
    if [[ $mode == snapshot ]]; then
        local t0=$SECONDS
        out=$(scripts/network.sh snapshot regulator)
        dir=$(value snapshot_dir <<<"$out")
        snap_s=$((SECONDS - t0))
        size=$(du -sh "$dir" | cut -f1)
        out=$(scripts/network.sh add-peer regulator --snapshot "$dir")
    else
        out=$(scripts/network.sh add-peer regulator)
    fi
    # The Regulator's admin: ListByStatus needs the contract's Admin, Auditor or Certifier role.
    local profile="$NANOTRACE_FABRIC_RUN_DIR/profiles/regulator-admin-peer1.yaml"
    ready=$(verifier_ready "$TARGET/nanotrace-verifier" "$profile")
    [[ -z "${BEFORE_BIN:-}" ]] || before=$(verifier_ready "$BEFORE_BIN" "$profile")
    echo "$(value join_seconds <<<"$out") ${snap_s:--} ${size:--} $ready ${before:--}"
    scripts/network.sh down >/dev/null
}

echo "[bench] $CERTS certificates (ApplyBatch + ApproveBatch of 1,000), ordering ${NANOTRACE_FABRIC_ORDERING:-raft}" >&2
[[ -z "${BEFORE_BIN:-}" || -x "$BEFORE_BIN" ]] || { echo "BEFORE_BIN=$BEFORE_BIN is not an executable" >&2; exit 2; }
# One after the other (each tears its network down before the next comes up).
snapshot_run="- - - - -"
replay_run="- - - - -"
for mode in ${BENCH_MODES:-snapshot replay}; do
    case $mode in
        snapshot) snapshot_run=$(run snapshot) ;;
        replay) replay_run=$(run replay) ;;
        *) echo "BENCH_MODES: $mode is neither snapshot nor replay" >&2; exit 2 ;;
    esac
done
read -r snap_join snap_take snap_size snap_verifier snap_before <<<"$snapshot_run"
read -r replay_join _ _ replay_verifier replay_before <<<"$replay_run"
echo
echo "| a regulator's new peer joins | seconds |"
echo "| --- | ---: |"
echo "| from a snapshot: taking it on the existing peer | $snap_take |"
echo "| from a snapshot ($snap_size): join and catch up | $snap_join |"
echo "| replaying every block from the genesis block | $replay_join |"
echo "| a verifier with an empty cache on the snapshot-joined peer: ready (from its world state) | $snap_verifier |"
echo "| a verifier with an empty cache on the replayed peer: ready (from every block) | $replay_verifier |"
if [[ -n "${BEFORE_BIN:-}" ]]; then
    echo "| the same on the snapshot-joined peer, BEFORE_BIN | $snap_before |"
    echo "| the same on the replayed peer, BEFORE_BIN | $replay_before |"
fi

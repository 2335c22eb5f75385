#!/usr/bin/env bash
# `nanotrace batch apply` and `batch approve` of N certificates through the CLI, as a user
# runs them on the embedded ledger: this checkout's release build and, with BEFORE_BIN,
# another build of `nanotrace` (e.g. one from before issue 72, whose approvals recorded each
# credential in a transaction of its own) timed the same way in the same run, each on a
# fresh data folder (`init`: the sample network, whose certification body has a status
# base, so every approval records a credential). Prints a Markdown table. This checkout's
# build also runs once with the status base taken away after `init` (`status-bases
# CertifierMSP` with no URL): its approvals record no credential, the anchor the
# credential's cost is read against.
#
# Usage: scripts/bench/cli-batch.sh [CERTIFICATES]   (default 100000)
# Variables: BEFORE_BIN (another nanotrace binary, run first), BENCH_NO_BUILD=1,
# BENCH_DIR (scratch folder, default a new one under /tmp, removed at the end).
set -euo pipefail
shopt -s inherit_errexit
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
[ -f scripts/env.sh ] && . scripts/env.sh
CERTS=${1:-100000}
((CERTS > 0)) || { echo "CERTIFICATES must be a positive number" >&2; exit 2; }
command -v jq >/dev/null || { echo "cli-batch.sh needs jq (apt-get install jq)" >&2; exit 2; }
AFTER="${CARGO_TARGET_DIR:-$ROOT/target}/release/nanotrace"
[[ -n "${BENCH_NO_BUILD:-}" ]] || cargo build --release --quiet -p nanotrace --bin nanotrace
[[ -x "$AFTER" ]] || { echo "no $AFTER (build it, or unset BENCH_NO_BUILD)" >&2; exit 2; }
if [[ -n "${BEFORE_BIN:-}" && ! -x "$BEFORE_BIN" ]]; then
    echo "BEFORE_BIN=$BEFORE_BIN is not an executable" >&2
    exit 2
fi
SCRATCH="${BENCH_DIR:-$(mktemp -d /tmp/nanotrace-cli-batch.XXXXXX)}"
trap 'rm -rf "$SCRATCH"' EXIT INT TERM

# One application a line, each its own lot (its client reference derives from it).
apps="$SCRATCH/apps.jsonl"
template=$(jq -c . examples/application.json)
for ((i = 0; i < CERTS; i++)); do
    printf '%s\n' "${template/LOT-2026-0412-A/LOT-CLI-$i}"
done >"$apps"

# Seconds of `"$@"` (wall), its output kept in $SCRATCH/out.json.
timed() {
    local start end
    start=$(date +%s.%N)
    "$@" >"$SCRATCH/out.json"
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

echo "| build | certificates | batch apply (s) | batch approve (s) | approved/s | blocks of the approval | credentials recorded |"
echo "|---|---:|---:|---:|---:|---:|---:|"
run() {
    local label=$1 bin=$2 mode=${3:-with} data="$SCRATCH/data"
    rm -rf "$data"
    "$bin" --data-dir "$data" init >/dev/null
    [[ $mode == with ]] || "$bin" --data-dir "$data" --as admin@regulator status-bases CertifierMSP >/dev/null
    local applied approved before after
    applied=$(timed "$bin" --data-dir "$data" --as dave@manufacturer --json batch apply --file "$apps")
    jq -r '.committed[] | .[1]' "$SCRATCH/out.json" >"$SCRATCH/ids.txt"
    (($(wc -l <"$SCRATCH/ids.txt") == CERTS)) || { echo "$label: batch apply committed fewer than $CERTS" >&2; exit 1; }
    before=$("$bin" --data-dir "$data" --json ledger check | jq '.height')
    approved=$(timed "$bin" --data-dir "$data" --as alice@certifier --json batch approve --file "$SCRATCH/ids.txt")
    after=$("$bin" --data-dir "$data" --json ledger check | jq '.height')
    local last credentials
    last=$(tail -n 1 "$SCRATCH/ids.txt")
    credentials=$("$bin" --data-dir "$data" --json show "$last" | jq -r 'if .credential then "yes (last certificate)" else "no" end')
    printf '| %s | %d | %.1f | %.1f | %.0f | %d | %s |\n' "$label" "$CERTS" "$applied" "$approved" \
        "$(echo "$CERTS / $approved" | bc -l)" "$((after - before))" "$credentials"
    rm -rf "$data"
}
[[ -z "${BEFORE_BIN:-}" ]] || run before "$BEFORE_BIN"
run "after, no status base (no credential)" "$AFTER" without
run after "$AFTER"

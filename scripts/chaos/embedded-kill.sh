#!/usr/bin/env bash
# Issue 15: `nanotrace batch apply` of a 5,000-line file on the embedded ledger, killed with
# SIGKILL at random points KILLS times (default 20); after each kill `ledger check` must
# pass and no application may be recorded twice; the same file run again must complete
# it with exactly one certificate per line. The CI variant is the same test with 5 kills
# (tests/it/embedded_kill.rs, run by scripts/test.sh).
#
#   scripts/chaos/embedded-kill.sh [KILLS] [LINES] [CHUNK]
#   NANOTRACE_CHAOS_SEED=N scripts/chaos/embedded-kill.sh   # replay a run (the seed is printed)
#
# Everything happens in a temporary data directory the test removes; no server, no port.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/env.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nanotrace/target}"
export NANOTRACE_CHAOS_KILLS="${1:-20}"
export NANOTRACE_CHAOS_LINES="${2:-5000}"
export NANOTRACE_CHAOS_CHUNK="${3:-100}"
start=$(date +%s)
timeout 1800 cargo test --workspace --test it -- embedded_kill::batch_apply_killed_at_random_points_then_completed \
  --exact --nocapture
echo "[chaos] embedded kill: ${NANOTRACE_CHAOS_KILLS} kills of ${NANOTRACE_CHAOS_LINES} lines (chunk ${NANOTRACE_CHAOS_CHUNK}) in $(( $(date +%s) - start )) s"

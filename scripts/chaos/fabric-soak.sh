#!/usr/bin/env bash
# Issue 15: a soak of MINUTES (default 10) of mixed traffic on a Fabric network of its own
# (run folder .run/fabric-chaos, ports from 23050) through our Gateway client — dave
# applies under client references, alice approves, a second client verifies — with a
# `nanotrace-verifier --source fabric` following the Regulator's peer. Once a minute it
# prints the submits' outcomes and query errors of that minute and the resident memory
# (VmRSS, KiB) of the chaincode server, the verifier and the three peers; at the end the
# growth from the first full minute to the last, the checks of the fault test (every
# committed transaction on the ledger with its result, one certificate per reference,
# the peers equal) and `nanotrace-verifier check`. It fails on any failed submit or
# query (no fault is injected) or a verifier answer other than VALID.
#
#   scripts/chaos/fabric-soak.sh [MINUTES]
#
# The faults themselves (kill -9 of the chaincode server, peers, orderer under load) are
# `cargo test --workspace --test fabric_chaos` (systests/fabric_chaos). Both tear the network
# down when they end, fail or are killed (guard + watchdog). Without Fabric binaries the
# test prints FABRIC SUITE SKIPPED and passes.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/env.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nanotrace/target}"
minutes="${1:-10}"
[[ "$minutes" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [MINUTES]  (a whole number of minutes, default 10)" >&2; exit 2; }
export NANOTRACE_FABRIC_SOAK_MINUTES="$minutes"
# The test runs the server and verifier binaries next to it: build them first.
timeout 3600 cargo build --workspace --all-targets
start=$(date +%s)
timeout $((minutes * 60 + 900)) cargo test --workspace --test fabric_chaos -- fabric_soak --exact --ignored --nocapture
echo "[soak] ${minutes} minute(s) of soak in $(($(date +%s) - start)) s"

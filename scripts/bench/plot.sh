#!/usr/bin/env bash
# Draws the benchmarks' figures as the SVG charts of docs/BENCHMARKS.md: reads
# docs/bench/verifier-scale.tsv and docs/bench/ledger-scale.tsv (add a row there after a
# new run of verifier-scale.sh or the scale benchmark) and writes verifier-rps.svg,
# verifier-p99.svg, verifier-rss.svg, ledger-cost.svg, cache-build.svg and
# bytes-per-cert.svg beside them — all of them, or none if an input is bad.
#
# Usage: scripts/bench/plot.sh [nanotrace-plot options, e.g. --machine "8 vCPUs, 32 GiB"]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
cargo run --quiet --locked --release -p nanotrace-plot -- --data docs/bench --out docs/bench "$@"

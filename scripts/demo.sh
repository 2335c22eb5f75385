#!/usr/bin/env bash
# Builds NanoTrace and runs `nanotrace demo` on a fresh embedded ledger.
# Extra arguments go to the demo (e.g. --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prereqs.sh
exec cargo run --quiet --locked --bin nanotrace -- demo "$@"

#!/usr/bin/env bash
# Builds NanoTrace and runs `nanotrace demo` on a fresh embedded ledger.
# Extra arguments go to the demo (e.g. --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prereqs.sh
# Build all targets, as scripts/test.sh does: the same feature set, so the demo and the
# tests share one build of RocksDB's C++ instead of compiling it twice.
cargo build --quiet --locked --workspace --all-targets
target_dir="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}"
exec "$target_dir/debug/nanotrace" demo "$@"

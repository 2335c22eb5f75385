#!/usr/bin/env bash
# Builds NanoTrace and runs `nanotrace demo` on a fresh embedded ledger.
# Extra arguments go to the demo (e.g. --data-dir DIR). The demo ends with a command
# that explores its ledger further; it names the built binary by its full path, since
# nothing here puts `nanotrace` on the PATH (`cargo install --locked --path .` does).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prereqs.sh
. scripts/env.sh
# Build all targets, as scripts/test.sh does: the same package selection, so the demo
# and the tests share one build (scripts/env.sh says why that matters for RocksDB).
cargo build --quiet --locked --workspace --all-targets
target_dir="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}"
exec "$target_dir/debug/nanotrace" demo "$@"

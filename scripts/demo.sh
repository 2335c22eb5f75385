#!/usr/bin/env bash
# Builds NanoTrace and runs `nanotrace demo` on a fresh embedded ledger.
# Extra arguments go to the demo (e.g. --data-dir DIR). The demo ends with a command
# that explores its ledger further; it names the built binary by its full path, since
# nothing here puts `nanotrace` on the PATH (`cargo install --locked --path .` does).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prereqs.sh
. scripts/env.sh
# Only what the demo runs: the `nanotrace` binary. (The tests build the rest; a build of
# another package selection reuses RocksDB's compiled C++ through ccache, scripts/env.sh.)
echo "[demo] building nanotrace (a machine's first build takes about 14 minutes on 2 cores, RocksDB's C++ most of it)" >&2
# Without jemalloc (feature `jemalloc`, src/main.rs): its C build is a minute of a first build.
cargo build --quiet --locked -p nanotrace --bin nanotrace --no-default-features
target_dir="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}"
exec "$target_dir/debug/nanotrace" demo "$@"

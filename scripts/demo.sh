#!/usr/bin/env bash
# Builds NanoTrace and runs `nanotrace demo` on a fresh embedded ledger.
# Extra arguments go to the demo (e.g. --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
scripts/prereqs.sh
. scripts/env.sh
# Build all targets, as scripts/test.sh does: the same feature set, so the demo and the
# tests share one build of RocksDB's C++ instead of compiling it twice.
cargo build --quiet --locked --workspace --all-targets
target_dir="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
bin="$target_dir/debug/nanotrace"
# The demo ends with "Explore further: nanotrace --data-dir DIR verify ID", but nothing
# here puts `nanotrace` on the PATH: print that command as one that works as printed,
# from any directory (the built binary's full path and an absolute DIR).
"$bin" demo "$@" | while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
        "Explore further: nanotrace --data-dir "*" verify "*)
            rest="${line#Explore further: nanotrace --data-dir }"
            dir="${rest% verify *}"
            id="${rest##* verify }"
            case "$dir" in /*) ;; *) dir="$root/$dir" ;; esac
            printf 'Explore further: %q --data-dir %q verify %s\n' "$bin" "$dir" "$id"
            printf '(to type just `nanotrace`, install it first: cargo install --locked --path %q)\n' "$root"
            ;;
        *) printf '%s\n' "$line" ;;
    esac
done

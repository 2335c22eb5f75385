#!/usr/bin/env bash
# Builds the chaincode server of an earlier NanoTrace version from this repository's own
# history and prints its path: the "old version" of the Fabric suite's migration steps
# (a ledger written by it, then the chaincode upgraded to this checkout's version).
#
#   scripts/legacy-chaincode.sh            -> e.g. ~/.cache/nanotrace/legacy-chaincode/7d7ab86…/nanotrace-chaincode
#   scripts/legacy-chaincode.sh COMMIT     -> the same for another commit
#   scripts/legacy-chaincode.sh --release [COMMIT]   -> its release build (the benchmarks'
#                                           "before": scripts/bench/fabric.sh with
#                                           BENCH_CHAINCODE_BIN set to it)
#
# The default is the last commit whose contract wrote the whole certificate under one key
# (before the write-once layout, issue 28). The commit's tree is taken with `git archive`
# (no work tree is touched) and built with `cargo build --locked -p nanotrace-ccaas` in a
# target folder of its own, so this checkout's build is never overwritten; the binary is
# cached by commit (about 4 minutes on 2 cores the first time, nothing after). A clone
# without that commit (a shallow one) fails here, saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
# The one build environment (ccache for RocksDB's C++, the C++ compiler).
. scripts/env.sh

LAYOUT_V1_COMMIT=7d7ab860e869d6e4d5819742c1a71eafc40c0a43
profile=debug
if [ "${1:-}" = --release ]; then
  profile=release
  shift
fi
commit="${1:-$LAYOUT_V1_COMMIT}"

log() { echo "[legacy-chaincode] $*" >&2; }

if ! git cat-file -e "$commit^{commit}" 2>/dev/null; then
  log "commit $commit is not in this clone (a shallow clone? 'git fetch --unshallow' brings it)"
  exit 1
fi
cache="${XDG_CACHE_HOME:-$HOME/.cache}/nanotrace/legacy-chaincode"
out="$cache/$commit/$profile/nanotrace-chaincode"
if [ -x "$out" ]; then
  echo "$out"
  exit 0
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/nanotrace-legacy.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log "building nanotrace-chaincode of $commit ($profile, once per machine)"
git archive --format=tar "$commit" | tar -x -C "$work"
mkdir -p "$cache/$commit/$profile"
# The workspace's own build settings (scripts/env.sh, sourced above) apply; its own
# target folder, beside the cache of binaries.
(
  cd "$work"
  release=()
  [ "$profile" = release ] && release=(--release)
  cargo build --locked --quiet "${release[@]}" -p nanotrace-ccaas --bin nanotrace-chaincode --target-dir "$cache/target"
)
cp "$cache/target/$profile/nanotrace-chaincode" "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"

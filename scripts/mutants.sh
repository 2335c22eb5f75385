#!/usr/bin/env bash
# Mutation testing of the contract's authorization, lifecycle and validation code with
# cargo-mutants (docs/TESTING.md has the figures and the surviving mutants).
#
#   scripts/mutants.sh [--in-diff FILE.diff] [FILE_GLOB...]   (default: the modules below)
#
# Works on a throwaway copy of the committed tree (git archive HEAD), never on the
# working tree, one mutant at a time (in place in that copy), in its own target directory
# so it does not fight the shared one. In that copy only, `-> ContractResult<T>` in the
# contract's signatures is spelled `-> Result<T, ContractError>` (the same type:
# `ContractResult` is an alias): cargo-mutants recognises `Result` by name, and only then
# generates the mutants that matter most here, e.g.
# `replace require_role -> Result<(), ContractError> with Ok(())` (a deleted check).
#
# Environment: NANOTRACE_MUTANTS_DIR (default ~/.cache/nanotrace/mutants),
# NANOTRACE_MUTANTS_OUT (where mutants.out goes; default that dir),
# NANOTRACE_MUTANTS_TIMEOUT (seconds per test run, default 300), NANOTRACE_MUTANTS_TESTS
# (comma-separated packages whose tests run for every mutant; default
# nanotrace-chaincode,nanotrace-model: the contract's unit tests and chaincode/tests/it —
# the authorization matrix, lifecycle, dependency, bad-input and property tests — and
# the model's validation tests, ~15 s a mutant), NANOTRACE_MUTANTS_RE (only the mutants
# whose name matches this regex).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/env.sh

work="${NANOTRACE_MUTANTS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nanotrace/mutants}"
timeout="${NANOTRACE_MUTANTS_TIMEOUT:-300}"
tests="${NANOTRACE_MUTANTS_TESTS:-nanotrace-chaincode,nanotrace-model}"
# The property test draws a random seed per run unless given one; with a random seed it
# can fail for reasons of its own (a sequence the contract or its model gets wrong, on
# unmutated code too) and "catch" an unrelated mutant. A fixed seed makes every mutant's
# test run the same search (this one passes on main as of 2026-11-22).
export NANOTRACE_PROPTEST_SEED="${NANOTRACE_PROPTEST_SEED:-5fe2f88bfdd6ce4682387722f7a3600b13d2dc2c5c004d3a5830a833d2bd1e36}"
export CARGO_TARGET_DIR="${NANOTRACE_MUTANTS_TARGET:-${XDG_CACHE_HOME:-$HOME/.cache}/nanotrace/mutants-target}"

# Small artifacts: no debug info. And RocksDB's C++ is not compiled again (2 GB and ~13
# minutes with debug info): link the librocksdb.a an earlier build of the shared target
# made (same librocksdb-sys version: Cargo.lock pins it), hard-linked so it stays even if
# that build directory goes.
export CARGO_PROFILE_DEV_DEBUG=false
shared="${XDG_CACHE_HOME:-$HOME/.cache}/nanotrace/target"
if [[ -z "${ROCKSDB_LIB_DIR:-}" ]]; then
  built=$(ls -t "$shared"/debug/build/librocksdb-sys-*/out/librocksdb.a 2>/dev/null | head -1 || true)
  if [[ -n "$built" ]]; then
    mkdir -p "$work/rocksdb-lib"
    ln -f "$built" "$work/rocksdb-lib/librocksdb.a" 2>/dev/null || cp "$built" "$work/rocksdb-lib/librocksdb.a"
    export ROCKSDB_LIB_DIR="$work/rocksdb-lib" ROCKSDB_STATIC=1
    export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-lstdc++"
  fi
fi

command -v cargo-mutants >/dev/null || { echo "cargo-mutants is not installed: cargo install --locked cargo-mutants" >&2; exit 2; }

rewrite='s/-> ContractResult<(.+)>( \{|$| where)/-> Result<\1, ContractError>\2/'
mkdir -p "$work"
extra=()
if [[ "${1:-}" == "--in-diff" ]]; then
  # The diff gets the same rewrite as the copy, or its lines no longer match the source.
  sed -E "$rewrite" "$(realpath "$2")" > "$work/in.diff"
  extra+=(--in-diff "$work/in.diff")
  shift 2
fi
if [[ -n "${NANOTRACE_MUTANTS_RE:-}" ]]; then
  extra+=(--re "$NANOTRACE_MUTANTS_RE")
fi
files=("$@")
if [[ ${#files[@]} -eq 0 ]]; then
  files=(chaincode/src/contract/authz.rs chaincode/src/contract/tx.rs chaincode/src/contract/lifecycle.rs
    chaincode/src/contract/issuance.rs chaincode/src/contract/governance.rs chaincode/src/contract/queries.rs
    chaincode/src/contract/prefix.rs model/src/prefix.rs 'model/src/validate/*.rs')
fi

src="$work/src"
rm -rf "$src"
mkdir -p "$src"
git archive HEAD | tar -x -m -C "$src"   # -m: mtimes of now, so cargo never takes an older build for this tree
# The alias spelled out, in signatures only (the type is the same).
sed -i -E "$rewrite" "$src"/chaincode/src/contract/*.rs

args=(--workspace --in-place --no-shuffle --timeout "$timeout" --output "${NANOTRACE_MUTANTS_OUT:-$work}")
for f in "${files[@]}"; do args+=(-f "$f"); done
args+=(--test-package "$tests")
cd "$src"
echo "cargo mutants ${args[*]} ${extra[*]}" >&2
exec cargo mutants "${args[@]}" "${extra[@]}"

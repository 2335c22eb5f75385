#!/usr/bin/env bash
# Fuzzes NanoTrace's hostile-input surfaces (issue 15) for a bounded time.
#
#   scripts/fuzz.sh TARGET SECONDS     one target: contract, token, ccaas, verifier, batch
#   scripts/fuzz.sh all SECONDS        each target in turn, SECONDS each
#   scripts/fuzz.sh clippy             clippy -D warnings over fuzz/ (stable driver and targets)
#
# Engine: libFuzzer through cargo-fuzz (coverage guided) when a nightly toolchain and
# cargo-fuzz are available (the script installs them when missing and the Rust dist
# server / crates.io answer, unless NANOTRACE_FUZZ_INSTALL=0); otherwise the stable
# driver `nanotrace-fuzz` (a seeded mutation loop over the seed corpus, no coverage
# feedback). Each run says loudly which engine ran. NANOTRACE_FUZZ_ENGINE=stable or
# =libfuzzer forces one (libfuzzer fails when it cannot run).
#
# The targets live in fuzz/ (its own workspace: the root build's feature unification is
# untouched). The stable driver is built in the dev profile into the root build's target
# folder ($CARGO_TARGET_DIR, else ./target): fuzz/Cargo.toml's dev profile is the root's,
# so dependencies built alike are shared and RocksDB's C++ is compiled with the same flags
# (a ccache hit, not another build of it). libFuzzer builds (instrumented, release) go to
# $NANOTRACE_FUZZ_TARGET_DIR (default ~/.cache/nanotrace/fuzz-target). Seeds: fuzz/corpus/TARGET
# (read only); libFuzzer's growing corpus: $NANOTRACE_FUZZ_CORPUS_DIR/TARGET (default
# ~/.cache/nanotrace/fuzz-corpus); crashing inputs: fuzz/artifacts/TARGET/. A finding
# exits non-zero; reproduce it with
#   scripts/fuzz.sh replay TARGET FILE...      (stable build, prints the panic)
# Other knobs: NANOTRACE_FUZZ_SANITIZER (cargo-fuzz -s, default none: the code is safe
# Rust, and instrumentation-free runs are ~2x faster), NANOTRACE_FUZZ_SEED (stable driver),
# NANOTRACE_FUZZ_TIMEOUT (seconds one execution may take, default 20).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
. scripts/env.sh

TARGETS=(contract token ccaas verifier batch)
STABLE_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
LIBFUZZER_TARGET_DIR="${NANOTRACE_FUZZ_TARGET_DIR:-$HOME/.cache/nanotrace/fuzz-target}"
CORPUS_DIR="${NANOTRACE_FUZZ_CORPUS_DIR:-$HOME/.cache/nanotrace/fuzz-corpus}"
SANITIZER="${NANOTRACE_FUZZ_SANITIZER:-none}"
TIMEOUT="${NANOTRACE_FUZZ_TIMEOUT:-20}"
ENGINE_WANTED="${NANOTRACE_FUZZ_ENGINE:-auto}"

usage() {
  sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 1 ] || usage
WHAT="$1"
[ "$WHAT" = clippy ] || [ $# -ge 2 ] || usage
shift

# The verifier target's RocksDB cache and the batch target's files go to a private
# temporary directory, removed when the script ends however it ends.
TMP_BASE="${TMPDIR:-/tmp}"
RUN_TMP="$(mktemp -d "$TMP_BASE/nanotrace-fuzz.XXXXXX")"
trap 'rm -rf "$RUN_TMP"' EXIT
export TMPDIR="$RUN_TMP"

# Builds the stable driver and sets BIN to it. Not run in a command substitution: there
# `set -e` would not stop at a failed build, and an old binary would run instead.
build_stable() {
  echo "--- building the stable driver (cargo build --no-default-features --features stable, fuzz/, dev profile)" >&2
  (cd fuzz && CARGO_TARGET_DIR="$STABLE_TARGET_DIR" cargo build --locked --quiet --no-default-features --features stable --bin nanotrace-fuzz)
  BIN="$STABLE_TARGET_DIR/debug/nanotrace-fuzz"
}

if [ "$WHAT" = clippy ]; then
  cd fuzz
  export CARGO_TARGET_DIR="$STABLE_TARGET_DIR"
  cargo clippy --locked --quiet --no-default-features --features stable --all-targets -- -D warnings
  exit 0
fi

if [ "$WHAT" = replay ]; then
  target="$1"
  shift
  files=()
  for f in "$@"; do files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
  build_stable
  exec "$BIN" replay "$target" "${files[@]}"
fi

SECONDS_EACH="$1"
case "$SECONDS_EACH" in '' | *[!0-9]*) echo "SECONDS must be a whole number, got '$SECONDS_EACH'" >&2; exit 2 ;; esac
if [ "$WHAT" = all ]; then
  RUN=("${TARGETS[@]}")
else
  case " ${TARGETS[*]} " in *" $WHAT "*) RUN=("$WHAT") ;; *) echo "unknown target '$WHAT'; known: ${TARGETS[*]} all" >&2; exit 2 ;; esac
fi

have_nightly() { rustup toolchain list 2>/dev/null | grep -q '^nightly'; }
have_cargo_fuzz() { cargo fuzz --version >/dev/null 2>&1; }

# Chooses the engine: libfuzzer or stable, installing what libFuzzer needs if allowed.
choose_engine() {
  if [ "$ENGINE_WANTED" = stable ]; then echo stable; return; fi
  if [ "${NANOTRACE_FUZZ_INSTALL:-1}" != 0 ]; then
    if ! have_nightly && command -v rustup >/dev/null && curl -sfI --max-time 10 https://static.rust-lang.org >/dev/null 2>&1; then
      echo "--- installing a nightly toolchain (rustup toolchain install nightly --profile minimal)" >&2
      timeout 600 rustup toolchain install nightly --profile minimal >&2 || echo "--- nightly install failed" >&2
    fi
    if ! have_cargo_fuzz; then
      echo "--- installing cargo-fuzz (cargo install cargo-fuzz --locked)" >&2
      timeout 900 cargo install cargo-fuzz --locked >&2 || echo "--- cargo-fuzz install failed" >&2
    fi
  fi
  if have_nightly && have_cargo_fuzz; then
    echo libfuzzer
  elif [ "$ENGINE_WANTED" = libfuzzer ]; then
    echo "NANOTRACE_FUZZ_ENGINE=libfuzzer, but nightly ($(have_nightly && echo present || echo missing)) or cargo-fuzz ($(have_cargo_fuzz && echo present || echo missing)) is not available" >&2
    echo none
  else
    echo stable
  fi
}

ENGINE="$(choose_engine)"
[ "$ENGINE" != none ] || exit 1
if [ "$ENGINE" = libfuzzer ]; then
  export CARGO_TARGET_DIR="$LIBFUZZER_TARGET_DIR"
  echo "*** ENGINE: libFuzzer via cargo-fuzz $(cargo fuzz --version 2>/dev/null | awk '{print $2}') on $(rustc +nightly --version), sanitizer $SANITIZER (coverage guided) ***"
else
  echo "*** ENGINE: STABLE FALLBACK DRIVER (nightly and/or cargo-fuzz unavailable or not wanted): seeded mutation, NO coverage feedback ***"
  build_stable
fi

declare -a SUMMARY=()
failed=0
for target in "${RUN[@]}"; do
  log="$RUN_TMP/$target.log"
  echo "=== $target: $SECONDS_EACH s"
  set +e
  if [ "$ENGINE" = libfuzzer ]; then
    work="$CORPUS_DIR/$target"
    mkdir -p "$work" "fuzz/artifacts/$target"
    dict=()
    [ -f "fuzz/dict/$target.dict" ] && dict=("-dict=fuzz/dict/$target.dict")
    # token and ccaas need no RocksDB: built without the `full` feature, they are ready
    # in minutes on a fresh machine (the others compile RocksDB's C++ once).
    features=()
    case "$target" in token | ccaas) features=(--no-default-features --features libfuzzer) ;; esac
    cargo +nightly fuzz run -s "$SANITIZER" "${features[@]}" "$target" "$work" "fuzz/corpus/$target" -- \
      -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -max_len=65536 -rss_limit_mb=3072 \
      -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$target/" "${dict[@]}" 2>&1 | tee "$log" |
      grep -E --line-buffered '^(#[0-9]+.*(pulse|REDUCE|NEW|DONE)|Done|==|SUMMARY|thread .* panicked|Test unit written)' |
      awk '/pulse|REDUCE|NEW/ { n++; if (n % 20 != 1) next } { print }'
    status="${PIPESTATUS[0]}"
    set -e
    execs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)"
    cov="$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 || true)"
    line="engine=libfuzzer target=$target secs=$SECONDS_EACH execs=${execs:-?} ${cov:-cov: ?} corpus_dir=$work"
  else
    "$BIN" run "$target" --seconds "$SECONDS_EACH" --timeout "$TIMEOUT" \
      --corpus "fuzz/corpus/$target" --artifacts fuzz/artifacts 2>&1 | tee "$log"
    status="${PIPESTATUS[0]}"
    set -e
    line="$(grep -E '^engine=stable' "$log" | tail -1 || true)"
    line="${line% result=*}"
    line="${line:-engine=stable target=$target (no summary)}"
  fi
  if [ "$status" -ne 0 ] && [ "$ENGINE" = libfuzzer ] && ! grep -q '^INFO: Seed:' "$log"; then
    # libFuzzer never started: cargo-fuzz or the build failed. Not a finding.
    failed=$((failed + 1))
    line="$line result=NOT-RUN(exit $status: cargo fuzz failed before libFuzzer started)"
    echo "--- cargo fuzz failed before libFuzzer started; the end of its output:" >&2
    tail -n 30 "$log" >&2
  elif [ "$status" -ne 0 ]; then
    failed=$((failed + 1))
    line="$line result=FINDING(exit $status; see fuzz/artifacts/$target/)"
    grep -E -A12 'panicked|CRASH|HANG|ERROR: libFuzzer' "$log" | head -40 || true
  else
    line="$line result=OK"
  fi
  SUMMARY+=("$line")
done

echo "=== fuzz summary ($ENGINE)"
printf '%s\n' "${SUMMARY[@]}"
[ "$failed" -eq 0 ] || { echo "$failed target(s) found something or did not run (see the summary)" >&2; exit 1; }

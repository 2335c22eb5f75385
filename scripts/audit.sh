#!/usr/bin/env bash
# Checks Cargo.lock (and fuzz/Cargo.lock when present) against the RustSec advisory
# database with `cargo audit`: a known vulnerability, or a crate the database marks
# unmaintained, unsound or yanked, fails the run unless it is listed in
# .cargo/audit.toml (`[advisories] ignore = [...]`) with its reason in a comment there
# and in docs/TESTING.md (there is none today).
#
# The database is a git checkout of github.com/rustsec/advisory-db:
#   NANOTRACE_ADVISORY_DB   where it is (default ~/.cache/nanotrace/advisory-db); when
#                           missing, it is cloned from GitHub (20 s limit).
#   NANOTRACE_REQUIRE_AUDIT=1  fail instead of skipping loudly when no database can be had
#                           (machines whose network reaches only package registries).
# cargo-audit itself is installed from crates.io (pinned) when the database is there.
set -euo pipefail
cd "$(dirname "$0")/.."
# The one build environment, as every script that calls cargo (installing cargo-audit
# compiles it).
. scripts/env.sh

CARGO_AUDIT_VERSION=0.22.2
db="${NANOTRACE_ADVISORY_DB:-$HOME/.cache/nanotrace/advisory-db}"

skip() {
    echo "#####################################################################################"
    echo "# ADVISORY CHECK SKIPPED: $1"
    echo "# (put a checkout of github.com/rustsec/advisory-db in NANOTRACE_ADVISORY_DB)"
    echo "#####################################################################################"
    if [ "${NANOTRACE_REQUIRE_AUDIT:-0}" = 1 ]; then exit 1; fi
    case ",${NANOTRACE_REQUIRE:-}," in *,audit,* | *,all,*) echo "NANOTRACE_REQUIRE lists audit" >&2; exit 1 ;; esac
    if [ -n "${NANOTRACE_SKIP_LOG:-}" ]; then echo "[audit] dependency advisories (cargo audit): $1" >>"$NANOTRACE_SKIP_LOG"; fi
    exit 0
}

if [ ! -d "$db/crates" ]; then
    echo "[audit] no advisory database in $db; cloning it from GitHub"
    rm -rf "$db.tmp"
    if timeout 20 git clone --quiet --depth 1 https://github.com/rustsec/advisory-db "$db.tmp" 2>/dev/null \
        && [ -d "$db.tmp/crates" ]; then
        rm -rf "$db"
        mv "$db.tmp" "$db"
    else
        rm -rf "$db.tmp"
        skip "no advisory database in $db and github.com is not reachable"
    fi
elif timeout 20 git -C "$db" pull --quiet --ff-only 2>/dev/null; then
    echo "[audit] advisory database updated from its origin"
fi

if ! cargo audit --version 2>/dev/null | grep -q "$CARGO_AUDIT_VERSION"; then
    echo "[audit] installing cargo-audit $CARGO_AUDIT_VERSION from crates.io"
    CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nanotrace/target}/tools" \
        cargo install --quiet --locked cargo-audit --version "$CARGO_AUDIT_VERSION"
fi

last=$(git -C "$db" log -1 --format='%cs %h' 2>/dev/null || echo "unknown date")
echo "[audit] advisory database: $db ($last)"

audit() {
    # --stale: the database is not fetched here (done above).
    cargo audit --db "$db" --no-fetch --stale --deny warnings "$@"
}

# The check must be able to fail: a lockfile with a crate version the database lists
# as vulnerable (smallvec 1.6.0, RUSTSEC-2021-0003) has to be refused.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'version = 3\n\n[[package]]\nname = "smallvec"\nversion = "1.6.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n' \
    > "$probe/Cargo.lock"
if cargo audit --db "$db" --no-fetch --stale --file "$probe/Cargo.lock" > "$probe/out" 2>&1; then
    cat "$probe/out"
    echo "[audit] the database did not flag smallvec 1.6.0 (RUSTSEC-2021-0003): it is not a usable database"
    exit 1
fi
grep -q "RUSTSEC-2021-0003" "$probe/out" || { cat "$probe/out"; echo "[audit] unexpected failure of the probe"; exit 1; }

echo "[audit] Cargo.lock"
audit --file Cargo.lock
if [ -f fuzz/Cargo.lock ]; then
    echo "[audit] fuzz/Cargo.lock"
    audit --file fuzz/Cargo.lock
fi
echo "[audit] no advisories"

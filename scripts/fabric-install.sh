#!/usr/bin/env bash
# Build the Hyperledger Fabric binaries (peer, orderer, osnadmin, configtxgen,
# cryptogen, configtxlator) from the Go module proxy with the local Go
# toolchain, and copy Fabric's default sampleconfig into .fabric/config.
#
#   scripts/fabric-install.sh            # v3.1.5 (default)
#   FABRIC_COMMIT=<sha> [FABRIC_MODULE_VERSION=<pseudo-version>] scripts/fabric-install.sh
#
# Fabric's tags (v3.1.5, ...) are not valid Go module versions because the
# module path has no /v3 suffix, so the release is pinned by COMMIT, which Go
# maps to a pseudo-version (v1.4.0-rc1.0.<UTC time>-<12 hex of commit>).
# Env: FABRIC_COMMIT (pin), FABRIC_MODULE_VERSION (its pseudo-version, tried
# first if set; known for the default commit), FABRIC_VERSION (label shown by
# `peer version`; default 3.1.5 for the default commit, else the pseudo-version).
#
# Output (git-ignored):
#   .fabric/bin/<tool>       binaries
#   .fabric/config/*.yaml    core.yaml, orderer.yaml, configtx.yaml
#   .fabric/VERSION          stamp; a rerun with the same commit is a no-op
#
# Go's caches (GOMODCACHE, GOCACHE) are left at their defaults under ~ so
# repeated runs (and CI cache restores) reuse downloads and compiled packages.
set -euo pipefail

FABRIC_MODULE=github.com/hyperledger/fabric
DEFAULT_COMMIT=86c1172bec37e6590c6b1ae6f847833df48d65fc # v3.1.5
FABRIC_COMMIT="${FABRIC_COMMIT:-$DEFAULT_COMMIT}"
# Canonical pseudo-version of the default commit (what Go resolves it to).
# Asking the proxy for the pseudo-version directly avoids the commit->version
# query, which mirrors that only serve stored versions cannot answer. Go checks
# it against the commit (hash suffix, timestamp) and sum.golang.org.
DEFAULT_MODULE_VERSION=v1.4.0-rc1.0.20260618074816-86c1172bec37
if [[ "$FABRIC_COMMIT" == "$DEFAULT_COMMIT" ]]; then
    FABRIC_MODULE_VERSION="${FABRIC_MODULE_VERSION:-$DEFAULT_MODULE_VERSION}"
    FABRIC_VERSION="${FABRIC_VERSION:-3.1.5}"
fi
FABRIC_MODULE_VERSION="${FABRIC_MODULE_VERSION:-}"
# A pseudo-version ends in "-<first 12 hex digits of the commit>".
is_version_of_commit() { local suffix="${1##*-}"; [[ ${#suffix} -eq 12 && "$suffix" == "${FABRIC_COMMIT:0:12}"* ]]; }
if [[ -n "$FABRIC_MODULE_VERSION" ]] && ! is_version_of_commit "$FABRIC_MODULE_VERSION"; then
    echo "[fabric-install] ERROR: FABRIC_MODULE_VERSION=$FABRIC_MODULE_VERSION does not end in the first 12 hex digits of FABRIC_COMMIT=$FABRIC_COMMIT" >&2
    exit 1
fi
TOOLS=(peer orderer osnadmin configtxgen cryptogen configtxlator)
CONFIG_FILES=(core.yaml orderer.yaml configtx.yaml)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FABRIC_DIR="$ROOT/.fabric"
BIN_DIR="$FABRIC_DIR/bin"
CONFIG_DIR="$FABRIC_DIR/config"
STAMP="$FABRIC_DIR/VERSION"

log() { printf '[fabric-install] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

verify() {
    log "verifying: $BIN_DIR/peer version"
    FABRIC_CFG_PATH="$CONFIG_DIR" "$BIN_DIR/peer" version
}

# ---------------------------------------------------------------- cache check
up_to_date() {
    [[ -f "$STAMP" ]] || return 1
    grep -qx "FABRIC_COMMIT=$FABRIC_COMMIT" "$STAMP" || return 1
    local t f
    for t in "${TOOLS[@]}"; do [[ -x "$BIN_DIR/$t" ]] || return 1; done
    for f in "${CONFIG_FILES[@]}"; do [[ -f "$CONFIG_DIR/$f" ]] || return 1; done
}

if up_to_date; then
    log "up to date: $BIN_DIR has ${TOOLS[*]} for $FABRIC_MODULE@$FABRIC_COMMIT ($(grep '^FABRIC_MODULE_VERSION=' "$STAMP" | cut -d= -f2-)); nothing to do"
    verify
    exit 0
fi

# ---------------------------------------------------------------- toolchain
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || die "go not found in PATH (expected /usr/local/go/bin/go)"
log "using $(go version) (GOPROXY=$(go env GOPROXY), GOMODCACHE=$(go env GOMODCACHE), GOCACHE=$(go env GOCACHE))"

# Run go outside of any module/workspace so the repo layout cannot interfere.
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export GOWORK=off
export CGO_ENABLED=0

# ---------------------------------------------------------------- download
json_field() { # $1=json $2=field; go prints one "Field": "value" per line
    printf '%s\n' "$1" | sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",\{0,1\}\$/\1/p" | head -n1
}
# Try the pinned pseudo-version first (if known), then the raw commit.
QUERIES=()
[[ -n "$FABRIC_MODULE_VERSION" ]] && QUERIES+=("$FABRIC_MODULE_VERSION")
QUERIES+=("$FABRIC_COMMIT")
MOD_VERSION="" MOD_DIR="" DL_ERRORS=""
for q in "${QUERIES[@]}"; do
    log "downloading $FABRIC_MODULE@$q via the Go module proxy (go mod download -json)..."
    set +e
    dl_json="$(cd "$WORK" && go mod download -json "$FABRIC_MODULE@$q" 2>"$WORK/download.err")"
    dl_rc=$?
    set -e
    dl_error="$(json_field "$dl_json" Error)"
    if [[ $dl_rc -eq 0 && -z "$dl_error" ]]; then
        MOD_VERSION="$(json_field "$dl_json" Version)"
        MOD_DIR="$(json_field "$dl_json" Dir)"
        [[ -n "$MOD_VERSION" && -d "$MOD_DIR" ]] || die "unexpected 'go mod download -json' output: $dl_json"
        break
    fi
    msg="$(printf '%b' "${dl_error:-$(cat "$WORK/download.err")}")"
    log "  failed: $msg"
    DL_ERRORS+="$msg"$'\n'
done
if [[ -z "$MOD_VERSION" ]]; then
    if [[ "$DL_ERRORS" == *"403 Forbidden"* ]]; then
        log "hint: the module proxy refuses to serve this module version (HTTP 403 'This module version is not available');"
        log "      go only falls back to 'direct' (github.com) on 404/410, and github.com may be unreachable here anyway."
    fi
    die "could not download $FABRIC_MODULE@$FABRIC_COMMIT from the module proxy ($(go env GOPROXY))"
fi
is_version_of_commit "$MOD_VERSION" \
    || die "resolved version $MOD_VERSION is not a pseudo-version of commit $FABRIC_COMMIT"
log "resolved $FABRIC_MODULE@$FABRIC_COMMIT -> $MOD_VERSION"
log "module source: $MOD_DIR"
FABRIC_VERSION="${FABRIC_VERSION:-$MOD_VERSION}"

# ---------------------------------------------------------------- build
rm -f "$STAMP"
mkdir -p "$BIN_DIR" "$CONFIG_DIR"

PKGS=()
for t in "${TOOLS[@]}"; do PKGS+=("$FABRIC_MODULE/cmd/$t@$MOD_VERSION"); done
# Same metadata Fabric's Makefile injects; -X on a missing variable is ignored.
LDFLAGS="-X $FABRIC_MODULE/common/metadata.Version=$FABRIC_VERSION -X $FABRIC_MODULE/common/metadata.CommitSHA=${FABRIC_COMMIT:0:7}"

log "building ${TOOLS[*]} from $FABRIC_MODULE@$FABRIC_COMMIT ($MOD_VERSION) into $BIN_DIR (one go install, nice -n 10, -trimpath, CGO_ENABLED=0)..."
if ! (cd "$WORK" && GOBIN="$BIN_DIR" nice -n 10 go install -trimpath -ldflags "$LDFLAGS" "${PKGS[@]}"); then
    # Fallback: build from the downloaded module source with its own go.mod.
    # Needed when 'go install pkg@version' cannot work: e.g. module mirrors that
    # answer 403 on <module>/@v/list (go install looks up the module's
    # deprecation there and treats the failure as fatal), or replace directives.
    log "go install pkg@version failed; falling back to 'go build' inside $MOD_DIR..."
    CMD_PKGS=()
    for t in "${TOOLS[@]}"; do CMD_PKGS+=("./cmd/$t"); done
    (cd "$MOD_DIR" && nice -n 10 go build -mod=readonly -trimpath -ldflags "$LDFLAGS" -o "$BIN_DIR/" "${CMD_PKGS[@]}") \
        || die "build of $FABRIC_MODULE@$MOD_VERSION failed (see errors above)"
fi
for t in "${TOOLS[@]}"; do
    [[ -x "$BIN_DIR/$t" ]] || die "expected binary missing after build: $BIN_DIR/$t"
    log "built $BIN_DIR/$t ($(du -h "$BIN_DIR/$t" | cut -f1))"
done

# ---------------------------------------------------------------- config
for f in "${CONFIG_FILES[@]}"; do
    src="$MOD_DIR/sampleconfig/$f"
    [[ -f "$src" ]] || die "missing $src in module source"
    log "copying sampleconfig/$f -> $CONFIG_DIR/$f"
    install -m 0644 "$src" "$CONFIG_DIR/$f" # module cache files are read-only
done

# ---------------------------------------------------------------- stamp
cat >"$STAMP" <<EOF
FABRIC_COMMIT=$FABRIC_COMMIT
FABRIC_MODULE_VERSION=$MOD_VERSION
FABRIC_VERSION=$FABRIC_VERSION
GO_VERSION=$(go env GOVERSION)
TOOLS=${TOOLS[*]}
EOF
log "wrote $STAMP"

verify

#!/usr/bin/env bash
# Installs Fabric CA's `fabric-ca-server` and `fabric-ca-client` at one pinned version
# and prints the folder that holds them.
#
#   scripts/fabric-ca.sh            -> prints e.g. ~/.cache/nanotrace/fabric-ca/v1.5.15/bin
#
# Fabric CA (unlike Fabric itself) is an ordinary Go module served by the Go module
# proxy, so every machine can have it and the CA tests run in every CI run. Uses, in
# this order: FABRIC_CA_BIN_DIR (binaries the user provides; their version is checked),
# the cache folder (version checked), or a build from the module at the pinned version:
# `go mod download` of github.com/hyperledger/fabric-ca@VERSION, then `go build
# -mod=readonly` of both commands from a writable copy without its (incomplete) vendor/
# folder. `go install …@VERSION` cannot be used: it asks the proxy for the module's
# version list, which the proxies these machines reach refuse. The server links SQLite
# through cgo (gcc); the first build takes about 5 minutes on 2 cores.
set -euo pipefail

VERSION=1.5.15
MODULE=github.com/hyperledger/fabric-ca

log() { echo "[fabric-ca] $*" >&2; }

has_version() {
  local dir="$1"
  [ -x "$dir/fabric-ca-server" ] && [ -x "$dir/fabric-ca-client" ] || return 1
  "$dir/fabric-ca-server" version 2>/dev/null | grep -q "Version: $VERSION\$" &&
    "$dir/fabric-ca-client" version 2>/dev/null | grep -q "Version: $VERSION\$"
}

if [ -n "${FABRIC_CA_BIN_DIR:-}" ]; then
  if has_version "$FABRIC_CA_BIN_DIR"; then
    echo "$FABRIC_CA_BIN_DIR"
    exit 0
  fi
  log "FABRIC_CA_BIN_DIR=$FABRIC_CA_BIN_DIR does not hold fabric-ca-server and fabric-ca-client $VERSION"
  exit 1
fi

dir="${XDG_CACHE_HOME:-$HOME/.cache}/nanotrace/fabric-ca/v$VERSION/bin"
if has_version "$dir"; then
  echo "$dir"
  exit 0
fi
# One build at a time per machine: two runs at once (a CI run and a developer's tests)
# replaced each other's folder half-built. The second waits, then finds the first's.
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if has_version "$dir"; then
  echo "$dir"
  exit 0
fi

command -v go >/dev/null 2>&1 || { log "Go is needed to build Fabric CA (scripts/prereqs.sh --tests installs it)"; exit 1; }
command -v gcc >/dev/null 2>&1 || { log "gcc is needed to build fabric-ca-server (cgo, SQLite)"; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/nanotrace-fabric-ca.XXXXXX")"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
log "building fabric-ca-server and fabric-ca-client $VERSION from the Go module (once per machine: about 5½ minutes on 2 cores)"
(cd "$work" && go mod init nanotrace.invalid/fabric-ca-build >/dev/null 2>&1)
src="$(cd "$work" && go mod download -json "$MODULE@v$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -n "$src" ] && [ -d "$src" ] || { log "go mod download $MODULE@v$VERSION gave no module folder"; exit 1; }
cp -r "$src" "$work/src"
chmod -R u+w "$work/src"
rm -rf "$work/src/vendor"
mkdir -p "$dir.tmp"
(
  cd "$work/src"
  go build -mod=readonly -o "$dir.tmp/fabric-ca-server" ./cmd/fabric-ca-server
  go build -mod=readonly -o "$dir.tmp/fabric-ca-client" ./cmd/fabric-ca-client
)
rm -rf "$dir"
mv "$dir.tmp" "$dir"
has_version "$dir" || { log "the built binaries do not report version $VERSION"; exit 1; }
log "installed into $dir"
echo "$dir"

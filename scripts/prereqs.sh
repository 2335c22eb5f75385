#!/usr/bin/env bash
# Installs what building NanoTrace needs beyond Rust: libclang (bindgen for RocksDB's
# C++ bindings), a C++ compiler and ccache (so RocksDB's C++ is compiled once per
# machine, see scripts/env.sh); with --tests also what the tests drive: Debian's
# Chromium (the verifier's browser test), openssl (the Fabric network's named users)
# the notifier's SMTP server (python3-aiosmtpd), Node.js with npm (tests/vc), a JDK with Maven
# (tests/einvoice) and Go (the conformance tests against Fabric's own Go shim, Gateway client and
# protos, and the build of Fabric CA: scripts/fabric-ca.sh, with gcc), podman with buildah,
# skopeo and runc (the services' container images), docker-compose (the organisation's
# stack from deploy/compose, run against podman's API; without its recommended Docker
# engine). Idempotent; uses apt-get when run as root.
set -euo pipefail

need=()
# Installed without their recommended packages.
need_bare=()
dpkg -s libclang-dev >/dev/null 2>&1 || need+=(libclang-dev)
command -v clang >/dev/null 2>&1 || need+=(clang)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v ccache >/dev/null 2>&1 || need+=(ccache)
if [ "${1:-}" = "--tests" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v openssl >/dev/null 2>&1 || need+=(openssl)
  command -v go >/dev/null 2>&1 || need+=(golang-go)
  # `network.sh crl` edits the channel configuration as JSON.
  command -v jq >/dev/null 2>&1 || need+=(jq)
  # fabric-ca-server links SQLite through cgo (scripts/fabric-ca.sh builds it).
  command -v gcc >/dev/null 2>&1 || need+=(gcc)
  # A real SMTP server for the notifier's tests (Debian's aiosmtpd, run by /usr/bin/python3).
  [ -f /usr/lib/python3/dist-packages/aiosmtpd/__main__.py ] || need+=(python3-aiosmtpd)
  # Python's venv: the OpenAPI check's packages (tests/openapi, scripts/openapi-deps.sh).
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
  # Node.js and npm: the third-party checks of Verifiable Credentials (tests/vc, scripts/vc-deps.sh).
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  command -v npm >/dev/null 2>&1 || need+=(npm)
  # A JDK and Maven: the EN 16931 validator of the invoices (tests/einvoice, scripts/einvoice-deps.sh).
  command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
  command -v mvn >/dev/null 2>&1 || need+=(maven)
  # iproute2's ip: each organisation a host of its own (network.sh up --hosts).
  command -v ip >/dev/null 2>&1 || need+=(iproute2)
  # systemd-analyze: the service units in deploy/systemd are verified in the tests.
  command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
  # Podman, buildah, skopeo and runc: the services' images (scripts/images.sh) and the
  # tests that run them as containers (crun cannot run containers on some hosts: runc).
  for tool in podman buildah skopeo runc; do
    command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
  done
  # docker-compose (Python, Debian's): the Compose file's test, against podman's socket.
  command -v docker-compose >/dev/null 2>&1 || need_bare+=(docker-compose)
fi
if [ ${#need[@]} -eq 0 ] && [ ${#need_bare[@]} -eq 0 ]; then
  exit 0
fi
echo "[prereqs] installing: ${need[*]} ${need_bare[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "[prereqs] please install: ${need[*]} ${need_bare[*]} (Debian/Ubuntu: apt-get install ${need[*]} ${need_bare[*]})" >&2
    exit 1
  fi
fi
"${sudo[@]}" apt-get update -qq
if [ ${#need[@]} -gt 0 ]; then
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ${#need_bare[@]} -gt 0 ]; then
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_bare[@]}" >/dev/null
fi

#!/usr/bin/env bash
# Installs the npm packages of tests/vc (Digital Bazaar's Verifiable Credential libraries,
# at the versions and integrity hashes of tests/vc/package-lock.json) into
# tests/vc/node_modules, for the third-party checks of NanoTrace credentials
# (tests/it/credential.rs). npm keeps its download cache in ~/.npm: a run after the
# first takes seconds.
set -euo pipefail
cd "$(dirname "$0")/../tests/vc"
if ! command -v npm >/dev/null 2>&1; then
  echo "[vc-deps] npm is missing (scripts/prereqs.sh --tests installs it)" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
echo "[vc-deps] installed tests/vc/node_modules from package-lock.json"

#!/usr/bin/env bash
# Checks every answer the verifier's web tests recorded against verifier/openapi.yaml, and
# the document itself, with openapi-core and openapi-spec-validator (tests/openapi/check.py,
# installed by scripts/openapi-deps.sh). scripts/test.sh runs the tests with
# NANOTRACE_OPENAPI_EXCHANGES=FOLDER (each test process writes its exchanges there, one
# JSON line each), then this: every mismatch is listed, and any fails the run.
#   scripts/openapi-check.sh FOLDER
set -euo pipefail
cd "$(dirname "$0")/.."
folder="${1:?usage: scripts/openapi-check.sh FOLDER (of the exchanges NANOTRACE_OPENAPI_EXCHANGES recorded)}"
python=tests/openapi/.venv/bin/python
if [ ! -x "$python" ]; then
  echo "[openapi] tests/openapi/.venv is missing: run scripts/openapi-deps.sh" >&2
  exit 1
fi
if ! ls "$folder"/*.jsonl >/dev/null 2>&1; then
  echo "[openapi] nothing recorded in $folder: the verifier's web tests did not run with NANOTRACE_OPENAPI_EXCHANGES" >&2
  exit 1
fi
exec "$python" tests/openapi/check.py --text verifier/openapi.yaml "$folder"

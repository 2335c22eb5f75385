#!/usr/bin/env bash
# Installs the Python packages of tests/openapi (openapi-core, which validates each of the
# verifier's real answers against verifier/openapi.yaml, and openapi-spec-validator, which
# checks the document itself), at the versions of tests/openapi/requirements.txt, into the
# virtual environment tests/openapi/.venv. pip keeps its download cache in ~/.cache/pip: a
# run after the first takes seconds.
set -euo pipefail
cd "$(dirname "$0")/../tests/openapi"
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "[openapi-deps] python3 with venv is missing (scripts/prereqs.sh --tests installs it)" >&2
  exit 1
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-input -r requirements.txt
.venv/bin/python -c 'import openapi_core, openapi_spec_validator'
echo "[openapi-deps] installed tests/openapi/.venv from requirements.txt"

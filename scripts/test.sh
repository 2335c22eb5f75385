#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy, docs, unit, property,
# conformance and end-to-end tests (the CLI against temporary embedded ledgers; the
# verifier as a real process, and its pages in headless Chromium; the CCaaS runtime
# against a scripted peer and against Fabric's own Go shim), and — whenever Fabric 3.1
# binaries are present — the Fabric suite on a real native network; `cargo audit` of the
# lockfiles against the RustSec database when one is at hand (scripts/audit.sh); and a
# short run of every fuzz target (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/steps.sh
# Every skip of the run — a test without Go, Fabric or a tmpfs, the advisory check
# without a database — adds a line here (nanotrace_testkit::skip, scripts/audit.sh);
# the summary at the end lists them. NANOTRACE_REQUIRE=go,fabric,… (.ci/run sets it)
# turns the skip of a listed capability into a failure.
export NANOTRACE_SKIP_LOG="${NANOTRACE_SKIP_LOG:-$(mktemp "${TMPDIR:-/tmp}/nanotrace-skips.XXXXXX")}"
: >"$NANOTRACE_SKIP_LOG"
trap 'steps_report; rm -f "$NANOTRACE_SKIP_LOG"' EXIT
step "prerequisites (apt-get when missing)" scripts/prereqs.sh --tests
. scripts/env.sh

fabric=no
if [ -x "$FABRIC_BIN_DIR/peer" ] && [ -x "$FABRIC_BIN_DIR/orderer" ]; then
  fabric=yes
else
  echo "#####################################################################################"
  echo "# FABRIC SUITE SKIPPED: no Fabric binaries in $FABRIC_BIN_DIR"
  echo "# (everything that needs no peer runs; see network/README.md to get Fabric 3.1.5)"
  echo "#####################################################################################"
  case ",${NANOTRACE_REQUIRE:-}," in
    *,fabric,* | *,all,*) echo "NANOTRACE_REQUIRE lists fabric, but there are no Fabric binaries in $FABRIC_BIN_DIR" >&2; exit 1 ;;
  esac
  echo "[fabric] Fabric network smoke test (systests/fabric/network_smoke.sh): no Fabric binaries in $FABRIC_BIN_DIR" >>"$NANOTRACE_SKIP_LOG"
fi

# Order matters for the build cache: clippy and doc share the dependencies' check
# artefacts; the test build then compiles every crate once in the dev profile, and the
# fuzz smoke run builds its driver in that same profile and target folder (so RocksDB's
# C++ is compiled once per machine: see scripts/env.sh and scripts/fuzz.sh).
step "cargo fmt --check" cargo fmt --all -- --check
step "cargo fmt --check (fuzz/)" cargo fmt --manifest-path fuzz/Cargo.toml -- --check
step "cargo clippy" cargo clippy --locked --workspace --all-targets --quiet -- -D warnings
step "cargo doc" env RUSTDOCFLAGS="-D warnings" cargo doc --locked --workspace --no-deps --quiet
step "dependency advisories (cargo audit)" scripts/audit.sh
# Fabric CA from its Go module at the pinned version (built once per machine and cached):
# the CA client's tests run against a real fabric-ca-server in every run.
fabric_ca_bin() {
  local dir
  if dir="$(scripts/fabric-ca.sh)"; then
    export FABRIC_CA_BIN_DIR="$dir"
  else
    case ",${NANOTRACE_REQUIRE:-}," in *,fabric-ca,* | *,all,*) return 1 ;; esac
    echo "[fabric-ca] Fabric CA tests: scripts/fabric-ca.sh could not provide fabric-ca-server" >>"$NANOTRACE_SKIP_LOG"
  fi
}
step "Fabric CA binaries (scripts/fabric-ca.sh)" fabric_ca_bin
# Digital Bazaar's VC libraries from npm (pinned by tests/vc/package-lock.json): the
# third-party checks of exported credentials.
vc_deps() {
  scripts/vc-deps.sh && return 0
  case ",${NANOTRACE_REQUIRE:-}," in *,node,* | *,all,*) return 1 ;; esac
  echo "[node] VC interoperability tests: scripts/vc-deps.sh could not install tests/vc's npm packages" >>"$NANOTRACE_SKIP_LOG"
}
step "npm packages of the VC interoperability tests (scripts/vc-deps.sh)" vc_deps
# openapi-core and openapi-spec-validator from PyPI (pinned by tests/openapi/requirements.txt):
# every answer of the verifier's web tests is checked against verifier/openapi.yaml.
openapi=no
openapi_deps() {
  scripts/openapi-deps.sh && openapi=yes && return 0
  case ",${NANOTRACE_REQUIRE:-}," in *,openapi,* | *,all,*) return 1 ;; esac
  echo "[openapi] the verifier's answers against its OpenAPI document: scripts/openapi-deps.sh could not install tests/openapi's packages" >>"$NANOTRACE_SKIP_LOG"
}
step "Python packages of the OpenAPI check (scripts/openapi-deps.sh)" openapi_deps
# phive, its EN 16931 and Peppol rules and Saxon-HE from Maven Central (pinned by
# tests/einvoice/pom.xml): the official validator of nanotrace-einvoice's invoices
# (einvoice/tests/conformance.rs), which skip only when told to.
einvoice_deps() {
  scripts/einvoice-deps.sh && return 0
  case ",${NANOTRACE_REQUIRE:-}," in *,einvoice,* | *,all,*) return 1 ;; esac
  echo "[einvoice] the invoices against the EN 16931 and Peppol rules: scripts/einvoice-deps.sh could not build tests/einvoice" >>"$NANOTRACE_SKIP_LOG"
  export NANOTRACE_SKIP_EINVOICE_VALIDATOR=1
}
step "Maven packages of the EN 16931 invoice validator (scripts/einvoice-deps.sh)" einvoice_deps
# ISO 20022's camt.053.001.08 schema (from a pinned PyPI package, its SHA-256 checked; cached
# per machine): the camt crate's fixtures validated against it by the JDK (camt/tests/xsd.rs).
camt_xsd() {
  camt/tests/xsd.sh fetch >/dev/null && return 0
  case ",${NANOTRACE_REQUIRE:-}," in *,camt,* | *,all,*) return 1 ;; esac
  echo "[camt] the bank statements against the ISO 20022 schema: camt/tests/xsd.sh could not fetch it" >>"$NANOTRACE_SKIP_LOG"
  export NANOTRACE_SKIP_CAMT_XSD=1
}
step "ISO 20022 camt.053 schema of the statement tests (camt/tests/xsd.sh)" camt_xsd
# The chaincode server of the version before the write-once layout, from this repository's
# history (built once per machine and cached): the Fabric suite's migration steps start
# their network with it and upgrade to this checkout's contract.
legacy_chaincode() {
  local bin
  if bin="$(scripts/legacy-chaincode.sh)"; then
    export NANOTRACE_LEGACY_CHAINCODE_BIN="$bin"
  else
    case ",${NANOTRACE_REQUIRE:-}," in *,legacy,* | *,all,*) return 1 ;; esac
    echo "[legacy] the Fabric suite's migration steps: scripts/legacy-chaincode.sh could not build the previous version" >>"$NANOTRACE_SKIP_LOG"
  fi
}
if [ "$fabric" = yes ]; then
  step "chaincode server before the write-once layout (scripts/legacy-chaincode.sh)" legacy_chaincode
fi
step "cargo test: build" cargo test --locked --workspace --no-run --quiet
# Every binary, the benchmarks' too: tests/it/docs.rs checks each command the docs show
# against its binary's --help.
step "cargo build: every binary" cargo build --locked --workspace --bins --quiet
# The Fabric e2e suite runs whole once, as deployed: four SmartBFT orderers, each
# organisation a host of its own (a network namespace), in the step after this one. On
# one Raft orderer on 127.0.0.1 (`cargo test`'s default) only what differs on Raft runs
# here: its setup, (m') the Raft orderer's TLS certificate renewed for the same key, and
# the check that nothing was lost (NANOTRACE_FABRIC_E2E_STEPS). The other Fabric suites
# (fabric_chaos, fabric_hostile, the stack in containers) run Raft networks of their own,
# and fabric_chaos BFT ones too.
# The verifier's web tests record every request and answer here (NANOTRACE_OPENAPI_EXCHANGES),
# checked against the OpenAPI document in the step after.
exchanges="$(mktemp -d "${TMPDIR:-/tmp}/nanotrace-openapi.XXXXXX")"
trap 'steps_report; rm -f "$NANOTRACE_SKIP_LOG"; rm -rf "$exchanges"' EXIT
step "cargo test: run" env NANOTRACE_FABRIC_E2E_STEPS="m'" NANOTRACE_OPENAPI_EXCHANGES="$exchanges" \
  cargo test --locked --workspace --no-fail-fast
if [ "$openapi" = yes ]; then
  step "OpenAPI: every answer of the verifier's web tests against verifier/openapi.yaml (openapi-core)" \
    scripts/openapi-check.sh "$exchanges"
fi
if [ "$fabric" = yes ]; then
  step_retried "Fabric e2e suite: BFT, one host per organisation" env NANOTRACE_FABRIC_E2E_ORDERING=bft NANOTRACE_FABRIC_E2E_HOSTS=1 \
    cargo test --locked -p nanotrace-systests --test fabric -- fabric_network_end_to_end
fi
# The stable driver (scripts/fuzz.sh); longer runs and libFuzzer: docs/RELIABILITY.md.
step "fuzz: clippy (fuzz/, stable driver)" scripts/fuzz.sh clippy
step "fuzz smoke: every target 10 s" env NANOTRACE_FUZZ_ENGINE=stable scripts/fuzz.sh all 10
if [ "$fabric" = yes ]; then
  step "Fabric network smoke test (Go asset chaincode, peer CLI)" systests/fabric/network_smoke.sh
fi
# The summary: what did not run, and why (one line each, deduplicated: a skip recorded
# by several tests of one suite is one line).
skipped="$(sort -u "$NANOTRACE_SKIP_LOG")"
echo "[test] summary: Fabric suite $([ "$fabric" = yes ] && echo ran || echo SKIPPED);" \
  "$(if [ -z "$skipped" ]; then echo "nothing skipped"; else echo "$(printf '%s\n' "$skipped" | wc -l) skipped"; fi)" \
  "(required: ${NANOTRACE_REQUIRE:-nothing})$([ -z "$skipped" ] || echo ":")"
[ -z "$skipped" ] || printf '%s\n' "$skipped" | sed 's/^/  SKIPPED /'

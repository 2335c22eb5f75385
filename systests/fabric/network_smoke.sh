#!/usr/bin/env bash
# End-to-end smoke test of the local Fabric network (scripts/network.sh) with the
# Go asset-transfer chaincode (bench/go-asset) served as CCaaS over mutual TLS.
#
#   systests/fabric/network_smoke.sh
#
# 1. network.sh up (own run folder and ports, so a developer's network is not touched)
# 2. go build bench/go-asset; network.sh deploy asset --server <binary> (mutual TLS)
# 3. peer chaincode invoke CreateAsset as a Manufacturer client, endorsed by the
#    Manufacturer and the governing Regulator's peers, --waitForEvent; then peer chaincode
#    query ReadAsset from the Regulator's peer as a Regulator client (and as its Ed25519
#    user); one org alone, and two without the governing one, are invalidated
# 4. a TLS client without a client certificate is refused by the chaincode server
# 5. a second chaincode (plain gRPC) on the same channel; a redeploy bumps the sequence
# 6. network.sh down (also on failure, from a trap); no process is left
#
# Without Fabric binaries (FABRIC_BIN_DIR) it prints a loud SKIPPED line and exits 0.
# Every wait is bounded. Env: FABRIC_BIN_DIR, FABRIC_CFG_DIR, NANOTRACE_FABRIC_PORT_BASE
# (default here the table's `smoke`, 27050: scripts/network.sh port-base smoke),
# NANOTRACE_FABRIC_RUN_DIR (default <repo>/.run/fabric-smoke).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NET="$ROOT/scripts/network.sh"
export FABRIC_BIN_DIR="${FABRIC_BIN_DIR:-$HOME/.local/share/fabric/bin}"
export FABRIC_CFG_DIR="${FABRIC_CFG_DIR:-$HOME/.local/share/fabric/config}"
export NANOTRACE_FABRIC_RUN_DIR="${NANOTRACE_FABRIC_RUN_DIR:-$ROOT/.run/fabric-smoke}"
RUN="$NANOTRACE_FABRIC_RUN_DIR"

say() { printf '[smoke] %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

if [[ ! -x "$FABRIC_BIN_DIR/peer" || ! -x "$FABRIC_BIN_DIR/orderer" ]]; then
    echo "FABRIC SUITE SKIPPED: no Fabric binaries in $FABRIC_BIN_DIR (see network/README.md to install Fabric 3.1)"
    exit 0
fi
if ! command -v go >/dev/null; then
    echo "FABRIC SUITE SKIPPED: no Go toolchain to build bench/go-asset"
    exit 0
fi

# Ports are the layout's (topology/README.md), never sums in bash: this test's port base
# from the table of every network's, its chaincode servers on the first two service
# ports, B+300 and B+301.
base=${NANOTRACE_FABRIC_PORT_BASE:-$("$NET" port-base smoke)}
export NANOTRACE_FABRIC_PORT_BASE=$base
CC_PORT=$("$NET" service-port 0)
CC2_PORT=$("$NET" service-port 1)

start=$(date +%s)
passed=0
check() { passed=$((passed + 1)); say "ok $passed - $*"; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if ((rc != 0)) && [[ -d "$RUN/logs" ]]; then
        say "failed (exit $rc); last lines of each log:"
        for f in "$RUN"/logs/*.log; do
            [[ -f "$f" ]] || continue
            echo "----- $f" >&2
            tail -n 15 "$f" >&2
        done
    fi
    timeout 120 "$NET" down || say "network.sh down failed"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Fabric's peer CLI as a client of ORG with the given user folder.
# CLI_LOG=info makes `invoke` print its result ("status:200"); queries print only the payload.
cli() {
    local org=$1 user=$2
    shift 2
    # shellcheck disable=SC1091
    source "$RUN/network.env"
    local up=${org^^} msp_var addr_var ca_var
    msp_var="${up}_MSP_ID" addr_var="${up}_PEER_ADDRESS" ca_var="${up}_PEER_TLS_CA"
    env FABRIC_CFG_PATH="$FABRIC_CFG_DIR" CORE_PEER_TLS_ENABLED=true \
        FABRIC_LOGGING_SPEC="grpc=error:chaincodeCmd=${CLI_LOG:-warning}:warning" \
        CORE_PEER_LOCALMSPID="${!msp_var}" \
        CORE_PEER_MSPCONFIGPATH="$RUN/crypto/peerOrganizations/$org.nanotrace.test/users/$user@$org.nanotrace.test/msp" \
        CORE_PEER_ADDRESS="${!addr_var}" \
        CORE_PEER_TLS_ROOTCERT_FILE="${!ca_var}" \
        timeout 60 "$FABRIC_BIN_DIR/peer" "$@"
}

# 0. a clean start (a previous run that was killed hard may have left a folder).
timeout 120 "$NET" down >/dev/null 2>&1 || true

# 1. network
timeout 300 "$NET" up | tee "$RUN.up.out" >&2 || fail "network.sh up"
up_s=$(sed -n 's/^up_seconds=//p' "$RUN.up.out")
rm -f "$RUN.up.out"
# shellcheck disable=SC1091
source "$RUN/network.env"
[[ -f "$RUN/profiles/manufacturer-dave.yaml" && -f "$RUN/profiles/certifier-alice.yaml" ]] ||
    fail "connection profiles missing"
check "network up in ${up_s}s, profiles written"

# 2. chaincode: build, deploy with mutual TLS, start the server
mkdir -p "$RUN/bin"
(cd "$ROOT/bench/go-asset" && timeout 600 go build -o "$RUN/bin/go-asset" .) || fail "go build bench/go-asset"
check "bench/go-asset built"
timeout 300 "$NET" deploy asset --address "127.0.0.1:$CC_PORT" --tls --server "$RUN/bin/go-asset" |
    tee "$RUN/deploy.out" >&2 || fail "network.sh deploy asset"
deploy_s=$(sed -n 's/^deploy_seconds=//p' "$RUN/deploy.out")
grep -q "^CHAINCODE_ID='asset:" "$RUN/chaincode/asset/env" || fail "env file has no CHAINCODE_ID"
check "asset deployed (mutual TLS) in ${deploy_s}s"

# 3. invoke through two orgs' peers, wait for the commit; query from the Regulator's peer
id="smoke-$$-$RANDOM"
t0=$(date +%s%N)
CLI_LOG=info cli manufacturer dave chaincode invoke -o "$ORDERER_ADDRESS" --tls --cafile "$ORDERER_TLS_CA" \
    -C "$NANOTRACE_FABRIC_CHANNEL" -n asset \
    --peerAddresses "$MANUFACTURER_PEER_ADDRESS" --tlsRootCertFiles "$MANUFACTURER_PEER_TLS_CA" \
    --peerAddresses "$REGULATOR_PEER_ADDRESS" --tlsRootCertFiles "$REGULATOR_PEER_TLS_CA" \
    --waitForEvent --waitForEventTimeout 30s \
    -c "{\"function\":\"CreateAsset\",\"Args\":[\"$id\",\"blue\",\"5\",\"dave\",\"300\"]}" >"$RUN/invoke.out" 2>&1 ||
    { cat "$RUN/invoke.out" >&2; fail "invoke CreateAsset"; }
invoke_ms=$((($(date +%s%N) - t0) / 1000000))
grep -q "status:200" "$RUN/invoke.out" || { cat "$RUN/invoke.out" >&2; fail "invoke did not return status 200"; }
check "CreateAsset committed (endorsed by ManufacturerMSP + RegulatorMSP) in ${invoke_ms} ms"

expect='{"AppraisedValue":300,"Color":"blue","ID":"'"$id"'","Owner":"dave","Size":5}'
got=""
for _ in $(seq 1 50); do # the Regulator's peer commits the block on its own: allow it a moment
    got=$(cli regulator rita chaincode query -C "$NANOTRACE_FABRIC_CHANNEL" -n asset \
        -c "{\"Args\":[\"ReadAsset\",\"$id\"]}" 2>/dev/null) && [[ "$got" == "$expect" ]] && break
    sleep 0.1
done
[[ "$got" == "$expect" ]] || fail "ReadAsset from the Regulator's peer: got '$got', want '$expect'"
check "ReadAsset from the Regulator's peer returns the asset"

got=$(cli regulator User2 chaincode query -C "$NANOTRACE_FABRIC_CHANNEL" -n asset \
    -c "{\"Args\":[\"AssetExists\",\"$id\"]}") || fail "query as the Ed25519 user"
[[ "$got" == "true" ]] || fail "AssetExists as User2 (Ed25519): got '$got'"
openssl x509 -noout -text -in "$RUN/crypto/peerOrganizations/regulator.nanotrace.test/users/User2@regulator.nanotrace.test/msp/signcerts/User2@regulator.nanotrace.test-cert.pem" |
    grep -q ED25519 || fail "User2 is not an Ed25519 identity"
check "an Ed25519 client identity (User2@regulator) is accepted (channel capability V3_0)"

# The governing organisation's peer and one other: one org's endorsement alone, and two
# orgs' without the governing one, must not commit.
solo=(--peerAddresses "$MANUFACTURER_PEER_ADDRESS" --tlsRootCertFiles "$MANUFACTURER_PEER_TLS_CA")
pair=("${solo[@]}" --peerAddresses "$CERTIFIER_PEER_ADDRESS" --tlsRootCertFiles "$CERTIFIER_PEER_TLS_CA")
for endorsers in solo pair; do
    declare -n peers=$endorsers
    if cli manufacturer dave chaincode invoke -o "$ORDERER_ADDRESS" --tls --cafile "$ORDERER_TLS_CA" \
        -C "$NANOTRACE_FABRIC_CHANNEL" -n asset "${peers[@]}" --waitForEvent --waitForEventTimeout 30s \
        -c "{\"function\":\"CreateAsset\",\"Args\":[\"$id-$endorsers\",\"red\",\"1\",\"dave\",\"1\"]}" >"$RUN/$endorsers.out" 2>&1; then
        cat "$RUN/$endorsers.out" >&2
        fail "a transaction endorsed by the $endorsers of peers was committed as valid"
    fi
    grep -q "ENDORSEMENT_POLICY_FAILURE" "$RUN/$endorsers.out" || { cat "$RUN/$endorsers.out" >&2; fail "$endorsers invoke failed, but not on the endorsement policy"; }
    unset -n peers
done
check "one org's endorsement, and two orgs' without the governing Regulator, are rejected (ENDORSEMENT_POLICY_FAILURE)"

# 4. mutual TLS: no client certificate, no chaincode. TLS 1.2 refuses it inside
#    the handshake; with TLS 1.3 the refusal (alert "certificate required") comes
#    after the client's Finished, so s_client is kept reading for a moment.
tls="$RUN/chaincode/asset/tls"
s_client() { (sleep 1) | timeout 10 openssl s_client -connect "127.0.0.1:$CC_PORT" -CAfile "$tls/ca.crt" \
    -verify_return_error -servername localhost "$@" 2>&1 || true; }
out=$(s_client -tls1_2)
grep -qi "alert handshake failure\|alert bad certificate\|certificate required" <<<"$out" ||
    { echo "$out" >&2; fail "a TLS 1.2 client without a certificate was not refused"; }
out=$(s_client -tls1_3)
grep -qi "certificate required" <<<"$out" || { echo "$out" >&2; fail "a TLS 1.3 client without a certificate was not refused"; }
grep -q "Verify return code: 0" <<<"$out" || { echo "$out" >&2; fail "the chaincode server's certificate does not verify against its CA"; }
out=$(s_client -cert "$tls/client.crt" -key "$tls/client.key")
if grep -qi "alert\|Verify return code: [1-9]" <<<"$out"; then
    echo "$out" >&2
    fail "the TLS client with the peers' client certificate was refused"
fi
check "chaincode server refuses a TLS client without a client certificate (TLS 1.2 and 1.3), accepts the peers' one"

# 5. a second chaincode (plain gRPC) next to the first; a redeploy bumps its sequence
timeout 300 "$NET" deploy asset2 --address "127.0.0.1:$CC2_PORT" --no-tls --server "$RUN/bin/go-asset" >/dev/null ||
    fail "network.sh deploy asset2"
cli certifier alice chaincode invoke -o "$ORDERER_ADDRESS" --tls --cafile "$ORDERER_TLS_CA" \
    -C "$NANOTRACE_FABRIC_CHANNEL" -n asset2 \
    --peerAddresses "$CERTIFIER_PEER_ADDRESS" --tlsRootCertFiles "$CERTIFIER_PEER_TLS_CA" \
    --peerAddresses "$REGULATOR_PEER_ADDRESS" --tlsRootCertFiles "$REGULATOR_PEER_TLS_CA" \
    --waitForEvent --waitForEventTimeout 30s -c '{"function":"InitLedger","Args":[]}' >"$RUN/invoke2.out" 2>&1 ||
    { cat "$RUN/invoke2.out" >&2; fail "invoke InitLedger on asset2"; }
got=$(cli certifier alice chaincode query -C "$NANOTRACE_FABRIC_CHANNEL" -n asset2 -c '{"Args":["ReadAsset","asset3"]}') ||
    fail "query asset2"
[[ "$got" == *'"Owner":"Jin Soo"'* ]] || fail "asset2 ReadAsset asset3: got '$got'"
got=$(cli certifier alice chaincode query -C "$NANOTRACE_FABRIC_CHANNEL" -n asset -c '{"Args":["AssetExists","asset3"]}')
[[ "$got" == "false" ]] || fail "asset and asset2 share state: AssetExists asset3 on asset = '$got'"
check "a second chaincode (plain gRPC) on the same channel, with its own state"

timeout 300 "$NET" deploy asset2 --address "127.0.0.1:$CC2_PORT" --tls --server "$RUN/bin/go-asset" >/dev/null ||
    fail "redeploy asset2 with TLS"
cli manufacturer User1 lifecycle chaincode querycommitted -C "$NANOTRACE_FABRIC_CHANNEL" -n asset2 2>&1 |
    grep -q "Sequence: 2," || fail "redeploy of asset2 did not commit sequence 2"
got=$(cli regulator rita chaincode query -C "$NANOTRACE_FABRIC_CHANNEL" -n asset2 -c '{"Args":["ReadAsset","asset3"]}') ||
    fail "query asset2 after the redeploy"
[[ "$got" == *'"Owner":"Jin Soo"'* ]] || fail "asset2 after redeploy: got '$got'"
check "redeploying asset2 with a new package (now TLS) commits sequence 2 and keeps its state"

timeout 60 "$NET" status >&2 || fail "network.sh status"
check "status"

# 6. teardown: nothing of this run may be left
trap - EXIT
timeout 120 "$NET" down || fail "network.sh down"
[[ ! -e "$RUN" ]] || fail "run folder $RUN still there after down"
left=$(grep -lxzF "NANOTRACE_FABRIC_RUN=$RUN" /proc/[0-9]*/environ 2>/dev/null || true)
[[ -z "$left" ]] || fail "processes of this run left after down:$left"
timeout 60 "$NET" down || fail "a second down (nothing running) failed"
check "down stops everything, purges the run folder, is idempotent"

say "timings: up ${up_s}s, deploy ${deploy_s}s, committed invoke ${invoke_ms} ms; total $(($(date +%s) - start))s"
echo "fabric-smoke: $passed passed, 0 failed"

# shellcheck shell=bash
# Sourced by scripts/network.sh: `remove ORG NAME [...]`: a member's contract roles
# revoked, its identity revoked at the CA, the CRL on the channel.

# remove ORG NAME [--reason R] [--admin-profile PROFILE] : removes member NAME of ORG for
# real, in one command: `nanotrace ca remove` (as the contract's admin, PROFILE, default
# the Regulator's Admin) revokes every role NAME's identities hold in the contract, then
# revokes NAME at ORG's CA (as its registrar) and writes the CRL; `crl` puts that CRL into
# ORG's MSP definition on the channel, after which every peer refuses NAME. Safe to run
# again after a failure part-way: roles already revoked, a revoked identity and a CRL
# already on the channel are reported, not errors. Needs the nanotrace CLI: NANOTRACE_BIN,
# else `nanotrace` on PATH, else <repo>/target/debug/nanotrace.
cmd_remove() {
    local org=${1:-} name=${2:-}
    (($# >= 2)) && shift 2 || die "remove ORG NAME [--reason R] [--admin-profile PROFILE]"
    local reason=cessationofoperation admin_profile="$PROFILES/$GOVERNING_ORG-admin.yaml"
    while (($#)); do
        case $1 in
        --reason) reason=${2:?--reason needs a value}; shift 2 ;;
        --admin-profile) admin_profile=${2:?--admin-profile needs a file}; shift 2 ;;
        *) die "remove: unknown option '$1'" ;;
        esac
    done
    [[ -n "${ORG_MSP[$org]:-}" ]] || die "remove ORG NAME: ORG is one of ${ORGS[*]} (got '$org')"
    [[ "$name" =~ ^[A-Za-z0-9@._-]+$ ]] || die "remove: '$name' is not an enrollment ID"
    [[ -f "$RUN_DIR/network.env" ]] || die "no network in $RUN_DIR: run 'up' first"
    [[ -f "$admin_profile" ]] || die "remove: no connection profile '$admin_profile' for the contract's admin"
    local nt=${NANOTRACE_BIN:-}
    [[ -n "$nt" ]] || nt=$(command -v nanotrace) || nt="$ROOT/target/debug/nanotrace"
    [[ -x "$nt" ]] || die "remove needs the nanotrace CLI: set NANOTRACE_BIN or put it on PATH (cargo build --bin nanotrace)"
    local t0 wallet work
    t0=$(now)
    wallet="$RUN_DIR/wallets/ca-registrar-$org"
    work="$RUN_DIR/config-update/remove-$org-$name-$(date +%s%N)"
    mkdir -p "$work"
    if [[ ! -f "$wallet/cert.pem" ]]; then
        NANOTRACE_CA_SECRET=adminpw "$nt" ca enroll --url "https://$(ca_addr "$org")" --tls-root "$(ca_cert "$org")" \
            --id admin --wallet "$wallet" >"$work/enroll.log" 2>&1 ||
            { cat "$work/enroll.log" >&2; die "remove: ca-$org's registrar cannot enroll"; }
    fi
    "$nt" --network fabric --profile "$admin_profile" ca remove --wallet "$wallet" --id "$name" --msp-id "${ORG_MSP[$org]}" \
        --reason "$reason" --crl-out "$work/crl.pem" >&2 || die "remove: nanotrace ca remove failed; nothing is on the channel yet"
    CRL_SAME_OK=1 cmd_crl "$org" "$work/crl.pem"
    log "remove: $name of ${ORG_MSP[$org]} removed in $(elapsed "$t0") s"
}

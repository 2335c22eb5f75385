# shellcheck shell=bash
# Sourced by scripts/network.sh: `crl ORG CRL.pem`: a CRL put into ORG's MSP definition on
# the channel.

# crl ORG CRL.pem : puts the CRL into ORG's MSP definition in the channel configuration,
# so that every peer refuses the certificates it lists (a member removed at the org's
# Fabric CA: `nanotrace ca revoke --crl-out`). A config update computed with
# configtxlator, signed and submitted by ORG's admin (the org group's mod_policy is its
# Admins), then awaited on every peer.
cmd_crl() {
    local org=${1:-} crl=${2:-}
    [[ -n "$org" && -n "${ORG_MSP[$org]:-}" ]] || die "crl ORG CRL.pem: ORG is one of ${ORGS[*]} (got '$org')"
    [[ -f "$crl" ]] || die "crl: no CRL file '$crl'"
    grep -q 'BEGIN X509 CRL' "$crl" || die "crl: '$crl' is not a PEM CRL"
    check_fabric
    [[ -x "$FABRIC_BIN_DIR/configtxlator" ]] || die "crl needs configtxlator (part of Fabric's release) in $FABRIC_BIN_DIR"
    command -v jq >/dev/null || die "crl needs jq"
    [[ -f "$RUN_DIR/network.env" ]] || die "no network in $RUN_DIR: run 'up' first"
    local t0 msp work
    t0=$(now)
    msp=${ORG_MSP[$org]}
    work="$RUN_DIR/config-update/$org-$(date +%s%N)"
    mkdir -p "$work"
    config_fetch "$org" "$work"
    jq -e --arg msp "$msp" '.channel_group.groups.Application.groups[$msp]' "$work/config.json" >/dev/null ||
        die "crl: $msp is not an application organisation of '$CHANNEL'"
    # With bft the organisation is an orderer organisation too: its MSP definition is in
    # both groups and must stay the same in each (same mod policy: its own Admins).
    jq --arg msp "$msp" --arg crl "$(base64 -w0 <"$crl")" \
        '.channel_group.groups.Application.groups[$msp].values.MSP.value.config.revocation_list = [$crl]
         | if .channel_group.groups.Orderer.groups[$msp] then
             .channel_group.groups.Orderer.groups[$msp].values.MSP.value.config.revocation_list = [$crl]
           else . end' \
        "$work/config.json" >"$work/modified.json"
    if ! config_envelope "$work"; then
        if [[ -n "${CRL_SAME_OK:-}" ]]; then
            log "crl: $msp's MSP definition on '$CHANNEL' already carries this CRL"
            return 0
        fi
        die "crl: no change to make (is this CRL already there?)"
    fi
    config_submit "$org" "$work"
    log "crl: $msp's MSP definition on '$CHANNEL' now carries $(basename "$crl"); every peer committed it in $(elapsed "$t0") s"
}

# shellcheck shell=bash
# Sourced by scripts/network.sh: `add-org ENTRY`: an organisation joins the running
# channel, step 1 of 3 (then `sign-update` by a majority of the members' admins and
# `submit-update`; then `join-org` starts its peer).

# add-org ENTRY : the organisation of ENTRY (a YAML file holding one entry of the
# consortium file's `organizations`) gets its Fabric CA and identities, and the channel
# configuration update that adds its MSP definition to the channel's Application group
# (and, when it runs peers, counts it in the lifecycle and default endorsement policies;
# when it runs a SmartBFT orderer, adds it to the ordering service's organisations and
# consenter set) is written to <run>/updates/add-<org>.pb, unsigned. Nothing of the
# channel changes yet.
cmd_add_org() {
    local entry=${1:-}
    [[ -n "$entry" && -f "$entry" ]] ||
        die "add-org ENTRY: ENTRY is a YAML file holding the organisation's entry, as in the consortium file's 'organizations' (got '$entry')"
    (($# <= 1)) || die "add-org: unknown argument '$2' (add-org ENTRY)"
    check_fabric
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    local t0 updates grown org work before=("${ORGS[@]}") p
    t0=$(now)
    updates="$RUN_DIR/updates"
    mkdir -p "$updates"
    grown=$(mktemp "$updates/consortium.XXXXXX")
    "$TOPOLOGY_BIN" --consortium "$CONSORTIUM" add "$entry" >"$grown" ||
        { rm -f "$grown"; die "add-org: $entry is refused (above); nothing was changed"; }
    CONSORTIUM=$grown
    load_consortium
    CA_ORGS=(orderer "${ORGS[@]}")
    org=${ORGS[-1]}
    [[ " ${before[*]} " != *" $org "* ]] || die "add-org: $org is a member already"
    work="$updates/add-$org"
    [[ ! -e "$work" && ! -e "$(ca_home "$org")" ]] ||
        die "add-org: $org was prepared already ($work); its update is $updates/add-$org.pb"
    mkdir -p "$work"
    mv "$grown" "$work/consortium.yaml"
    CONSORTIUM="$work/consortium.yaml"
    hosts_mode || for p in "$(ca_port "$org")" "$(ca_ops_port "$org")" ${PEER_PORT[$org]:+"$(peer_port "$org")"} \
        ${ORDERER_NODE_PORT[$org]:+"$(orderer_port "$org")" "$(orderer_admin_port "$org")" "$(orderer_ops_port "$org")"}; do
        ! port_in_use "$p" || die "add-org: port $p of $org is in use"
    done

    if hosts_mode; then
        # Its host: a namespace on the bridge; every host's /etc/hosts names it.
        host_make "$org"
        hosts_refresh
        log "host $(ns_name "$org") at $(org_ip "$org"); every host's /etc/hosts names it"
    fi
    log "starting ca-$org (https://$(ca_addr "$org"), operations :$(ca_ops_port "$org"))"
    start_ca "$org"
    wait_for "$WAIT_TIMEOUT" "ca-$org listening on $(ca_addr "$org")" listening "$(org_ip "$org")" "$(ca_port "$org")"
    org_identities "$org" >"$LOGS/identities-$org.log" 2>&1 ||
        { tail -n 5 "$LOGS/identities-$org.log" >&2; die "add-org: ca-$org could not issue $org's identities"; }
    log "$org's identities issued by ca-$org"

    # Its definition as configtxgen writes it into a channel of the grown consortium; with
    # an orderer of its own, also its ordering organisation's definition (its endpoint) and
    # its place in the SmartBFT consenter set (identity, TLS certificates, number).
    local orderer=false
    if runs_orderer "$org"; then orderer=true; fi
    membership_update "$work" "$updates/add-$org.pb" "adding $org (${ORG_MSP[$org]}$($orderer && echo ", a consenter"))" \
        '.channel_group.groups.Application.groups[$msp] = $grown[0].groups.Application.groups[$msp]
         | if $orderer then
             .channel_group.groups.Orderer.groups[$msp] = $grown[0].groups.Orderer.groups[$msp]
             | .channel_group.groups.Orderer.values.Orderers.value.consenter_mapping +=
                 [$grown[0].groups.Orderer.values.Orderers.value.consenter_mapping[] | select(.msp_id == $msp)]
           else . end' \
        --arg msp "${ORG_MSP[$org]}" --argjson orderer "$orderer"
    echo "prepare_seconds=$(elapsed "$t0")"
}

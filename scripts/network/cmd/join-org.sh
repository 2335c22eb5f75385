# shellcheck shell=bash
# Sourced by scripts/network.sh: `join-org ORG [--snapshot DIR]`: the nodes of an
# organisation that joined the channel (add-org, submit-update) start and join it: with
# SmartBFT ordering its orderer (a consenter), then its peer.

cmd_join_org() {
    local org=${1:-} snapshot="" t0
    [[ -n "$org" && -n "${ORG_MSP[$org]:-}" ]] || die "join-org ORG: ORG is one of ${ORGS[*]} (got '$org')"
    shift
    while (($#)); do
        case "$1" in
        --snapshot) snapshot=${2:-}; shift 2 ;;
        *) die "join-org: unknown argument '$1' (join-org ORG [--snapshot DIR])" ;;
        esac
    done
    has_peer "$org" || runs_orderer "$org" ||
        die "join-org: $org runs no peer (its members use another organisation's gateway peer) and no orderer"
    ! has_peer "$org" || ! peer_started "$org" || die "join-org: $(peer_host "$org") was started already"
    ! runs_orderer "$org" || ! orderer_started "$org" || die "join-org: $(orderer_host "$org") was started already"
    [[ -z "$snapshot" || -f "$snapshot/_snapshot_signable_metadata.json" ]] || die "join-org: '$snapshot' is no completed snapshot"
    check_fabric
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    t0=$(now)
    if runs_orderer "$org"; then
        # Its orderer first: joined with the channel's latest configuration block (the one
        # that made it a consenter), it replicates the chain from the others, then orders.
        local work
        mkdir -p "$RUN_DIR/updates"
        work=$(mktemp -d "$RUN_DIR/updates/join.XXXXXX")
        config_fetch "$org" "$work"   # read as the newcomer's own admin
        jq -e --arg msp "${ORG_MSP[$org]}" \
            'any(.channel_group.groups.Orderer.values.Orderers.value.consenter_mapping[]; .msp_id == $msp)' \
            "$work/config.json" >/dev/null || die "join-org: ${ORG_MSP[$org]} is no consenter of '$CHANNEL' (submit its add-org update first)"
        log "starting $(orderer_host "$org") ($ORDERING, ${ORG_MSP[$org]}: $(orderer_addr "$org"), admin :$(orderer_admin_port "$org"), operations :$(orderer_ops_port "$org"))"
        join_orderer "$org" "$work/config_block.pb" "the configuration block that made it a consenter"
        rm -rf "$work"
        echo "orderer_join_seconds=$(elapsed "$t0")"
        has_peer "$org" || { echo "join_seconds=$(elapsed "$t0")"; return; }
    fi
    log "starting $(peer_host "$org") (${ORG_MSP[$org]}: $(peer_addr "$org"), chaincode :$(peer_cc_port "$org"), operations :$(peer_ops_port "$org"))"
    start_peer "$org"
    wait_for "$WAIT_TIMEOUT" "$(peer_host "$org") health" healthy "$(peer_ops_port "$org")" "$(org_ip "$org")"
    wait_for "$WAIT_TIMEOUT" "$(peer_host "$org") listening" listening "$(org_ip "$org")" "$(peer_port "$org")"
    join_and_catch_up "$org" 0 "$snapshot"
    wait_for "$WAIT_TIMEOUT" "$(peer_host "$org") to see the other orgs' peers through gossip" sees_other_orgs "$org"
    log "$(peer_host "$org") joined '$CHANNEL'${snapshot:+ from the snapshot $snapshot} and reached height $CAUGHT_UP_HEIGHT in $(elapsed "$t0") s"
    log "next: each chaincode's new sequence, approved on each host that runs peers (scripts/network.sh approve NAME --org ORG; $org too, so that its peer endorses) and committed by one (scripts/network.sh commit NAME --org ORG)"
    echo "join_seconds=$(elapsed "$t0")"
}

# shellcheck shell=bash
# Sourced by scripts/network.sh: `join-org ORG [--snapshot DIR]`: the peer of an
# organisation that joined the channel (add-org, submit-update) starts and joins it.

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
    has_peer "$org" || die "join-org: $org runs no peer (its members use another organisation's gateway peer)"
    ! peer_started "$org" || die "join-org: $(peer_host "$org") was started already"
    [[ -z "$snapshot" || -f "$snapshot/_snapshot_signable_metadata.json" ]] || die "join-org: '$snapshot' is no completed snapshot"
    check_fabric
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    t0=$(now)
    log "starting $(peer_host "$org") (${ORG_MSP[$org]}: $(peer_addr "$org"), chaincode :$(peer_cc_port "$org"), operations :$(peer_ops_port "$org"))"
    start_peer "$org"
    wait_for "$WAIT_TIMEOUT" "$(peer_host "$org") health" healthy "$(peer_ops_port "$org")" "$(org_ip "$org")"
    wait_for "$WAIT_TIMEOUT" "$(peer_host "$org") listening" listening "$(org_ip "$org")" "$(peer_port "$org")"
    join_and_catch_up "$org" 0 "$snapshot"
    wait_for "$WAIT_TIMEOUT" "$(peer_host "$org") to see the other orgs' peers through gossip" sees_other_orgs "$org"
    log "$(peer_host "$org") joined '$CHANNEL'${snapshot:+ from the snapshot $snapshot} and reached height $CAUGHT_UP_HEIGHT in $(elapsed "$t0") s"
    log "deploy each chaincode again (scripts/network.sh deploy NAME --address …): $org approves it, and the endorsement policy counts it"
    echo "join_seconds=$(elapsed "$t0")"
}

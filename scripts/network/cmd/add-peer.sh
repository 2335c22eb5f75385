# shellcheck shell=bash
# Sourced by scripts/network.sh: `add-peer ORG [--snapshot DIR]`: a second peer of ORG
# joins the channel.

cmd_add_peer() {
    local org=${1:-} snapshot="" host dir t0
    [[ -n "$org" && -n "${ORG_MSP[$org]:-}" ]] || die "add-peer ORG: ORG is one of ${ORGS[*]} (got '$org')"
    shift
    while (($#)); do
        case "$1" in
        --snapshot) snapshot=$2; shift 2 ;;
        *) die "add-peer: unknown argument '$1'" ;;
        esac
    done
    [[ -z "$snapshot" || -f "$snapshot/_snapshot_signable_metadata.json" ]] || die "add-peer: '$snapshot' is no completed snapshot"
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    host=$(peer_host "$org" 1)
    dir=$(peer_dir "$org" 1)
    [[ ! -e "$dir" ]] || die "add-peer: $host exists already"
    t0=$(now)
    issue "$org" peer "$host" "$dir" >"$LOGS/identities-$host.log" 2>&1 ||
        { cat "$LOGS/identities-$host.log" >&2; die "add-peer: ca-$org cannot issue $host"; }
    log "starting $host (${ORG_MSP[$org]}: $(peer_addr "$org" 1), chaincode :$(peer_cc_port "$org" 1), operations :$(peer_ops_port "$org" 1))"
    start_peer "$org" 1
    wait_for "$WAIT_TIMEOUT" "$host health" healthy "$(peer_ops_port "$org" 1)" "$(org_ip "$org")"
    wait_for "$WAIT_TIMEOUT" "$host listening" listening "$(org_ip "$org")" "$(peer_port "$org" 1)"
    join_and_catch_up "$org" 1 "$snapshot"
    peer1_profiles "$org"
    log "$host joined '$CHANNEL'${snapshot:+ from the snapshot $snapshot} and reached height $CAUGHT_UP_HEIGHT in $(elapsed "$t0") s"
    echo "join_seconds=$(elapsed "$t0")"
}

# peer1_profiles ORG : a connection profile per user of ORG with peer1 as its gateway.
peer1_profiles() { write_profiles --second-peer "$1"; }

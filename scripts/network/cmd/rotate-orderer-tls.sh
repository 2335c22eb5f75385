# shellcheck shell=bash
# Sourced by scripts/network.sh: `rotate-orderer-tls ORG [--keep-key]`: a new TLS
# certificate for ORG's orderer.

# rotate-orderer-tls ORG [--keep-key] : a new TLS certificate for ORG's orderer (the
# ordering organisation's `orderer`, or with bft an organisation's) from ORG's CA.
# Orderers know each other (and themselves) in the channel configuration's consenter set
# by their TLS certificates' public keys (Fabric compares keys, not certificates):
# - --keep-key (a certificate about to expire): a new certificate for the same key; the
#   orderer restarts with it, nothing else changes;
# - otherwise (a new key): first a configuration update puts the new certificate in place
#   of the old one in the consenter set (Raft's consenters, BFT's consenter mapping),
#   signed by the admins of every orderer organisation (the Orderer group's Admins policy:
#   a majority), then the orderer restarts with the new pair (its ledger kept). A single
#   Raft orderer cannot take this update (Fabric first moves the leadership of a node whose
#   key changes to another consenter; there is none): refused, with the way out.
# Either way the replaced certificate is revoked at ORG's CA (reason superseded) once the
# orderer serves the new one. Prints old_serial= and new_serial=.
cmd_rotate_orderer_tls() {
    local org=${1:-} keep="" o known=false host dir work cu t0 old new old_b64 new_b64 signers=()
    (($#)) && shift
    while (($#)); do
        case "$1" in
        --keep-key) keep=keep-key; shift ;;
        *) die "rotate-orderer-tls: unknown argument '$1' (rotate-orderer-tls ORG [--keep-key])" ;;
        esac
    done
    for o in "${ORDERER_ORGS[@]}"; do [[ "$o" == "$org" ]] && known=true; done
    $known || die "rotate-orderer-tls ORG: ORG is one of ${ORDERER_ORGS[*]} (got '$org')"
    if [[ -z "$keep" && ${#ORDERER_ORGS[@]} -lt 2 ]]; then
        die "rotate-orderer-tls: a single Raft orderer cannot change its TLS key by a configuration update (Fabric must first hand its leadership to another consenter): renew its certificate for the same key with --keep-key, or run more orderers (bft)"
    fi
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    t0=$(now)
    host=$(orderer_host "$org")
    dir=$(orderer_dir "$org")
    work=$(mktemp -d)
    reissue_tls "$org" "$host" "$dir" "$work" "$keep"
    old=$(serial_of "$dir/tls/server.crt")
    new=$(serial_of "$work/server.crt")
    if [[ -n "$keep" ]]; then
        log "$host: a new TLS certificate for its key (serial $old → $new); restarting it"
        restart_orderer_with "$org" "$work" "$t0"
        echo "old_serial=$old"
        echo "new_serial=$new"
        return 0
    fi
    old_b64=$(base64 -w0 <"$dir/tls/server.crt")
    new_b64=$(base64 -w0 <"$work/server.crt")
    cu="$RUN_DIR/config-update/orderer-tls-$org-$(date +%s%N)"
    config_fetch "${PEER_ORGS[0]}" "$cu"
    jq --arg old "$old_b64" --arg new "$new_b64" '
        def swap: (if .client_tls_cert == $old then .client_tls_cert = $new else . end)
                | (if .server_tls_cert == $old then .server_tls_cert = $new else . end);
        if .channel_group.groups.Orderer.values.ConsensusType.value.type == "etcdraft"
        then .channel_group.groups.Orderer.values.ConsensusType.value.metadata.consenters |= map(swap)
        else .channel_group.groups.Orderer.values.Orderers.value.consenter_mapping |= map(swap) end' \
        "$cu/config.json" >"$cu/modified.json"
    config_envelope "$cu" || die "rotate-orderer-tls: $host's TLS certificate is not in the consenter set of '$CHANNEL'"
    for o in "${ORDERER_ORGS[@]:1}"; do signers+=("$o"); done
    config_submit "${ORDERER_ORGS[0]}" "$cu" "${signers[@]}"
    log "$host: the consenter set of '$CHANNEL' names its new TLS certificate (serial $old → $new); restarting it"
    restart_orderer_with "$org" "$work" "$t0"
    echo "old_serial=$old"
    echo "new_serial=$new"
}

# restart_orderer_with ORG WORK T0 : ORG's orderer restarted with the pair in WORK; the
# certificate it replaced revoked at ORG's CA (reason superseded) once the new one serves.
restart_orderer_with() {
    local org=$1 work=$2 t0=$3 host log leaders superseded
    host=$(orderer_host "$org")
    log="$LOGS/$(orderer_name "$org").log"
    leaders=$(grep -ac 'Raft leader changed: 0 -> 1\|became leader at term' "$log" || true)
    superseded=$(mktemp)
    cp "$(orderer_dir "$org")/tls/server.crt" "$superseded"
    install_tls "$(orderer_dir "$org")" "$work"
    stop_named "$(orderer_name "$org")"
    start_orderer "$org"
    wait_for "$WAIT_TIMEOUT" "$host health" healthy "$(orderer_ops_port "$org")" "$(org_ip "$org")"
    wait_for "$WAIT_TIMEOUT" "$host listening" listening "$(org_ip "$org")" "$(orderer_port "$org")"
    if [[ "$ORDERING" == raft ]]; then
        # The restarted single Raft orderer orders nothing until it has elected itself again.
        leader_again() { (($(grep -ac 'Raft leader changed: 0 -> 1\|became leader at term' "$log" || true) > leaders)); }
        wait_for "$WAIT_TIMEOUT" "$host to be the Raft leader again" leader_again
    fi
    revoke_superseded "$org" "$superseded"
    rm -f "$superseded"
    log "$host serves its new TLS certificate; the old one is revoked at ca-$org ($(elapsed "$t0") s)"
}

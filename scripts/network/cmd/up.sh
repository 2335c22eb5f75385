# shellcheck shell=bash
# Sourced by scripts/network.sh: `up [--hosts]`: crypto material, channel, nodes, joins,
# gossip.

cmd_up() {
    while (($#)); do
        case "$1" in
        --hosts) shift ;; # read before the layout (HOSTS=1)
        *) die "up: unknown argument '$1' (up [--hosts])" ;;
        esac
    done
    check_fabric
    # Fabric CA is an ordinary Go module: built once per machine (scripts/fabric-ca.sh).
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    FABRIC_CA_VERSION=$("$FABRIC_CA_BIN_DIR/fabric-ca-server" version | sed -n 's/^ *Version: *//p')
    local t0 t
    t0=$(now)
    if [[ -f "$RUN_DIR/network.env" ]] && network_healthy; then
        log "already up (run folder $RUN_DIR); 'down' first for a fresh network"
        return 0
    fi
    if [[ -e "$RUN_DIR" ]]; then
        log "clearing what a previous run left in $RUN_DIR"
        stop_all
        rm -rf "$RUN_DIR"
    fi
    # On 127.0.0.1 the ports must be free; with --hosts they are the namespaces' own.
    local p busy=()
    if ! hosts_mode; then
        for p in $(all_ports); do
            port_in_use "$p" && busy+=("$p")
        done
    fi
    ((${#busy[@]} == 0)) || die "ports already in use: ${busy[*]} (another network? set NANOTRACE_FABRIC_PORT_BASE)"

    mkdir -p "$RUN_DIR" "$LOGS" "$PIDS" "$NODES"
    # The run's own copy of the consortium: organisations that join later are added to it
    # (add-org), and every later command reads it (network.env names it).
    cp "$CONSORTIUM" "$RUN_DIR/consortium.yaml"
    CONSORTIUM="$RUN_DIR/consortium.yaml"
    # A failed `up` stops what it started; the run folder stays for its logs.
    trap 'rc=$?; if ((rc)); then log "up failed; stopping what was started (logs stay in $LOGS)"; stop_all; hosts_down; fi' EXIT
    trap 'exit 130' INT TERM
    if hosts_mode; then hosts_up; fi

    local org
    for org in "${CA_ORGS[@]}"; do
        log "starting ca-$org (Fabric CA $FABRIC_CA_VERSION, https://$(ca_addr "$org"), operations :$(ca_ops_port "$org"))"
        start_ca "$org"
    done
    for org in "${CA_ORGS[@]}"; do
        wait_for "$WAIT_TIMEOUT" "ca-$org listening on $(ca_addr "$org")" listening "$(org_ip "$org")" "$(ca_port "$org")"
    done
    generate_crypto
    log "identities issued $(elapsed "$t0") s after start"
    generate_channel_block
    write_network_env

    for org in "${ORDERER_ORGS[@]}"; do
        log "starting $(orderer_host "$org") ($ORDERING, $(orderer_msp "$org"): $(orderer_addr "$org"), admin :$(orderer_admin_port "$org"), operations :$(orderer_ops_port "$org"))"
        start_orderer "$org"
    done
    for org in "${PEER_ORGS[@]}"; do
        log "starting $(peer_host "$org") (${ORG_MSP[$org]}: $(peer_addr "$org"), chaincode :$(peer_cc_port "$org"), operations :$(peer_ops_port "$org"))"
        start_peer "$org"
    done
    # /healthz answers before the gRPC listeners accept: wait for both.
    for org in "${ORDERER_ORGS[@]}"; do
        wait_for "$WAIT_TIMEOUT" "$(orderer_host "$org") health" healthy "$(orderer_ops_port "$org")" "$(org_ip "$org")"
        wait_for "$WAIT_TIMEOUT" "$(orderer_host "$org") listening on $(orderer_addr "$org")" listening "$(org_ip "$org")" "$(orderer_port "$org")"
        wait_for "$WAIT_TIMEOUT" "$(orderer_host "$org") admin listening on $(orderer_admin_port "$org")" \
            listening "$(org_ip "$org")" "$(orderer_admin_port "$org")"
    done
    for org in "${PEER_ORGS[@]}"; do
        wait_for "$WAIT_TIMEOUT" "$(peer_host "$org") health" healthy "$(peer_ops_port "$org")" "$(org_ip "$org")"
        wait_for "$WAIT_TIMEOUT" "$(peer_host "$org") listening on $(peer_addr "$org")" listening "$(org_ip "$org")" "$(peer_port "$org")"
    done
    log "nodes healthy after $(elapsed "$t0") s"

    for org in "${ORDERER_ORGS[@]}"; do
        local admin_tls
        admin_tls=$(orderer_admin_tls "$org")
        fab osnadmin channel join --channelID "$CHANNEL" --config-block "$CHANNEL_BLOCK" \
            -o "$(org_ip "$org"):$(orderer_admin_port "$org")" --ca-file "$(orderer_dir "$org")/tls/ca.crt" \
            --client-cert "$admin_tls/client.crt" --client-key "$admin_tls/client.key" \
            >"$LOGS/osnadmin-join-$(orderer_name "$org").log" 2>&1 ||
            { cat "$LOGS/osnadmin-join-$(orderer_name "$org").log" >&2; die "osnadmin channel join on $(orderer_host "$org") failed"; }
    done
    log "${#ORDERER_ORGS[@]} orderer(s) joined '$CHANNEL'"
    for org in "${PEER_ORGS[@]}"; do
        as_admin "$org" peer channel join -b "$CHANNEL_BLOCK" >"$LOGS/join-$org.log" 2>&1 ||
            { cat "$LOGS/join-$org.log" >&2; die "$(peer_host "$org") could not join '$CHANNEL'"; }
    done
    t=$(now)
    log "peers joined '$CHANNEL'; waiting for gossip to connect the orgs"
    for org in "${PEER_ORGS[@]}"; do
        wait_for "$WAIT_TIMEOUT" "$(peer_host "$org") to see the other orgs' peers through gossip" sees_other_orgs "$org"
    done
    log "gossip: every peer sees the other orgs' peers $(elapsed "$t") s after the joins"
    # The ordering service's leader must be there before the first transaction.
    if [[ "$ORDERING" == bft ]]; then
        wait_for "$WAIT_TIMEOUT" "the BFT orderers' first view" grep -aq 'Starting view with number' "$LOGS/orderer0.log"
    else
        wait_for "$WAIT_TIMEOUT" "the orderer's Raft leader" grep -aq 'Raft leader changed: 0 -> 1\|became leader at term' "$LOGS/orderer0.log"
    fi

    write_profiles
    trap - EXIT INT TERM
    log "network up in $(elapsed "$t0") s (run folder $RUN_DIR; profiles in $PROFILES)"
    echo "up_seconds=$(elapsed "$t0")"
}

# shellcheck shell=bash
# Sourced by scripts/network.sh: `status`: processes, ports, block heights, chaincodes,
# profiles.

# ------------------------------------------------------ status / down ----

# definition_fit NAME : whether chaincode NAME's committed definition still names the
# consortium's members that run peers (after a join or a departure it does not until
# each organisation approves a new sequence); a line "NAME: current|stale: …".
definition_fit() {
    local name=$1 committed fit
    [[ -x "$FABRIC_BIN_DIR/peer" ]] && pid_of "$(peer_host "${PEER_ORGS[0]}")" >/dev/null || return 0
    committed=$(mktemp "$RUN_DIR/.definition.XXXXXX")
    if as_admin "${PEER_ORGS[0]}" peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$name" -O json \
        >"$committed" 2>/dev/null; then
        fit=$("$TOPOLOGY_BIN" --consortium "$CONSORTIUM" check-definition --committed "$committed") || true
        printf '  %-20s definition %s\n' "$name:" "${fit:-unreadable (above)}"
    else
        printf '  %-20s definition not committed\n' "$name:"
    fi
    rm -f "$committed"
}

cmd_status() {
    if [[ ! -d "$RUN_DIR" ]]; then
        echo "no network (run folder $RUN_DIR does not exist)"
        return 0
    fi
    echo "run folder: $RUN_DIR   channel: $CHANNEL   port base: $PORT_BASE   ordering: $ORDERING"
    if hosts_mode; then echo "hosts: bridge $BRIDGE $HOST_IP/24; $(for o in "${CA_ORGS[@]}"; do printf '%s %s  ' "$(ns_name "$o")" "$(org_ip "$o")"; done)"; fi
    local state pid
    node_line() {
        local name=$1 ports=$2 ops=$3 ip=$4
        if pid=$(pid_of "$name"); then
            if [[ -n "$ops" ]] && healthy "$ops" "$ip"; then state="healthy"; else state="running"; fi
            printf '  %-34s pid %-7s %-8s %s\n' "$name" "$pid" "$state" "$ports"
        else
            printf '  %-34s %-11s %-8s %s\n' "$name" "-" "stopped" "$ports"
        fi
    }
    echo "nodes:"
    local org height
    for org in "${ORDERER_ORGS[@]}"; do
        node_line "$(orderer_name "$org")" "$(orderer_addr "$org") admin :$(orderer_admin_port "$org") operations :$(orderer_ops_port "$org") ($(orderer_msp "$org"))" \
            "$(orderer_ops_port "$org")" "$(org_ip "$org")"
    done
    for org in "${PEER_ORGS[@]}"; do
        node_line "$(peer_host "$org")" "$(peer_addr "$org") chaincode :$(peer_cc_port "$org") operations :$(peer_ops_port "$org") (${ORG_MSP[$org]})" "$(peer_ops_port "$org")" "$(org_ip "$org")"
    done
    if [[ -x "$FABRIC_BIN_DIR/peer" ]]; then
        echo "block height of '$CHANNEL':"
        for org in "${PEER_ORGS[@]}"; do
            if pid_of "$(peer_host "$org")" >/dev/null; then
                height=$(peer_height "$org") || true
                printf '  %-34s %s\n' "$(peer_host "$org")" "${height:-?}"
            fi
        done
    fi
    local d n
    if compgen -G "$CHAINCODES/*/env" >/dev/null; then
        echo "chaincodes:"
        for d in "$CHAINCODES"/*/; do
            n=$(basename "$d")
            [[ -f "$d/env" ]] || continue
            local addr id
            addr=$(sed -n "s/^CHAINCODE_SERVER_ADDRESS='\(.*\)'/\1/p" "$d/env")
            id=$(sed -n "s/^CHAINCODE_ID='\(.*\)'/\1/p" "$d/env")
            if pid=$(pid_of "chaincode-$n"); then state="server pid $pid"; else state="no server started here"; fi
            printf '  %-20s %-22s %s  (%s)\n' "$n" "$addr" "$id" "$state"
            definition_fit "$n"
        done
    fi
    if compgen -G "$PROFILES/*.yaml" >/dev/null; then
        echo "connection profiles:"
        printf '  %s\n' "$PROFILES"/*.yaml
    fi
}

# shellcheck shell=bash
# Sourced by scripts/network.sh. `--hosts`: one Linux network namespace per organisation
# on a bridge, with its /etc/hosts.

# hosts_file : /etc/hosts of every organisation's namespace.
hosts_file() {
    local org
    echo "# Written by scripts/network.sh up --hosts (run folder $RUN_DIR)."
    echo "127.0.0.1 localhost"
    echo "$HOST_IP host.$DOMAIN"
    echo "$(org_ip orderer) $ORDERER_HOST ca.orderer.$DOMAIN"
    for org in "${ORGS[@]}"; do
        echo "$(org_ip "$org") $(peer_host "$org") $(peer_host "$org" 1) $(orderer_host "$org") ca.$org.$DOMAIN"
    done
}

# hosts_up : the bridge and one namespace per organisation (leftovers of this port base
# removed first). Needs root (CAP_NET_ADMIN and /etc/netns).
hosts_up() {
    command -v ip >/dev/null || die "--hosts needs iproute2's ip"
    hosts_down
    local other
    other=$(ip -4 route show to match "$SUBNET.1" | grep -v '^default' || true)
    [[ -z "$other" ]] || die "--hosts: $SUBNET.0/24 is routed on this machine already ($other): choose another NANOTRACE_FABRIC_PORT_BASE"
    ip link add "$BRIDGE" type bridge 2>"$LOGS/hosts.log" ||
        die "--hosts: cannot make bridge $BRIDGE ($(cat "$LOGS/hosts.log")): network namespaces need root (CAP_NET_ADMIN)"
    ip addr add "$HOST_IP/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    local org
    for org in "${CA_ORGS[@]}"; do
        host_make "$org"
    done
    log "hosts: bridge $BRIDGE $HOST_IP/24; namespaces $(for org in "${CA_ORGS[@]}"; do printf '%s=%s ' "$(ns_name "$org")" "$(org_ip "$org")"; done)"
}

# host_make ORG : ORG's host: its namespace, veth on the bridge, address, /etc/hosts.
host_make() {
    local org=$1 ns veth
    ns=$(ns_name "$org")
    veth="ntv$PORT_BASE$(org_number "$org")"
    ip netns add "$ns" || die "--hosts: cannot make network namespace $ns"
    # A fixed MAC per host: a host made anew (`restore`) keeps the neighbour entries that
    # this machine and the other hosts hold for its address.
    ip link add "$veth" type veth peer name eth0 netns "$ns" \
        address "$(printf '02:6e:%02x:%02x:00:%02x' $(((PORT_BASE >> 8) & 255)) $((PORT_BASE & 255)) "$(org_number "$org")")"
    ip link set "$veth" master "$BRIDGE" up
    ip -n "$ns" addr add "$(org_ip "$org")/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    mkdir -p "/etc/netns/$ns"
    hosts_file >"/etc/netns/$ns/hosts"
}

# host_remove ORG : ORG's namespace, veth and /etc/netns entry gone (its processes stopped first).
host_remove() {
    local ns
    ns=$(ns_name "$1")
    if [[ -e "/run/netns/$ns" ]]; then ip netns del "$ns" 2>/dev/null || true; fi
    rm -rf "/etc/netns/$ns"
    ip link del "ntv$PORT_BASE$(org_number "$1")" 2>/dev/null || true
}

# hosts_refresh : every host's /etc/hosts written anew in place (the same file: processes
# already running in a namespace see it), after an organisation's host was added.
hosts_refresh() {
    local org file
    for org in "${CA_ORGS[@]}"; do
        file="/etc/netns/$(ns_name "$org")/hosts"
        [[ -f "$file" ]] && hosts_file >"$file"
    done
}

# hosts_down : removes this port base's namespaces, veths, bridge and /etc/netns entries
# (a no-op when there are none): the consortium's, and any other of this port base (an
# organisation add-org prepared that never joined, one that left).
hosts_down() {
    command -v ip >/dev/null || return 0
    local org ns
    for org in "${CA_ORGS[@]}"; do
        host_remove "$org"
    done
    for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^$NS_PREFIX" || true); do
        ip netns del "$ns" 2>/dev/null || true
        rm -rf "/etc/netns/$ns"
    done
    ip link del "$BRIDGE" 2>/dev/null || true
}

# shellcheck shell=bash
# Sourced by scripts/network.sh. Starting the nodes: orderers, CAs and peers, and their
# health.

# ------------------------------------------------------------- nodes ----

# How long an orderer waits at most between attempts to reach another orderer (Fabric's
# General.Backoff.MaxDelay, default 2m): after an orderer was down for a few seconds, the
# others' gRPC backoff must not keep them from it — with SmartBFT a restarted orderer
# that the others do not dial back leaves no quorum (Fabric's own SmartBFT integration
# tests set 3s for the same reason).
ORDERER_BACKOFF_MAXDELAY=3s

# start_orderer ORG : ORG's orderer (the ordering organisation's orderer0, or with bft an
# organisation's own). Cluster traffic trusts every orderer's organisation CA.
start_orderer() {
    local org=${1:-orderer} dir tls data name roots ca
    dir=$(orderer_dir "$org")
    tls="$dir/tls"
    name=$(orderer_name "$org")
    data="$NODES/$name"
    mkdir -p "$data"
    roots=""
    for ca in "${ORDERER_ORGS[@]}"; do
        roots="${roots:+$roots,}$(orderer_dir "$ca")/tls/ca.crt"
    done
    local ip
    ip=$(org_ip "$org")
    ns_cmd "$org"
    # orderer.consensus.etcdraft / smartbft stay at info: `up` waits for the leader they log.
    start_bg "$name" "$LOGS/$name.log" "${NSX[@]}" env \
        FABRIC_CFG_PATH="$FABRIC_CFG_DIR" \
        FABRIC_LOGGING_SPEC="orderer.consensus.etcdraft=info:orderer.consensus.smartbft=info:$LOG_SPEC" \
        ORDERER_GENERAL_LISTENADDRESS="$ip" \
        ORDERER_GENERAL_LISTENPORT="$(orderer_port "$org")" \
        ORDERER_GENERAL_LOCALMSPID="$(orderer_msp "$org")" \
        ORDERER_GENERAL_LOCALMSPDIR="$dir/msp" \
        ORDERER_GENERAL_TLS_ENABLED=true \
        ORDERER_GENERAL_TLS_PRIVATEKEY="$tls/server.key" \
        ORDERER_GENERAL_TLS_CERTIFICATE="$tls/server.crt" \
        ORDERER_GENERAL_TLS_ROOTCAS="[$roots]" \
        ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="$tls/server.crt" \
        ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="$tls/server.key" \
        ORDERER_GENERAL_CLUSTER_ROOTCAS="[$roots]" \
        ORDERER_GENERAL_BCCSP_SW_FILEKEYSTORE_KEYSTORE="$dir/msp/keystore" \
        ORDERER_FILELEDGER_LOCATION="$data/ledger" \
        ORDERER_CONSENSUS_WALDIR="$data/etcdraft/wal" \
        ORDERER_CONSENSUS_SNAPDIR="$data/etcdraft/snapshot" \
        ORDERER_CHANNELPARTICIPATION_ENABLED=true \
        ORDERER_ADMIN_LISTENADDRESS="$ip:$(orderer_admin_port "$org")" \
        ORDERER_ADMIN_TLS_ENABLED=true \
        ORDERER_ADMIN_TLS_CERTIFICATE="$tls/server.crt" \
        ORDERER_ADMIN_TLS_PRIVATEKEY="$tls/server.key" \
        ORDERER_ADMIN_TLS_ROOTCAS="[$tls/ca.crt]" \
        ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true \
        ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$tls/ca.crt]" \
        ORDERER_OPERATIONS_LISTENADDRESS="$ip:$(orderer_ops_port "$org")" \
        ORDERER_METRICS_PROVIDER=prometheus \
        ORDERER_GENERAL_BACKOFF_MAXDELAY="$ORDERER_BACKOFF_MAXDELAY" \
        "${ORDERER_EXTRA_ENV[@]}" \
        "$FABRIC_BIN_DIR/orderer"
}

# Gossip tuning (Fabric's defaults in parentheses): peers of different orgs see
# each other within a few seconds of joining instead of ~30 s. The anchor-peer
# connection is retried every reconnectInterval (25s) when the first attempt
# comes too early; channel membership travels in StateInfo messages
# (publish/request 4s) and alive messages (5s); the membership tracker that
# logs the view runs every membershipTrackerInterval (5s).
GOSSIP_ENV=(
    CORE_PEER_GOSSIP_RECONNECTINTERVAL=1s
    CORE_PEER_GOSSIP_ALIVETIMEINTERVAL=1s
    CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT=10s
    CORE_PEER_GOSSIP_PUBLISHSTATEINFOINTERVAL=1s
    CORE_PEER_GOSSIP_REQUESTSTATEINFOINTERVAL=1s
    CORE_PEER_GOSSIP_PULLINTERVAL=1s
    CORE_PEER_GOSSIP_PUBLISHCERTPERIOD=10s
    CORE_PEER_GOSSIP_MEMBERSHIPTRACKERINTERVAL=1s
    # A block whose private data no peer can give (an organisation's own chaincode
    # approvals, in its implicit collection, after its only peer was rebuilt: `restore`)
    # commits without it after this long, instead of Fabric's 60 s per such block.
    CORE_PEER_GOSSIP_PVTDATA_PULLRETRYTHRESHOLD=3s
    # With BFT a peer takes blocks from one orderer and headers from the others; when its
    # orderer falls behind them for this long (Fabric's default 30 s) it changes orderer.
    # A LAN consortium notices a lagging orderer (one just restored, say) in seconds.
    CORE_PEER_DELIVERYCLIENT_BLOCKCENSORSHIPTIMEOUTKEY=5s
    # A peer that failed to fetch blocks from every orderer in turn waits before the next
    # round, twice as long each round, up to this (Fabric's default: an hour). Orderers
    # killed or changing view for a minute must not leave a peer asleep long after they
    # are back.
    CORE_PEER_DELIVERYCLIENT_RECONNECTBACKOFFTHRESHOLD=10s
)

# start_ca ORG : the org's fabric-ca-server with network/fabric-ca/server.yaml (bootstrap
# registrar admin:adminpw, a test network's only); on first start it makes its own root,
# and a TLS certificate from it for 127.0.0.1 and localhost.
start_ca() {
    local org=$1 home
    home=$(ca_home "$org")
    mkdir -p "$home"
    sed -e "s/@ORG@/$org/g" -e "s/@DOMAIN@/$(ca_domain "$org")/g" "$CA_TEMPLATE" >"$home/fabric-ca-server-config.yaml"
    # On a host of its own the CA's TLS certificate also names its address and host name.
    hosts_mode && sed -i -e "s/^\(    - \)localhost\$/&\n\1$(org_ip "$org")\n\1ca.$org.$DOMAIN/" "$home/fabric-ca-server-config.yaml"
    ns_cmd "$org"
    start_bg "ca-$org" "$LOGS/ca-$org.log" "${NSX[@]}" "$FABRIC_CA_BIN_DIR/fabric-ca-server" start \
        --home "$home" --address "$(org_ip "$org")" --port "$(ca_port "$org")" \
        --operations.listenaddress "$(org_ip "$org"):$(ca_ops_port "$org")" --ca.name "ca-$org" --tls.enabled
}

start_peer() {
    local org=$1 n=${2:-0} host dir tls data port ip
    host=$(peer_host "$org" "$n")
    dir=$(peer_dir "$org" "$n")
    tls="$dir/tls"
    data="$NODES/$host"
    port=$(peer_port "$org" "$n")
    ip=$(org_ip "$org")
    mkdir -p "$data"
    ns_cmd "$org"
    # gossip.channel stays at info: `up` reads the membership view it logs.
    start_bg "$host" "$LOGS/$host.log" "${NSX[@]}" env \
        FABRIC_CFG_PATH="$FABRIC_CFG_DIR" \
        FABRIC_LOGGING_SPEC="gossip.channel=info:$LOG_SPEC" \
        CORE_PEER_ID="$host" \
        CORE_PEER_NETWORKID=nanotrace \
        CORE_PEER_LISTENADDRESS="$ip:$port" \
        CORE_PEER_ADDRESS="$(peer_endpoint "$org" "$n")" \
        CORE_PEER_CHAINCODELISTENADDRESS="$ip:$(peer_cc_port "$org" "$n")" \
        CORE_PEER_CHAINCODEADDRESS="$ip:$(peer_cc_port "$org" "$n")" \
        CORE_PEER_GOSSIP_BOOTSTRAP="$(peer_endpoint "$org")" \
        CORE_PEER_GOSSIP_ENDPOINT="$(peer_endpoint "$org" "$n")" \
        CORE_PEER_GOSSIP_EXTERNALENDPOINT="$(peer_endpoint "$org" "$n")" \
        CORE_PEER_GOSSIP_USELEADERELECTION=false \
        CORE_PEER_GOSSIP_ORGLEADER=true \
        "${GOSSIP_ENV[@]}" \
        CORE_PEER_LOCALMSPID="${ORG_MSP[$org]}" \
        CORE_PEER_MSPCONFIGPATH="$dir/msp" \
        CORE_PEER_BCCSP_SW_FILEKEYSTORE_KEYSTORE="$dir/msp/keystore" \
        CORE_PEER_TLS_ENABLED=true \
        CORE_PEER_TLS_CERT_FILE="$tls/server.crt" \
        CORE_PEER_TLS_KEY_FILE="$tls/server.key" \
        CORE_PEER_TLS_ROOTCERT_FILE="$tls/ca.crt" \
        CORE_PEER_FILESYSTEMPATH="$data" \
        CORE_PEER_PROFILE_ENABLED=false \
        CORE_LEDGER_SNAPSHOTS_ROOTDIR="$data/snapshots" \
        CORE_OPERATIONS_LISTENADDRESS="$ip:$(peer_ops_port "$org" "$n")" \
        CORE_METRICS_PROVIDER=prometheus \
        CORE_VM_ENDPOINT= \
        CORE_CHAINCODE_EXTERNALBUILDERS="[{name: nanotrace-ccaas, path: $BUILDER_DIR}]" \
        "${PEER_EXTRA_ENV[@]}" \
        "$FABRIC_BIN_DIR/peer" node start
}

all_ports() {
    local org
    for org in "${ORDERER_ORGS[@]}"; do
        echo "$(orderer_port "$org") $(orderer_admin_port "$org") $(orderer_ops_port "$org")"
    done
    for org in "${PEER_ORGS[@]}"; do
        echo "$(peer_port "$org") $(peer_cc_port "$org") $(peer_ops_port "$org")"
    done
    for org in "${CA_ORGS[@]}"; do
        echo "$(ca_port "$org") $(ca_ops_port "$org")"
    done
}

# True when every node of this run folder runs and reports healthy.
network_healthy() {
    local org
    for org in "${ORDERER_ORGS[@]}"; do
        orderer_started "$org" || continue
        pid_of "$(orderer_name "$org")" >/dev/null && healthy "$(orderer_ops_port "$org")" "$(org_ip "$org")" || return 1
    done
    for org in "${PEER_ORGS[@]}"; do
        peer_started "$org" || continue
        pid_of "$(peer_host "$org")" >/dev/null && healthy "$(peer_ops_port "$org")" "$(org_ip "$org")" || return 1
    done
}

# peer_started ORG : ORG's first peer was started in this run folder (an organisation that
# joined the channel with `add-org` starts its peer with `join-org`; until then commands
# pass it by).
peer_started() { [[ -d "$NODES/$(peer_host "$1")" ]]; }

# The ports of the other orgs' peers appear in ORG's latest gossip view of the channel.
sees_other_orgs() {
    local org=$1 view other
    view=$(grep -a 'Membership view has changed' "$LOGS/$(peer_host "$org").log" | grep -a "\[$CHANNEL\]" | tail -n 1) || return 1
    view=${view##*current view:}
    for other in "${PEER_ORGS[@]}"; do
        [[ "$other" == "$org" ]] && continue
        peer_started "$other" || continue
        [[ "$view" == *"$(peer_endpoint "$other")"* ]] || return 1
    done
}

# orderer_started ORG : ORG's orderer was started in this run folder (an organisation that
# joined the channel with `add-org` starts its orderer with `join-org`).
orderer_started() { [[ -d "$NODES/$(orderer_name "$1")" ]]; }

# join_orderer ORG BLOCK WHAT : ORG's orderer, its ledger empty, started and joined to the
# channel with the configuration block BLOCK (WHAT names it; osnadmin, as ORG's admin): it
# replicates the channel's blocks from the other orderers up to BLOCK, then orders as a
# consenter. Waits until it is an active consenter at the height another organisation's
# peer had when it joined.
join_orderer() {
    local org=$1 block=$2 what=$3 name admin_tls ref target
    name=$(orderer_name "$org")
    admin_tls=$(orderer_admin_tls "$org")
    start_orderer "$org"
    wait_for "$WAIT_TIMEOUT" "$(orderer_host "$org") health" healthy "$(orderer_ops_port "$org")" "$(org_ip "$org")"
    wait_for "$WAIT_TIMEOUT" "$(orderer_host "$org") admin listening" listening "$(org_ip "$org")" "$(orderer_admin_port "$org")"
    osn() {
        fab osnadmin channel "$@" -o "$(org_ip "$org"):$(orderer_admin_port "$org")" --ca-file "$(orderer_dir "$org")/tls/ca.crt" \
            --client-cert "$admin_tls/client.crt" --client-key "$admin_tls/client.key"
    }
    osn join --channelID "$CHANNEL" --config-block "$block" >"$LOGS/osnadmin-join-$name.log" 2>&1 ||
        { cat "$LOGS/osnadmin-join-$name.log" >&2; die "osnadmin channel join on $(orderer_host "$org") failed"; }
    ref=$(other_peer_org "$org")
    target=$(peer_height "$ref")
    orderer_caught_up() {
        local info h
        info=$(osn list --channelID "$CHANNEL" 2>/dev/null) || return 1
        h=$(sed -n 's/.*"height": *\([0-9]*\).*/\1/p' <<<"$info" | head -n 1)
        # A consenter (not onboarding), with every block.
        grep -q '"status": *"active"' <<<"$info" && grep -q '"consensusRelation": *"consenter"' <<<"$info" &&
            [[ -n "$h" ]] && ((h >= target))
    }
    wait_for "$WAIT_TIMEOUT" "$(orderer_host "$org") to replicate the channel up to height $target" orderer_caught_up
    ORDERER_JOINED_HEIGHT=$target
    log "$(orderer_host "$org") joined '$CHANNEL' with $what and replicated $target blocks"
}

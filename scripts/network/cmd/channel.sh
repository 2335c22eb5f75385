# shellcheck shell=bash
# Sourced by scripts/network.sh: `channel NAME [--profile PROFILE]`: another channel from
# configtx.yaml on the running network.

# ------------------------------------------------------ extra channel ----

# channel NAME [--profile PROFILE] : another channel on the running network, made
# from configtx.yaml's PROFILE (rendered for this run folder by `up`); the orderer
# and the three peers join it. Opt-in (`up` makes only the default channel). E.g.
# NanoTraceChannelV2, channel capability V2_0 instead of V3_0.
cmd_channel() {
    local name="" profile=NanoTraceChannel
    [[ $# -gt 0 && "$1" != -* ]] && { name=$1; shift; }
    while (($#)); do
        case "$1" in
        --profile) profile=${2:-}; shift 2 ;;
        *) die "channel: unknown argument '$1' (channel NAME [--profile PROFILE])" ;;
        esac
    done
    [[ "$name" =~ ^[a-z][a-z0-9.-]*$ ]] || die "channel: NAME is required (lower case letters, digits, '.', '-'; got '$name')"
    [[ "$name" != "$CHANNEL" ]] || die "channel: '$name' is the network's channel already"
    check_fabric
    network_healthy || die "the network is not up (run folder $RUN_DIR): run 'scripts/network.sh up' first"
    local t0 block="$RUN_DIR/channel/$name.block" org
    t0=$(now)
    FABRIC_CFG_PATH="$RUN_DIR/config" FABRIC_LOGGING_SPEC=warning "$FABRIC_BIN_DIR/configtxgen" \
        -profile "$profile" -channelID "$name" -outputBlock "$block" >/dev/null 2>"$LOGS/configtxgen-$name.log" ||
        { cat "$LOGS/configtxgen-$name.log" >&2; die "configtxgen -profile $profile failed"; }
    fab osnadmin channel join --channelID "$name" --config-block "$block" \
        -o "$(org_ip orderer):$ORDERER_ADMIN_PORT" --ca-file "$ORDERER_CA" \
        --client-cert "$ORDERER_ADMIN_TLS/client.crt" --client-key "$ORDERER_ADMIN_TLS/client.key" \
        >"$LOGS/osnadmin-join-$name.log" 2>&1 || { cat "$LOGS/osnadmin-join-$name.log" >&2; die "osnadmin channel join $name failed"; }
    # The new channel's own Raft leader must be elected before its first transaction (the
    # orderer's log already holds the leader lines of the other channels).
    wait_for "$WAIT_TIMEOUT" "the orderer's Raft leader on '$name'" \
        grep -aqE "(became leader at term [0-9]+|Raft leader changed: 0 -> 1) channel=$name node=" "$LOGS/orderer0.log"
    for org in "${PEER_ORGS[@]}"; do
        as_admin "$org" peer channel join -b "$block" >"$LOGS/join-$name-$org.log" 2>&1 ||
            { cat "$LOGS/join-$name-$org.log" >&2; die "$(peer_host "$org") could not join '$name'"; }
    done
    log "channel '$name' (profile $profile): orderer and peers joined in $(elapsed "$t0") s"
    echo "channel_seconds=$(elapsed "$t0")"
}

# shellcheck shell=bash
# Sourced by scripts/network.sh. Peers' ledgers: their heights, and a peer joining the
# channel and catching up.

# peer_height ORG [N] : the channel's height on ORG's peer N (0), as its operations
# endpoint's ledger_blockchain_height metric says: public, so that any organisation reads
# any peer's height with no key (`peer channel getinfo` takes the peer's own
# organisation's identity); empty when it does not answer.
peer_height() {
    curl -fsS --max-time 2 "http://$(org_ip "$1"):$(peer_ops_port "$1" "${2:-0}")/metrics" 2>/dev/null |
        sed -n "s/^ledger_blockchain_height{channel=\"$CHANNEL\"} \([0-9]*\)\$/\1/p"
}

# highest_height : the highest height any started peer reports.
highest_height() {
    local org h top=0
    for org in "${PEER_ORGS[@]}"; do
        peer_started "$org" || continue
        h=$(peer_height "$org")
        [[ -n "$h" ]] && ((h > top)) && top=$h
    done
    echo "$top"
}

# peers_reached H : every started peer has a height of at least H (under load the heights
# are never equal for long: each peer reaching the height that held the blocks in question
# is what counts).
peers_reached() {
    local org h
    for org in "${PEER_ORGS[@]}"; do
        peer_started "$org" || continue
        h=$(peer_height "$org")
        [[ -n "$h" ]] && ((h >= $1)) || return 1
    done
}

# height_above ORG H : ORG's peer has a height above H on the channel.
height_above() {
    local h
    h=$(peer_height "$1")
    [[ -n "$h" ]] && ((h > $2))
}

# add-peer ORG [--snapshot DIR] : ORG's second peer, joined from a snapshot or the genesis block.
# join_and_catch_up ORG N [SNAPSHOT] : ORG's peer N (running, not on the channel) joins
# the channel from SNAPSHOT or the genesis block, gets every chaincode package deployed on
# the channel, and catches up with the height ORG's peer 0 reports (for peer 0 itself,
# the Manufacturer's peer's, or the Certifier's for the Manufacturer).
join_and_catch_up() {
    local org=$1 n=$2 snapshot=${3:-} host target ref pkg
    host=$(peer_host "$org" "$n")
    if [[ -n "$snapshot" ]]; then
        AS_PEER=$n as_admin "$org" peer channel joinbysnapshot --snapshotpath "$snapshot" >"$LOGS/join-$host.log" 2>&1 ||
            { cat "$LOGS/join-$host.log" >&2; die "$host could not join '$CHANNEL' from $snapshot"; }
        joined() { AS_PEER=$n as_admin "$org" peer channel joinbysnapshotstatus 2>/dev/null | grep -q 'No joinbysnapshot operation is in progress'; }
        wait_for "$WAIT_TIMEOUT" "$host to finish joining from the snapshot" joined
    else
        AS_PEER=$n as_admin "$org" peer channel join -b "$CHANNEL_BLOCK" >"$LOGS/join-$host.log" 2>&1 ||
            { cat "$LOGS/join-$host.log" >&2; die "$host could not join '$CHANNEL'"; }
    fi
    # Every chaincode package deployed on the channel, so the peer can run them.
    for pkg in "$CHAINCODES"/*/*.tar.gz; do
        [[ -f "$pkg" && "$(basename "$(dirname "$pkg")")" == "$(basename "$pkg" .tar.gz)" ]] || continue
        AS_PEER=$n as_admin "$org" peer lifecycle chaincode install "$pkg" >"$LOGS/install-$host-$(basename "$pkg").log" 2>&1 ||
            { cat "$LOGS/install-$host-$(basename "$pkg").log" >&2; die "install of $(basename "$pkg") on $host failed"; }
    done
    ref=$org
    if ((n == 0)); then
        ref=$(other_peer_org "$org")
    fi
    target=$(peer_height "$ref")
    [[ -n "$target" ]] || die "$host: no height to catch up with"
    at_height() { local h; h=$(peer_height "$org" "$n"); [[ -n "$h" ]] && ((h >= target)); }
    wait_for "$WAIT_TIMEOUT" "$host to reach height $target" at_height
    CAUGHT_UP_HEIGHT=$target
}

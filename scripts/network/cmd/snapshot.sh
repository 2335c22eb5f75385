# shellcheck shell=bash
# Sourced by scripts/network.sh: `snapshot ORG`: a ledger snapshot of ORG's peer at its
# last block.

# snapshot ORG : a snapshot of ORG's peer0 at its last committed block.
cmd_snapshot() {
    local org=${1:-} host done_dir before block t0
    [[ -n "$org" && -n "${ORG_MSP[$org]:-}" ]] || die "snapshot ORG: ORG is one of ${ORGS[*]} (got '$org')"
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    t0=$(now)
    host=$(peer_host "$org")
    done_dir="$NODES/$host/snapshots/completed/$CHANNEL"
    before=$(ls "$done_dir" 2>/dev/null | sort -n | tail -n 1 || true)
    as_admin "$org" peer snapshot submitrequest -c "$CHANNEL" -b 0 --peerAddress "$(peer_addr "$org")" \
        --tlsRootCertFile "$(peer_tls_ca "$org")" >"$LOGS/snapshot-$org.log" 2>&1 ||
        { cat "$LOGS/snapshot-$org.log" >&2; die "snapshot: the request was refused"; }
    newest() { ls "$done_dir" 2>/dev/null | sort -n | tail -n 1; }
    snapshot_done() { local b; b=$(newest) && [[ -n "$b" && "$b" != "$before" && -f "$done_dir/$b/_snapshot_signable_metadata.json" ]]; }
    wait_for "$WAIT_TIMEOUT" "the snapshot of $host" snapshot_done
    block=$(newest)
    log "snapshot of $host at block $block: $done_dir/$block ($(du -sh "$done_dir/$block" | cut -f1), $(elapsed "$t0") s)"
    echo "snapshot_dir=$done_dir/$block"
    echo "snapshot_block=$block"
}

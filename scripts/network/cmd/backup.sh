# shellcheck shell=bash
# Sourced by scripts/network.sh: `backup ORG FILE`: ORG's crypto material and Fabric CA in
# one tar.gz.

# backup ORG FILE : ORG's crypto material (the organisation's MSP, every node's and user's
# MSP and TLS files) and its Fabric CA (its home: root key and certificate, TLS pair, and
# the database of registered identities and issued certificates) in one tar.gz. The CA is
# stopped for the copy (its database is SQLite) and started again.
cmd_backup() {
    local org=${1:-} file=${2:-} odir t0
    [[ -n "$org" && -n "${ORG_MSP[$org]:-}" && -n "$file" ]] || die "backup ORG FILE: ORG is one of ${ORGS[*]}"
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    t0=$(now)
    odir=$(org_dir "$org")
    stop_named "ca-$org"
    # Private keys (the CA's root key among them): readable by the owner only, from the
    # first byte written.
    if ! (umask 077 && rm -f "$file.tmp" && tar -czf "$file.tmp" -C "$(dirname "$odir")" "$(basename "$odir")" -C "$NODES" "ca-$org"); then
        rm -f "$file.tmp"
        start_ca "$org"
        die "backup: tar failed"
    fi
    mv "$file.tmp" "$file"
    start_ca "$org"
    wait_for "$WAIT_TIMEOUT" "ca-$org listening" listening "$(org_ip "$org")" "$(ca_port "$org")"
    log "backed up ${ORG_MSP[$org]}'s crypto material and CA to $file ($(du -h "$file" | cut -f1), $(elapsed "$t0") s)"
    echo "backup_file=$file"
}

# shellcheck shell=bash
# Sourced by scripts/network.sh: `rotate-tls ORG`: a new TLS key and certificate for ORG's
# peer from ORG's CA.

# rotate-tls ORG : a new TLS key and certificate for ORG's peer from ORG's CA, then the
# peer restarted with them (its ledger kept). fabric-ca-client reenrolls with the CA's
# `tls` profile, authenticated by the peer's current TLS certificate and key. Clients, the
# other nodes and the chaincode server trust the CA, not the certificate: nothing else
# changes. The old certificate is revoked at the CA (reason superseded) once the peer serves
# the new one. Prints old_serial= and new_serial=.
cmd_rotate_tls() {
    local org=${1:-} host dir work t0 old new superseded
    [[ -n "$org" && -n "${ORG_MSP[$org]:-}" ]] || die "rotate-tls ORG: ORG is one of ${ORGS[*]} (got '$org')"
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    t0=$(now)
    host=$(peer_host "$org")
    dir=$(peer_dir "$org")
    work=$(mktemp -d)
    reissue_tls "$org" "$host" "$dir" "$work"
    old=$(serial_of "$dir/tls/server.crt")
    new=$(serial_of "$work/server.crt")
    superseded=$(mktemp)
    cp "$dir/tls/server.crt" "$superseded"
    install_tls "$dir" "$work"
    log "$host: new TLS certificate (serial $old → $new); restarting it"
    stop_named "$host"
    start_peer "$org"
    wait_for "$WAIT_TIMEOUT" "$host health" healthy "$(peer_ops_port "$org")" "$(org_ip "$org")"
    wait_for "$WAIT_TIMEOUT" "$host listening" listening "$(org_ip "$org")" "$(peer_port "$org")"
    revoke_superseded "$org" "$superseded"
    rm -f "$superseded"
    log "$host serves its new TLS certificate; the old one ($old) is revoked at ca-$org ($(elapsed "$t0") s)"
    echo "old_serial=$old"
    echo "new_serial=$new"
}

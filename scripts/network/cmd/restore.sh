# shellcheck shell=bash
# Sourced by scripts/network.sh: `restore ORG FILE`: ORG as on a fresh host; its peer
# rejoins from the genesis block.

# check_backup_ca ORG CERT WORK : CERT (the CA certificate in a backup) is one of the root
# certificates the channel's configuration holds for ORG's MSP (fetched as another
# organisation's admin into WORK); dies otherwise, before anything is changed.
check_backup_ca() {
    local org=$1 cert=$2 work=$3 ref want root found=false
    [[ -f "$cert" ]] || die "restore: the backup holds no CA certificate (ca-$org/ca-cert.pem); nothing was changed"
    want=$(openssl x509 -in "$cert" -noout -fingerprint -sha256 2>/dev/null) ||
        die "restore: the backup's ca-$org/ca-cert.pem is no certificate; nothing was changed"
    for ref in "${ORGS[@]}"; do [[ $ref == "$org" ]] || break; done
    config_fetch "$ref" "$work"
    while read -r root; do
        [[ "$(base64 -d <<<"$root" | openssl x509 -noout -fingerprint -sha256 2>/dev/null)" == "$want" ]] && found=true
    done < <(jq -r --arg msp "${ORG_MSP[$org]}" '.. | objects | select(.name? == $msp and has("root_certs")) | .root_certs[]' "$work/config.json")
    $found || die "restore: the backup's CA is not a root of ${ORG_MSP[$org]} in the configuration of '$CHANNEL' (${want#*=}); nothing was changed"
}

# restore ORG FILE : ORG as on a fresh host — its crypto material and CA from a backup,
# its peer's ledger gone: the CA and the peer are stopped, the org's crypto folder, CA
# home and peer ledger removed, the backup unpacked, the CA started, and the peer started
# empty, joined to the channel from the genesis block, given the chaincode packages and
# caught up. First the backup's CA must be a root of ORG's MSP in the channel's
# configuration: a backup of another CA changes nothing.
cmd_restore() {
    local org=${1:-} file=${2:-} odir host t0 tmp
    [[ -n "$org" && -n "${ORG_MSP[$org]:-}" && -f "$file" ]] || die "restore ORG FILE: ORG is one of ${ORGS[*]}; FILE a backup"
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    t0=$(now)
    odir=$(org_dir "$org")
    host=$(peer_host "$org")
    tmp=$(mktemp -d "$RUN_DIR/restore.XXXXXX")
    tar -xzf "$file" -C "$tmp" || die "restore: $file is not a backup tar.gz"
    [[ -d "$tmp/$(basename "$odir")" && -d "$tmp/ca-$org" ]] || die "restore: $file holds no backup of ${ORG_MSP[$org]}"
    (check_backup_ca "$org" "$tmp/ca-$org/ca-cert.pem" "$tmp/channel-config") || { rm -rf "$tmp"; exit 1; }
    stop_named "$host"
    stop_named "ca-$org"
    rm -rf "$odir" "$(ca_home "$org")" "${NODES:?}/$host"
    # On hosts: a fresh host. Everything of the organisation stops (with bft its orderer,
    # whose ledger goes too: it replicates the channel from the other orderers), and its
    # namespace is made anew.
    local bft_orderer=false
    if hosts_mode; then
        if [[ "$ORDERING" == bft ]]; then
            bft_orderer=true
            stop_named "$(orderer_name "$org")"
            rm -rf "${NODES:?}/$(orderer_name "$org")"
        fi
        pid_of "$(peer_host "$org" 1)" >/dev/null && die "restore on hosts: stop $(peer_host "$org" 1) first (it runs on the host being replaced)"
        host_remove "$org"
        host_make "$org"
        log "restore: $(ns_name "$org") made anew ($(org_ip "$org"))"
    fi
    mv "$tmp/$(basename "$odir")" "$odir"
    mv "$tmp/ca-$org" "$(ca_home "$org")"
    rm -rf "$tmp"
    start_ca "$org"
    wait_for "$WAIT_TIMEOUT" "ca-$org listening" listening "$(org_ip "$org")" "$(ca_port "$org")"
    if $bft_orderer; then join_orderer "$org" "$CHANNEL_BLOCK" "the genesis block"; fi
    start_peer "$org"
    wait_for "$WAIT_TIMEOUT" "$host health" healthy "$(peer_ops_port "$org")" "$(org_ip "$org")"
    wait_for "$WAIT_TIMEOUT" "$host listening" listening "$(org_ip "$org")" "$(peer_port "$org")"
    join_and_catch_up "$org" 0
    log "restored ${ORG_MSP[$org]} from $file: CA up, $host rejoined '$CHANNEL' and reached height $CAUGHT_UP_HEIGHT ($(elapsed "$t0") s)"
    echo "restore_seconds=$(elapsed "$t0")"
}

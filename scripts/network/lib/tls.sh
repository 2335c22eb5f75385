# shellcheck shell=bash
# Sourced by scripts/network.sh. TLS certificates reissued by an organisation's CA,
# installed, and the superseded ones revoked.

# serial_of CERT : the certificate's serial number (hex, as openssl prints it).
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

# reissue_tls ORG HOST DIR WORK [keep-key] : a new TLS certificate for node HOST (its files
# in DIR/tls) from ORG's CA, with a new key (or, given keep-key, for the same key), into
# WORK/server.key and WORK/server.crt: fabric-ca-client reenrolls with the CA's `tls`
# profile, authenticated by the node's current TLS pair.
reissue_tls() {
    local org=$1 host=$2 dir=$3 work=$4 keep=${5:-} key reuse=()
    mkdir -p "$work/msp/signcerts" "$work/msp/keystore"
    cp "$dir/tls/server.crt" "$work/msp/signcerts/cert.pem"
    cp "$dir/tls/server.key" "$work/msp/keystore/current_sk"
    [[ -z "$keep" ]] || reuse=(--csr.keyrequest.reusekey)
    fca "$org" reenroll -u "https://$(ca_addr "$org")" --home "$work" -M "$work/msp" "${reuse[@]}" \
        --enrollment.profile tls --csr.names "$CSR_NAMES" --csr.hosts "$host,$(tls_hosts "$org")" \
        >"$LOGS/rotate-tls-$host.log" 2>&1 ||
        { cat "$LOGS/rotate-tls-$host.log" >&2; die "ca-$org could not reissue $host's TLS certificate"; }
    if [[ -n "$keep" ]]; then
        key="$work/msp/keystore/current_sk"
        [[ "$(openssl x509 -in "$work/msp/signcerts/cert.pem" -noout -pubkey)" == "$(openssl pkey -in "$key" -pubout)" ]] ||
            die "rotate-tls: the CA's certificate is not for the kept key"
    else
        key=$(find "$work/msp/keystore" -name '*_sk' ! -name current_sk | head -n 1)
    fi
    [[ -n "$key" ]] || die "rotate-tls: fabric-ca-client made no new key"
    [[ "$(serial_of "$work/msp/signcerts/cert.pem")" != "$(serial_of "$dir/tls/server.crt")" ]] ||
        die "rotate-tls: the CA answered the same certificate"
    install -m 0600 "$key" "$work/server.key"
    cp "$work/msp/signcerts/cert.pem" "$work/server.crt"
}

# revoke_superseded ORG CERT : ORG's CA revokes CERT (reason superseded), as the bootstrap
# registrar enrolled at `up`: a copy of a replaced TLS key no longer passes as the node with
# anyone who checks the CA's CRL.
revoke_superseded() {
    local org=$1 cert=$2 serial aki
    serial=$(serial_of "$cert" | tr 'A-F' 'a-f' | sed 's/^0*//')
    aki=$(openssl x509 -in "$cert" -noout -ext authorityKeyIdentifier | sed -n '2p' | tr -d ' :' | sed 's/^keyid//' | tr 'A-F' 'a-f')
    [[ -n "$serial" && -n "$aki" ]] || die "cannot read the serial and authority key of $cert"
    fca "$org" revoke -u "https://$(ca_addr "$org")" --home "$(ca_home "$org")/clients/registrar" \
        -s "$serial" -a "$aki" -r superseded >"$LOGS/revoke-$org-$serial.log" 2>&1 ||
        { cat "$LOGS/revoke-$org-$serial.log" >&2; die "ca-$org could not revoke the certificate $serial"; }
}

# install_tls DIR WORK : the pair reissue_tls made becomes the node's (each file replaced
# whole), WORK removed.
install_tls() {
    local dir=$1 work=$2
    install -m 0600 "$work/server.key" "$dir/tls/server.key.new"
    cp "$work/server.crt" "$dir/tls/server.crt.new"
    mv "$dir/tls/server.key.new" "$dir/tls/server.key"
    mv "$dir/tls/server.crt.new" "$dir/tls/server.crt"
    rm -rf "$work"
}

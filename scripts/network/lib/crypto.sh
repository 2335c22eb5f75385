# shellcheck shell=bash
# Sourced by scripts/network.sh. Crypto material from the organisations' Fabric CAs: MSP
# folders, node and user identities.

# ------------------------------------------------- identities (Fabric CA) ----

# Every identity of the network comes from its organisation's Fabric CA, as in Fabric's
# test network's CA mode: the CA makes its own root, the bootstrap registrar registers
# each node and user with a random one-time secret, and fabric-ca-client enrolls it
# twice (signing certificate; TLS certificate with the CA's `tls` profile), the key made
# on the enrolling side. The files are then laid out as Fabric's MSP folders expect
# (cryptogen's layout, which the profiles, tests and docs name).

# Subject names of every enrolled certificate besides CN (the enrollment ID) and OU (the
# NodeOU type, set by the CA).
CSR_NAMES="C=US,ST=California,L=San Francisco"

# fca ORG ARGS... : fabric-ca-client against ORG's CA, trusting its root.
fca() {
    local org=$1
    shift
    "$FABRIC_CA_BIN_DIR/fabric-ca-client" "$@" --caname "ca-$org" --tls.certfiles "$(ca_cert "$org")"
}

# nodeous_config DOMAIN : the MSP's config.yaml: NodeOUs on, each role its OU under the
# org's CA (configtx.yaml's policies use these roles).
nodeous_config() {
    local ou
    echo "NodeOUs:"
    echo "  Enable: true"
    for ou in Client Peer Admin Orderer; do
        echo "  ${ou}OUIdentifier:"
        echo "    Certificate: cacerts/ca.$1-cert.pem"
        echo "    OrganizationalUnitIdentifier: ${ou,,}"
    done
}

# org_msp ORG : the organisation's MSP folder (what configtx.yaml puts on the channel):
# the CA's root as both CA and TLS CA, NodeOUs; plus `ca/` and `tlsca/` with the root and
# a link to the CA's key, for test tooling that signs its own certificates (Ed25519
# users, the hostile suite's expired certificate).
org_msp() {
    local org=$1 odir dom key
    odir=$(ca_org_dir "$org")
    dom=$(ca_domain "$org")
    key=$(ca_key "$org") || die "ca-$org: no key in $(ca_home "$org")/msp/keystore matches its root certificate"
    mkdir -p "$odir/msp/cacerts" "$odir/msp/tlscacerts" "$odir/ca" "$odir/tlsca"
    cp "$(ca_cert "$org")" "$odir/msp/cacerts/ca.$dom-cert.pem"
    cp "$(ca_cert "$org")" "$odir/msp/tlscacerts/tlsca.$dom-cert.pem"
    nodeous_config "$dom" >"$odir/msp/config.yaml"
    cp "$(ca_cert "$org")" "$odir/ca/ca.$dom-cert.pem"
    cp "$(ca_cert "$org")" "$odir/tlsca/tlsca.$dom-cert.pem"
    ln -sf "$key" "$odir/ca/priv_sk"
    ln -sf "$key" "$odir/tlsca/priv_sk"
}

# issue ORG TYPE CN DIR : registers CN (type peer, orderer, admin or client) at ORG's CA
# and enrolls it into DIR/msp and DIR/tls (server.* for nodes, client.* for users).
issue() {
    local org=$1 type=$2 cn=$3 dir=$4 odir dom url secret work hosts tls_name
    odir=$(ca_org_dir "$org")
    dom=$(ca_domain "$org")
    url=$(ca_addr "$org")
    work="$(ca_home "$org")/clients/$cn"
    secret=$(openssl rand -hex 16)
    # An organisation's admin registers and removes its members at its CA (the members'
    # console does it with the admin's browser signature): a registrar of clients and
    # admins, revoker and CRL maker.
    local attrs=()
    [[ $type != admin ]] ||
        attrs=(--id.attrs '"hf.Registrar.Roles=client,admin",hf.Registrar.Attributes=*,hf.Revoker=true,hf.GenCRL=true')
    # Secrets go to fabric-ca-client in its environment (FABRIC_CA_CLIENT_ID_SECRET,
    # FABRIC_CA_CLIENT_URL with the user part), never on its command line, where every user
    # of the machine reads them (ps, /proc/PID/cmdline). Its answer names the secret: the
    # log keeps the rest.
    FABRIC_CA_CLIENT_ID_SECRET="$secret" fca "$org" register -u "https://$url" --home "$(ca_home "$org")/clients/registrar" \
        --id.name "$cn" --id.type "$type" "${attrs[@]}" | sed '/^Password:/d' ||
        die "ca-$org: cannot register $cn"
    if [[ $type == peer || $type == orderer ]]; then
        hosts="$cn,$(tls_hosts "$org")"
        tls_name=server
    else
        hosts="$cn"
        tls_name=client
    fi
    # The enrollment ID goes into the URL's user part: '@' percent-encoded.
    FABRIC_CA_CLIENT_URL="https://${cn//@/%40}:$secret@$url" fca "$org" enroll --home "$work" -M "$work/msp" \
        --csr.names "$CSR_NAMES" --csr.hosts "$cn" || die "ca-$org: cannot enroll $cn"
    FABRIC_CA_CLIENT_URL="https://${cn//@/%40}:$secret@$url" fca "$org" enroll --home "$work" -M "$work/tls" \
        --enrollment.profile tls --csr.names "$CSR_NAMES" --csr.hosts "$hosts" ||
        die "ca-$org: cannot enroll $cn for TLS"
    mkdir -p "$dir/msp/signcerts" "$dir/msp/keystore" "$dir/tls"
    cp -R "$odir/msp/cacerts" "$odir/msp/tlscacerts" "$odir/msp/config.yaml" "$dir/msp/"
    mv "$work/msp/signcerts/cert.pem" "$dir/msp/signcerts/$cn-cert.pem"
    mv "$work/msp/keystore/"*_sk "$dir/msp/keystore/priv_sk"
    mv "$work/tls/signcerts/cert.pem" "$dir/tls/$tls_name.crt"
    mv "$work/tls/keystore/"*_sk "$dir/tls/$tls_name.key"
    cp "$(ca_cert "$org")" "$dir/tls/ca.crt"
    chmod 600 "$dir/msp/keystore/priv_sk" "$dir/tls/$tls_name.key"
    rm -rf "$work"
}

# ed25519_user ORG NAME : an Ed25519 client identity (Fabric CA 1.5 issues only ECDSA
# certificates for ECDSA keys), signed with the org's CA key by openssl, with an ECDSA
# TLS client pair from the same CA; cryptogen's layout.
ed25519_user() {
    local org=$1 name=$2 dom odir udir cn tmp
    dom=$(org_domain "$org")
    odir=$(org_dir "$org")
    cn="$name@$dom"
    udir="$odir/users/$cn"
    tmp=$(mktemp -d)
    mkdir -p "$udir/msp/signcerts" "$udir/msp/keystore" "$udir/tls"
    cp -R "$odir/msp/cacerts" "$odir/msp/tlscacerts" "$odir/msp/config.yaml" "$udir/msp/"
    cat >"$tmp/ext.cnf" <<EOF
[sign]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[tls]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:$cn
EOF
    openssl genpkey -algorithm ed25519 -out "$udir/msp/keystore/priv_sk" 2>/dev/null
    openssl req -new -key "$udir/msp/keystore/priv_sk" -out "$tmp/sign.csr" \
        -subj "/C=US/ST=California/L=San Francisco/OU=client/CN=$cn" 2>/dev/null
    openssl x509 -req -in "$tmp/sign.csr" -CA "$odir/ca/ca.$dom-cert.pem" -CAkey "$odir/ca/priv_sk" \
        -CAcreateserial -CAserial "$tmp/ca.srl" -days 365 -sha256 -extfile "$tmp/ext.cnf" -extensions sign \
        -out "$udir/msp/signcerts/$cn-cert.pem" 2>/dev/null || die "cannot sign $cn's Ed25519 certificate"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$udir/tls/client.key" 2>/dev/null
    openssl req -new -key "$udir/tls/client.key" -out "$tmp/tls.csr" \
        -subj "/C=US/ST=California/L=San Francisco/CN=$cn" 2>/dev/null
    openssl x509 -req -in "$tmp/tls.csr" -CA "$odir/ca/ca.$dom-cert.pem" -CAkey "$odir/ca/priv_sk" \
        -CAcreateserial -CAserial "$tmp/ca.srl" -days 365 -sha256 -extfile "$tmp/ext.cnf" -extensions tls \
        -out "$udir/tls/client.crt" 2>/dev/null || die "cannot sign $cn's TLS certificate"
    cp "$(ca_cert "$org")" "$udir/tls/ca.crt"
    chmod 600 "$udir/msp/keystore/priv_sk" "$udir/tls/client.key"
    rm -rf "$tmp"
}

# org_identities ORG : everything ORG's CA issues for this network.
org_identities() {
    local org=$1 dom odir
    dom=$(ca_domain "$org")
    odir=$(ca_org_dir "$org")
    org_msp "$org"
    FABRIC_CA_CLIENT_URL="https://admin:adminpw@$(ca_addr "$org")" fca "$org" enroll \
        --home "$(ca_home "$org")/clients/registrar" --csr.names "$CSR_NAMES" ||
        die "ca-$org: the bootstrap registrar cannot enroll"
    if [[ $org == orderer ]]; then
        issue orderer orderer "$ORDERER_HOST" "$ORDERER_DIR"
    else
        if has_peer "$org"; then issue "$org" peer "$(peer_host "$org")" "$(peer_dir "$org")"; fi
        issue "$org" client "User1@$dom" "$odir/users/User1@$dom"
        issue "$org" client "${ORG_NAMED_USER[$org]}@$dom" "$odir/users/${ORG_NAMED_USER[$org]}@$dom"
        ed25519_user "$org" User2
        # With bft, the organisation runs an orderer of its own.
        if runs_orderer "$org"; then issue "$org" orderer "$(orderer_host "$org")" "$(orderer_dir "$org")"; fi
    fi
    issue "$org" admin "Admin@$dom" "$odir/users/Admin@$dom"
}

# Issues every organisation's identities, the four CAs in parallel.
generate_crypto() {
    local org pids=() failed=()
    log "identities from the organisations' CAs (fabric-ca-client; Ed25519 users: openssl)"
    for org in "${CA_ORGS[@]}"; do
        org_identities "$org" >"$LOGS/identities-$org.log" 2>&1 &
        pids+=("$!")
    done
    local i
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || failed+=("${CA_ORGS[$i]}")
    done
    if ((${#failed[@]})); then
        for org in "${failed[@]}"; do tail -n 5 "$LOGS/identities-$org.log" >&2; done
        die "issuing identities failed for: ${failed[*]} (logs: $LOGS/identities-*.log)"
    fi
}

# shellcheck shell=bash
# Sourced by scripts/network.sh: `deploy NAME --address HOST:PORT [--server CMD ARGS...]`:
# a CCaaS chaincode on every peer.

# ---------------------------------------------------------- chaincode ----

# pem_json FILE : the file's text as a JSON string body (newlines as \n).
pem_json() { awk '{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); printf "%s\\n", $0 }' "$1"; }

# TLS material of chaincode NAME: a CA of its own, the server's key/cert
# (SAN 127.0.0.1, localhost and the address's host) and the client pair the
# peers present. Made once per name; redeploys reuse it.
make_chaincode_tls() {
    local dir=$1 name=$2 host=$3
    [[ -f "$dir/server.crt" && -f "$dir/client.crt" ]] && return 0
    mkdir -p "$dir"
    local san="DNS:localhost,IP:127.0.0.1"
    if [[ "$host" =~ ^[0-9.]+$ ]]; then
        [[ "$host" != 127.0.0.1 ]] && san+=",IP:$host"
    elif [[ "$host" != localhost ]]; then
        san+=",DNS:$host"
    fi
    cat >"$dir/ext.cnf" <<EOF
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
    local k
    for k in ca server client; do
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$k.key" 2>/dev/null
    done
    openssl req -new -key "$dir/ca.key" -subj "/O=NanoTrace/CN=$name chaincode CA" -out "$dir/ca.csr" 2>/dev/null
    openssl x509 -req -in "$dir/ca.csr" -signkey "$dir/ca.key" -days 3650 -sha256 \
        -extfile "$dir/ext.cnf" -extensions ca -out "$dir/ca.crt" 2>/dev/null
    openssl req -new -key "$dir/server.key" -subj "/O=NanoTrace/CN=$name" -out "$dir/server.csr" 2>/dev/null
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
        -CAserial "$dir/ca.srl" -days 3650 -sha256 -extfile "$dir/ext.cnf" -extensions server -out "$dir/server.crt" 2>/dev/null
    openssl req -new -key "$dir/client.key" -subj "/O=NanoTrace/CN=$name peer client" -out "$dir/client.csr" 2>/dev/null
    openssl x509 -req -in "$dir/client.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
        -CAserial "$dir/ca.srl" -days 3650 -sha256 -extfile "$dir/ext.cnf" -extensions client -out "$dir/client.crt" 2>/dev/null
    rm -f "$dir"/*.csr
    chmod 600 "$dir"/*.key
}

# Deterministic tar.gz of the named files in DIR (same content, same bytes,
# so the same package ID).
det_targz() {
    local out=$1 dir=$2
    shift 2
    tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=ustar -cf - "$@" | gzip -n >"$out"
}

deploy_usage() {
    cat <<EOF
deploy NAME --address HOST:PORT [options] [--server CMD [ARGS...]]
  --address HOST:PORT  where the chaincode server listens (the peers dial it; required)
  --tls                mutual TLS between peers and the chaincode server (default)
  --no-tls             plain gRPC (CHAINCODE_TLS_DISABLED=true)
  --policy EXPR        endorsement policy (default NANOTRACE_FABRIC_CC_POLICY or
                       the consortium's: $DEFAULT_POLICY)
  --label LABEL        package label (default NAME)
  --dial-timeout D     connection.json dial_timeout (default 10s)
  --channel NAME       define it on channel NAME (one made by \`channel\`) instead of the network's
  --orgs ORG[,ORG...]  only these organisations install the package and approve it for the
                       committed sequence, under the committed policy, without a commit: their
                       peers run another package of the same definition (an organisation
                       moving its own chaincode server; the rogue-chaincode test's colluding
                       organisations). Needs a --label of its own (its folder, TLS and env).
  --collections        the definition carries the contract's private data collections
                       (nanotrace-topology collections: a billing collection per certification
                       body and manufacturer, docs/PRIVATE-DATA.md); later sequences (approve,
                       commit) keep them, brought up to date with the consortium
  --server CMD ARGS... start CMD (all remaining arguments) with .run/fabric/chaincode/NAME/env
                       in its environment, as a background process that \`down\` stops
EOF
}

cmd_deploy() {
    local name="" address="" tls=true policy="$CC_POLICY" label="" dial_timeout=10s server=() only="" collections=false
    [[ $# -gt 0 && "$1" != -* ]] && { name=$1; shift; }
    while (($#)); do
        case "$1" in
        --name) name=$2; shift 2 ;;
        --address) address=$2; shift 2 ;;
        --tls) tls=true; shift ;;
        --no-tls) tls=false; shift ;;
        --policy) policy=$2; shift 2 ;;
        --label) label=$2; shift 2 ;;
        --dial-timeout) dial_timeout=$2; shift 2 ;;
        --channel) CHANNEL=$2; shift 2 ;;
        --orgs) only=$2; shift 2 ;;
        --collections) collections=true; shift ;;
        --server) shift; server=("$@"); break ;;
        -h | --help) deploy_usage; return 0 ;;
        *) deploy_usage >&2; die "deploy: unknown argument '$1'" ;;
        esac
    done
    [[ -n "$name" ]] || { deploy_usage >&2; die "deploy: NAME is required"; }
    [[ "$name" =~ ^[a-zA-Z0-9][a-zA-Z0-9_-]*$ ]] || die "deploy: invalid chaincode name '$name'"
    [[ "$address" =~ ^[^:]+:[0-9]+$ ]] || { deploy_usage >&2; die "deploy: --address HOST:PORT is required"; }
    label=${label:-$name}
    [[ "$label" =~ ^[[:alnum:]][[:alnum:]_.+-]*$ ]] || die "deploy: invalid label '$label'"
    check_fabric
    network_healthy || die "the network is not up (run folder $RUN_DIR): run 'scripts/network.sh up' first"
    local t0
    t0=$(now)

    local targets=("${PEER_ORGS[@]}") ccdir="$CHAINCODES/$name" host=${address%:*} port=${address##*:}
    if [[ -n "$only" ]]; then
        [[ "$label" != "$name" ]] || die "deploy --orgs: give the other package a --label of its own"
        [[ -f "$CHAINCODES/$name/policy" ]] || die "deploy --orgs: '$name' is not deployed on this network"
        policy=$(cat "$CHAINCODES/$name/policy")
        ccdir="$CHAINCODES/$label"
        local org_name only_orgs=()
        targets=()
        IFS=, read -r -a only_orgs <<<"$only"
        for org_name in "${only_orgs[@]}"; do
            [[ " ${PEER_ORGS[*]} " == *" $org_name "* ]] || die "deploy --orgs: '$org_name' runs no peer of this network"
            targets+=("$org_name")
        done
    fi
    mkdir -p "$ccdir/pkg"
    local tlsdir="$ccdir/tls"
    # 1. connection.json (what the peers dial) and the package.
    if $tls; then
        make_chaincode_tls "$tlsdir" "$name" "$host"
        {
            echo "{"
            echo "  \"address\": \"$address\","
            echo "  \"dial_timeout\": \"$dial_timeout\","
            echo "  \"tls_required\": true,"
            echo "  \"client_auth_required\": true,"
            echo "  \"root_cert\": \"$(pem_json "$tlsdir/ca.crt")\","
            echo "  \"client_cert\": \"$(pem_json "$tlsdir/client.crt")\","
            echo "  \"client_key\": \"$(pem_json "$tlsdir/client.key")\""
            echo "}"
        } >"$ccdir/pkg/connection.json"
    else
        printf '{\n  "address": "%s",\n  "dial_timeout": "%s",\n  "tls_required": false\n}\n' \
            "$address" "$dial_timeout" >"$ccdir/pkg/connection.json"
    fi
    printf '{"type":"ccaas","label":"%s"}\n' "$label" >"$ccdir/pkg/metadata.json"
    det_targz "$ccdir/pkg/code.tar.gz" "$ccdir/pkg" connection.json
    det_targz "$ccdir/$name.tar.gz" "$ccdir/pkg" metadata.json code.tar.gz
    local package_id
    package_id=$(fab peer lifecycle chaincode calculatepackageid "$ccdir/$name.tar.gz") ||
        die "calculatepackageid failed"
    log "package $package_id"
    # The private data collections, when the definition has them (--collections, or an
    # --orgs package of a definition deployed with them).
    local cc_collections=()
    if $collections || [[ -f "$CHAINCODES/$name/collections.committed" ]] ||
        [[ -n "$only" && -f "$CHAINCODES/$name/collections.json" ]]; then
        collections_file "$CHAINCODES/$name" || die "deploy: the private data collections could not be made"
        cc_collections=(--collections-config "$CHAINCODES/$name/collections.json")
    fi

    # 2. The chaincode server's environment (the names Fabric's shims read).
    {
        echo "# Chaincode server environment for '$name', written by scripts/network.sh deploy."
        echo "CHAINCODE_ID='$package_id'"
        echo "CHAINCODE_SERVER_ADDRESS='$address'"
        if $tls; then
            echo "CHAINCODE_TLS_DISABLED=false"
            echo "CHAINCODE_TLS_KEY='$tlsdir/server.key'"
            echo "CHAINCODE_TLS_CERT='$tlsdir/server.crt'"
            echo "CHAINCODE_CLIENT_CA_CERT='$tlsdir/ca.crt'"
        else
            echo "CHAINCODE_TLS_DISABLED=true"
            echo "CHAINCODE_TLS_KEY="
            echo "CHAINCODE_TLS_CERT="
            echo "CHAINCODE_CLIENT_CA_CERT="
        fi
    } >"$ccdir/env"

    # 3. Start (or restart) the server when a command is given.
    if ((${#server[@]})); then
        # The server of NAME, restarted by an upgrade; with --orgs another package's own,
        # beside it.
        local process="chaincode-$name"
        [[ -n "$only" ]] && process="chaincode-$label"
        stop_named "$process"
        wait_for 10 "port $port to be free" bash -c "! (exec 3<>/dev/tcp/$host/$port) 2>/dev/null"
        printf '%q ' "${server[@]}" >"$ccdir/server.cmd"
        # shellcheck disable=SC2016 # expanded by the inner bash
        start_bg "$process" "$LOGS/$process.log" \
            bash -c 'set -a; . "$1"; set +a; shift; exec "$@"' _ "$ccdir/env" "${server[@]}"
        wait_for "$WAIT_TIMEOUT" "chaincode server '$process' to listen on $address" listening "$host" "$port"
        pid_of "$process" >/dev/null || die "chaincode server '$process' exited; see $LOGS/$process.log"
        log "chaincode server '$process' listening on $address (log $LOGS/$process.log)"
    fi

    # 4. Install on every peer (skipped where already installed). A peer busy with a
    #    join or under load can fail the query or the install: an install that finds the
    #    package there already succeeded, any other failure is tried again (3 tries).
    local org try
    for org in "${targets[@]}"; do
        if as_admin "$org" peer lifecycle chaincode queryinstalled -O json 2>/dev/null | grep -qF "\"$package_id\""; then
            continue
        fi
        for try in 1 2 3; do
            as_admin "$org" peer lifecycle chaincode install "$ccdir/$name.tar.gz" >"$LOGS/install-$name-$org.log" 2>&1 &&
                break
            grep -qF "chaincode already successfully installed" "$LOGS/install-$name-$org.log" && break
            if ((try == 3)); then
                cat "$LOGS/install-$name-$org.log" >&2
                die "install on $(peer_host "$org") failed 3 times; the last output is above"
            fi
            log "install on $(peer_host "$org") failed (try $try of 3): $(tail -n 1 "$LOGS/install-$name-$org.log")"
            sleep 2
        done
    done
    log "installed on ${#targets[@]} peers"

    # 5. Sequence: 1 for a new name; the committed one when it already runs this
    #    package (nothing to approve); committed+1 for a new package.
    local committed seq approved_pkg
    committed=$(as_admin "${PEER_ORGS[0]}" peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$name" -O json 2>/dev/null |
        sed -n 's/.*"sequence": *\([0-9]*\).*/\1/p' | head -n 1) || true
    if [[ -n "$only" ]]; then
        [[ -n "$committed" ]] || die "deploy --orgs: '$name' has no committed sequence"
        seq=$committed
    elif [[ -n "$committed" ]]; then
        approved_pkg=$(as_admin "${PEER_ORGS[0]}" peer lifecycle chaincode queryapproved -C "$CHANNEL" -n "$name" \
            --sequence "$committed" -O json 2>/dev/null | sed -n 's/.*"package_id": *"\([^"]*\)".*/\1/p' | head -n 1) || true
        if [[ "$approved_pkg" == "$package_id" && "$(cat "$ccdir/policy" 2>/dev/null)" == "$policy" ]] &&
            same_collections "$ccdir" && all_approved "$name" "$committed" "$package_id"; then
            log "'$name' sequence $committed already runs $package_id under $policy: nothing to approve"
            seq=""
        else
            seq=$((committed + 1))
        fi
    else
        seq=1
    fi

    local orderer=(-o "$(orderer_addr orderer)" --tls --cafile "$ORDERER_CA")
    if [[ -n "$seq" ]]; then
        # 6. Approve for each org (in parallel: one block instead of three).
        local pids=() rc=0
        for org in "${targets[@]}"; do
            as_admin "$org" peer lifecycle chaincode approveformyorg "${orderer[@]}" -C "$CHANNEL" -n "$name" \
                --version "$seq" --package-id "$package_id" --sequence "$seq" --signature-policy "$policy" \
                "${cc_collections[@]}" >"$LOGS/approve-$name-$org.log" 2>&1 &
            pids+=($!)
        done
        for i in "${!pids[@]}"; do
            wait "${pids[$i]}" || { rc=1; cat "$LOGS/approve-$name-${targets[$i]}.log" >&2; }
        done
        ((rc == 0)) || die "approveformyorg failed"
        # Each approval was awaited on its own organisation's peer only; with BFT the
        # others can be a block behind, and the commit's endorsements must read the same.
        local approved_at
        approved_at=$(highest_height)
        wait_for "$WAIT_TIMEOUT" "every peer to have the approvals (height $approved_at)" peers_reached "$approved_at"
    fi
    if [[ -n "$seq" && -n "$only" ]]; then
        log "'$name' sequence $seq runs $package_id on the peers of ${targets[*]}"
        echo "$package_id" >"$ccdir/package_id"
        log "deploy of '$label' for ${targets[*]} took $(elapsed "$t0") s (server env: $ccdir/env)"
        echo "deploy_seconds=$(elapsed "$t0")"
        return 0
    fi
    if [[ -n "$seq" ]]; then
        # 7. Check readiness, commit on all peers, confirm.
        local ready
        ready=$(as_admin "${PEER_ORGS[0]}" peer lifecycle chaincode checkcommitreadiness -C "$CHANNEL" -n "$name" \
            --version "$seq" --sequence "$seq" --signature-policy "$policy" "${cc_collections[@]}" -O json) ||
            die "checkcommitreadiness failed"
        for org in "${PEER_ORGS[@]}"; do
            grep -q "\"${ORG_MSP[$org]}\": *true" <<<"$ready" || die "${ORG_MSP[$org]} did not approve '$name' sequence $seq: $ready"
        done
        local peers=()
        for org in "${PEER_ORGS[@]}"; do
            peers+=(--peerAddresses "$(peer_addr "$org")" --tlsRootCertFiles "$(peer_tls_ca "$org")")
        done
        as_admin "${PEER_ORGS[0]}" peer lifecycle chaincode commit "${orderer[@]}" -C "$CHANNEL" -n "$name" \
            --version "$seq" --sequence "$seq" --signature-policy "$policy" "${cc_collections[@]}" "${peers[@]}" \
            >"$LOGS/commit-$name.log" 2>&1 || { cat "$LOGS/commit-$name.log" >&2; die "commit of '$name' failed"; }
        for org in "${PEER_ORGS[@]}"; do
            wait_for 30 "'$name' sequence $seq committed on $(peer_host "$org")" \
                committed_sequence_is "$org" "$name" "$seq"
        done
        log "'$name' sequence $seq committed on '$CHANNEL' (policy $policy)"
    fi
    echo "$package_id" >"$ccdir/package_id"
    echo "$policy" >"$ccdir/policy"
    [[ ! -f "$ccdir/collections.json" ]] || cp "$ccdir/collections.json" "$ccdir/collections.committed"
    log "deploy of '$name' took $(elapsed "$t0") s (server env: $ccdir/env)"
    echo "deploy_seconds=$(elapsed "$t0")"
}

# collections_file DIR : writes DIR/collections.json, the contract's private data
# collections for the consortium as it stands (nanotrace-topology collections).
collections_file() {
    mkdir -p "$1"
    "$TOPOLOGY_BIN" --consortium "$CONSORTIUM" collections >"$1/collections.json.new" || return 1
    mv "$1/collections.json.new" "$1/collections.json"
}

# same_collections DIR : the collections to define are those committed (or there are none).
same_collections() {
    [[ ! -f "$1/collections.json" ]] || cmp -s "$1/collections.json" "$1/collections.committed"
}

# all_approved NAME SEQ PACKAGE : every organisation that runs peers approved NAME's
# definition at SEQ with PACKAGE (an organisation that joined since has not).
all_approved() {
    local org
    for org in "${PEER_ORGS[@]}"; do
        as_admin "$org" peer lifecycle chaincode queryapproved -C "$CHANNEL" -n "$1" --sequence "$2" -O json 2>/dev/null |
            grep -qF "\"$3\"" || return 1
    done
}

# committed_sequence_is ORG NAME SEQ : ORG's peer has NAME committed at SEQ.
committed_sequence_is() {
    as_admin "$1" peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$2" 2>/dev/null | grep -q "Sequence: $3,"
}

# shellcheck shell=bash
# Sourced by scripts/network.sh: `approve NAME --org ORG` and `commit NAME --org ORG`: a new
# sequence of a chaincode's definition, each organisation on its own host with its own
# admin identity (after a join or a departure: the consortium's endorsement policy changed).

# definition_args CMD ARGS... : NAME --org ORG [--policy EXPR] [--package FILE] of approve /
# commit, checked, into DEF_NAME, DEF_ORG, DEF_POLICY and DEF_PACKAGE; DEF_NEXT is the
# sequence to approve or commit (the committed one + 1).
definition_args() {
    local cmd=$1 committed
    shift
    DEF_NAME="" DEF_ORG="" DEF_POLICY="$CC_POLICY" DEF_PACKAGE=""
    [[ $# -gt 0 && "$1" != -* ]] && { DEF_NAME=$1; shift; }
    while (($#)); do
        case "$1" in
        --org) DEF_ORG=${2:-}; shift 2 ;;
        --policy) DEF_POLICY=${2:-}; shift 2 ;;
        --package) [[ $cmd == approve ]] || die "commit: unknown argument '$1'"; DEF_PACKAGE=${2:-}; shift 2 ;;
        *) die "$cmd: unknown argument '$1' ($cmd NAME --org ORG [--policy EXPR]$([[ $cmd == approve ]] && echo " [--package FILE]"))" ;;
        esac
    done
    [[ "$DEF_NAME" =~ ^[a-zA-Z0-9][a-zA-Z0-9_-]*$ ]] || die "$cmd NAME --org ORG: NAME is a chaincode's name (got '$DEF_NAME')"
    [[ -n "$DEF_ORG" ]] && has_peer "$DEF_ORG" ||
        die "$cmd: --org is one of the organisations that run peers: ${PEER_ORGS[*]} (got '$DEF_ORG')"
    [[ -n "$DEF_POLICY" ]] || die "$cmd: --policy is empty"
    check_fabric
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    # The sequence committed now, read on ORG's own peer with ORG's own admin identity.
    local definition
    definition=$(as_admin "$DEF_ORG" peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$DEF_NAME" -O json 2>/dev/null) ||
        true
    committed=$(jq -r '.sequence // empty' <<<"$definition" 2>/dev/null) || true
    [[ -n "$committed" ]] ||
        die "$cmd: '$DEF_NAME' has no committed definition on '$CHANNEL' (a first definition is made by 'deploy')"
    DEF_NEXT=$((committed + 1))
    # A definition with private data collections keeps them (Fabric refuses to drop one),
    # brought up to date with the consortium: a newcomer's pairs added, one that left no
    # longer a member (nanotrace-topology collections).
    DEF_COLLECTIONS=()
    if [[ -f "$CHAINCODES/$DEF_NAME/collections.committed" ]] ||
        jq -e '((.collections.config // []) | length) > 0' <<<"$definition" >/dev/null 2>&1; then
        collections_file "$CHAINCODES/$DEF_NAME" || die "$cmd: the private data collections could not be made"
        DEF_COLLECTIONS=(--collections-config "$CHAINCODES/$DEF_NAME/collections.json")
    fi
}

# approvals_of NAME SEQ POLICY ORG : checkcommitreadiness as ORG's admin on its own peer:
# one line per organisation that runs peers (those the LifecycleEndorsement policy counts),
# "MSP true|false".
approvals_of() {
    local msps=() org
    for org in "${PEER_ORGS[@]}"; do msps+=("${ORG_MSP[$org]}"); done
    as_admin "$4" peer lifecycle chaincode checkcommitreadiness -C "$CHANNEL" -n "$1" --version "$2" --sequence "$2" \
        --signature-policy "$3" "${DEF_COLLECTIONS[@]}" -O json |
        jq -r --args '.approvals as $a | $ARGS.positional[] | "\(.) \($a[.] // false)"' "${msps[@]}"
}

# cmd_approve : ORG's admin installs the package on ORG's peer (when it is not there yet)
# and approves the definition's next sequence under the consortium's endorsement policy as
# it stands now, for ORG alone; prints the approvals so far and the next step.
cmd_approve() {
    definition_args approve "$@"
    local t0 package package_id approvals
    t0=$(now)
    package=${DEF_PACKAGE:-$CHAINCODES/$DEF_NAME/$DEF_NAME.tar.gz}
    [[ -f "$package" ]] || die "approve: no package $package (give the chaincode's package with --package FILE)"
    package_id=$(fab peer lifecycle chaincode calculatepackageid "$package") || die "approve: $package is no chaincode package"
    if ! as_admin "$DEF_ORG" peer lifecycle chaincode queryinstalled -O json 2>/dev/null | grep -qF "\"$package_id\""; then
        as_admin "$DEF_ORG" peer lifecycle chaincode install "$package" >"$LOGS/install-$DEF_NAME-$DEF_ORG.log" 2>&1 ||
            grep -qF "chaincode already successfully installed" "$LOGS/install-$DEF_NAME-$DEF_ORG.log" ||
            { cat "$LOGS/install-$DEF_NAME-$DEF_ORG.log" >&2; die "approve: install on $(peer_host "$DEF_ORG") failed"; }
    fi
    as_admin "$DEF_ORG" peer lifecycle chaincode approveformyorg -o "$(orderer_addr orderer)" --tls --cafile "$ORDERER_CA" \
        -C "$CHANNEL" -n "$DEF_NAME" --version "$DEF_NEXT" --package-id "$package_id" --sequence "$DEF_NEXT" \
        --signature-policy "$DEF_POLICY" "${DEF_COLLECTIONS[@]}" >"$LOGS/approve-$DEF_NAME-$DEF_ORG.log" 2>&1 ||
        { cat "$LOGS/approve-$DEF_NAME-$DEF_ORG.log" >&2; die "approve: approveformyorg as ${ORG_MSP[$DEF_ORG]} failed (above)"; }
    approvals=$(approvals_of "$DEF_NAME" "$DEF_NEXT" "$DEF_POLICY" "$DEF_ORG") || die "approve: checkcommitreadiness failed"
    log "${ORG_MSP[$DEF_ORG]} approved '$DEF_NAME' sequence $DEF_NEXT ($package_id) under $DEF_POLICY"
    log "approvals of sequence $DEF_NEXT: $(tr '\n' ' ' <<<"$approvals")"
    local yes total
    yes=$(grep -c ' true$' <<<"$approvals" || true)
    total=$(wc -l <<<"$approvals")
    if ((yes > total / 2)); then
        log "next: a majority approved; any of them commits it: scripts/network.sh commit $DEF_NAME --org ORG"
    else
        log "next: $((total / 2 + 1 - yes)) more of the organisations that run peers approve it on their hosts (scripts/network.sh approve $DEF_NAME --org ORG)"
    fi
    echo "approved_sequence=$DEF_NEXT"
    echo "approvals=$yes"
    echo "approve_seconds=$(elapsed "$t0")"
}

# cmd_commit : ORG's admin commits the next sequence, once a majority of the organisations
# that run peers approved it (the channel's LifecycleEndorsement); refuses, naming who has
# not approved, when short of it. Waits until ORG's own peer has it.
cmd_commit() {
    definition_args commit "$@"
    local t0 approvals yes total missing org peers=()
    t0=$(now)
    approvals=$(approvals_of "$DEF_NAME" "$DEF_NEXT" "$DEF_POLICY" "$DEF_ORG") || die "commit: checkcommitreadiness failed"
    yes=$(grep -c ' true$' <<<"$approvals" || true)
    total=$(wc -l <<<"$approvals")
    if ((yes <= total / 2)); then
        missing=$(awk '$2 == "false" { print $1 }' <<<"$approvals" | paste -sd, -)
        die "commit: '$DEF_NAME' sequence $DEF_NEXT under $DEF_POLICY has $yes approvals of the $total organisations that run peers and needs $((total / 2 + 1)); not approved by: $missing (scripts/network.sh approve $DEF_NAME --org ORG on each one's host); nothing was sent"
    fi
    # Endorsed by the peers of the organisations that approved (a peer endorses the commit
    # only of a definition its own organisation agreed to; the lifecycle policy needs a
    # majority of them); the proposal is signed by ORG's admin alone. With BFT another peer
    # can be a block behind ORG's (the last approval): its endorsement then reads other
    # approvals and the responses differ; the commit is tried again, as an operator would
    # (5 tries).
    for org in "${PEER_ORGS[@]}"; do
        grep -qx "${ORG_MSP[$org]} true" <<<"$approvals" || continue
        peers+=(--peerAddresses "$(peer_addr "$org")" --tlsRootCertFiles "$(peer_tls_ca "$org")")
    done
    local try
    for try in 1 2 3 4 5; do
        as_admin "$DEF_ORG" peer lifecycle chaincode commit -o "$(orderer_addr orderer)" --tls --cafile "$ORDERER_CA" \
            -C "$CHANNEL" -n "$DEF_NAME" --version "$DEF_NEXT" --sequence "$DEF_NEXT" --signature-policy "$DEF_POLICY" \
            "${DEF_COLLECTIONS[@]}" "${peers[@]}" >"$LOGS/commit-$DEF_NAME.log" 2>&1 && break
        if ((try == 5)) || ! grep -qi "do not match" "$LOGS/commit-$DEF_NAME.log"; then
            cat "$LOGS/commit-$DEF_NAME.log" >&2
            die "commit: the commit of '$DEF_NAME' sequence $DEF_NEXT failed (above)"
        fi
        log "the peers' endorsements differ (one has not every approval yet): trying again ($try of 5)"
        sleep 1
    done
    wait_for 30 "'$DEF_NAME' sequence $DEF_NEXT committed on $(peer_host "$DEF_ORG")" \
        committed_sequence_is "$DEF_ORG" "$DEF_NAME" "$DEF_NEXT"
    [[ ! -d "$CHAINCODES/$DEF_NAME" ]] || echo "$DEF_POLICY" >"$CHAINCODES/$DEF_NAME/policy"
    ((${#DEF_COLLECTIONS[@]} == 0)) ||
        cp "$CHAINCODES/$DEF_NAME/collections.json" "$CHAINCODES/$DEF_NAME/collections.committed"
    log "'$DEF_NAME' sequence $DEF_NEXT committed on '$CHANNEL' by ${ORG_MSP[$DEF_ORG]} (policy $DEF_POLICY; approved by $yes of $total)"
    echo "committed_sequence=$DEF_NEXT"
    echo "commit_seconds=$(elapsed "$t0")"
}

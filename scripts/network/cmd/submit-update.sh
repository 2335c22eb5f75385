# shellcheck shell=bash
# Sourced by scripts/network.sh: `submit-update FILE --org ORG`: ORG's admin sends a
# signed channel configuration update to the ordering service; an organisation `add-org`
# prepared is then a member of the network.

# who_signed LINES : the MSP IDs of LINES on one line, or "no one".
who_signed() { if [[ -n "$1" ]]; then tr '\n' ' ' <<<"$1" | sed 's/ $//'; else echo "no one"; fi; }

cmd_submit_update() {
    update_args submit-update "$@"
    local file=$UPDATE_FILE org=$UPDATE_ORG
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    local t0 work signed members need have msp
    t0=$(now)
    mkdir -p "$RUN_DIR/updates"
    work=$(mktemp -d "$RUN_DIR/updates/submit.XXXXXX")
    signed=$(update_signers "$file") || die "submit-update: $file is no configuration update"
    # The orderer checks the policy; this says beforehand, and clearly, what is missing: a
    # majority of the channel's member organisations' admins (the submitter signs too).
    # The channel's configuration is read with the submitter's own admin identity.
    config_fetch "$org" "$work"
    members=$(jq -r '.channel_group.groups.Application.groups | keys[]' "$work/config.json")
    need=$(($(wc -l <<<"$members") / 2 + 1))
    msp=$(orderer_msp_of "$org")
    have=$(printf '%s\n%s\n' "$signed" "$msp" | sort -u | grep -Fxf <(echo "$members") | wc -l)
    ((have >= need)) ||
        die "submit-update: $file is signed by $(who_signed "$signed") and would be by $msp: it has $have member admins' signatures and needs $need, a majority of the $(wc -l <<<"$members") members ($(tr '\n' ' ' <<<"$members" | sed 's/ $//')); have more organisations sign it with sign-update. Nothing was sent."
    # An update that changes the ordering service (a consenter joins or leaves) needs a
    # majority of the ordering organisations' admins as well (/Channel/Orderer/Admins).
    if update_touches_orderers "$file"; then
        local orderers oneed ohave
        orderers=$(jq -r '.channel_group.groups.Orderer.groups | keys[]' "$work/config.json")
        oneed=$(($(wc -l <<<"$orderers") / 2 + 1))
        ohave=$(printf '%s\n%s\n' "$signed" "$msp" | sort -u | grep -Fxf <(echo "$orderers") | wc -l)
        ((ohave >= oneed)) ||
            die "submit-update: $file changes the ordering service: it has $ohave ordering organisations' admins' signatures and needs $oneed, a majority of the $(wc -l <<<"$orderers") ordering organisations ($(tr '\n' ' ' <<<"$orderers" | sed 's/ $//')); have more of them sign it with sign-update. Nothing was sent."
    fi
    cp "$file" "$work/envelope.pb"
    # An update add-org or remove-org prepared changes the run's consortium. An
    # organisation that leaves is no member from this update on: its peer is not waited for.
    local change after left=""
    change=$(basename "$file" .pb)
    after="$RUN_DIR/updates/$change/consortium.yaml"
    [[ ( $change == add-* || $change == remove-* ) && -f "$after" ]] || after=""
    if [[ -n "$after" && $change == remove-* ]]; then
        left=${change#remove-}
        CONSORTIUM=$after
        load_consortium
    fi
    config_submit "$org" "$work"
    log "the update $file is on '$CHANNEL' ($have member signatures; $(elapsed "$t0") s)"
    if [[ -n "$after" ]]; then
        cp "$after" "$RUN_DIR/consortium.yaml"
        CONSORTIUM="$RUN_DIR/consortium.yaml"
        load_consortium
        CA_ORGS=(orderer "${ORGS[@]}")
        write_configtx
        write_network_env
        write_profiles
    fi
    if [[ $change == add-* && -n "$after" ]]; then
        log "${change#add-} is a member of '$CHANNEL'; its profiles are in $PROFILES$(has_peer "${change#add-}" && echo "; start its peer with: scripts/network.sh join-org ${change#add-}")"
    elif [[ -n "$left" ]]; then
        # It left: its nodes stop, its connection profiles go.
        stop_named "$(peer_host "$left" 1)"
        stop_named "$(peer_host "$left")"
        stop_named "$(orderer_name "$left")"
        stop_named "ca-$left"
        rm -f "$PROFILES/$left"-*.yaml
        log "$left left '$CHANNEL': its nodes and CA stopped, its connection profiles removed"
    fi
    if [[ -n "$after" ]]; then
        # The chaincode definitions committed before still name the consortium's previous
        # endorsement policy (a leaver's peer among its endorsers, or a newcomer's missing):
        # each organisation with peers approves a new sequence under the one it has now.
        log "next: the committed chaincode definitions still name the previous endorsement policy; on each organisation's host that runs peers, approve them anew under $DEFAULT_POLICY: scripts/network.sh approve NAME --org ORG, then one of them: scripts/network.sh commit NAME --org ORG (docs/CONSORTIUM.md)"
    fi
    rm -rf "$work"
    echo "submit_seconds=$(elapsed "$t0")"
}

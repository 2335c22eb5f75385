# shellcheck shell=bash
# Sourced by scripts/network.sh: an organisation joins the running channel. On separate
# hosts: `prepare-org ENTRY` on the newcomer's host (its CA, identities and definition, one
# file), `propose-org FILE --org MEMBER` on a member's host (the unsigned update), then
# `sign-update` by a majority of the members' admins, each on its own host, and
# `submit-update`; then `join-org` on the newcomer's hosts. `add-org ENTRY` does the first
# two at once, on one machine.

# add-org ENTRY : prepare-org ENTRY, then propose-org with the first member that runs peers.
cmd_add_org() {
    local entry=${1:-} t0 org definition
    (($# <= 1)) || die "add-org: unknown argument '$2' (add-org ENTRY)"
    t0=$(now)
    definition=$(cmd_prepare_org "$entry" | sed -n 's/^definition=//p')
    [[ -n "$definition" ]] || die "add-org: prepare-org wrote no definition"
    org=$(jq -r .org "$definition")
    cmd_propose_org "$definition" --org "${PEER_ORGS[0]}"
    log "add-org $org: prepared and proposed in $(elapsed "$t0") s"
    echo "prepare_seconds=$(elapsed "$t0")"
}

# prepare-org ENTRY : the newcomer's part, on its own host with its own material. ENTRY is
# a YAML file holding its entry in the consortium file's `organizations`. Makes its host
# (with --hosts), starts its Fabric CA, issues its identities, and writes its definition
# to <run>/updates/<org>.definition.json: its entry, its MSP definition as configtxgen
# -printOrg writes it from its own MSP folder (with its anchor peer), and, when it runs a
# SmartBFT orderer, its ordering organisation's definition (its endpoint) and its entry in
# the consenter mapping (identity, TLS certificates, number). Nothing of the channel
# changes; the file is what it hands to a member's admin.
cmd_prepare_org() {
    local entry=${1:-}
    [[ -n "$entry" && -f "$entry" ]] ||
        die "prepare-org ENTRY: ENTRY is a YAML file holding the organisation's entry, as in the consortium file's 'organizations' (got '$entry')"
    (($# <= 1)) || die "prepare-org: unknown argument '$2' (prepare-org ENTRY)"
    check_fabric
    command -v jq >/dev/null || die "prepare-org needs jq"
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    local t0 updates org work before=("${ORGS[@]}") p msp file
    t0=$(now)
    updates="$RUN_DIR/updates"
    grow_consortium "$entry" prepare-org
    org=${ORGS[-1]}
    msp=${ORG_MSP[$org]}
    [[ " ${before[*]} " != *" $org "* ]] || die "prepare-org: $org is a member already"
    work="$updates/prepare-$org"
    file="$updates/$org.definition.json"
    [[ ! -e "$work" && ! -e "$(ca_home "$org")" ]] || die "prepare-org: $org was prepared already; its definition is $file"
    mkdir -p "$work/org"
    mv "$GROWN" "$work/consortium.yaml"
    CONSORTIUM="$work/consortium.yaml"
    hosts_mode || for p in "$(ca_port "$org")" "$(ca_ops_port "$org")" ${PEER_PORT[$org]:+"$(peer_port "$org")"} \
        ${ORDERER_NODE_PORT[$org]:+"$(orderer_port "$org")" "$(orderer_admin_port "$org")" "$(orderer_ops_port "$org")"}; do
        ! port_in_use "$p" || die "prepare-org: port $p of $org is in use"
    done

    if hosts_mode && [[ ! -e "/run/netns/$(ns_name "$org")" ]]; then
        # Its host (unless `make-host` made it): a namespace on the bridge; every host's
        # /etc/hosts names it.
        host_make "$org"
        hosts_refresh
        log "host $(ns_name "$org") at $(org_ip "$org"); every host's /etc/hosts names it"
    fi
    log "starting ca-$org (https://$(ca_addr "$org"), operations :$(ca_ops_port "$org"))"
    start_ca "$org"
    wait_for "$WAIT_TIMEOUT" "ca-$org listening on $(ca_addr "$org")" listening "$(org_ip "$org")" "$(ca_port "$org")"
    org_identities "$org" >"$LOGS/identities-$org.log" 2>&1 ||
        { tail -n 5 "$LOGS/identities-$org.log" >&2; die "prepare-org: ca-$org could not issue $org's identities"; }
    log "$org's identities issued by ca-$org"

    # Its definitions from its own MSP folders alone (nanotrace-topology org-definition):
    # as configtxgen writes them into a channel of the grown consortium.
    topology org-definition --run-dir "$RUN_DIR" "$org" >"$work/org/configtx.yaml" ||
        die "prepare-org: cannot write $org's definition (above)"
    print_org() {
        FABRIC_CFG_PATH="$work/org" FABRIC_LOGGING_SPEC=warning "$FABRIC_BIN_DIR/configtxgen" -printOrg "$1" \
            2>"$work/org/printorg.log" || { cat "$work/org/printorg.log" >&2; die "configtxgen -printOrg $1 failed"; }
    }
    print_org "$msp" >"$work/org/application.json"
    if runs_orderer "$org"; then
        print_org "$msp-orderer" >"$work/org/orderer.json"
        topology org-definition --run-dir "$RUN_DIR" "$org" --consenter >"$work/org/consenter.json" ||
            die "prepare-org: cannot write $org's consenter entry (above)"
    else
        echo null >"$work/org/orderer.json"
        echo null >"$work/org/consenter.json"
    fi
    jq -n --arg org "$org" --arg msp "$msp" --rawfile entry "$entry" --slurpfile app "$work/org/application.json" \
        --slurpfile orderer "$work/org/orderer.json" --slurpfile consenter "$work/org/consenter.json" \
        '{org: $org, msp_id: $msp, entry: $entry, application: $app[0], orderer: $orderer[0], consenter: $consenter[0]}' \
        >"$file.new"
    mv "$file.new" "$file"
    log "$org's definition is $file: hand it to a member's admin, who checks its CA roots with you and proposes it:"
    log "  scripts/network.sh propose-org $file --org MEMBER"
    echo "definition=$file"
    echo "prepare_seconds=$(elapsed "$t0")"
}

# propose-org FILE --org MEMBER : a member's part, on its own host with its own admin
# identity: the channel configuration update that adds the organisation of FILE (what
# prepare-org wrote on the newcomer's host) to the channel's Application group (and, when
# it runs peers, counts it in the lifecycle and default endorsement policies, computed
# from the grown consortium by nanotrace-topology application-policies; when it runs a
# SmartBFT orderer, adds it to the ordering service's organisations and consenter set),
# written to <run>/updates/add-<org>.pb, unsigned. No file of another organisation is read.
cmd_propose_org() {
    local file="" proposer=""
    [[ $# -gt 0 && "$1" != -* ]] && { file=$1; shift; }
    while (($#)); do
        case "$1" in
        --org) proposer=${2:-}; shift 2 ;;
        *) die "propose-org: unknown argument '$1' (propose-org FILE --org MEMBER)" ;;
        esac
    done
    [[ -n "$file" && -f "$file" ]] || die "propose-org FILE --org MEMBER: FILE is what prepare-org wrote (got '$file')"
    [[ -n "$proposer" && -n "${ORG_MSP[$proposer]:-}" ]] ||
        die "propose-org: --org is one of the members ${ORGS[*]} (got '$proposer')"
    check_fabric
    command -v jq >/dev/null || die "propose-org needs jq"
    jq -e '(.org | type == "string") and (.msp_id | type == "string") and (.entry | type == "string")
        and (.application | type == "object") and (.orderer | type == "object" or . == null)
        and (.consenter | type == "object" or . == null)' "$file" >/dev/null 2>&1 ||
        die "propose-org: $file is no organisation's definition (prepare-org writes one)"
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    local t0 updates work org msp before=("${ORGS[@]}") orderer=false
    t0=$(now)
    org=$(jq -r .org "$file")
    msp=$(jq -r .msp_id "$file")
    updates="$RUN_DIR/updates"
    work="$updates/add-$org"
    [[ " ${before[*]} " != *" $org "* ]] || die "propose-org: $org is a member already"
    [[ ! -e "$updates/add-$org.pb" ]] || die "propose-org: $org was proposed already; its update is $updates/add-$org.pb"
    rm -rf "$work"   # what a proposal that failed half-way left
    mkdir -p "$work"
    jq -r .entry "$file" >"$work/entry.yaml"
    "$TOPOLOGY_BIN" --consortium "$CONSORTIUM" add "$work/entry.yaml" >"$work/consortium.yaml" ||
        { rm -rf "$work"; die "propose-org: $org's entry is refused (above); nothing was changed"; }
    [[ "$("$TOPOLOGY_BIN" --consortium "$work/consortium.yaml" check | tail -n 1 | cut -d' ' -f1,2)" == "$org $msp" ]] ||
        { rm -rf "$work"; die "propose-org: $file names $org ($msp), its entry another organisation"; }
    jq -e '.consenter == null or .consenter.msp_id == .msp_id' "$file" >/dev/null ||
        { rm -rf "$work"; die "propose-org: $file's consenter entry is another organisation's"; }
    if [[ "$(jq -r '.orderer != null' "$file")" == true ]]; then orderer=true; fi
    [[ $orderer == false || "$ORDERING" == bft ]] ||
        { rm -rf "$work"; die "propose-org: $org runs an orderer, and this channel is not ordered by SmartBFT"; }
    CONSORTIUM="$work/consortium.yaml"
    load_consortium

    # The grown channel's parts the update takes: the newcomer's groups from its file, the
    # Application group's policies as the channel has them with LifecycleEndorsement and
    # Endorsement as the grown consortium needs them (read with MEMBER's own identity).
    config_fetch "$proposer" "$work"
    "$TOPOLOGY_BIN" --consortium "$CONSORTIUM" application-policies >"$work/policies.json" || die "propose-org: cannot compute the policies (above)"
    jq --slurpfile d "$file" --slurpfile p "$work/policies.json" --arg msp "$msp" '
        .channel_group.groups.Application.policies as $now
        | { groups: {
              Application: {
                groups: { ($msp): $d[0].application },
                policies: ($now
                  | .LifecycleEndorsement.policy = $p[0].LifecycleEndorsement
                  | .Endorsement.policy = $p[0].Endorsement) },
              Orderer: {
                groups: (if $d[0].orderer then { ($msp): $d[0].orderer } else {} end),
                values: { Orderers: { value: { consenter_mapping: [ $d[0].consenter // empty ] } } } } } }' \
        "$work/config.json" >"$work/grown.json"
    PROPOSER=$proposer membership_update "$work" "$updates/add-$org.pb" \
        "adding $org ($msp$($orderer && echo ", a consenter"))" \
        '.channel_group.groups.Application.groups[$msp] = $grown[0].groups.Application.groups[$msp]
         | if $orderer then
             .channel_group.groups.Orderer.groups[$msp] = $grown[0].groups.Orderer.groups[$msp]
             | .channel_group.groups.Orderer.values.Orderers.value.consenter_mapping +=
                 [$grown[0].groups.Orderer.values.Orderers.value.consenter_mapping[] | select(.msp_id == $msp)]
           else . end' \
        --arg msp "$msp" --argjson orderer "$orderer"
    echo "propose_seconds=$(elapsed "$t0")"
}

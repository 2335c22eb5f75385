# shellcheck shell=bash
# Sourced by scripts/network.sh. Channel configuration updates: fetch, compute the update,
# sign as the organisations' admins, submit.

# ---------------------------------------------------------- config updates ----
# A channel configuration update in three steps, each in WORK: config_fetch (config.json),
# a jq edit of it into modified.json by the caller, config_envelope (envelope.pb: the
# computed update, unsigned), config_submit (signed and sent by an admin, awaited on
# every peer). Needs configtxlator (Fabric's release) and jq.

ORDERER_ADMIN_MSP="$ORDERER_ORG_DIR/users/Admin@orderer.$DOMAIN/msp"

# as_org_admin ORG CMD... : Fabric's CLI as ORG's admin (the ordering organisation too).
as_org_admin() {
    local org=$1
    shift
    if [[ $org == orderer ]]; then
        CORE_PEER_LOCALMSPID=OrdererMSP CORE_PEER_MSPCONFIGPATH="$ORDERER_ADMIN_MSP" CORE_PEER_TLS_ENABLED=true fab "$@"
    else
        as_admin "$org" "$@"
    fi
}

# orderer_msp_of ORG : ORG's MSP ID (the ordering organisation's too).
orderer_msp_of() { if [[ $1 == "$ORDERER_ORG" ]]; then echo "$ORDERER_MSP_ID"; else echo "${ORG_MSP[$1]}"; fi; }

# jq: the SmartBFT block validation policy of a configuration, as the orderers require it
# to be (Fabric's orderer/consensus/smartbft/configverifier.go): signed by a BFT quorum,
# ceil((n + f + 1) / 2) with f = floor((n - 1) / 3), of the n consenters' identities, in
# the consenter mapping's order. A consenter joining or leaving changes it.
JQ_BLOCK_VALIDATION='def block_validation:
    .channel_group.groups.Orderer.values.Orderers.value.consenter_mapping as $m
    | ($m | length) as $n | ((($n - 1) / 3) | floor) as $f
    | .channel_group.groups.Orderer.policies.BlockValidation.policy.value = {
        identities: [$m[] | {principal_classification: "IDENTITY", principal: {mspid: .msp_id, id_bytes: .identity}}],
        rule: {n_out_of: {n: ((($n + $f + 1) / 2) | ceil), rules: [range(0; $n) | {signed_by: .}]}},
        version: 0
    };'

# membership_update WORK FILE WHAT FILTER [JQ ARGS...] : the configuration update that
# changes the channel's members as FILTER (a jq filter, given JQ ARGS and $grown: WORK/
# grown.json when the caller wrote it, else the channel group a new channel of the
# consortium now loaded would have) edits its configuration (read with the admin identity
# of PROPOSER, by default the first member that runs peers), with the Application
# group's policies (lifecycle and default endorsement) as that channel has them; written
# to FILE, unsigned. Prints config_bytes=, update=, signatures_needed= (a majority of
# the members before the change) and orderer_signatures_needed= (a majority of the ordering organisations when the update
# changes the ordering service, else 0).
membership_update() {
    local work=$1 file=$2 what=$3 filter=$4 members need profile=NanoTraceChannel orderers=0
    shift 4
    [[ "$ORDERING" != bft ]] || profile=NanoTraceChannelBFT
    # The changed channel's parts: given (propose-org: from the newcomer's definition and
    # the consortium's policies), or as configtxgen writes a channel of the consortium now
    # loaded (remove-org; it reads every member's MSP folder).
    if [[ ! -f "$work/grown.json" ]]; then
        write_configtx "$work/config"
        FABRIC_CFG_PATH="$work/config" FABRIC_LOGGING_SPEC=warning "$FABRIC_BIN_DIR/configtxgen" -profile "$profile" \
            -channelID "$CHANNEL" -outputBlock "$work/grown.block" >/dev/null 2>"$work/grown.log" ||
            { cat "$work/grown.log" >&2; die "configtxgen -profile $profile failed"; }
        fab configtxlator proto_decode --input "$work/grown.block" --type common.Block --output "$work/grown-block.json"
        jq '.data.data[0].payload.data.config.channel_group' "$work/grown-block.json" >"$work/grown.json"
    fi
    config_fetch "${PROPOSER:-${PEER_ORGS[0]}}" "$work"
    jq "$@" --slurpfile grown "$work/grown.json" \
        "$JQ_BLOCK_VALIDATION $filter | .channel_group.groups.Application.policies = \$grown[0].groups.Application.policies
         | if .channel_group.groups.Orderer.values.Orderers then block_validation else . end" \
        "$work/config.json" >"$work/modified.json"
    config_envelope "$work" || die "the update $what changes nothing"
    cp "$work/envelope.pb" "$file"
    members=$(jq '.channel_group.groups.Application.groups | length' "$work/config.json")
    need=$((members / 2 + 1))
    if ! jq -e '.channel_group.groups.Orderer == $after[0].channel_group.groups.Orderer' \
        --slurpfile after "$work/modified.json" "$work/config.json" >/dev/null; then
        orderers=$(jq '.channel_group.groups.Orderer.groups | length' "$work/config.json")
        orderers=$((orderers / 2 + 1))
    fi
    log "the update $what on '$CHANNEL' is $file."
    log "It needs the signatures of $need of the $members members' admins (MAJORITY Admins)$( ((orderers)) &&
        echo " and of $orderers of the $(jq '.channel_group.groups.Orderer.groups | length' "$work/config.json") ordering organisations' admins (the ordering service changes)"): each signs it in turn with"
    log "  scripts/network.sh sign-update $file --org ORG"
    log "and one of them sends it with: scripts/network.sh submit-update $file --org ORG"
    # The channel configuration's size as the update leaves it (what every new block's
    # config reference and every joining node carry).
    log "the channel configuration: $(stat -c %s "$work/config.pb") bytes now, $(stat -c %s "$work/modified.pb") after it"
    echo "config_bytes=$(stat -c %s "$work/modified.pb")"
    echo "update=$file"
    echo "signatures_needed=$need"
    echo "orderer_signatures_needed=$orderers"
}

# update_args COMMAND ARGS... : FILE --org ORG of sign-update / submit-update, checked, into
# UPDATE_FILE and UPDATE_ORG.
update_args() {
    local cmd=$1
    shift
    UPDATE_FILE="" UPDATE_ORG=""
    [[ $# -gt 0 && "$1" != -* ]] && { UPDATE_FILE=$1; shift; }
    while (($#)); do
        case "$1" in
        --org) UPDATE_ORG=${2:-}; shift 2 ;;
        *) die "$cmd: unknown argument '$1' ($cmd FILE --org ORG)" ;;
        esac
    done
    [[ -n "$UPDATE_FILE" && -f "$UPDATE_FILE" ]] || die "$cmd FILE --org ORG: FILE is a configuration update (got '$UPDATE_FILE')"
    [[ -n "$UPDATE_ORG" && ( $UPDATE_ORG == "$ORDERER_ORG" || -n "${ORG_MSP[$UPDATE_ORG]:-}" ) ]] ||
        die "$cmd: --org is one of $ORDERER_ORG ${ORGS[*]} (got '$UPDATE_ORG')"
    check_fabric
    [[ -x "$FABRIC_BIN_DIR/configtxlator" ]] || die "$cmd needs configtxlator (part of Fabric's release) in $FABRIC_BIN_DIR"
    command -v jq >/dev/null || die "$cmd needs jq"
}

# update_summary FILE ORG : what the configuration update FILE changes in the channel, in
# words (nanotrace-topology describe-update), the channel's configuration fetched with
# ORG's own admin identity.
update_summary() {
    local file=$1 org=$2 work
    mkdir -p "$RUN_DIR/updates"
    work=$(mktemp -d "$RUN_DIR/updates/inspect.XXXXXX")
    config_fetch "$org" "$work"
    fab configtxlator proto_decode --input "$file" --type common.Envelope --output "$work/update.json" 2>"$work/decode.log" ||
        { cat "$work/decode.log" >&2; die "$file is no configuration update"; }
    "$TOPOLOGY_BIN" describe-update --config "$work/config.json" --update "$work/update.json" ||
        die "cannot describe $file (above)"
    rm -rf "$work"
}

# update_signers FILE : the MSP IDs that signed the configuration update FILE, one a line.
update_signers() {
    local json
    json=$(fab configtxlator proto_decode --input "$1" --type common.Envelope 2>/dev/null) || return 1
    jq -e '.payload.data.config_update' <<<"$json" >/dev/null || return 1
    jq -r '.payload.data.signatures[]?.signature_header.creator.mspid' <<<"$json" | sort -u
}

# update_touches_orderers FILE : the configuration update FILE changes the ordering
# service's group (its organisations, consenters or settings).
update_touches_orderers() {
    fab configtxlator proto_decode --input "$1" --type common.Envelope 2>/dev/null |
        jq -e '.payload.data.config_update | .write_set.groups.Orderer != null
            and .write_set.groups.Orderer != .read_set.groups.Orderer' >/dev/null
}

# The ordering service as the peer CLI reaches it (the ordering organisation's orderer0).
orderer_cli() { ORDERER_CLI=(-o "$(orderer_addr orderer)" --ordererTLSHostnameOverride "$ORDERER_HOST" --tls --cafile "$ORDERER_CA"); }

# config_fetch ORG WORK : the channel's configuration, as ORG's admin, into WORK/config.json.
config_fetch() {
    local org=$1 work=$2
    check_fabric
    [[ -x "$FABRIC_BIN_DIR/configtxlator" ]] || die "a configuration update needs configtxlator (part of Fabric's release) in $FABRIC_BIN_DIR"
    command -v jq >/dev/null || die "a configuration update needs jq"
    mkdir -p "$work"
    orderer_cli
    as_org_admin "$org" peer channel fetch config "$work/config_block.pb" -c "$CHANNEL" "${ORDERER_CLI[@]}" \
        >"$work/fetch.log" 2>&1 || { cat "$work/fetch.log" >&2; die "cannot fetch the configuration of '$CHANNEL'"; }
    fab configtxlator proto_decode --input "$work/config_block.pb" --type common.Block --output "$work/block.json"
    jq '.data.data[0].payload.data.config' "$work/block.json" >"$work/config.json"
}

# config_envelope WORK : WORK/envelope.pb, the update from config.json to modified.json;
# fails (status 1) when there is no difference.
config_envelope() {
    local work=$1
    fab configtxlator proto_encode --input "$work/config.json" --type common.Config --output "$work/config.pb"
    fab configtxlator proto_encode --input "$work/modified.json" --type common.Config --output "$work/modified.pb"
    if ! fab configtxlator compute_update --channel_id "$CHANNEL" --original "$work/config.pb" \
        --updated "$work/modified.pb" --output "$work/update.pb" 2>"$work/compute.log"; then
        grep -q 'no differences detected' "$work/compute.log" && return 1
        cat "$work/compute.log" >&2
        die "configtxlator compute_update failed"
    fi
    fab configtxlator proto_decode --input "$work/update.pb" --type common.ConfigUpdate --output "$work/update.json"
    jq -n --arg ch "$CHANNEL" --slurpfile update "$work/update.json" \
        '{payload: {header: {channel_header: {channel_id: $ch, type: 2}}, data: {config_update: $update[0]}}}' \
        >"$work/envelope.json"
    fab configtxlator proto_encode --input "$work/envelope.json" --type common.Envelope --output "$work/envelope.pb"
}

# config_submit SUBMITTER WORK [SIGNER...] : the SIGNERs' admins sign WORK/envelope.pb,
# SUBMITTER's admin signs and sends it; waits until every peer committed it.
config_submit() {
    local submitter=$1 work=$2 height o
    shift 2
    for o in "$@"; do
        as_org_admin "$o" peer channel signconfigtx -f "$work/envelope.pb" >"$work/sign-$o.log" 2>&1 ||
            { cat "$work/sign-$o.log" >&2; die "$o's admin could not sign the configuration update"; }
    done
    height=$(peer_height "${PEER_ORGS[0]}")
    orderer_cli
    as_org_admin "$submitter" peer channel update -f "$work/envelope.pb" -c "$CHANNEL" "${ORDERER_CLI[@]}" \
        >"$work/update.log" 2>&1 || { cat "$work/update.log" >&2; die "the configuration update of '$CHANNEL' was refused"; }
    for o in "${PEER_ORGS[@]}"; do
        peer_started "$o" || continue
        wait_for "$WAIT_TIMEOUT" "$(peer_host "$o") to commit the configuration update" height_above "$o" "${height:-0}"
    done
}

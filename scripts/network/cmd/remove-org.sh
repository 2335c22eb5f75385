# shellcheck shell=bash
# Sourced by scripts/network.sh: `remove-org ORG [--org MEMBER]`: an organisation leaves the running
# channel, step 1 of 2 (then `sign-update` by a majority of the members' admins and
# `submit-update`, which stops its nodes).

# remove-org ORG [--org MEMBER] : MEMBER's admin (by default the first member that runs
# peers) reads the channel with its own identity and writes the configuration update that
# takes ORG's MSP definition out of the channel's Application group (and out of the
# lifecycle and default endorsement policies; when it runs a SmartBFT orderer, out of the
# ordering service's organisations and consenter set) to <run>/updates/remove-<org>.pb,
# unsigned. In the contract the governing admin retires it first (`nanotrace retire-org MSP --reason …`): its roles end,
# its issuer keys retire, what it issued stays verifiable (docs/CONSORTIUM.md).
cmd_remove_org() {
    local org=${1:-} t0 work updates proposer=""
    [[ -n "$org" && " ${ORGS[*]} " == *" $org "* ]] || die "remove-org ORG: ORG is one of ${ORGS[*]} (got '$org')"
    shift
    while (($#)); do
        case "$1" in
        --org) proposer=${2:-}; shift 2 ;;
        *) die "remove-org: unknown argument '$1' (remove-org ORG [--org MEMBER])" ;;
        esac
    done
    [[ -z "$proposer" || ( -n "${ORG_MSP[$proposer]:-}" && $proposer != "$org" ) ]] ||
        die "remove-org: --org is one of the other members (got '$proposer')"
    check_fabric
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    local orderer=false
    if runs_orderer "$org"; then
        orderer=true
        ((${#ORDERER_ORGS[@]} > 4)) ||
            die "remove-org: $org runs one of the ${#ORDERER_ORGS[@]} SmartBFT orderers: without it fewer than four would be left, and SmartBFT tolerates no fault below four; add an orderer first"
    fi
    t0=$(now)
    updates="$RUN_DIR/updates"
    work="$updates/remove-$org"
    [[ ! -e "$work" ]] || die "remove-org: its update was prepared already: $updates/remove-$org.pb"
    mkdir -p "$work"
    "$TOPOLOGY_BIN" --consortium "$CONSORTIUM" retire "$org" >"$work/consortium.yaml" ||
        { rm -rf "$work"; die "remove-org: $org cannot leave (above); nothing was changed"; }
    local msp=${ORG_MSP[$org]}
    CONSORTIUM="$work/consortium.yaml"
    load_consortium
    PROPOSER=$proposer membership_update "$work" "$updates/remove-$org.pb" "removing $org ($msp$($orderer && echo ", a consenter"))" \
        'del(.channel_group.groups.Application.groups[$msp])
         | if $orderer then
             del(.channel_group.groups.Orderer.groups[$msp])
             | .channel_group.groups.Orderer.values.Orderers.value.consenter_mapping |= map(select(.msp_id != $msp))
           else . end' \
        --arg msp "$msp" --argjson orderer "$orderer"
    echo "prepare_seconds=$(elapsed "$t0")"
}

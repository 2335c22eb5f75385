# shellcheck shell=bash
# Sourced by scripts/network.sh. The consortium: its organisations, read from its file
# (network/consortium.yaml, or NANOTRACE_FABRIC_CONSORTIUM) by `nanotrace-topology`, which
# checks it and declares ORGS, ORG_MSP, ORG_INDEX (an organisation's port index, from 1),
# ORG_NAMED_USER, GOVERNING_ORG, DEFAULT_POLICY, … and the network's ports and addresses
# (topology/src/shell.rs, topology/src/layout.rs). No script names an organisation or
# computes a port.

CONSORTIUM="${NANOTRACE_FABRIC_CONSORTIUM:-$ROOT/network/consortium.yaml}"
# Commands after `up` use the consortium `up` recorded for this run folder.
if [[ "${1:-}" != up && -f "$RUN_DIR/network.env" ]]; then
    recorded=$(sed -n 's/^NANOTRACE_FABRIC_CONSORTIUM=//p' "$RUN_DIR/network.env")
    CONSORTIUM=${recorded:-$CONSORTIUM}
fi
CONSORTIUM="$(realpath -m -- "$CONSORTIUM")"

# The nanotrace-topology binary: NANOTRACE_TOPOLOGY_BIN, the workspace's build (unless the
# crate's sources changed since: an older build may lack a subcommand), PATH, or built here
# once (cargo build -p nanotrace-topology).
topology_bin() {
    local target="${CARGO_TARGET_DIR:-$ROOT/target}" bin
    [[ -n "${NANOTRACE_TOPOLOGY_BIN:-}" && -x "$NANOTRACE_TOPOLOGY_BIN" ]] && { echo "$NANOTRACE_TOPOLOGY_BIN"; return; }
    for bin in "$target/debug/nanotrace-topology" "$target/release/nanotrace-topology"; do
        [[ -x "$bin" && -z "$(find "$ROOT/topology/src" "$ROOT/topology/Cargo.toml" -newer "$bin" -print -quit 2>/dev/null)" ]] &&
            { echo "$bin"; return; }
    done
    bin=$(command -v nanotrace-topology || true)
    [[ -n "$bin" ]] && { echo "$bin"; return; }
    log "building nanotrace-topology (cargo build -p nanotrace-topology)"
    (cd "$ROOT" && . scripts/env.sh && cargo build --quiet --locked -p nanotrace-topology) >&2 || die "cannot build nanotrace-topology"
    echo "$target/debug/nanotrace-topology"
}

TOPOLOGY_BIN=$(topology_bin)
# topology COMMAND ARGS... : nanotrace-topology's COMMAND on this run's consortium and
# network (port base, hosts, ordering).
topology() {
    local cmd=$1
    shift
    "$TOPOLOGY_BIN" --consortium "$CONSORTIUM" "$cmd" --port-base "$PORT_BASE" --hosts "$HOSTS" --ordering "$ORDERING" "$@"
}

# load_consortium : the declarations of CONSORTIUM's organisations and their layout.
load_consortium() {
    local declarations
    declarations=$(topology bash) || die "the consortium file $CONSORTIUM or its port layout is refused (above)"
    eval "$declarations"
    # What these scripts do not make yet: say so rather than make half a network.
    [[ "$ORDERER_ORG" == orderer && "$ORDERER_MSP_ID" == OrdererMSP ]] ||
        die "$CONSORTIUM: the ordering organisation is 'orderer' (OrdererMSP) in these scripts for now, not '$ORDERER_ORG' ($ORDERER_MSP_ID)"
    ((${#PEER_ORGS[@]} >= 2)) || die "$CONSORTIUM: at least two organisations run peers (an endorsement by one organisation alone is no check)"
    CC_POLICY="${NANOTRACE_FABRIC_CC_POLICY:-$DEFAULT_POLICY}"
    # The orderers: the ordering organisation's orderer0 always; with bft, one of each
    # organisation that runs one too.
    ORDERER_ORGS=(orderer)
    local org
    if [[ "$ORDERING" == bft ]]; then
        for org in "${ORGS[@]}"; do
            if ((ORG_ORDERER[$org])); then ORDERER_ORGS+=("$org"); fi
        done
    fi
}
# grow_consortium ENTRY CMD : the consortium with the organisation of ENTRY (a YAML file
# holding its entry) joined at the end, checked (nanotrace-topology add) and loaded in its
# place; its file is GROWN, in the run's updates/ (the caller keeps or removes it). CMD
# names the command in the error.
grow_consortium() {
    mkdir -p "$RUN_DIR/updates"
    GROWN=$(mktemp "$RUN_DIR/updates/consortium.XXXXXX")
    "$TOPOLOGY_BIN" --consortium "$CONSORTIUM" add "$1" >"$GROWN" ||
        { rm -f "$GROWN"; die "$2: $1 is refused (above); nothing was changed"; }
    CONSORTIUM=$GROWN
    load_consortium
    CA_ORGS=(orderer "${ORGS[@]}")
}
# runs_orderer ORG : ORG runs a SmartBFT orderer of its own (bft ordering, `orderer: true`).
runs_orderer() { [[ "$ORDERING" == bft && "${ORG_ORDERER[$1]:-0}" == 1 ]]; }
load_consortium
unset recorded
# has_peer ORG : ORG runs peers (an organisation without peers is a member of the channel
# whose members use another organisation's gateway peer).
has_peer() { [[ -n "${PEER_PORT[$1]:-}" ]]; }
CHANNEL="${NANOTRACE_FABRIC_CHANNEL:-$CONSORTIUM_CHANNEL}"

# other_peer_org ORG : an organisation other than ORG that runs a peer (to read the
# channel's height from).
other_peer_org() {
    local o
    for o in "${PEER_ORGS[@]}"; do
        [[ $o == "$1" ]] || { echo "$o"; return; }
    done
    die "no organisation other than $1 runs a peer"
}

# shellcheck shell=bash
# Sourced by scripts/network.sh. The settings of this run folder's network: the ones `up`
# recorded in network.env for every later command, or `up`'s own (`--hosts`).

# deploy/status use the port base and channel that `up` used for this run folder.
if [[ "${1:-}" != up && -f "$RUN_DIR/network.env" ]]; then
    PORT_BASE=$(sed -n 's/^NANOTRACE_FABRIC_PORT_BASE=//p' "$RUN_DIR/network.env")
    CHANNEL=$(sed -n 's/^NANOTRACE_FABRIC_CHANNEL=//p' "$RUN_DIR/network.env")
    ORDERING=$(sed -n 's/^NANOTRACE_FABRIC_ORDERING=//p' "$RUN_DIR/network.env")
    ORDERING=${ORDERING:-raft}
    HOSTS=$(sed -n 's/^NANOTRACE_FABRIC_HOSTS=//p' "$RUN_DIR/network.env")
    HOSTS=${HOSTS:-0}
fi
if [[ "${1:-}" == up ]]; then
    for arg in "${@:2}"; do [[ "$arg" != --hosts ]] || HOSTS=1; done
fi
[[ "$HOSTS" == 0 || "$HOSTS" == 1 ]] || die "NANOTRACE_FABRIC_HOSTS must be 0 or 1 (got '$HOSTS')"
[[ "$ORDERING" == raft || "$ORDERING" == bft ]] || die "NANOTRACE_FABRIC_ORDERING must be raft or bft (got '$ORDERING')"
# The range is the layout's (nanotrace-topology checks that the network's ports fit).
[[ "$PORT_BASE" =~ ^[0-9]+$ ]] || die "NANOTRACE_FABRIC_PORT_BASE must be a number (got '$PORT_BASE')"

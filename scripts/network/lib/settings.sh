# shellcheck shell=bash
# Sourced by scripts/network.sh. The network's settings: Fabric's folders, the run folder,
# the port base, the channel, ordering and host mode, tuning knobs, from
# NANOTRACE_FABRIC_* variables.

FABRIC_HOME_DEFAULT="$HOME/.local/share/fabric"
FABRIC_BIN_DIR="${FABRIC_BIN_DIR:-$FABRIC_HOME_DEFAULT/bin}"
FABRIC_CFG_DIR="${FABRIC_CFG_DIR:-$FABRIC_HOME_DEFAULT/config}"
RUN_DIR="${NANOTRACE_FABRIC_RUN_DIR:-$ROOT/.run/fabric}"
# Absolute: processes are found by RUN_DIR in their environment, so a relative
# NANOTRACE_FABRIC_RUN_DIR given to `down` must match the absolute one `up` recorded.
RUN_DIR="$(realpath -m -- "$RUN_DIR")"
PORT_BASE="${NANOTRACE_FABRIC_PORT_BASE:-17050}"
# Empty: the default (topology/src/configtx.rs).
BATCH_TIMEOUT="${NANOTRACE_FABRIC_BATCH_TIMEOUT:-}"
# Opt-in tuning knobs (docs/BENCHMARKS-HISTORY.md, "Operator settings"); empty: configtx.yaml's /
# Fabric's defaults. BatchSize of the channel's orderer section:
MAX_MESSAGE_COUNT="${NANOTRACE_FABRIC_MAX_MESSAGE_COUNT:-}"
PREFERRED_MAX_BYTES="${NANOTRACE_FABRIC_PREFERRED_MAX_BYTES:-}"
ABSOLUTE_MAX_BYTES="${NANOTRACE_FABRIC_ABSOLUTE_MAX_BYTES:-}"
# Extra environment of the peers / the orderer, space-separated VAR=value words, e.g.
# NANOTRACE_FABRIC_PEER_ENV="GOGC=400 CORE_PEER_VALIDATORPOOLSIZE=2".
read -r -a PEER_EXTRA_ENV <<<"${NANOTRACE_FABRIC_PEER_ENV:-}"
read -r -a ORDERER_EXTRA_ENV <<<"${NANOTRACE_FABRIC_ORDERER_ENV:-}"
LOG_SPEC="${NANOTRACE_FABRIC_LOG_SPEC:-info}"
# Ordering: raft (one orderer, of the ordering organisation) or bft (SmartBFT with four
# orderers: the ordering organisation's and one each of the Manufacturer, Certifier and
# Regulator organisations, so that no single party can censor or reorder; f = 1).
ORDERING="${NANOTRACE_FABRIC_ORDERING:-raft}"
# Topology: 0 = every node on 127.0.0.1; 1 (`up --hosts`) = each organisation a host of its
# own: a Linux network namespace with its own address on a bridge this script makes, every
# node dialled by its host name (the namespace's /etc/hosts), clients on this machine
# dialling the organisations' addresses.
HOSTS="${NANOTRACE_FABRIC_HOSTS:-0}"
STOP_TIMEOUT="${NANOTRACE_FABRIC_STOP_TIMEOUT:-10}"
WAIT_TIMEOUT="${NANOTRACE_FABRIC_WAIT_TIMEOUT:-90}"
# Chaincode name the generated connection profiles name (NanoTrace's contract).
PROFILE_CHAINCODE="${NANOTRACE_FABRIC_CHAINCODE:-nanotrace}"

BUILDER_DIR="$ROOT/network/builders/ccaas"


# Every process this script starts carries this variable, so `down` finds them
# all - even when a pid file is missing after a failed run - and nothing else.
MARKER_VAR=NANOTRACE_FABRIC_RUN

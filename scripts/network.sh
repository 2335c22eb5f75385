#!/usr/bin/env bash
# NanoTrace's local Hyperledger Fabric 3.1 network: plain processes on 127.0.0.1,
# no Docker. One Raft orderer (OrdererMSP) and three peers, one per org:
# ManufacturerMSP (applicants), CertifierMSP (the certification body),
# RegulatorMSP (regulators and customs). One channel, `nanotrace`.
# Chaincodes run as services (CCaaS) that the peers dial, with mutual TLS.
#
#   scripts/network.sh up [--hosts]            # crypto, channel, nodes, joins, gossip
#                                              # (--hosts: one network namespace per org)
#   scripts/network.sh deploy NAME --address 127.0.0.1:17090 [--server CMD ARGS...]
#   scripts/network.sh status
#   scripts/network.sh down [--keep]           # stops everything; purges the run folder
#   scripts/network.sh help                    # all options and variables
#
# Fabric's binaries are not part of this repository: it takes them from
# FABRIC_BIN_DIR and Fabric's default core.yaml/orderer.yaml from FABRIC_CFG_DIR
# (the bin/ and config/ folders of Fabric's official release) and applies its
# settings on top with CORE_* / ORDERER_* environment variables. Everything made
# at run time lives in the git-ignored run folder (default <repo>/.run/fabric).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

FABRIC_HOME_DEFAULT="$HOME/.local/share/fabric"
FABRIC_BIN_DIR="${FABRIC_BIN_DIR:-$FABRIC_HOME_DEFAULT/bin}"
FABRIC_CFG_DIR="${FABRIC_CFG_DIR:-$FABRIC_HOME_DEFAULT/config}"
RUN_DIR="${NANOTRACE_FABRIC_RUN_DIR:-$ROOT/.run/fabric}"
# Absolute: processes are found by RUN_DIR in their environment, so a relative
# NANOTRACE_FABRIC_RUN_DIR given to `down` must match the absolute one `up` recorded.
RUN_DIR="$(realpath -m -- "$RUN_DIR")"
PORT_BASE="${NANOTRACE_FABRIC_PORT_BASE:-17050}"
CHANNEL="${NANOTRACE_FABRIC_CHANNEL:-nanotrace}"
# Empty: the value in configtx.yaml.
BATCH_TIMEOUT="${NANOTRACE_FABRIC_BATCH_TIMEOUT:-}"
# Opt-in tuning knobs (docs/BENCHMARKS.md, "Operator settings"); empty: configtx.yaml's /
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
DEFAULT_POLICY="OutOf(2,'ManufacturerMSP.peer','CertifierMSP.peer','RegulatorMSP.peer')"
CC_POLICY="${NANOTRACE_FABRIC_CC_POLICY:-$DEFAULT_POLICY}"

BUILDER_DIR="$ROOT/network/builders/ccaas"
CONFIGTX="$ROOT/configtx.yaml"

DOMAIN=nanotrace.test
ORGS=(manufacturer certifier regulator)
declare -A ORG_MSP=([manufacturer]=ManufacturerMSP [certifier]=CertifierMSP [regulator]=RegulatorMSP)
# One named ECDSA client per org, beside Admin, User1 and the Ed25519 User2.
declare -A ORG_NAMED_USER=([manufacturer]=dave [certifier]=alice [regulator]=rita)
# Offsets from the port base: peer of org i listens on base+10*(i+1).
declare -A ORG_INDEX=([manufacturer]=1 [certifier]=2 [regulator]=3)

# Every process this script starts carries this variable, so `down` finds them
# all - even when a pid file is missing after a failed run - and nothing else.
MARKER_VAR=NANOTRACE_FABRIC_RUN

log() { printf '[network] %s\n' "$*" >&2; }
die() { printf '[network] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- layout ----

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
if ! [[ "$PORT_BASE" =~ ^[0-9]+$ ]] || ((PORT_BASE < 1024 || PORT_BASE > 65400)); then
    die "NANOTRACE_FABRIC_PORT_BASE must be a number between 1024 and 65400 (got '$PORT_BASE')"
fi
ORDERER_PORT=$PORT_BASE
ORDERER_ADMIN_PORT=$((PORT_BASE + 1))
ORDERER_OPS_PORT=$((PORT_BASE + 2))
# Peer N of an org (default 0). A second peer (`add-peer`) of org i: base+30+10*i, +1, +2.
peer_port() { if ((${2:-0})); then echo $((PORT_BASE + 30 + 10 * ORG_INDEX[$1])); else echo $((PORT_BASE + 10 * ORG_INDEX[$1])); fi; }
peer_cc_port() { echo $(($(peer_port "$1" "${2:-0}") + 1)); }
peer_ops_port() { echo $(($(peer_port "$1" "${2:-0}") + 2)); }
# Each organisation's Fabric CA (the orderer org's: base+4): base+10*i+4, operations +5.
ca_port() { if [[ $1 == orderer ]]; then echo $((PORT_BASE + 4)); else echo $((PORT_BASE + 10 * ORG_INDEX[$1] + 4)); fi; }
ca_ops_port() { echo $(($(ca_port "$1") + 1)); }

CRYPTO="$RUN_DIR/crypto"
ORDERER_ORG_DIR="$CRYPTO/ordererOrganizations/orderer.$DOMAIN"
ORDERER_HOST="orderer0.orderer.$DOMAIN"
ORDERER_DIR="$ORDERER_ORG_DIR/orderers/$ORDERER_HOST"
ORDERER_CA="$ORDERER_DIR/tls/ca.crt"
ORDERER_ADMIN_TLS="$ORDERER_ORG_DIR/users/Admin@orderer.$DOMAIN/tls"
# The orderers: the ordering organisation's orderer0 always; with bft, one of each
# organisation too (ports base+10*i+6, admin +7, operations +8).
ORDERER_ORGS=(orderer)
[[ "$ORDERING" == bft ]] && ORDERER_ORGS+=("${ORGS[@]}")
orderer_host() { if [[ $1 == orderer ]]; then echo "$ORDERER_HOST"; else echo "orderer0.$1.$DOMAIN"; fi; }
orderer_dir() { if [[ $1 == orderer ]]; then echo "$ORDERER_DIR"; else echo "$(org_dir "$1")/orderers/$(orderer_host "$1")"; fi; }
orderer_port() { if [[ $1 == orderer ]]; then echo "$ORDERER_PORT"; else echo $((PORT_BASE + 10 * ORG_INDEX[$1] + 6)); fi; }
orderer_admin_port() { if [[ $1 == orderer ]]; then echo "$ORDERER_ADMIN_PORT"; else echo $((PORT_BASE + 10 * ORG_INDEX[$1] + 7)); fi; }
orderer_ops_port() { if [[ $1 == orderer ]]; then echo "$ORDERER_OPS_PORT"; else echo $((PORT_BASE + 10 * ORG_INDEX[$1] + 8)); fi; }
# The process name (pid file, log) of ORG's orderer.
orderer_name() { if [[ $1 == orderer ]]; then echo orderer0; else echo "orderer-$1"; fi; }
orderer_msp() { if [[ $1 == orderer ]]; then echo OrdererMSP; else echo "${ORG_MSP[$1]}"; fi; }
# The TLS client pair of ORG's admin, for osnadmin.
orderer_admin_tls() {
    if [[ $1 == orderer ]]; then echo "$ORDERER_ADMIN_TLS"; else echo "$(org_dir "$1")/users/Admin@$(org_domain "$1")/tls"; fi
}
CHANNEL_BLOCK="$RUN_DIR/channel/$CHANNEL.block"
PIDS="$RUN_DIR/pids"
LOGS="$RUN_DIR/logs"
NODES="$RUN_DIR/nodes"
PROFILES="$RUN_DIR/profiles"
CHAINCODES="$RUN_DIR/chaincode"

org_domain() { echo "$1.$DOMAIN"; }
org_dir() { echo "$CRYPTO/peerOrganizations/$1.$DOMAIN"; }
peer_host() { echo "peer${2:-0}.$1.$DOMAIN"; }
peer_dir() { echo "$(org_dir "$1")/peers/$(peer_host "$1" "${2:-0}")"; }
peer_tls_ca() { echo "$(peer_dir "$1")/tls/ca.crt"; }
# The CA of an organisation (orderer too): its home, its self-made root (the root of its
# TLS certificate as well) and the key of that root, found by matching public keys.
ca_org_dir() { if [[ $1 == orderer ]]; then echo "$ORDERER_ORG_DIR"; else org_dir "$1"; fi; }
ca_domain() { echo "$1.$DOMAIN"; }
ca_home() { echo "$NODES/ca-$1"; }
ca_cert() { echo "$(ca_home "$1")/ca-cert.pem"; }
ca_key() {
    local k want
    want=$(openssl x509 -in "$(ca_cert "$1")" -noout -pubkey) || return 1
    for k in "$(ca_home "$1")"/msp/keystore/*_sk; do
        [[ "$(openssl pkey -in "$k" -pubout 2>/dev/null)" == "$want" ]] && { echo "$k"; return 0; }
    done
    return 1
}
CA_TEMPLATE="$ROOT/network/fabric-ca/server.yaml"
CA_ORGS=(orderer "${ORGS[@]}")

# ------------------------------------------------------------- hosts ----
# With HOSTS=1 each organisation (the ordering one too) is a host: network namespace
# nt<B>-<org> (B the port base), its end of a veth pair on bridge ntbr<B>, address
# 10.<B/256>.<B%256>.(10 + i) (the ordering organisation .10, Manufacturer .11, Certifier
# .12, Regulator .13), /etc/netns/<namespace>/hosts naming every node. This machine (the
# clients, the chaincode servers) is .1 on the bridge. Node ports stay those of the port
# base, so the two topologies differ only in addresses and names.
hosts_mode() { [[ "$HOSTS" == 1 ]]; }
SUBNET="10.$(((PORT_BASE >> 8) & 255)).$((PORT_BASE & 255))"
BRIDGE="ntbr$PORT_BASE"
ns_name() { echo "nt$PORT_BASE-$1"; }
org_number() { if [[ $1 == orderer ]]; then echo 0; else echo "${ORG_INDEX[$1]}"; fi; }
# The address ORG's nodes listen on and clients on this machine dial.
org_ip() { if hosts_mode; then echo "$SUBNET.$((10 + $(org_number "$1")))"; else echo 127.0.0.1; fi; }
# This machine as the organisations see it: where chaincode servers listen.
HOST_IP=127.0.0.1
hosts_mode && HOST_IP="$SUBNET.1"
# How nodes dial each other: host names with HOSTS=1, else 127.0.0.1.
peer_endpoint() { if hosts_mode; then echo "$(peer_host "$1" "${2:-0}"):$(peer_port "$1" "${2:-0}")"; else echo "127.0.0.1:$(peer_port "$1" "${2:-0}")"; fi; }
orderer_endpoint() { if hosts_mode; then echo "$(orderer_host "$1"):$(orderer_port "$1")"; else echo "127.0.0.1:$(orderer_port "$1")"; fi; }
# How clients on this machine dial them.
peer_addr() { echo "$(org_ip "$1"):$(peer_port "$1" "${2:-0}")"; }
orderer_addr() { echo "$(org_ip "$1"):$(orderer_port "$1")"; }
ca_addr() { echo "$(org_ip "$1"):$(ca_port "$1")"; }
# NSX: the command prefix that runs a program on ORG's host (empty on 127.0.0.1).
ns_cmd() { if hosts_mode; then NSX=(ip netns exec "$(ns_name "$1")"); else NSX=(); fi; }
# The names and addresses TLS certificates of ORG's nodes carry besides the host name.
tls_hosts() { if hosts_mode; then echo "localhost,127.0.0.1,$(org_ip "$1")"; else echo "localhost,127.0.0.1"; fi; }

# hosts_file : /etc/hosts of every organisation's namespace.
hosts_file() {
    local org
    echo "# Written by scripts/network.sh up --hosts (run folder $RUN_DIR)."
    echo "127.0.0.1 localhost"
    echo "$HOST_IP host.$DOMAIN"
    echo "$(org_ip orderer) $ORDERER_HOST ca.orderer.$DOMAIN"
    for org in "${ORGS[@]}"; do
        echo "$(org_ip "$org") $(peer_host "$org") $(peer_host "$org" 1) $(orderer_host "$org") ca.$org.$DOMAIN"
    done
}

# hosts_up : the bridge and one namespace per organisation (leftovers of this port base
# removed first). Needs root (CAP_NET_ADMIN and /etc/netns).
hosts_up() {
    command -v ip >/dev/null || die "--hosts needs iproute2's ip"
    hosts_down
    local other
    other=$(ip -4 route show to match "$SUBNET.1" | grep -v '^default' || true)
    [[ -z "$other" ]] || die "--hosts: $SUBNET.0/24 is routed on this machine already ($other): choose another NANOTRACE_FABRIC_PORT_BASE"
    ip link add "$BRIDGE" type bridge 2>"$LOGS/hosts.log" ||
        die "--hosts: cannot make bridge $BRIDGE ($(cat "$LOGS/hosts.log")): network namespaces need root (CAP_NET_ADMIN)"
    ip addr add "$HOST_IP/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    local org
    for org in "${CA_ORGS[@]}"; do
        host_make "$org"
    done
    log "hosts: bridge $BRIDGE $HOST_IP/24; namespaces $(for org in "${CA_ORGS[@]}"; do printf '%s=%s ' "$(ns_name "$org")" "$(org_ip "$org")"; done)"
}

# host_make ORG : ORG's host: its namespace, veth on the bridge, address, /etc/hosts.
host_make() {
    local org=$1 ns veth
    ns=$(ns_name "$org")
    veth="ntv$PORT_BASE$(org_number "$org")"
    ip netns add "$ns" || die "--hosts: cannot make network namespace $ns"
    # A fixed MAC per host: a host made anew (`restore`) keeps the neighbour entries that
    # this machine and the other hosts hold for its address.
    ip link add "$veth" type veth peer name eth0 netns "$ns" \
        address "$(printf '02:6e:%02x:%02x:00:%02x' $(((PORT_BASE >> 8) & 255)) $((PORT_BASE & 255)) "$(org_number "$org")")"
    ip link set "$veth" master "$BRIDGE" up
    ip -n "$ns" addr add "$(org_ip "$org")/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    mkdir -p "/etc/netns/$ns"
    hosts_file >"/etc/netns/$ns/hosts"
}

# host_remove ORG : ORG's namespace, veth and /etc/netns entry gone (its processes stopped first).
host_remove() {
    local ns
    ns=$(ns_name "$1")
    if [[ -e "/run/netns/$ns" ]]; then ip netns del "$ns" 2>/dev/null || true; fi
    rm -rf "/etc/netns/$ns"
    ip link del "ntv$PORT_BASE$(org_number "$1")" 2>/dev/null || true
}

# hosts_down : removes this port base's namespaces, veths, bridge and /etc/netns entries
# (a no-op when there are none).
hosts_down() {
    command -v ip >/dev/null || return 0
    local org
    for org in "${CA_ORGS[@]}"; do
        host_remove "$org"
    done
    ip link del "$BRIDGE" 2>/dev/null || true
}

# ------------------------------------------------------------ binaries ----

fabric_install_hint() {
    cat >&2 <<EOF
[network] Fabric 3.1 binaries are not part of this repository. Get Fabric's official release:
[network]   - Fabric's install script:   ./install-fabric.sh --fabric-version 3.1.5 binary
[network]     (it writes bin/ and config/ into the current folder), or
[network]   - the release tarball hyperledger-fabric-linux-amd64-3.1.5.tar.gz
[network] and unpack it so that bin/ and config/ land in $FABRIC_HOME_DEFAULT
[network] (bin: peer orderer osnadmin configtxgen configtxlator; config: core.yaml orderer.yaml).
[network] Or point FABRIC_BIN_DIR (and FABRIC_CFG_DIR) at the folders where they are.
EOF
}

check_fabric() {
    local tool missing=()
    for tool in peer orderer osnadmin configtxgen; do
        [[ -x "$FABRIC_BIN_DIR/$tool" ]] || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        log "ERROR: missing Fabric binaries in FABRIC_BIN_DIR=$FABRIC_BIN_DIR: ${missing[*]}"
        fabric_install_hint
        exit 1
    fi
    local f
    for f in core.yaml orderer.yaml; do
        if [[ ! -f "$FABRIC_CFG_DIR/$f" ]]; then
            log "ERROR: no $f in FABRIC_CFG_DIR=$FABRIC_CFG_DIR (Fabric's default config/ folder of the release)"
            fabric_install_hint
            exit 1
        fi
    done
    local version
    version=$(FABRIC_CFG_PATH="$FABRIC_CFG_DIR" "$FABRIC_BIN_DIR/peer" version 2>/dev/null |
        awk '/^ Version:/ { print $2; exit }') || true
    if [[ "$version" != 3.1.* ]]; then
        log "ERROR: $FABRIC_BIN_DIR/peer reports version '${version:-unknown}', this network needs Fabric 3.1.x"
        fabric_install_hint
        exit 1
    fi
    for tool in curl openssl tar gzip sha256sum; do
        command -v "$tool" >/dev/null || die "$tool is needed and not installed"
    done
}

# Runs a Fabric binary with Fabric's default config and quiet logging.
fab() {
    local tool=$1
    shift
    FABRIC_CFG_PATH="$FABRIC_CFG_DIR" FABRIC_LOGGING_SPEC="${FABRIC_CLI_LOG_SPEC:-grpc=error:warning}" \
        "$FABRIC_BIN_DIR/$tool" "$@"
}

# The peer CLI acting as ORG's admin against ORG's peer: `as_admin ORG peer ...`.
as_admin() {
    local org=$1
    shift
    CORE_PEER_LOCALMSPID="${ORG_MSP[$org]}" \
        CORE_PEER_MSPCONFIGPATH="$(org_dir "$org")/users/Admin@$(org_domain "$org")/msp" \
        CORE_PEER_ADDRESS="$(peer_addr "$org" "${AS_PEER:-0}")" \
        CORE_PEER_TLS_ENABLED=true \
        CORE_PEER_TLS_ROOTCERT_FILE="$(peer_tls_ca "$org")" \
        fab "$@"
}

# -------------------------------------------------------- processes ----

# start_bg NAME LOG CMD... : starts CMD in its own session (process group),
# detached from this shell, with the marker variable, its output appended to LOG (a
# restarted node keeps its earlier log); records its pid.
start_bg() {
    local name=$1 logfile=$2
    shift 2
    mkdir -p "$PIDS" "$(dirname "$logfile")"
    env "$MARKER_VAR=$RUN_DIR" setsid "$@" >>"$logfile" 2>&1 </dev/null &
    echo $! >"$PIDS/$name.pid"
}

# Is PID alive and one of ours (carries the marker of this run folder)?
ours() {
    grep -qxzF "$MARKER_VAR=$RUN_DIR" "/proc/$1/environ" 2>/dev/null
}

# Every live process that carries this run folder's marker (one grep over
# /proc; kernel threads and vanished processes are skipped silently).
marked_pids() {
    grep -lxzF "$MARKER_VAR=$RUN_DIR" /proc/[0-9]*/environ 2>/dev/null |
        sed -n 's#^/proc/\([0-9]*\)/environ$#\1#p' || true
}

# stop_pids PID... : SIGTERM (to each process group), wait, then SIGKILL.
stop_pids() {
    (($#)) || return 0
    local pid deadline left
    for pid in "$@"; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    deadline=$(($(date +%s) + STOP_TIMEOUT))
    while :; do
        left=()
        for pid in "$@"; do
            ours "$pid" && left+=("$pid")
        done
        ((${#left[@]})) || return 0
        (($(date +%s) < deadline)) || break
        sleep 0.2
    done
    log "still running after ${STOP_TIMEOUT}s, sending SIGKILL: ${left[*]}"
    for pid in "${left[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
    done
    sleep 0.3
}

# stop_named NAME : stops the process recorded in pids/NAME.pid, if it runs.
stop_named() {
    local f="$PIDS/$1.pid" pid
    [[ -f "$f" ]] || return 0
    pid=$(<"$f")
    if [[ -n "$pid" ]] && ours "$pid"; then
        stop_pids "$pid"
    fi
    rm -f "$f"
}

pid_of() {
    local f="$PIDS/$1.pid" pid
    [[ -f "$f" ]] || return 1
    pid=$(<"$f")
    ours "$pid" && echo "$pid"
}

port_in_use() {
    ss -Htln "sport = :$1" 2>/dev/null | grep -q . && return 0
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_for SECONDS WHAT CMD... : polls CMD until it succeeds.
wait_for() {
    local timeout=$1 what=$2
    shift 2
    local deadline=$(($(date +%s) + timeout))
    until "$@" >/dev/null 2>&1; do
        (($(date +%s) < deadline)) || die "timed out after ${timeout}s waiting for $what"
        sleep 0.1
    done
}

# healthy PORT [HOST] : the operations endpoint answers OK.
healthy() { curl -fsS --max-time 2 "http://${2:-127.0.0.1}:$1/healthz" | grep -q '"OK"'; }
# listening HOST PORT : a TCP connection is accepted (within 2 s: a SYN that is never
# answered must not hang a wait).
listening() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null; }

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
        issue "$org" peer "$(peer_host "$org")" "$(peer_dir "$org")"
        issue "$org" client "User1@$dom" "$odir/users/User1@$dom"
        issue "$org" client "${ORG_NAMED_USER[$org]}@$dom" "$odir/users/${ORG_NAMED_USER[$org]}@$dom"
        ed25519_user "$org" User2
        # With bft, the organisation runs an orderer of its own.
        [[ "$ORDERING" != bft ]] || issue "$org" orderer "$(orderer_host "$org")" "$(orderer_dir "$org")"
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

# Renders configtx.yaml for this run folder, ports and BatchTimeout, and makes
# the channel's genesis block.
generate_channel_block() {
    local cfg="$RUN_DIR/config"
    mkdir -p "$cfg" "$(dirname "$CHANNEL_BLOCK")"
    sed -e "s#\.run/fabric/#$RUN_DIR/#g" \
        -e "s/\b17050\b/$ORDERER_PORT/g" \
        -e "s/\b17060\b/$(peer_port manufacturer)/g" \
        -e "s/\b17070\b/$(peer_port certifier)/g" \
        -e "s/\b17080\b/$(peer_port regulator)/g" \
        "$CONFIGTX" >"$cfg/configtx.yaml"
    if [[ -n "$BATCH_TIMEOUT" ]]; then
        sed -i -e "s/^\(  BatchTimeout:\).*/\1 $BATCH_TIMEOUT/" "$cfg/configtx.yaml"
    fi
    [[ -z "$MAX_MESSAGE_COUNT" ]] || sed -i -e "s/^\(    MaxMessageCount:\).*/\1 $MAX_MESSAGE_COUNT/" "$cfg/configtx.yaml"
    [[ -z "$PREFERRED_MAX_BYTES" ]] || sed -i -e "s/^\(    PreferredMaxBytes:\).*/\1 $PREFERRED_MAX_BYTES/" "$cfg/configtx.yaml"
    [[ -z "$ABSOLUTE_MAX_BYTES" ]] || sed -i -e "s/^\(    AbsoluteMaxBytes:\).*/\1 $ABSOLUTE_MAX_BYTES/" "$cfg/configtx.yaml"
    if hosts_mode; then
        # Nodes dial each other by host name: the orderer endpoint, the Raft consenter and
        # the anchor peers (each a "Host: 127.0.0.1" line followed by its port's line).
        sed -i -e "s/^\(      - \)127.0.0.1:$ORDERER_PORT\$/\1$(orderer_endpoint orderer)/" \
            -e "/Host: 127.0.0.1\$/{N;s/Host: 127.0.0.1\n\( *Port: $ORDERER_PORT\)\$/Host: $ORDERER_HOST\n\1/}" "$cfg/configtx.yaml"
        local org
        for org in "${ORGS[@]}"; do
            sed -i -e "/Host: 127.0.0.1\$/{N;s/Host: 127.0.0.1\n\( *Port: $(peer_port "$org")\)\$/Host: $(peer_host "$org")\n\1/}" "$cfg/configtx.yaml"
        done
        ! grep -q '127\.0\.0\.1' "$cfg/configtx.yaml" || die "configtx.yaml: an address left on 127.0.0.1 with --hosts: $(grep -n '127\.0\.0\.1' "$cfg/configtx.yaml")"
    fi
    local profile=NanoTraceChannel
    if [[ "$ORDERING" == bft ]]; then
        bft_profile "$cfg/configtx.yaml"
        profile=NanoTraceChannelBFT
    fi
    log "channel '$CHANNEL' genesis block (configtxgen, BatchTimeout $(awk '/^  BatchTimeout:/ { print $2 }' "$cfg/configtx.yaml"))"
    FABRIC_CFG_PATH="$cfg" FABRIC_LOGGING_SPEC=warning "$FABRIC_BIN_DIR/configtxgen" \
        -profile "$profile" -channelID "$CHANNEL" -outputBlock "$CHANNEL_BLOCK" >/dev/null 2>"$LOGS/configtxgen.log" ||
        { cat "$LOGS/configtxgen.log" >&2; die "configtxgen failed"; }
}

# bft_profile CONFIGTX : each organisation's orderer as its delivery endpoint, and the
# profile NanoTraceChannelBFT (SmartBFT, the four orderers as consenters, every
# organisation also an orderer organisation) appended to the rendered configtx.yaml.
bft_profile() {
    local file=$1 org id=1 batch
    local msp
    for org in "${ORGS[@]}"; do
        msp=${ORG_MSP[$org]}
        sed -i -e "/^    ID: $msp\$/a\\    OrdererEndpoints:\\n      - $(orderer_endpoint "$org")" "$file"
        # The org's orderer reads the channel (it pulls blocks from the other orderers) and
        # writes to it (SmartBFT checks the signatures of view changes against Writers).
        sed -i -e "s/'$msp.peer', '$msp.client')/'$msp.peer', '$msp.client', '$msp.orderer')/" \
            -e "s/\"OR('$msp.admin', '$msp.client')\"/\"OR('$msp.admin', '$msp.client', '$msp.orderer')\"/" "$file"
    done
    batch=$(awk '/^  BatchTimeout:/ { print $2 }' "$file")
    {
        echo "  NanoTraceChannelBFT:"
        echo "    <<: *ChannelDefaults"
        echo "    Orderer:"
        echo "      <<: *OrdererDefaults"
        echo "      OrdererType: BFT"
        echo "      ConsenterMapping:"
        for org in "${ORDERER_ORGS[@]}"; do
            local dir
            dir=$(orderer_dir "$org")
            echo "        - ID: $id"
            if hosts_mode; then echo "          Host: $(orderer_host "$org")"; else echo "          Host: 127.0.0.1"; fi
            echo "          Port: $(orderer_port "$org")"
            echo "          MSPID: $(orderer_msp "$org")"
            echo "          Identity: $dir/msp/signcerts/$(orderer_host "$org")-cert.pem"
            echo "          ClientTLSCert: $dir/tls/server.crt"
            echo "          ServerTLSCert: $dir/tls/server.crt"
            id=$((id + 1))
        done
        echo "      SmartBFT:"
        echo "        RequestBatchMaxInterval: $batch"
        echo "        RequestForwardTimeout: 2s"
        echo "        RequestComplainTimeout: 4s"
        echo "        RequestAutoRemoveTimeout: 3m0s"
        echo "        ViewChangeResendInterval: 2s"
        echo "        ViewChangeTimeout: 5s"
        echo "        LeaderHeartbeatTimeout: 4s"
        echo "        LeaderHeartbeatCount: 4"
        echo "        CollectTimeout: 1s"
        echo "        IncomingMessageBufferSize: 200"
        echo "        RequestPoolSize: 100000"
        echo "      Organizations:"
        echo "        - *OrdererOrg"
        echo "        - *Manufacturer"
        echo "        - *Certifier"
        echo "        - *Regulator"
        echo "    Application:"
        echo "      <<: *ApplicationDefaults"
        echo "      Organizations:"
        echo "        - *Manufacturer"
        echo "        - *Certifier"
        echo "        - *Regulator"
    } >>"$file"
}

# ------------------------------------------------------------- nodes ----

# How long an orderer waits at most between attempts to reach another orderer (Fabric's
# General.Backoff.MaxDelay, default 2m): after an orderer was down for a few seconds, the
# others' gRPC backoff must not keep them from it — with SmartBFT a restarted orderer
# that the others do not dial back leaves no quorum (Fabric's own SmartBFT integration
# tests set 3s for the same reason).
ORDERER_BACKOFF_MAXDELAY=3s

# start_orderer ORG : ORG's orderer (the ordering organisation's orderer0, or with bft an
# organisation's own). Cluster traffic trusts every orderer's organisation CA.
start_orderer() {
    local org=${1:-orderer} dir tls data name roots ca
    dir=$(orderer_dir "$org")
    tls="$dir/tls"
    name=$(orderer_name "$org")
    data="$NODES/$name"
    mkdir -p "$data"
    roots=""
    for ca in "${ORDERER_ORGS[@]}"; do
        roots="${roots:+$roots,}$(orderer_dir "$ca")/tls/ca.crt"
    done
    local ip
    ip=$(org_ip "$org")
    ns_cmd "$org"
    # orderer.consensus.etcdraft / smartbft stay at info: `up` waits for the leader they log.
    start_bg "$name" "$LOGS/$name.log" "${NSX[@]}" env \
        FABRIC_CFG_PATH="$FABRIC_CFG_DIR" \
        FABRIC_LOGGING_SPEC="orderer.consensus.etcdraft=info:orderer.consensus.smartbft=info:$LOG_SPEC" \
        ORDERER_GENERAL_LISTENADDRESS="$ip" \
        ORDERER_GENERAL_LISTENPORT="$(orderer_port "$org")" \
        ORDERER_GENERAL_LOCALMSPID="$(orderer_msp "$org")" \
        ORDERER_GENERAL_LOCALMSPDIR="$dir/msp" \
        ORDERER_GENERAL_TLS_ENABLED=true \
        ORDERER_GENERAL_TLS_PRIVATEKEY="$tls/server.key" \
        ORDERER_GENERAL_TLS_CERTIFICATE="$tls/server.crt" \
        ORDERER_GENERAL_TLS_ROOTCAS="[$roots]" \
        ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="$tls/server.crt" \
        ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="$tls/server.key" \
        ORDERER_GENERAL_CLUSTER_ROOTCAS="[$roots]" \
        ORDERER_GENERAL_BCCSP_SW_FILEKEYSTORE_KEYSTORE="$dir/msp/keystore" \
        ORDERER_FILELEDGER_LOCATION="$data/ledger" \
        ORDERER_CONSENSUS_WALDIR="$data/etcdraft/wal" \
        ORDERER_CONSENSUS_SNAPDIR="$data/etcdraft/snapshot" \
        ORDERER_CHANNELPARTICIPATION_ENABLED=true \
        ORDERER_ADMIN_LISTENADDRESS="$ip:$(orderer_admin_port "$org")" \
        ORDERER_ADMIN_TLS_ENABLED=true \
        ORDERER_ADMIN_TLS_CERTIFICATE="$tls/server.crt" \
        ORDERER_ADMIN_TLS_PRIVATEKEY="$tls/server.key" \
        ORDERER_ADMIN_TLS_ROOTCAS="[$tls/ca.crt]" \
        ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true \
        ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$tls/ca.crt]" \
        ORDERER_OPERATIONS_LISTENADDRESS="$ip:$(orderer_ops_port "$org")" \
        ORDERER_METRICS_PROVIDER=prometheus \
        ORDERER_GENERAL_BACKOFF_MAXDELAY="$ORDERER_BACKOFF_MAXDELAY" \
        "${ORDERER_EXTRA_ENV[@]}" \
        "$FABRIC_BIN_DIR/orderer"
}

# Gossip tuning (Fabric's defaults in parentheses): peers of different orgs see
# each other within a few seconds of joining instead of ~30 s. The anchor-peer
# connection is retried every reconnectInterval (25s) when the first attempt
# comes too early; channel membership travels in StateInfo messages
# (publish/request 4s) and alive messages (5s); the membership tracker that
# logs the view runs every membershipTrackerInterval (5s).
GOSSIP_ENV=(
    CORE_PEER_GOSSIP_RECONNECTINTERVAL=1s
    CORE_PEER_GOSSIP_ALIVETIMEINTERVAL=1s
    CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT=10s
    CORE_PEER_GOSSIP_PUBLISHSTATEINFOINTERVAL=1s
    CORE_PEER_GOSSIP_REQUESTSTATEINFOINTERVAL=1s
    CORE_PEER_GOSSIP_PULLINTERVAL=1s
    CORE_PEER_GOSSIP_PUBLISHCERTPERIOD=10s
    CORE_PEER_GOSSIP_MEMBERSHIPTRACKERINTERVAL=1s
    # A block whose private data no peer can give (an organisation's own chaincode
    # approvals, in its implicit collection, after its only peer was rebuilt: `restore`)
    # commits without it after this long, instead of Fabric's 60 s per such block.
    CORE_PEER_GOSSIP_PVTDATA_PULLRETRYTHRESHOLD=3s
    # With BFT a peer takes blocks from one orderer and headers from the others; when its
    # orderer falls behind them for this long (Fabric's default 30 s) it changes orderer.
    # A LAN consortium notices a lagging orderer (one just restored, say) in seconds.
    CORE_PEER_DELIVERYCLIENT_BLOCKCENSORSHIPTIMEOUTKEY=5s
)

# start_ca ORG : the org's fabric-ca-server with network/fabric-ca/server.yaml (bootstrap
# registrar admin:adminpw, a test network's only); on first start it makes its own root,
# and a TLS certificate from it for 127.0.0.1 and localhost.
start_ca() {
    local org=$1 home
    home=$(ca_home "$org")
    mkdir -p "$home"
    sed -e "s/@ORG@/$org/g" -e "s/@DOMAIN@/$(ca_domain "$org")/g" "$CA_TEMPLATE" >"$home/fabric-ca-server-config.yaml"
    # On a host of its own the CA's TLS certificate also names its address and host name.
    hosts_mode && sed -i -e "s/^\(    - \)localhost\$/&\n\1$(org_ip "$org")\n\1ca.$org.$DOMAIN/" "$home/fabric-ca-server-config.yaml"
    ns_cmd "$org"
    start_bg "ca-$org" "$LOGS/ca-$org.log" "${NSX[@]}" "$FABRIC_CA_BIN_DIR/fabric-ca-server" start \
        --home "$home" --address "$(org_ip "$org")" --port "$(ca_port "$org")" \
        --operations.listenaddress "$(org_ip "$org"):$(ca_ops_port "$org")" --ca.name "ca-$org" --tls.enabled
}

start_peer() {
    local org=$1 n=${2:-0} host dir tls data port ip
    host=$(peer_host "$org" "$n")
    dir=$(peer_dir "$org" "$n")
    tls="$dir/tls"
    data="$NODES/$host"
    port=$(peer_port "$org" "$n")
    ip=$(org_ip "$org")
    mkdir -p "$data"
    ns_cmd "$org"
    # gossip.channel stays at info: `up` reads the membership view it logs.
    start_bg "$host" "$LOGS/$host.log" "${NSX[@]}" env \
        FABRIC_CFG_PATH="$FABRIC_CFG_DIR" \
        FABRIC_LOGGING_SPEC="gossip.channel=info:$LOG_SPEC" \
        CORE_PEER_ID="$host" \
        CORE_PEER_NETWORKID=nanotrace \
        CORE_PEER_LISTENADDRESS="$ip:$port" \
        CORE_PEER_ADDRESS="$(peer_endpoint "$org" "$n")" \
        CORE_PEER_CHAINCODELISTENADDRESS="$ip:$(peer_cc_port "$org" "$n")" \
        CORE_PEER_CHAINCODEADDRESS="$ip:$(peer_cc_port "$org" "$n")" \
        CORE_PEER_GOSSIP_BOOTSTRAP="$(peer_endpoint "$org")" \
        CORE_PEER_GOSSIP_ENDPOINT="$(peer_endpoint "$org" "$n")" \
        CORE_PEER_GOSSIP_EXTERNALENDPOINT="$(peer_endpoint "$org" "$n")" \
        CORE_PEER_GOSSIP_USELEADERELECTION=false \
        CORE_PEER_GOSSIP_ORGLEADER=true \
        "${GOSSIP_ENV[@]}" \
        CORE_PEER_LOCALMSPID="${ORG_MSP[$org]}" \
        CORE_PEER_MSPCONFIGPATH="$dir/msp" \
        CORE_PEER_BCCSP_SW_FILEKEYSTORE_KEYSTORE="$dir/msp/keystore" \
        CORE_PEER_TLS_ENABLED=true \
        CORE_PEER_TLS_CERT_FILE="$tls/server.crt" \
        CORE_PEER_TLS_KEY_FILE="$tls/server.key" \
        CORE_PEER_TLS_ROOTCERT_FILE="$tls/ca.crt" \
        CORE_PEER_FILESYSTEMPATH="$data" \
        CORE_PEER_PROFILE_ENABLED=false \
        CORE_LEDGER_SNAPSHOTS_ROOTDIR="$data/snapshots" \
        CORE_OPERATIONS_LISTENADDRESS="$ip:$(peer_ops_port "$org" "$n")" \
        CORE_METRICS_PROVIDER=prometheus \
        CORE_VM_ENDPOINT= \
        CORE_CHAINCODE_EXTERNALBUILDERS="[{name: nanotrace-ccaas, path: $BUILDER_DIR}]" \
        "${PEER_EXTRA_ENV[@]}" \
        "$FABRIC_BIN_DIR/peer" node start
}

all_ports() {
    local org
    for org in "${ORDERER_ORGS[@]}"; do
        echo "$(orderer_port "$org") $(orderer_admin_port "$org") $(orderer_ops_port "$org")"
    done
    for org in "${ORGS[@]}"; do
        echo "$(peer_port "$org") $(peer_cc_port "$org") $(peer_ops_port "$org")"
    done
    for org in "${CA_ORGS[@]}"; do
        echo "$(ca_port "$org") $(ca_ops_port "$org")"
    done
}

# True when every node of this run folder runs and reports healthy.
network_healthy() {
    local org
    for org in "${ORDERER_ORGS[@]}"; do
        pid_of "$(orderer_name "$org")" >/dev/null && healthy "$(orderer_ops_port "$org")" "$(org_ip "$org")" || return 1
    done
    for org in "${ORGS[@]}"; do
        pid_of "$(peer_host "$org")" >/dev/null && healthy "$(peer_ops_port "$org")" "$(org_ip "$org")" || return 1
    done
}

# The ports of the other orgs' peers appear in ORG's latest gossip view of the channel.
sees_other_orgs() {
    local org=$1 view other
    view=$(grep -a 'Membership view has changed' "$LOGS/$(peer_host "$org").log" | grep -a "\[$CHANNEL\]" | tail -n 1) || return 1
    view=${view##*current view:}
    for other in "${ORGS[@]}"; do
        [[ "$other" == "$org" ]] && continue
        [[ "$view" == *"$(peer_endpoint "$other")"* ]] || return 1
    done
}

write_network_env() {
    {
        echo "# Written by scripts/network.sh up; read by deploy/status. Sourceable."
        echo "NANOTRACE_FABRIC_RUN_DIR=$RUN_DIR"
        echo "NANOTRACE_FABRIC_PORT_BASE=$PORT_BASE"
        echo "NANOTRACE_FABRIC_CHANNEL=$CHANNEL"
        echo "NANOTRACE_FABRIC_ORDERING=$ORDERING"
        echo "NANOTRACE_FABRIC_HOSTS=$HOSTS"
        echo "# Where chaincode servers listen so that every organisation's peer can dial them."
        echo "NANOTRACE_FABRIC_CHAINCODE_HOST=$HOST_IP"
        echo "FABRIC_BIN_DIR=$FABRIC_BIN_DIR"
        echo "FABRIC_CFG_DIR=$FABRIC_CFG_DIR"
        echo "ORDERER_ADDRESS=$(orderer_addr orderer)"
        echo "ORDERER_ADMIN_ADDRESS=$(org_ip orderer):$ORDERER_ADMIN_PORT"
        echo "ORDERER_OPERATIONS_ADDRESS=$(org_ip orderer):$ORDERER_OPS_PORT"
        echo "ORDERER_TLS_CA=$ORDERER_CA"
        echo "ORDERER_SERVER_NAME=$ORDERER_HOST"
        local o
        for o in "${ORDERER_ORGS[@]}"; do
            [[ $o == orderer ]] && continue
            echo "${o^^}_ORDERER_ADDRESS=$(orderer_addr "$o")"
            echo "${o^^}_ORDERER_ADMIN_ADDRESS=$(org_ip "$o"):$(orderer_admin_port "$o")"
            echo "${o^^}_ORDERER_OPERATIONS_ADDRESS=$(org_ip "$o"):$(orderer_ops_port "$o")"
        done
        local org up
        for org in "${ORGS[@]}"; do
            up=${org^^}
            echo "${up}_MSP_ID=${ORG_MSP[$org]}"
            echo "${up}_PEER_ADDRESS=$(peer_addr "$org")"
            echo "${up}_PEER_OPERATIONS_ADDRESS=$(org_ip "$org"):$(peer_ops_port "$org")"
            echo "${up}_PEER1_OPERATIONS_ADDRESS=$(org_ip "$org"):$(peer_ops_port "$org" 1)"
            echo "${up}_PEER_SERVER_NAME=$(peer_host "$org")"
            echo "${up}_PEER_TLS_CA=$(peer_tls_ca "$org")"
            echo "${up}_ADMIN_MSP=$(org_dir "$org")/users/Admin@$(org_domain "$org")/msp"
        done
        for org in "${CA_ORGS[@]}"; do
            up=${org^^}
            echo "${up}_CA_URL=https://$(ca_addr "$org")"
            echo "${up}_CA_TLS_ROOT=$(ca_cert "$org")"
        done
    } >"$RUN_DIR/network.env"
}

# One connection profile per org user: .run/fabric/profiles/<org>-<user>.yaml
write_profiles() {
    mkdir -p "$PROFILES"
    local org dom udir user cn alg keyfile certfile name other
    for org in "${ORGS[@]}"; do
        dom=$(org_domain "$org")
        for udir in "$(org_dir "$org")"/users/*; do
            cn=$(basename "$udir")
            user=${cn%@*}
            name="$org-${user,,}"
            certfile=$(ls "$udir/msp/signcerts/"*.pem)
            keyfile="$udir/msp/keystore/priv_sk"
            if openssl x509 -in "$certfile" -noout -text | grep -q 'ED25519'; then alg=ed25519; else alg=ecdsa-p256; fi
            {
                echo "# NanoTrace connection profile, written by scripts/network.sh up (format: network/profiles/README.md)."
                echo "name: $name"
                echo "channel: $CHANNEL"
                echo "chaincode: $PROFILE_CHAINCODE"
                echo "identity:"
                echo "  msp_id: ${ORG_MSP[$org]}"
                echo "  user: $cn"
                echo "  key_algorithm: $alg"
                echo "  msp_dir: $udir/msp"
                echo "  cert: $certfile"
                echo "  key: $keyfile"
                echo "gateway:"
                echo "  address: $(peer_addr "$org")"
                echo "  server_name: $(peer_host "$org")"
                echo "  tls_ca_cert: $(peer_tls_ca "$org")"
                echo "peers:"
                for other in "${ORGS[@]}"; do
                    echo "  - msp_id: ${ORG_MSP[$other]}"
                    echo "    address: $(peer_addr "$other")"
                    echo "    server_name: $(peer_host "$other")"
                    echo "    tls_ca_cert: $(peer_tls_ca "$other")"
                done
                echo "orderer:"
                echo "  address: $(orderer_addr orderer)"
                echo "  server_name: $ORDERER_HOST"
                echo "  tls_ca_cert: $ORDERER_CA"
            } >"$PROFILES/$name.yaml"
        done
    done
}

cmd_up() {
    while (($#)); do
        case "$1" in
        --hosts) shift ;; # read before the layout (HOSTS=1)
        *) die "up: unknown argument '$1' (up [--hosts])" ;;
        esac
    done
    check_fabric
    # Fabric CA is an ordinary Go module: built once per machine (scripts/fabric-ca.sh).
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    FABRIC_CA_VERSION=$("$FABRIC_CA_BIN_DIR/fabric-ca-server" version | sed -n 's/^ *Version: *//p')
    local t0 t
    t0=$(now)
    if [[ -f "$RUN_DIR/network.env" ]] && network_healthy; then
        log "already up (run folder $RUN_DIR); 'down' first for a fresh network"
        return 0
    fi
    if [[ -e "$RUN_DIR" ]]; then
        log "clearing what a previous run left in $RUN_DIR"
        stop_all
        rm -rf "$RUN_DIR"
    fi
    # On 127.0.0.1 the ports must be free; with --hosts they are the namespaces' own.
    local p busy=()
    if ! hosts_mode; then
        for p in $(all_ports); do
            port_in_use "$p" && busy+=("$p")
        done
    fi
    ((${#busy[@]} == 0)) || die "ports already in use: ${busy[*]} (another network? set NANOTRACE_FABRIC_PORT_BASE)"

    mkdir -p "$RUN_DIR" "$LOGS" "$PIDS" "$NODES"
    # A failed `up` stops what it started; the run folder stays for its logs.
    trap 'rc=$?; if ((rc)); then log "up failed; stopping what was started (logs stay in $LOGS)"; stop_all; hosts_down; fi' EXIT
    trap 'exit 130' INT TERM
    if hosts_mode; then hosts_up; fi

    local org
    for org in "${CA_ORGS[@]}"; do
        log "starting ca-$org (Fabric CA $FABRIC_CA_VERSION, https://$(ca_addr "$org"), operations :$(ca_ops_port "$org"))"
        start_ca "$org"
    done
    for org in "${CA_ORGS[@]}"; do
        wait_for "$WAIT_TIMEOUT" "ca-$org listening on $(ca_addr "$org")" listening "$(org_ip "$org")" "$(ca_port "$org")"
    done
    generate_crypto
    log "identities issued $(elapsed "$t0") s after start"
    generate_channel_block
    write_network_env

    for org in "${ORDERER_ORGS[@]}"; do
        log "starting $(orderer_host "$org") ($ORDERING, $(orderer_msp "$org"): $(orderer_addr "$org"), admin :$(orderer_admin_port "$org"), operations :$(orderer_ops_port "$org"))"
        start_orderer "$org"
    done
    for org in "${ORGS[@]}"; do
        log "starting $(peer_host "$org") (${ORG_MSP[$org]}: $(peer_addr "$org"), chaincode :$(peer_cc_port "$org"), operations :$(peer_ops_port "$org"))"
        start_peer "$org"
    done
    # /healthz answers before the gRPC listeners accept: wait for both.
    for org in "${ORDERER_ORGS[@]}"; do
        wait_for "$WAIT_TIMEOUT" "$(orderer_host "$org") health" healthy "$(orderer_ops_port "$org")" "$(org_ip "$org")"
        wait_for "$WAIT_TIMEOUT" "$(orderer_host "$org") listening on $(orderer_addr "$org")" listening "$(org_ip "$org")" "$(orderer_port "$org")"
        wait_for "$WAIT_TIMEOUT" "$(orderer_host "$org") admin listening on $(orderer_admin_port "$org")" \
            listening "$(org_ip "$org")" "$(orderer_admin_port "$org")"
    done
    for org in "${ORGS[@]}"; do
        wait_for "$WAIT_TIMEOUT" "$(peer_host "$org") health" healthy "$(peer_ops_port "$org")" "$(org_ip "$org")"
        wait_for "$WAIT_TIMEOUT" "$(peer_host "$org") listening on $(peer_addr "$org")" listening "$(org_ip "$org")" "$(peer_port "$org")"
    done
    log "nodes healthy after $(elapsed "$t0") s"

    for org in "${ORDERER_ORGS[@]}"; do
        local admin_tls
        admin_tls=$(orderer_admin_tls "$org")
        fab osnadmin channel join --channelID "$CHANNEL" --config-block "$CHANNEL_BLOCK" \
            -o "$(org_ip "$org"):$(orderer_admin_port "$org")" --ca-file "$(orderer_dir "$org")/tls/ca.crt" \
            --client-cert "$admin_tls/client.crt" --client-key "$admin_tls/client.key" \
            >"$LOGS/osnadmin-join-$(orderer_name "$org").log" 2>&1 ||
            { cat "$LOGS/osnadmin-join-$(orderer_name "$org").log" >&2; die "osnadmin channel join on $(orderer_host "$org") failed"; }
    done
    log "${#ORDERER_ORGS[@]} orderer(s) joined '$CHANNEL'"
    for org in "${ORGS[@]}"; do
        as_admin "$org" peer channel join -b "$CHANNEL_BLOCK" >"$LOGS/join-$org.log" 2>&1 ||
            { cat "$LOGS/join-$org.log" >&2; die "$(peer_host "$org") could not join '$CHANNEL'"; }
    done
    t=$(now)
    log "peers joined '$CHANNEL'; waiting for gossip to connect the orgs"
    for org in "${ORGS[@]}"; do
        wait_for "$WAIT_TIMEOUT" "$(peer_host "$org") to see the other orgs' peers through gossip" sees_other_orgs "$org"
    done
    log "gossip: every peer sees the other orgs' peers $(elapsed "$t") s after the joins"
    # The ordering service's leader must be there before the first transaction.
    if [[ "$ORDERING" == bft ]]; then
        wait_for "$WAIT_TIMEOUT" "the BFT orderers' first view" grep -aq 'Starting view with number' "$LOGS/orderer0.log"
    else
        wait_for "$WAIT_TIMEOUT" "the orderer's Raft leader" grep -aq 'Raft leader changed: 0 -> 1\|became leader at term' "$LOGS/orderer0.log"
    fi

    write_profiles
    trap - EXIT INT TERM
    log "network up in $(elapsed "$t0") s (run folder $RUN_DIR; profiles in $PROFILES)"
    echo "up_seconds=$(elapsed "$t0")"
}

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
    cat <<'EOF'
deploy NAME --address HOST:PORT [options] [--server CMD [ARGS...]]
  --address HOST:PORT  where the chaincode server listens (the peers dial it; required)
  --tls                mutual TLS between peers and the chaincode server (default)
  --no-tls             plain gRPC (CHAINCODE_TLS_DISABLED=true)
  --policy EXPR        endorsement policy (default NANOTRACE_FABRIC_CC_POLICY or
                       OutOf(2,'ManufacturerMSP.peer','CertifierMSP.peer','RegulatorMSP.peer'))
  --label LABEL        package label (default NAME)
  --dial-timeout D     connection.json dial_timeout (default 10s)
  --channel NAME       define it on channel NAME (one made by `channel`) instead of the network's
  --server CMD ARGS... start CMD (all remaining arguments) with .run/fabric/chaincode/NAME/env
                       in its environment, as a background process that `down` stops
EOF
}

cmd_deploy() {
    local name="" address="" tls=true policy="$CC_POLICY" label="" dial_timeout=10s server=()
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

    local ccdir="$CHAINCODES/$name" host=${address%:*} port=${address##*:}
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
        stop_named "chaincode-$name"
        wait_for 10 "port $port to be free" bash -c "! (exec 3<>/dev/tcp/$host/$port) 2>/dev/null"
        printf '%q ' "${server[@]}" >"$ccdir/server.cmd"
        # shellcheck disable=SC2016 # expanded by the inner bash
        start_bg "chaincode-$name" "$LOGS/chaincode-$name.log" \
            bash -c 'set -a; . "$1"; set +a; shift; exec "$@"' _ "$ccdir/env" "${server[@]}"
        wait_for "$WAIT_TIMEOUT" "chaincode server '$name' to listen on $address" listening "$host" "$port"
        pid_of "chaincode-$name" >/dev/null || die "chaincode server '$name' exited; see $LOGS/chaincode-$name.log"
        log "chaincode server '$name' listening on $address (log $LOGS/chaincode-$name.log)"
    fi

    # 4. Install on every peer (skipped where already installed).
    local org
    for org in "${ORGS[@]}"; do
        if as_admin "$org" peer lifecycle chaincode queryinstalled -O json 2>/dev/null | grep -qF "\"$package_id\""; then
            continue
        fi
        as_admin "$org" peer lifecycle chaincode install "$ccdir/$name.tar.gz" >"$LOGS/install-$name-$org.log" 2>&1 ||
            { cat "$LOGS/install-$name-$org.log" >&2; die "install on $(peer_host "$org") failed"; }
    done
    log "installed on ${#ORGS[@]} peers"

    # 5. Sequence: 1 for a new name; the committed one when it already runs this
    #    package (nothing to approve); committed+1 for a new package.
    local committed seq approved_pkg
    committed=$(as_admin manufacturer peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$name" -O json 2>/dev/null |
        sed -n 's/.*"sequence": *\([0-9]*\).*/\1/p' | head -n 1) || true
    if [[ -n "$committed" ]]; then
        approved_pkg=$(as_admin manufacturer peer lifecycle chaincode queryapproved -C "$CHANNEL" -n "$name" \
            --sequence "$committed" -O json 2>/dev/null | sed -n 's/.*"package_id": *"\([^"]*\)".*/\1/p' | head -n 1) || true
        if [[ "$approved_pkg" == "$package_id" ]]; then
            log "'$name' sequence $committed already runs $package_id: nothing to approve"
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
        for org in "${ORGS[@]}"; do
            as_admin "$org" peer lifecycle chaincode approveformyorg "${orderer[@]}" -C "$CHANNEL" -n "$name" \
                --version "$seq" --package-id "$package_id" --sequence "$seq" --signature-policy "$policy" \
                >"$LOGS/approve-$name-$org.log" 2>&1 &
            pids+=($!)
        done
        for i in "${!pids[@]}"; do
            wait "${pids[$i]}" || { rc=1; cat "$LOGS/approve-$name-${ORGS[$i]}.log" >&2; }
        done
        ((rc == 0)) || die "approveformyorg failed"
        # Each approval was awaited on its own organisation's peer only; with BFT the
        # others can be a block behind, and the commit's endorsements must read the same.
        wait_for "$WAIT_TIMEOUT" "every peer to have the approvals" peers_level
        # 7. Check readiness, commit on all peers, confirm.
        local ready
        ready=$(as_admin manufacturer peer lifecycle chaincode checkcommitreadiness -C "$CHANNEL" -n "$name" \
            --version "$seq" --sequence "$seq" --signature-policy "$policy" -O json) ||
            die "checkcommitreadiness failed"
        if grep -q ': *false' <<<"$ready"; then
            die "not every org approved '$name' sequence $seq: $ready"
        fi
        local peers=()
        for org in "${ORGS[@]}"; do
            peers+=(--peerAddresses "$(peer_addr "$org")" --tlsRootCertFiles "$(peer_tls_ca "$org")")
        done
        as_admin manufacturer peer lifecycle chaincode commit "${orderer[@]}" -C "$CHANNEL" -n "$name" \
            --version "$seq" --sequence "$seq" --signature-policy "$policy" "${peers[@]}" \
            >"$LOGS/commit-$name.log" 2>&1 || { cat "$LOGS/commit-$name.log" >&2; die "commit of '$name' failed"; }
        for org in "${ORGS[@]}"; do
            wait_for 30 "'$name' sequence $seq committed on $(peer_host "$org")" \
                committed_sequence_is "$org" "$name" "$seq"
        done
        log "'$name' sequence $seq committed on '$CHANNEL' (policy $policy)"
    fi
    echo "$package_id" >"$ccdir/package_id"
    log "deploy of '$name' took $(elapsed "$t0") s (server env: $ccdir/env)"
    echo "deploy_seconds=$(elapsed "$t0")"
}

# committed_sequence_is ORG NAME SEQ : ORG's peer has NAME committed at SEQ.
committed_sequence_is() {
    as_admin "$1" peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$2" 2>/dev/null | grep -q "Sequence: $3,"
}

# ------------------------------------------------------ extra channel ----

# channel NAME [--profile PROFILE] : another channel on the running network, made
# from configtx.yaml's PROFILE (rendered for this run folder by `up`); the orderer
# and the three peers join it. Opt-in (`up` makes only the default channel). E.g.
# NanoTraceChannelV2, channel capability V2_0 instead of V3_0.
cmd_channel() {
    local name="" profile=NanoTraceChannel
    [[ $# -gt 0 && "$1" != -* ]] && { name=$1; shift; }
    while (($#)); do
        case "$1" in
        --profile) profile=${2:-}; shift 2 ;;
        *) die "channel: unknown argument '$1' (channel NAME [--profile PROFILE])" ;;
        esac
    done
    [[ "$name" =~ ^[a-z][a-z0-9.-]*$ ]] || die "channel: NAME is required (lower case letters, digits, '.', '-'; got '$name')"
    [[ "$name" != "$CHANNEL" ]] || die "channel: '$name' is the network's channel already"
    check_fabric
    network_healthy || die "the network is not up (run folder $RUN_DIR): run 'scripts/network.sh up' first"
    local t0 block="$RUN_DIR/channel/$name.block" org
    t0=$(now)
    FABRIC_CFG_PATH="$RUN_DIR/config" FABRIC_LOGGING_SPEC=warning "$FABRIC_BIN_DIR/configtxgen" \
        -profile "$profile" -channelID "$name" -outputBlock "$block" >/dev/null 2>"$LOGS/configtxgen-$name.log" ||
        { cat "$LOGS/configtxgen-$name.log" >&2; die "configtxgen -profile $profile failed"; }
    fab osnadmin channel join --channelID "$name" --config-block "$block" \
        -o "$(org_ip orderer):$ORDERER_ADMIN_PORT" --ca-file "$ORDERER_CA" \
        --client-cert "$ORDERER_ADMIN_TLS/client.crt" --client-key "$ORDERER_ADMIN_TLS/client.key" \
        >"$LOGS/osnadmin-join-$name.log" 2>&1 || { cat "$LOGS/osnadmin-join-$name.log" >&2; die "osnadmin channel join $name failed"; }
    # The new channel's own Raft leader must be elected before its first transaction (the
    # orderer's log already holds the leader lines of the other channels).
    wait_for "$WAIT_TIMEOUT" "the orderer's Raft leader on '$name'" \
        grep -aqE "(became leader at term [0-9]+|Raft leader changed: 0 -> 1) channel=$name node=" "$LOGS/orderer0.log"
    for org in "${ORGS[@]}"; do
        as_admin "$org" peer channel join -b "$block" >"$LOGS/join-$name-$org.log" 2>&1 ||
            { cat "$LOGS/join-$name-$org.log" >&2; die "$(peer_host "$org") could not join '$name'"; }
    done
    log "channel '$name' (profile $profile): orderer and peers joined in $(elapsed "$t0") s"
    echo "channel_seconds=$(elapsed "$t0")"
}

# ------------------------------------------------------ status / down ----

cmd_status() {
    if [[ ! -d "$RUN_DIR" ]]; then
        echo "no network (run folder $RUN_DIR does not exist)"
        return 0
    fi
    echo "run folder: $RUN_DIR   channel: $CHANNEL   port base: $PORT_BASE   ordering: $ORDERING"
    if hosts_mode; then echo "hosts: bridge $BRIDGE $HOST_IP/24; $(for o in "${CA_ORGS[@]}"; do printf '%s %s  ' "$(ns_name "$o")" "$(org_ip "$o")"; done)"; fi
    local state pid
    node_line() {
        local name=$1 ports=$2 ops=$3 ip=$4
        if pid=$(pid_of "$name"); then
            if [[ -n "$ops" ]] && healthy "$ops" "$ip"; then state="healthy"; else state="running"; fi
            printf '  %-34s pid %-7s %-8s %s\n' "$name" "$pid" "$state" "$ports"
        else
            printf '  %-34s %-11s %-8s %s\n' "$name" "-" "stopped" "$ports"
        fi
    }
    echo "nodes:"
    local org height
    for org in "${ORDERER_ORGS[@]}"; do
        node_line "$(orderer_name "$org")" "$(orderer_addr "$org") admin :$(orderer_admin_port "$org") operations :$(orderer_ops_port "$org") ($(orderer_msp "$org"))" \
            "$(orderer_ops_port "$org")" "$(org_ip "$org")"
    done
    for org in "${ORGS[@]}"; do
        node_line "$(peer_host "$org")" "$(peer_addr "$org") chaincode :$(peer_cc_port "$org") operations :$(peer_ops_port "$org") (${ORG_MSP[$org]})" "$(peer_ops_port "$org")" "$(org_ip "$org")"
    done
    if [[ -x "$FABRIC_BIN_DIR/peer" ]]; then
        echo "block height of '$CHANNEL':"
        for org in "${ORGS[@]}"; do
            if pid_of "$(peer_host "$org")" >/dev/null; then
                height=$(as_admin "$org" peer channel getinfo -c "$CHANNEL" 2>/dev/null |
                    sed -n 's/.*"height":\([0-9]*\).*/\1/p') || true
                printf '  %-34s %s\n' "$(peer_host "$org")" "${height:-?}"
            fi
        done
    fi
    local d n
    if compgen -G "$CHAINCODES/*/env" >/dev/null; then
        echo "chaincodes:"
        for d in "$CHAINCODES"/*/; do
            n=$(basename "$d")
            [[ -f "$d/env" ]] || continue
            local addr id
            addr=$(sed -n "s/^CHAINCODE_SERVER_ADDRESS='\(.*\)'/\1/p" "$d/env")
            id=$(sed -n "s/^CHAINCODE_ID='\(.*\)'/\1/p" "$d/env")
            if pid=$(pid_of "chaincode-$n"); then state="server pid $pid"; else state="no server started here"; fi
            printf '  %-20s %-22s %s  (%s)\n' "$n" "$addr" "$id" "$state"
        done
    fi
    if compgen -G "$PROFILES/*.yaml" >/dev/null; then
        echo "connection profiles:"
        printf '  %s\n' "$PROFILES"/*.yaml
    fi
}

# Stops every process of this run folder: chaincode servers, peers, orderer
# (reverse order of start), then anything else that carries the marker.
stop_all() {
    local f n
    if [[ -d "$PIDS" ]]; then
        for f in "$PIDS"/chaincode-*.pid; do
            [[ -e "$f" ]] || continue
            n=$(basename "$f" .pid)
            stop_named "$n"
        done
        local org
        for ((i = ${#ORGS[@]} - 1; i >= 0; i--)); do
            stop_named "$(peer_host "${ORGS[$i]}")"
        done
        stop_named orderer0
        for org in "${CA_ORGS[@]}"; do
            stop_named "ca-$org"
        done
    fi
    local left
    mapfile -t left < <(marked_pids)
    if ((${#left[@]})); then
        log "stopping leftover processes of $RUN_DIR: ${left[*]}"
        stop_pids "${left[@]}"
    fi
    mapfile -t left < <(marked_pids)
    ((${#left[@]} == 0)) || die "could not stop: ${left[*]}"
}

cmd_down() {
    local purge=true
    while (($#)); do
        case "$1" in
        --purge) purge=true ;;
        --keep) purge=false ;;
        *) die "down: unknown argument '$1' (--purge | --keep)" ;;
        esac
        shift
    done
    local t0
    t0=$(now)
    stop_all
    hosts_down
    if $purge && [[ -e "$RUN_DIR" ]]; then
        rm -rf "$RUN_DIR"
        log "stopped; run folder $RUN_DIR removed ($(elapsed "$t0") s)"
    else
        log "stopped ($(elapsed "$t0") s)"
    fi
}

usage() {
    cat <<EOF
NanoTrace local Fabric 3.1 network (plain processes on 127.0.0.1, no Docker).

usage: scripts/network.sh up [--hosts] | deploy NAME --address HOST:PORT [...] | channel NAME [...] | crl ORG CRL.pem
                          | remove ORG NAME [...] | snapshot ORG | add-peer ORG [--snapshot DIR]
                          | rotate-tls ORG | rotate-orderer-tls ORG | backup ORG FILE | restore ORG FILE
                          | status | down [--keep] | help

  up       start a Fabric CA per organisation and issue every node's and user's identity
           from it, configtxgen, start 1 Raft orderer and 3 peers (Manufacturer,
           Certifier, Regulator), join channel '$CHANNEL', wait for health and gossip,
           write connection profiles. A no-op when this run folder's network is up.
           --hosts: each organisation a host of its own (Linux network namespace
           nt<B>-<org>, address 10.<B/256>.<B%256>.10-13 on bridge ntbr<B>, every node
           dialled by its host name; root only). Chaincode servers then listen on
           NANOTRACE_FABRIC_CHAINCODE_HOST (network.env), the bridge's address.
  deploy   package a CCaaS chaincode, install/approve/commit it (see below)
  status   processes, ports, block heights, chaincodes, profiles
  crl ORG CRL.pem
           put a CRL (nanotrace ca revoke --crl-out) into ORG's MSP definition on the
           channel (config update by ORG's admin), so that every peer refuses the
           certificates it lists; needs configtxlator (Fabric's release) and jq
  remove ORG NAME [--reason R] [--admin-profile PROFILE]
           remove member NAME of ORG for real: revoke every contract role of NAME
           (as PROFILE [profiles/regulator-admin.yaml], the contract's admin), revoke NAME
           at ORG's CA and put the new CRL on the channel (crl); then every peer refuses
           NAME. Uses the nanotrace CLI (NANOTRACE_BIN, PATH or target/debug/nanotrace)
  snapshot ORG
           a ledger snapshot of ORG's peer at its last block (peer snapshot submitrequest);
           prints snapshot_dir= and snapshot_block= once it is complete
  add-peer ORG [--snapshot DIR]
           a second peer of ORG (peer1, ports base+30+10*i..+2), its identity from ORG's CA,
           joined to the channel from a snapshot (peer channel joinbysnapshot: no replay of
           the blocks before it) or, without --snapshot, from the genesis block; waits until
           it has the channel's height; writes ORG-USER-peer1 connection profiles
  rotate-tls ORG
           a new TLS key and certificate for ORG's peer from ORG's CA (reenroll, tls
           profile), the peer restarted with them; prints old_serial= and new_serial=
  rotate-orderer-tls ORG [--keep-key]
           a new TLS certificate for ORG's orderer (orderer, or with bft an organisation)
           from ORG's CA. --keep-key: for the same key, the orderer restarted with it.
           Otherwise a new key: a channel configuration update names it in the consenter
           set (signed by every orderer organisation's admin), then the orderer restarts
           with it (needs bft: a single Raft orderer cannot). Prints old_serial= and
           new_serial=
  backup ORG FILE
           ORG's crypto material and Fabric CA (home and database) in one tar.gz (the CA
           stopped for the copy)
  restore ORG FILE
           ORG as on a fresh host: crypto material and CA from FILE, the peer's ledger
           rebuilt by joining the channel from its genesis block
  channel NAME [--profile PROFILE]
           opt-in: another channel from configtx.yaml's PROFILE [NanoTraceChannel] on the
           running network, joined by the orderer and the peers (NanoTraceChannelV2:
           channel capability V2_0 instead of V3_0)
  down     stop every process started from this run folder (SIGTERM, then SIGKILL
           after NANOTRACE_FABRIC_STOP_TIMEOUT s); removes the run folder unless --keep.
           Safe when nothing runs.

$(deploy_usage)

Environment (defaults in brackets):
  FABRIC_BIN_DIR               Fabric binaries [\$HOME/.local/share/fabric/bin]
  FABRIC_CFG_DIR               Fabric's default core.yaml/orderer.yaml [\$HOME/.local/share/fabric/config]
  NANOTRACE_FABRIC_RUN_DIR     everything generated at run time [<repo>/.run/fabric]
  NANOTRACE_FABRIC_PORT_BASE   port base B [17050]: orderer B, admin B+1, operations B+2;
                               Manufacturer peer B+10 (chaincode listener B+11, operations B+12),
                               Certifier B+20.., Regulator B+30..
  NANOTRACE_FABRIC_CHANNEL     channel name [nanotrace]
  NANOTRACE_FABRIC_ORDERING    raft (one orderer) or bft (SmartBFT, four orderers) [raft]
  NANOTRACE_FABRIC_HOSTS       1: as up --hosts [0]
  NANOTRACE_FABRIC_BATCH_TIMEOUT  orderer BatchTimeout override [configtx.yaml's]
  NANOTRACE_FABRIC_MAX_MESSAGE_COUNT / _PREFERRED_MAX_BYTES / _ABSOLUTE_MAX_BYTES
                               orderer BatchSize overrides, e.g. 10, "512 KB" [configtx.yaml's]
  NANOTRACE_FABRIC_PEER_ENV / NANOTRACE_FABRIC_ORDERER_ENV
                               extra VAR=value words for the peers / the orderer (tuning,
                               e.g. "GOGC=400 CORE_PEER_VALIDATORPOOLSIZE=1") [none]
  NANOTRACE_FABRIC_CC_POLICY   default endorsement policy for deploy
  NANOTRACE_FABRIC_CHAINCODE   chaincode name written into profiles [nanotrace]
  NANOTRACE_FABRIC_LOG_SPEC    FABRIC_LOGGING_SPEC of the nodes [info]
  NANOTRACE_FABRIC_WAIT_TIMEOUT / NANOTRACE_FABRIC_STOP_TIMEOUT  seconds [90 / 10]

Run folder: logs/ (one per node and chaincode server), pids/, nodes/ (ledgers),
crypto/, channel/, profiles/<org>-<user>.yaml, chaincode/NAME/{env,tls/,NAME.tar.gz},
network.env (addresses and TLS CA paths, sourceable).
EOF
}

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
    height=$(as_admin manufacturer peer channel getinfo -c "$CHANNEL" 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p')
    orderer_cli
    as_org_admin "$submitter" peer channel update -f "$work/envelope.pb" -c "$CHANNEL" "${ORDERER_CLI[@]}" \
        >"$work/update.log" 2>&1 || { cat "$work/update.log" >&2; die "the configuration update of '$CHANNEL' was refused"; }
    for o in "${ORGS[@]}"; do
        wait_for "$WAIT_TIMEOUT" "$(peer_host "$o") to commit the configuration update" height_above "$o" "${height:-0}"
    done
}

# rotate-orderer-tls ORG [--keep-key] : a new TLS certificate for ORG's orderer (the
# ordering organisation's `orderer`, or with bft an organisation's) from ORG's CA.
# Orderers know each other (and themselves) in the channel configuration's consenter set
# by their TLS certificates' public keys (Fabric compares keys, not certificates):
# - --keep-key (a certificate about to expire): a new certificate for the same key; the
#   orderer restarts with it, nothing else changes;
# - otherwise (a new key): first a configuration update puts the new certificate in place
#   of the old one in the consenter set (Raft's consenters, BFT's consenter mapping),
#   signed by the admins of every orderer organisation (the Orderer group's Admins policy:
#   a majority), then the orderer restarts with the new pair (its ledger kept). A single
#   Raft orderer cannot take this update (Fabric first moves the leadership of a node whose
#   key changes to another consenter; there is none): refused, with the way out.
# Either way the replaced certificate is revoked at ORG's CA (reason superseded) once the
# orderer serves the new one. Prints old_serial= and new_serial=.
cmd_rotate_orderer_tls() {
    local org=${1:-} keep="" o known=false host dir work cu t0 old new old_b64 new_b64 signers=()
    (($#)) && shift
    while (($#)); do
        case "$1" in
        --keep-key) keep=keep-key; shift ;;
        *) die "rotate-orderer-tls: unknown argument '$1' (rotate-orderer-tls ORG [--keep-key])" ;;
        esac
    done
    for o in "${ORDERER_ORGS[@]}"; do [[ "$o" == "$org" ]] && known=true; done
    $known || die "rotate-orderer-tls ORG: ORG is one of ${ORDERER_ORGS[*]} (got '$org')"
    if [[ -z "$keep" && ${#ORDERER_ORGS[@]} -lt 2 ]]; then
        die "rotate-orderer-tls: a single Raft orderer cannot change its TLS key by a configuration update (Fabric must first hand its leadership to another consenter): renew its certificate for the same key with --keep-key, or run more orderers (bft)"
    fi
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    t0=$(now)
    host=$(orderer_host "$org")
    dir=$(orderer_dir "$org")
    work=$(mktemp -d)
    reissue_tls "$org" "$host" "$dir" "$work" "$keep"
    old=$(serial_of "$dir/tls/server.crt")
    new=$(serial_of "$work/server.crt")
    if [[ -n "$keep" ]]; then
        log "$host: a new TLS certificate for its key (serial $old → $new); restarting it"
        restart_orderer_with "$org" "$work" "$t0"
        echo "old_serial=$old"
        echo "new_serial=$new"
        return 0
    fi
    old_b64=$(base64 -w0 <"$dir/tls/server.crt")
    new_b64=$(base64 -w0 <"$work/server.crt")
    cu="$RUN_DIR/config-update/orderer-tls-$org-$(date +%s%N)"
    config_fetch manufacturer "$cu"
    jq --arg old "$old_b64" --arg new "$new_b64" '
        def swap: (if .client_tls_cert == $old then .client_tls_cert = $new else . end)
                | (if .server_tls_cert == $old then .server_tls_cert = $new else . end);
        if .channel_group.groups.Orderer.values.ConsensusType.value.type == "etcdraft"
        then .channel_group.groups.Orderer.values.ConsensusType.value.metadata.consenters |= map(swap)
        else .channel_group.groups.Orderer.values.Orderers.value.consenter_mapping |= map(swap) end' \
        "$cu/config.json" >"$cu/modified.json"
    config_envelope "$cu" || die "rotate-orderer-tls: $host's TLS certificate is not in the consenter set of '$CHANNEL'"
    for o in "${ORDERER_ORGS[@]:1}"; do signers+=("$o"); done
    config_submit "${ORDERER_ORGS[0]}" "$cu" "${signers[@]}"
    log "$host: the consenter set of '$CHANNEL' names its new TLS certificate (serial $old → $new); restarting it"
    restart_orderer_with "$org" "$work" "$t0"
    echo "old_serial=$old"
    echo "new_serial=$new"
}

# restart_orderer_with ORG WORK T0 : ORG's orderer restarted with the pair in WORK; the
# certificate it replaced revoked at ORG's CA (reason superseded) once the new one serves.
restart_orderer_with() {
    local org=$1 work=$2 t0=$3 host log leaders superseded
    host=$(orderer_host "$org")
    log="$LOGS/$(orderer_name "$org").log"
    leaders=$(grep -ac 'Raft leader changed: 0 -> 1\|became leader at term' "$log" || true)
    superseded=$(mktemp)
    cp "$(orderer_dir "$org")/tls/server.crt" "$superseded"
    install_tls "$(orderer_dir "$org")" "$work"
    stop_named "$(orderer_name "$org")"
    start_orderer "$org"
    wait_for "$WAIT_TIMEOUT" "$host health" healthy "$(orderer_ops_port "$org")" "$(org_ip "$org")"
    wait_for "$WAIT_TIMEOUT" "$host listening" listening "$(org_ip "$org")" "$(orderer_port "$org")"
    if [[ "$ORDERING" == raft ]]; then
        # The restarted single Raft orderer orders nothing until it has elected itself again.
        leader_again() { (($(grep -ac 'Raft leader changed: 0 -> 1\|became leader at term' "$log" || true) > leaders)); }
        wait_for "$WAIT_TIMEOUT" "$host to be the Raft leader again" leader_again
    fi
    revoke_superseded "$org" "$superseded"
    rm -f "$superseded"
    log "$host serves its new TLS certificate; the old one is revoked at ca-$org ($(elapsed "$t0") s)"
}

# crl ORG CRL.pem : puts the CRL into ORG's MSP definition in the channel configuration,
# so that every peer refuses the certificates it lists (a member removed at the org's
# Fabric CA: `nanotrace ca revoke --crl-out`). A config update computed with
# configtxlator, signed and submitted by ORG's admin (the org group's mod_policy is its
# Admins), then awaited on every peer.
cmd_crl() {
    local org=${1:-} crl=${2:-}
    [[ -n "$org" && -n "${ORG_MSP[$org]:-}" ]] || die "crl ORG CRL.pem: ORG is one of ${ORGS[*]} (got '$org')"
    [[ -f "$crl" ]] || die "crl: no CRL file '$crl'"
    grep -q 'BEGIN X509 CRL' "$crl" || die "crl: '$crl' is not a PEM CRL"
    check_fabric
    [[ -x "$FABRIC_BIN_DIR/configtxlator" ]] || die "crl needs configtxlator (part of Fabric's release) in $FABRIC_BIN_DIR"
    command -v jq >/dev/null || die "crl needs jq"
    [[ -f "$RUN_DIR/network.env" ]] || die "no network in $RUN_DIR: run 'up' first"
    local t0 msp work
    t0=$(now)
    msp=${ORG_MSP[$org]}
    work="$RUN_DIR/config-update/$org-$(date +%s%N)"
    mkdir -p "$work"
    config_fetch "$org" "$work"
    jq -e --arg msp "$msp" '.channel_group.groups.Application.groups[$msp]' "$work/config.json" >/dev/null ||
        die "crl: $msp is not an application organisation of '$CHANNEL'"
    # With bft the organisation is an orderer organisation too: its MSP definition is in
    # both groups and must stay the same in each (same mod policy: its own Admins).
    jq --arg msp "$msp" --arg crl "$(base64 -w0 <"$crl")" \
        '.channel_group.groups.Application.groups[$msp].values.MSP.value.config.revocation_list = [$crl]
         | if .channel_group.groups.Orderer.groups[$msp] then
             .channel_group.groups.Orderer.groups[$msp].values.MSP.value.config.revocation_list = [$crl]
           else . end' \
        "$work/config.json" >"$work/modified.json"
    if ! config_envelope "$work"; then
        if [[ -n "${CRL_SAME_OK:-}" ]]; then
            log "crl: $msp's MSP definition on '$CHANNEL' already carries this CRL"
            return 0
        fi
        die "crl: no change to make (is this CRL already there?)"
    fi
    config_submit "$org" "$work"
    log "crl: $msp's MSP definition on '$CHANNEL' now carries $(basename "$crl"); every peer committed it in $(elapsed "$t0") s"
}

# remove ORG NAME [--reason R] [--admin-profile PROFILE] : removes member NAME of ORG for
# real, in one command: `nanotrace ca remove` (as the contract's admin, PROFILE, default
# the Regulator's Admin) revokes every role NAME's identities hold in the contract, then
# revokes NAME at ORG's CA (as its registrar) and writes the CRL; `crl` puts that CRL into
# ORG's MSP definition on the channel, after which every peer refuses NAME. Safe to run
# again after a failure part-way: roles already revoked, a revoked identity and a CRL
# already on the channel are reported, not errors. Needs the nanotrace CLI: NANOTRACE_BIN,
# else `nanotrace` on PATH, else <repo>/target/debug/nanotrace.
cmd_remove() {
    local org=${1:-} name=${2:-}
    (($# >= 2)) && shift 2 || die "remove ORG NAME [--reason R] [--admin-profile PROFILE]"
    local reason=cessationofoperation admin_profile="$PROFILES/regulator-admin.yaml"
    while (($#)); do
        case $1 in
        --reason) reason=${2:?--reason needs a value}; shift 2 ;;
        --admin-profile) admin_profile=${2:?--admin-profile needs a file}; shift 2 ;;
        *) die "remove: unknown option '$1'" ;;
        esac
    done
    [[ -n "${ORG_MSP[$org]:-}" ]] || die "remove ORG NAME: ORG is one of ${ORGS[*]} (got '$org')"
    [[ "$name" =~ ^[A-Za-z0-9@._-]+$ ]] || die "remove: '$name' is not an enrollment ID"
    [[ -f "$RUN_DIR/network.env" ]] || die "no network in $RUN_DIR: run 'up' first"
    [[ -f "$admin_profile" ]] || die "remove: no connection profile '$admin_profile' for the contract's admin"
    local nt=${NANOTRACE_BIN:-}
    [[ -n "$nt" ]] || nt=$(command -v nanotrace) || nt="$ROOT/target/debug/nanotrace"
    [[ -x "$nt" ]] || die "remove needs the nanotrace CLI: set NANOTRACE_BIN or put it on PATH (cargo build --bin nanotrace)"
    local t0 wallet work
    t0=$(now)
    wallet="$RUN_DIR/wallets/ca-registrar-$org"
    work="$RUN_DIR/config-update/remove-$org-$name-$(date +%s%N)"
    mkdir -p "$work"
    if [[ ! -f "$wallet/cert.pem" ]]; then
        NANOTRACE_CA_SECRET=adminpw "$nt" ca enroll --url "https://$(ca_addr "$org")" --tls-root "$(ca_cert "$org")" \
            --id admin --wallet "$wallet" >"$work/enroll.log" 2>&1 ||
            { cat "$work/enroll.log" >&2; die "remove: ca-$org's registrar cannot enroll"; }
    fi
    "$nt" --network fabric --profile "$admin_profile" ca remove --wallet "$wallet" --id "$name" --msp-id "${ORG_MSP[$org]}" \
        --reason "$reason" --crl-out "$work/crl.pem" >&2 || die "remove: nanotrace ca remove failed; nothing is on the channel yet"
    CRL_SAME_OK=1 cmd_crl "$org" "$work/crl.pem"
    log "remove: $name of ${ORG_MSP[$org]} removed in $(elapsed "$t0") s"
}

# peers_level : every organisation's peer reports the same height of the channel.
peers_level() {
    local org h first=""
    for org in "${ORGS[@]}"; do
        h=$(as_admin "$org" peer channel getinfo -c "$CHANNEL" 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p')
        [[ -n "$h" ]] || return 1
        [[ -z "$first" || "$h" == "$first" ]] || return 1
        first=$h
    done
}

# height_above ORG H : ORG's peer has a height above H on the channel.
height_above() {
    local h
    h=$(as_admin "$1" peer channel getinfo -c "$CHANNEL" 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p')
    [[ -n "$h" ]] && ((h > $2))
}

# snapshot ORG : a snapshot of ORG's peer0 at its last committed block.
cmd_snapshot() {
    local org=${1:-} host done_dir before block t0
    [[ -n "$org" && -n "${ORG_MSP[$org]:-}" ]] || die "snapshot ORG: ORG is one of ${ORGS[*]} (got '$org')"
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    t0=$(now)
    host=$(peer_host "$org")
    done_dir="$NODES/$host/snapshots/completed/$CHANNEL"
    before=$(ls "$done_dir" 2>/dev/null | sort -n | tail -n 1 || true)
    as_admin "$org" peer snapshot submitrequest -c "$CHANNEL" -b 0 --peerAddress "$(peer_addr "$org")" \
        --tlsRootCertFile "$(peer_tls_ca "$org")" >"$LOGS/snapshot-$org.log" 2>&1 ||
        { cat "$LOGS/snapshot-$org.log" >&2; die "snapshot: the request was refused"; }
    newest() { ls "$done_dir" 2>/dev/null | sort -n | tail -n 1; }
    snapshot_done() { local b; b=$(newest) && [[ -n "$b" && "$b" != "$before" && -f "$done_dir/$b/_snapshot_signable_metadata.json" ]]; }
    wait_for "$WAIT_TIMEOUT" "the snapshot of $host" snapshot_done
    block=$(newest)
    log "snapshot of $host at block $block: $done_dir/$block ($(du -sh "$done_dir/$block" | cut -f1), $(elapsed "$t0") s)"
    echo "snapshot_dir=$done_dir/$block"
    echo "snapshot_block=$block"
}

# add-peer ORG [--snapshot DIR] : ORG's second peer, joined from a snapshot or the genesis block.
# join_and_catch_up ORG N [SNAPSHOT] : ORG's peer N (running, not on the channel) joins
# the channel from SNAPSHOT or the genesis block, gets every chaincode package deployed on
# the channel, and catches up with the height ORG's peer 0 reports (for peer 0 itself,
# the Manufacturer's peer's, or the Certifier's for the Manufacturer).
join_and_catch_up() {
    local org=$1 n=$2 snapshot=${3:-} host target ref pkg
    host=$(peer_host "$org" "$n")
    if [[ -n "$snapshot" ]]; then
        AS_PEER=$n as_admin "$org" peer channel joinbysnapshot --snapshotpath "$snapshot" >"$LOGS/join-$host.log" 2>&1 ||
            { cat "$LOGS/join-$host.log" >&2; die "$host could not join '$CHANNEL' from $snapshot"; }
        joined() { AS_PEER=$n as_admin "$org" peer channel joinbysnapshotstatus 2>/dev/null | grep -q 'No joinbysnapshot operation is in progress'; }
        wait_for "$WAIT_TIMEOUT" "$host to finish joining from the snapshot" joined
    else
        AS_PEER=$n as_admin "$org" peer channel join -b "$CHANNEL_BLOCK" >"$LOGS/join-$host.log" 2>&1 ||
            { cat "$LOGS/join-$host.log" >&2; die "$host could not join '$CHANNEL'"; }
    fi
    # Every chaincode package deployed on the channel, so the peer can run them.
    for pkg in "$CHAINCODES"/*/*.tar.gz; do
        [[ -f "$pkg" && "$(basename "$(dirname "$pkg")")" == "$(basename "$pkg" .tar.gz)" ]] || continue
        AS_PEER=$n as_admin "$org" peer lifecycle chaincode install "$pkg" >"$LOGS/install-$host-$(basename "$pkg").log" 2>&1 ||
            { cat "$LOGS/install-$host-$(basename "$pkg").log" >&2; die "install of $(basename "$pkg") on $host failed"; }
    done
    ref=$org
    if ((n == 0)); then
        ref=manufacturer
        [[ $org != manufacturer ]] || ref=certifier
    fi
    target=$(as_admin "$ref" peer channel getinfo -c "$CHANNEL" 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p')
    [[ -n "$target" ]] || die "$host: no height to catch up with"
    at_height() { local h; h=$(AS_PEER=$n as_admin "$org" peer channel getinfo -c "$CHANNEL" 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p'); [[ -n "$h" ]] && ((h >= target)); }
    wait_for "$WAIT_TIMEOUT" "$host to reach height $target" at_height
    CAUGHT_UP_HEIGHT=$target
}

cmd_add_peer() {
    local org=${1:-} snapshot="" host dir t0
    [[ -n "$org" && -n "${ORG_MSP[$org]:-}" ]] || die "add-peer ORG: ORG is one of ${ORGS[*]} (got '$org')"
    shift
    while (($#)); do
        case "$1" in
        --snapshot) snapshot=$2; shift 2 ;;
        *) die "add-peer: unknown argument '$1'" ;;
        esac
    done
    [[ -z "$snapshot" || -f "$snapshot/_snapshot_signable_metadata.json" ]] || die "add-peer: '$snapshot' is no completed snapshot"
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    host=$(peer_host "$org" 1)
    dir=$(peer_dir "$org" 1)
    [[ ! -e "$dir" ]] || die "add-peer: $host exists already"
    t0=$(now)
    issue "$org" peer "$host" "$dir" >"$LOGS/identities-$host.log" 2>&1 ||
        { cat "$LOGS/identities-$host.log" >&2; die "add-peer: ca-$org cannot issue $host"; }
    log "starting $host (${ORG_MSP[$org]}: $(peer_addr "$org" 1), chaincode :$(peer_cc_port "$org" 1), operations :$(peer_ops_port "$org" 1))"
    start_peer "$org" 1
    wait_for "$WAIT_TIMEOUT" "$host health" healthy "$(peer_ops_port "$org" 1)" "$(org_ip "$org")"
    wait_for "$WAIT_TIMEOUT" "$host listening" listening "$(org_ip "$org")" "$(peer_port "$org" 1)"
    join_and_catch_up "$org" 1 "$snapshot"
    peer1_profiles "$org"
    log "$host joined '$CHANNEL'${snapshot:+ from the snapshot $snapshot} and reached height $CAUGHT_UP_HEIGHT in $(elapsed "$t0") s"
    echo "join_seconds=$(elapsed "$t0")"
}

# peer1_profiles ORG : a connection profile per user of ORG with peer1 as its gateway.
peer1_profiles() {
    local org=$1 file
    for file in "$PROFILES/$org"-*.yaml; do
        [[ "$file" == *-peer1.yaml ]] && continue
        sed -e "s/^name: \(.*\)$/name: \1-peer1/" \
            -e "/^gateway:/,/^peers:/ s/$(peer_addr "$org")$/$(peer_addr "$org" 1)/" \
            -e "/^gateway:/,/^peers:/ s/$(peer_host "$org")$/$(peer_host "$org" 1)/" \
            "$file" >"${file%.yaml}-peer1.yaml"
    done
}

# serial_of CERT : the certificate's serial number (hex, as openssl prints it).
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

# reissue_tls ORG HOST DIR WORK [keep-key] : a new TLS certificate for node HOST (its files
# in DIR/tls) from ORG's CA, with a new key (or, given keep-key, for the same key), into
# WORK/server.key and WORK/server.crt: fabric-ca-client reenrolls with the CA's `tls`
# profile, authenticated by the node's current TLS pair.
reissue_tls() {
    local org=$1 host=$2 dir=$3 work=$4 keep=${5:-} key reuse=()
    mkdir -p "$work/msp/signcerts" "$work/msp/keystore"
    cp "$dir/tls/server.crt" "$work/msp/signcerts/cert.pem"
    cp "$dir/tls/server.key" "$work/msp/keystore/current_sk"
    [[ -z "$keep" ]] || reuse=(--csr.keyrequest.reusekey)
    fca "$org" reenroll -u "https://$(ca_addr "$org")" --home "$work" -M "$work/msp" "${reuse[@]}" \
        --enrollment.profile tls --csr.names "$CSR_NAMES" --csr.hosts "$host,$(tls_hosts "$org")" \
        >"$LOGS/rotate-tls-$host.log" 2>&1 ||
        { cat "$LOGS/rotate-tls-$host.log" >&2; die "ca-$org could not reissue $host's TLS certificate"; }
    if [[ -n "$keep" ]]; then
        key="$work/msp/keystore/current_sk"
        [[ "$(openssl x509 -in "$work/msp/signcerts/cert.pem" -noout -pubkey)" == "$(openssl pkey -in "$key" -pubout)" ]] ||
            die "rotate-tls: the CA's certificate is not for the kept key"
    else
        key=$(find "$work/msp/keystore" -name '*_sk' ! -name current_sk | head -n 1)
    fi
    [[ -n "$key" ]] || die "rotate-tls: fabric-ca-client made no new key"
    [[ "$(serial_of "$work/msp/signcerts/cert.pem")" != "$(serial_of "$dir/tls/server.crt")" ]] ||
        die "rotate-tls: the CA answered the same certificate"
    install -m 0600 "$key" "$work/server.key"
    cp "$work/msp/signcerts/cert.pem" "$work/server.crt"
}

# revoke_superseded ORG CERT : ORG's CA revokes CERT (reason superseded), as the bootstrap
# registrar enrolled at `up`: a copy of a replaced TLS key no longer passes as the node with
# anyone who checks the CA's CRL.
revoke_superseded() {
    local org=$1 cert=$2 serial aki
    serial=$(serial_of "$cert" | tr 'A-F' 'a-f' | sed 's/^0*//')
    aki=$(openssl x509 -in "$cert" -noout -ext authorityKeyIdentifier | sed -n '2p' | tr -d ' :' | sed 's/^keyid//' | tr 'A-F' 'a-f')
    [[ -n "$serial" && -n "$aki" ]] || die "cannot read the serial and authority key of $cert"
    fca "$org" revoke -u "https://$(ca_addr "$org")" --home "$(ca_home "$org")/clients/registrar" \
        -s "$serial" -a "$aki" -r superseded >"$LOGS/revoke-$org-$serial.log" 2>&1 ||
        { cat "$LOGS/revoke-$org-$serial.log" >&2; die "ca-$org could not revoke the certificate $serial"; }
}

# install_tls DIR WORK : the pair reissue_tls made becomes the node's (each file replaced
# whole), WORK removed.
install_tls() {
    local dir=$1 work=$2
    install -m 0600 "$work/server.key" "$dir/tls/server.key.new"
    cp "$work/server.crt" "$dir/tls/server.crt.new"
    mv "$dir/tls/server.key.new" "$dir/tls/server.key"
    mv "$dir/tls/server.crt.new" "$dir/tls/server.crt"
    rm -rf "$work"
}

# rotate-tls ORG : a new TLS key and certificate for ORG's peer from ORG's CA, then the
# peer restarted with them (its ledger kept). fabric-ca-client reenrolls with the CA's
# `tls` profile, authenticated by the peer's current TLS certificate and key. Clients, the
# other nodes and the chaincode server trust the CA, not the certificate: nothing else
# changes. The old certificate is revoked at the CA (reason superseded) once the peer serves
# the new one. Prints old_serial= and new_serial=.
cmd_rotate_tls() {
    local org=${1:-} host dir work t0 old new superseded
    [[ -n "$org" && -n "${ORG_MSP[$org]:-}" ]] || die "rotate-tls ORG: ORG is one of ${ORGS[*]} (got '$org')"
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    t0=$(now)
    host=$(peer_host "$org")
    dir=$(peer_dir "$org")
    work=$(mktemp -d)
    reissue_tls "$org" "$host" "$dir" "$work"
    old=$(serial_of "$dir/tls/server.crt")
    new=$(serial_of "$work/server.crt")
    superseded=$(mktemp)
    cp "$dir/tls/server.crt" "$superseded"
    install_tls "$dir" "$work"
    log "$host: new TLS certificate (serial $old → $new); restarting it"
    stop_named "$host"
    start_peer "$org"
    wait_for "$WAIT_TIMEOUT" "$host health" healthy "$(peer_ops_port "$org")" "$(org_ip "$org")"
    wait_for "$WAIT_TIMEOUT" "$host listening" listening "$(org_ip "$org")" "$(peer_port "$org")"
    revoke_superseded "$org" "$superseded"
    rm -f "$superseded"
    log "$host serves its new TLS certificate; the old one ($old) is revoked at ca-$org ($(elapsed "$t0") s)"
    echo "old_serial=$old"
    echo "new_serial=$new"
}

# backup ORG FILE : ORG's crypto material (the organisation's MSP, every node's and user's
# MSP and TLS files) and its Fabric CA (its home: root key and certificate, TLS pair, and
# the database of registered identities and issued certificates) in one tar.gz. The CA is
# stopped for the copy (its database is SQLite) and started again.
cmd_backup() {
    local org=${1:-} file=${2:-} odir t0
    [[ -n "$org" && -n "${ORG_MSP[$org]:-}" && -n "$file" ]] || die "backup ORG FILE: ORG is one of ${ORGS[*]}"
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    t0=$(now)
    odir=$(org_dir "$org")
    stop_named "ca-$org"
    # Private keys (the CA's root key among them): readable by the owner only, from the
    # first byte written.
    if ! (umask 077 && rm -f "$file.tmp" && tar -czf "$file.tmp" -C "$(dirname "$odir")" "$(basename "$odir")" -C "$NODES" "ca-$org"); then
        rm -f "$file.tmp"
        start_ca "$org"
        die "backup: tar failed"
    fi
    mv "$file.tmp" "$file"
    start_ca "$org"
    wait_for "$WAIT_TIMEOUT" "ca-$org listening" listening "$(org_ip "$org")" "$(ca_port "$org")"
    log "backed up ${ORG_MSP[$org]}'s crypto material and CA to $file ($(du -h "$file" | cut -f1), $(elapsed "$t0") s)"
    echo "backup_file=$file"
}

# check_backup_ca ORG CERT WORK : CERT (the CA certificate in a backup) is one of the root
# certificates the channel's configuration holds for ORG's MSP (fetched as another
# organisation's admin into WORK); dies otherwise, before anything is changed.
check_backup_ca() {
    local org=$1 cert=$2 work=$3 ref want root found=false
    [[ -f "$cert" ]] || die "restore: the backup holds no CA certificate (ca-$org/ca-cert.pem); nothing was changed"
    want=$(openssl x509 -in "$cert" -noout -fingerprint -sha256 2>/dev/null) ||
        die "restore: the backup's ca-$org/ca-cert.pem is no certificate; nothing was changed"
    for ref in "${ORGS[@]}"; do [[ $ref == "$org" ]] || break; done
    config_fetch "$ref" "$work"
    while read -r root; do
        [[ "$(base64 -d <<<"$root" | openssl x509 -noout -fingerprint -sha256 2>/dev/null)" == "$want" ]] && found=true
    done < <(jq -r --arg msp "${ORG_MSP[$org]}" '.. | objects | select(.name? == $msp and has("root_certs")) | .root_certs[]' "$work/config.json")
    $found || die "restore: the backup's CA is not a root of ${ORG_MSP[$org]} in the configuration of '$CHANNEL' (${want#*=}); nothing was changed"
}

# restore ORG FILE : ORG as on a fresh host — its crypto material and CA from a backup,
# its peer's ledger gone: the CA and the peer are stopped, the org's crypto folder, CA
# home and peer ledger removed, the backup unpacked, the CA started, and the peer started
# empty, joined to the channel from the genesis block, given the chaincode packages and
# caught up. First the backup's CA must be a root of ORG's MSP in the channel's
# configuration: a backup of another CA changes nothing.
cmd_restore() {
    local org=${1:-} file=${2:-} odir host t0 tmp
    [[ -n "$org" && -n "${ORG_MSP[$org]:-}" && -f "$file" ]] || die "restore ORG FILE: ORG is one of ${ORGS[*]}; FILE a backup"
    FABRIC_CA_BIN_DIR="$("$ROOT/scripts/fabric-ca.sh")" || die "no Fabric CA (scripts/fabric-ca.sh failed)"
    t0=$(now)
    odir=$(org_dir "$org")
    host=$(peer_host "$org")
    tmp=$(mktemp -d "$RUN_DIR/restore.XXXXXX")
    tar -xzf "$file" -C "$tmp" || die "restore: $file is not a backup tar.gz"
    [[ -d "$tmp/$(basename "$odir")" && -d "$tmp/ca-$org" ]] || die "restore: $file holds no backup of ${ORG_MSP[$org]}"
    (check_backup_ca "$org" "$tmp/ca-$org/ca-cert.pem" "$tmp/channel-config") || { rm -rf "$tmp"; exit 1; }
    stop_named "$host"
    stop_named "ca-$org"
    rm -rf "$odir" "$(ca_home "$org")" "${NODES:?}/$host"
    # On hosts: a fresh host. Everything of the organisation stops (with bft its orderer,
    # whose ledger goes too: it replicates the channel from the other orderers), and its
    # namespace is made anew.
    local bft_orderer=false
    if hosts_mode; then
        if [[ "$ORDERING" == bft ]]; then
            bft_orderer=true
            stop_named "$(orderer_name "$org")"
            rm -rf "${NODES:?}/$(orderer_name "$org")"
        fi
        pid_of "$(peer_host "$org" 1)" >/dev/null && die "restore on hosts: stop $(peer_host "$org" 1) first (it runs on the host being replaced)"
        host_remove "$org"
        host_make "$org"
        log "restore: $(ns_name "$org") made anew ($(org_ip "$org"))"
    fi
    mv "$tmp/$(basename "$odir")" "$odir"
    mv "$tmp/ca-$org" "$(ca_home "$org")"
    rm -rf "$tmp"
    start_ca "$org"
    wait_for "$WAIT_TIMEOUT" "ca-$org listening" listening "$(org_ip "$org")" "$(ca_port "$org")"
    if $bft_orderer; then rejoin_orderer "$org"; fi
    start_peer "$org"
    wait_for "$WAIT_TIMEOUT" "$host health" healthy "$(peer_ops_port "$org")" "$(org_ip "$org")"
    wait_for "$WAIT_TIMEOUT" "$host listening" listening "$(org_ip "$org")" "$(peer_port "$org")"
    join_and_catch_up "$org" 0
    log "restored ${ORG_MSP[$org]} from $file: CA up, $host rejoined '$CHANNEL' and reached height $CAUGHT_UP_HEIGHT ($(elapsed "$t0") s)"
    echo "restore_seconds=$(elapsed "$t0")"
}

# rejoin_orderer ORG : ORG's orderer, its ledger empty, started and joined to the channel
# with the genesis block (osnadmin, as ORG's admin); it replicates the channel's blocks
# from the other orderers. Waits until it reports the height of the Manufacturer's peer
# (the Certifier's for the Manufacturer).
rejoin_orderer() {
    local org=$1 name admin_tls ref target
    name=$(orderer_name "$org")
    admin_tls=$(orderer_admin_tls "$org")
    start_orderer "$org"
    wait_for "$WAIT_TIMEOUT" "$(orderer_host "$org") health" healthy "$(orderer_ops_port "$org")" "$(org_ip "$org")"
    wait_for "$WAIT_TIMEOUT" "$(orderer_host "$org") admin listening" listening "$(org_ip "$org")" "$(orderer_admin_port "$org")"
    osn() {
        fab osnadmin channel "$@" -o "$(org_ip "$org"):$(orderer_admin_port "$org")" --ca-file "$(orderer_dir "$org")/tls/ca.crt" \
            --client-cert "$admin_tls/client.crt" --client-key "$admin_tls/client.key"
    }
    osn join --channelID "$CHANNEL" --config-block "$CHANNEL_BLOCK" >"$LOGS/osnadmin-rejoin-$name.log" 2>&1 ||
        { cat "$LOGS/osnadmin-rejoin-$name.log" >&2; die "osnadmin channel join on $(orderer_host "$org") failed"; }
    ref=manufacturer
    [[ $org != manufacturer ]] || ref=certifier
    target=$(as_admin "$ref" peer channel getinfo -c "$CHANNEL" 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p')
    orderer_caught_up() {
        local info h
        info=$(osn list --channelID "$CHANNEL" 2>/dev/null) || return 1
        h=$(sed -n 's/.*"height": *\([0-9]*\).*/\1/p' <<<"$info" | head -n 1)
        # A consenter again (not onboarding), with every block.
        grep -q '"status": *"active"' <<<"$info" && grep -q '"consensusRelation": *"consenter"' <<<"$info" &&
            [[ -n "$h" ]] && ((h >= target))
    }
    wait_for "$WAIT_TIMEOUT" "$(orderer_host "$org") to replicate the channel up to height $target" orderer_caught_up
    log "$(orderer_host "$org") rejoined '$CHANNEL' from the genesis block and replicated $target blocks"
}

main() {
    local cmd=${1:-help}
    (($#)) && shift
    case "$cmd" in
    up) cmd_up "$@" ;;
    deploy) cmd_deploy "$@" ;;
    status) cmd_status "$@" ;;
    down) cmd_down "$@" ;;
    channel) cmd_channel "$@" ;;
    crl) cmd_crl "$@" ;;
    remove) cmd_remove "$@" ;;
    snapshot) cmd_snapshot "$@" ;;
    add-peer) cmd_add_peer "$@" ;;
    rotate-tls) cmd_rotate_tls "$@" ;;
    rotate-orderer-tls) cmd_rotate_orderer_tls "$@" ;;
    backup) cmd_backup "$@" ;;
    restore) cmd_restore "$@" ;;
    help | -h | --help) usage ;;
    *) usage >&2; exit 2 ;;
    esac
}

main "$@"

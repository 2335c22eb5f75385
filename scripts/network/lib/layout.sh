# shellcheck shell=bash
# Sourced by scripts/network.sh. Where everything is: a run's recorded settings
# (network.env), ports, host names, addresses and folders of every node.

# Every port and address is the layout's (topology/src/layout.rs), declared by
# nanotrace-topology (lib/consortium.sh): PEER_PORT, PEER1_PORT, CA_PORT,
# ORDERER_NODE_PORT, ORG_IP, … by organisation.
ORDERER_PORT=${ORDERER_NODE_PORT[$ORDERER_ORG]}
ORDERER_ADMIN_PORT=${ORDERER_NODE_ADMIN_PORT[$ORDERER_ORG]}
ORDERER_OPS_PORT=${ORDERER_NODE_OPS_PORT[$ORDERER_ORG]}
# Peer N (0, or 1: the second peer `add-peer` makes) of an org.
peer_port() { if ((${2:-0})); then echo "${PEER1_PORT[$1]}"; else echo "${PEER_PORT[$1]}"; fi; }
peer_cc_port() { if ((${2:-0})); then echo "${PEER1_CC_PORT[$1]}"; else echo "${PEER_CC_PORT[$1]}"; fi; }
peer_ops_port() { if ((${2:-0})); then echo "${PEER1_OPS_PORT[$1]}"; else echo "${PEER_OPS_PORT[$1]}"; fi; }
# Each organisation's Fabric CA (the ordering organisation's too).
ca_port() { echo "${CA_PORT[$1]}"; }
ca_ops_port() { echo "${CA_OPS_PORT[$1]}"; }

CRYPTO="$RUN_DIR/crypto"
ORDERER_ORG_DIR="$CRYPTO/ordererOrganizations/orderer.$DOMAIN"
ORDERER_HOST="orderer0.orderer.$DOMAIN"
ORDERER_DIR="$ORDERER_ORG_DIR/orderers/$ORDERER_HOST"
ORDERER_CA="$ORDERER_DIR/tls/ca.crt"
ORDERER_ADMIN_TLS="$ORDERER_ORG_DIR/users/Admin@orderer.$DOMAIN/tls"
# The orderers (ORDERER_ORGS): load_consortium lists them.
orderer_host() { if [[ $1 == orderer ]]; then echo "$ORDERER_HOST"; else echo "orderer0.$1.$DOMAIN"; fi; }
orderer_dir() { if [[ $1 == orderer ]]; then echo "$ORDERER_DIR"; else echo "$(org_dir "$1")/orderers/$(orderer_host "$1")"; fi; }
orderer_port() { echo "${ORDERER_NODE_PORT[$1]}"; }
orderer_admin_port() { echo "${ORDERER_NODE_ADMIN_PORT[$1]}"; }
orderer_ops_port() { echo "${ORDERER_NODE_OPS_PORT[$1]}"; }
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
# SUBNET, HOST_IP (this machine as the organisations see it: where chaincode servers
# listen) and each organisation's address (ORG_IP) are the layout's.
# BRIDGE and NS_PREFIX: nanotrace-topology bash (the layout's bridge() and namespace_prefix()).
ns_name() { echo "$NS_PREFIX$1"; }
org_number() { if [[ $1 == "$ORDERER_ORG" ]]; then echo 0; else echo "${ORG_INDEX[$1]}"; fi; }
# The address ORG's nodes listen on and clients on this machine dial.
org_ip() { echo "${ORG_IP[$1]}"; }
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

# shellcheck shell=bash
# Sourced by scripts/network.sh. The files a run leaves for its clients: network.env and
# the connection profiles.

write_network_env() {
    {
        echo "# Written by scripts/network.sh up; read by deploy/status. Sourceable."
        echo "NANOTRACE_FABRIC_RUN_DIR=$RUN_DIR"
        echo "NANOTRACE_FABRIC_PORT_BASE=$PORT_BASE"
        echo "NANOTRACE_FABRIC_CHANNEL=$CHANNEL"
        echo "NANOTRACE_FABRIC_ORDERING=$ORDERING"
        echo "NANOTRACE_FABRIC_HOSTS=$HOSTS"
        echo "NANOTRACE_FABRIC_CONSORTIUM=$CONSORTIUM"
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
            echo "${up}_ADMIN_MSP=$(org_dir "$org")/users/Admin@$(org_domain "$org")/msp"
            has_peer "$org" || continue
            echo "${up}_PEER_ADDRESS=$(peer_addr "$org")"
            echo "${up}_PEER_OPERATIONS_ADDRESS=$(org_ip "$org"):$(peer_ops_port "$org")"
            echo "${up}_PEER1_OPERATIONS_ADDRESS=$(org_ip "$org"):$(peer_ops_port "$org" 1)"
            echo "${up}_PEER_SERVER_NAME=$(peer_host "$org")"
            echo "${up}_PEER_TLS_CA=$(peer_tls_ca "$org")"
        done
        for org in "${CA_ORGS[@]}"; do
            up=${org^^}
            echo "${up}_CA_URL=https://$(ca_addr "$org")"
            echo "${up}_CA_TLS_ROOT=$(ca_cert "$org")"
        done
    } >"$RUN_DIR/network.env"
}

# One connection profile per org user: <run dir>/profiles/<org>-<user>.yaml, written by
# nanotrace-topology through the Gateway client's own type (network/profiles/README.md).
write_profiles() {
    topology profiles --run-dir "$RUN_DIR" --channel "$CHANNEL" --chaincode "$PROFILE_CHAINCODE" "$@" ||
        die "cannot write the connection profiles"
}

# shellcheck shell=bash
# Sourced by scripts/network.sh. The files a run leaves for its clients: network.json /
# network.env and the connection profiles.

# network.json and network.env: what the network tells its clients (its orderers, peers,
# CAs, TLS roots, admins), typed and as KEY=value lines, written by nanotrace-topology
# (topology/src/run_file.rs) from the consortium and its layout.
write_network_env() {
    topology run-file --run-dir "$RUN_DIR" --channel "$CHANNEL" --fabric-bin-dir "$FABRIC_BIN_DIR" \
        --fabric-cfg-dir "$FABRIC_CFG_DIR" || die "cannot write network.env"
}

# One connection profile per org user: <run dir>/profiles/<org>-<user>.yaml, written by
# nanotrace-topology through the Gateway client's own type (network/profiles/README.md).
write_profiles() {
    topology profiles --run-dir "$RUN_DIR" --channel "$CHANNEL" --chaincode "$PROFILE_CHAINCODE" "$@" ||
        die "cannot write the connection profiles"
}

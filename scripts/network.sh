#!/usr/bin/env bash
# NanoTrace's local Hyperledger Fabric 3.1 network: plain processes on 127.0.0.1,
# no Docker. One Raft orderer (OrdererMSP) and three peers, one per org:
# ManufacturerMSP (applicants), CertifierMSP (the certification body),
# RegulatorMSP (regulators and customs). One channel, `nanotrace`.
# Chaincodes run as services (CCaaS) that the peers dial, with mutual TLS.
#
#   scripts/network.sh up [--hosts]            # crypto, channel, nodes, joins, gossip
#                                              # (--hosts: one network namespace per org)
#   scripts/network.sh deploy NAME --address 127.0.0.1:$(scripts/network.sh service-port 0) [--server CMD ARGS...]
#                                              # (service ports: B+300 … B+399 of the layout)
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
# The functions by concern (scripts/network/lib, in this order: later ones use earlier
# ones' settings) and one file per command (scripts/network/cmd), as Fabric's own test
# network splits its scripts. What is bash here starts processes and calls Fabric's
# binaries.
for part in settings log run-settings consortium layout hosts fabric processes crypto channel nodes run-files config-update peers tls; do
    # shellcheck source=/dev/null
    . "$ROOT/scripts/network/lib/$part.sh"
done
for part in "$ROOT"/scripts/network/cmd/*.sh; do
    # shellcheck source=/dev/null
    . "$part"
done


main() {
    local cmd=${1:-help}
    (($#)) && shift
    case "$cmd" in
    up) cmd_up "$@" ;;
    deploy) cmd_deploy "$@" ;;
    approve) cmd_approve "$@" ;;
    commit) cmd_commit "$@" ;;
    status) cmd_status "$@" ;;
    down) cmd_down "$@" ;;
    channel) cmd_channel "$@" ;;
    crl) cmd_crl "$@" ;;
    remove) cmd_remove "$@" ;;
    snapshot) cmd_snapshot "$@" ;;
    add-peer) cmd_add_peer "$@" ;;
    add-org) cmd_add_org "$@" ;;
    make-host) cmd_make_host "$@" ;;
    prepare-org) cmd_prepare_org "$@" ;;
    propose-org) cmd_propose_org "$@" ;;
    inspect-update) cmd_inspect_update "$@" ;;
    sign-update) cmd_sign_update "$@" ;;
    submit-update) cmd_submit_update "$@" ;;
    join-org) cmd_join_org "$@" ;;
    remove-org) cmd_remove_org "$@" ;;
    rotate-tls) cmd_rotate_tls "$@" ;;
    rotate-orderer-tls) cmd_rotate_orderer_tls "$@" ;;
    backup) cmd_backup "$@" ;;
    restore) cmd_restore "$@" ;;
    service-port) cmd_service_port "$@" ;;
    port-base) cmd_port_base "$@" ;;
    help | -h | --help) usage ;;
    *) usage >&2; exit 2 ;;
    esac
}

main "$@"

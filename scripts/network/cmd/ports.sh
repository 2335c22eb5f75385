# shellcheck shell=bash
# Sourced by scripts/network.sh: `service-port N` and `port-base NAME`: ports for other
# scripts, answered by nanotrace-topology (topology/src/layout.rs,
# topology/src/port_bases.rs), so that no script adds to a port base.

# service-port N : the port of service N (0 … 99) beside this run folder's network,
# B+300+N: where a chaincode server or a verifier listens.
cmd_service_port() {
    (($# == 1)) || die "usage: service-port N (0 … 99)"
    topology service-port "$1" || die "service-port: no service port $1 (above)"
}

# port-base NAME : the port base of the network NAME (a test suite's, a benchmark's or
# `developer`) from the one table of them (topology/README.md).
cmd_port_base() {
    (($# == 1)) || die "usage: port-base NAME (nanotrace-topology port-base lists them)"
    "$TOPOLOGY_BIN" port-base "$1" || die "port-base: no network named $1 (above)"
}

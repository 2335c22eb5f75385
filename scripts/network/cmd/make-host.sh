# shellcheck shell=bash
# Sourced by scripts/network.sh: `make-host ENTRY`: with --hosts, the machine a joining
# organisation runs its own commands on, made before them (`prepare-org` makes it too
# when it is not there).

# make-host ENTRY : the host of the organisation of ENTRY (a YAML file holding its entry,
# as in the consortium file's `organizations`): its network namespace on the bridge at its
# address, and every host's /etc/hosts naming it. Nothing of the channel changes.
cmd_make_host() {
    local entry=${1:-} org
    [[ -n "$entry" && -f "$entry" ]] ||
        die "make-host ENTRY: ENTRY is a YAML file holding the organisation's entry, as in the consortium file's 'organizations' (got '$entry')"
    (($# <= 1)) || die "make-host: unknown argument '$2' (make-host ENTRY)"
    hosts_mode || die "make-host: this network has no hosts of its own (up --hosts)"
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    grow_consortium "$entry" make-host
    rm -f "$GROWN"
    org=${ORGS[-1]}
    [[ ! -e "/run/netns/$(ns_name "$org")" ]] || die "make-host: $org's host $(ns_name "$org") exists already"
    host_make "$org"
    hosts_refresh
    log "host $(ns_name "$org") at $(org_ip "$org"); every host's /etc/hosts names it"
}

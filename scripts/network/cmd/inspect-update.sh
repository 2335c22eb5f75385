# shellcheck shell=bash
# Sourced by scripts/network.sh: `inspect-update FILE --org ORG`: what a channel
# configuration update changes, in words, read on ORG's host with ORG's own admin
# identity (the channel's configuration fetched as ORG): the organisations, policies and
# values it adds, removes or changes, an added organisation's CA roots by fingerprint.
# sign-update shows the same before it signs.

cmd_inspect_update() {
    update_args inspect-update "$@"
    network_healthy || die "the network is not up (run folder $RUN_DIR)"
    update_summary "$UPDATE_FILE" "$UPDATE_ORG"
}

# shellcheck shell=bash
# Sourced by scripts/network.sh: `down [--keep]`: stops everything; purges the run folder.

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

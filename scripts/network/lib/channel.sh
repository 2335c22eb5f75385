# shellcheck shell=bash
# Sourced by scripts/network.sh. The channel's configuration (configtx.yaml, from the
# consortium) and its genesis block (configtxgen), Raft or SmartBFT.

# configtx.yaml for this run folder, written by nanotrace-topology from the consortium
# (topology/src/configtx.rs): every organisation's definition, its anchor peer and
# orderers, this run's ports and addresses and the tuning knobs; into DIR (default the run
# folder's config/).
write_configtx() {
    local cfg=${1:-$RUN_DIR/config} tuning=()
    mkdir -p "$cfg"
    [[ -z "$BATCH_TIMEOUT" ]] || tuning+=(--batch-timeout "$BATCH_TIMEOUT")
    [[ -z "$MAX_MESSAGE_COUNT" ]] || tuning+=(--max-message-count "$MAX_MESSAGE_COUNT")
    [[ -z "$PREFERRED_MAX_BYTES" ]] || tuning+=(--preferred-max-bytes "$PREFERRED_MAX_BYTES")
    [[ -z "$ABSOLUTE_MAX_BYTES" ]] || tuning+=(--absolute-max-bytes "$ABSOLUTE_MAX_BYTES")
    topology configtx --run-dir "$RUN_DIR" "${tuning[@]}" >"$cfg/configtx.yaml.new" ||
        die "cannot write configtx.yaml from the consortium"
    mv "$cfg/configtx.yaml.new" "$cfg/configtx.yaml"
}

# The channel's genesis block (configtxgen), Raft or SmartBFT.
generate_channel_block() {
    local cfg="$RUN_DIR/config"
    mkdir -p "$(dirname "$CHANNEL_BLOCK")"
    write_configtx
    local profile=NanoTraceChannel
    [[ "$ORDERING" != bft ]] || profile=NanoTraceChannelBFT
    log "channel '$CHANNEL' genesis block (configtxgen, BatchTimeout $(awk '/^ *BatchTimeout:/ { print $2; exit }' "$cfg/configtx.yaml"))"
    FABRIC_CFG_PATH="$cfg" FABRIC_LOGGING_SPEC=warning "$FABRIC_BIN_DIR/configtxgen" \
        -profile "$profile" -channelID "$CHANNEL" -outputBlock "$CHANNEL_BLOCK" >/dev/null 2>"$LOGS/configtxgen.log" ||
        { cat "$LOGS/configtxgen.log" >&2; die "configtxgen failed"; }
}

# shellcheck shell=bash
# Sourced by scripts/network.sh. The channel's genesis block (configtxgen), Raft or
# SmartBFT.

# Renders configtx.yaml for this run folder, ports and BatchTimeout, and makes
# the channel's genesis block.
generate_channel_block() {
    local cfg="$RUN_DIR/config"
    mkdir -p "$cfg" "$(dirname "$CHANNEL_BLOCK")"
    # configtx.yaml names the ports of the default port base (17050): the orderer's, and
    # each organisation's peer at 17050 + 10 * its port index.
    local ports=(-e "s/\b17050\b/$ORDERER_PORT/g") org
    for org in "${ORGS[@]}"; do
        grep -q "ID: ${ORG_MSP[$org]}\$" "$CONFIGTX" ||
            die "configtx.yaml defines no organisation ${ORG_MSP[$org]}: the consortium's organisations are those of configtx.yaml for now"
        ports+=(-e "s/\b$((17050 + 10 * ORG_INDEX[$org]))\b/$(peer_port "$org")/g")
    done
    sed -e "s#\.run/fabric/#$RUN_DIR/#g" "${ports[@]}" "$CONFIGTX" >"$cfg/configtx.yaml"
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

# bft_profile CONFIGTX : each orderer-running organisation's orderer as its delivery
# endpoint, and the profile NanoTraceChannelBFT (SmartBFT, the orderers as consenters,
# each of their organisations also an orderer organisation) appended to the rendered
# configtx.yaml.
bft_profile() {
    local file=$1 org id=1 batch
    local msp
    for org in "${ORDERER_ORGS[@]}"; do
        [[ $org == orderer ]] && continue
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
        # configtx.yaml's anchor of each organisation is its MSP ID.
        echo "      Organizations:"
        for org in "${ORDERER_ORGS[@]}"; do echo "        - *$(orderer_msp "$org")"; done
        echo "    Application:"
        echo "      <<: *ApplicationDefaults"
        echo "      Organizations:"
        for org in "${ORGS[@]}"; do echo "        - *${ORG_MSP[$org]}"; done
    } >>"$file"
}

# shellcheck shell=bash
# Sourced by scripts/network.sh. Fabric's binaries: the check that they are there, and
# running them as an organisation's admin.

# ------------------------------------------------------------ binaries ----

fabric_install_hint() {
    cat >&2 <<EOF
[network] Fabric 3.1 binaries are not part of this repository. Get Fabric's official release:
[network]   - Fabric's install script:   ./install-fabric.sh --fabric-version 3.1.5 binary
[network]     (it writes bin/ and config/ into the current folder), or
[network]   - the release tarball hyperledger-fabric-linux-amd64-3.1.5.tar.gz
[network] and unpack it so that bin/ and config/ land in $FABRIC_HOME_DEFAULT
[network] (bin: peer orderer osnadmin configtxgen configtxlator; config: core.yaml orderer.yaml).
[network] Or point FABRIC_BIN_DIR (and FABRIC_CFG_DIR) at the folders where they are.
EOF
}

check_fabric() {
    local tool missing=()
    for tool in peer orderer osnadmin configtxgen; do
        [[ -x "$FABRIC_BIN_DIR/$tool" ]] || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        log "ERROR: missing Fabric binaries in FABRIC_BIN_DIR=$FABRIC_BIN_DIR: ${missing[*]}"
        fabric_install_hint
        exit 1
    fi
    local f
    for f in core.yaml orderer.yaml; do
        if [[ ! -f "$FABRIC_CFG_DIR/$f" ]]; then
            log "ERROR: no $f in FABRIC_CFG_DIR=$FABRIC_CFG_DIR (Fabric's default config/ folder of the release)"
            fabric_install_hint
            exit 1
        fi
    done
    local version
    version=$(FABRIC_CFG_PATH="$FABRIC_CFG_DIR" "$FABRIC_BIN_DIR/peer" version 2>/dev/null |
        awk '/^ Version:/ { print $2; exit }') || true
    if [[ "$version" != 3.1.* ]]; then
        log "ERROR: $FABRIC_BIN_DIR/peer reports version '${version:-unknown}', this network needs Fabric 3.1.x"
        fabric_install_hint
        exit 1
    fi
    for tool in curl openssl tar gzip sha256sum; do
        command -v "$tool" >/dev/null || die "$tool is needed and not installed"
    done
}

# Runs a Fabric binary with Fabric's default config and quiet logging.
fab() {
    local tool=$1
    shift
    FABRIC_CFG_PATH="$FABRIC_CFG_DIR" FABRIC_LOGGING_SPEC="${FABRIC_CLI_LOG_SPEC:-grpc=error:warning}" \
        "$FABRIC_BIN_DIR/$tool" "$@"
}

# The peer CLI acting as ORG's admin against ORG's peer: `as_admin ORG peer ...`.
as_admin() {
    local org=$1
    shift
    CORE_PEER_LOCALMSPID="${ORG_MSP[$org]}" \
        CORE_PEER_MSPCONFIGPATH="$(org_dir "$org")/users/Admin@$(org_domain "$org")/msp" \
        CORE_PEER_ADDRESS="$(peer_addr "$org" "${AS_PEER:-0}")" \
        CORE_PEER_TLS_ENABLED=true \
        CORE_PEER_TLS_ROOTCERT_FILE="$(peer_tls_ca "$org")" \
        fab "$@"
}

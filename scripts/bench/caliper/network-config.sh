#!/usr/bin/env bash
# Writes Caliper's network configuration (version 2.0.0, fabric-gateway connector) and a
# common connection profile for one client identity, from the run folder of a network
# started by scripts/network.sh (scripts/bench/fabric.sh's: .run/bench-fabric).
#
# Usage: network-config.sh RUN_DIR OUT_DIR [PROFILE]
#   PROFILE: the run folder's connection profile to take the identity and gateway peer from
#            (default manufacturer-dave; its identity is named 'dave' for the workloads)
# Writes OUT_DIR/networkconfig.yaml and OUT_DIR/ccp.yaml; prints the first one's path.
# Contracts: asset-go and asset-rs (CALIPER_CONTRACTS to change: space-separated names).
set -euo pipefail
RUN_DIR="${1:?usage: network-config.sh RUN_DIR OUT_DIR [PROFILE]}"
OUT_DIR="${2:?usage: network-config.sh RUN_DIR OUT_DIR [PROFILE]}"
PROFILE="${3:-manufacturer-dave}"
src="$RUN_DIR/profiles/$PROFILE.yaml"
[ -f "$src" ] || { echo "network-config.sh: no connection profile $src (is the network up?)" >&2; exit 1; }

# field SECTION KEY: the value of "  KEY:" under the top-level "SECTION:" of our profile
# format (network/profiles/README.md), or of the top-level "KEY:" when SECTION is empty.
field() {
  awk -v sec="$1" -v key="$2" '
    /^[^ #-][^:]*:/ { cur = $1; sub(/:$/, "", cur)
                      if (sec == "" && cur == key) { sub(/^[^:]*:[ ]*/, ""); print; exit } }
    sec != "" && cur == sec && $0 ~ "^  " key ":" { sub(/^[^:]*:[ ]*/, ""); print; exit }
  ' "$src"
}
channel=$(field "" channel)
msp=$(field identity msp_id)
cert=$(field identity cert)
key=$(field identity key)
address=$(field gateway address)
server=$(field gateway server_name)
ca=$(field gateway tls_ca_cert)
user=${PROFILE#*-}
for v in channel msp cert key address server ca; do
  [ -n "${!v}" ] || { echo "network-config.sh: no $v in $src" >&2; exit 1; }
done

mkdir -p "$OUT_DIR"
cat >"$OUT_DIR/ccp.yaml" <<YAML
# Common connection profile for Caliper, written by scripts/bench/caliper/network-config.sh from $src
name: nanotrace-bench-$PROFILE
version: "1.0.0"
client:
  organization: $msp
organizations:
  $msp:
    mspid: $msp
    peers:
      - $server
channels:
  $channel:
    peers:
      $server: {}
peers:
  $server:
    url: grpcs://$address
    tlsCACerts:
      path: $ca
    grpcOptions:
      ssl-target-name-override: $server
YAML

{
  echo "# Caliper network configuration, written by scripts/bench/caliper/network-config.sh from $src"
  echo "name: nanotrace-bench"
  echo 'version: "2.0.0"'
  echo "caliper:"
  echo "  blockchain: fabric"
  echo "  sutOptions:"
  echo "    mutualTls: false"
  echo "channels:"
  echo "  - channelName: $channel"
  echo "    contracts:"
  for c in ${CALIPER_CONTRACTS:-asset-go asset-rs}; do
    echo "      - id: $c"
  done
  echo "organizations:"
  echo "  - mspid: $msp"
  echo "    identities:"
  echo "      certificates:"
  echo "        - name: $user"
  echo "          clientPrivateKey:"
  echo "            path: $key"
  echo "          clientSignedCert:"
  echo "            path: $cert"
  echo "    connectionProfile:"
  echo "      path: $OUT_DIR/ccp.yaml"
  echo "      discover: true"
} >"$OUT_DIR/networkconfig.yaml"
echo "$OUT_DIR/networkconfig.yaml"

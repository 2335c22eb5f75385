# shellcheck shell=bash
# Sourced by scripts/network.sh: `help`: every command, option and variable.

usage() {
    cat <<EOF
NanoTrace local Fabric 3.1 network (plain processes on 127.0.0.1, no Docker).

usage: scripts/network.sh up [--hosts] | deploy NAME --address HOST:PORT [...] | channel NAME [...] | crl ORG CRL.pem
                          | remove ORG NAME [...] | snapshot ORG | add-peer ORG [--snapshot DIR]
                          | make-host ENTRY | prepare-org ENTRY | propose-org FILE --org MEMBER | add-org ENTRY | inspect-update FILE --org ORG | sign-update FILE --org ORG | submit-update FILE --org ORG | join-org ORG
                          | remove-org ORG [--org MEMBER]
                          | rotate-tls ORG | rotate-orderer-tls ORG | backup ORG FILE | restore ORG FILE
                          | approve NAME --org ORG [--policy EXPR] [--package FILE] | commit NAME --org ORG [--policy EXPR]
                          | status | down [--keep] | service-port N | port-base NAME | help

  up       start a Fabric CA per organisation and issue every node's and user's identity
           from it, configtxgen, start 1 Raft orderer and 3 peers (Manufacturer,
           Certifier, Regulator), join channel '$CHANNEL', wait for health and gossip,
           write connection profiles. A no-op when this run folder's network is up.
           --hosts: each organisation a host of its own (Linux network namespace
           nt<B>-<org>, address 10.<B/256>.<B%256>.10-13 on bridge ntbr<B>, every node
           dialled by its host name; root only). Chaincode servers then listen on
           NANOTRACE_FABRIC_CHAINCODE_HOST (network.env), the bridge's address.
  deploy   package a CCaaS chaincode, install/approve/commit it (see below)
  approve NAME --org ORG [--policy EXPR] [--package FILE]
           on ORG's host, with ORG's admin identity alone: install the package (default
           the one 'deploy' made) on ORG's peer and approve NAME's next sequence under the
           consortium's endorsement policy as it stands now (after a join or a departure);
           prints the approvals so far and the next step
  commit NAME --org ORG [--policy EXPR]
           on ORG's host: commit that sequence once a majority of the organisations that
           run peers approved it; refused, naming who has not, when short of it
  status   processes, ports, block heights, chaincodes, profiles; for each chaincode
           whether its committed definition's endorsement policy still names the
           members that run peers ("definition current") or not ("definition stale":
           after a join or a departure, until a new sequence is approved)
  crl ORG CRL.pem
           put a CRL (nanotrace ca revoke --crl-out) into ORG's MSP definition on the
           channel (config update by ORG's admin), so that every peer refuses the
           certificates it lists; needs configtxlator (Fabric's release) and jq
  remove ORG NAME [--reason R] [--admin-profile PROFILE]
           remove member NAME of ORG for real: revoke every contract role of NAME
           (as PROFILE [profiles/$GOVERNING_ORG-admin.yaml], the contract's admin), revoke NAME
           at ORG's CA and put the new CRL on the channel (crl); then every peer refuses
           NAME. Uses the nanotrace CLI (NANOTRACE_BIN, PATH or target/debug/nanotrace)
  snapshot ORG
           a ledger snapshot of ORG's peer at its last block (peer snapshot submitrequest);
           prints snapshot_dir= and snapshot_block= once it is complete
  add-peer ORG [--snapshot DIR]
           a second peer of ORG (peer1, ports base+400+10*i..+2), its identity from ORG's CA,
           joined to the channel from a snapshot (peer channel joinbysnapshot: no replay of
           the blocks before it) or, without --snapshot, from the genesis block; waits until
           it has the channel's height; writes ORG-USER-peer1 connection profiles
  make-host ENTRY
           with --hosts: the joining organisation's host (its network namespace on the
           bridge, every host's /etc/hosts naming it), the machine it then runs its own
           commands on; prepare-org makes it when it is not there
  prepare-org ENTRY
           the newcomer's part of joining, on its own host (docs/RUNBOOK.md): ENTRY is a
           YAML file with its entry, as in the consortium file's 'organizations'. Starts
           its Fabric CA, issues its identities, and writes the one file it hands over,
           <run>/updates/ORG.definition.json: its entry, its MSP definition as configtxgen
           -printOrg writes it from its own MSP folder and, with bft and 'orderer: true',
           its orderer endpoint and consenter entry; prints definition=FILE
  propose-org FILE --org MEMBER
           a member's part, on its own host, with MEMBER's admin identity: writes the
           unsigned configuration update that adds the organisation of FILE to the channel
           and, when it runs peers, counts it in the lifecycle and default endorsement
           policies (nanotrace-topology application-policies); with its orderer, adds it
           to the consenter set too: prints update=<run>/updates/add-ORG.pb,
           signatures_needed=N (members) and orderer_signatures_needed=M (ordering
           organisations; 0 when the ordering service does not change)
  add-org ENTRY
           prepare-org and propose-org at once, on one machine (the first member that
           runs peers proposes)
  inspect-update FILE --org ORG
           what the configuration update FILE changes in the channel, in words, read with
           ORG's own admin identity: the groups (organisations), policies and values it
           adds, removes or changes; an added organisation's MSP ID, CA roots (subject and
           SHA-256 fingerprint, to check with it out of band), anchor peers and endpoints;
           and whether it was made against an older configuration
  sign-update FILE --org ORG
           shows what FILE changes (as inspect-update), then ORG's admin adds its signature
           to it (peer channel signconfigtx); the file is then passed on to the next
           organisation
  submit-update FILE --org ORG
           ORG's admin sends FILE to the ordering service, after checking that it carries
           a majority of the member organisations' admins' signatures (its own included),
           and of the ordering organisations' when it changes the ordering service;
           waits until every peer has it. For an add-org update the run's consortium then
           grows: network.env, configtx.yaml and the connection profiles name the new
           organisation (without peers: its members use the gateway its entry names, by
           default the governing organisation's)
  remove-org ORG [--org MEMBER]
           an organisation leaves the running channel (retire it in the contract first:
           nanotrace retire-org MSP --reason R): writes the unsigned update that takes its
           MSP definition out and its peers out of the endorsement policies (its orderer out
           of the consenter set, refused below four), signed and sent as above;
           submit-update then stops its nodes. It keeps its place in the
           run's consortium (retired: true), so the others keep their ports
  join-org ORG [--snapshot DIR]
           the nodes of an organisation that joined start: its orderer (bft) joins with
           the latest configuration block and replicates the chain until it is an active
           consenter; its peer joins the channel (from a snapshot or the genesis block),
           gets every chaincode package and catches up;
           then each chaincode's new sequence: 'approve' on each host that runs peers
           (the new organisation's too, so that its peer endorses), 'commit' by one
  rotate-tls ORG
           a new TLS key and certificate for ORG's peer from ORG's CA (reenroll, tls
           profile), the peer restarted with them; prints old_serial= and new_serial=
  rotate-orderer-tls ORG [--keep-key]
           a new TLS certificate for ORG's orderer (orderer, or with bft an organisation)
           from ORG's CA. --keep-key: for the same key, the orderer restarted with it.
           Otherwise a new key: a channel configuration update names it in the consenter
           set (signed by every orderer organisation's admin), then the orderer restarts
           with it (needs bft: a single Raft orderer cannot). Prints old_serial= and
           new_serial=
  backup ORG FILE
           ORG's crypto material and Fabric CA (home and database) in one tar.gz (the CA
           stopped for the copy)
  restore ORG FILE
           ORG as on a fresh host: crypto material and CA from FILE, the peer's ledger
           rebuilt by joining the channel from its genesis block
  channel NAME [--profile PROFILE]
           opt-in: another channel from configtx.yaml's PROFILE [NanoTraceChannel] on the
           running network, joined by the orderer and the peers (NanoTraceChannelV2:
           channel capability V2_0 instead of V3_0)
  down     stop every process started from this run folder (SIGTERM, then SIGKILL
           after NANOTRACE_FABRIC_STOP_TIMEOUT s); removes the run folder unless --keep.
           Safe when nothing runs.
  service-port N
           print the port of service N (0 … 99) beside this run folder's network: B+300+N
           of the layout, which no node takes (chaincode servers, verifiers), e.g.
           deploy NAME --address 127.0.0.1:\$(scripts/network.sh service-port 0)
  port-base NAME
           print the port base of the network NAME (developer, a test suite's or a
           benchmark's: nanotrace-topology port-base lists them) from the one table of
           them, whose spans never overlap (topology/README.md)

$(deploy_usage)

Environment (defaults in brackets):
  FABRIC_BIN_DIR               Fabric binaries [\$HOME/.local/share/fabric/bin]
  FABRIC_CFG_DIR               Fabric's default core.yaml/orderer.yaml [\$HOME/.local/share/fabric/config]
  NANOTRACE_FABRIC_RUN_DIR     everything generated at run time [<repo>/.run/fabric]
  NANOTRACE_FABRIC_PORT_BASE   port base B [17050]: orderer B, admin B+1, operations B+2;
                               Manufacturer peer B+10 (chaincode listener B+11, operations B+12),
                               Certifier B+20.., Regulator B+30..; services B+300.. (service-port);
                               the network takes B … B+699 (topology/README.md)
  NANOTRACE_FABRIC_CHANNEL     channel name [nanotrace]
  NANOTRACE_FABRIC_ORDERING    raft (one orderer) or bft (SmartBFT, four orderers) [raft]
  NANOTRACE_FABRIC_HOSTS       1: as up --hosts [0]
  NANOTRACE_FABRIC_BATCH_TIMEOUT  orderer BatchTimeout override [configtx.yaml's]
  NANOTRACE_FABRIC_MAX_MESSAGE_COUNT / _PREFERRED_MAX_BYTES / _ABSOLUTE_MAX_BYTES
                               orderer BatchSize overrides, e.g. 10, "512 KB" [configtx.yaml's]
  NANOTRACE_FABRIC_PEER_ENV / NANOTRACE_FABRIC_ORDERER_ENV
                               extra VAR=value words for the peers / the orderer (tuning,
                               e.g. "GOGC=400 CORE_PEER_VALIDATORPOOLSIZE=1") [none]
  NANOTRACE_FABRIC_CC_POLICY   default endorsement policy for deploy
  NANOTRACE_FABRIC_CHAINCODE   chaincode name written into profiles [nanotrace]
  NANOTRACE_FABRIC_LOG_SPEC    FABRIC_LOGGING_SPEC of the nodes [info]
  NANOTRACE_FABRIC_WAIT_TIMEOUT / NANOTRACE_FABRIC_STOP_TIMEOUT  seconds [90 / 10]

Run folder: logs/ (one per node and chaincode server), pids/, nodes/ (ledgers),
crypto/, channel/, profiles/<org>-<user>.yaml, chaincode/NAME/{env,tls/,NAME.tar.gz},
network.json (addresses, TLS roots, admins; typed) and network.env (the same, sourceable),
consortium.yaml (the run's own), updates/ (add-org / remove-org updates).
EOF
}

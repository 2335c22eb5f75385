//! The channel's configuration as Fabric's `configtxgen` reads it (`configtx.yaml`),
//! made from the consortium and its layout: every organisation's MSP definition and
//! policies, the orderers, and the profiles `scripts/network.sh` makes channels from.
//! Written through the typed sections below rather than edited with `sed`, so that a
//! consortium of any size gets a complete file, and an organisation that joins a running
//! channel gets the same definition (`configtxgen -printOrg`) as the ones it began with.
//!
//! The profiles:
//! - `NanoTraceChannel`: Raft, the ordering organisation's one orderer;
//! - `NanoTraceChannelBFT`: SmartBFT, the ordering organisation's orderer and one of each
//!   organisation that runs one (each of them an orderer organisation too);
//! - `NanoTraceChannelV2`: as `NanoTraceChannel` with the channel capability V2_0 instead
//!   of V3_0 (a Fabric 2.x channel; tests show what V3_0 enables with it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::consortium::Consortium;
use crate::layout::{Layout, Ordering};

/// What an operator may tune per run (`NANOTRACE_FABRIC_BATCH_TIMEOUT`, …); `None`: the
/// defaults below.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tuning {
    /// How long the orderer waits for more transactions before it cuts a block.
    pub batch_timeout: Option<String>,
    /// The most transactions in a block.
    pub max_message_count: Option<u32>,
    /// The size a block aims at.
    pub preferred_max_bytes: Option<String>,
    /// The size no block exceeds.
    pub absolute_max_bytes: Option<String>,
}

/// The time the orderer waits for more transactions before cutting a block. At low load
/// it is most of a commit's latency; measured on the sample network (network/README.md):
/// BatchTimeout 2s / 250ms / 100ms / 50ms gave a median committed submit through the
/// Gateway of – / 279 / 127 / 81 ms, and smaller blocks cost no measurable throughput.
pub const DEFAULT_BATCH_TIMEOUT: &str = "50ms";

/// `configtx.yaml`: the organisations and the profiles.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConfigTx {
    /// Every organisation's definition (what `configtxgen -printOrg` prints).
    pub organizations: Vec<OrgDefinition>,
    /// The channel profiles by name.
    pub profiles: BTreeMap<String, Profile>,
}

/// A signature or implicit-meta policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    /// `Signature` or `ImplicitMeta`.
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// The rule in Fabric's policy language.
    pub rule: String,
}

impl Policy {
    fn signature(rule: String) -> Policy {
        Policy { kind: "Signature", rule }
    }

    fn implicit(rule: &str) -> Policy {
        Policy { kind: "ImplicitMeta", rule: rule.to_owned() }
    }
}

/// A policy set by name (`Readers`, `Writers`, `Admins`, …).
pub type Policies = BTreeMap<&'static str, Policy>;

/// A capability set (`V3_0: true`).
pub type Capabilities = BTreeMap<&'static str, bool>;

/// An anchor peer: where the other organisations' peers find this one's through gossip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AnchorPeer {
    /// Its host name, or 127.0.0.1 on one machine.
    pub host: String,
    /// Its port.
    pub port: u16,
}

/// One organisation's definition on the channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrgDefinition {
    /// Its MSP ID (Fabric's `Name` of the organisation's group).
    pub name: String,
    /// Its MSP ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Its MSP folder (the CA's root, NodeOUs).
    #[serde(rename = "MSPDir")]
    pub msp_dir: PathBuf,
    /// Its policies: by role, from the NodeOUs of its certificates.
    pub policies: Policies,
    /// Its orderers' addresses (the ordering organisation's, and with SmartBFT every
    /// organisation's that runs one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub orderer_endpoints: Vec<String>,
    /// Its anchor peer (none for an organisation without peers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub anchor_peers: Vec<AnchorPeer>,
}

/// A consenter: where it listens and its TLS certificate (Raft's whole entry).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Consenter {
    /// Its host.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// Its TLS certificate as a client of the cluster.
    #[serde(rename = "ClientTLSCert")]
    pub client_tls_cert: PathBuf,
    /// Its TLS certificate as a server.
    #[serde(rename = "ServerTLSCert")]
    pub server_tls_cert: PathBuf,
}

/// Raft's settings.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EtcdRaft {
    /// The consenters.
    pub consenters: Vec<Consenter>,
    /// Raft's timing.
    pub options: BTreeMap<&'static str, serde_json::Value>,
}

/// A SmartBFT consenter.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BftConsenter {
    /// Its number in the consenter set, from 1.
    #[serde(rename = "ID")]
    pub id: u32,
    /// Its organisation.
    #[serde(rename = "MSPID")]
    pub msp_id: String,
    /// Its signing certificate.
    pub identity: PathBuf,
    /// Where it listens, its TLS certificate.
    #[serde(flatten)]
    pub endpoint: Consenter,
}

/// How many transactions, and how many bytes, a block holds.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchSize {
    /// The most transactions.
    pub max_message_count: u32,
    /// The size no block exceeds.
    pub absolute_max_bytes: String,
    /// The size a block aims at.
    pub preferred_max_bytes: String,
}

/// The ordering section of a profile.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrdererSection {
    /// `etcdraft` or `BFT`.
    pub orderer_type: &'static str,
    /// See [`DEFAULT_BATCH_TIMEOUT`].
    pub batch_timeout: String,
    /// See [`BatchSize`].
    pub batch_size: BatchSize,
    /// Raft's consenters and timing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etcd_raft: Option<EtcdRaft>,
    /// SmartBFT's consenters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub consenter_mapping: Vec<BftConsenter>,
    /// SmartBFT's timing.
    #[serde(rename = "SmartBFT", skip_serializing_if = "BTreeMap::is_empty")]
    pub smart_bft: BTreeMap<&'static str, serde_json::Value>,
    /// The orderer organisations.
    pub organizations: Vec<OrgDefinition>,
    /// The ordering group's policies.
    pub policies: Policies,
    /// The orderers' capabilities.
    pub capabilities: Capabilities,
}

/// The application section of a profile: the member organisations and the chaincode
/// policies.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplicationSection {
    /// The member organisations.
    pub organizations: Vec<OrgDefinition>,
    /// The application group's policies.
    pub policies: Policies,
    /// The peers' capabilities.
    pub capabilities: Capabilities,
}

/// A channel profile.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Profile {
    /// The channel group's policies.
    pub policies: Policies,
    /// The channel's capabilities.
    pub capabilities: Capabilities,
    /// Its ordering.
    pub orderer: OrdererSection,
    /// Its members.
    pub application: ApplicationSection,
}

impl ConfigTx {
    /// The configuration of `consortium`'s channel on `layout`, its crypto material in
    /// `run_dir/crypto` (scripts/network.sh's layout, that of Fabric's cryptogen).
    pub fn new(consortium: &Consortium, layout: &Layout, run_dir: &Path, tuning: &Tuning) -> ConfigTx {
        let paths = Paths { consortium, layout, crypto: run_dir.join("crypto") };
        let bft = layout.ordering == Ordering::Bft;
        let ordering = &consortium.ordering;
        let ordering_def = OrgDefinition {
            name: ordering.msp_id.clone(),
            id: ordering.msp_id.clone(),
            msp_dir: paths.ordering_org_dir().join("msp"),
            policies: member_policies(&ordering.msp_id, &["member"], &["member"]),
            orderer_endpoints: vec![paths.orderer_endpoint(&ordering.name)],
            anchor_peers: Vec::new(),
        };
        let members: Vec<OrgDefinition> =
            consortium.members().map(|org| paths.member_definition(&org.name, bft)).collect();
        let batch = || BatchSize {
            max_message_count: tuning.max_message_count.unwrap_or(500),
            absolute_max_bytes: tuning.absolute_max_bytes.clone().unwrap_or_else(|| "10 MB".into()),
            preferred_max_bytes: tuning.preferred_max_bytes.clone().unwrap_or_else(|| "2 MB".into()),
        };
        let batch_timeout = tuning.batch_timeout.clone().unwrap_or_else(|| DEFAULT_BATCH_TIMEOUT.into());
        let raft = OrdererSection {
            orderer_type: "etcdraft",
            batch_timeout: batch_timeout.clone(),
            batch_size: batch(),
            etcd_raft: Some(paths.raft()),
            consenter_mapping: Vec::new(),
            smart_bft: BTreeMap::new(),
            organizations: vec![ordering_def.clone()],
            policies: orderer_policies(),
            capabilities: BTreeMap::from([("V2_0", true)]),
        };
        let application = ApplicationSection {
            organizations: members.clone(),
            policies: application_policies(consortium),
            capabilities: BTreeMap::from([("V2_5", true)]),
        };
        let channel = |capability: &'static str, orderer: OrdererSection| Profile {
            policies: channel_policies(),
            capabilities: BTreeMap::from([(capability, true)]),
            orderer,
            application: application.clone(),
        };
        let mut profiles = BTreeMap::new();
        // V3_0: needed for Ed25519 identities (and drops the legacy system channel).
        profiles.insert("NanoTraceChannel".to_owned(), channel("V3_0", raft.clone()));
        profiles.insert("NanoTraceChannelV2".to_owned(), channel("V2_0", raft));
        if bft {
            let orderer_orgs: Vec<OrgDefinition> = std::iter::once(ordering_def.clone())
                .chain(
                    consortium
                        .members()
                        .zip(&members)
                        .filter(|(org, _)| paths.runs_orderer(&org.name))
                        .map(|(_, def)| def.clone()),
                )
                .collect();
            let bft_section = OrdererSection {
                orderer_type: "BFT",
                batch_timeout: batch_timeout.clone(),
                batch_size: batch(),
                etcd_raft: None,
                consenter_mapping: paths.bft_consenters(),
                smart_bft: smart_bft(&batch_timeout),
                organizations: orderer_orgs,
                policies: orderer_policies(),
                capabilities: BTreeMap::from([("V2_0", true)]),
            };
            profiles.insert("NanoTraceChannelBFT".to_owned(), channel("V3_0", bft_section));
        }
        let mut organizations = vec![ordering_def];
        organizations.extend(members);
        ConfigTx { organizations, profiles }
    }

    /// Organisation `org`'s own definitions alone, for `configtxgen -printOrg` on its own
    /// host (no other organisation's MSP folder is read): as a member of the channel,
    /// named by its MSP ID, without orderer endpoints (configtxgen then prints the
    /// Application group's form, with its anchor peer); and, when it runs a SmartBFT
    /// orderer, as an ordering organisation named `<MSP ID>-orderer` (the Orderer group's
    /// form, with its endpoint). With its entry in the consenter mapping then. `None` when
    /// the consortium has no member `org`.
    pub fn organization_alone(
        consortium: &Consortium,
        layout: &Layout,
        run_dir: &Path,
        org: &str,
    ) -> Option<(ConfigTx, Option<BftConsenter>)> {
        let member = consortium.members().find(|o| o.name == org)?;
        let paths = Paths { consortium, layout, crypto: run_dir.join("crypto") };
        let bft = layout.ordering == Ordering::Bft;
        let ordering = paths.member_definition(org, bft);
        let mut application = ordering.clone();
        application.orderer_endpoints.clear();
        let mut organizations = vec![application];
        let mut consenter = None;
        if bft && paths.runs_orderer(org) {
            organizations.push(OrgDefinition { name: format!("{}-orderer", member.msp_id), ..ordering });
            consenter = paths.bft_consenters().into_iter().find(|c| c.msp_id == member.msp_id);
        }
        Some((ConfigTx { organizations, profiles: BTreeMap::new() }, consenter))
    }

    /// The file as YAML, with a header that says where it comes from.
    pub fn to_yaml(&self) -> Result<String, yaml_serde::Error> {
        let body = yaml_serde::to_string(self)?;
        Ok(format!(
            "# configtx.yaml of this run folder, written by `nanotrace-topology configtx` from the\n\
             # consortium file (topology/src/configtx.rs says what each part is and why).\n{body}"
        ))
    }
}

/// Where the organisations' crypto material and nodes are.
struct Paths<'a> {
    consortium: &'a Consortium,
    layout: &'a Layout,
    crypto: PathBuf,
}

impl Paths<'_> {
    fn domain(&self) -> &str {
        &self.consortium.domain
    }

    fn ordering_org_dir(&self) -> PathBuf {
        let ordering = &self.consortium.ordering.name;
        self.crypto.join("ordererOrganizations").join(format!("{ordering}.{}", self.domain()))
    }

    fn org_dir(&self, org: &str) -> PathBuf {
        self.crypto.join("peerOrganizations").join(format!("{org}.{}", self.domain()))
    }

    fn orderer_host(&self, org: &str) -> String {
        format!("orderer0.{org}.{}", self.domain())
    }

    fn orderer_dir(&self, org: &str) -> PathBuf {
        let base = if org == self.consortium.ordering.name { self.ordering_org_dir() } else { self.org_dir(org) };
        base.join("orderers").join(self.orderer_host(org))
    }

    fn runs_orderer(&self, org: &str) -> bool {
        self.layout.organization(org).is_some_and(|o| o.orderer.is_some())
    }

    /// How nodes dial a host: its name with one host per organisation, else 127.0.0.1.
    fn dial(&self, host: String) -> String {
        if self.layout.hosts {
            host
        } else {
            "127.0.0.1".to_owned()
        }
    }

    fn orderer_port(&self, org: &str) -> u16 {
        self.layout.organization(org).and_then(|o| o.orderer).map_or(0, |o| o.listen)
    }

    fn orderer_endpoint(&self, org: &str) -> String {
        format!("{}:{}", self.dial(self.orderer_host(org)), self.orderer_port(org))
    }

    fn member_definition(&self, org: &str, bft: bool) -> OrgDefinition {
        let msp_id = self.consortium.organization(org).map(|o| o.msp_id.clone()).unwrap_or_default();
        let orderer = bft && self.runs_orderer(org);
        // Regulators may submit at the channel level too: the contract decides what each
        // role may do. An organisation's SmartBFT orderer reads the channel (it pulls
        // blocks from the other orderers) and writes to it (SmartBFT checks the signatures
        // of view changes against Writers).
        let (readers, writers): (&[&str], &[&str]) = if orderer {
            (&["admin", "peer", "client", "orderer"], &["admin", "client", "orderer"])
        } else {
            (&["admin", "peer", "client"], &["admin", "client"])
        };
        let mut policies = member_policies(&msp_id, readers, writers);
        policies.insert("Endorsement", Policy::signature(format!("OR('{msp_id}.peer')")));
        let anchor_peers = self
            .layout
            .organization(org)
            .and_then(|o| o.peer)
            .map(|p| AnchorPeer { host: self.dial(format!("peer0.{org}.{}", self.domain())), port: p.listen })
            .into_iter()
            .collect();
        OrgDefinition {
            name: msp_id.clone(),
            id: msp_id,
            msp_dir: self.org_dir(org).join("msp"),
            policies,
            orderer_endpoints: if orderer { vec![self.orderer_endpoint(org)] } else { Vec::new() },
            anchor_peers,
        }
    }

    /// `org`'s orderer as a consenter: its TLS server certificate serves as both its
    /// client and server certificate in the cluster.
    fn consenter(&self, org: &str) -> Consenter {
        let tls = self.orderer_dir(org).join("tls/server.crt");
        Consenter {
            host: self.dial(self.orderer_host(org)),
            port: self.orderer_port(org),
            client_tls_cert: tls.clone(),
            server_tls_cert: tls,
        }
    }

    fn raft(&self) -> EtcdRaft {
        // One consenter: the ordering organisation's orderer.
        EtcdRaft {
            consenters: vec![self.consenter(&self.consortium.ordering.name)],
            options: BTreeMap::from([
                ("TickInterval", "500ms".into()),
                ("ElectionTick", 10.into()),
                ("HeartbeatTick", 1.into()),
                ("MaxInflightBlocks", 5.into()),
                ("SnapshotIntervalSize", "16 MB".into()),
            ]),
        }
    }

    fn bft_consenters(&self) -> Vec<BftConsenter> {
        let ordering = &self.consortium.ordering;
        // A consenter's number never changes while the channel runs: numbered over every
        // organisation that ever ran one (a retired one keeps its number, unused).
        std::iter::once((ordering.name.as_str(), ordering.msp_id.as_str(), false))
            .chain(
                self.consortium
                    .organizations
                    .iter()
                    .filter(|o| o.orderer && (o.retired || self.runs_orderer(&o.name)))
                    .map(|o| (o.name.as_str(), o.msp_id.as_str(), o.retired)),
            )
            .zip(1..)
            .filter(|((_, _, retired), _)| !retired)
            .map(|((org, msp_id, _), id)| BftConsenter {
                id,
                msp_id: msp_id.to_owned(),
                identity: self
                    .orderer_dir(org)
                    .join("msp/signcerts")
                    .join(format!("{}-cert.pem", self.orderer_host(org))),
                endpoint: self.consenter(org),
            })
            .collect()
    }
}

/// Readers, Writers and Admins of one organisation, by the NodeOU roles of its
/// certificates (each organisation's MSP config.yaml enables NodeOUs).
fn member_policies(msp_id: &str, readers: &[&str], writers: &[&str]) -> Policies {
    let any = |roles: &[&str]| {
        let principals: Vec<String> = roles.iter().map(|r| format!("'{msp_id}.{r}'")).collect();
        Policy::signature(format!("OR({})", principals.join(", ")))
    };
    BTreeMap::from([("Readers", any(readers)), ("Writers", any(writers)), ("Admins", any(&["admin"]))])
}

/// The channel group's and the ordering group's common policies: any member reads and
/// writes, a majority of the organisations' admins changes the configuration.
fn channel_policies() -> Policies {
    BTreeMap::from([
        ("Readers", Policy::implicit("ANY Readers")),
        ("Writers", Policy::implicit("ANY Writers")),
        ("Admins", Policy::implicit("MAJORITY Admins")),
    ])
}

fn orderer_policies() -> Policies {
    let mut policies = channel_policies();
    policies.insert("BlockValidation", Policy::implicit("ANY Writers"));
    policies
}

/// The application group's policies. Approving a chaincode definition
/// (LifecycleEndorsement) needs a majority of the organisations that run peers; a
/// chaincode deployed without a policy of its own (Endorsement) needs two of them
/// ([`Consortium::default_endorsement_policy`]). Both are explicit signature policies
/// over the organisations that run peers rather than `MAJORITY Endorsement`, which counts
/// every member and so could never be met once most members are manufacturers without
/// peers.
fn application_policies(consortium: &Consortium) -> Policies {
    BTreeMap::from([
        ("LifecycleEndorsement", Policy::signature(consortium.lifecycle_policy())),
        ("Endorsement", Policy::signature(consortium.default_endorsement_policy())),
        ("Readers", Policy::implicit("ANY Readers")),
        ("Writers", Policy::implicit("ANY Writers")),
        ("Admins", Policy::implicit("MAJORITY Admins")),
    ])
}

/// SmartBFT's timing: short enough that a test sees a view change within seconds.
fn smart_bft(batch_timeout: &str) -> BTreeMap<&'static str, serde_json::Value> {
    BTreeMap::from([
        ("RequestBatchMaxInterval", batch_timeout.into()),
        ("RequestForwardTimeout", "2s".into()),
        ("RequestComplainTimeout", "4s".into()),
        ("RequestAutoRemoveTimeout", "3m0s".into()),
        ("ViewChangeResendInterval", "2s".into()),
        ("ViewChangeTimeout", "5s".into()),
        ("LeaderHeartbeatTimeout", "4s".into()),
        ("LeaderHeartbeatCount", 4.into()),
        ("CollectTimeout", "1s".into()),
        ("IncomingMessageBufferSize", 200.into()),
        ("RequestPoolSize", 100_000.into()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(hosts: bool, ordering: Ordering) -> ConfigTx {
        let consortium = Consortium::sample();
        let layout = Layout::new(&consortium, 17050, hosts, ordering).expect("layout");
        ConfigTx::new(&consortium, &layout, Path::new("/run"), &Tuning::default())
    }

    #[test]
    fn the_sample_on_one_machine_keeps_what_the_hand_written_file_had() {
        let c = sample(false, Ordering::Raft);
        let ids: Vec<&str> = c.organizations.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["OrdererMSP", "ManufacturerMSP", "CertifierMSP", "RegulatorMSP"]);
        let m = &c.organizations[1];
        assert_eq!(m.msp_dir, Path::new("/run/crypto/peerOrganizations/manufacturer.nanotrace.test/msp"));
        assert_eq!(m.anchor_peers, vec![AnchorPeer { host: "127.0.0.1".into(), port: 17060 }]);
        assert_eq!(m.policies["Writers"].rule, "OR('ManufacturerMSP.admin', 'ManufacturerMSP.client')");
        assert_eq!(m.policies["Endorsement"].rule, "OR('ManufacturerMSP.peer')");
        assert!(m.orderer_endpoints.is_empty());
        assert_eq!(c.organizations[0].orderer_endpoints, ["127.0.0.1:17050"]);
        let profile = &c.profiles["NanoTraceChannel"];
        assert_eq!(profile.capabilities, BTreeMap::from([("V3_0", true)]));
        assert_eq!(c.profiles["NanoTraceChannelV2"].capabilities, BTreeMap::from([("V2_0", true)]));
        assert!(!c.profiles.contains_key("NanoTraceChannelBFT"), "BFT only when ordered so");
        assert_eq!(profile.orderer.batch_timeout, "50ms");
        let raft = profile.orderer.etcd_raft.as_ref().expect("raft");
        assert_eq!((raft.consenters[0].host.as_str(), raft.consenters[0].port), ("127.0.0.1", 17050));
        assert_eq!(
            profile.application.policies["LifecycleEndorsement"].rule,
            "OutOf(2,'ManufacturerMSP.peer','CertifierMSP.peer','RegulatorMSP.peer')"
        );
        let yaml = c.to_yaml().expect("yaml");
        for needle in ["MSPDir: /run/crypto", "ID: CertifierMSP", "OrdererType: etcdraft", "ClientTLSCert:"] {
            assert!(yaml.contains(needle), "{needle} in\n{yaml}");
        }
    }

    #[test]
    fn bft_with_hosts_names_every_orderer_and_lets_it_read_and_write() {
        let c = sample(true, Ordering::Bft);
        let bft = &c.profiles["NanoTraceChannelBFT"].orderer;
        assert_eq!(bft.orderer_type, "BFT");
        let consenters: Vec<(u32, &str, u16)> =
            bft.consenter_mapping.iter().map(|c| (c.id, c.endpoint.host.as_str(), c.endpoint.port)).collect();
        assert_eq!(
            consenters,
            [
                (1, "orderer0.orderer.nanotrace.test", 17050),
                (2, "orderer0.manufacturer.nanotrace.test", 17066),
                (3, "orderer0.certifier.nanotrace.test", 17076),
                (4, "orderer0.regulator.nanotrace.test", 17086),
            ]
        );
        assert_eq!(bft.organizations.len(), 4, "each orderer's organisation orders");
        let cert = &c.organizations[2];
        assert_eq!(cert.orderer_endpoints, ["orderer0.certifier.nanotrace.test:17076"]);
        assert!(cert.policies["Writers"].rule.contains("'CertifierMSP.orderer'"));
        assert_eq!(cert.anchor_peers[0].host, "peer0.certifier.nanotrace.test");
        assert_eq!(bft.smart_bft["RequestBatchMaxInterval"], "50ms");
        assert_eq!(
            bft.consenter_mapping[2].identity,
            Path::new(
                "/run/crypto/peerOrganizations/certifier.nanotrace.test/orderers/orderer0.certifier.nanotrace.test/msp/signcerts/orderer0.certifier.nanotrace.test-cert.pem"
            )
        );
    }

    #[test]
    fn an_organisation_without_peers_has_no_anchor_and_does_not_count_for_endorsement() {
        let mut consortium = Consortium::sample();
        let mut small = consortium.organizations[0].clone();
        small.name = "smallco".into();
        small.msp_id = "SmallCoMSP".into();
        small.peers = 0;
        small.orderer = false;
        small.company_prefixes = vec!["4012345".into()];
        small.users = vec!["sam".into()];
        consortium.organizations.push(small);
        let layout = Layout::new(&consortium, 17050, false, Ordering::Raft).expect("layout");
        let tuning = Tuning { batch_timeout: Some("2s".into()), max_message_count: Some(10), ..Tuning::default() };
        let c = ConfigTx::new(&consortium, &layout, Path::new("/run"), &tuning);
        let small = c.organizations.iter().find(|o| o.id == "SmallCoMSP").expect("listed");
        assert!(small.anchor_peers.is_empty());
        let profile = &c.profiles["NanoTraceChannel"];
        assert_eq!(profile.application.organizations.len(), 4, "a member of the channel");
        assert!(!profile.application.policies["Endorsement"].rule.contains("SmallCoMSP"));
        assert_eq!((profile.orderer.batch_timeout.as_str(), profile.orderer.batch_size.max_message_count), ("2s", 10));
    }
}

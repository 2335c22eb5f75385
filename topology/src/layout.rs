//! Where every node of a network listens: the port layout of a consortium for a port
//! base, and the address of each organisation (127.0.0.1, or with one host per
//! organisation its own address on the network's bridge). Defined once here, and used by
//! the modules that write it out (never the other way round): `scripts/network.sh` takes
//! these numbers as bash declarations (the `shell` module) or asks the binary for one
//! (`nanotrace-topology service-port N`), and the test harness reads them as this type.
//!
//! From the port base B (each organisation has a port index i, from 1, its place in the
//! consortium file):
//!
//! | ports | what |
//! |---|---|
//! | B, B+1, B+2 | the ordering organisation's orderer: listen, admin, operations |
//! | B+4, B+5 | the ordering organisation's Fabric CA, its operations |
//! | B+10i, +1, +2 | organisation i's peer0: listen, chaincode, operations |
//! | B+10i+4, +5 | its Fabric CA, its operations |
//! | B+10i+6, +7, +8 | its SmartBFT orderer: listen, admin, operations |
//! | B+300 … B+399 | services beside the network (chaincode servers, verifiers, …): [`Layout::service_port`] |
//! | B+400+10i, +1, +2 | organisation i's second peer (`network.sh add-peer`) |
//!
//! So a network takes ports B … B+699, up to [`MAX_ORGANIZATIONS`] organisations. The
//! bases the developer's network, the test suites and the benchmarks use are one table,
//! `port_bases::PORT_BASES` (which reads this module, not the other way round), whose
//! spans never overlap (tested).

use serde::{Deserialize, Serialize};

use crate::consortium::Consortium;
use crate::error::TopologyError;

/// The most member organisations a port layout has room for.
pub const MAX_ORGANIZATIONS: usize = 28;
/// The ports of services beside the network start here (from the port base).
pub const SERVICE_OFFSET: u16 = 300;
/// How many service ports there are.
pub const SERVICE_PORTS: u16 = 100;
/// The second peers' ports start here (from the port base).
pub const SECOND_PEER_OFFSET: u16 = 400;
/// The ports a network takes from its base.
pub const SPAN: u16 = 700;

/// How the channel is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ordering {
    /// One Raft orderer, the ordering organisation's.
    Raft,
    /// SmartBFT: the ordering organisation's orderer and one of each organisation that
    /// runs one.
    Bft,
}

/// A peer's ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PeerPorts {
    /// Where it listens (the Gateway and gossip).
    pub listen: u16,
    /// Where chaincode connects (unused by CCaaS, still reserved).
    pub chaincode: u16,
    /// Its operations service (`/healthz`, metrics).
    pub operations: u16,
}

/// An orderer's ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OrdererPorts {
    /// Where it listens (Broadcast and Deliver).
    pub listen: u16,
    /// Its channel participation (admin) service.
    pub admin: u16,
    /// Its operations service.
    pub operations: u16,
}

/// A Fabric CA's ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CaPorts {
    /// Its REST API (TLS).
    pub listen: u16,
    /// Its operations service.
    pub operations: u16,
}

/// One organisation's place in the layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgLayout {
    /// Its short name.
    pub name: String,
    /// Its MSP ID.
    pub msp_id: String,
    /// Its port index (from 1; 0 for the ordering organisation).
    pub index: u16,
    /// The address its nodes listen on and clients on this machine dial.
    pub ip: String,
    /// Its first peer (none for the ordering organisation).
    pub peer: Option<PeerPorts>,
    /// The ports its second peer takes when one is added.
    pub second_peer: Option<PeerPorts>,
    /// Its Fabric CA.
    pub ca: CaPorts,
    /// Its orderer, when it runs one.
    pub orderer: Option<OrdererPorts>,
}

/// Every organisation's ports and address for one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layout {
    /// The port base.
    pub port_base: u16,
    /// Whether each organisation is a host of its own (a network namespace).
    pub hosts: bool,
    /// How the channel is ordered.
    pub ordering: Ordering,
    /// The address of this machine on the network's bridge (127.0.0.1 without hosts):
    /// where services beside the network listen for the organisations' nodes.
    pub host_ip: String,
    /// The ordering organisation.
    pub ordering_organization: OrgLayout,
    /// The member organisations, in port-index order.
    pub organizations: Vec<OrgLayout>,
}

impl Layout {
    /// The layout of `consortium` from `port_base`, on one machine or with one host per
    /// organisation (`hosts`); refused when its ports do not fit under 65536 or below 1024,
    /// or the consortium has more organisations than the layout has room for.
    pub fn new(
        consortium: &Consortium,
        port_base: u16,
        hosts: bool,
        ordering: Ordering,
    ) -> Result<Layout, TopologyError> {
        let invalid = |field: &str, message: String| TopologyError::Invalid {
            origin: "the port layout".into(),
            field: field.into(),
            message,
        };
        if port_base < 1024 || u32::from(port_base) + u32::from(SPAN) > 65_535 {
            return Err(invalid(
                "port base",
                format!(
                    "{port_base}: a network takes ports base … base+{}, so the base is 1024 … {}",
                    SPAN - 1,
                    65_535 - SPAN
                ),
            ));
        }
        if consortium.organizations.len() > MAX_ORGANIZATIONS {
            return Err(invalid(
                "organizations",
                format!(
                    "{} organisations: the port layout has room for {MAX_ORGANIZATIONS}",
                    consortium.organizations.len()
                ),
            ));
        }
        let subnet = subnet(port_base);
        let ip = |index: u16| if hosts { format!("{subnet}.{}", 10 + index) } else { "127.0.0.1".to_owned() };
        let peer = |at: u16| PeerPorts { listen: at, chaincode: at + 1, operations: at + 2 };
        let orderer = |at: u16| OrdererPorts { listen: at, admin: at + 1, operations: at + 2 };
        let ordering_organization = OrgLayout {
            name: consortium.ordering.name.clone(),
            msp_id: consortium.ordering.msp_id.clone(),
            index: 0,
            ip: ip(0),
            peer: None,
            second_peer: None,
            ca: CaPorts { listen: port_base + 4, operations: port_base + 5 },
            orderer: Some(orderer(port_base)),
        };
        let organizations = consortium
            .organizations
            .iter()
            .zip(1u16..)
            .map(|(org, index)| {
                let block = port_base + 10 * index;
                OrgLayout {
                    name: org.name.clone(),
                    msp_id: org.msp_id.clone(),
                    index,
                    ip: ip(index),
                    peer: (org.peers > 0).then(|| peer(block)),
                    second_peer: (org.peers > 0).then(|| peer(port_base + SECOND_PEER_OFFSET + 10 * index)),
                    ca: CaPorts { listen: block + 4, operations: block + 5 },
                    orderer: (ordering == Ordering::Bft && org.orderer).then(|| orderer(block + 6)),
                }
            })
            .collect();
        Ok(Layout {
            port_base,
            hosts,
            ordering,
            host_ip: if hosts { format!("{subnet}.1") } else { "127.0.0.1".to_owned() },
            ordering_organization,
            organizations,
        })
    }

    /// The organisation named `name` (the ordering organisation's name included).
    pub fn organization(&self, name: &str) -> Option<&OrgLayout> {
        std::iter::once(&self.ordering_organization).chain(&self.organizations).find(|o| o.name == name)
    }

    /// The organisation whose MSP ID is `msp_id`.
    pub fn by_msp_id(&self, msp_id: &str) -> Option<&OrgLayout> {
        std::iter::once(&self.ordering_organization).chain(&self.organizations).find(|o| o.msp_id == msp_id)
    }

    /// The `n`th port for a service beside the network (a chaincode server, a verifier …),
    /// `n` below [`SERVICE_PORTS`].
    pub fn service_port(&self, n: u16) -> u16 {
        self.try_service_port(n).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The `n`th service port, B+300+n, or why there is none (`n` not below
    /// [`SERVICE_PORTS`]): `nanotrace-topology service-port N` prints it for the scripts.
    pub fn try_service_port(&self, n: u16) -> Result<u16, TopologyError> {
        if n >= SERVICE_PORTS {
            return Err(TopologyError::Invalid {
                origin: "the port layout".into(),
                field: "service port".into(),
                message: format!("{n}: there are {SERVICE_PORTS} (0 … {}), B+{SERVICE_OFFSET}+n", SERVICE_PORTS - 1),
            });
        }
        Ok(self.port_base + SERVICE_OFFSET + n)
    }

    /// The network's subnet with one host per organisation: `10.<B/256>.<B%256>` (without
    /// the last byte; the network is its `.0/24`).
    pub fn subnet(&self) -> String {
        subnet(self.port_base)
    }

    /// What every host's network namespace is called, before the organisation's name:
    /// `nt<B>-` (B the port base; its bridge is `ntbr<B>`).
    pub fn namespace_prefix(&self) -> String {
        format!("nt{}-", self.port_base)
    }

    /// The network namespace that is organisation `org`'s host, with one host per
    /// organisation (`nt<B>-<org>`); `None` on 127.0.0.1.
    pub fn namespace(&self, org: &str) -> Option<String> {
        self.hosts.then(|| format!("{}{org}", self.namespace_prefix()))
    }

    /// The bridge the hosts are on: `ntbr<B>`.
    pub fn bridge(&self) -> String {
        format!("ntbr{}", self.port_base)
    }

    /// Every port of the layout, with what it is (for a check that none is taken twice).
    pub fn ports(&self) -> Vec<(u16, String)> {
        let mut out = Vec::new();
        for org in std::iter::once(&self.ordering_organization).chain(&self.organizations) {
            for (what, p) in [("peer0", org.peer), ("peer1", org.second_peer)] {
                if let Some(p) = p {
                    out.extend(
                        [p.listen, p.chaincode, p.operations].map(|port| (port, format!("{} {what}", org.name))),
                    );
                }
            }
            out.extend([org.ca.listen, org.ca.operations].map(|port| (port, format!("{} CA", org.name))));
            if let Some(o) = org.orderer {
                out.extend([o.listen, o.admin, o.operations].map(|port| (port, format!("{} orderer", org.name))));
            }
        }
        out
    }
}

/// 10.<B/256>.<B%256>.0/24: one subnet per port base, so two networks on one machine never
/// share addresses; .1 is this machine, .10 + i organisation i.
fn subnet(port_base: u16) -> String {
    format!("10.{}.{}", port_base >> 8, port_base & 255)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OrderingOrganization, Organization};

    #[test]
    fn the_sample_keeps_the_ports_the_network_always_had() {
        let l = Layout::new(&Consortium::sample(), 17050, false, Ordering::Raft).expect("layout");
        let m = l.organization("manufacturer").expect("manufacturer");
        assert_eq!(m.peer, Some(PeerPorts { listen: 17060, chaincode: 17061, operations: 17062 }));
        assert_eq!(m.ca, CaPorts { listen: 17064, operations: 17065 });
        assert_eq!(m.orderer, None, "no orderer of its own with Raft");
        assert_eq!(l.organization("regulator").and_then(|o| o.peer).map(|p| p.listen), Some(17080));
        assert_eq!(l.ordering_organization.orderer.map(|o| o.listen), Some(17050));
        assert_eq!(l.ordering_organization.ca.listen, 17054);
        assert_eq!(m.ip, "127.0.0.1");
        let bft = Layout::new(&Consortium::sample(), 17050, true, Ordering::Bft).expect("layout");
        let c = bft.by_msp_id("CertifierMSP").expect("certifier");
        assert_eq!(c.orderer, Some(OrdererPorts { listen: 17076, admin: 17077, operations: 17078 }));
        assert_eq!(c.ip, format!("10.{}.{}.12", 17050 >> 8, 17050 & 255));
        assert_eq!(bft.host_ip, format!("10.{}.{}.1", 17050 >> 8, 17050 & 255));
        assert_eq!(bft.subnet(), "10.66.154");
    }

    #[test]
    fn the_service_ports_are_b_plus_300_to_399_and_no_further() {
        let l = Layout::new(&Consortium::sample(), 57050, false, Ordering::Raft).expect("layout");
        assert_eq!(l.service_port(0), 57350);
        assert_eq!(l.try_service_port(SERVICE_PORTS - 1).expect("the last"), 57449);
        let e = l.try_service_port(SERVICE_PORTS).expect_err("past the last").to_string();
        assert!(e.contains("service port") && e.contains("there are 100"), "{e}");
    }

    #[test]
    fn no_port_is_taken_twice_even_with_the_most_organisations() {
        let sample = Consortium::sample();
        let template = sample.organizations[0].clone();
        let organizations: Vec<Organization> = (0..MAX_ORGANIZATIONS)
            .map(|i| Organization {
                name: format!("org{i}"),
                msp_id: format!("Org{i}MSP"),
                orderer: true,
                ..template.clone()
            })
            .collect();
        let big = Consortium {
            organizations,
            ordering: OrderingOrganization { name: "orderer".into(), msp_id: "OrdererMSP".into() },
            ..sample.clone()
        };
        let l = Layout::new(&big, 17050, false, Ordering::Bft).expect("layout");
        let mut ports = l.ports();
        ports.extend((0..SERVICE_PORTS).map(|n| (l.service_port(n), "a service".to_owned())));
        let mut seen = std::collections::HashMap::new();
        for (port, what) in &ports {
            if let Some(other) = seen.insert(*port, what) {
                panic!("port {port}: {what} and {other}");
            }
            assert!((17050..17050 + SPAN).contains(port), "{what} at {port} is inside the span");
        }
        let mut too_big = big.clone();
        too_big.organizations.push(Organization { name: "one-more".into(), msp_id: "OneMoreMSP".into(), ..template });
        let e = Layout::new(&too_big, 17050, false, Ordering::Raft).expect_err("too many").to_string();
        assert!(e.contains("has room for 28"), "{e}");
    }

    #[test]
    fn a_port_base_the_span_does_not_fit_is_refused() {
        let c = Consortium::sample();
        for base in [80, 1023, 65_000] {
            let e = Layout::new(&c, base, false, Ordering::Raft).expect_err("refused").to_string();
            assert!(e.contains("port base") && e.contains("1024 … 64835"), "{e}");
        }
        assert!(Layout::new(&c, 64_835, false, Ordering::Raft).is_ok());
    }
}

//! What a running network tells its clients: where its orderers, peers and CAs listen,
//! their TLS roots and host names, every organisation's admin. One type, written by
//! `nanotrace-topology run-file` into the run folder twice: `network.json`, which the
//! test harness reads as this type, and `network.env` (sourceable `KEY=value` lines,
//! [`RunFile::env`]), which `scripts/network.sh` and shell users read.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::consortium::Consortium;
use crate::error::TopologyError;
use crate::layout::{Layout, Ordering};

/// The name of the typed file in the run folder.
pub const JSON_FILE: &str = "network.json";
/// The name of the sourceable file in the run folder.
pub const ENV_FILE: &str = "network.env";

/// A running network, as its clients reach it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunFile {
    /// The run folder.
    pub run_dir: PathBuf,
    /// The port base of its layout.
    pub port_base: u16,
    /// The channel.
    pub channel: String,
    /// How the channel is ordered.
    pub ordering: Ordering,
    /// Each organisation a host of its own.
    pub hosts: bool,
    /// The consortium file the network is made of (the run's own copy).
    pub consortium: PathBuf,
    /// Where chaincode servers listen so that every organisation's peer reaches them.
    pub chaincode_host: String,
    /// Fabric's binaries.
    pub fabric_bin_dir: PathBuf,
    /// Fabric's default configuration.
    pub fabric_cfg_dir: PathBuf,
    /// The orderers: the ordering organisation's first, then (SmartBFT) the members'.
    pub orderers: Vec<OrdererEntry>,
    /// The member organisations.
    pub organizations: Vec<OrgEntry>,
    /// The ordering organisation's Fabric CA.
    pub ordering_ca: CaEntry,
}

/// An orderer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrdererEntry {
    /// Its organisation's name.
    pub org: String,
    /// Where clients reach it.
    pub address: String,
    /// Its admin endpoint (channel participation).
    pub admin_address: String,
    /// Its operations endpoint (`/healthz`, `/metrics`).
    pub operations_address: String,
    /// Its TLS root.
    pub tls_ca: PathBuf,
    /// The name its TLS certificate carries.
    pub server_name: String,
}

/// A member organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgEntry {
    /// Its short name.
    pub name: String,
    /// Its MSP ID.
    pub msp_id: String,
    /// Its admin's MSP folder.
    pub admin_msp: PathBuf,
    /// Its first peer (none: it runs no peer).
    pub peer: Option<PeerEntry>,
    /// Its Fabric CA.
    pub ca: CaEntry,
}

/// A peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerEntry {
    /// Where clients reach it.
    pub address: String,
    /// Its operations endpoint.
    pub operations_address: String,
    /// The operations endpoint of the organisation's second peer (`add-peer`).
    pub second_operations_address: String,
    /// The name its TLS certificate carries.
    pub server_name: String,
    /// Its TLS root.
    pub tls_ca: PathBuf,
}

/// A Fabric CA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaEntry {
    /// Its URL.
    pub url: String,
    /// Its TLS root (its own root certificate).
    pub tls_root: PathBuf,
}

/// Where the network's Fabric binaries and configuration are.
#[derive(Debug, Clone)]
pub struct FabricDirs {
    /// Fabric's binaries.
    pub bin: PathBuf,
    /// Fabric's default configuration.
    pub cfg: PathBuf,
}

impl RunFile {
    /// The network of `consortium` (read from `consortium_path`) on `layout`, run in
    /// `run_dir` (scripts/network.sh's folders: `crypto/` in cryptogen's layout,
    /// `nodes/ca-<org>/`).
    pub fn new(
        consortium: &Consortium,
        consortium_path: &Path,
        layout: &Layout,
        run_dir: &Path,
        channel: &str,
        fabric: &FabricDirs,
    ) -> RunFile {
        let domain = &consortium.domain;
        let crypto = run_dir.join("crypto");
        let org_dir = |org: &str| crypto.join("peerOrganizations").join(format!("{org}.{domain}"));
        let ordering = &layout.ordering_organization;
        let ordering_dir = crypto.join("ordererOrganizations").join(format!("{}.{domain}", ordering.name));
        let ca = |org: &str, ip: &str, port: u16| CaEntry {
            url: format!("https://{ip}:{port}"),
            tls_root: run_dir.join("nodes").join(format!("ca-{org}")).join("ca-cert.pem"),
        };
        let mut orderers = Vec::new();
        for org in std::iter::once(ordering).chain(&layout.organizations) {
            let Some(ports) = org.orderer else { continue };
            if org.name != ordering.name && consortium.organization(&org.name).is_none_or(|o| o.retired) {
                continue;
            }
            let server_name = format!("orderer0.{}.{domain}", org.name);
            let base = if org.name == ordering.name { ordering_dir.clone() } else { org_dir(&org.name) };
            orderers.push(OrdererEntry {
                org: org.name.clone(),
                address: format!("{}:{}", org.ip, ports.listen),
                admin_address: format!("{}:{}", org.ip, ports.admin),
                operations_address: format!("{}:{}", org.ip, ports.operations),
                tls_ca: base.join("orderers").join(&server_name).join("tls/ca.crt"),
                server_name,
            });
        }
        let organizations = consortium
            .members()
            .filter_map(|org| layout.organization(&org.name).map(|l| (org, l)))
            .map(|(org, l)| {
                let dir = org_dir(&org.name);
                let peer = l.peer.map(|ports| {
                    let server_name = format!("peer0.{}.{domain}", org.name);
                    PeerEntry {
                        address: format!("{}:{}", l.ip, ports.listen),
                        operations_address: format!("{}:{}", l.ip, ports.operations),
                        second_operations_address: l
                            .second_peer
                            .map(|p| format!("{}:{}", l.ip, p.operations))
                            .unwrap_or_default(),
                        tls_ca: dir.join("peers").join(&server_name).join("tls/ca.crt"),
                        server_name,
                    }
                });
                OrgEntry {
                    name: org.name.clone(),
                    msp_id: org.msp_id.clone(),
                    admin_msp: dir.join("users").join(format!("Admin@{}.{domain}", org.name)).join("msp"),
                    peer,
                    ca: ca(&org.name, &l.ip, l.ca.listen),
                }
            })
            .collect();
        RunFile {
            run_dir: run_dir.to_path_buf(),
            port_base: layout.port_base,
            channel: channel.to_owned(),
            ordering: layout.ordering,
            hosts: layout.hosts,
            consortium: consortium_path.to_path_buf(),
            chaincode_host: layout.host_ip.clone(),
            fabric_bin_dir: fabric.bin.clone(),
            fabric_cfg_dir: fabric.cfg.clone(),
            orderers,
            organizations,
            ordering_ca: ca(&ordering.name, &ordering.ip, ordering.ca.listen),
        }
    }

    /// Reads `network.json` of `run_dir`.
    pub fn load(run_dir: &Path) -> Result<RunFile, TopologyError> {
        let path = run_dir.join(JSON_FILE);
        let text =
            std::fs::read_to_string(&path).map_err(|source| TopologyError::Read { path: path.clone(), source })?;
        serde_json::from_str(&text).map_err(|e| TopologyError::Invalid {
            origin: path.display().to_string(),
            field: "network.json".into(),
            message: e.to_string(),
        })
    }

    /// The organisation named `name`.
    pub fn organization(&self, name: &str) -> Option<&OrgEntry> {
        self.organizations.iter().find(|o| o.name == name)
    }

    /// `network.env`'s variables, in its order: `NANOTRACE_FABRIC_*` settings, the
    /// orderers' (`ORDERER_ADDRESS`, `<ORG>_ORDERER_ADDRESS`, …), each organisation's
    /// (`<ORG>_MSP_ID`, `<ORG>_ADMIN_MSP`, `<ORG>_PEER_ADDRESS`, …) and each CA's
    /// (`<ORG>_CA_URL`, `<ORG>_CA_TLS_ROOT`). `<ORG>` is the name in capitals, `-` as `_`.
    pub fn env(&self) -> Vec<(String, String)> {
        let path = |p: &Path| p.display().to_string();
        let upper = |name: &str| name.to_uppercase().replace('-', "_");
        let mut out: Vec<(String, String)> = vec![
            ("NANOTRACE_FABRIC_RUN_DIR".into(), path(&self.run_dir)),
            ("NANOTRACE_FABRIC_PORT_BASE".into(), self.port_base.to_string()),
            ("NANOTRACE_FABRIC_CHANNEL".into(), self.channel.clone()),
            (
                "NANOTRACE_FABRIC_ORDERING".into(),
                match self.ordering {
                    Ordering::Raft => "raft".into(),
                    Ordering::Bft => "bft".into(),
                },
            ),
            ("NANOTRACE_FABRIC_HOSTS".into(), u8::from(self.hosts).to_string()),
            ("NANOTRACE_FABRIC_CONSORTIUM".into(), path(&self.consortium)),
            ("NANOTRACE_FABRIC_CHAINCODE_HOST".into(), self.chaincode_host.clone()),
            ("FABRIC_BIN_DIR".into(), path(&self.fabric_bin_dir)),
            ("FABRIC_CFG_DIR".into(), path(&self.fabric_cfg_dir)),
        ];
        for (i, o) in self.orderers.iter().enumerate() {
            let prefix = if i == 0 { String::new() } else { format!("{}_", upper(&o.org)) };
            out.push((format!("{prefix}ORDERER_ADDRESS"), o.address.clone()));
            out.push((format!("{prefix}ORDERER_ADMIN_ADDRESS"), o.admin_address.clone()));
            out.push((format!("{prefix}ORDERER_OPERATIONS_ADDRESS"), o.operations_address.clone()));
            if i == 0 {
                out.push(("ORDERER_TLS_CA".into(), path(&o.tls_ca)));
                out.push(("ORDERER_SERVER_NAME".into(), o.server_name.clone()));
            }
        }
        for org in &self.organizations {
            let up = upper(&org.name);
            out.push((format!("{up}_MSP_ID"), org.msp_id.clone()));
            out.push((format!("{up}_ADMIN_MSP"), path(&org.admin_msp)));
            if let Some(peer) = &org.peer {
                out.push((format!("{up}_PEER_ADDRESS"), peer.address.clone()));
                out.push((format!("{up}_PEER_OPERATIONS_ADDRESS"), peer.operations_address.clone()));
                out.push((format!("{up}_PEER1_OPERATIONS_ADDRESS"), peer.second_operations_address.clone()));
                out.push((format!("{up}_PEER_SERVER_NAME"), peer.server_name.clone()));
                out.push((format!("{up}_PEER_TLS_CA"), path(&peer.tls_ca)));
            }
        }
        let ordering = self.orderers.first().map(|o| o.org.as_str()).unwrap_or("orderer");
        for (name, ca) in std::iter::once((ordering, &self.ordering_ca))
            .chain(self.organizations.iter().map(|o| (o.name.as_str(), &o.ca)))
        {
            out.push((format!("{}_CA_URL", upper(name)), ca.url.clone()));
            out.push((format!("{}_CA_TLS_ROOT", upper(name)), path(&ca.tls_root)));
        }
        out
    }

    /// `network.env`'s text: a comment, then `KEY=value` lines a shell sources (a value
    /// with characters a shell would read otherwise is single-quoted).
    pub fn env_text(&self) -> String {
        let mut text = String::from(
            "# Written by nanotrace-topology run-file (scripts/network.sh) with network.json, the same\n\
             # network typed; read by later network.sh commands. Sourceable.\n",
        );
        for (key, value) in self.env() {
            let plain = value.chars().all(|c| c.is_ascii_alphanumeric() || "_./:@,=+-".contains(c));
            if plain {
                text.push_str(&format!("{key}={value}\n"));
            } else {
                text.push_str(&format!("{key}='{}'\n", value.replace('\'', r"'\''")));
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(ordering: Ordering, hosts: bool) -> RunFile {
        let c = Consortium::sample();
        let layout = Layout::new(&c, 17050, hosts, ordering).expect("layout");
        let fabric = FabricDirs { bin: "/fabric/bin".into(), cfg: "/fabric/config".into() };
        RunFile::new(&c, Path::new("/run/consortium.yaml"), &layout, Path::new("/run"), "nanotrace", &fabric)
    }

    #[test]
    fn network_env_has_the_variables_the_scripts_and_tests_read() {
        let r = sample(Ordering::Raft, false);
        let env: std::collections::HashMap<String, String> = r.env().into_iter().collect();
        for (key, value) in [
            ("NANOTRACE_FABRIC_PORT_BASE", "17050"),
            ("NANOTRACE_FABRIC_CHANNEL", "nanotrace"),
            ("NANOTRACE_FABRIC_ORDERING", "raft"),
            ("NANOTRACE_FABRIC_HOSTS", "0"),
            ("NANOTRACE_FABRIC_CHAINCODE_HOST", "127.0.0.1"),
            ("ORDERER_ADDRESS", "127.0.0.1:17050"),
            ("ORDERER_SERVER_NAME", "orderer0.orderer.nanotrace.test"),
            ("CERTIFIER_MSP_ID", "CertifierMSP"),
            ("CERTIFIER_PEER_ADDRESS", "127.0.0.1:17070"),
            ("CERTIFIER_PEER_SERVER_NAME", "peer0.certifier.nanotrace.test"),
            ("MANUFACTURER_CA_URL", "https://127.0.0.1:17064"),
            ("MANUFACTURER_CA_TLS_ROOT", "/run/nodes/ca-manufacturer/ca-cert.pem"),
            ("ORDERER_CA_URL", "https://127.0.0.1:17054"),
            (
                "REGULATOR_PEER_TLS_CA",
                "/run/crypto/peerOrganizations/regulator.nanotrace.test/peers/peer0.regulator.nanotrace.test/tls/ca.crt",
            ),
            ("REGULATOR_ADMIN_MSP", "/run/crypto/peerOrganizations/regulator.nanotrace.test/users/Admin@regulator.nanotrace.test/msp"),
        ] {
            assert_eq!(env.get(key).map(String::as_str), Some(value), "{key}");
        }
        assert!(!env.contains_key("CERTIFIER_ORDERER_ADDRESS"), "no orderer of its own with Raft");
        let bft = sample(Ordering::Bft, true);
        let env: std::collections::HashMap<String, String> = bft.env().into_iter().collect();
        assert_eq!(env["CERTIFIER_ORDERER_ADDRESS"], format!("10.{}.{}.12:17076", 17050 >> 8, 17050 & 255));
        assert_eq!(env["NANOTRACE_FABRIC_HOSTS"], "1");
        assert_eq!(bft.orderers.len(), 4);
    }

    #[test]
    fn the_json_reads_back_the_same_and_the_env_text_sources_plainly() {
        let r = sample(Ordering::Bft, false);
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(JSON_FILE), serde_json::to_string(&r).expect("json")).expect("write");
        assert_eq!(RunFile::load(dir.path()).expect("load"), r);
        let text = r.env_text();
        assert!(text.lines().any(|l| l == "CERTIFIER_MSP_ID=CertifierMSP"), "{text}");
        let mut odd = r.clone();
        odd.consortium = "/my files/it's.yaml".into();
        assert!(odd.env_text().contains(r"NANOTRACE_FABRIC_CONSORTIUM='/my files/it'\''s.yaml'"));
        let e = RunFile::load(Path::new("/nonexistent-run")).expect_err("no file").to_string();
        assert!(e.contains("network.json"), "{e}");
    }
}

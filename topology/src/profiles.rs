//! The connection profiles of a network's members: one per user of each organisation,
//! `<org>-<user>.yaml` in the run folder's `profiles/`, written through the Gateway
//! client's own type ([`ConnectionProfile`]), so the file the scripts write is the file
//! the clients read.

use std::path::{Path, PathBuf};

use nanotrace_fabric_gateway::profile::{PeerEndpoint, ProfileIdentity};
use nanotrace_fabric_gateway::ConnectionProfile;

use crate::consortium::Consortium;
use crate::error::TopologyError;
use crate::layout::Layout;

/// Where a run folder keeps an organisation's crypto material (as `scripts/network.sh`
/// makes it, Fabric's `cryptogen` layout).
fn org_dir(run_dir: &Path, org: &str, domain: &str) -> PathBuf {
    run_dir.join("crypto/peerOrganizations").join(format!("{org}.{domain}"))
}

fn io(path: &Path, source: std::io::Error) -> TopologyError {
    TopologyError::Read { path: path.to_path_buf(), source }
}

/// Whether the certificate in `pem` holds an Ed25519 key (else ECDSA P-256).
fn is_ed25519(pem: &[u8], path: &Path) -> Result<bool, TopologyError> {
    let invalid = |message: String| TopologyError::Invalid {
        origin: path.display().to_string(),
        field: "certificate".into(),
        message,
    };
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem).map_err(|e| invalid(e.to_string()))?;
    let cert = pem.parse_x509().map_err(|e| invalid(e.to_string()))?;
    Ok(cert.public_key().algorithm.algorithm == x509_parser::oid_registry::OID_SIG_ED25519)
}

/// The profiles of every user of every organisation of `consortium` in `run_dir`, each
/// with its own organisation's peer as gateway, every peer, and the ordering
/// organisation's orderer; sorted by name.
pub fn profiles(
    consortium: &Consortium,
    layout: &Layout,
    run_dir: &Path,
    channel: &str,
    chaincode: &str,
) -> Result<Vec<ConnectionProfile>, TopologyError> {
    let domain = &consortium.domain;
    let peer = |org: &str, n: u32| -> Option<PeerEndpoint> {
        let l = layout.organization(org)?;
        let ports = if n == 0 { l.peer? } else { l.second_peer? };
        let host = format!("peer{n}.{org}.{domain}");
        let tls = org_dir(run_dir, org, domain).join("peers").join(format!("peer0.{org}.{domain}")).join("tls/ca.crt");
        Some(PeerEndpoint {
            msp_id: Some(l.msp_id.clone()),
            address: format!("{}:{}", l.ip, ports.listen),
            server_name: Some(host),
            tls_ca_cert: Some(tls),
        })
    };
    let peers: Vec<PeerEndpoint> = consortium.peer_organizations().filter_map(|o| peer(&o.name, 0)).collect();
    let ordering = &layout.ordering_organization;
    let orderer_host = format!("orderer0.{}.{domain}", ordering.name);
    let orderer = ordering.orderer.map(|ports| PeerEndpoint {
        msp_id: None,
        address: format!("{}:{}", ordering.ip, ports.listen),
        server_name: Some(orderer_host.clone()),
        tls_ca_cert: Some(
            run_dir
                .join("crypto/ordererOrganizations")
                .join(format!("{}.{domain}", ordering.name))
                .join("orderers")
                .join(&orderer_host)
                .join("tls/ca.crt"),
        ),
    });
    let mut out = Vec::new();
    for org in consortium.members() {
        let users_dir = org_dir(run_dir, &org.name, domain).join("users");
        let mut users: Vec<PathBuf> = std::fs::read_dir(&users_dir)
            .map_err(|e| io(&users_dir, e))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        users.sort();
        // Its own peer, or for an organisation without peers the one it uses
        // (`Consortium::gateway_of`). The gateway section names no MSP ID
        // (network/profiles/README.md).
        let Some(gateway) =
            consortium.gateway_of(org).and_then(|g| peer(&g.name, 0)).map(|p| PeerEndpoint { msp_id: None, ..p })
        else {
            continue;
        };
        for user_dir in users {
            let cn = user_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let user = cn.split('@').next().unwrap_or_default().to_lowercase();
            let signcerts = user_dir.join("msp/signcerts");
            let mut certs: Vec<PathBuf> = std::fs::read_dir(&signcerts)
                .map_err(|e| io(&signcerts, e))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "pem"))
                .collect();
            certs.sort();
            let cert = certs.into_iter().next().ok_or_else(|| TopologyError::Invalid {
                origin: signcerts.display().to_string(),
                field: "signcerts".into(),
                message: "no certificate".into(),
            })?;
            let pem = std::fs::read(&cert).map_err(|e| io(&cert, e))?;
            let key_algorithm = if is_ed25519(&pem, &cert)? { "ed25519" } else { "ecdsa-p256" };
            out.push(ConnectionProfile {
                name: format!("{}-{user}", org.name),
                channel: channel.to_owned(),
                chaincode: chaincode.to_owned(),
                identity: ProfileIdentity {
                    msp_id: org.msp_id.clone(),
                    user: cn.clone(),
                    key_algorithm: key_algorithm.to_owned(),
                    msp_dir: Some(user_dir.join("msp")),
                    cert,
                    key: user_dir.join("msp/keystore/priv_sk"),
                },
                gateway: gateway.clone(),
                peers: peers.clone(),
                orderer: orderer.clone(),
            });
        }
    }
    Ok(out)
}

/// The profiles of `org`'s users with its second peer as their gateway: named
/// `<org>-<user>-peer1`.
pub fn second_peer_profiles(
    consortium: &Consortium,
    layout: &Layout,
    all: &[ConnectionProfile],
    org: &str,
) -> Result<Vec<ConnectionProfile>, TopologyError> {
    let l = layout.organization(org).ok_or_else(|| TopologyError::Invalid {
        origin: "the port layout".into(),
        field: "organization".into(),
        message: format!("no organisation {org:?}"),
    })?;
    let ports = l.second_peer.ok_or_else(|| TopologyError::Invalid {
        origin: "the port layout".into(),
        field: "organization".into(),
        message: format!("{org} runs no peer"),
    })?;
    let prefix = format!("{org}-");
    Ok(all
        .iter()
        .filter(|p| p.name.starts_with(&prefix))
        .map(|p| {
            let mut p = p.clone();
            p.name = format!("{}-peer1", p.name);
            p.gateway.address = format!("{}:{}", l.ip, ports.listen);
            p.gateway.server_name = Some(format!("peer1.{org}.{}", consortium.domain));
            p
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Ordering;

    /// A user folder as `network.sh` makes it, with a certificate of `alg`.
    fn user(run_dir: &Path, org: &str, cn: &str, alg: &'static rcgen::SignatureAlgorithm) {
        let dir = org_dir(run_dir, org, "nanotrace.test").join("users").join(cn).join("msp");
        std::fs::create_dir_all(dir.join("signcerts")).expect("signcerts");
        let key = rcgen::KeyPair::generate_for(alg).expect("key");
        let cert = rcgen::CertificateParams::new(vec![cn.to_owned()]).expect("params").self_signed(&key).expect("cert");
        std::fs::write(dir.join("signcerts").join(format!("{cn}-cert.pem")), cert.pem()).expect("write");
    }

    #[test]
    fn every_user_gets_a_profile_through_its_own_peer_and_a_second_peer_profile_when_asked() {
        let run = tempfile::tempdir().expect("tempdir");
        let c = Consortium::sample();
        for org in ["manufacturer", "certifier", "regulator"] {
            user(run.path(), org, &format!("Admin@{org}.nanotrace.test"), &rcgen::PKCS_ECDSA_P256_SHA256);
            user(run.path(), org, &format!("User2@{org}.nanotrace.test"), &rcgen::PKCS_ED25519);
        }
        let layout = Layout::new(&c, 17050, false, Ordering::Raft).expect("layout");
        let all = profiles(&c, &layout, run.path(), "nanotrace", "nanotrace").expect("profiles");
        let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "manufacturer-admin",
                "manufacturer-user2",
                "certifier-admin",
                "certifier-user2",
                "regulator-admin",
                "regulator-user2"
            ]
        );
        let admin = &all[2];
        assert_eq!(admin.identity.msp_id, "CertifierMSP");
        assert_eq!(admin.identity.key_algorithm, "ecdsa-p256");
        assert_eq!(all[3].identity.key_algorithm, "ed25519");
        assert_eq!(admin.gateway.address, "127.0.0.1:17070");
        assert_eq!(admin.gateway.msp_id, None, "the gateway section names no MSP ID");
        assert_eq!(admin.peers.len(), 3);
        assert_eq!(admin.orderer.as_ref().map(|o| o.address.as_str()), Some("127.0.0.1:17050"));
        let written = admin.to_yaml().expect("yaml");
        assert_eq!(&ConnectionProfile::from_yaml(&written).expect("reads back"), admin);

        let peer1 = second_peer_profiles(&c, &layout, &all, "certifier").expect("peer1");
        assert_eq!(
            peer1.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["certifier-admin-peer1", "certifier-user2-peer1"]
        );
        assert_eq!(peer1[0].gateway.address, "127.0.0.1:17470");
        assert_eq!(peer1[0].gateway.server_name.as_deref(), Some("peer1.certifier.nanotrace.test"));
        assert!(second_peer_profiles(&c, &layout, &all, "nobody").is_err());
    }
}

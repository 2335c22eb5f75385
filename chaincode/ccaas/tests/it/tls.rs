//! TLS and mutual TLS, as a CCaaS peer connects with `tls_required` and a client
//! certificate: the server presents its certificate, and with a client CA configured
//! refuses peers without a certificate that CA issued.

use crate::common::*;
use nanotrace_ccaas::server::TlsSettings;
use nanotrace_ccaas::ChaincodeServer;
use nanotrace_protos::protos::ChaincodeAdditionalParams;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

struct Pki {
    ca_pem: String,
    server: (String, String),
    client: (String, String),
    stranger: (String, String),
}

fn pki() -> Pki {
    let issue = |ca: &Issuer<'_, &KeyPair>, name: &str| {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let mut params = CertificateParams::new(vec![name.to_owned()]).expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        (params.signed_by(&key, ca).expect("sign").pem(), key.serialize_pem())
    };
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut ca_params = CertificateParams::default();
    ca_params.distinguished_name.push(DnType::CommonName, "peer TLS CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_pem = ca_params.self_signed(&ca_key).expect("CA").pem();
    let ca = Issuer::from_params(&ca_params, &ca_key);
    let other_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut other_params = CertificateParams::default();
    other_params.distinguished_name.push(DnType::CommonName, "someone else's CA");
    other_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let other = Issuer::from_params(&other_params, &other_key);
    Pki { server: issue(&ca, "localhost"), client: issue(&ca, "peer0"), stranger: issue(&other, "mallory"), ca_pem }
}

async fn start(pki: &Pki, mutual: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let tls = TlsSettings {
        cert_pem: pki.server.0.clone().into_bytes(),
        key_pem: pki.server.1.clone().into_bytes(),
        client_ca_pem: mutual.then(|| pki.ca_pem.clone().into_bytes()),
    };
    tokio::spawn(ChaincodeServer::new(CCID, Probe).with_tls(tls).serve(listener, std::future::pending()));
    addr
}

async fn dial(addr: SocketAddr, pki: &Pki, identity: Option<&(String, String)>) -> Result<Channel, String> {
    let mut tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&pki.ca_pem)).domain_name("localhost");
    if let Some((cert, key)) = identity {
        tls = tls.identity(Identity::from_pem(cert, key));
    }
    Endpoint::from_shared(format!("https://{addr}"))
        .map_err(|e| e.to_string())?
        .tls_config(tls)
        .map_err(|e| e.to_string())?
        .connect()
        .await
        .map_err(|e| e.to_string())
}

/// Whether a full handshake and one transaction work over `channel`.
async fn works(channel: Result<Channel, String>) -> bool {
    let Ok(channel) = channel else { return false };
    let Ok(mut peer) = ScriptedPeer::over(channel, World::new().with("x", "1")).await else { return false };
    peer.handshake(ChaincodeAdditionalParams::default()).await;
    completed(peer.run_one(tx("tls", &["get", "x"])).await.last().expect("final")).payload == b"1"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_the_shim() {
    let pki = pki();
    let addr = start(&pki, false).await;
    assert!(works(dial(addr, &pki, None).await).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_requires_a_client_certificate_from_the_ca() {
    let pki = pki();
    let addr = start(&pki, true).await;
    assert!(works(dial(addr, &pki, Some(&pki.client)).await).await, "a peer with a CA-issued certificate");
    assert!(!works(dial(addr, &pki, None).await).await, "a peer without a client certificate is refused");
    assert!(!works(dial(addr, &pki, Some(&pki.stranger)).await).await, "a certificate from another CA is refused");
}

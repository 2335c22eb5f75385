//! TLS material of the tests: a peer TLS CA and the pairs it issues, and a channel to a
//! chaincode server over (mutual) TLS with a handshake and one transaction through it.

use super::*;
use nanotrace_fabric_gateway::error_chain as chain;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

/// A peer TLS CA, the chaincode server's pair (for `localhost`), a peer's client pair
/// from the same CA and a stranger's from another CA (PEM certificate, PEM key).
pub struct Pki {
    pub ca_pem: String,
    pub server: (String, String),
    pub client: (String, String),
    pub stranger: (String, String),
}

/// A fresh [`Pki`].
pub fn pki() -> Pki {
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

/// A TLS channel to the chaincode server at `addr` (trusting `pki`'s CA, as `localhost`),
/// with `identity` as the client certificate.
pub async fn dial(addr: SocketAddr, pki: &Pki, identity: Option<&(String, String)>) -> Result<Channel, String> {
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
        .map_err(|e| chain(&e))
}

/// A full handshake and one transaction over `channel`, or why not (the TLS handshake,
/// or the first stream on the connection when the server's refusal comes after it).
pub async fn works(channel: Result<Channel, String>) -> Result<(), String> {
    let channel = channel?;
    let mut peer = ScriptedPeer::over(channel, World::new().with("x", "1")).await.map_err(|e| chain(&e))?;
    peer.handshake(ChaincodeAdditionalParams::default()).await;
    let answer = completed(peer.run_one(tx("tls", &["get", "x"])).await.last().expect("final")).payload.clone();
    if answer == b"1" {
        Ok(())
    } else {
        Err(format!("the transaction answered {:?}", String::from_utf8_lossy(&answer)))
    }
}

//! Test identities and a small PKI: MSP folders, TLS server and client certificates.

/// A certificate and its key, PEM.
#[derive(Debug, Clone)]
pub struct TestIdentity {
    pub cert_pem: String,
    pub key_pem: String,
}

/// A self-signed user certificate with a fresh key (`ecdsa` or `ed25519`).
pub fn identity(kind: &str) -> TestIdentity {
    let alg = if kind == "ed25519" { &rcgen::PKCS_ED25519 } else { &rcgen::PKCS_ECDSA_P256_SHA256 };
    let key = rcgen::KeyPair::generate_for(alg).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["user1.org1.example.com".to_owned()]).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, "User1@org1.example.com");
    let cert = params.self_signed(&key).unwrap();
    TestIdentity { cert_pem: cert.pem(), key_pem: key.serialize_pem() }
}

/// Writes an MSP folder (`signcerts/`, `keystore/`) for `id` under `dir`.
pub fn write_msp(dir: &std::path::Path, id: &TestIdentity) -> std::path::PathBuf {
    let msp = dir.join("msp");
    std::fs::create_dir_all(msp.join("signcerts")).unwrap();
    std::fs::create_dir_all(msp.join("keystore")).unwrap();
    std::fs::write(msp.join("signcerts/User1@org1.example.com-cert.pem"), &id.cert_pem).unwrap();
    std::fs::write(msp.join("keystore/priv_sk"), &id.key_pem).unwrap();
    msp
}

/// A TLS CA, a server certificate and key, a client certificate and key (PEM).
#[derive(Debug, Clone)]
pub struct Pki {
    pub ca_pem: String,
    pub server: (String, String),
    pub client: (String, String),
}

/// A TLS CA, a server certificate for `peer0.org1.example.com` only (so dialling
/// 127.0.0.1 needs the server-name override) and a client certificate.
pub fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut ca_params = CertificateParams::default();
    ca_params.distinguished_name.push(DnType::CommonName, "tlsca.org1.example.com");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_pem = ca_params.self_signed(&ca_key).unwrap().pem();
    let ca = Issuer::from_params(&ca_params, &ca_key);
    let issue = |name: &str| {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        (params.signed_by(&key, &ca).unwrap().pem(), key.serialize_pem())
    };
    Pki { server: issue("peer0.org1.example.com"), client: issue("user1.org1.example.com"), ca_pem }
}

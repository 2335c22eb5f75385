//! PKCS#10 certificate signing requests whose signature is made somewhere else: the
//! console builds the `CertificationRequestInfo` from the browser's public key
//! ([`to_be_signed`]), the browser signs those bytes with its non-extractable key, and
//! the console assembles the request ([`assemble`]) for the organisation's CA. Only the
//! public key and the signature ever reach the server.

use std::str::FromStr;

use x509_cert::der::asn1::BitString;
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::{Decode, Encode};
use x509_cert::name::Name;
use x509_cert::request::{CertReq, CertReqInfo, Version};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// ecdsa-with-SHA256 (RFC 5758).
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// Why a request cannot be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CsrError {
    /// The public key is not an ECDSA P-256 `SubjectPublicKeyInfo` (DER).
    #[error("the public key is not an ECDSA P-256 SubjectPublicKeyInfo: {0}")]
    PublicKey(String),
    /// The name cannot be a subject.
    #[error("the name {0:?} cannot be a certificate subject")]
    Name(String),
    /// The bytes to assemble are not a request's to-be-signed part, or DER failed.
    #[error("cannot encode the request: {0}")]
    Der(String),
}

/// The DER `CertificationRequestInfo` for `common_name` and the P-256 public key
/// `spki_der` (as WebCrypto exports it with `exportKey("spki", …)`).
pub fn to_be_signed(spki_der: &[u8], common_name: &str) -> Result<Vec<u8>, CsrError> {
    use p256::pkcs8::DecodePublicKey as _;
    p256::PublicKey::from_public_key_der(spki_der).map_err(|e| CsrError::PublicKey(e.to_string()))?;
    let public_key = SubjectPublicKeyInfoOwned::from_der(spki_der).map_err(|e| CsrError::PublicKey(e.to_string()))?;
    if !nanotrace_embedded::devmsp::is_member_name(common_name) {
        return Err(CsrError::Name(common_name.to_owned()));
    }
    let subject = Name::from_str(&format!("CN={common_name}")).map_err(|_| CsrError::Name(common_name.to_owned()))?;
    let info = CertReqInfo { version: Version::V1, subject, public_key, attributes: Default::default() };
    info.to_der().map_err(|e| CsrError::Der(e.to_string()))
}

/// The DER request: `info` (from [`to_be_signed`]) with its DER ECDSA signature.
pub fn assemble(info: &[u8], der_signature: &[u8]) -> Result<Vec<u8>, CsrError> {
    let info = CertReqInfo::from_der(info).map_err(|e| CsrError::Der(e.to_string()))?;
    let signature = BitString::from_bytes(der_signature).map_err(|e| CsrError::Der(e.to_string()))?;
    let request =
        CertReq { info, algorithm: AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA256, parameters: None }, signature };
    request.to_der().map_err(|e| CsrError::Der(e.to_string()))
}

/// A DER request as PEM (`CERTIFICATE REQUEST`, 64-character lines), as Fabric CA's
/// `certificate_request` field takes it.
pub fn pem(der: &[u8]) -> String {
    crate::pem::encode("CERTIFICATE REQUEST", der)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::EncodePublicKey as _;

    #[test]
    fn a_request_signed_outside_verifies_and_the_ca_reads_it() {
        let key = p256::ecdsa::SigningKey::random(&mut rand::thread_rng());
        let spki = key.verifying_key().to_public_key_der().expect("spki");
        let info = to_be_signed(spki.as_bytes(), "erin@manufacturer").expect("tbs");
        let signature: p256::ecdsa::Signature = key.sign(&info);
        let der = assemble(&info, signature.to_der().as_bytes()).expect("assemble");
        let dir = tempfile::tempdir().expect("tempdir");
        let msp = nanotrace_embedded::devmsp::DevMsp::new(dir.path());
        msp.enroll("admin@acme", "AcmeMSP", nanotrace_embedded::devmsp::NodeType::Admin).expect("the CA");
        let cert = msp
            .issue_for_request("erin@manufacturer", "AcmeMSP", nanotrace_embedded::devmsp::NodeType::Client, &der)
            .expect("issued");
        let member =
            msp.org_msp("AcmeMSP").expect("msp").member(&cert, nanotrace_embedded::datadir::now()).expect("member");
        assert_eq!((member.common_name.as_str(), member.has_ou("client")), ("erin@manufacturer", true));

        // A request signed by another key is refused by the CA.
        let other = p256::ecdsa::SigningKey::random(&mut rand::thread_rng());
        let forged: p256::ecdsa::Signature = other.sign(&info);
        let forged = assemble(&info, forged.to_der().as_bytes()).expect("assemble");
        let err = msp
            .issue_for_request("erin@manufacturer", "AcmeMSP", nanotrace_embedded::devmsp::NodeType::Client, &forged)
            .expect_err("forged");
        assert!(err.to_string().contains("not signed by the key"), "{err}");
        assert!(matches!(to_be_signed(b"not a key", "x"), Err(CsrError::PublicKey(_))));
        assert!(matches!(to_be_signed(spki.as_bytes(), "CN=evil,O=x"), Err(CsrError::Name(_))));
    }

    /// A request signed by a fresh key for `name`.
    fn request_for(name: &str) -> Vec<u8> {
        let key = p256::ecdsa::SigningKey::random(&mut rand::thread_rng());
        let spki = key.verifying_key().to_public_key_der().expect("spki");
        let info = to_be_signed(spki.as_bytes(), name).expect("tbs");
        let signature: p256::ecdsa::Signature = key.sign(&info);
        assemble(&info, signature.to_der().as_bytes()).expect("assemble")
    }

    /// The takeover the review found: an organisation admin invites a member under an
    /// existing member's name and has the directory certify a key of its own under it.
    /// The directory refuses any second certificate for a name of the organisation — its
    /// own identities' (the governance admin's included) and names issued before — while
    /// the same name in another organisation is another identity.
    #[test]
    fn the_directory_never_certifies_a_second_key_under_a_members_name() {
        use nanotrace_embedded::devmsp::{DevMsp, MspError, NodeType};
        let dir = tempfile::tempdir().expect("tempdir");
        let msp = DevMsp::new(dir.path());
        msp.enroll("alice@certifier", "CertifierMSP", NodeType::Client).expect("alice");
        msp.enroll("admin@regulator", "RegulatorMSP", NodeType::Admin).expect("admin");
        for (name, org) in [("alice@certifier", "CertifierMSP"), ("admin@regulator", "RegulatorMSP")] {
            let err = msp.issue_for_request(name, org, NodeType::Client, &request_for(name)).expect_err("taken");
            assert!(matches!(err, MspError::NameTaken { .. }), "{err}");
        }
        msp.issue_for_request("erin@certifier", "CertifierMSP", NodeType::Client, &request_for("erin@certifier"))
            .expect("a new name");
        let err = msp
            .issue_for_request("erin@certifier", "CertifierMSP", NodeType::Client, &request_for("erin@certifier"))
            .expect_err("issued before");
        assert!(matches!(err, MspError::NameTaken { .. }), "{err}");
        assert!(err.to_string().contains("already a member of CertifierMSP"), "{err}");
        // alice@certifier of the Regulator is not the Certifier's alice.
        msp.issue_for_request("alice@certifier", "RegulatorMSP", NodeType::Client, &request_for("alice@certifier"))
            .expect("another organisation's name");
    }
}

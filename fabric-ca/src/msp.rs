//! What a Fabric MSP checks of a member's signed message, for services that receive
//! signatures made elsewhere (the members' console, whose members sign in their
//! browsers; the embedded ledger, which checks a signed proposal before it runs the
//! contract): the certificate was issued by the organisation's CA and is in date and not
//! revoked, and the signature is the certificate key's — ECDSA P-256 over SHA-256, DER,
//! with a low S as Fabric's `bccsp` insists.
//!
//! Browsers sign differently: WebCrypto's ECDSA returns the IEEE P1363 form (r ‖ s, 64
//! bytes) with whichever S it drew. [`der_from_webcrypto`] turns that into what a peer
//! accepts (the same signature, DER, S normalised to the lower half).

use std::collections::HashSet;

use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use thiserror::Error;
use x509_parser::prelude::{FromDer, X509Certificate};

/// Why a member's certificate or signature is not accepted.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum MspError {
    /// The certificate (or a CA certificate) cannot be read.
    #[error("malformed certificate: {0}")]
    Certificate(String),
    /// A CRL cannot be read or is not the CA's.
    #[error("malformed revocation list: {0}")]
    Crl(String),
    /// The certificate was not issued by any CA of the organisation.
    #[error("the certificate of {subject} was not issued by a CA of {msp_id}")]
    UnknownIssuer {
        /// The certificate's subject.
        subject: String,
        /// The organisation.
        msp_id: String,
    },
    /// The certificate is outside its validity period.
    #[error("the certificate of {subject} is not valid at {now} (valid {not_before}..{not_after})")]
    OutOfDate {
        /// The certificate's subject.
        subject: String,
        /// The time checked, Unix seconds.
        now: i64,
        /// Start of validity, Unix seconds.
        not_before: i64,
        /// End of validity, Unix seconds.
        not_after: i64,
    },
    /// The certificate's serial number is on the organisation's revocation list.
    #[error("the certificate of {subject} (serial {serial}) has been revoked")]
    Revoked {
        /// The certificate's subject.
        subject: String,
        /// Its serial number, lowercase hex.
        serial: String,
    },
    /// The certificate's key is not ECDSA P-256.
    #[error("the certificate's key is not ECDSA P-256: {0}")]
    KeyType(String),
    /// The signature is malformed, high-S, or not made by the certificate's key.
    #[error("bad signature: {0}")]
    Signature(String),
}

/// A member's certificate that its organisation's CA issued, read and checked.
#[derive(Debug, Clone)]
pub struct Member {
    /// The organisation.
    pub msp_id: String,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The subject DN, as x509-parser prints it (`CN=…, OU=…, O=…`).
    pub subject: String,
    /// The subject's common name.
    pub common_name: String,
    /// The certificate's organisational units (Fabric's NodeOU among them: `client`,
    /// `admin`, `peer`, `orderer`).
    pub ous: Vec<String>,
    /// The serial number, lowercase hex.
    pub serial: String,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    key: VerifyingKey,
}

impl Member {
    /// Checks `der_signature` (DER, low S) over `message` by this member's key.
    pub fn verify(&self, message: &[u8], der_signature: &[u8]) -> Result<(), MspError> {
        verify_with(&self.key, message, der_signature, true)
    }

    /// Whether the certificate carries the NodeOU `ou`.
    pub fn has_ou(&self, ou: &str) -> bool {
        self.ous.iter().any(|o| o == ou)
    }
}

/// One organisation's membership: its CA certificates and the serial numbers its CRLs
/// revoke.
#[derive(Debug, Clone)]
pub struct OrgMsp {
    msp_id: String,
    cas: Vec<(String, VerifyingKey)>,
    revoked: HashSet<String>,
}

fn pem_blocks(pem: &[u8], tag: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for block in x509_parser::pem::Pem::iter_from_buffer(pem) {
        let block = block.map_err(|e| e.to_string())?;
        if block.label == tag {
            out.push(block.contents);
        }
    }
    Ok(out)
}

fn ec_key(cert: &X509Certificate<'_>) -> Result<VerifyingKey, MspError> {
    VerifyingKey::from_sec1_bytes(cert.public_key().subject_public_key.data.as_ref())
        .map_err(|e| MspError::KeyType(format!("{}: {e}", cert.subject())))
}

/// Checks a DER ECDSA signature over SHA-256 of `message`. Fabric requires a low S of
/// the signatures members make (`low_s`); a CA's signatures on certificates and CRLs are
/// checked as Go's x509 checks them, either S.
fn verify_with(key: &VerifyingKey, message: &[u8], der_signature: &[u8], low_s: bool) -> Result<(), MspError> {
    let signature = Signature::from_der(der_signature).map_err(|e| MspError::Signature(format!("not DER: {e}")))?;
    let normalised = signature.normalize_s();
    if low_s && normalised.is_some() {
        return Err(MspError::Signature("S is in the upper half of the curve order (Fabric refuses it)".into()));
    }
    key.verify(message, &normalised.unwrap_or(signature))
        .map_err(|_| MspError::Signature("not made by the certificate's key over these bytes".into()))
}

impl OrgMsp {
    /// The organisation `msp_id` with the CA certificates in `ca_pem` (one or more PEM
    /// blocks: root and intermediate CAs alike are accepted as issuers).
    pub fn new(msp_id: impl Into<String>, ca_pem: &[u8]) -> Result<Self, MspError> {
        let blocks = pem_blocks(ca_pem, "CERTIFICATE").map_err(MspError::Certificate)?;
        if blocks.is_empty() {
            return Err(MspError::Certificate("no PEM CERTIFICATE block in the CA bundle".into()));
        }
        let mut cas = Vec::new();
        for der in &blocks {
            let (_, cert) = X509Certificate::from_der(der).map_err(|e| MspError::Certificate(e.to_string()))?;
            cas.push((cert.subject().to_string(), ec_key(&cert)?));
        }
        Ok(OrgMsp { msp_id: msp_id.into(), cas, revoked: HashSet::new() })
    }

    /// The organisation's MSP ID.
    pub fn msp_id(&self) -> &str {
        &self.msp_id
    }

    /// Adds the serial numbers revoked by a CRL (PEM `X509 CRL` blocks, or DER) that one
    /// of the organisation's CAs signed.
    pub fn add_crl(&mut self, crl: &[u8]) -> Result<(), MspError> {
        let blocks = if crl.starts_with(b"-----") {
            pem_blocks(crl, "X509 CRL").map_err(MspError::Crl)?
        } else {
            vec![crl.to_vec()]
        };
        for der in blocks {
            let (_, list) = x509_parser::revocation_list::CertificateRevocationList::from_der(&der)
                .map_err(|e| MspError::Crl(e.to_string()))?;
            let issuer = list.issuer().to_string();
            let key = self
                .cas
                .iter()
                .find(|(subject, _)| *subject == issuer)
                .map(|(_, key)| key)
                .ok_or_else(|| MspError::Crl(format!("issued by {issuer}, not a CA of {}", self.msp_id)))?;
            verify_with(key, list.tbs_cert_list.as_ref(), list.signature_value.data.as_ref(), false)
                .map_err(|e| MspError::Crl(format!("not signed by {issuer}: {e}")))?;
            for revoked in list.iter_revoked_certificates() {
                self.revoked.insert(hex::encode(revoked.raw_serial()));
            }
        }
        Ok(())
    }

    /// Checks a member's PEM certificate at `now` (Unix seconds): issued by one of the
    /// organisation's CAs, in date, not revoked, with a P-256 key.
    pub fn member(&self, cert_pem: &str, now: i64) -> Result<Member, MspError> {
        let blocks = pem_blocks(cert_pem.as_bytes(), "CERTIFICATE").map_err(MspError::Certificate)?;
        let der = blocks.first().ok_or_else(|| MspError::Certificate("no PEM CERTIFICATE block".into()))?;
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| MspError::Certificate(e.to_string()))?;
        let subject = cert.subject().to_string();
        let issuer = cert.issuer().to_string();
        let signed_by = self.cas.iter().find(|(ca_subject, key)| {
            *ca_subject == issuer
                && verify_with(key, cert.tbs_certificate.as_ref(), cert.signature_value.data.as_ref(), false).is_ok()
        });
        if signed_by.is_none() {
            return Err(MspError::UnknownIssuer { subject, msp_id: self.msp_id.clone() });
        }
        let (not_before, not_after) = (cert.validity().not_before.timestamp(), cert.validity().not_after.timestamp());
        if now < not_before || now > not_after {
            return Err(MspError::OutOfDate { subject, now, not_before, not_after });
        }
        let serial = hex::encode(cert.raw_serial());
        if self.revoked.contains(&serial) {
            return Err(MspError::Revoked { subject, serial });
        }
        let first = |attrs: Vec<String>| attrs.into_iter().next().unwrap_or_default();
        let common_name =
            first(cert.subject().iter_common_name().filter_map(|a| a.as_str().ok().map(str::to_owned)).collect());
        let ous =
            cert.subject().iter_organizational_unit().filter_map(|a| a.as_str().ok().map(str::to_owned)).collect();
        Ok(Member {
            msp_id: self.msp_id.clone(),
            cert_pem: cert_pem.to_owned(),
            subject,
            common_name,
            ous,
            serial,
            not_after,
            key: ec_key(&cert)?,
        })
    }
}

/// A WebCrypto ECDSA P-256 signature (`crypto.subtle.sign({name: "ECDSA", hash:
/// "SHA-256"}, …)`: r ‖ s, 64 bytes) as Fabric wants it: DER, with S in the lower half.
pub fn der_from_webcrypto(signature: &[u8]) -> Result<Vec<u8>, MspError> {
    let signature = Signature::from_slice(signature)
        .map_err(|_| MspError::Signature(format!("expected 64 bytes r ‖ s, got {} bytes", signature.len())))?;
    let signature = signature.normalize_s().unwrap_or(signature);
    Ok(signature.to_der().as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer as _;
    use p256::ecdsa::SigningKey;
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    struct Ca {
        pem: String,
        issuer: Issuer<'static, KeyPair>,
    }

    fn ca(name: &str) -> Ca {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).expect("self-signed");
        Ca { pem: cert.pem(), issuer: Issuer::new(params, key) }
    }

    fn member_of(ca: &Ca, cn: &str) -> (String, SigningKey) {
        let secret = p256::SecretKey::random(&mut rand::thread_rng());
        let der = p256::pkcs8::EncodePrivateKey::to_pkcs8_der(&secret).expect("pkcs8");
        let key = KeyPair::try_from(der.as_bytes()).expect("rcgen key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, cn);
        params.distinguished_name.push(DnType::OrganizationalUnitName, "client");
        params.serial_number = Some(rcgen::SerialNumber::from(vec![0x42, 0x17]));
        (params.signed_by(&key, &ca.issuer).expect("signed").pem(), SigningKey::from(secret))
    }

    const NOW: i64 = 1_790_000_000;

    #[test]
    fn a_member_of_the_org_signing_in_webcrypto_form_is_accepted_after_conversion() {
        let ca = ca("ca.acme");
        let (cert, key) = member_of(&ca, "dave");
        let msp = OrgMsp::new("AcmeMSP", ca.pem.as_bytes()).expect("msp");
        let member = msp.member(&cert, NOW).expect("member");
        assert_eq!(
            (member.common_name.as_str(), member.has_ou("client"), member.serial.as_str()),
            ("dave", true, "4217")
        );
        let message = b"sign in to the console";
        let raw: Signature = key.sign(message);
        // Force a high S, as half of WebCrypto's signatures are.
        let high = Signature::from_scalars(raw.r(), -*raw.s()).expect("negated");
        let (low_der, high_der) =
            (der_from_webcrypto(&raw.to_bytes()).expect("der"), high.to_der().as_bytes().to_vec());
        let from_high = der_from_webcrypto(&high.to_bytes()).expect("der");
        let normalised = if raw.normalize_s().is_some() { from_high.clone() } else { low_der.clone() };
        assert_eq!(low_der, normalised, "both forms convert to the one low-S signature");
        member.verify(message, &from_high).expect("a converted signature verifies");
        let refused_high = if raw.normalize_s().is_some() { raw.to_der().as_bytes().to_vec() } else { high_der };
        assert!(
            matches!(member.verify(message, &refused_high), Err(MspError::Signature(m)) if m.contains("upper half"))
        );
        assert!(matches!(member.verify(b"another message", &from_high), Err(MspError::Signature(_))));
        assert!(matches!(der_from_webcrypto(&[0u8; 63]), Err(MspError::Signature(m)) if m.contains("63 bytes")));
    }

    #[test]
    fn another_orgs_certificate_an_expired_one_and_a_revoked_one_are_refused() {
        let (acme, other) = (ca("ca.acme"), ca("ca.other"));
        let (stranger, _) = member_of(&other, "mallory");
        let msp = OrgMsp::new("AcmeMSP", acme.pem.as_bytes()).expect("msp");
        assert!(matches!(msp.member(&stranger, NOW), Err(MspError::UnknownIssuer { .. })));
        let (cert, _) = member_of(&acme, "dave");
        assert!(matches!(msp.member(&cert, 0), Err(MspError::OutOfDate { .. })));

        // A CRL signed by the CA revokes the serial; one by another CA is refused.
        let crl_params = |serial: Vec<u8>| rcgen::CertificateRevocationListParams {
            this_update: rcgen::date_time_ymd(2026, 1, 1),
            next_update: rcgen::date_time_ymd(2030, 1, 1),
            crl_number: rcgen::SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: vec![rcgen::RevokedCertParams {
                serial_number: rcgen::SerialNumber::from(serial),
                revocation_time: rcgen::date_time_ymd(2026, 1, 2),
                reason_code: None,
                invalidity_date: None,
            }],
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        };
        let mut revoking = msp.clone();
        let foreign = crl_params(vec![0x42, 0x17]).signed_by(&other.issuer).expect("crl");
        assert!(matches!(revoking.add_crl(foreign.pem().expect("pem").as_bytes()), Err(MspError::Crl(_))));
        let crl = crl_params(vec![0x42, 0x17]).signed_by(&acme.issuer).expect("crl");
        revoking.add_crl(crl.pem().expect("pem").as_bytes()).expect("the CA's own CRL");
        assert!(matches!(revoking.member(&cert, NOW), Err(MspError::Revoked { serial, .. }) if serial == "4217"));
        msp.member(&cert, NOW).expect("without the CRL it is accepted");
    }
}

//! The transaction creator's identity, read from its X.509 certificate the way Fabric's
//! client-identity library does: the `x509::<subject>::<issuer>` ID, the NodeOU role
//! and Fabric CA attributes. Works for ECDSA and Ed25519 certificates alike.

use nanotrace_model::Actor;
pub use nanotrace_model::NodeOu;
use nanotrace_shim::Creator;
use std::cell::RefCell;
use std::collections::BTreeMap;
use thiserror::Error;
use x509_parser::prelude::*;

/// OID of the extension in which Fabric CA stores attributes as JSON.
const FABRIC_ATTRS_OID: &str = "1.2.3.4.5.6.7.8.1";

/// Why the transaction creator's identity cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdentityError {
    /// The creator carries no certificate bytes.
    #[error("creator of MSP {msp_id:?} has no certificate")]
    Empty {
        /// The creator's MSP ID.
        msp_id: String,
    },
    /// The bytes start like PEM but do not parse as PEM (the parser's message).
    #[error("creator certificate is not valid PEM: {0}")]
    Pem(String),
    /// The DER is not an X.509 certificate (the parser's message).
    #[error("creator certificate is not valid X.509: {0}")]
    X509(String),
    /// The creator's MSP ID is empty.
    #[error("creator MSP ID is empty")]
    NoMsp,
}

/// What the contract knows about the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The MSP ID the creator was submitted under.
    pub msp_id: String,
    /// `x509::<subject DN>::<issuer DN>`, DNs written as Go's `pkix.Name.String()`.
    pub id: String,
    /// Subject DN, as Go's `pkix.Name.String()` writes it (`CN=...,OU=...,O=...,C=...`).
    pub subject: String,
    /// Issuer (CA) DN, written the same way.
    pub issuer: String,
    /// The subject's first common name; absent when it has none.
    pub common_name: Option<String>,
    /// The first subject OU that is a Fabric NodeOU (`admin`, `client`, `peer`, `orderer`,
    /// any case); absent when none is.
    pub node_ou: Option<NodeOu>,
    /// Fabric CA attributes (`hf.EnrollmentID`, custom ones...).
    pub attributes: BTreeMap<String, String>,
    /// The certificate's public key as role grants name it
    /// ([`nanotrace_model::ids::public_key_id`] of its `SubjectPublicKeyInfo`).
    pub key: String,
}

impl Identity {
    /// The identity as the records name it (MSP ID and `x509::` ID).
    pub fn actor(&self) -> Actor {
        Actor { msp_id: self.msp_id.clone(), id: self.id.clone() }
    }

    /// Whether the certificate's NodeOU is `admin`.
    pub fn is_admin(&self) -> bool {
        self.node_ou == Some(NodeOu::Admin)
    }
}

/// Parses the creator (PEM or DER certificate).
pub fn parse_creator(creator: &Creator) -> Result<Identity, IdentityError> {
    // The same creator is parsed again by every call a client makes: the verifier's
    // follower makes two queries per certificate, and parsing its X.509 certificate was
    // 13 % of the cache build (issue 49). A pure function of the creator's bytes, so the
    // last one parsed on this thread is kept with its result: same bytes, same answer.
    thread_local! {
        static LAST: RefCell<Option<(Creator, Result<Identity, IdentityError>)>> = const { RefCell::new(None) };
    }
    LAST.with(|last| {
        if let Some((seen, parsed)) = &*last.borrow() {
            if seen == creator {
                return parsed.clone();
            }
        }
        let parsed = parse_uncached(creator);
        *last.borrow_mut() = Some((creator.clone(), parsed.clone()));
        parsed
    })
}

fn parse_uncached(creator: &Creator) -> Result<Identity, IdentityError> {
    if creator.msp_id.is_empty() {
        return Err(IdentityError::NoMsp);
    }
    if creator.id_bytes.is_empty() {
        return Err(IdentityError::Empty { msp_id: creator.msp_id.clone() });
    }
    let der: Vec<u8> = if creator.id_bytes.starts_with(b"-----BEGIN") {
        let (_, pem) =
            x509_parser::pem::parse_x509_pem(&creator.id_bytes).map_err(|e| IdentityError::Pem(e.to_string()))?;
        pem.contents
    } else {
        creator.id_bytes.clone()
    };
    let (_, cert) = X509Certificate::from_der(&der).map_err(|e| IdentityError::X509(e.to_string()))?;
    let subject = go_dn_string(cert.subject());
    let issuer = go_dn_string(cert.issuer());
    let common_name = cert.subject().iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_owned);
    let node_ou = cert.subject().iter_organizational_unit().find_map(|ou| {
        match ou.as_str().ok()?.to_ascii_lowercase().as_str() {
            "admin" => Some(NodeOu::Admin),
            "client" => Some(NodeOu::Client),
            "peer" => Some(NodeOu::Peer),
            "orderer" => Some(NodeOu::Orderer),
            _ => None,
        }
    });
    let mut attributes = BTreeMap::new();
    for ext in cert.extensions() {
        if ext.oid.to_id_string() == FABRIC_ATTRS_OID {
            if let Ok(serde_json::Value::Object(root)) = serde_json::from_slice::<serde_json::Value>(ext.value) {
                if let Some(serde_json::Value::Object(attrs)) = root.get("attrs") {
                    for (k, v) in attrs {
                        let value = match v {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        attributes.insert(k.clone(), value);
                    }
                }
            }
        }
    }
    let key = nanotrace_model::ids::public_key_id(cert.public_key().raw);
    Ok(Identity {
        key,
        msp_id: creator.msp_id.clone(),
        id: format!("x509::{subject}::{issuer}"),
        subject,
        issuer,
        common_name,
        node_ou,
        attributes,
    })
}

/// A distinguished name as Go's `pkix.Name.String()` writes it: RDNs in reverse order,
/// comma separated, short attribute names, RFC 4514 escaping.
fn go_dn_string(name: &X509Name<'_>) -> String {
    let mut rdns: Vec<String> = Vec::new();
    for rdn in name.iter_rdn() {
        let parts: Vec<String> = rdn
            .iter()
            .map(|atv| {
                let oid = atv.attr_type().to_id_string();
                let key = match oid.as_str() {
                    "2.5.4.3" => "CN".to_owned(),
                    "2.5.4.5" => "SERIALNUMBER".to_owned(),
                    "2.5.4.6" => "C".to_owned(),
                    "2.5.4.7" => "L".to_owned(),
                    "2.5.4.8" => "ST".to_owned(),
                    "2.5.4.9" => "STREET".to_owned(),
                    "2.5.4.10" => "O".to_owned(),
                    "2.5.4.11" => "OU".to_owned(),
                    "2.5.4.17" => "POSTALCODE".to_owned(),
                    other => other.to_owned(),
                };
                let value = atv
                    .as_str()
                    .map(escape_dn_value)
                    .unwrap_or_else(|_| format!("#{}", hex::encode(atv.attr_value().data)));
                format!("{key}={value}")
            })
            .collect();
        rdns.push(parts.join("+"));
    }
    rdns.reverse();
    rdns.join(",")
}

fn escape_dn_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let needs = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == ' ' || c == '#'))
            || (i == last && c == ' ');
        if needs {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};

    fn make(ou: &str, cn: &str, alg: &'static rcgen::SignatureAlgorithm) -> Vec<u8> {
        let key = KeyPair::generate_for(alg).expect("key");
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "DE");
        dn.push(DnType::OrganizationName, "Acme, Inc");
        dn.push(DnType::OrganizationalUnitName, ou);
        dn.push(DnType::CommonName, cn);
        params.distinguished_name = dn;
        params.self_signed(&key).expect("cert").pem().into_bytes()
    }

    #[test]
    fn parses_ecdsa_and_ed25519_certificates() {
        for alg in [&rcgen::PKCS_ECDSA_P256_SHA256, &rcgen::PKCS_ED25519] {
            let pem = make("admin", "Admin@acme", alg);
            let id = parse_creator(&Creator { msp_id: "AcmeMSP".into(), id_bytes: pem }).expect("parse");
            assert_eq!(id.node_ou, Some(NodeOu::Admin));
            assert_eq!(id.common_name.as_deref(), Some("Admin@acme"));
            assert_eq!(id.subject, "CN=Admin@acme,OU=admin,O=Acme\\, Inc,C=DE");
            assert_eq!(id.id, format!("x509::{}::{}", id.subject, id.issuer));
        }
    }

    #[test]
    fn each_creator_is_its_own_identity_when_parsed_again() {
        let (a, b) = (make("client", "a@acme", &rcgen::PKCS_ED25519), make("admin", "b@acme", &rcgen::PKCS_ED25519));
        let creator = |msp: &str, pem: &[u8]| Creator { msp_id: msp.into(), id_bytes: pem.to_vec() };
        for _ in 0..2 {
            let first = parse_creator(&creator("AcmeMSP", &a)).expect("a");
            assert_eq!((first.common_name.as_deref(), first.msp_id.as_str()), (Some("a@acme"), "AcmeMSP"));
            assert!(!first.is_admin());
            // Another certificate right after it, on the same thread: not the one before.
            let second = parse_creator(&creator("AcmeMSP", &b)).expect("b");
            assert_eq!(second.common_name.as_deref(), Some("b@acme"));
            assert!(second.is_admin());
            // The same certificate under another MSP ID is that MSP's.
            let other = parse_creator(&creator("OtherMSP", &b)).expect("b elsewhere");
            assert_eq!((other.msp_id.as_str(), other.key.as_str()), ("OtherMSP", second.key.as_str()));
            // A refused creator after an accepted one is refused, and the other way round.
            assert!(parse_creator(&creator("AcmeMSP", b"not a certificate")).is_err());
            assert!(parse_creator(&creator("AcmeMSP", b"not a certificate")).is_err());
        }
    }

    #[test]
    fn rejects_garbage() {
        let bad = Creator { msp_id: "X".into(), id_bytes: b"-----BEGIN CERTIFICATE-----\nzz\n".to_vec() };
        assert!(parse_creator(&bad).is_err());
        assert!(parse_creator(&Creator { msp_id: "X".into(), id_bytes: vec![1, 2, 3] }).is_err());
        assert!(matches!(
            parse_creator(&Creator { msp_id: "X".into(), id_bytes: vec![] }),
            Err(IdentityError::Empty { .. })
        ));
        assert!(matches!(parse_creator(&Creator { msp_id: "".into(), id_bytes: vec![1] }), Err(IdentityError::NoMsp)));
    }
}

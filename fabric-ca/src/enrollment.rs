//! Enrollment: the key pair is made here, only a certificate signing request goes to
//! the CA, and the certificate comes back. Re-enrollment renews it (same or new key)
//! before it expires, authenticated by the current certificate.

use super::client::{Auth, CaClient};
use super::CaError;
use data_encoding::BASE64;
use nanotrace_fabric_gateway::SigningIdentity;
use reqwest::Method;
use serde::Deserialize;
use std::fmt;

/// An enrolled identity: its private key (PKCS#8 PEM, made on this machine and never
/// sent anywhere), the certificate the CA issued for it, and the CA's chain.
#[derive(Clone)]
pub struct Enrollment {
    /// The enrollment ID (the certificate's CN).
    pub enrollment_id: String,
    /// The certificate, PEM.
    pub certificate_pem: String,
    /// The CA's certificate chain, PEM.
    pub ca_chain_pem: String,
    key_pem: String,
}

impl fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enrollment")
            .field("enrollment_id", &self.enrollment_id)
            .field("certificate_pem", &format_args!("{} bytes", self.certificate_pem.len()))
            .field("key_pem", &"(private)")
            .finish()
    }
}

impl Enrollment {
    /// An enrollment from files a wallet or `fabric-ca-client` wrote.
    pub fn from_pem(enrollment_id: &str, certificate_pem: &str, key_pem: &str, ca_chain_pem: &str) -> Self {
        Enrollment {
            enrollment_id: enrollment_id.to_owned(),
            certificate_pem: certificate_pem.to_owned(),
            ca_chain_pem: ca_chain_pem.to_owned(),
            key_pem: key_pem.to_owned(),
        }
    }

    /// The certificate, PEM.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// The private key, PKCS#8 PEM: for the member's own wallet file (0600), nothing else.
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// A signing identity of `msp_id` for the Gateway client.
    pub fn identity(&self, msp_id: &str) -> Result<SigningIdentity, CaError> {
        SigningIdentity::from_pem(msp_id, self.certificate_pem.as_bytes(), self.key_pem.as_bytes())
            .map_err(|e| CaError::Crypto(format!("the enrollment of {}: {e}", self.enrollment_id)))
    }

    /// The signer of this identity's CA tokens.
    pub(super) fn signing_identity(&self) -> Result<SigningIdentity, CaError> {
        self.identity("ca")
    }

    /// The certificate's serial number (lowercase hex, no leading zeros, as Fabric CA
    /// prints it) and authority key identifier (lowercase hex).
    pub fn serial_and_aki(&self) -> Result<(String, String), CaError> {
        let bad = |e: String| CaError::Crypto(format!("the certificate of {}: {e}", self.enrollment_id));
        let (_, pem) =
            x509_parser::pem::parse_x509_pem(self.certificate_pem.as_bytes()).map_err(|e| bad(e.to_string()))?;
        let cert = pem.parse_x509().map_err(|e| bad(e.to_string()))?;
        let serial = cert.tbs_certificate.raw_serial_as_string().replace(':', "");
        let serial = serial.trim_start_matches('0').to_owned();
        let aki = cert
            .extensions()
            .iter()
            .find_map(|ext| match ext.parsed_extension() {
                x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    aki.key_identifier.as_ref().map(|k| hex::encode(k.0))
                }
                _ => None,
            })
            .ok_or_else(|| bad("no authority key identifier".to_owned()))?;
        Ok((if serial.is_empty() { "0".to_owned() } else { serial }, aki))
    }
}

/// The CA's answer to `enroll` and `reenroll`.
#[derive(Deserialize)]
struct Enrolled {
    #[serde(rename = "Cert")]
    cert: String,
    #[serde(rename = "ServerInfo")]
    server_info: ServerInfo,
}

/// A certificate the CA issued for a request whose key is held elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The certificate (PEM).
    pub certificate_pem: String,
    /// The CA chain (PEM).
    pub ca_chain_pem: String,
}

#[derive(Deserialize)]
struct ServerInfo {
    #[serde(rename = "CAChain", default)]
    ca_chain: String,
}

/// A new P-256 key pair (or `key`) and a CSR for `cn` with the subject `names` (C, ST,
/// L, O, OU), signed by it.
fn key_and_csr(cn: &str, names: &[(&str, &str)], key: Option<&str>) -> Result<(rcgen::KeyPair, String), CaError> {
    let crypto = |e: rcgen::Error| CaError::Crypto(format!("CSR for {cn}: {e}"));
    let key = match key {
        Some(pem) => rcgen::KeyPair::from_pem(pem).map_err(crypto)?,
        None => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(crypto)?,
    };
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(crypto)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    for (name, value) in names {
        let kind = match *name {
            "C" => rcgen::DnType::CountryName,
            "ST" => rcgen::DnType::StateOrProvinceName,
            "L" => rcgen::DnType::LocalityName,
            "O" => rcgen::DnType::OrganizationName,
            "OU" => rcgen::DnType::OrganizationalUnitName,
            other => {
                return Err(CaError::Crypto(format!("CSR for {cn}: unknown subject name {other:?} (C, ST, L, O, OU)")))
            }
        };
        params.distinguished_name.push(kind, *value);
    }
    params.distinguished_name.push(rcgen::DnType::CommonName, cn);
    let csr = params.serialize_request(&key).map_err(crypto)?.pem().map_err(crypto)?;
    Ok((key, csr))
}

fn decode_pem_b64(what: &str, field: &str, b64: &str) -> Result<String, CaError> {
    let bytes = BASE64
        .decode(b64.as_bytes())
        .map_err(|e| CaError::BadAnswer { what: what.to_owned(), message: format!("{field}: {e}") })?;
    String::from_utf8(bytes).map_err(|e| CaError::BadAnswer { what: what.to_owned(), message: format!("{field}: {e}") })
}

impl CaClient {
    /// Enrolls `enrollment_id` with its one-time `secret` (HTTP basic authentication): a
    /// new P-256 key pair is made here and only the CSR is sent.
    pub async fn enroll(&self, enrollment_id: &str, secret: &str) -> Result<Enrollment, CaError> {
        self.enroll_with_names(enrollment_id, secret, &[]).await
    }

    /// [`CaClient::enroll`] with subject names in the CSR (`("C", "DE")`, `("O", …)`; the
    /// CA sets CN and OU itself), as `fabric-ca-client enroll --csr.names` sends them.
    pub async fn enroll_with_names(
        &self,
        enrollment_id: &str,
        secret: &str,
        names: &[(&str, &str)],
    ) -> Result<Enrollment, CaError> {
        let (key, csr) = key_and_csr(enrollment_id, names, None)?;
        let issued = self.enroll_request(enrollment_id, secret, &csr).await?;
        Ok(Enrollment {
            enrollment_id: enrollment_id.to_owned(),
            certificate_pem: issued.certificate_pem,
            ca_chain_pem: issued.ca_chain_pem,
            key_pem: key.serialize_pem(),
        })
    }

    /// Enrolls `enrollment_id` with its one-time `secret` for a PKCS#10 request (PEM)
    /// signed elsewhere — by a key that never leaves its owner's browser (the members'
    /// console builds the request's bytes, the browser signs them). The CA checks the
    /// request's signature and issues the certificate for its key; the certificate is
    /// refused unless it is for the request's key and names `enrollment_id` as its CN.
    pub async fn enroll_request(&self, enrollment_id: &str, secret: &str, csr_pem: &str) -> Result<Issued, CaError> {
        let what = format!("enroll {enrollment_id}");
        let auth = Auth::Basic { id: enrollment_id, secret };
        self.issue(&what, "/api/v1/enroll", auth, enrollment_id, csr_pem).await
    }

    /// Renews `current`'s certificate, authenticated by it: with `new_key` a new key pair
    /// (the old key stops being used), otherwise for the same key.
    pub async fn reenroll(&self, current: &Enrollment, new_key: bool) -> Result<Enrollment, CaError> {
        let id = &current.enrollment_id;
        let (key, csr) = key_and_csr(id, &[], (!new_key).then_some(current.key_pem.as_str()))?;
        let what = format!("reenroll {id}");
        let issued = self.issue(&what, "/api/v1/reenroll", Auth::Token(current), id, &csr).await?;
        Ok(Enrollment {
            enrollment_id: id.clone(),
            certificate_pem: issued.certificate_pem,
            ca_chain_pem: issued.ca_chain_pem,
            key_pem: key.serialize_pem(),
        })
    }

    /// Sends `csr_pem` to `path` (enroll, reenroll) and checks what comes back against it.
    async fn issue(
        &self,
        what: &str,
        path: &str,
        auth: Auth<'_>,
        enrollment_id: &str,
        csr_pem: &str,
    ) -> Result<Issued, CaError> {
        let requested_key = request_key(what, csr_pem)?;
        let mut fields = serde_json::Map::new();
        fields.insert("certificate_request".into(), csr_pem.into());
        let body = self.body(fields);
        let answer: Enrolled = self.call(what, Method::POST, path, body, auth).await?;
        let certificate_pem = decode_pem_b64(what, "Cert", &answer.cert)?;
        check_issued(what, enrollment_id, &requested_key, &certificate_pem)?;
        Ok(Issued { certificate_pem, ca_chain_pem: decode_pem_b64(what, "CAChain", &answer.server_info.ca_chain)? })
    }
}

/// The public key (SubjectPublicKeyInfo, DER) of a PKCS#10 request (PEM).
fn request_key(what: &str, csr_pem: &str) -> Result<Vec<u8>, CaError> {
    use x509_parser::prelude::FromDer as _;
    let bad = |e: String| CaError::Crypto(format!("the request to {what}: {e}"));
    let (_, pem) = x509_parser::pem::parse_x509_pem(csr_pem.as_bytes()).map_err(|e| bad(e.to_string()))?;
    let (_, csr) = x509_parser::certification_request::X509CertificationRequest::from_der(&pem.contents)
        .map_err(|e| bad(e.to_string()))?;
    Ok(csr.certification_request_info.subject_pki.raw.to_vec())
}

/// Refuses a certificate the CA issued unless it certifies `requested_key` (the
/// request's SubjectPublicKeyInfo) for `enrollment_id` (its one CN): a CA that answers
/// with someone else's certificate, or one for another name, is not believed.
fn check_issued(what: &str, enrollment_id: &str, requested_key: &[u8], cert_pem: &str) -> Result<(), CaError> {
    let wrong = |reason: String| CaError::WrongCertificate { what: what.to_owned(), reason };
    let (_, pem) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes())
        .map_err(|e| CaError::BadAnswer { what: what.to_owned(), message: format!("Cert: {e}") })?;
    let cert =
        pem.parse_x509().map_err(|e| CaError::BadAnswer { what: what.to_owned(), message: format!("Cert: {e}") })?;
    if cert.public_key().raw != requested_key {
        return Err(wrong("it is for another key than the request's".to_owned()));
    }
    let names: Vec<&str> = cert.subject().iter_common_name().map(|cn| cn.as_str().unwrap_or("(unreadable)")).collect();
    if names != [enrollment_id] {
        return Err(wrong(format!("it names {names:?}, not {enrollment_id:?}")));
    }
    Ok(())
}

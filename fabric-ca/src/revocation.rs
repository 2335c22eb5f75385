//! Revocation and the certificate revocation list: a revoker (`hf.Revoker`) revokes an
//! identity (every certificate of an enrollment ID, and the ID itself) or one
//! certificate (serial and AKI), and asks the CA for its CRL, which the organisation's
//! MSP definition must then carry for peers to refuse the revoked certificates.

use super::client::{Auth, CaClient};
use super::{CaError, Enrollment};
use data_encoding::BASE64;
use reqwest::Method;
use serde::Deserialize;

/// What to revoke: an enrollment ID, or one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// Every certificate of the identity, and the identity itself (it cannot enroll again).
    Identity {
        /// The enrollment ID.
        enrollment_id: String,
        /// The reason (RFC 5280 name, e.g. `keycompromise`, `affiliationchanged`,
        /// `superseded`, `cessationofoperation`; empty: unspecified).
        reason: String,
    },
    /// One certificate.
    Certificate {
        /// Serial number, hex.
        serial: String,
        /// Authority key identifier, hex.
        aki: String,
        /// The reason, as above.
        reason: String,
    },
}

/// A revoked certificate, as the CA names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RevokedCertificate {
    /// Serial number, hex.
    #[serde(rename = "Serial")]
    pub serial: String,
    /// Authority key identifier, hex.
    #[serde(rename = "AKI")]
    pub aki: String,
}

/// What a revocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The certificates revoked.
    pub certificates: Vec<RevokedCertificate>,
    /// The CRL after it (PEM), when asked for.
    pub crl_pem: Option<String>,
}

#[derive(Deserialize)]
struct RevokeAnswer {
    #[serde(rename = "RevokedCerts", default)]
    revoked: Option<Vec<RevokedCertificate>>,
    #[serde(rename = "CRL", default)]
    crl: Option<String>,
}

#[derive(Deserialize)]
struct CrlAnswer {
    #[serde(rename = "CRL")]
    crl: String,
}

fn crl_pem(what: &str, b64: &str) -> Result<String, CaError> {
    let bytes = BASE64
        .decode(b64.as_bytes())
        .map_err(|e| CaError::BadAnswer { what: what.into(), message: format!("CRL: {e}") })?;
    String::from_utf8(bytes).map_err(|e| CaError::BadAnswer { what: what.into(), message: format!("CRL: {e}") })
}

/// A revocation built for a revoker whose key is elsewhere (the members' console builds
/// it; the admin's browser signs [`UnsignedRevocation::to_sign`]; then
/// [`CaClient::revoke_signed`] sends it). The CA checks the token as if the revoker had
/// made it here: its certificate, its signature over the exact body, its `hf.Revoker`
/// and its affiliation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsignedRevocation {
    label: String,
    gencrl: bool,
    cert_pem: Vec<u8>,
    body: Vec<u8>,
    to_sign: Vec<u8>,
}

impl UnsignedRevocation {
    /// The bytes the revoker signs (ECDSA P-256 over their SHA-256).
    pub fn to_sign(&self) -> &[u8] {
        &self.to_sign
    }
}

const REVOKE: &str = "/api/v1/revoke";

impl CaClient {
    /// The request body of `what` and what it is called in errors.
    fn revoke_body(&self, what: &Revocation, gencrl: bool) -> (String, Vec<u8>) {
        let mut fields = serde_json::Map::new();
        let (label, reason) = match what {
            Revocation::Identity { enrollment_id, reason } => {
                fields.insert("id".into(), enrollment_id.clone().into());
                (format!("revoke {enrollment_id}"), reason)
            }
            Revocation::Certificate { serial, aki, reason } => {
                fields.insert("serial".into(), serial.clone().into());
                fields.insert("aki".into(), aki.clone().into());
                (format!("revoke certificate {serial}"), reason)
            }
        };
        if !reason.is_empty() {
            fields.insert("reason".into(), reason.clone().into());
        }
        if gencrl {
            fields.insert("gencrl".into(), true.into());
        }
        (label, self.body(fields))
    }

    /// What the CA answered to a revocation.
    fn revoked(label: &str, answer: RevokeAnswer, gencrl: bool) -> Result<Revoked, CaError> {
        let crl = match answer.crl.as_deref() {
            Some(b64) if gencrl && !b64.is_empty() => Some(crl_pem(label, b64)?),
            _ => None,
        };
        Ok(Revoked { certificates: answer.revoked.unwrap_or_default(), crl_pem: crl })
    }

    /// Revokes `what` as `revoker`; with `gencrl`, also answers the CRL after it.
    pub async fn revoke(&self, revoker: &Enrollment, what: &Revocation, gencrl: bool) -> Result<Revoked, CaError> {
        let (label, body) = self.revoke_body(what, gencrl);
        let answer: RevokeAnswer = self.call(&label, Method::POST, REVOKE, body, Auth::Token(revoker)).await?;
        Self::revoked(&label, answer, gencrl)
    }

    /// `what` prepared for the revoker whose certificate is `revoker_cert_pem` to sign
    /// elsewhere.
    pub fn unsigned_revoke(
        &self,
        revoker_cert_pem: &[u8],
        what: &Revocation,
        gencrl: bool,
    ) -> Result<UnsignedRevocation, CaError> {
        let (label, body) = self.revoke_body(what, gencrl);
        let to_sign = self.payload_to_sign(revoker_cert_pem, REVOKE, &body)?;
        Ok(UnsignedRevocation { label, gencrl, cert_pem: revoker_cert_pem.to_vec(), body, to_sign })
    }

    /// Sends `unsigned` with the revoker's DER signature (low S) over its bytes.
    pub async fn revoke_signed(&self, unsigned: UnsignedRevocation, der_signature: &[u8]) -> Result<Revoked, CaError> {
        let token = super::token::assemble(&unsigned.cert_pem, der_signature);
        let answer: RevokeAnswer =
            self.call(&unsigned.label, Method::POST, REVOKE, unsigned.body, Auth::Signed(&token)).await?;
        Self::revoked(&unsigned.label, answer, unsigned.gencrl)
    }

    /// The CA's current CRL (PEM), as `who` (an identity with `hf.GenCRL`).
    pub async fn gencrl(&self, who: &Enrollment) -> Result<String, CaError> {
        let body = self.body(serde_json::Map::new());
        let answer: CrlAnswer = self.call("gencrl", Method::POST, "/api/v1/gencrl", body, Auth::Token(who)).await?;
        crl_pem("gencrl", &answer.crl)
    }
}

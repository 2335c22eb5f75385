//! The typed NanoTrace API for callers of the contract, written once over a
//! [`Transport`] (the embedded ledger, or a Fabric gateway) so the same calls work on
//! both. This is client-side code: `approve` and `renew` sign the certificate's
//! canonical bytes with the certifier's Ed25519 issuer key before submitting.

use crate::contract::{ListByProductRequest, WhoAmI};
use crate::model::*;
use ed25519_dalek::{Signer, SigningKey};
use serde::de::DeserializeOwned;
use serde::Serialize;
use thiserror::Error;

/// Why a call failed.
#[derive(Debug, Error)]
pub enum ApiError {
    /// The contract refused: `code` is the stable prefix (`UNAUTHORIZED`, `VALIDATION`...).
    #[error("{code}: {message}")]
    Contract { code: String, message: String },
    /// The ledger or the network failed underneath.
    #[error("transport: {0}")]
    Transport(String),
    /// The response was not what the contract sends.
    #[error("cannot decode the {function} response: {message}")]
    Decode { function: String, message: String },
    /// The request could not be built (e.g. a signing key that does not match).
    #[error("{0}")]
    Request(String),
}

/// A contract error raised in this process (an embedded ledger): a refusal keeps its
/// code; a failure of the storage underneath the stub is a transport failure, which a
/// client may retry, not a refusal.
impl From<crate::ContractError> for ApiError {
    fn from(e: crate::ContractError) -> Self {
        match e {
            crate::ContractError::Stub(stub) => ApiError::Transport(stub.to_string()),
            refusal => {
                let code = refusal.code();
                let text = refusal.to_string();
                let message = text.strip_prefix(code).and_then(|rest| rest.strip_prefix(": ")).unwrap_or(&text);
                ApiError::Contract { code: code.to_owned(), message: message.to_owned() }
            }
        }
    }
}

impl ApiError {
    /// Splits a contract error message `CODE: message` into its parts.
    pub fn from_contract_message(text: &str) -> Self {
        match text.split_once(": ") {
            Some((code, message)) if !code.is_empty() && code.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
                ApiError::Contract { code: code.to_owned(), message: message.to_owned() }
            }
            _ => ApiError::Contract { code: "UNKNOWN".to_owned(), message: text.to_owned() },
        }
    }

    /// The contract error code, if the contract refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Contract { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// What a committed transaction returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted<T> {
    pub value: T,
    pub tx_id: String,
}

/// A way to reach the contract as one identity.
pub trait Transport {
    /// Endorses, orders and commits a transaction; returns the contract's response and
    /// the transaction ID once committed.
    fn submit(&self, function: &str, args: &[Vec<u8>]) -> Result<(Vec<u8>, String), ApiError>;
    /// Runs a query on one peer; nothing is committed.
    fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError>;
}

/// A certifier's Ed25519 issuer key, as registered on the trust list.
#[derive(Clone)]
pub struct IssuerSigner {
    pub key: SigningKey,
    pub key_id: String,
}

impl IssuerSigner {
    pub fn new(key: SigningKey) -> Self {
        let key_id = issuer_key_id(key.verifying_key().as_bytes());
        IssuerSigner { key, key_id }
    }

    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }

    /// Signs a canonical certificate; returns the hex signature.
    pub fn sign(&self, canonical: &CanonicalCertificate) -> String {
        hex::encode(self.key.sign(&canonical.signing_input()).to_bytes())
    }

    /// Signs `cert` as issued by `issuer_org` with this key from `issued_at` to `valid_until`.
    pub fn sign_issuance(&self, cert: &Certificate, issuer_org: &str, issued_at: i64, valid_until: i64) -> String {
        let terms = IssuanceTerms { issuer_org, issuer_key_id: &self.key_id, issued_at, valid_until };
        self.sign(&CanonicalCertificate::for_certificate(cert, &terms))
    }
}

impl std::fmt::Debug for IssuerSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerSigner").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

/// The typed NanoTrace API over any [`Transport`].
pub struct NanoTrace<T: Transport> {
    transport: T,
}

fn encode<R: Serialize>(req: &R) -> Result<Vec<Vec<u8>>, ApiError> {
    serde_json::to_vec(req).map(|b| vec![b]).map_err(|e| ApiError::Request(format!("cannot encode request: {e}")))
}

fn decode<R: DeserializeOwned>(function: &str, bytes: &[u8]) -> Result<R, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::Decode { function: function.to_owned(), message: e.to_string() })
}

impl<T: Transport> NanoTrace<T> {
    pub fn new(transport: T) -> Self {
        NanoTrace { transport }
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Submits `function` with a typed request and decodes the response.
    pub fn submit<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        function: &str,
        req: &Req,
    ) -> Result<Submitted<Resp>, ApiError> {
        let (bytes, tx_id) = self.transport.submit(function, &encode(req)?)?;
        Ok(Submitted { value: decode(function, &bytes)?, tx_id })
    }

    /// Evaluates `function` with a typed request and decodes the response.
    pub fn evaluate<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        function: &str,
        req: &Req,
    ) -> Result<Resp, ApiError> {
        let bytes = self.transport.evaluate(function, &encode(req)?)?;
        decode(function, &bytes)
    }

    // -- governance --

    pub fn bootstrap(&self) -> Result<Submitted<Governance>, ApiError> {
        self.submit("Bootstrap", &BootstrapRequest {})
    }

    pub fn register_organization(
        &self,
        msp_id: &str,
        name: &str,
        kind: OrgKind,
    ) -> Result<Submitted<Organization>, ApiError> {
        self.submit(
            "RegisterOrganization",
            &RegisterOrganizationRequest { msp_id: msp_id.into(), name: name.into(), kind },
        )
    }

    pub fn grant_role(&self, identity: Actor, role: Role) -> Result<Submitted<RoleGrant>, ApiError> {
        self.submit("GrantRole", &RoleRequest { identity, role })
    }

    pub fn revoke_role(&self, identity: Actor, role: Role) -> Result<Submitted<RoleGrant>, ApiError> {
        self.submit("RevokeRole", &RoleRequest { identity, role })
    }

    pub fn register_issuer_key(&self, req: &RegisterIssuerKeyRequest) -> Result<Submitted<IssuerKey>, ApiError> {
        self.submit("RegisterIssuerKey", req)
    }

    pub fn retire_issuer_key(&self, key_id: &str, reason: &str) -> Result<Submitted<IssuerKey>, ApiError> {
        self.submit("RetireIssuerKey", &RetireIssuerKeyRequest { key_id: key_id.into(), reason: reason.into() })
    }

    // -- lifecycle --

    pub fn apply(&self, application: &Application) -> Result<Submitted<String>, ApiError> {
        let out: Submitted<IdsResponse> = self.submit("Apply", application)?;
        let id = out.value.certificate_ids.into_iter().next().ok_or_else(|| ApiError::Decode {
            function: "Apply".into(),
            message: "no certificate ID in the response".into(),
        })?;
        Ok(Submitted { value: id, tx_id: out.tx_id })
    }

    pub fn apply_batch(&self, applications: Vec<Application>) -> Result<Submitted<Vec<String>>, ApiError> {
        let out: Submitted<IdsResponse> = self.submit("ApplyBatch", &ApplyBatchRequest { applications })?;
        Ok(Submitted { value: out.value.certificate_ids, tx_id: out.tx_id })
    }

    /// Builds a signed approval of `certificate_id`, issued at `now` for `validity_days`
    /// (at most what the applicant asked for), by a certifier of `issuer_org`.
    pub fn prepare_approval(
        &self,
        certificate_id: &str,
        signer: &IssuerSigner,
        issuer_org: &str,
        now: i64,
        validity_days: Option<u32>,
    ) -> Result<ApproveRequest, ApiError> {
        let cert = self.get_certificate(certificate_id)?;
        let days = validity_days.unwrap_or(cert.application.requested_validity_days);
        let valid_until = now + i64::from(days) * crate::contract::DAY;
        Ok(ApproveRequest {
            certificate_id: certificate_id.into(),
            issuer_key_id: signer.key_id.clone(),
            issued_at: now,
            valid_until,
            signature: signer.sign_issuance(&cert, issuer_org, now, valid_until),
        })
    }

    pub fn approve(
        &self,
        certificate_id: &str,
        signer: &IssuerSigner,
        issuer_org: &str,
        now: i64,
        validity_days: Option<u32>,
    ) -> Result<Submitted<String>, ApiError> {
        let req = self.prepare_approval(certificate_id, signer, issuer_org, now, validity_days)?;
        let out: Submitted<IdsResponse> = self.submit("Approve", &req)?;
        Ok(Submitted { value: certificate_id.to_owned(), tx_id: out.tx_id })
    }

    pub fn approve_batch(&self, approvals: Vec<ApproveRequest>) -> Result<Submitted<Vec<String>>, ApiError> {
        let out: Submitted<IdsResponse> = self.submit("ApproveBatch", &ApproveBatchRequest { approvals })?;
        Ok(Submitted { value: out.value.certificate_ids, tx_id: out.tx_id })
    }

    pub fn reject(&self, certificate_id: &str, reason: &str) -> Result<Submitted<Certificate>, ApiError> {
        self.submit("Reject", &ReasonRequest { certificate_id: certificate_id.into(), reason: reason.into() })
    }

    pub fn suspend(&self, certificate_id: &str, reason: &str) -> Result<Submitted<Certificate>, ApiError> {
        self.submit("Suspend", &ReasonRequest { certificate_id: certificate_id.into(), reason: reason.into() })
    }

    /// Reinstates; when the certificate needs a fresh signature (after an SDS update)
    /// and a signer is given, signs its current canonical bytes.
    pub fn reinstate(
        &self,
        certificate_id: &str,
        reason: &str,
        signer: Option<&IssuerSigner>,
    ) -> Result<Submitted<Certificate>, ApiError> {
        let mut resign = None;
        if let Some(signer) = signer {
            let cert = self.get_certificate(certificate_id)?;
            if cert.resign_required {
                let issuance = cert
                    .issuance
                    .clone()
                    .ok_or_else(|| ApiError::Request(format!("{certificate_id} was never issued")))?;
                let signature =
                    signer.sign_issuance(&cert, &issuance.issuer_org, issuance.issued_at, issuance.valid_until);
                resign = Some(Resignature { issuer_key_id: signer.key_id.clone(), signature });
            }
        }
        self.submit(
            "Reinstate",
            &ReinstateRequest { certificate_id: certificate_id.into(), reason: reason.into(), resign },
        )
    }

    pub fn revoke(&self, certificate_id: &str, reason: &str) -> Result<Submitted<Certificate>, ApiError> {
        self.submit("Revoke", &ReasonRequest { certificate_id: certificate_id.into(), reason: reason.into() })
    }

    /// Renews an issued certificate as a new version signed by `signer`.
    pub fn renew(
        &self,
        certificate_id: &str,
        signer: &IssuerSigner,
        issuer_org: &str,
        now: i64,
        validity_days: Option<u32>,
    ) -> Result<Submitted<Vec<String>>, ApiError> {
        let mut cert = self.get_certificate(certificate_id)?;
        let days = validity_days.unwrap_or(cert.application.requested_validity_days);
        let (version, id) = cert
            .next_version()
            .ok_or_else(|| ApiError::Request(format!("{certificate_id} cannot be renewed again")))?;
        cert.supersedes = Some(std::mem::replace(&mut cert.id, id));
        cert.version = version;
        let valid_until = now + i64::from(days) * crate::contract::DAY;
        let req = RenewRequest {
            certificate_id: certificate_id.into(),
            issuer_key_id: signer.key_id.clone(),
            issued_at: now,
            valid_until,
            signature: signer.sign_issuance(&cert, issuer_org, now, valid_until),
        };
        let out: Submitted<IdsResponse> = self.submit("Renew", &req)?;
        Ok(Submitted { value: out.value.certificate_ids, tx_id: out.tx_id })
    }

    pub fn update_sds(&self, certificate_id: &str, sds: SafetyDataSheet) -> Result<Submitted<Certificate>, ApiError> {
        self.submit("UpdateSds", &UpdateSdsRequest { certificate_id: certificate_id.into(), sds })
    }

    // -- queries --

    pub fn get_certificate(&self, certificate_id: &str) -> Result<Certificate, ApiError> {
        self.evaluate("GetCertificate", &CertificateIdRequest { certificate_id: certificate_id.into() })
    }

    pub fn verify(&self, certificate_id: &str) -> Result<Verification, ApiError> {
        self.evaluate("Verify", &CertificateIdRequest { certificate_id: certificate_id.into() })
    }

    pub fn history(&self, certificate_id: &str) -> Result<Vec<HistoryEntry>, ApiError> {
        self.evaluate("History", &CertificateIdRequest { certificate_id: certificate_id.into() })
    }

    pub fn queue(
        &self,
        status: CertificateStatus,
        page_size: u32,
        bookmark: &str,
    ) -> Result<CertificatePage, ApiError> {
        self.evaluate("ListByStatus", &ListByStatusRequest { status, page_size, bookmark: bookmark.into() })
    }

    pub fn mine(&self, msp_id: Option<String>, page_size: u32, bookmark: &str) -> Result<CertificatePage, ApiError> {
        self.evaluate("ListByApplicant", &ListByApplicantRequest { msp_id, page_size, bookmark: bookmark.into() })
    }

    pub fn by_product(&self, gtin: &str, batch: Option<&str>) -> Result<Vec<Certificate>, ApiError> {
        self.evaluate("ListByProduct", &ListByProductRequest { gtin: gtin.into(), batch: batch.map(str::to_owned) })
    }

    pub fn issuer_keys(&self) -> Result<Vec<IssuerKey>, ApiError> {
        self.evaluate("IssuerKeys", &EmptyRequest {})
    }

    pub fn who_am_i(&self) -> Result<WhoAmI, ApiError> {
        self.evaluate("WhoAmI", &EmptyRequest {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_errors_keep_their_code_and_storage_failures_are_transport() {
        let refusal = ApiError::from(crate::ContractError::Unauthorized("Approve needs the certifier role".into()));
        assert!(
            matches!(&refusal, ApiError::Contract { code, message } if code == "UNAUTHORIZED" && message == "Approve needs the certifier role"),
            "{refusal:?}"
        );
        let storage = ApiError::from(crate::ContractError::Stub(crate::stub::StubError::Ledger("disk full".into())));
        assert!(matches!(&storage, ApiError::Transport(m) if m.contains("disk full")), "{storage:?}");
    }

    #[test]
    fn contract_messages_split_into_code_and_text() {
        let e = ApiError::from_contract_message("UNAUTHORIZED: Approve needs the certifier role");
        assert_eq!(e.code(), Some("UNAUTHORIZED"));
        assert_eq!(e.to_string(), "UNAUTHORIZED: Approve needs the certifier role");
        let e = ApiError::from_contract_message("something odd: happened");
        assert_eq!(e.code(), Some("UNKNOWN"));
    }
}

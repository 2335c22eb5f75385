//! `AttachCredential`: the certifier records the proof of a certificate's W3C Verifiable
//! Credential ([`nanotrace_model::credential`]). The contract rebuilds the credential from
//! the certificate as it holds it and checks the proof against the issuer key that signed
//! the issuance, so a recorded proof always proves the ledger's own certificate, and every
//! verifier can serve the credential (`/api/v1/certificates/{id}/vc`) with nothing but the
//! ledger.

use super::issuance::IssuerKeyCache;
use super::*;
use nanotrace_model::credential::{self, CredentialError};

impl Tx<'_> {
    pub(super) fn attach_credential(&mut self, req: AttachCredentialRequest) -> ContractResult<Certificate> {
        credential::check_status_base("status_base", &req.status_base)?;
        if req.created.abs_diff(self.now) > MAX_CLOCK_SKEW_SECS.unsigned_abs() {
            return Err(ValidationError::new(
                "created",
                format!("{} is more than {MAX_CLOCK_SKEW_SECS} s from the transaction time {}", req.created, self.now),
            )
            .into());
        }
        validate::text("proof_value", &req.proof_value, 128, true)?;
        let mut cert = self.load_cert(&req.certificate_id)?;
        self.require_role(Role::Certifier, "AttachCredential")?;
        require_status(&cert, &[CertificateStatus::Active], "AttachCredential", "ACTIVE")?;
        self.require_issuing_org(&cert, "AttachCredential")?;
        let issuance = cert
            .issuance
            .clone()
            .ok_or_else(|| ContractError::Corrupt(format!("active certificate {} has no issuance", cert.id)))?;
        if issuance.valid_until <= self.now {
            return Err(ContractError::Conflict(format!(
                "AttachCredential: certificate {} expired at {}; an expired certificate gets no credential",
                cert.id, issuance.valid_until
            )));
        }
        let public =
            self.held_issuer_key(&mut IssuerKeyCache::default(), &issuance.issuer_key_id, self.now)?.to_bytes();
        let name =
            self.organization(&issuance.issuer_org)?.map(|o| o.name).unwrap_or_else(|| issuance.issuer_org.clone());
        let proof =
            CredentialProof { status_base: req.status_base, created: req.created, proof_value: req.proof_value };
        credential::with_proof(&cert, &public, &name, &proof).map_err(|e| match e {
            CredentialError::Outdated(_) | CredentialError::Proof(_) => ContractError::BadSignature(format!(
                "the proof is not issuer key {}'s signature of certificate {}'s credential as the ledger holds it \
                 (status lists under {}, created {})",
                issuance.issuer_key_id, cert.id, proof.status_base, proof.created
            )),
            other => ContractError::BadRequest(other.to_string()),
        })?;
        cert.credential = Some(proof);
        cert.last_change = self.change(Action::CredentialSigned, None);
        self.store_cert(&cert, CertificateStatus::Active)?;
        self.emit(events::CREDENTIAL_SIGNED, vec![cert.id.clone()], Some(cert.status), vec![])?;
        Ok(cert)
    }
}

//! `AttachCredential`: the certifier records the proof of a certificate's W3C Verifiable
//! Credential ([`nanotrace_model::credential`]). The contract rebuilds the credential from
//! the certificate as it holds it and checks the proof against the issuer key that signed
//! the issuance, so a recorded proof always proves the ledger's own certificate, and every
//! verifier can serve the credential (`/api/v1/certificates/{id}/vc`) with nothing but the
//! ledger.
//!
//! A credential always carries its status entries, under a status base the network
//! knows: one of the issuing organisation's [`Organization::status_bases`], which the
//! admin sets with `SetStatusBases` (UNAUTHORIZED `[status_base.registered]` otherwise).
//! A certificate issued before the status lists has no position in them, and no proof can
//! name a position not yet given: `AttachCredential` without a proof gives it the next
//! position of the transaction's reservation (as an approval does), drops any credential
//! recorded without status entries, and answers the certificate; the certifier then signs
//! the credential that names the position. The same request with `new_position` moves a
//! certificate that has a position to a new one and retires the old (its revocation bit
//! set): for a certificate signed again before a new signature moved it by itself, whose
//! earlier revision's credential still names its position.

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
        validate::text("proof_value", &req.proof_value, 128, false)?;
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
        let org = self.organization(&issuance.issuer_org)?;
        let bases = org.as_ref().map(|o| o.status_bases.as_slice()).unwrap_or_default();
        if !bases.contains(&req.status_base) {
            return Err(ContractError::unauthorized(
                Reason::StatusBaseRegistered,
                format!(
                    "AttachCredential: {} is not a status base of {} (it has {}): a credential names the status \
                     lists of a verifier the admin registered for its certification body with SetStatusBases",
                    req.status_base,
                    issuance.issuer_org,
                    if bases.is_empty() { "none".to_owned() } else { bases.join(", ") }
                ),
            ));
        }
        let name = org.map(|o| o.name).unwrap_or_else(|| issuance.issuer_org.clone());
        if cert.status_index.is_none() || req.new_position {
            return self.give_status_position(cert, &req.proof_value);
        }
        if req.proof_value.is_empty() {
            return Err(ValidationError::new(
                "proof_value",
                format!(
                    "is required: certificate {} has its status-list position (an empty proof only gives one to a \
                     certificate issued before the status lists)",
                    cert.id
                ),
            )
            .into());
        }
        let position = cert.status_index.unwrap_or_default();
        if let Some(signature) = &req.position_signature {
            validate::text("position_signature", signature, 128, false)?;
            if !nanotrace_model::status::verify_position(&public, &cert.id, position, signature) {
                return Err(ContractError::BadSignature(format!(
                    "position_signature is not issuer key {}'s signature of certificate {}'s status-list position \
                     {position}",
                    issuance.issuer_key_id, cert.id
                )));
            }
        }
        let proof = CredentialProof {
            status_base: req.status_base,
            created: req.created,
            proof_value: req.proof_value,
            position_signature: req.position_signature,
        };
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

    /// `AttachCredential` of a certificate issued before the status lists: a request
    /// without a proof (none can name a position not yet given) gives it its position and
    /// drops a credential recorded without status entries; the certificate is answered
    /// with its position, for the certifier to sign.
    fn give_status_position(&mut self, mut cert: Certificate, proof_value: &str) -> ContractResult<Certificate> {
        if !proof_value.is_empty() {
            let why = match cert.status_index {
                None => "has no status-list position (issued before the status lists)",
                Some(_) => "is to move to a new status-list position (new_position)",
            };
            return Err(ContractError::Conflict(format!(
                "AttachCredential: certificate {} {why}, so no proof can name its position: AttachCredential with \
                 an empty proof_value gives it its position, then sign the credential of the certificate as the \
                 ledger answers it",
                cert.id
            )));
        }
        self.retire_status_position(&mut cert)?;
        cert.credential = None;
        cert.last_change = self.change(Action::StatusPositionAssigned, None);
        self.store_cert(&cert, CertificateStatus::Active)?;
        self.emit(events::STATUS_POSITION_ASSIGNED, vec![cert.id.clone()], Some(cert.status), vec![])?;
        Ok(cert)
    }

    /// `SetStatusBases` (admin): the verifier URLs a certification body's credentials may
    /// name for their status lists, replacing those it had. A credential recorded under a
    /// base taken off is no longer served until its certifier signs it again.
    pub(super) fn set_status_bases(&mut self, req: SetStatusBasesRequest) -> ContractResult<Organization> {
        self.require_role(Role::Admin, "SetStatusBases")?;
        validate::msp_id("msp_id", &req.msp_id)?;
        credential::check_status_bases("status_bases", &req.status_bases)?;
        let mut org = self
            .organization(&req.msp_id)?
            .ok_or_else(|| ContractError::NotFound { kind: "organisation", id: req.msp_id.clone() })?;
        if org.kind != OrgKind::Certifier {
            return Err(ContractError::Conflict(format!(
                "status bases are for certification bodies, which sign credentials; {} is registered as {:?}",
                org.msp_id, org.kind
            )));
        }
        org.status_bases = req.status_bases;
        let key = create_composite_key(ORG, &[&org.msp_id])?;
        self.write(&key, &org)?;
        self.guard_governance(&[key], None, &[])?;
        self.emit(events::STATUS_BASES_SET, vec![], None, vec![])?;
        Ok(org)
    }
}

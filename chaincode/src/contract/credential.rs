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

use super::issuer_keys::IssuerKeyCache;
use super::signature_checks::PendingSignature;
use super::*;
use nanotrace_model::credential::{self, CredentialError};
use std::collections::BTreeMap;

/// The registered names and status bases of the certification bodies a transaction's
/// credentials name, read once per transaction.
#[derive(Default)]
pub(super) struct IssuerNames {
    read: BTreeMap<String, Option<Organization>>,
}

impl Tx<'_> {
    /// Checks a proof's `created` (within [`MAX_CLOCK_SKEW_SECS`] of the transaction
    /// time) and `proof_value` (the text of a multibase signature).
    fn check_proof_fields(&self, created: i64, proof_value: &str) -> ContractResult<()> {
        if created.abs_diff(self.now) > MAX_CLOCK_SKEW_SECS.unsigned_abs() {
            return Err(ValidationError::new(
                "created",
                format!("{created} is more than {MAX_CLOCK_SKEW_SECS} s from the transaction time {}", self.now),
            )
            .into());
        }
        validate::text("proof_value", proof_value, 128, false)?;
        Ok(())
    }

    /// The name a credential of `issuer_org` gives it, once `status_base` is checked to be
    /// one of its status bases (UNAUTHORIZED `[status_base.registered]` otherwise).
    fn issuer_name_for(
        &mut self,
        names: &mut IssuerNames,
        action: &str,
        issuer_org: &str,
        status_base: &str,
    ) -> ContractResult<String> {
        credential::check_status_base("status_base", status_base)?;
        let org = match names.read.get(issuer_org) {
            Some(org) => org.clone(),
            None => {
                let org = self.organization(issuer_org)?;
                names.read.insert(issuer_org.to_owned(), org.clone());
                org
            }
        };
        let bases = org.as_ref().map(|o| o.status_bases.as_slice()).unwrap_or_default();
        if !bases.iter().any(|b| b == status_base) {
            return Err(ContractError::unauthorized(
                Reason::StatusBaseRegistered,
                format!(
                    "{action}: {status_base} is not a status base of {issuer_org} (it has {}): a credential names \
                     the status lists of a verifier the admin registered for its certification body with \
                     SetStatusBases",
                    if bases.is_empty() { "none".to_owned() } else { bases.join(", ") }
                ),
            ));
        }
        Ok(org.map(|o| o.name).unwrap_or_else(|| issuer_org.to_owned()))
    }

    /// The credential sent with the transaction that issues `cert` (an approval, a
    /// renewal, a re-signing reinstatement), once `cert` has its issuance, whose signature
    /// binds the position the credential names ([`Tx::signed_position`]): checks what it
    /// names (a status base of the issuer, the proof's time and form), records it in
    /// `cert`, and returns the Ed25519 check still to be made with the issuance's key —
    /// the proof over the credential as this transaction issues it.
    pub(super) fn issued_credential(
        &mut self,
        cert: &mut Certificate,
        sent: IssuedCredential,
        names: &mut IssuerNames,
        keys: &mut IssuerKeyCache,
    ) -> ContractResult<PendingSignature> {
        let issuance = cert
            .issuance
            .clone()
            .ok_or_else(|| ContractError::Corrupt(format!("certificate {} is issued without an issuance", cert.id)))?;
        if issuance.status_position != Some(sent.status_index) || cert.status_index != Some(sent.status_index) {
            return Err(ContractError::Corrupt(format!(
                "certificate {}'s credential names position {} but its issuance binds {:?}",
                cert.id, sent.status_index, issuance.status_position
            )));
        }
        self.check_proof_fields(sent.created, &sent.proof_value)?;
        let key = self.held_issuer_key(keys, &issuance.issuer_key_id, self.now)?;
        let name = self.issuer_name_for(names, "credential", &issuance.issuer_org, &sent.status_base)?;
        let public = key.to_bytes();
        let bad_request = |e: CredentialError| ContractError::BadRequest(e.to_string());
        let message =
            credential::signing_input(cert, &public, &name, &sent.status_base, sent.created).map_err(bad_request)?;
        let proof = credential::proof_signature(&sent.proof_value)
            .map_err(|e| ValidationError::new("proof_value", e.to_string()))?;
        let check = PendingSignature::new(
            key,
            message.to_vec(),
            proof,
            format!(
                "the credential's proof is not issuer key {}'s signature of certificate {}'s credential as this \
                 transaction issues it (status lists under {}, created {})",
                issuance.issuer_key_id, cert.id, sent.status_base, sent.created
            ),
        );
        cert.credential = Some(CredentialProof {
            status_base: sent.status_base,
            created: sent.created,
            proof_value: sent.proof_value,
            position_signature: None,
        });
        Ok(check)
    }

    /// [`Tx::issued_credential`] with its signatures checked now (a renewal, a
    /// reinstatement: one certificate).
    pub(super) fn record_issued_credential(
        &mut self,
        cert: &mut Certificate,
        sent: IssuedCredential,
    ) -> ContractResult<()> {
        self.issued_credential(cert, sent, &mut IssuerNames::default(), &mut IssuerKeyCache::default())?.require()
    }

    pub(super) fn attach_credential(&mut self, req: AttachCredentialRequest) -> ContractResult<Certificate> {
        credential::check_status_base("status_base", &req.status_base)?;
        self.check_proof_fields(req.created, &req.proof_value)?;
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
        let name = self.issuer_name_for(
            &mut IssuerNames::default(),
            "AttachCredential",
            &issuance.issuer_org,
            &req.status_base,
        )?;
        if let (Some(bound), true) = (issuance.status_position, req.new_position) {
            return Err(ContractError::Conflict(format!(
                "AttachCredential: certificate {}'s issuance signature binds its status-list position {bound}, so \
                 it cannot move to another alone: a re-signing Reinstate gives it a new position with the new \
                 signature",
                cert.id
            )));
        }
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

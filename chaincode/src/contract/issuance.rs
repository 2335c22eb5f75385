//! Issuance: approvals and renewals, the certifier's signature over the canonical
//! bytes, issuance terms, and the key-level endorsement policy an issued certificate gets.

use super::credential::IssuerNames;
use super::issuer_keys::IssuerKeyCache;
use super::signature_checks::{PendingSignature, SignatureChecks};
use super::*;

impl Tx<'_> {
    /// Validates issuance terms against the transaction time and the requested validity.
    pub(super) fn check_terms(&self, issued_at: i64, valid_until: i64, requested_days: u32) -> ContractResult<()> {
        if issued_at.abs_diff(self.now) > MAX_CLOCK_SKEW_SECS.unsigned_abs() {
            return Err(ValidationError::new(
                "issued_at",
                format!("{issued_at} is more than {MAX_CLOCK_SKEW_SECS} s from the transaction time {}", self.now),
            )
            .into());
        }
        if valid_until <= issued_at {
            return Err(ValidationError::new("valid_until", "must be after issued_at").into());
        }
        let max = issued_at + i64::from(requested_days) * DAY;
        if valid_until > max {
            return Err(ValidationError::new(
                "valid_until",
                format!("{valid_until} exceeds the requested validity of {requested_days} days (until {max})"),
            )
            .into());
        }
        Ok(())
    }

    pub(super) fn approve(&mut self, approvals: Vec<ApproveRequest>, batch: bool) -> ContractResult<IdsResponse> {
        let action = if batch { "ApproveBatch" } else { "Approve" };
        self.require_role(Role::Certifier, action)?;
        if approvals.is_empty() || approvals.len() > limits::MAX_BATCH {
            return Err(ValidationError::new(
                "approvals",
                format!("must hold 1 to {} approvals, got {}", limits::MAX_BATCH, approvals.len()),
            )
            .into());
        }
        // The Ed25519 checks are taken out of the loop (see `SignatureChecks`: for a large
        // batch, worker threads check them while this thread goes on), but the error is
        // the one checking each approval in order would meet first: before any other
        // error of approval `i`, the signatures of approvals `0..=i` that were reached
        // are all checked, and the first bad one among them wins.
        let wrap = |index: usize, e: ContractError| if batch { e.in_item("approvals", index) } else { e };
        let count = approvals.len();
        // Every approval issues a certificate that has no position yet: the batch's
        // positions are reserved together (one key per range, not one per certificate).
        self.reserve_positions(count)?;
        self.prefetch_certs(approvals.iter().map(|a| a.certificate_id.as_str()))?;
        let ids = std::thread::scope(|scope| {
            let mut checks = SignatureChecks::new(scope, count);
            let mut seen = std::collections::BTreeSet::new();
            let mut ids = Vec::with_capacity(count);
            let mut keys = IssuerKeyCache::default();
            let mut issuers = IssuerNames::default();
            for (index, mut req) in approvals.into_iter().enumerate() {
                let credential = req.credential.take();
                let step = if seen.insert(req.certificate_id.clone()) {
                    self.approve_one(req, action, credential.as_ref(), &mut keys).and_then(|(mut cert, signature)| {
                        checks.push(index, signature);
                        if let Some(sent) = credential {
                            checks.push(index, self.issued_credential(&mut cert, sent, &mut issuers, &mut keys)?);
                        }
                        self.store_approved(cert)
                    })
                } else {
                    Err(ValidationError::new("certificate_id", format!("{} appears twice", req.certificate_id)).into())
                };
                match step {
                    Ok(id) => ids.push(id),
                    Err(e) => {
                        return Err(match checks.finish() {
                            Some((bad, signature_error)) => wrap(bad, signature_error),
                            None => wrap(index, e),
                        })
                    }
                }
            }
            match checks.finish() {
                Some((bad, e)) => Err(wrap(bad, e)),
                None => Ok(ids),
            }
        })?;
        self.emit(events::CERTIFICATE_ISSUED, ids.clone(), Some(CertificateStatus::Active), vec![])?;
        Ok(IdsResponse::new(ids))
    }

    /// Checks one approval and returns the issued certificate (not yet stored), with its
    /// status-list position, and the signature check still to be done: with `credential`,
    /// the signature binds the position ([`Tx::signed_position`]).
    pub(super) fn approve_one(
        &mut self,
        req: ApproveRequest,
        action: &'static str,
        credential: Option<&IssuedCredential>,
        keys: &mut IssuerKeyCache,
    ) -> ContractResult<(Certificate, PendingSignature)> {
        let mut cert = self.load_cert(&req.certificate_id)?;
        require_status(&cert, &[CertificateStatus::Pending], action, "PENDING")?;
        self.require_independent_certifier(&cert, action)?;
        self.require_payment_if_required(&cert, action)?;
        self.check_terms(req.issued_at, req.valid_until, cert.application.requested_validity_days)?;
        self.assign_status_position(&mut cert)?;
        let position = self.signed_position(&cert, credential)?;
        let (issuance, signature) =
            self.issuance(keys, &cert, req.issuer_key_id, req.signature, req.issued_at, req.valid_until, position)?;
        cert.issuance = Some(issuance);
        cert.status = CertificateStatus::Active;
        cert.status_since = self.now;
        cert.status_reason = None;
        cert.last_change = self.change(Action::Approved, None);
        Ok((cert, signature))
    }

    /// Stores an approved certificate and protects its key; returns its ID.
    pub(super) fn store_approved(&mut self, mut cert: Certificate) -> ContractResult<String> {
        self.assign_status_position(&mut cert)?;
        self.store_cert(&cert, CertificateStatus::Pending)?;
        self.protect(&cert)?;
        Ok(cert.id)
    }

    /// The issuance of `cert` by the caller's organisation on these terms, once the
    /// caller's issuer key and its signature over the canonical bytes check out.
    /// Approvals and renewals both issue through here.
    pub(super) fn signed_issuance(
        &mut self,
        cert: &Certificate,
        issuer_key_id: String,
        signature: String,
        issued_at: i64,
        valid_until: i64,
        status_position: Option<u32>,
    ) -> ContractResult<Issuance> {
        let (issuance, pending) = self.issuance(
            &mut IssuerKeyCache::default(),
            cert,
            issuer_key_id,
            signature,
            issued_at,
            valid_until,
            status_position,
        )?;
        if !pending.check() {
            return Err(pending.error());
        }
        Ok(issuance)
    }

    /// [`Tx::signed_issuance`] with the Ed25519 check left to the caller.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn issuance(
        &mut self,
        keys: &mut IssuerKeyCache,
        cert: &Certificate,
        issuer_key_id: String,
        signature: String,
        issued_at: i64,
        valid_until: i64,
        status_position: Option<u32>,
    ) -> ContractResult<(Issuance, PendingSignature)> {
        let terms = IssuanceTerms {
            issuer_org: &self.caller.msp_id,
            issuer_key_id: &issuer_key_id,
            issued_at,
            valid_until,
            status_position,
        };
        let canonical = CanonicalCertificate::for_certificate(cert, &terms);
        let (digest, pending) = self.issuer_signature(keys, &issuer_key_id, &signature, &canonical, issued_at)?;
        let issuance = Issuance {
            issuer_org: self.caller.msp_id.clone(),
            issuer_key_id,
            approved_by: self.actor(),
            issued_at,
            valid_until,
            digest,
            signature,
            tx_id: Some(self.tx_id.clone()),
            status_position,
        };
        Ok((issuance, pending))
    }

    /// Key-level endorsement: from issuance on, changes to the certificate need the
    /// issuing organisation's peer.
    /// In the write-once layout both the record and the state are protected: the record
    /// is never written again, and the state holds every change after issuance.
    pub(super) fn protect(&mut self, cert: &Certificate) -> ContractResult<()> {
        if let Some(issuance) = &cert.issuance {
            let Some(policy) = self.own_peer_policy(&issuance.issuer_org)? else { return Ok(()) };
            for key in self.protected_keys(&cert.id)? {
                self.stub.set_state_validation_parameter(&key, &policy)?;
            }
        }
        Ok(())
    }

    pub(super) fn renew(&mut self, req: RenewRequest) -> ContractResult<IdsResponse> {
        let mut old = self.load_cert(&req.certificate_id)?;
        self.require_role(Role::Certifier, "Renew")?;
        require_status(&old, &[CertificateStatus::Active], "Renew", "ACTIVE (expired or not)")?;
        self.require_issuing_org(&old, "Renew")?;
        self.check_terms(req.issued_at, req.valid_until, old.application.requested_validity_days)?;
        let (version, new_id) = old.next_version().ok_or_else(|| ContractError::Conflict("version overflow".into()))?;
        if self.stub.get_state(&Self::cert_key(&new_id)?)?.is_some() {
            return Err(ContractError::AlreadyExists { kind: "certificate", id: new_id });
        }
        let mut new = Certificate {
            id: new_id.clone(),
            version,
            supersedes: Some(old.id.clone()),
            superseded_by: None,
            status: CertificateStatus::Active,
            status_reason: None,
            status_since: self.now,
            manufacturer_msp: old.manufacturer_msp.clone(),
            applicant: old.applicant.clone(),
            applied_at: old.applied_at,
            application: old.application.clone(),
            assessment: old.assessment.clone(),
            issuance: None,
            resign_required: false,
            status_index: None,
            credential: None,
            retired_status_indexes: Vec::new(),
            flags: Vec::new(),
            reviewed_sds: None,
            last_change: self.change(Action::Renewed, None),
        };
        self.assign_status_position(&mut new)?;
        let position = self.signed_position(&new, req.credential.as_ref())?;
        new.issuance = Some(self.signed_issuance(
            &new,
            req.issuer_key_id,
            req.signature,
            req.issued_at,
            req.valid_until,
            position,
        )?);
        if let Some(sent) = req.credential {
            self.record_issued_credential(&mut new, sent)?;
        }
        old.status = CertificateStatus::Superseded;
        old.status_since = self.now;
        old.status_reason = Some(format!("renewed as {new_id}"));
        old.superseded_by = Some(new_id.clone());
        old.last_change = self.change(Action::Superseded, Some(format!("renewed as {new_id}")));
        self.store_cert(&old, CertificateStatus::Active)?;
        self.store_record(&new)?;
        self.store_cert(&new, CertificateStatus::Active)?;
        self.index_new_cert(&new)?;
        self.protect(&new)?;
        // Products that depended on the old version now depend on the new one: their flags
        // follow `superseded_by` when read; the index carries them on for events.
        for dependent in self.index_ids(DEPENDENTS, &[&old.id])? {
            let key = create_composite_key(DEPENDENTS, &[&new_id, &dependent])?;
            self.stub.put_state(&key, INDEX_VALUE)?;
        }
        let ids = vec![old.id.clone(), new_id];
        self.emit(events::CERTIFICATE_RENEWED, ids.clone(), Some(CertificateStatus::Active), vec![])?;
        Ok(IdsResponse::new(ids))
    }
}

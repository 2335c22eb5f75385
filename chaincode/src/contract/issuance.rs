//! Issuance: approvals and renewals, the certifier's signature over the canonical
//! bytes, issuance terms, and the key-level endorsement policy an issued certificate gets.

use super::*;

impl Tx<'_> {
    /// Checks an issuer key and the signature over `canonical`.
    pub(super) fn check_signature(
        &mut self,
        key_id: &str,
        signature_hex: &str,
        canonical: &CanonicalCertificate,
        at: i64,
    ) -> ContractResult<String> {
        validate::text("issuer_key_id", key_id, limits::MAX_NAME, true)?;
        let key = create_composite_key(ISSUER_KEY, &[key_id])?;
        let record: IssuerKey =
            self.read(&key)?.ok_or_else(|| ContractError::NotFound { kind: "issuer key", id: key_id.to_owned() })?;
        if record.holder != self.actor() {
            return Err(ContractError::unauthorized(
                reason::ISSUER_KEY_HOLDER,
                format!("issuer key {key_id} belongs to {}, not to {}", record.holder, self.caller_name()),
            ));
        }
        if let Some(retired) = record.retired_at {
            return Err(ContractError::BadSignature(format!("issuer key {key_id} was retired at {retired}")));
        }
        if !record.usable_at(at) {
            return Err(ContractError::BadSignature(format!(
                "issuer key {key_id} is valid from {} to {}, not at {at}",
                record.valid_from, record.valid_until
            )));
        }
        let public = validate::hex_bytes("public_key", &record.public_key, 32)
            .map_err(|e| ContractError::Corrupt(format!("issuer key {key_id}: {e}")))?;
        let mut pk = [0u8; 32];
        pk.copy_from_slice(&public);
        let verifying = VerifyingKey::from_bytes(&pk)
            .map_err(|_| ContractError::Corrupt(format!("issuer key {key_id} is not a valid Ed25519 key")))?;
        let sig_bytes = validate::hex_bytes("signature", signature_hex, 64)?;
        let mut sig = [0u8; 64];
        sig.copy_from_slice(&sig_bytes);
        let signature = Signature::from_bytes(&sig);
        let digest = canonical.digest_hex();
        verifying.verify_strict(&canonical.signing_input_with(&digest), &signature).map_err(|_| {
            ContractError::BadSignature(format!(
                "the signature does not match the certificate's canonical bytes (digest {digest}) under issuer key {key_id}"
            ))
        })?;
        Ok(digest)
    }

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
        let mut seen = std::collections::BTreeSet::new();
        let mut ids = Vec::with_capacity(approvals.len());
        for (index, req) in approvals.into_iter().enumerate() {
            let wrap = |e: ContractError| if batch { e.in_item("approvals", index) } else { e };
            if !seen.insert(req.certificate_id.clone()) {
                return Err(wrap(
                    ValidationError::new("certificate_id", format!("{} appears twice", req.certificate_id)).into(),
                ));
            }
            self.approve_one(req, action).map_err(wrap).map(|id| ids.push(id))?;
        }
        self.emit(events::CERTIFICATE_ISSUED, ids.clone(), Some(CertificateStatus::Active), vec![])?;
        Ok(IdsResponse::new(ids))
    }

    pub(super) fn approve_one(&mut self, req: ApproveRequest, action: &'static str) -> ContractResult<String> {
        let mut cert = self.load_cert(&req.certificate_id)?;
        require_status(&cert, &[CertificateStatus::Pending], action, "PENDING")?;
        self.require_independent_certifier(&cert, action)?;
        self.check_terms(req.issued_at, req.valid_until, cert.application.requested_validity_days)?;
        cert.issuance =
            Some(self.signed_issuance(&cert, req.issuer_key_id, req.signature, req.issued_at, req.valid_until)?);
        cert.status = CertificateStatus::Active;
        cert.status_since = self.now;
        cert.status_reason = None;
        cert.last_change = self.change(Action::Approved, None);
        self.store_cert(&cert, Some(CertificateStatus::Pending))?;
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
    ) -> ContractResult<Issuance> {
        let terms =
            IssuanceTerms { issuer_org: &self.caller.msp_id, issuer_key_id: &issuer_key_id, issued_at, valid_until };
        let canonical = CanonicalCertificate::for_certificate(cert, &terms);
        let digest = self.check_signature(&issuer_key_id, &signature, &canonical, issued_at)?;
        Ok(Issuance {
            issuer_org: self.caller.msp_id.clone(),
            issuer_key_id,
            approved_by: self.actor(),
            issued_at,
            valid_until,
            digest,
            signature,
        })
    }

    /// Key-level endorsement: from issuance on, changes to the certificate need the
    /// issuing organisation's peer.
    pub(super) fn protect(&mut self, cert: &Certificate) -> ContractResult<()> {
        if let Some(issuance) = &cert.issuance {
            let policy = EndorsementPolicy { orgs: vec![issuance.issuer_org.clone()], role: PolicyRole::Peer };
            let key = Self::cert_key(&cert.id)?;
            self.stub.set_state_validation_parameter(&key, &policy)?;
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
            flags: Vec::new(),
            last_change: self.change(Action::Renewed, None),
        };
        new.issuance =
            Some(self.signed_issuance(&new, req.issuer_key_id, req.signature, req.issued_at, req.valid_until)?);
        old.status = CertificateStatus::Superseded;
        old.status_since = self.now;
        old.status_reason = Some(format!("renewed as {new_id}"));
        old.superseded_by = Some(new_id.clone());
        old.last_change = self.change(Action::Superseded, Some(format!("renewed as {new_id}")));
        self.store_cert(&old, Some(CertificateStatus::Active))?;
        self.store_cert(&new, None)?;
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

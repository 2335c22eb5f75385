//! The certificate lifecycle apart from issuance: applications, rejection,
//! suspension, reinstatement, revocation and SDS revisions. None of them writes another
//! certificate than the one it acts on: dependency flags are computed when read
//! (`Tx::dependency_flags`), and events name the dependents whose flags changed.

use super::tx::declare_sds;
use super::*;

impl Tx<'_> {
    pub(super) fn apply(&mut self, applications: Vec<Application>, batch: bool) -> ContractResult<IdsResponse> {
        let msp = self.caller.msp_id.clone();
        self.require_manufacturer_member(&msp, if batch { "ApplyBatch" } else { "Apply" })?;
        self.require_not_retired(if batch { "ApplyBatch" } else { "Apply" })?;
        if applications.is_empty() || applications.len() > limits::MAX_BATCH {
            return Err(ValidationError::new(
                "applications",
                format!("must hold 1 to {} applications, got {}", limits::MAX_BATCH, applications.len()),
            )
            .into());
        }
        let mut ids = Vec::with_capacity(applications.len());
        let mut created = Vec::with_capacity(applications.len());
        let mut repeated = Vec::new();
        let mut references = std::collections::BTreeMap::new();
        let mut flagged = Vec::new();
        // The new certificates' keys, which must be free, and the applicant organisation's
        // record (its GS1 Company Prefixes), read in one round trip.
        let mut keys = (0..applications.len())
            .map(|index| Self::cert_key(&ids::certificate_id(&self.tx_id, index as u32)))
            .collect::<ContractResult<Vec<_>>>()?;
        keys.push(Self::organization_key(&msp)?);
        self.prefetch(keys)?;
        let prefixes = self.company_prefixes(&msp)?;
        for (index, application) in applications.into_iter().enumerate() {
            let wrap = |e: ContractError| if batch { e.in_item("applications", index) } else { e };
            validate::application(&application).map_err(|e| wrap(e.into()))?;
            // A client reference: a repeat is answered with the recorded certificate and
            // writes nothing; another application under a used reference is a CONFLICT.
            let reference = match application.client_ref.clone() {
                None => None,
                Some(reference) => {
                    if let Some(first) = references.insert(reference.clone(), index) {
                        return Err(wrap(
                            ValidationError::new(
                                "client_ref",
                                format!("{reference:?} is also the reference of applications[{first}]"),
                            )
                            .into(),
                        ));
                    }
                    let digest = application_digest(&application);
                    if let Some(existing) = self.repeat_of(&msp, &reference, &digest).map_err(wrap)? {
                        repeated.push(existing.clone());
                        ids.push(existing);
                        continue;
                    }
                    Some((reference, digest))
                }
            };
            // A GTIN of the applicant's own (prefix.rs). (A repeat, answered above, writes nothing.)
            if let Some(gtin) = &application.gtin {
                self.require_own_gtin(&msp, &prefixes, gtin).map_err(wrap)?;
            }
            let id = ids::certificate_id(&self.tx_id, index as u32);
            let key = Self::cert_key(&id)?;
            if self.get(&key)?.is_some() {
                return Err(wrap(ContractError::AlreadyExists { kind: "certificate", id }));
            }
            // Dependencies: each named supplier resolves to its version in force (see
            // `current_supplier`); a suspended one flags the new record at once.
            let mut application = application;
            let mut suspended_supplier = false;
            let mut renewed = Vec::new();
            let mut resolved: Vec<String> = Vec::with_capacity(application.depends_on.len());
            for (i, named) in application.depends_on.iter().enumerate() {
                let field = format!("depends_on[{i}]");
                let supplier = self.current_supplier(&field, named).map_err(wrap)?;
                if let Some(first) = resolved.iter().position(|r| *r == supplier.id) {
                    return Err(wrap(
                        ValidationError::new(
                            field,
                            format!("{named} is in force as {}, which depends_on[{first}] already names", supplier.id),
                        )
                        .into(),
                    ));
                }
                if supplier.id != *named {
                    renewed.push(format!("{field} {named} was renewed; recorded as {}", supplier.id));
                }
                if supplier.status == CertificateStatus::Suspended {
                    suspended_supplier = true;
                }
                resolved.push(supplier.id);
            }
            application.depends_on = resolved;
            let applied_reason = (!renewed.is_empty()).then(|| renewed.join("; "));
            // Flagged from the start (the flag itself is computed whenever it is read).
            if suspended_supplier {
                flagged.push(id.clone());
            }
            let assessment = nanomaterial::assess(&application.nanomaterial);
            let cert = Certificate {
                id: id.clone(),
                version: 1,
                supersedes: None,
                superseded_by: None,
                status: CertificateStatus::Pending,
                status_reason: None,
                status_since: self.now,
                manufacturer_msp: msp.clone(),
                applicant: self.actor(),
                applied_at: self.now,
                application,
                assessment,
                issuance: None,
                resign_required: false,
                status_index: None,
                credential: None,
                retired_status_indexes: Vec::new(),
                flags: Vec::new(),
                reviewed_sds: None,
                last_change: self.change(Action::Applied, applied_reason),
            };
            self.store_record(&cert)?;
            self.index_new_cert(&cert)?;
            if let Some((reference, digest)) = reference {
                self.record_client_ref(&msp, &reference, digest, &id)?;
            }
            created.push(id.clone());
            ids.push(id);
        }
        // One event naming the certificates this transaction created; a transaction that
        // only repeated earlier applications created nothing and emits none.
        if !created.is_empty() {
            self.emit(events::CERTIFICATE_APPLIED, created, Some(CertificateStatus::Pending), flagged)?;
        }
        Ok(IdsResponse { certificate_ids: ids, repeated })
    }

    /// The supplier certificate a dependency named `named` (at request field `field`)
    /// means: the version in force. A superseded certificate is followed along
    /// `superseded_by` to its current renewal; the result must be issued and not
    /// withdrawn for good (ACTIVE, or SUSPENDED, which flags the dependent). A PENDING,
    /// REJECTED or REVOKED supplier is refused as `VALIDATION` naming `field`.
    /// The supplier certificate a dependency named `named` (at request field `field`)
    /// means: the version in force ([`Tx::in_force_version`]). It must be issued and
    /// not withdrawn for good (ACTIVE, or SUSPENDED, which flags the dependent). A
    /// PENDING, REJECTED or REVOKED supplier is refused as `VALIDATION` naming `field`.
    pub(super) fn current_supplier(&mut self, field: &str, named: &str) -> ContractResult<Certificate> {
        let cert = self.in_force_version(named)?;
        let named_as = if cert.id == named { named.to_owned() } else { format!("{named} (renewed as {})", cert.id) };
        match cert.status {
            CertificateStatus::Active | CertificateStatus::Suspended => Ok(cert),
            CertificateStatus::Superseded => {
                Err(ContractError::Corrupt(format!("certificate {} is SUPERSEDED but names no renewal", cert.id)))
            }
            status => Err(ValidationError::new(
                field,
                format!(
                    "certificate {named_as} is {status}; a dependency must name an issued certificate that is \
                     ACTIVE or SUSPENDED (or a renewed one whose current version is)"
                ),
            )
            .into()),
        }
    }

    pub(super) fn reject(&mut self, req: ReasonRequest) -> ContractResult<Certificate> {
        validate::multiline_text("reason", &req.reason, limits::MAX_REASON, true)?;
        let mut cert = self.load_cert(&req.certificate_id)?;
        self.require_role(Role::Certifier, "Reject")?;
        require_status(&cert, &[CertificateStatus::Pending], "Reject", "PENDING")?;
        self.require_independent_certifier(&cert, "Reject")?;
        cert.status = CertificateStatus::Rejected;
        cert.status_since = self.now;
        cert.status_reason = Some(req.reason.clone());
        cert.last_change = self.change(Action::Rejected, Some(req.reason));
        self.store_cert(&cert, CertificateStatus::Pending)?;
        self.emit(events::CERTIFICATE_REJECTED, vec![cert.id.clone()], Some(cert.status), vec![])?;
        Ok(cert)
    }

    pub(super) fn suspend(&mut self, req: ReasonRequest) -> ContractResult<Certificate> {
        validate::multiline_text("reason", &req.reason, limits::MAX_REASON, true)?;
        let mut cert = self.load_cert(&req.certificate_id)?;
        self.require_role(Role::Certifier, "Suspend")?;
        require_status(&cert, &[CertificateStatus::Active], "Suspend", "ACTIVE")?;
        self.require_issuing_org(&cert, "Suspend")?;
        cert.status = CertificateStatus::Suspended;
        cert.status_since = self.now;
        cert.status_reason = Some(req.reason.clone());
        cert.last_change = self.change(Action::Suspended, Some(req.reason.clone()));
        self.store_cert(&cert, CertificateStatus::Active)?;
        let flagged = self.dependents_of(&cert.id)?;
        self.emit(events::CERTIFICATE_SUSPENDED, vec![cert.id.clone()], Some(cert.status), flagged)?;
        Ok(cert)
    }

    pub(super) fn reinstate(&mut self, req: ReinstateRequest) -> ContractResult<Certificate> {
        validate::multiline_text("reason", &req.reason, limits::MAX_REASON, true)?;
        let mut cert = self.load_cert(&req.certificate_id)?;
        self.require_role(Role::Certifier, "Reinstate")?;
        require_status(&cert, &[CertificateStatus::Suspended], "Reinstate", "SUSPENDED")?;
        self.require_issuing_org(&cert, "Reinstate")?;
        match (req.resign, cert.resign_required) {
            (None, true) => {
                return Err(ContractError::BadSignature(format!(
                    "certificate {} changed since it was signed (new SDS revision {}); Reinstate needs a fresh signature (resign)",
                    cert.id, cert.application.sds.revision
                )))
            }
            (Some(resign), _) => {
                let issuance = cert
                    .issuance
                    .clone()
                    .ok_or_else(|| ContractError::Corrupt(format!("suspended certificate {} has no issuance", cert.id)))?;
                // The credential a recorded proof signed is no longer this certificate's:
                // its position is retired (revoked in every status list), so that the
                // earlier revision's credential and offline token fail a status check, and
                // the certificate gets a new one for the credential of this revision,
                // which the new signature binds when the credential is sent with it.
                if cert.credential.is_some() {
                    self.retire_status_position(&mut cert)?;
                }
                cert.credential = None;
                let position = self.signed_position(&cert, resign.credential.as_ref())?;
                let terms = IssuanceTerms {
                    issuer_org: &issuance.issuer_org,
                    issuer_key_id: &resign.issuer_key_id,
                    issued_at: issuance.issued_at,
                    valid_until: issuance.valid_until,
                    status_position: position,
                };
                let canonical = CanonicalCertificate::for_certificate(&cert, &terms);
                let digest = self.check_signature(&resign.issuer_key_id, &resign.signature, &canonical, self.now)?;
                cert.issuance = Some(Issuance {
                    issuer_key_id: resign.issuer_key_id.clone(),
                    approved_by: self.actor(),
                    digest,
                    signature: resign.signature.clone(),
                    status_position: position,
                    ..issuance
                });
                cert.resign_required = false;
                cert.reviewed_sds = None;
                // The new revision's credential, when sent with the signature: recorded
                // in this transaction, naming the position the certificate has now.
                if let Some(sent) = resign.credential {
                    self.record_issued_credential(&mut cert, sent)?;
                }
            }
            (None, false) => {}
        }
        cert.status = CertificateStatus::Active;
        cert.status_since = self.now;
        cert.status_reason = None;
        cert.last_change = self.change(Action::Reinstated, Some(req.reason));
        self.store_cert(&cert, CertificateStatus::Suspended)?;
        let cleared = self.dependents_of(&cert.id)?;
        self.emit(events::CERTIFICATE_REINSTATED, vec![cert.id.clone()], Some(cert.status), cleared)?;
        Ok(cert)
    }

    pub(super) fn revoke(&mut self, req: ReasonRequest) -> ContractResult<Certificate> {
        validate::multiline_text("reason", &req.reason, limits::MAX_REASON, true)?;
        let mut cert = self.load_cert(&req.certificate_id)?;
        self.require_role(Role::Certifier, "Revoke")?;
        let old = cert.status;
        require_status(
            &cert,
            &[CertificateStatus::Active, CertificateStatus::Suspended],
            "Revoke",
            "ACTIVE or SUSPENDED",
        )?;
        self.require_issuing_org(&cert, "Revoke")?;
        cert.status = CertificateStatus::Revoked;
        cert.status_since = self.now;
        cert.status_reason = Some(req.reason.clone());
        cert.last_change = self.change(Action::Revoked, Some(req.reason.clone()));
        self.store_cert(&cert, old)?;
        let flagged = self.dependents_of(&cert.id)?;
        self.emit(events::CERTIFICATE_REVOKED, vec![cert.id.clone()], Some(cert.status), flagged)?;
        Ok(cert)
    }

    /// Declares a new SDS revision. Writes only the certificate's SDS-revision record
    /// (its own key, protected by the manufacturer's endorsement policy from the first
    /// declaration on) and the status index; the certificate's key, which the issuing
    /// certification body protects, is left alone. The declaration takes effect whenever
    /// the certificate is read ([`declare_sds`](super::tx::declare_sds)): an issued
    /// certificate is suspended until a certifier reinstates it with a fresh signature.
    pub(super) fn update_sds(&mut self, req: UpdateSdsRequest) -> ContractResult<Certificate> {
        let stored = self.load_stored(&req.certificate_id)?;
        let current = self.with_declared_sds(stored.clone())?;
        self.require_manufacturer_member(&current.manufacturer_msp.clone(), "UpdateSds")?;
        self.require_not_retired("UpdateSds")?;
        validate::https_url("sds.url", &req.sds.url)?;
        validate::sha256_hex("sds.sha256", &req.sds.sha256)?;
        if req.sds.revision <= current.application.sds.revision {
            return Err(ValidationError::new(
                "sds.revision",
                format!("must be greater than the current revision {}", current.application.sds.revision),
            )
            .into());
        }
        require_status(
            &current,
            &[CertificateStatus::Pending, CertificateStatus::Active, CertificateStatus::Suspended],
            "UpdateSds",
            "PENDING, ACTIVE or SUSPENDED",
        )?;
        let key = Self::sds_key(&current.id)?;
        let first = self.stub.get_state(&key)?.is_none();
        let declared = SdsRevision {
            certificate_id: current.id.clone(),
            sds: req.sds,
            declared_by: self.actor(),
            declared_at: self.now,
            tx_id: self.tx_id.clone(),
            after_tx: stored.last_change.tx_id.clone(),
        };
        self.write(&key, &declared)?;
        if first {
            if let Some(policy) = self.own_peer_policy(&current.manufacturer_msp)? {
                self.stub.set_state_validation_parameter(&key, &policy)?;
            }
        }
        let mut cert = declare_sds(stored, &declared);
        // Into the certificate's own index key: the state, which would name a list, is the
        // issuer's to write.
        self.move_status_index(&cert.id, Some(current.status), cert.status, false)?;
        let flagged = match cert.status {
            CertificateStatus::Pending => Vec::new(),
            _ => self.dependents_of(&cert.id)?,
        };
        self.emit(events::SDS_UPDATED, vec![cert.id.clone()], Some(cert.status), flagged)?;
        cert.flags = self.dependency_flags(&cert)?;
        Ok(cert)
    }
}

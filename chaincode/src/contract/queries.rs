//! Queries: reading certificates, verdicts, lists over composite-key indexes, history,
//! the trust list and the caller's own identity.

use super::tx::{declare_sds, decode};
use super::*;
use nanotrace_shim::KeyModification;

impl Tx<'_> {
    pub(super) fn get_certificate(&mut self, req: CertificateIdRequest) -> ContractResult<Certificate> {
        self.load_cert(&req.certificate_id)
    }

    /// Many certificates in one query: their keys read ahead together (one
    /// `GET_STATE_MULTIPLE` per 1,000 keys rather than one per certificate), each record
    /// as `GetCertificate` answers it, in the request's order.
    pub(super) fn get_certificates(&mut self, req: CertificateIdsRequest) -> ContractResult<CertificatesResponse> {
        self.prefetch_asked(&req)?;
        let certificates = req
            .certificate_ids
            .iter()
            .enumerate()
            .map(|(index, id)| self.load_cert(id).map_err(|e| e.in_item("certificate_ids", index)))
            .collect::<ContractResult<Vec<_>>>()?;
        Ok(CertificatesResponse { certificates })
    }

    /// Many certificates with their audit trails in one query: each record as
    /// `GetCertificate` answers it and each trail as `History` does (its refusals too, by
    /// item), in the request's order; the records' keys read ahead together.
    pub(super) fn get_certificate_records(
        &mut self,
        req: CertificateIdsRequest,
    ) -> ContractResult<CertificateRecordsResponse> {
        self.prefetch_asked(&req)?;
        let mut records = Vec::with_capacity(req.certificate_ids.len());
        for (index, id) in req.certificate_ids.iter().enumerate() {
            let certificate = self.load_cert(id).map_err(|e| e.in_item("certificate_ids", index))?;
            let history = self.history_of(id).map_err(|e| e.in_item("certificate_ids", index))?;
            records.push(CertificateRecord { certificate, history });
        }
        Ok(CertificateRecordsResponse { records })
    }

    /// Checks the IDs of a batched read (1 to [`limits::MAX_BATCH`], each valid) and
    /// reads their records' keys ahead together (one `GET_STATE_MULTIPLE` per 1,000 keys
    /// rather than one read per certificate).
    fn prefetch_asked(&mut self, req: &CertificateIdsRequest) -> ContractResult<()> {
        let count = req.certificate_ids.len();
        if count == 0 || count > limits::MAX_BATCH {
            return Err(ValidationError::new(
                "certificate_ids",
                format!("must hold 1 to {} IDs, got {count}", limits::MAX_BATCH),
            )
            .into());
        }
        for (index, id) in req.certificate_ids.iter().enumerate() {
            validate::certificate_id("certificate_id", id)
                .map_err(|e| ContractError::from(e).in_item("certificate_ids", index))?;
        }
        self.prefetch_certs(req.certificate_ids.iter().map(String::as_str))
    }

    pub(super) fn verify(&mut self, req: CertificateIdRequest) -> ContractResult<Verification> {
        validate::certificate_id("certificate_id", &req.certificate_id)?;
        let cert = match self.load_cert(&req.certificate_id) {
            Ok(cert) => Some(cert),
            Err(ContractError::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        // The same rule as every verifier: an ACTIVE record counts only if its issuance
        // signature verifies under the key the trust list names (the one key read here).
        // A key ID that could name no trust-list entry reads as no key (UNTRUSTED).
        let key_id = cert.as_ref().and_then(|c| c.issuance.as_ref()).map(|i| i.issuer_key_id.as_str());
        let key = match key_id.filter(|id| validate::text("issuer_key_id", id, limits::MAX_NAME, true).is_ok()) {
            Some(key_id) => self.read::<IssuerKey>(&create_composite_key(ISSUER_KEY, &[key_id])?)?,
            None => None,
        };
        Ok(verdict_for(&req.certificate_id, cert, key.as_slice(), self.now))
    }

    pub(super) fn list_by_status(&mut self, req: ListByStatusRequest) -> ContractResult<CertificatePage> {
        self.require_any_role(&[Role::Certifier, Role::Admin, Role::Auditor], "ListByStatus")?;
        self.page_of(BY_STATUS, &[req.status.as_str()], req.page_size, &req.bookmark)
    }

    pub(super) fn list_by_applicant(&mut self, req: ListByApplicantRequest) -> ContractResult<CertificatePage> {
        let msp = req.msp_id.clone().unwrap_or_else(|| self.caller.msp_id.clone());
        validate::msp_id("msp_id", &msp)?;
        let privileged =
            self.has_role(Role::Certifier)? || self.has_role(Role::Admin)? || self.has_role(Role::Auditor)?;
        if !privileged {
            self.require_manufacturer_member(&msp, "ListByApplicant")?;
        }
        self.page_of(BY_MANUFACTURER, &[&msp], req.page_size, &req.bookmark)
    }

    /// Every certificate of a product (GTIN), or of one lot of it, in index order. A
    /// client that needs one certificate per lot picks it with
    /// [`nanotrace_model::preferred_for_lot`] (VALID first, then the newest issued).
    pub(super) fn list_by_product(&mut self, req: ListByProductRequest) -> ContractResult<Vec<Certificate>> {
        validate::gtin("gtin", &req.gtin)?;
        let mut attrs: Vec<&str> = vec![&req.gtin];
        if let Some(batch) = &req.batch {
            validate::text("batch", batch, limits::MAX_NAME, true)?;
            attrs.push(batch);
        }
        let ids = self.index_ids(BY_PRODUCT, &attrs)?;
        self.load_certs(&ids)
    }

    /// The certificate's audit trail, newest first: every version of its record (from
    /// the key's history) and, after the version each followed, the SDS revisions the
    /// manufacturer declared (from the SDS-revision key's history), with the status the
    /// declaration put the certificate in.
    pub(super) fn history(&mut self, req: CertificateIdRequest) -> ContractResult<Vec<HistoryEntry>> {
        validate::certificate_id("certificate_id", &req.certificate_id)?;
        self.history_of(&req.certificate_id)
    }

    /// [`Tx::history`] of a valid certificate ID.
    fn history_of(&mut self, id: &str) -> ContractResult<Vec<HistoryEntry>> {
        let versions = self.versions(id)?;
        let mut declarations: Vec<(KeyModification, SdsRevision)> = Vec::new();
        for m in self.stub.get_history_for_key(&Self::sds_key(id)?)?.into_iter().rev() {
            if m.is_delete {
                continue;
            }
            let declared: SdsRevision = serde_json::from_slice(&m.value)
                .map_err(|e| ContractError::Corrupt(format!("SDS revision history of {id}: {e}")))?;
            declarations.push((m, declared));
        }
        let mut entries = Vec::with_capacity(versions.len() + declarations.len());
        let mut last: Option<Certificate> = None;
        for (m, cert) in versions {
            entries.push(HistoryEntry {
                tx_id: m.tx_id.clone(),
                timestamp: m.timestamp.seconds,
                action: cert.last_change.action,
                actor: cert.last_change.actor.clone(),
                status: cert.status,
                reason: cert.last_change.reason.clone(),
            });
            let (after, rest): (Vec<_>, Vec<_>) = declarations.into_iter().partition(|(_, d)| d.after_tx == m.tx_id);
            declarations = rest;
            push_declarations(&mut entries, &cert, after);
            last = Some(cert);
        }
        // A declaration that names no version of the record (not written by this
        // contract) still shows, after the last version.
        if let Some(cert) = last {
            push_declarations(&mut entries, &cert, declarations);
        }
        entries.reverse();
        Ok(entries)
    }

    /// Every version of certificate `id` the ledger's history holds, oldest first, each
    /// with the modification that wrote it: the versions of its record and, in the
    /// write-once layout, the record with each version of its state laid over it (a
    /// renewal writes a new version's record and state in one transaction: one version).
    /// `CONFLICT` naming the snapshot when the certificate exists but this peer holds none
    /// of its history.
    fn versions(&mut self, id: &str) -> ContractResult<Vec<(KeyModification, Certificate)>> {
        let key = Self::cert_key(id)?;
        let mut versions = Vec::new();
        for m in self.stub.get_history_for_key(&key)?.into_iter().rev() {
            if !m.is_delete {
                let cert: Certificate = decode(&m.value, &format!("history of {id}"))?;
                versions.push((m, cert));
            }
        }
        let record = match versions.last() {
            Some((_, cert)) => Some(cert.clone()),
            None => self.read::<Certificate>(&key)?,
        };
        let Some(record) = record else {
            return Err(ContractError::NotFound { kind: "certificate", id: id.to_owned() });
        };
        if record.status == CertificateStatus::Pending {
            let mut states = Vec::new();
            for m in self.stub.get_history_for_key(&Self::state_key(id)?)?.into_iter().rev() {
                if m.is_delete {
                    continue;
                }
                let state: CertificateState = decode(&m.value, &format!("state history of {id}"))?;
                states.push((m, record.clone().with_state(state)));
            }
            versions.retain(|(m, _)| !states.iter().any(|(s, _)| s.tx_id == m.tx_id));
            versions.extend(states);
        }
        if versions.is_empty() {
            // A certificate without history: this peer joined the channel from a ledger
            // snapshot taken after the certificate's last change (Fabric keeps no history
            // from before a snapshot).
            return Err(ContractError::Conflict(format!(
                "certificate {id} exists, but {} taken after the certificate's last change; ask a peer that holds \
                 the whole chain",
                nanotrace_model::HISTORY_BEFORE_SNAPSHOT
            )));
        }
        Ok(versions)
    }

    pub(super) fn issuer_keys(&mut self, _req: EmptyRequest) -> ContractResult<Vec<IssuerKey>> {
        let ids = self.index_ids(ISSUER_KEY, &[])?;
        let mut keys = Vec::with_capacity(ids.len());
        for id in ids {
            let key = create_composite_key(ISSUER_KEY, &[&id])?;
            if let Some(record) = self.read(&key)? {
                keys.push(record);
            }
        }
        Ok(keys)
    }

    /// Every registered organisation, in MSP ID order (the order of their composite keys, `org` + MSP ID).
    pub(super) fn organizations(&mut self, _req: EmptyRequest) -> ContractResult<Vec<Organization>> {
        let ids = self.index_ids(ORG, &[])?;
        let mut orgs = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(org) = self.organization(&id)? {
                orgs.push(org);
            }
        }
        Ok(orgs)
    }

    pub(super) fn who_am_i(&mut self, _req: EmptyRequest) -> ContractResult<WhoAmI> {
        let mut roles = Vec::new();
        let mut roles_of_other_key = Vec::new();
        for role in Role::ALL {
            match self.role_holding(role)? {
                Holding::Held => roles.push(role),
                Holding::OtherKey => roles_of_other_key.push(role),
                Holding::None => {}
            }
        }
        let msp = self.caller.msp_id.clone();
        Ok(WhoAmI {
            key: self.caller.key.clone(),
            roles_of_other_key,
            identity: self.actor(),
            node_ou: self.caller.node_ou,
            roles,
            organization: self.organization(&msp)?,
        })
    }
}

/// Appends the history entries of SDS revisions declared after the record version `cert`.
fn push_declarations(
    entries: &mut Vec<HistoryEntry>,
    cert: &Certificate,
    declarations: Vec<(KeyModification, SdsRevision)>,
) {
    for (m, declared) in declarations {
        let effective = declare_sds(cert.clone(), &declared);
        entries.push(HistoryEntry {
            tx_id: m.tx_id,
            timestamp: m.timestamp.seconds,
            action: Action::SdsUpdated,
            actor: declared.declared_by,
            status: effective.status,
            reason: effective.last_change.reason,
        });
    }
}

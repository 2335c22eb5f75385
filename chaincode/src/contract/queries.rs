//! Queries: reading certificates, verdicts, lists over composite-key indexes, history,
//! the trust list and the caller's own identity.

use super::*;

impl Tx<'_> {
    pub(super) fn get_certificate(&mut self, req: CertificateIdRequest) -> ContractResult<Certificate> {
        self.load_cert(&req.certificate_id)
    }

    pub(super) fn verify(&mut self, req: CertificateIdRequest) -> ContractResult<Verification> {
        validate::certificate_id("certificate_id", &req.certificate_id)?;
        let key = Self::cert_key(&req.certificate_id)?;
        let cert: Option<Certificate> = self.read(&key)?;
        Ok(verdict_for(&req.certificate_id, cert, self.now))
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

    pub(super) fn history(&mut self, req: CertificateIdRequest) -> ContractResult<Vec<HistoryEntry>> {
        validate::certificate_id("certificate_id", &req.certificate_id)?;
        let key = Self::cert_key(&req.certificate_id)?;
        let mods = self.stub.get_history_for_key(&key)?;
        if mods.is_empty() {
            return Err(ContractError::NotFound { kind: "certificate", id: req.certificate_id });
        }
        let mut entries = Vec::with_capacity(mods.len());
        for m in mods {
            if m.is_delete {
                continue;
            }
            let cert: Certificate = serde_json::from_slice(&m.value)
                .map_err(|e| ContractError::Corrupt(format!("history of {}: {e}", req.certificate_id)))?;
            entries.push(HistoryEntry {
                tx_id: m.tx_id,
                timestamp: m.timestamp.seconds,
                action: cert.last_change.action,
                actor: cert.last_change.actor,
                status: cert.status,
                reason: cert.last_change.reason,
            });
        }
        Ok(entries)
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

    pub(super) fn who_am_i(&mut self, _req: EmptyRequest) -> ContractResult<WhoAmI> {
        let mut roles = Vec::new();
        for role in Role::ALL {
            if self.has_role(role)? {
                roles.push(role);
            }
        }
        let msp = self.caller.msp_id.clone();
        Ok(WhoAmI {
            identity: self.actor(),
            node_ou: self.caller.node_ou,
            roles,
            organization: self.organization(&msp)?,
        })
    }
}

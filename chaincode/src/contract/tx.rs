//! One transaction's view of the ledger: the stub, the parsed caller, the transaction
//! time and ID, and the storage helpers every function uses (records as JSON, the
//! certificate key and its composite-key indexes, paging, events).

use super::*;

/// One transaction's view: the stub and the parsed caller.
pub(super) struct Tx<'s> {
    pub(super) stub: &'s mut dyn Stub,
    pub(super) caller: Identity,
    pub(super) now: i64,
    pub(super) tx_id: String,
}

impl<'s> Tx<'s> {
    pub(super) fn new(stub: &'s mut dyn Stub) -> ContractResult<Self> {
        let caller = parse_creator(stub.creator())?;
        let now = stub.tx_timestamp().seconds;
        let tx_id = stub.tx_id().to_owned();
        Ok(Tx { stub, caller, now, tx_id })
    }

    pub(super) fn actor(&self) -> Actor {
        self.caller.actor()
    }

    pub(super) fn change(&self, action: Action, reason: Option<String>) -> Change {
        Change { action, actor: self.actor(), at: self.now, tx_id: self.tx_id.clone(), reason }
    }

    pub(super) fn read<T: DeserializeOwned>(&mut self, key: &str) -> ContractResult<Option<T>> {
        match self.stub.get_state(key)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| ContractError::Corrupt(format!("record at {key:?}: {e}"))),
        }
    }

    pub(super) fn write<T: Serialize>(&mut self, key: &str, value: &T) -> ContractResult<()> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| ContractError::Corrupt(format!("cannot encode record {key:?}: {e}")))?;
        Ok(self.stub.put_state(key, &bytes)?)
    }

    pub(super) fn emit(
        &mut self,
        name: &str,
        ids: Vec<String>,
        status: Option<CertificateStatus>,
        flagged: Vec<String>,
    ) -> ContractResult<()> {
        let event = Event { name: name.to_owned(), certificate_ids: ids, status, flagged, tx_id: self.tx_id.clone() };
        let payload =
            serde_json::to_vec(&event).map_err(|e| ContractError::Corrupt(format!("cannot encode event: {e}")))?;
        Ok(self.stub.set_event(name, &payload)?)
    }

    pub(super) fn cert_key(id: &str) -> ContractResult<String> {
        Ok(create_composite_key(CERT, &[id])?)
    }

    pub(super) fn load_cert(&mut self, id: &str) -> ContractResult<Certificate> {
        validate::certificate_id("certificate_id", id)?;
        let key = Self::cert_key(id)?;
        self.read(&key)?.ok_or_else(|| ContractError::NotFound { kind: "certificate", id: id.to_owned() })
    }

    /// Writes a certificate, moving its status index entry from `old_status` if given.
    pub(super) fn store_cert(
        &mut self,
        cert: &Certificate,
        old_status: Option<CertificateStatus>,
    ) -> ContractResult<()> {
        let key = Self::cert_key(&cert.id)?;
        self.write(&key, cert)?;
        if old_status != Some(cert.status) {
            if let Some(old) = old_status {
                let old_key = create_composite_key(BY_STATUS, &[old.as_str(), &cert.id])?;
                self.stub.del_state(&old_key)?;
            }
            let new_key = create_composite_key(BY_STATUS, &[cert.status.as_str(), &cert.id])?;
            self.stub.put_state(&new_key, INDEX_VALUE)?;
        }
        Ok(())
    }

    /// Writes the indexes that never change for a certificate: manufacturer, product,
    /// dependencies.
    pub(super) fn index_new_cert(&mut self, cert: &Certificate) -> ContractResult<()> {
        let key = create_composite_key(BY_MANUFACTURER, &[&cert.manufacturer_msp, &cert.id])?;
        self.stub.put_state(&key, INDEX_VALUE)?;
        if let Some(gtin) = &cert.application.gtin {
            let key = create_composite_key(BY_PRODUCT, &[gtin, &cert.application.batch, &cert.id])?;
            self.stub.put_state(&key, INDEX_VALUE)?;
        }
        for supplier in &cert.application.depends_on {
            let key = create_composite_key(DEPENDENTS, &[supplier, &cert.id])?;
            self.stub.put_state(&key, INDEX_VALUE)?;
        }
        Ok(())
    }

    /// Every key of a composite-key index with this prefix (all pages).
    pub(super) fn index_ids(&mut self, object_type: &str, attributes: &[&str]) -> ContractResult<Vec<String>> {
        let mut ids = Vec::new();
        let mut bookmark = String::new();
        loop {
            let page = self.stub.get_state_by_partial_composite_key(
                object_type,
                attributes,
                limits::MAX_PAGE_SIZE,
                &bookmark,
            )?;
            for (key, _) in &page.entries {
                let (_, attrs) = split_composite_key(key)?;
                if let Some(last) = attrs.last() {
                    ids.push(last.clone());
                }
            }
            if page.bookmark.is_empty() {
                return Ok(ids);
            }
            bookmark = page.bookmark;
        }
    }

    pub(super) fn load_certs(&mut self, ids: &[String]) -> ContractResult<Vec<Certificate>> {
        let keys = ids.iter().map(|id| Self::cert_key(id)).collect::<ContractResult<Vec<_>>>()?;
        let values = self.stub.get_state_multiple(&keys)?;
        let mut certs = Vec::with_capacity(values.len());
        for (id, value) in ids.iter().zip(values) {
            let bytes = value
                .ok_or_else(|| ContractError::Corrupt(format!("index names certificate {id} but it has no record")))?;
            let cert =
                serde_json::from_slice(&bytes).map_err(|e| ContractError::Corrupt(format!("certificate {id}: {e}")))?;
            certs.push(cert);
        }
        Ok(certs)
    }

    /// One page of certificates from a composite-key index.
    pub(super) fn page_of(
        &mut self,
        object_type: &str,
        attributes: &[&str],
        page_size: u32,
        bookmark: &str,
    ) -> ContractResult<CertificatePage> {
        let size = match page_size {
            0 => limits::DEFAULT_PAGE_SIZE,
            n if n > limits::MAX_PAGE_SIZE => {
                return Err(ValidationError::new(
                    "page_size",
                    format!("must be at most {}, got {n}", limits::MAX_PAGE_SIZE),
                )
                .into())
            }
            n => n,
        };
        if bookmark.len() > limits::MAX_ID * 2 {
            return Err(ValidationError::new("bookmark", "is too long").into());
        }
        let page = match self.stub.get_state_by_partial_composite_key(object_type, attributes, size, bookmark) {
            Err(StubError::InvalidBookmark(_)) => {
                return Err(ValidationError::new(
                    "bookmark",
                    "does not belong to this list; pass the bookmark this query returned",
                )
                .into())
            }
            other => other?,
        };
        let mut ids = Vec::with_capacity(page.entries.len());
        for (key, _) in &page.entries {
            let (_, attrs) = split_composite_key(key)?;
            if let Some(id) = attrs.last() {
                ids.push(id.clone());
            }
        }
        let certificates = self.load_certs(&ids)?;
        Ok(CertificatePage { certificates, bookmark: page.bookmark })
    }
}

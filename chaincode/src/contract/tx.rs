//! One transaction's view of the ledger: the stub, the parsed caller, the transaction
//! time and ID, and the storage helpers every function uses (records as JSON, the
//! certificate key and its composite-key indexes, paging, events).

use super::*;
use std::collections::{BTreeMap, BTreeSet};

/// One transaction's view: the stub and the parsed caller.
pub(super) struct Tx<'s> {
    pub(super) stub: &'s mut dyn Stub,
    pub(super) caller: Identity,
    pub(super) now: i64,
    pub(super) tx_id: String,
    /// Status-list positions this transaction reserved and has not given out yet.
    pub(super) positions: std::collections::VecDeque<u32>,
    /// The ranges of positions this transaction reserved, as (start, size): its own writes
    /// are not readable to it, so it must remember them.
    pub(super) reserved: Vec<(u32, u32)>,
    /// The status list this transaction draws its ranges in, once it looked
    /// ([`Tx::open_list`]).
    pub(super) open_list: Option<u32>,
    /// How each certificate read or created in this transaction is stored, by ID: what
    /// [`Tx::store_cert`] writes for a change of it.
    pub(super) stored: BTreeMap<String, Stored>,
    /// The index lists (see [`IdList`]) this transaction read or changed, by key: written
    /// by [`Tx::finish`].
    lists: BTreeMap<String, IdList>,
    /// Committed values read ahead in one `GET_STATE_MULTIPLE` ([`Tx::prefetch`]), by
    /// key, each taken by its first read: a batch's thousand certificates cost a few
    /// round trips to the peer instead of a thousand. (A transaction never reads its own
    /// writes, so a value read ahead is the value a read would give later.)
    prefetched: std::collections::HashMap<String, Option<Vec<u8>>>,
}

/// How a certificate is stored.
pub(super) enum Stored {
    /// In the write-once layout: its record as applied (with SDS `applied`) and its
    /// state. `listed_in`: the transaction whose status list should name it under its
    /// stored status ([`CertificateState::listed_in`]; for a record without a state, the
    /// transaction that applied it); `None`, or a list that does not name it: it has its
    /// own status-index key.
    Record { applied: SafetyDataSheet, listed_in: Option<String> },
    /// The whole certificate under its record key, as contract versions before the
    /// write-once layout wrote it: its changes keep rewriting the record, and its status
    /// index entry is its own key.
    Whole,
}

/// The certificate IDs one index key lists: the certificates one transaction filed under
/// the key's attributes (its manufacturer, or a status it moved them into). One key per
/// transaction instead of one per certificate is what keeps a batch of 1,000 certificates
/// at about two written keys per certificate for its application and one for its
/// approval. Contract versions before these lists wrote one key per certificate (the
/// ID as last attribute, value [`INDEX_VALUE`]); readers take both.
pub(super) struct IdList {
    ids: BTreeSet<String>,
    /// The key held a list before this transaction.
    existed: bool,
    changed: bool,
}

impl<'s> Tx<'s> {
    pub(super) fn new(stub: &'s mut dyn Stub) -> ContractResult<Self> {
        let caller = parse_creator(stub.creator())?;
        let now = stub.tx_timestamp().seconds;
        let tx_id = stub.tx_id().to_owned();
        Ok(Tx {
            stub,
            caller,
            now,
            tx_id,
            positions: std::collections::VecDeque::new(),
            reserved: Vec::new(),
            open_list: None,
            stored: BTreeMap::new(),
            lists: BTreeMap::new(),
            prefetched: std::collections::HashMap::new(),
        })
    }

    /// Reads `keys` ahead, in one `GET_STATE_MULTIPLE` (which the runtime splits at the
    /// peer's limit), for [`Tx::get`] and the certificate loaders to take.
    pub(super) fn prefetch(&mut self, keys: Vec<String>) -> ContractResult<()> {
        let values = self.stub_multiple(&keys)?;
        self.prefetched.extend(keys.into_iter().zip(values));
        Ok(())
    }

    /// The committed values of `keys`, in order: taken from those read ahead when all of
    /// them were, otherwise read now in one round trip.
    fn get_multiple(&mut self, keys: &[String]) -> ContractResult<Vec<Option<Vec<u8>>>> {
        if keys.iter().all(|k| self.prefetched.contains_key(k)) {
            return Ok(keys.iter().map(|k| self.prefetched.remove(k).flatten()).collect());
        }
        self.stub_multiple(keys)
    }

    /// One `GET_STATE_MULTIPLE` of `keys`, checked to answer a value (or none) for each.
    fn stub_multiple(&mut self, keys: &[String]) -> ContractResult<Vec<Option<Vec<u8>>>> {
        let values = self.stub.get_state_multiple(keys)?;
        if values.len() != keys.len() {
            return Err(ContractError::Corrupt(format!("asked {} keys, got {}", keys.len(), values.len())));
        }
        Ok(values)
    }

    /// Reads ahead the keys of certificates `ids` that [`Tx::load_cert`] reads (record,
    /// state, declared SDS revision); an ID that is not valid is left for the load to
    /// refuse.
    pub(super) fn prefetch_certs<'a>(&mut self, ids: impl Iterator<Item = &'a str>) -> ContractResult<()> {
        let mut keys = Vec::new();
        for id in ids {
            if validate::certificate_id("certificate_id", id).is_ok() {
                keys.extend([Self::cert_key(id)?, Self::state_key(id)?, Self::sds_key(id)?]);
            }
        }
        self.prefetch(keys)
    }

    /// The committed value of `key`: read ahead, or read now.
    pub(super) fn get(&mut self, key: &str) -> ContractResult<Option<Vec<u8>>> {
        match self.prefetched.remove(key) {
            Some(value) => Ok(value),
            None => Ok(self.stub.get_state(key)?),
        }
    }

    /// Ends a transaction that succeeded: writes the index lists it changed (a list left
    /// empty is deleted).
    pub(super) fn finish(&mut self) -> ContractResult<()> {
        for (key, list) in std::mem::take(&mut self.lists) {
            if !list.changed {
                continue;
            }
            if list.ids.is_empty() {
                if list.existed {
                    self.stub.del_state(&key)?;
                }
            } else {
                self.write(&key, &list.ids)?;
            }
        }
        Ok(())
    }

    pub(super) fn actor(&self) -> Actor {
        self.caller.actor()
    }

    pub(super) fn change(&self, action: Action, reason: Option<String>) -> Change {
        Change { action, actor: self.actor(), at: self.now, tx_id: self.tx_id.clone(), reason }
    }

    pub(super) fn read<T: DeserializeOwned>(&mut self, key: &str) -> ContractResult<Option<T>> {
        self.get(key)?.map(|bytes| decode(&bytes, key)).transpose()
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

    /// The key of a certificate's state ([`CertificateState`]) in the write-once layout.
    pub(super) fn state_key(id: &str) -> ContractResult<String> {
        Ok(create_composite_key(CERT_STATE, &[id])?)
    }

    /// The certificate as stored, from its record and state read together (one round
    /// trip): without the manufacturer's declared SDS revision and without dependency
    /// flags.
    pub(super) fn load_stored(&mut self, id: &str) -> ContractResult<Certificate> {
        Ok(self.load_parts(id, false)?.0)
    }

    /// The certificate as every function and query sees it: the stored record with the
    /// manufacturer's declared SDS revision in effect and its dependency flags computed.
    /// The record, its state and the declared SDS revision are read in one round trip.
    pub(super) fn load_cert(&mut self, id: &str) -> ContractResult<Certificate> {
        let (cert, declared) = self.load_parts(id, true)?;
        let cert = match declared {
            Some(declared) => declare_sds(cert, &declared),
            None => cert,
        };
        self.with_flags(cert)
    }

    /// Certificate `id` as stored and, with `sds`, its declared SDS revision: the record,
    /// the state and the declaration's keys in one `GET_STATE_MULTIPLE`.
    fn load_parts(&mut self, id: &str, sds: bool) -> ContractResult<(Certificate, Option<SdsRevision>)> {
        validate::certificate_id("certificate_id", id)?;
        let mut keys = vec![Self::cert_key(id)?, Self::state_key(id)?];
        if sds {
            keys.push(Self::sds_key(id)?);
        }
        let mut values = self.get_multiple(&keys)?;
        let declared = if sds { values.pop().flatten() } else { None };
        let state = values.pop().flatten();
        let record = values.pop().flatten();
        let record = record.ok_or_else(|| ContractError::NotFound { kind: "certificate", id: id.to_owned() })?;
        let cert = self.stored_from(id, &record, state.as_deref())?;
        let declared = declared.map(|bytes| decode(&bytes, &keys[2])).transpose()?;
        Ok((cert, declared))
    }

    /// A certificate from its record and state bytes: the record with the state laid over
    /// it when the record is in the write-once layout (stored `PENDING`); a record of an
    /// earlier layout (any other stored status) is the whole certificate, and is noted so
    /// that its changes are written the same way.
    fn stored_from(&mut self, id: &str, record: &[u8], state: Option<&[u8]>) -> ContractResult<Certificate> {
        let cert: Certificate = decode(record, &format!("certificate {id}"))?;
        if cert.status != CertificateStatus::Pending {
            self.stored.insert(cert.id.clone(), Stored::Whole);
            return Ok(cert);
        }
        let applied = cert.application.sds.clone();
        let (cert, listed_in) = match state {
            None => {
                let applied_in = cert.last_change.tx_id.clone();
                (cert, Some(applied_in))
            }
            Some(bytes) => {
                let mut state: CertificateState = decode(bytes, &format!("state of certificate {id}"))?;
                let listed_in = state.listed_in.take().unwrap_or_else(|| state.last_change.tx_id.clone());
                (cert.with_state(state), Some(listed_in))
            }
        };
        self.stored.insert(cert.id.clone(), Stored::Record { applied, listed_in });
        Ok(cert)
    }

    /// `cert` (as stored) with its declared SDS revision in effect and its flags computed.
    pub(super) fn effective(&mut self, cert: Certificate) -> ContractResult<Certificate> {
        let cert = self.with_declared_sds(cert)?;
        self.with_flags(cert)
    }

    /// `cert` with its dependency flags computed.
    fn with_flags(&mut self, mut cert: Certificate) -> ContractResult<Certificate> {
        cert.flags = self.dependency_flags(&cert)?;
        Ok(cert)
    }

    pub(super) fn sds_key(id: &str) -> ContractResult<String> {
        Ok(create_composite_key(SDS, &[id])?)
    }

    /// The SDS revision the manufacturer declared for certificate `id`, if any.
    pub(super) fn declared_sds(&mut self, id: &str) -> ContractResult<Option<SdsRevision>> {
        let key = Self::sds_key(id)?;
        self.read(&key)
    }

    /// `cert` with the manufacturer's declared SDS revision in effect (see [`declare_sds`]).
    pub(super) fn with_declared_sds(&mut self, cert: Certificate) -> ContractResult<Certificate> {
        Ok(match self.declared_sds(&cert.id)? {
            Some(declared) => declare_sds(cert, &declared),
            None => cert,
        })
    }

    /// The version in force of the certificate named `named`: followed along
    /// `superseded_by` to its current renewal, with its declared SDS revision in effect
    /// (so a supplier suspended by a new SDS revision counts as suspended).
    pub(super) fn in_force_version(&mut self, named: &str) -> ContractResult<Certificate> {
        let mut cert = self.load_stored(named)?;
        let mut hops = 0usize;
        while let Some(next) = cert.superseded_by.clone() {
            hops += 1;
            if hops > MAX_RENEWALS_FOLLOWED {
                return Err(ContractError::Corrupt(format!(
                    "certificate {named} has more than {MAX_RENEWALS_FOLLOWED} renewals"
                )));
            }
            cert = self.load_stored(&next).map_err(|e| match e {
                ContractError::NotFound { .. } => ContractError::Corrupt(format!(
                    "certificate {} names its renewal {next}, which does not exist",
                    cert.id
                )),
                other => other,
            })?;
        }
        self.with_declared_sds(cert)
    }

    /// The dependency flags of `cert`, computed now: one per supplier it depends on whose
    /// version in force is SUSPENDED or REVOKED, in `depends_on` order.
    pub(super) fn dependency_flags(&mut self, cert: &Certificate) -> ContractResult<Vec<DependencyFlag>> {
        let mut flags = Vec::new();
        for named in &cert.application.depends_on {
            let supplier = self.in_force_version(named).map_err(|e| match e {
                ContractError::NotFound { id, .. } => ContractError::Corrupt(format!(
                    "certificate {} depends on {named}, but certificate {id} does not exist",
                    cert.id
                )),
                other => other,
            })?;
            if matches!(supplier.status, CertificateStatus::Suspended | CertificateStatus::Revoked) {
                flags.push(DependencyFlag {
                    supplier_certificate: supplier.id.clone(),
                    supplier_status: supplier.status,
                    reason: supplier.status_reason.clone().unwrap_or_default(),
                    since: supplier.status_since,
                });
            }
        }
        Ok(flags)
    }

    /// The certificates that depend on `supplier_id` (through the dependents index, which
    /// renewals carry on to the new version) and are not final: the ones whose flags
    /// change when the supplier's does. Events name them so that followers re-read them.
    pub(super) fn dependents_of(&mut self, supplier_id: &str) -> ContractResult<Vec<String>> {
        let ids = self.index_ids(DEPENDENTS, &[supplier_id])?;
        Ok(self.load_stored_many(&ids)?.into_iter().filter(|c| !c.status.is_final()).map(|c| c.id).collect())
    }

    /// Writes a new certificate's record, once: the certificate as applied, stored
    /// `PENDING` whatever `cert` says (a renewal's new version is issued by the state
    /// [`Tx::store_cert`] writes next), and files it in this transaction's status list.
    pub(super) fn store_record(&mut self, cert: &Certificate) -> ContractResult<()> {
        let key = Self::cert_key(&cert.id)?;
        let record = Certificate {
            status: CertificateStatus::Pending,
            status_reason: None,
            superseded_by: None,
            issuance: None,
            resign_required: false,
            status_index: None,
            credential: None,
            retired_status_indexes: Vec::new(),
            flags: Vec::new(),
            reviewed_sds: None,
            ..cert.clone()
        };
        self.write(&key, &record)?;
        self.stored.insert(cert.id.clone(), Stored::Record { applied: cert.application.sds.clone(), listed_in: None });
        self.move_status_index(&cert.id, None, cert.status, true)
    }

    /// Writes a change of a certificate read (or created) in this transaction, without
    /// its computed flags, and moves its status index entry from `old_status`: its state
    /// ([`CertificateState`]) in the write-once layout, the whole record for a
    /// certificate whose record is of an earlier layout.
    pub(super) fn store_cert(&mut self, cert: &Certificate, old_status: CertificateStatus) -> ContractResult<()> {
        if !self.stored.contains_key(&cert.id) {
            return Err(ContractError::Corrupt(format!(
                "certificate {} is written without having been read in this transaction",
                cert.id
            )));
        }
        self.move_status_index(&cert.id, Some(old_status), cert.status, true)?;
        match self.stored.get(&cert.id) {
            Some(Stored::Record { applied, listed_in }) => {
                // Named only when it is not the last change's transaction (the usual case:
                // the change that moved the status).
                let listed_in = listed_in.clone().filter(|t| *t != cert.last_change.tx_id);
                let state = CertificateState { listed_in, ..cert.state(applied) };
                let key = Self::state_key(&cert.id)?;
                self.write(&key, &state)
            }
            _ => {
                let key = Self::cert_key(&cert.id)?;
                let stored = Certificate { flags: Vec::new(), reviewed_sds: None, ..cert.clone() };
                self.write(&key, &stored)
            }
        }
    }

    /// The keys holding what key-level endorsement protects of an issued certificate:
    /// its record and its state in the write-once layout, the record alone otherwise.
    pub(super) fn protected_keys(&self, id: &str) -> ContractResult<Vec<String>> {
        Ok(match self.stored.get(id) {
            Some(Stored::Whole) => vec![Self::cert_key(id)?],
            _ => vec![Self::cert_key(id)?, Self::state_key(id)?],
        })
    }

    /// Moves certificate `id`'s entry in the status index from `old` (none: a new
    /// certificate) to `new`: out of the list (or its own key) that names it under
    /// `old`, into this transaction's list for `new` when `in_state` (the state this
    /// transaction writes records the list, [`CertificateState::listed_in`]) and the
    /// certificate is in the write-once layout, into its own key otherwise (a whole
    /// record of an earlier layout, or a move the state does not record: an SDS
    /// declaration, which cannot write the issuer-protected state).
    pub(super) fn move_status_index(
        &mut self,
        id: &str,
        old: Option<CertificateStatus>,
        new: CertificateStatus,
        in_state: bool,
    ) -> ContractResult<()> {
        if old == Some(new) {
            return Ok(());
        }
        if let Some(old) = old {
            self.unlist_status(id, old)?;
        }
        let tx_id = self.tx_id.clone();
        match self.stored.get_mut(id) {
            Some(Stored::Record { listed_in, .. }) if in_state => {
                *listed_in = Some(tx_id.clone());
                let key = create_composite_key(BY_STATUS, &[new.as_str(), &tx_id])?;
                self.list_add(key, id)
            }
            _ => {
                let key = create_composite_key(BY_STATUS, &[new.as_str(), id])?;
                Ok(self.stub.put_state(&key, INDEX_VALUE)?)
            }
        }
    }

    /// Takes certificate `id` out of the status index under `status`: out of the list of
    /// the transaction its state names when that list names it, else its own key.
    fn unlist_status(&mut self, id: &str, status: CertificateStatus) -> ContractResult<()> {
        if let Some(Stored::Record { listed_in: Some(listed_in), .. }) = self.stored.get(id) {
            let key = create_composite_key(BY_STATUS, &[status.as_str(), listed_in])?;
            let own = *listed_in == self.tx_id;
            let list = self.list(key, own)?;
            if list.ids.remove(id) {
                list.changed = true;
                return Ok(());
            }
        }
        let key = create_composite_key(BY_STATUS, &[status.as_str(), id])?;
        Ok(self.stub.del_state(&key)?)
    }

    /// The list at `key`, read once per transaction (`own`: a key of this transaction's,
    /// which holds nothing before it and is not read).
    fn list(&mut self, key: String, own: bool) -> ContractResult<&mut IdList> {
        if !self.lists.contains_key(&key) {
            let stored = if own { None } else { self.stub.get_state(&key)? };
            let list = match stored {
                None => IdList { ids: BTreeSet::new(), existed: false, changed: false },
                Some(bytes) => IdList { ids: decode(&bytes, &key)?, existed: true, changed: false },
            };
            self.lists.insert(key.clone(), list);
        }
        self.lists.get_mut(&key).ok_or_else(|| ContractError::Corrupt(format!("list {key:?} vanished")))
    }

    /// Adds certificate `id` to the list at `key`, a key of this transaction's.
    fn list_add(&mut self, key: String, id: &str) -> ContractResult<()> {
        let list = self.list(key, true)?;
        list.ids.insert(id.to_owned());
        list.changed = true;
        Ok(())
    }

    /// Writes the indexes that never change for a certificate: manufacturer (this
    /// transaction's list of the manufacturer's certificates), product, dependencies.
    pub(super) fn index_new_cert(&mut self, cert: &Certificate) -> ContractResult<()> {
        let key = create_composite_key(BY_MANUFACTURER, &[&cert.manufacturer_msp, &self.tx_id])?;
        self.list_add(key, &cert.id)?;
        if let Some(gtin) = &cert.application.gtin {
            let key = create_composite_key(BY_PRODUCT, &[gtin, &cert.application.batch, &cert.id])?;
            self.stub.put_state(&key, INDEX_VALUE)?;
        }
        // Filed under each supplier's version in force, not the version the application
        // names: a renewal (of the dependent, whose application is copied) may name a
        // superseded supplier, and only the version in force has status changes whose
        // events must name this dependent. Renewing the supplier later moves the entry on.
        for named in &cert.application.depends_on {
            let supplier = self.in_force_version(named)?.id;
            let key = create_composite_key(DEPENDENTS, &[&supplier, &cert.id])?;
            self.stub.put_state(&key, INDEX_VALUE)?;
        }
        Ok(())
    }

    /// Every key of a composite-key index with this prefix (all pages): the last
    /// attribute of each.
    pub(super) fn index_ids(&mut self, object_type: &str, attributes: &[&str]) -> ContractResult<Vec<String>> {
        let mut ids = Vec::new();
        for (key, _) in self.composite_entries(object_type, attributes)? {
            let (_, attrs) = split_composite_key(&key)?;
            if let Some(last) = attrs.last() {
                ids.push(last.clone());
            }
        }
        Ok(ids)
    }

    /// Every key and value under this composite-key prefix (all pages).
    pub(super) fn composite_entries(
        &mut self,
        object_type: &str,
        attributes: &[&str],
    ) -> ContractResult<Vec<(String, Vec<u8>)>> {
        let mut entries = Vec::new();
        let mut bookmark = String::new();
        loop {
            let page = self.stub.get_state_by_partial_composite_key(
                object_type,
                attributes,
                limits::MAX_PAGE_SIZE,
                &bookmark,
            )?;
            entries.extend(page.entries);
            if page.bookmark.is_empty() {
                return Ok(entries);
            }
            bookmark = page.bookmark;
        }
    }

    /// The stored records of `ids` (as [`Tx::load_stored`]); an ID without a record is
    /// corrupt (an index names it).
    pub(super) fn load_stored_many(&mut self, ids: &[String]) -> ContractResult<Vec<Certificate>> {
        let mut keys = Vec::with_capacity(ids.len() * 2);
        for id in ids {
            keys.push(Self::cert_key(id)?);
            keys.push(Self::state_key(id)?);
        }
        let values = self.get_multiple(&keys)?;
        let mut certs = Vec::with_capacity(ids.len());
        let mut values = values.into_iter();
        for id in ids {
            let (record, state) = (values.next().flatten(), values.next().flatten());
            let record = record
                .ok_or_else(|| ContractError::Corrupt(format!("index names certificate {id} but it has no record")))?;
            certs.push(self.stored_from(id, &record, state.as_deref())?);
        }
        Ok(certs)
    }

    /// The certificates `ids` as queries answer them (as [`Tx::load_cert`]).
    pub(super) fn load_certs(&mut self, ids: &[String]) -> ContractResult<Vec<Certificate>> {
        let stored = self.load_stored_many(ids)?;
        stored.into_iter().map(|cert| self.effective(cert)).collect()
    }

    /// One page of certificates from a listing index (lists of IDs per transaction, and
    /// the one-key-per-certificate entries of earlier contract versions), `page_size`
    /// certificates long. The bookmark names the key to resume from and, when the page
    /// ended inside that key's list, how many of its IDs were already given: the offset
    /// in decimal, then the key (Fabric's own bookmark, the key to resume from, is a
    /// bookmark with offset 0).
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
        } as usize;
        if bookmark.len() > limits::MAX_ID * 2 {
            return Err(ValidationError::new("bookmark", "is too long").into());
        }
        let (mut skip, mut from) = parse_bookmark(bookmark)?;
        let mut ids: Vec<String> = Vec::with_capacity(size);
        let (mut keys_seen, mut ids_seen) = (0usize, 0usize);
        let next = 'pages: loop {
            // Ask for as many keys as should fill the page, judged by the lists so far (a
            // key may list one certificate or a thousand).
            let want = size - ids.len();
            let keys =
                if keys_seen == 0 { want.min(16) } else { want.saturating_mul(keys_seen).div_ceil(ids_seen.max(1)) };
            let keys = keys.clamp(1, want) as u32;
            let page = match self.stub.get_state_by_partial_composite_key(object_type, attributes, keys, &from) {
                Err(StubError::InvalidBookmark(_)) => return Err(foreign_bookmark().into()),
                other => other?,
            };
            for (key, value) in &page.entries {
                let listed = listed_ids(key, value)?;
                keys_seen += 1;
                ids_seen += listed.len();
                let offset = std::mem::take(&mut skip).min(listed.len());
                let room = size - ids.len();
                let rest = &listed[offset..];
                if rest.len() > room {
                    ids.extend_from_slice(&rest[..room]);
                    break 'pages format!("{}{key}", offset + room);
                }
                ids.extend_from_slice(rest);
            }
            if page.bookmark.is_empty() || ids.len() == size {
                break page.bookmark;
            }
            from = page.bookmark;
        };
        let certificates = self.load_certs(&ids)?;
        Ok(CertificatePage { certificates, bookmark: next })
    }
}

/// The error for a bookmark that no query of this list returned.
fn foreign_bookmark() -> ValidationError {
    ValidationError::new("bookmark", "does not belong to this list; pass the bookmark this query returned")
}

/// A listing bookmark (see [`Tx::page_of`]) as (IDs to skip, key to resume from).
fn parse_bookmark(bookmark: &str) -> ContractResult<(usize, String)> {
    let split = bookmark.find('\u{0}').unwrap_or(bookmark.len());
    let (offset, key) = bookmark.split_at(split);
    let offset = match offset {
        "" => 0,
        digits if digits.len() <= 6 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse().map_err(|_| foreign_bookmark())?
        }
        _ => return Err(foreign_bookmark().into()),
    };
    if offset > 0 && key.is_empty() {
        return Err(foreign_bookmark().into());
    }
    Ok((offset, key.to_owned()))
}

/// The certificate IDs an index key names: the list a transaction wrote ([`IdList`]),
/// or the one ID that is the last attribute of an earlier contract version's key.
fn listed_ids(key: &str, value: &[u8]) -> ContractResult<Vec<String>> {
    if value.first() == Some(&b'[') {
        return decode(value, key);
    }
    let (_, attrs) = split_composite_key(key)?;
    Ok(attrs.last().cloned().into_iter().collect())
}

/// `bytes` as the JSON of a `T` stored at `what` (a key, or words naming the record).
pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> ContractResult<T> {
    serde_json::from_slice(bytes).map_err(|e| ContractError::Corrupt(format!("record at {what:?}: {e}")))
}

/// `cert` with the declared SDS revision `declared` in effect, when it is newer than the
/// revision in the certificate's application (an older or equal one has already been
/// written into the certificate, by a re-signing reinstatement, an approval or a
/// transition): the application's `sds` becomes the declared one; an issued certificate
/// needs a fresh signature (`resign_required`), and an ACTIVE one is SUSPENDED from the
/// declaration on; the last change is the declaration. This is exactly what `UpdateSds`
/// wrote into the certificate before the declaration got its own key.
pub(super) fn declare_sds(mut cert: Certificate, declared: &SdsRevision) -> Certificate {
    if declared.sds.revision <= cert.application.sds.revision {
        return cert;
    }
    let reason = format!("SDS revision {} awaits certifier review", declared.sds.revision);
    let reviewed = std::mem::replace(&mut cert.application.sds, declared.sds.clone());
    if cert.issuance.is_some() {
        cert.reviewed_sds = Some(reviewed);
    }
    let change = |reason: Option<String>| Change {
        action: Action::SdsUpdated,
        actor: declared.declared_by.clone(),
        at: declared.declared_at,
        tx_id: declared.tx_id.clone(),
        reason,
    };
    match cert.status {
        CertificateStatus::Pending => cert.last_change = change(None),
        CertificateStatus::Active | CertificateStatus::Suspended => {
            cert.resign_required = true;
            if cert.status == CertificateStatus::Active {
                cert.status = CertificateStatus::Suspended;
                cert.status_since = declared.declared_at;
                cert.status_reason = Some(reason.clone());
            }
            cert.last_change = change(Some(reason));
        }
        // `UpdateSds` refuses final certificates, and every transition into a final
        // status writes the declared revision into the record; nothing else to do.
        CertificateStatus::Rejected | CertificateStatus::Revoked | CertificateStatus::Superseded => {}
    }
    cert
}

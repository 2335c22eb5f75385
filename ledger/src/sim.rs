//! A transaction simulator with Fabric's semantics, shared by every ledger backend.
//!
//! A [`TxSimulator`] runs one transaction against a [`StateStore`] (the committed state
//! of some ledger) and collects what the transaction wants to write in a [`WriteSet`].
//! The backend applies that write set atomically when it commits the transaction, or
//! throws it away when the transaction fails.
//!
//! The rules follow Fabric's peer (`lockbased_tx_simulator.go`, the shim and the
//! validator's `tx_ops.go`):
//!
//! - **No read-your-writes**: every read (`get_state`, ranges, history, validation
//!   parameters) sees only the state committed before the transaction.
//! - `put_state` and `del_state` accept simple and composite keys alike and reject only
//!   the empty key. Writing an *empty* value is a delete (Fabric records a write with
//!   `IsDelete = len(value) == 0`). The last write to a key wins.
//! - `get_state_by_range` is for simple keys: `start`/`end` may not begin with U+0000, an
//!   empty `start` starts right after the composite namespace (`"\u{1}"`), an empty
//!   `end` means "no upper bound", and no returned key ever begins with U+0000.
//! - Pagination: `page_size` 0 means [`DEFAULT_PAGE_SIZE`]; larger sizes are capped at
//!   [`MAX_PAGE_SIZE`]. The bookmark returned is the first key *not* returned (the key
//!   to resume from), or `""` when the range is exhausted. A bookmark outside the
//!   queried `[start, end)` range is [`StubError::InvalidBookmark`].
//! - `set_event` replaces any earlier event of the transaction; the name may not be
//!   empty.
//! - Validation parameters set by the transaction are buffered; at commit
//!   [`WriteSet::effective_validation_parameters`] applies Fabric's rule (a delete of
//!   the key wins and removes its policy; a policy for a key that will not exist after
//!   the transaction is ignored).
//! - **Key-level endorsement** is validated before a write set commits
//!   ([`WriteSet::check_endorsement`]), as Fabric's validator does
//!   (`statebased/validator_keylevel.go`): every key the transaction writes, deletes or
//!   whose validation parameter it changes must satisfy the key's *committed* policy (a
//!   policy set by the same transaction only guards later ones); a key without one falls
//!   back to the chaincode-level policy, which the embedded ledgers treat as satisfied.
//!   The embedded notion of "endorsed by organisation X" is the submitting identity's
//!   MSP: a transaction is endorsed by exactly that one organisation, and a policy's
//!   `Peer` role is satisfied by any member of it
//!   ([`EndorsementPolicy::is_endorsed_on_one_machine_by`]). A transaction that fails is invalidated with
//!   [`StubError::EndorsementPolicyFailure`] and writes nothing.
//! - **Private data** follows Fabric's peer (`core/chaincode/handler.go`): a collection
//!   must be defined ([`StubError::UnknownCollection`]); reading a `member_only_read`
//!   collection's value, or writing a `member_only_write` one, is refused to a creator
//!   outside its organisations ([`StubError::CollectionAccess`]) when the contract asks,
//!   so the transaction fails and writes nothing; the hash of a value is anyone's to read.
//!   Private writes follow the public rules (no read-your-writes, an empty value is a
//!   delete, the last write wins) and are kept apart in [`WriteSet::private`]: a ledger
//!   stores the values apart from the state, and only their hashes
//!   ([`private_data_hash`]) with the transaction.

use std::collections::BTreeMap;

use nanotrace_shim::{
    partial_composite_range, CollectionAccess, CollectionConfig, Creator, EndorsementFailure, EndorsementPolicy,
    KeyModification, KeyWrite, Page, Stub, StubError, StubResult, TxTimestamp, COMPOSITE_KEY_NAMESPACE,
};
use sha2::{Digest, Sha256};

/// Page size used when a range query passes `page_size == 0`.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// Largest page a range query may return.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Read access to committed state; implemented by each ledger backend.
pub trait StateStore {
    /// The committed value of `key`.
    fn get(&self, key: &str) -> StubResult<Option<Vec<u8>>>;
    /// The committed values of `keys`, in their order (the default reads them one by one).
    fn get_multiple(&self, keys: &[String]) -> StubResult<Vec<Option<Vec<u8>>>> {
        keys.iter().map(|k| self.get(k)).collect()
    }
    /// Committed entries with `start <= key < end` in key order, at most `limit`.
    /// (`end` empty = unbounded.)
    fn scan(&self, start: &str, end: &str, limit: usize) -> StubResult<Vec<(String, Vec<u8>)>>;
    /// History of `key`, newest first.
    fn history(&self, key: &str) -> StubResult<Vec<KeyModification>>;
    /// The committed key-level endorsement policy of `key`.
    fn validation_parameter(&self, key: &str) -> StubResult<Option<EndorsementPolicy>>;
    /// The definition of private data collection `name`, if the contract has one.
    fn collection(&self, name: &str) -> StubResult<Option<CollectionConfig>>;
    /// The committed value of `key` in collection `collection`.
    fn private(&self, collection: &str, key: &str) -> StubResult<Option<Vec<u8>>>;
    /// The committed hash ([`private_data_hash`]) of the value of `key` in `collection`.
    fn private_hash(&self, collection: &str, key: &str) -> StubResult<Option<[u8; 32]>>;
}

/// The SHA-256 a ledger keeps of a private key or value in place of it (Fabric's hashed
/// read-write set).
pub fn private_data_hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// A transaction's private writes: by collection, by key; `None` = delete.
pub type PrivateWrites = BTreeMap<String, BTreeMap<String, Option<Vec<u8>>>>;

/// Everything a transaction wants to write, applied atomically at commit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteSet {
    /// Key writes; `None` = delete.
    pub writes: BTreeMap<String, Option<Vec<u8>>>,
    /// Key-level endorsement policies set by the transaction (before Fabric's commit
    /// rule; see [`WriteSet::effective_validation_parameters`]).
    pub validation_parameters: BTreeMap<String, EndorsementPolicy>,
    /// The transaction's chaincode event: (name, payload).
    pub event: Option<(String, Vec<u8>)>,
    /// Private data writes, which a ledger stores apart and records only as hashes.
    pub private: PrivateWrites,
}

impl WriteSet {
    /// True when the transaction writes nothing and emits no event.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
            && self.validation_parameters.is_empty()
            && self.event.is_none()
            && self.private.is_empty()
    }

    /// The validation parameters that take effect when this write set commits, by
    /// Fabric's rule (`tx_ops.go`):
    ///
    /// - the key is deleted by this transaction → the policy is dropped (and the key's
    ///   committed policy is removed along with the key: see
    ///   [`WriteSet::deleted_keys`]);
    /// - the key is written by this transaction → the policy applies;
    /// - otherwise the policy applies only if the key exists in committed state
    ///   (`committed_exists`); a policy for a missing key is a no-op.
    pub fn effective_validation_parameters<F>(
        &self,
        mut committed_exists: F,
    ) -> StubResult<Vec<(&str, &EndorsementPolicy)>>
    where
        F: FnMut(&str) -> StubResult<bool>,
    {
        let mut effective = Vec::with_capacity(self.validation_parameters.len());
        for (key, policy) in &self.validation_parameters {
            let applies = match self.writes.get(key) {
                Some(None) => false,
                Some(Some(_)) => true,
                None => committed_exists(key)?,
            };
            if applies {
                effective.push((key.as_str(), policy));
            }
        }
        Ok(effective)
    }

    /// Validates the write set against the committed key-level endorsement policies of
    /// the keys it touches, for a transaction `tx_id` endorsed by organisation
    /// `endorser_msp` (see the module docs for the rule). `committed_policy` reads a
    /// key's policy from the state before this transaction. The first key whose policy
    /// is not satisfied fails the whole transaction with
    /// [`StubError::EndorsementPolicyFailure`].
    pub fn check_endorsement<F>(&self, tx_id: &str, endorser_msp: &str, mut committed_policy: F) -> StubResult<()>
    where
        F: FnMut(&str) -> StubResult<Option<EndorsementPolicy>>,
    {
        let writes = self.writes.iter().map(|(k, v)| (k, if v.is_some() { KeyWrite::Value } else { KeyWrite::Delete }));
        let metadata = self
            .validation_parameters
            .keys()
            .filter(|k| !self.writes.contains_key(*k))
            .map(|k| (k, KeyWrite::ValidationParameter));
        for (key, write) in writes.chain(metadata) {
            if let Some(policy) = committed_policy(key)? {
                if !policy.is_endorsed_on_one_machine_by(endorser_msp) {
                    return Err(EndorsementFailure {
                        tx_id: tx_id.to_owned(),
                        key: key.clone(),
                        write,
                        policy,
                        endorser_msp: endorser_msp.to_owned(),
                    }
                    .into());
                }
            }
        }
        Ok(())
    }

    /// Keys this write set deletes (their validation parameters go with them).
    pub fn deleted_keys(&self) -> impl Iterator<Item = &str> {
        self.writes.iter().filter(|(_, v)| v.is_none()).map(|(k, _)| k.as_str())
    }
}

/// Runs one transaction against committed state, buffering its writes.
pub struct TxSimulator<'a, S: StateStore + ?Sized> {
    store: &'a S,
    tx_id: String,
    timestamp: TxTimestamp,
    creator: Creator,
    transient: BTreeMap<String, Vec<u8>>,
    write_set: WriteSet,
}

impl<S: StateStore + ?Sized> std::fmt::Debug for TxSimulator<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxSimulator").finish_non_exhaustive()
    }
}

impl<'a, S: StateStore + ?Sized> TxSimulator<'a, S> {
    /// A simulator reading `store`, for the transaction `tx_id`.
    pub fn new(store: &'a S, tx_id: String, timestamp: TxTimestamp, creator: Creator) -> Self {
        Self { store, tx_id, timestamp, creator, transient: BTreeMap::new(), write_set: WriteSet::default() }
    }

    /// Sets the proposal's transient data, which the contract reads with
    /// [`Stub::transient`] and which is never stored.
    pub fn set_transient(&mut self, transient: BTreeMap<String, Vec<u8>>) {
        self.transient = transient;
    }

    /// The definition of `collection`, checked for `access` by the creator's
    /// organisation (`None`: reading a hash, anyone may).
    fn collection_for(&self, collection: &str, access: Option<CollectionAccess>) -> StubResult<CollectionConfig> {
        let config =
            self.store.collection(collection)?.ok_or_else(|| StubError::UnknownCollection(collection.to_owned()))?;
        let msp_id = &self.creator.msp_id;
        let allowed = match access {
            None => true,
            Some(CollectionAccess::Read) => config.may_read(msp_id),
            Some(CollectionAccess::Write) => config.may_write(msp_id),
        };
        match access {
            Some(access) if !allowed => {
                Err(StubError::CollectionAccess { collection: collection.to_owned(), msp_id: msp_id.clone(), access })
            }
            _ => Ok(config),
        }
    }

    /// Buffers a private write (`None`: delete) after the collection's checks.
    fn write_private(&mut self, collection: &str, key: &str, value: Option<Vec<u8>>) -> StubResult<()> {
        reject_empty(key)?;
        self.collection_for(collection, Some(CollectionAccess::Write))?;
        self.write_set.private.entry(collection.to_owned()).or_default().insert(key.to_owned(), value);
        Ok(())
    }

    /// What the transaction has buffered so far.
    pub fn write_set(&self) -> &WriteSet {
        &self.write_set
    }

    /// Ends the simulation, returning the buffered writes.
    pub fn into_write_set(self) -> WriteSet {
        self.write_set
    }

    /// One page of committed keys in `[start, end)` (`end` empty = unbounded), resuming
    /// at `bookmark`. `start` must be non-empty here.
    fn page(&self, start: &str, end: &str, page_size: u32, bookmark: &str) -> StubResult<Page> {
        let size = effective_page_size(page_size);
        let from = if bookmark.is_empty() {
            start
        } else {
            let in_range = bookmark >= start && (end.is_empty() || bookmark < end);
            if !in_range {
                return Err(StubError::InvalidBookmark(bookmark.to_owned()));
            }
            bookmark
        };
        if !end.is_empty() && from >= end {
            return Ok(Page::default());
        }
        // One extra entry tells whether there is a next page, and is its bookmark.
        let mut entries = self.store.scan(from, end, size + 1)?;
        let bookmark = if entries.len() > size {
            entries.truncate(size + 1);
            entries.pop().map(|(k, _)| k).unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Page { entries, bookmark })
    }
}

fn effective_page_size(page_size: u32) -> usize {
    match usize::try_from(page_size) {
        Ok(0) => DEFAULT_PAGE_SIZE,
        Ok(n) => n.min(MAX_PAGE_SIZE),
        Err(_) => MAX_PAGE_SIZE,
    }
}

fn reject_empty(key: &str) -> StubResult<()> {
    if key.is_empty() {
        return Err(StubError::InvalidKey { key: String::new(), reason: "empty key" });
    }
    Ok(())
}

fn reject_composite_bound(key: &str) -> StubResult<()> {
    if key.starts_with(COMPOSITE_KEY_NAMESPACE) {
        return Err(StubError::InvalidKey {
            key: key.to_owned(),
            reason: "range bounds of simple keys may not start with U+0000",
        });
    }
    Ok(())
}

impl<S: StateStore + ?Sized> Stub for TxSimulator<'_, S> {
    fn tx_id(&self) -> &str {
        &self.tx_id
    }

    fn tx_timestamp(&self) -> TxTimestamp {
        self.timestamp
    }

    fn creator(&self) -> &Creator {
        &self.creator
    }

    fn get_state(&mut self, key: &str) -> StubResult<Option<Vec<u8>>> {
        self.store.get(key)
    }

    fn get_state_multiple(&mut self, keys: &[String]) -> StubResult<Vec<Option<Vec<u8>>>> {
        self.store.get_multiple(keys)
    }

    fn put_state(&mut self, key: &str, value: &[u8]) -> StubResult<()> {
        reject_empty(key)?;
        // Fabric: a write with an empty value is a delete.
        let value = if value.is_empty() { None } else { Some(value.to_vec()) };
        self.write_set.writes.insert(key.to_owned(), value);
        Ok(())
    }

    fn del_state(&mut self, key: &str) -> StubResult<()> {
        reject_empty(key)?;
        self.write_set.writes.insert(key.to_owned(), None);
        Ok(())
    }

    fn get_state_by_range(&mut self, start: &str, end: &str, page_size: u32, bookmark: &str) -> StubResult<Page> {
        reject_composite_bound(start)?;
        reject_composite_bound(end)?;
        let start = if start.is_empty() { nanotrace_shim::EMPTY_KEY_SUBSTITUTE } else { start };
        let mut page = self.page(start, end, page_size, bookmark)?;
        // Cannot happen with start >= "\u{1}", but never leak a composite key.
        page.entries.retain(|(k, _)| !k.starts_with(COMPOSITE_KEY_NAMESPACE));
        Ok(page)
    }

    fn get_state_by_partial_composite_key(
        &mut self,
        object_type: &str,
        attributes: &[&str],
        page_size: u32,
        bookmark: &str,
    ) -> StubResult<Page> {
        let (start, end) = partial_composite_range(object_type, attributes)?;
        self.page(&start, &end, page_size, bookmark)
    }

    fn get_history_for_key(&mut self, key: &str) -> StubResult<Vec<KeyModification>> {
        self.store.history(key)
    }

    fn set_event(&mut self, name: &str, payload: &[u8]) -> StubResult<()> {
        if name.is_empty() {
            return Err(StubError::Ledger("event name may not be empty".to_owned()));
        }
        self.write_set.event = Some((name.to_owned(), payload.to_vec()));
        Ok(())
    }

    fn get_state_validation_parameter(&mut self, key: &str) -> StubResult<Option<EndorsementPolicy>> {
        self.store.validation_parameter(key)
    }

    fn set_state_validation_parameter(&mut self, key: &str, policy: &EndorsementPolicy) -> StubResult<()> {
        reject_empty(key)?;
        policy.validate().map_err(|reason| StubError::InvalidPolicy { key: key.to_owned(), reason })?;
        self.write_set.validation_parameters.insert(key.to_owned(), policy.clone());
        Ok(())
    }

    fn transient(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.transient
    }

    fn get_private_data(&mut self, collection: &str, key: &str) -> StubResult<Option<Vec<u8>>> {
        reject_empty(key)?;
        self.collection_for(collection, Some(CollectionAccess::Read))?;
        self.store.private(collection, key)
    }

    fn get_private_data_hash(&mut self, collection: &str, key: &str) -> StubResult<Option<Vec<u8>>> {
        reject_empty(key)?;
        self.collection_for(collection, None)?;
        Ok(self.store.private_hash(collection, key)?.map(|hash| hash.to_vec()))
    }

    fn put_private_data(&mut self, collection: &str, key: &str, value: &[u8]) -> StubResult<()> {
        // As for the public state: an empty value is a delete.
        self.write_private(collection, key, (!value.is_empty()).then(|| value.to_vec()))
    }

    fn del_private_data(&mut self, collection: &str, key: &str) -> StubResult<()> {
        self.write_private(collection, key, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_shim::{create_composite_key, PolicyRole};

    /// A fixed committed state.
    #[derive(Default)]
    struct Fixed {
        state: BTreeMap<String, Vec<u8>>,
        vparams: BTreeMap<String, EndorsementPolicy>,
        collections: nanotrace_shim::Collections,
        private: BTreeMap<(String, String), Vec<u8>>,
    }

    impl StateStore for Fixed {
        fn get(&self, key: &str) -> StubResult<Option<Vec<u8>>> {
            Ok(self.state.get(key).cloned())
        }
        fn scan(&self, start: &str, end: &str, limit: usize) -> StubResult<Vec<(String, Vec<u8>)>> {
            Ok(self
                .state
                .range(start.to_owned()..)
                .take_while(|(k, _)| end.is_empty() || k.as_str() < end)
                .take(limit)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect())
        }
        fn history(&self, _key: &str) -> StubResult<Vec<KeyModification>> {
            Ok(Vec::new())
        }
        fn validation_parameter(&self, key: &str) -> StubResult<Option<EndorsementPolicy>> {
            Ok(self.vparams.get(key).cloned())
        }
        fn collection(&self, name: &str) -> StubResult<Option<CollectionConfig>> {
            Ok(self.collections.get(name).cloned())
        }
        fn private(&self, collection: &str, key: &str) -> StubResult<Option<Vec<u8>>> {
            Ok(self.private.get(&(collection.to_owned(), key.to_owned())).cloned())
        }
        fn private_hash(&self, collection: &str, key: &str) -> StubResult<Option<[u8; 32]>> {
            Ok(self.private(collection, key)?.map(|v| private_data_hash(&v)))
        }
    }

    /// A store whose collection `fees` is Org1MSP's and Org2MSP's, holding `k` = `v`.
    fn store_with_fees() -> Fixed {
        let fees = CollectionConfig::members_only("fees", ["Org1MSP", "Org2MSP"]);
        let mut store =
            Fixed { collections: nanotrace_shim::Collections::from_configs([fees]).unwrap(), ..Fixed::default() };
        store.private.insert(("fees".into(), "k".into()), b"v".to_vec());
        store
    }

    fn sim_as<'a>(store: &'a Fixed, msp_id: &str) -> TxSimulator<'a, Fixed> {
        let creator = Creator { msp_id: msp_id.into(), id_bytes: b"cert".to_vec() };
        TxSimulator::new(store, "tx1".into(), TxTimestamp { seconds: 1, nanos: 0 }, creator)
    }

    #[test]
    fn private_data_is_read_by_members_and_written_apart_without_read_your_writes() {
        let store = store_with_fees();
        let mut s = sim_as(&store, "Org2MSP");
        assert_eq!(s.get_private_data("fees", "k").unwrap(), Some(b"v".to_vec()));
        assert_eq!(s.get_private_data("fees", "none").unwrap(), None);
        s.put_private_data("fees", "k", b"new").unwrap();
        s.put_private_data("fees", "j", b"j").unwrap();
        s.put_private_data("fees", "gone", b"").unwrap();
        assert_eq!(s.get_private_data("fees", "k").unwrap(), Some(b"v".to_vec()), "no read-your-writes");
        assert_eq!(s.get_private_data_hash("fees", "k").unwrap(), Some(private_data_hash(b"v").to_vec()));
        s.del_private_data("fees", "j").unwrap();
        let ws = s.into_write_set();
        assert!(ws.writes.is_empty(), "nothing private in the public writes: {:?}", ws.writes);
        let fees = &ws.private["fees"];
        assert_eq!(fees.get("k"), Some(&Some(b"new".to_vec())));
        assert_eq!(fees.get("j"), Some(&None), "the last write wins");
        assert_eq!(fees.get("gone"), Some(&None), "an empty value deletes");
    }

    #[test]
    fn private_data_outside_the_collection_is_refused_except_its_hash() {
        let store = store_with_fees();
        let mut s = sim_as(&store, "Org3MSP");
        let refused =
            |access| StubError::CollectionAccess { collection: "fees".into(), msp_id: "Org3MSP".into(), access };
        assert_eq!(s.get_private_data("fees", "k"), Err(refused(CollectionAccess::Read)));
        assert_eq!(s.put_private_data("fees", "k", b"x"), Err(refused(CollectionAccess::Write)));
        assert_eq!(s.del_private_data("fees", "k"), Err(refused(CollectionAccess::Write)));
        assert_eq!(s.get_private_data_hash("fees", "k").unwrap(), Some(private_data_hash(b"v").to_vec()));
        for unknown in ["other", "", "a b"] {
            assert_eq!(s.get_private_data_hash(unknown, "k"), Err(StubError::UnknownCollection(unknown.into())));
            assert_eq!(s.put_private_data(unknown, "k", b"x"), Err(StubError::UnknownCollection(unknown.into())));
        }
        assert!(matches!(s.get_private_data("fees", ""), Err(StubError::InvalidKey { .. })));
        assert!(s.into_write_set().is_empty(), "nothing buffered");
    }

    #[test]
    fn a_collection_open_to_everyone_lets_everyone_read_and_write() {
        let mut store = store_with_fees();
        let mut open = CollectionConfig::members_only("open", ["Org1MSP"]);
        open.member_only_read = false;
        open.member_only_write = false;
        store.collections = nanotrace_shim::Collections::from_configs([open]).unwrap();
        store.private.insert(("open".into(), "k".into()), b"o".to_vec());
        let mut s = sim_as(&store, "Org3MSP");
        assert_eq!(s.get_private_data("open", "k").unwrap(), Some(b"o".to_vec()));
        s.put_private_data("open", "k", b"x").unwrap();
        assert!(!s.into_write_set().is_empty());
    }

    #[test]
    fn transient_data_is_what_the_proposal_carried() {
        let store = Fixed::default();
        let mut s = sim(&store);
        assert!(s.transient().is_empty());
        s.set_transient(BTreeMap::from([("amount".to_owned(), b"100.00".to_vec())]));
        assert_eq!(s.transient().get("amount").map(Vec::as_slice), Some(&b"100.00"[..]));
        assert!(s.into_write_set().is_empty(), "transient data is never written");
    }

    fn creator() -> Creator {
        Creator { msp_id: "Org1MSP".into(), id_bytes: b"cert".to_vec() }
    }

    fn sim(store: &Fixed) -> TxSimulator<'_, Fixed> {
        TxSimulator::new(store, "tx1".into(), TxTimestamp { seconds: 1, nanos: 0 }, creator())
    }

    fn store_with(keys: &[&str]) -> Fixed {
        let mut store = Fixed::default();
        for k in keys {
            store.state.insert((*k).to_owned(), k.as_bytes().to_vec());
        }
        store
    }

    #[test]
    fn no_read_your_writes() {
        let store = store_with(&["a"]);
        let mut s = sim(&store);
        s.put_state("a", b"new").unwrap();
        s.put_state("b", b"new").unwrap();
        s.del_state("a").unwrap();
        assert_eq!(s.get_state("a").unwrap(), Some(b"a".to_vec()));
        assert_eq!(s.get_state("b").unwrap(), None);
        let page = s.get_state_by_range("", "", 0, "").unwrap();
        assert_eq!(page.entries.len(), 1);
        let policy = EndorsementPolicy::peer_of("Org1MSP");
        s.set_state_validation_parameter("a", &policy).unwrap();
        assert_eq!(s.get_state_validation_parameter("a").unwrap(), None);
        let ws = s.into_write_set();
        assert_eq!(ws.writes.get("a"), Some(&None));
        assert_eq!(ws.writes.get("b"), Some(&Some(b"new".to_vec())));
        assert_eq!(ws.validation_parameters.get("a"), Some(&policy));
    }

    #[test]
    fn put_rejects_only_empty_keys_and_empty_value_deletes() {
        let store = Fixed::default();
        let mut s = sim(&store);
        assert!(matches!(s.put_state("", b"x"), Err(StubError::InvalidKey { .. })));
        assert!(s.del_state("").is_err());
        let composite = create_composite_key("t", &["a"]).unwrap();
        s.put_state(&composite, b"x").unwrap();
        s.put_state("k", b"").unwrap();
        let ws = s.into_write_set();
        assert_eq!(ws.writes.get(&composite), Some(&Some(b"x".to_vec())));
        assert_eq!(ws.writes.get("k"), Some(&None));
    }

    #[test]
    fn range_with_empty_start_never_returns_composite_keys() {
        let mut store = store_with(&["\u{1}", "a", "b", "zz"]);
        for attr in ["x", "y"] {
            let k = create_composite_key("t", &[attr]).unwrap();
            store.state.insert(k, b"c".to_vec());
        }
        let mut s = sim(&store);
        let page = s.get_state_by_range("", "", 0, "").unwrap();
        let keys: Vec<_> = page.entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["\u{1}", "a", "b", "zz"]);
        assert_eq!(page.bookmark, "");
        let page = s.get_state_by_range("", "b", 0, "").unwrap();
        assert_eq!(page.entries.len(), 2);
        assert!(s.get_state_by_range("\u{0}t", "", 0, "").is_err());
        assert!(s.get_state_by_range("", "\u{0}", 0, "").is_err());
        let page = s.get_state_by_partial_composite_key("t", &[], 0, "").unwrap();
        assert_eq!(page.entries.len(), 2);
    }

    #[test]
    fn pagination_visits_every_key_once() {
        let keys: Vec<String> = (0..257).map(|i| format!("k{i:04}")).collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let mut store = store_with(&refs);
        store.state.insert(create_composite_key("t", &["x"]).unwrap(), b"c".to_vec());
        for page_size in [1u32, 7, 100, 256, 257, 5000] {
            let mut s = sim(&store);
            let mut seen = Vec::new();
            let mut bookmark = String::new();
            loop {
                let page = s.get_state_by_range("", "", page_size, &bookmark).unwrap();
                assert!(page.entries.len() <= (page_size as usize).min(MAX_PAGE_SIZE));
                seen.extend(page.entries.into_iter().map(|(k, _)| k));
                if page.bookmark.is_empty() {
                    break;
                }
                bookmark = page.bookmark;
            }
            assert_eq!(seen, keys, "page size {page_size}");
        }
    }

    #[test]
    fn composite_pagination_and_default_page_size() {
        let mut store = Fixed::default();
        for i in 0..250 {
            let k = create_composite_key("cert~status", &["ACTIVE", &format!("NT-{i:04}")]).unwrap();
            store.state.insert(k, b"v".to_vec());
        }
        store.state.insert(create_composite_key("cert~status", &["PENDING", "x"]).unwrap(), b"v".to_vec());
        let mut s = sim(&store);
        let first = s.get_state_by_partial_composite_key("cert~status", &["ACTIVE"], 0, "").unwrap();
        assert_eq!(first.entries.len(), DEFAULT_PAGE_SIZE);
        let mut total = first.entries.len();
        let mut bookmark = first.bookmark;
        while !bookmark.is_empty() {
            let page = s.get_state_by_partial_composite_key("cert~status", &["ACTIVE"], 0, &bookmark).unwrap();
            total += page.entries.len();
            bookmark = page.bookmark;
        }
        assert_eq!(total, 250);
    }

    #[test]
    fn invalid_bookmarks_are_rejected() {
        let store = store_with(&["a", "b", "c"]);
        let mut s = sim(&store);
        assert_eq!(s.get_state_by_range("b", "c", 1, "a"), Err(StubError::InvalidBookmark("a".into())));
        assert!(matches!(s.get_state_by_range("b", "c", 1, "c"), Err(StubError::InvalidBookmark(_))));
        assert!(matches!(s.get_state_by_range("", "", 1, "\u{0}x"), Err(StubError::InvalidBookmark(_))));
        assert!(matches!(s.get_state_by_partial_composite_key("t", &[], 1, "a"), Err(StubError::InvalidBookmark(_))));
        let page = s.get_state_by_range("b", "", 1, "c").unwrap();
        assert_eq!(page.entries, vec![("c".to_owned(), b"c".to_vec())]);
    }

    #[test]
    fn event_is_replaced_and_needs_a_name() {
        let store = Fixed::default();
        let mut s = sim(&store);
        s.set_event("A", b"1").unwrap();
        s.set_event("B", b"2").unwrap();
        assert!(s.set_event("", b"3").is_err());
        assert_eq!(s.into_write_set().event, Some(("B".into(), b"2".to_vec())));
    }

    #[test]
    fn validation_parameters_follow_fabric_commit_rule() {
        let policy = EndorsementPolicy::all_of(["O"], PolicyRole::Member);
        let mut ws = WriteSet::default();
        ws.writes.insert("deleted".into(), None);
        ws.writes.insert("written".into(), Some(b"v".to_vec()));
        for k in ["deleted", "written", "committed", "missing"] {
            ws.validation_parameters.insert(k.into(), policy.clone());
        }
        let effective = ws.effective_validation_parameters(|k| Ok(k == "committed")).unwrap();
        let keys: Vec<_> = effective.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["committed", "written"]);
        assert_eq!(ws.deleted_keys().collect::<Vec<_>>(), ["deleted"]);
    }
}

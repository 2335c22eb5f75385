//! An in-memory ledger for tests, like Fabric's `shimtest.MockStub` but with commit
//! semantics: each [`MemoryLedger::execute`] runs one transaction on a
//! [`TxSimulator`] and, if it succeeds and its writes satisfy the key-level endorsement
//! policies of the keys they touch (the rule of [`WriteSet::check_endorsement`], with the
//! submitter's organisation as the endorser), commits its [`WriteSet`] atomically as one
//! block; a failed or invalidated transaction writes nothing.

use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256};

use crate::sim::{private_data_hash, StateStore, TxSimulator, WriteSet};
use nanotrace_shim::{
    CollectionConfig, Collections, Creator, EndorsementPolicy, KeyModification, StubError, StubResult, TxTimestamp,
};

/// A chaincode event committed with its transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct CommittedEvent {
    /// The transaction that set it.
    pub tx_id: String,
    /// The event name, e.g. `CertificateIssued`.
    pub name: String,
    /// The event payload (the contract's JSON [`Event`](nanotrace_model::Event)).
    pub payload: Vec<u8>,
    /// The block (1-based) the transaction committed in.
    pub block: u64,
}

/// Committed state, key history, validation parameters and events, all in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryLedger {
    state: BTreeMap<String, Vec<u8>>,
    /// Per key, oldest first (reversed when read).
    history: HashMap<String, Vec<KeyModification>>,
    vparams: BTreeMap<String, EndorsementPolicy>,
    /// The contract's private data collections (its chaincode definition's).
    collections: Collections,
    /// Private values by (collection, key).
    private: BTreeMap<(String, String), Vec<u8>>,
    events: Vec<CommittedEvent>,
    /// Transactions started by `execute` (committed or not): makes tx IDs unique.
    tx_counter: u64,
    /// Committed blocks (one per successful transaction).
    height: u64,
}

impl MemoryLedger {
    /// An empty ledger at height 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Defines the contract's private data collections (as a chaincode definition
    /// does); values already stored in a collection no longer defined stay, unread.
    pub fn set_collections(&mut self, collections: Collections) {
        self.collections = collections;
    }

    /// The deterministic transaction ID: hex SHA-256 of the counter (8 bytes,
    /// big-endian) followed by the creator's identity bytes.
    fn tx_id(counter: u64, creator: &Creator) -> String {
        let mut hasher = Sha256::new();
        hasher.update(counter.to_be_bytes());
        hasher.update(&creator.id_bytes);
        hex::encode(hasher.finalize())
    }

    /// Runs `f` as one transaction at `timestamp` for `creator`. On `Ok` its write set
    /// is validated against the committed key-level endorsement policies (endorser: the
    /// creator's MSP) and committed atomically as the next block; on `Err`, or when
    /// validation fails ([`StubError::EndorsementPolicyFailure`](nanotrace_shim::StubError),
    /// converted into `E`), nothing is written (the transaction counter still advances,
    /// so tx IDs are never reused).
    pub fn execute<T, E: From<StubError>>(
        &mut self,
        creator: &Creator,
        timestamp: TxTimestamp,
        f: impl FnOnce(&mut TxSimulator<'_, Self>) -> Result<T, E>,
    ) -> Result<(T, String), E> {
        let tx_id = Self::tx_id(self.tx_counter, creator);
        self.execute_with_tx_id(creator, &tx_id, timestamp, f).map(|value| (value, tx_id))
    }

    /// [`MemoryLedger::execute`] under a transaction ID chosen by the caller (a client
    /// that fixed its proposal's ID before it built the request).
    pub fn execute_with_tx_id<T, E: From<StubError>>(
        &mut self,
        creator: &Creator,
        tx_id: &str,
        timestamp: TxTimestamp,
        f: impl FnOnce(&mut TxSimulator<'_, Self>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx_id = tx_id.to_owned();
        self.tx_counter += 1;
        let (value, write_set) = {
            let mut sim = TxSimulator::new(&*self, tx_id.clone(), timestamp, creator.clone());
            let value = f(&mut sim)?;
            (value, sim.into_write_set())
        };
        let vparams = &self.vparams;
        write_set.check_endorsement(&tx_id, &creator.msp_id, |k| Ok(vparams.get(k).cloned()))?;
        self.commit(&tx_id, timestamp, write_set);
        Ok(value)
    }

    /// Runs `f` without committing anything (a query). Its tx ID is the one the next
    /// `execute` by the same creator would get.
    pub fn evaluate<T, E>(
        &self,
        creator: &Creator,
        timestamp: TxTimestamp,
        f: impl FnOnce(&mut TxSimulator<'_, Self>) -> Result<T, E>,
    ) -> Result<T, E> {
        let tx_id = Self::tx_id(self.tx_counter, creator);
        let mut sim = TxSimulator::new(self, tx_id, timestamp, creator.clone());
        f(&mut sim)
    }

    fn commit(&mut self, tx_id: &str, timestamp: TxTimestamp, write_set: WriteSet) {
        let block = self.height + 1;
        // Decide the validation parameters against the state before this block.
        let state = &self.state;
        let vparams: Vec<(String, EndorsementPolicy)> =
            match write_set.effective_validation_parameters(|k| Ok(state.contains_key(k))) {
                Ok(v) => v.into_iter().map(|(k, p)| (k.to_owned(), p.clone())).collect(),
                // The closure never fails.
                Err(_) => Vec::new(),
            };
        for key in write_set.deleted_keys() {
            self.vparams.remove(key);
        }
        for (key, value) in write_set.writes {
            let modification = KeyModification {
                tx_id: tx_id.to_owned(),
                timestamp,
                value: value.clone().unwrap_or_default(),
                is_delete: value.is_none(),
            };
            match value {
                Some(v) => {
                    self.state.insert(key.clone(), v);
                }
                None => {
                    self.state.remove(&key);
                }
            }
            self.history.entry(key).or_default().push(modification);
        }
        self.vparams.extend(vparams);
        for (collection, writes) in write_set.private {
            for (key, value) in writes {
                let at = (collection.clone(), key);
                match value {
                    Some(v) => self.private.insert(at, v),
                    None => self.private.remove(&at),
                };
            }
        }
        if let Some((name, payload)) = write_set.event {
            self.events.push(CommittedEvent { tx_id: tx_id.to_owned(), name, payload, block });
        }
        self.height = block;
    }

    /// Every committed event, oldest first.
    pub fn events(&self) -> &[CommittedEvent] {
        &self.events
    }

    /// A copy of the committed state (for tests asserting "nothing changed").
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        self.state.clone()
    }

    /// A copy of the committed private data, by (collection, key): with
    /// [`MemoryLedger::snapshot`], for tests asserting "nothing changed".
    pub fn private_snapshot(&self) -> BTreeMap<(String, String), Vec<u8>> {
        self.private.clone()
    }

    /// Number of committed blocks (= transactions).
    pub fn height(&self) -> u64 {
        self.height
    }
}

impl StateStore for MemoryLedger {
    fn get(&self, key: &str) -> StubResult<Option<Vec<u8>>> {
        Ok(self.state.get(key).cloned())
    }

    fn scan(&self, start: &str, end: &str, limit: usize) -> StubResult<Vec<(String, Vec<u8>)>> {
        if !end.is_empty() && start >= end {
            return Ok(Vec::new());
        }
        Ok(self
            .state
            .range::<str, _>((std::ops::Bound::Included(start), std::ops::Bound::Unbounded))
            .take_while(|(k, _)| end.is_empty() || k.as_str() < end)
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn history(&self, key: &str) -> StubResult<Vec<KeyModification>> {
        Ok(self.history.get(key).map(|h| h.iter().rev().cloned().collect()).unwrap_or_default())
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
        Ok(self.private(collection, key)?.map(|value| private_data_hash(&value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_shim::Stub;

    fn alice() -> Creator {
        Creator { msp_id: "Org1MSP".into(), id_bytes: b"alice".to_vec() }
    }

    fn ts(seconds: i64) -> TxTimestamp {
        TxTimestamp { seconds, nanos: 0 }
    }

    #[test]
    fn commit_and_no_read_your_writes() {
        let mut ledger = MemoryLedger::new();
        let (seen, tx1) = ledger
            .execute(&alice(), ts(1), |s| {
                s.put_state("k", b"v1")?;
                s.get_state("k")
            })
            .unwrap();
        assert_eq!(seen, None);
        assert_eq!(ledger.height(), 1);
        let (seen, tx2) = ledger.execute(&alice(), ts(2), |s| s.get_state("k")).unwrap();
        assert_eq!(seen, Some(b"v1".to_vec()));
        assert_ne!(tx1, tx2);
        assert_eq!(tx1, MemoryLedger::tx_id(0, &alice()));
    }

    #[test]
    fn private_writes_commit_with_their_transaction_and_a_refused_one_writes_nothing() {
        let mut ledger = MemoryLedger::new();
        let fees = CollectionConfig::members_only("fees", ["Org1MSP"]);
        ledger.set_collections(Collections::from_configs([fees]).unwrap());
        ledger.execute(&alice(), ts(1), |s| s.put_private_data("fees", "k", b"v")).unwrap();
        let (seen, _) = ledger.execute(&alice(), ts(2), |s| s.get_private_data("fees", "k")).unwrap();
        assert_eq!(seen, Some(b"v".to_vec()));
        assert!(ledger.snapshot().is_empty(), "no private value in the public state");
        let bob = Creator { msp_id: "Org2MSP".into(), id_bytes: b"bob".to_vec() };
        let refused = ledger.execute(&bob, ts(3), |s| {
            s.put_state("public", b"x")?;
            s.put_private_data("fees", "k", b"bob's")
        });
        assert!(matches!(refused, Err(StubError::CollectionAccess { .. })), "{refused:?}");
        assert_eq!(ledger.height(), 2, "the refused transaction committed nothing");
        assert!(ledger.snapshot().is_empty());
        let (hash, _) = ledger.execute(&bob, ts(4), |s| s.get_private_data_hash("fees", "k")).unwrap();
        assert_eq!(hash, Some(private_data_hash(b"v").to_vec()));
        ledger.execute(&alice(), ts(5), |s| s.del_private_data("fees", "k")).unwrap();
        let (hash, _) = ledger.execute(&bob, ts(6), |s| s.get_private_data_hash("fees", "k")).unwrap();
        assert_eq!(hash, None);
    }

    #[test]
    fn tx_ids_are_deterministic() {
        let run = || {
            let mut ledger = MemoryLedger::new();
            (0..3).map(|i| ledger.execute(&alice(), ts(i), |_| Ok::<_, StubError>(())).unwrap().1).collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn events_are_committed_with_their_block() {
        let mut ledger = MemoryLedger::new();
        let (_, t1) = ledger
            .execute(&alice(), ts(1), |s| {
                s.set_event("First", b"a")?;
                s.set_event("Second", b"b")
            })
            .unwrap();
        ledger.execute(&alice(), ts(2), |_| Ok::<_, StubError>(())).unwrap();
        let (_, t3) = ledger.execute(&alice(), ts(3), |s| s.set_event("Third", b"c")).unwrap();
        assert_eq!(
            ledger.events(),
            &[
                CommittedEvent { tx_id: t1, name: "Second".into(), payload: b"b".to_vec(), block: 1 },
                CommittedEvent { tx_id: t3, name: "Third".into(), payload: b"c".to_vec(), block: 3 },
            ]
        );
    }
}

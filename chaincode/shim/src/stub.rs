//! The ledger-stub trait: everything the contract may ask of the ledger it runs on.
//!
//! Modelled on Fabric's `ChaincodeStubInterface` (fabric-chaincode-go/shim), trimmed to
//! what NanoTrace's contracts need. Two implementations exist: the CCaaS runtime
//! (`nanotrace-ccaas`), which turns each call into a shim message to the peer, and the
//! embedded ledger (`nanotrace-ledger`: its RocksDB-backed transaction simulator and, for
//! unit tests, its in-memory `MemoryLedger`, which share one write-set and validation
//! model).
//!
//! Semantics follow Fabric's so that the contract behaves the same everywhere:
//! reads see the state committed *before* the transaction (a transaction does not read
//! its own writes), and writes take effect together when the transaction commits.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use std::collections::BTreeMap;

use crate::collection::CollectionAccess;
use crate::policy::{EndorsementPolicy, PolicyError};

/// A failure of the ledger underneath the contract (not of the contract's own rules).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StubError {
    /// The ledger could not serve the call (storage or transport failure; its message).
    #[error("ledger error: {0}")]
    Ledger(String),
    /// A key or composite-key part is not allowed.
    #[error("invalid key {key:?}: {reason}")]
    InvalidKey {
        /// The offending key or key part.
        key: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The bookmark lies outside the queried key range: it belongs to another query.
    #[error("invalid bookmark {0:?}")]
    InvalidBookmark(String),
    /// A key-level endorsement policy no ledger can enforce (a threshold of none, or of
    /// more rules than it lists); nothing is set.
    #[error("invalid endorsement policy for key {key:?}: {reason}")]
    InvalidPolicy {
        /// The key it was meant for.
        key: String,
        /// What is wrong with it.
        reason: PolicyError,
    },
    /// The contract named a private data collection its definition does not declare.
    #[error("collection {0:?} is not defined for this contract")]
    UnknownCollection(String),
    /// The creator's organisation may not read or write a collection's values (Fabric's
    /// "tx creator does not have read access permission on privatedata"); nothing is
    /// read or written.
    #[error("{msp_id} may not {access} the private data of collection {collection:?}: not one of its organisations")]
    CollectionAccess {
        /// The collection.
        collection: String,
        /// The creator's organisation.
        msp_id: String,
        /// What was refused.
        access: CollectionAccess,
    },
    /// The transaction's writes do not satisfy a key-level endorsement policy. Never
    /// raised while the contract runs: a ledger raises it when it validates the
    /// transaction at commit (Fabric's `ENDORSEMENT_POLICY_FAILURE`); nothing is written.
    #[error(transparent)]
    EndorsementPolicyFailure(Box<EndorsementFailure>),
}

impl From<EndorsementFailure> for StubError {
    fn from(failure: EndorsementFailure) -> Self {
        StubError::EndorsementPolicyFailure(Box::new(failure))
    }
}

/// The result of a stub call.
pub type StubResult<T> = Result<T, StubError>;

/// The transaction timestamp, as set in the transaction's channel header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TxTimestamp {
    /// Unix seconds (UTC); the contract's notion of "now".
    pub seconds: i64,
    /// Nanoseconds within the second (0..1 000 000 000).
    pub nanos: i32,
}

/// Who submitted the transaction: the MSP ID and the PEM (or DER) X.509 certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creator {
    /// The MSP ID of the creator's organisation.
    pub msp_id: String,
    /// The creator's X.509 certificate, PEM or DER.
    pub id_bytes: Vec<u8>,
}

/// One entry of a key's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyModification {
    /// The transaction that wrote this value.
    pub tx_id: String,
    /// That transaction's timestamp.
    pub timestamp: TxTimestamp,
    /// The value written; empty for a delete.
    pub value: Vec<u8>,
    /// Whether the transaction deleted the key.
    pub is_delete: bool,
}

/// A page of a range scan: the key/value pairs, and the bookmark to pass for the next
/// page (empty when there is none).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    /// Key/value pairs in key order.
    pub entries: Vec<(String, Vec<u8>)>,
    /// Pass it to get the next page; empty on the last page.
    pub bookmark: String,
}

/// What a transaction does to a key whose endorsement policy it must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyWrite {
    /// Writes a new value.
    Value,
    /// Deletes the key.
    Delete,
    /// Changes the key's validation parameter (its key-level endorsement policy).
    ValidationParameter,
}

impl std::fmt::Display for KeyWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyWrite::Value => "writes",
            KeyWrite::Delete => "deletes",
            KeyWrite::ValidationParameter => "changes the endorsement policy of",
        })
    }
}

/// A transaction invalidated at commit because it writes a key whose committed
/// key-level endorsement policy its endorsement does not satisfy (Fabric's validation
/// code `ENDORSEMENT_POLICY_FAILURE`). The transaction writes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "ENDORSEMENT_POLICY_FAILURE: transaction {tx_id} {write} key {key:?}, whose endorsement policy {policy} is not \
     satisfied by the endorsements of {endorser_msp} (the submitting organisation) and the peers gathered for it"
)]
pub struct EndorsementFailure {
    /// The invalidated transaction.
    pub tx_id: String,
    /// The first key whose policy failed.
    pub key: String,
    /// What the transaction does to it.
    pub write: KeyWrite,
    /// The key's committed policy.
    pub policy: EndorsementPolicy,
    /// The organisation that endorsed the transaction (on the embedded ledgers: the
    /// submitting identity's MSP, with the peers a policy names only in a nested rule;
    /// see [`EndorsementPolicy::is_endorsed_on_one_machine_by`]).
    pub endorser_msp: String,
}

impl EndorsementFailure {
    /// The stable code at the start of the message, as Fabric names the validation code.
    pub const CODE: &'static str = "ENDORSEMENT_POLICY_FAILURE";
}

/// The ledger as the contract sees it during one transaction.
pub trait Stub {
    /// The transaction ID (hex SHA-256 of nonce and creator on Fabric).
    fn tx_id(&self) -> &str;
    /// The channel header timestamp of the transaction.
    fn tx_timestamp(&self) -> TxTimestamp;
    /// The identity that signed the proposal.
    fn creator(&self) -> &Creator;

    /// The committed value of `key`, or `None`.
    fn get_state(&mut self, key: &str) -> StubResult<Option<Vec<u8>>>;
    /// Writes `value` at `key` when the transaction commits.
    fn put_state(&mut self, key: &str, value: &[u8]) -> StubResult<()>;
    /// Deletes `key` when the transaction commits.
    fn del_state(&mut self, key: &str) -> StubResult<()>;

    /// Reads many keys at once (one round trip on Fabric when the peer supports it).
    fn get_state_multiple(&mut self, keys: &[String]) -> StubResult<Vec<Option<Vec<u8>>>> {
        keys.iter().map(|k| self.get_state(k)).collect()
    }

    /// Simple (non-composite) keys in `[start, end)`, at most `page_size` of them,
    /// continuing after `bookmark` (empty for the first page). An empty `start` never
    /// returns composite keys.
    fn get_state_by_range(&mut self, start: &str, end: &str, page_size: u32, bookmark: &str) -> StubResult<Page>;

    /// Composite keys of `object_type` whose first attributes equal `attributes`.
    fn get_state_by_partial_composite_key(
        &mut self,
        object_type: &str,
        attributes: &[&str],
        page_size: u32,
        bookmark: &str,
    ) -> StubResult<Page>;

    /// Every committed value `key` has had, newest first.
    fn get_history_for_key(&mut self, key: &str) -> StubResult<Vec<KeyModification>>;

    /// Sets the single chaincode event of this transaction (a later call replaces it).
    fn set_event(&mut self, name: &str, payload: &[u8]) -> StubResult<()>;

    /// The key-level endorsement policy of `key`, if one is set.
    fn get_state_validation_parameter(&mut self, key: &str) -> StubResult<Option<EndorsementPolicy>>;
    /// Sets the key-level endorsement policy of `key` (takes effect with the transaction);
    /// a policy that fails [`EndorsementPolicy::validate`] is [`StubError::InvalidPolicy`].
    fn set_state_validation_parameter(&mut self, key: &str, policy: &EndorsementPolicy) -> StubResult<()>;

    /// The proposal's transient data: values the client passed for this endorsement only,
    /// which are never written to any block (Fabric's `GetTransient`). Private values come
    /// this way so that no transaction's arguments carry them.
    fn transient(&self) -> &BTreeMap<String, Vec<u8>>;

    /// The committed value of `key` in private data collection `collection`, or `None`.
    /// [`StubError::UnknownCollection`] when the contract declares no such collection,
    /// [`StubError::CollectionAccess`] when the creator may not read it. As for the
    /// public state, a transaction does not read its own writes.
    fn get_private_data(&mut self, collection: &str, key: &str) -> StubResult<Option<Vec<u8>>>;
    /// The SHA-256 of the committed value of `key` in `collection` (what every peer of
    /// the channel holds), or `None`; readable by anyone.
    fn get_private_data_hash(&mut self, collection: &str, key: &str) -> StubResult<Option<Vec<u8>>>;
    /// Writes `value` at `key` in `collection` when the transaction commits (an empty
    /// value is a delete, as for the public state); only the hashes of key and value go
    /// into the transaction.
    fn put_private_data(&mut self, collection: &str, key: &str, value: &[u8]) -> StubResult<()>;
    /// Deletes `key` in `collection` when the transaction commits.
    fn del_private_data(&mut self, collection: &str, key: &str) -> StubResult<()>;
}

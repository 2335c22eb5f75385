//! Following a NanoTrace ledger from a durable checkpoint.
//!
//! Everything that reads the ledger's committed transactions in order — the public
//! verifier's cache, the notifier's outbox — needs the same four things, kept here once:
//!
//! - a [`source::Source`]: the ledger's transactions (each with its chaincode event) after
//!   a checkpoint, and the contract's current records, from an embedded ledger
//!   ([`source::EmbeddedSource`]) or a Fabric channel ([`source::FabricSource`]);
//! - a [`Checkpoint`] in Fabric's shape (the next block to read, the last transaction
//!   applied within it), which the follower stores in the same write as what it derived
//!   from the transactions, so a crash resumes without gaps or repeats;
//! - the ledger-identity check ([`same_ledger`]): the ledger's transaction at the
//!   checkpoint must be the one applied there, so a store built from one ledger is never
//!   carried on against another;
//! - [`next_transactions`]: the transactions after a checkpoint, with the source's
//!   answer checked against it, and [`touched`]: what a transaction's event names.
//!
//! What a follower does with the transactions is its own: the verifier caches records
//! (`nanotrace-verifier`'s `follower`), the notifier queues messages
//! (`nanotrace-notify`).

pub mod source;

use nanotrace_model::Event;
use serde::{Deserialize, Serialize};
use source::{Source, SourceError};
use std::time::Duration;

/// How far a follower has followed the ledger, as fabric-gateway's checkpointer keeps it:
/// the next block to read and the last transaction applied within it. Transactions in
/// blocks before [`block_number`](Self::block_number) have all been applied; so have
/// those of `block_number` up to [`transaction_index`](Self::transaction_index) when
/// [`transaction_id`](Self::transaction_id) is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The next block to read: the block of the last transaction applied, which may
    /// hold more transactions after it (0: nothing applied yet).
    pub block_number: u64,
    /// The ID of the last transaction applied within `block_number` ("" when none: read
    /// `block_number` from its first transaction).
    pub transaction_id: String,
    /// The position of `transaction_id` in its block (0 when none).
    pub transaction_index: u32,
    /// Ledger time (tx timestamp, Unix seconds) of the last transaction applied.
    pub block_time: i64,
}

impl Checkpoint {
    /// The checkpoint right after `tx`.
    pub fn after(tx: &SeenTx) -> Self {
        Checkpoint {
            block_number: tx.block,
            transaction_id: tx.tx_id.clone(),
            transaction_index: tx.tx_index,
            block_time: tx.timestamp,
        }
    }

    /// Whether `tx` comes after this checkpoint (else it was applied already, or lies in
    /// a block that the checkpoint has passed).
    pub fn precedes(&self, tx: &SeenTx) -> bool {
        match tx.block.cmp(&self.block_number) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => self.transaction_id.is_empty() || tx.tx_index > self.transaction_index,
        }
    }
}

/// The same position as the Gateway client's event checkpoints: a follower's checkpoint
/// can resume a chaincode event stream.
impl nanotrace_fabric_gateway::Checkpoint for Checkpoint {
    fn block_number(&self) -> u64 {
        self.block_number
    }
    fn transaction_id(&self) -> Option<&str> {
        (!self.transaction_id.is_empty()).then_some(self.transaction_id.as_str())
    }
}

/// One committed transaction, as a follower sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenTx {
    /// The block it committed in.
    pub block: u64,
    /// Its position within the block (always 0 on the embedded ledger).
    #[serde(default)]
    pub tx_index: u32,
    /// The transaction ID.
    pub tx_id: String,
    /// Its timestamp (Unix seconds).
    pub timestamp: i64,
    /// The chaincode event's name, if the transaction had one.
    pub event_name: Option<String>,
    /// The chaincode event's JSON payload, if the transaction had one.
    pub event: Option<serde_json::Value>,
}

impl SeenTx {
    /// The transaction's chaincode event, decoded (`None` when it had none).
    pub fn decoded_event(&self) -> Result<Option<Event>, FollowError> {
        let (Some(name), Some(payload)) = (&self.event_name, &self.event) else {
            return Ok(None);
        };
        serde_json::from_value(payload.clone()).map(Some).map_err(|e| FollowError::BadEvent {
            block: self.block,
            tx_id: self.tx_id.clone(),
            message: format!("{name}: {e}"),
        })
    }
}

/// A certificate as the ledger had it at a block, with its audit trail.
pub use nanotrace_model::CertificateRecord;

/// Why a follower's pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// The ledger could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The follower's own store could not be read or written.
    #[error(transparent)]
    Store(Box<dyn std::error::Error + Send + Sync>),
    /// The follower's store has applied blocks the ledger does not have.
    #[error(
        "the cache is at block {checkpoint} but the ledger's height is {height}: the cache follows another ledger \
         (or the ledger was reset); delete the cache directory to rebuild it"
    )]
    Ahead {
        /// The store's checkpoint block.
        checkpoint: u64,
        /// The ledger's height.
        height: u64,
    },
    /// The ledger's transaction at the checkpoint is not the one the store applied.
    #[error(
        "block {block} of the ledger is transaction {ledger_tx_id} but the cache applied {cached_tx_id} there: the cache \
         follows another ledger (or the ledger was rebuilt); delete the cache directory to rebuild it"
    )]
    Diverged {
        /// The checkpoint block.
        block: u64,
        /// The transaction the store applied there.
        cached_tx_id: String,
        /// The transaction the ledger has there.
        ledger_tx_id: String,
    },
    /// The ledger lacks the checkpoint's transaction.
    #[error("the ledger's height is {height} but it has no block {block}")]
    MissingBlock {
        /// The block looked for.
        block: u64,
        /// The ledger's height.
        height: u64,
    },
    /// A chaincode event cannot be decoded.
    #[error("block {block} ({tx_id}) has an event the follower cannot read: {message}")]
    BadEvent {
        /// The transaction's block.
        block: u64,
        /// The transaction.
        tx_id: String,
        /// Why not.
        message: String,
    },
    /// An event names a certificate the ledger does not have.
    #[error("block {block} names certificate {id}, which the ledger does not have")]
    MissingCertificate {
        /// The transaction's block.
        block: u64,
        /// The certificate ID.
        id: String,
    },
}

/// The certificates a transaction's event names (`certificate_ids` and `flagged`), and
/// whether it changed the governance data: the trust list or the registered
/// organisations (their records, GS1 Company Prefixes and status bases included).
pub fn touched(tx: &SeenTx) -> Result<(Vec<String>, bool), FollowError> {
    let Some(event) = tx.decoded_event()? else {
        return Ok((Vec::new(), false));
    };
    use nanotrace_model::EventKind as E;
    // Every kind is decided here: a new one does not compile until it is.
    let trust = match E::parse(&event.name) {
        Some(
            E::IssuerKeyRegistered
            | E::IssuerKeyRetired
            | E::OrganizationRegistered
            | E::OrganizationRetired
            | E::CompanyPrefixesSet
            | E::StatusBasesSet
            | E::BillingDetailsSet,
        ) => true,
        Some(
            E::Bootstrapped
            | E::RoleGranted
            | E::RoleRevoked
            | E::RoleKeyApproved
            | E::CertificateApplied
            | E::CertificateIssued
            | E::CertificateRejected
            | E::CertificateSuspended
            | E::CertificateReinstated
            | E::CertificateRevoked
            | E::CertificateRenewed
            | E::SdsUpdated
            | E::CredentialSigned
            | E::StatusPositionAssigned,
        )
        | None => false,
    };
    let mut ids = event.certificate_ids;
    ids.extend(event.flagged);
    Ok((ids, trust))
}

/// Checks that a store at `checkpoint` can go on following this ledger: the checkpoint
/// is not beyond the ledger's `height`, and the ledger's transaction at the checkpoint is
/// the one the store applied there (transaction IDs are random), so a store built from
/// another ledger of the same or a greater height is never carried on as this one's.
pub fn same_ledger(source: &dyn Source, checkpoint: &Checkpoint, height: u64) -> Result<(), FollowError> {
    // "Nothing of the next block applied" (a cache started from a snapshot-joined peer's
    // world state, before that peer has a block after its snapshot) is not ahead.
    let next_block_untouched = checkpoint.transaction_id.is_empty() && checkpoint.block_number == height + 1;
    if checkpoint.block_number > height && !next_block_untouched {
        return Err(FollowError::Ahead { checkpoint: checkpoint.block_number, height });
    }
    if checkpoint.transaction_id.is_empty() {
        return Ok(());
    }
    let block_start = Checkpoint { block_number: checkpoint.block_number, ..Checkpoint::default() };
    let limit = usize::try_from(checkpoint.transaction_index).unwrap_or(usize::MAX).saturating_add(1);
    let txs = source.transactions(&block_start, limit)?;
    let at = txs.iter().find(|tx| tx.block == checkpoint.block_number && tx.tx_index == checkpoint.transaction_index);
    match at {
        Some(tx) if tx.tx_id == checkpoint.transaction_id => Ok(()),
        Some(tx) => Err(FollowError::Diverged {
            block: checkpoint.block_number,
            cached_tx_id: checkpoint.transaction_id.clone(),
            ledger_tx_id: tx.tx_id.clone(),
        }),
        None => Err(FollowError::MissingBlock { block: checkpoint.block_number, height }),
    }
}

/// Transactions after a checkpoint, as [`next_transactions`] read them.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The transactions after the checkpoint, in ledger order.
    pub txs: Vec<SeenTx>,
    /// Whether the source had nothing more after them (as of its last refresh).
    pub exhausted: bool,
}

/// Up to `limit` transactions after `checkpoint`, in ledger order. Anything the source
/// gives at or before the checkpoint is dropped; a source that gives only such
/// transactions while claiming more is inconsistent (an error, never an endless loop).
pub fn next_transactions(source: &dyn Source, checkpoint: &Checkpoint, limit: usize) -> Result<Batch, FollowError> {
    let read = source.transactions(checkpoint, limit)?;
    let exhausted = read.len() < limit;
    let read_any = !read.is_empty();
    let txs: Vec<SeenTx> = read.into_iter().filter(|tx| checkpoint.precedes(tx)).collect();
    if txs.is_empty() && read_any && !exhausted {
        return Err(SourceError::Inconsistent(format!(
            "asked for transactions after block {} ({:?}), the ledger gave only earlier ones",
            checkpoint.block_number, checkpoint.transaction_id
        ))
        .into());
    }
    Ok(Batch { txs, exhausted })
}

/// The pause of a follower's loop after `failures` consecutive failed passes: `poll`
/// doubled per failure, at most `max` (never below `poll`).
pub fn backoff(poll: Duration, failures: u32, max: Duration) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(10);
    poll.saturating_mul(factor).min(max.max(poll))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(block: u64, tx_index: u32) -> SeenTx {
        SeenTx { block, tx_index, tx_id: format!("tx{block}.{tx_index}"), timestamp: 0, event_name: None, event: None }
    }

    #[test]
    fn a_checkpoint_precedes_only_what_comes_after_it() {
        let start = Checkpoint::default();
        assert!(start.precedes(&tx(0, 0)) && start.precedes(&tx(3, 1)));
        let at = Checkpoint::after(&tx(3, 1));
        assert!(!at.precedes(&tx(3, 0)) && !at.precedes(&tx(3, 1)) && !at.precedes(&tx(2, 5)));
        assert!(at.precedes(&tx(3, 2)) && at.precedes(&tx(4, 0)));
        let block_start = Checkpoint { block_number: 3, ..Checkpoint::default() };
        assert!(block_start.precedes(&tx(3, 0)) && !block_start.precedes(&tx(2, 9)));
    }

    #[test]
    fn a_checkpoint_is_a_gateway_checkpoint() {
        use nanotrace_fabric_gateway::Checkpoint as GatewayCheckpoint;
        let start = Checkpoint::default();
        assert_eq!((GatewayCheckpoint::block_number(&start), GatewayCheckpoint::transaction_id(&start)), (0, None));
        let at = Checkpoint::after(&tx(9, 2));
        assert_eq!((GatewayCheckpoint::block_number(&at), GatewayCheckpoint::transaction_id(&at)), (9, Some("tx9.2")));
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let poll = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        let pauses: Vec<u128> = (1..=7).map(|f| backoff(poll, f, max).as_millis()).collect();
        assert_eq!(pauses, [100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(backoff(Duration::from_secs(5), 3, max), Duration::from_secs(5), "never below poll");
    }

    #[test]
    fn an_undecodable_event_is_an_error_naming_the_transaction() {
        let mut bad = tx(7, 2);
        bad.event_name = Some("CertificateIssued".into());
        bad.event = Some(serde_json::json!({"name": 5}));
        let err = touched(&bad).expect_err("bad event");
        assert!(matches!(err, FollowError::BadEvent { block: 7, .. }), "{err}");
        assert!(err.to_string().contains("tx7.2"), "{err}");
    }
}

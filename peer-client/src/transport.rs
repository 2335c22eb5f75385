//! The way the typed API reaches the contract: submit (endorse, order, commit) or
//! evaluate (query one peer). The embedded ledger implements it in-process; a Fabric
//! Gateway transport implements it over gRPC.

use crate::error::ApiError;

/// What a committed transaction returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted<T> {
    /// The decoded response (or the part of it the typed method returns).
    pub value: T,
    /// ID of the committed transaction.
    pub tx_id: String,
}

/// A way to reach the contract as one identity.
pub trait Transport {
    /// Endorses, orders and commits a transaction; returns the contract's response and
    /// the transaction ID once committed.
    fn submit(&self, function: &str, args: &[Vec<u8>]) -> Result<(Vec<u8>, String), ApiError>;
    /// Runs a query on one peer; nothing is committed.
    fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError>;
}

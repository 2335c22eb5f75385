//! The way the typed API reaches the contract: submit (endorse, order, commit) or
//! evaluate (query one peer). The embedded ledger implements it in-process; a Fabric
//! Gateway transport implements it over gRPC.

use crate::error::ApiError;
use nanotrace_fabric_gateway::Submitted;
use std::future::Future;

/// A way to reach the contract as one identity. Async, with `Send` futures: a service
/// calls it from its tasks; a command-line program blocks on it where it wants to (one
/// runtime for the program, none per transport).
pub trait Transport: Send + Sync {
    /// Endorses, orders and commits a transaction; answers the contract's response once
    /// committed.
    fn submit(&self, function: &str, args: &[Vec<u8>]) -> impl Future<Output = Result<Submitted, ApiError>> + Send;
    /// Runs a query on one peer; nothing is committed.
    fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> impl Future<Output = Result<Vec<u8>, ApiError>> + Send;
}

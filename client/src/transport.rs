//! The way the typed API reaches the contract: submit (endorse, order, commit) or
//! evaluate (query one peer). The embedded ledger implements it in-process; a Fabric
//! Gateway transport implements it over gRPC.

use crate::error::ApiError;
use nanotrace_fabric_gateway::Submitted;
use std::collections::BTreeMap;
use std::future::Future;

/// A proposal's transient data: values the contract reads while it is endorsed and that
/// no block ever holds (Fabric's transient map). Private data travels this way.
pub type Transient = BTreeMap<String, Vec<u8>>;

/// A way to reach the contract as one identity. Async, with `Send` futures: a service
/// calls it from its tasks; a command-line program blocks on it where it wants to (one
/// runtime for the program, none per transport).
pub trait Transport: Send + Sync {
    /// Endorses, orders and commits a transaction; answers the contract's response once
    /// committed.
    fn submit(&self, function: &str, args: &[Vec<u8>]) -> impl Future<Output = Result<Submitted, ApiError>> + Send;
    /// Runs a query on one peer; nothing is committed.
    fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> impl Future<Output = Result<Vec<u8>, ApiError>> + Send;

    /// A transaction ID fixed before the request is made, for a request that names its
    /// own transaction (a credential signed with its approval), submitted with
    /// [`Transport::submit_prepared`]; `None` (the default) when this transport cannot
    /// submit under an ID chosen beforehand.
    fn prepare(&self) -> Option<PreparedTx> {
        None
    }

    /// Submits under the ID of `tx` (from [`Transport::prepare`]), once: a transaction
    /// invalidated by a read conflict is returned, not submitted again (its request names
    /// its ID; make it again for a new one). The default refuses.
    fn submit_prepared(
        &self,
        tx: &PreparedTx,
        function: &str,
        args: &[Vec<u8>],
    ) -> impl Future<Output = Result<Submitted, ApiError>> + Send {
        let _ = (tx, function, args);
        async { Err(ApiError::Request("this transport cannot submit under a transaction ID chosen beforehand".into())) }
    }

    /// [`Transport::submit`] with `transient` data alongside the arguments. The default
    /// refuses: a transport that cannot carry it must not drop it.
    fn submit_transient(
        &self,
        function: &str,
        args: &[Vec<u8>],
        transient: &Transient,
    ) -> impl Future<Output = Result<Submitted, ApiError>> + Send {
        let _ = (function, args, transient);
        async { Err(ApiError::Request("this transport cannot carry transient data".into())) }
    }

    /// [`Transport::evaluate`] with `transient` data. The default refuses.
    fn evaluate_transient(
        &self,
        function: &str,
        args: &[Vec<u8>],
        transient: &Transient,
    ) -> impl Future<Output = Result<Vec<u8>, ApiError>> + Send {
        let _ = (function, args, transient);
        async { Err(ApiError::Request("this transport cannot carry transient data".into())) }
    }
}

/// A transaction whose ID is known before its request is made: the proposal's nonce and
/// the ID it gives, SHA-256(nonce ‖ creator) as Fabric has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedTx {
    /// The proposal's nonce (24 random bytes).
    pub nonce: Vec<u8>,
    /// The transaction ID.
    pub tx_id: String,
}

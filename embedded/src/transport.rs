//! The embedded ledger as a [`Transport`] for the typed API: submits and evaluates run
//! the certificate contract in-process as one identity.
//!
//! Stages map onto the client's errors as on Fabric: a contract refusal is
//! [`ApiError::Contract`]; a storage failure under the stub while simulating is
//! [`ApiError::Endorse`] (or [`ApiError::Evaluate`] for a query); a failure to write the
//! transaction is [`ApiError::Commit`] with code `LEDGER` (the write batch is atomic, so
//! nothing of it is on the ledger); a transaction whose writes fail a key-level
//! endorsement policy is [`ApiError::Commit`] with code `ENDORSEMENT_POLICY_FAILURE`, as
//! a Fabric commit status reports it.

use crate::tx_error::TxError;
use nanotrace_chaincode::{CertificateContract, ContractError};
use nanotrace_client::{ApiError, PreparedTx, Submitted, Transient, Transport};
use nanotrace_ledger::sim::{StateStore, TxSimulator};
use nanotrace_ledger::{Ledger, LedgerError};
use nanotrace_model::{Function, FunctionKind};
use nanotrace_shim::{Creator, EndorsementFailure, StubError, TxTimestamp};
use std::sync::Arc;

/// A contract error raised in this process: a refusal keeps its code; a failure of the
/// storage underneath the stub is a failure of the stage (`query` or endorsement), which
/// a client may retry, not a refusal.
fn contract_error(e: ContractError, query: bool) -> ApiError {
    match e {
        ContractError::Stub(stub) if query => ApiError::Evaluate { message: stub.to_string(), grpc: None },
        ContractError::Stub(stub) => ApiError::Endorse { tx_id: None, message: stub.to_string(), grpc: None },
        refusal => contract_refusal(refusal, None),
    }
}

/// A refusal of the contract, keeping its stable code.
pub(crate) fn contract_refusal(refusal: ContractError, tx_id: Option<&str>) -> ApiError {
    let code = refusal.code();
    let text = refusal.to_string();
    let message = text.strip_prefix(code).and_then(|rest| rest.strip_prefix(": ")).unwrap_or(&text);
    ApiError::Contract {
        code: code.to_owned(),
        message: message.to_owned(),
        tx_id: tx_id.map(str::to_owned),
        grpc: None,
    }
}

/// A transaction the ledger did not commit: invalidated by a key-level endorsement
/// policy (Fabric's validation code, with the transaction ID), or a storage failure.
pub(crate) fn commit_error(e: LedgerError) -> ApiError {
    match e {
        LedgerError::Stub(StubError::EndorsementPolicyFailure(f)) => ApiError::Commit {
            tx_id: Some(f.tx_id.clone()),
            code: EndorsementFailure::CODE.into(),
            message: f.to_string(),
        },
        other => ApiError::Commit { tx_id: None, code: "LEDGER".into(), message: other.to_string() },
    }
}

/// The contract on an embedded [`Ledger`], called as `creator`.
#[derive(Clone)]
pub struct EmbeddedTransport {
    ledger: Arc<Ledger>,
    creator: Creator,
    /// Fixed transaction time (tests and replays); `None` = the system clock.
    at: Option<TxTimestamp>,
}

impl std::fmt::Debug for EmbeddedTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedTransport").finish_non_exhaustive()
    }
}

impl EmbeddedTransport {
    /// The contract on `ledger`, called as `creator`.
    pub fn new(ledger: Arc<Ledger>, creator: Creator) -> Self {
        EmbeddedTransport { ledger, creator, at: None }
    }

    /// Uses `at` as every transaction's timestamp.
    pub fn at(mut self, at: Option<TxTimestamp>) -> Self {
        self.at = at;
        self
    }

    /// The ledger underneath.
    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }
}

impl EmbeddedTransport {
    /// Runs and commits `function(args)`, under `tx_id` when the caller fixed it
    /// ([`Transport::prepare`]; refused if a transaction of that ID committed), else under
    /// a fresh one.
    fn submit_under(
        &self,
        tx_id: Option<&str>,
        function: &str,
        args: &[Vec<u8>],
        transient: &Transient,
    ) -> Result<Submitted, ApiError> {
        if Function::from_name(function).map(Function::kind) == Some(FunctionKind::Evaluate) {
            return Err(ApiError::Request(format!("{function} is a query: evaluate it instead of submitting it")));
        }
        let run = |stub: &mut TxSimulator<'_, dyn StateStore + '_>| {
            stub.set_transient(transient.clone());
            CertificateContract.invoke(stub, function, args).map_err(TxError::from)
        };
        let done = match tx_id {
            Some(id) => self.ledger.submit_with_tx_id(&self.creator, id, function, args, self.at, run),
            None => self.ledger.submit(&self.creator, function, args, self.at, run),
        };
        let (out, receipt) = done.map_err(|e| match e {
            TxError::Contract(c) => contract_error(c, false),
            TxError::Ledger(l) => commit_error(l),
        })?;
        crate::collections::after_commit(&self.ledger, function, &self.creator);
        Ok(Submitted { value: out, tx_id: receipt.tx_id, block_number: receipt.block })
    }
}

/// The calls run on the polling thread and wait on nothing but RocksDB: their futures are
/// ready when first polled (blocking callers use [`nanotrace_client::Wait`]).
impl Transport for EmbeddedTransport {
    async fn submit(&self, function: &str, args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
        self.submit_under(None, function, args, &Transient::new())
    }

    fn prepare(&self) -> Option<PreparedTx> {
        let mut nonce = vec![0u8; 24];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut nonce);
        let tx_id = nanotrace_fabric_gateway::identity::transaction_id(&nonce, &self.creator.id_bytes);
        Some(PreparedTx { nonce, tx_id })
    }

    async fn submit_prepared(&self, tx: &PreparedTx, function: &str, args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
        self.submit_under(Some(&tx.tx_id), function, args, &Transient::new())
    }

    async fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
        self.evaluate_transient(function, args, &Transient::new()).await
    }

    async fn submit_transient(
        &self,
        function: &str,
        args: &[Vec<u8>],
        transient: &Transient,
    ) -> Result<Submitted, ApiError> {
        self.submit_under(None, function, args, transient)
    }

    async fn evaluate_transient(
        &self,
        function: &str,
        args: &[Vec<u8>],
        transient: &Transient,
    ) -> Result<Vec<u8>, ApiError> {
        self.ledger
            .evaluate(&self.creator, self.at, |stub| {
                stub.set_transient(transient.clone());
                CertificateContract.invoke(stub, function, args).map_err(TxError::from)
            })
            .map_err(|e| match e {
                TxError::Contract(c) => contract_error(c, true),
                TxError::Ledger(l) => ApiError::Evaluate { message: l.to_string(), grpc: None },
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_errors_keep_their_code_and_storage_failures_are_stage_failures() {
        let refusal = contract_error(ContractError::Unauthorized("Approve needs the certifier role".into()), false);
        assert!(
            matches!(&refusal, ApiError::Contract { code, message, .. } if code == "UNAUTHORIZED" && message == "Approve needs the certifier role"),
            "{refusal:?}"
        );
        let storage = contract_error(ContractError::Stub(StubError::Ledger("disk full".into())), false);
        assert!(matches!(&storage, ApiError::Endorse { message, .. } if message.contains("disk full")), "{storage:?}");
        assert!(!storage.is_refusal());
        let query = contract_error(ContractError::Stub(StubError::Ledger("disk full".into())), true);
        assert!(matches!(&query, ApiError::Evaluate { .. }), "{query:?}");
    }

    #[test]
    fn an_endorsement_failure_is_a_commit_failure_with_fabrics_code() {
        use nanotrace_shim::{EndorsementPolicy, KeyWrite};
        let failure = EndorsementFailure {
            tx_id: "ab12".into(),
            key: "k".into(),
            write: KeyWrite::Value,
            policy: EndorsementPolicy::peer_of("CertifierMSP"),
            endorser_msp: "ManufacturerMSP".into(),
        };
        let err = commit_error(LedgerError::Stub(failure.into()));
        match &err {
            ApiError::Commit { tx_id, code, message } => {
                assert_eq!((tx_id.as_deref(), code.as_str()), (Some("ab12"), "ENDORSEMENT_POLICY_FAILURE"));
                assert!(message.contains("'CertifierMSP.peer'") && message.contains("ManufacturerMSP"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!err.is_refusal());
        let storage = commit_error(LedgerError::Corrupt("bad".into()));
        assert!(matches!(&storage, ApiError::Commit { code, tx_id: None, .. } if code == "LEDGER"), "{storage:?}");
    }
}

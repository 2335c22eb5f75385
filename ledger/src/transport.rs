//! The embedded ledger as a [`Transport`] for the typed API: submits and evaluates run
//! the certificate contract in-process as one identity.

use crate::{Ledger, LedgerError};
use nanotrace_chaincode::api::{ApiError, Transport};
use nanotrace_chaincode::stub::{Creator, TxTimestamp};
use nanotrace_chaincode::{CertificateContract, ContractError};
use std::sync::Arc;

/// Why an embedded transaction failed: the contract refused, or the ledger failed.
#[derive(Debug, thiserror::Error)]
enum TxError {
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl From<TxError> for ApiError {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Contract(c) => c.into(),
            TxError::Ledger(l) => ApiError::Transport(l.to_string()),
        }
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

impl EmbeddedTransport {
    pub fn new(ledger: Arc<Ledger>, creator: Creator) -> Self {
        EmbeddedTransport { ledger, creator, at: None }
    }

    /// Uses `at` as every transaction's timestamp.
    pub fn at(mut self, at: Option<TxTimestamp>) -> Self {
        self.at = at;
        self
    }

    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }
}

impl Transport for EmbeddedTransport {
    fn submit(&self, function: &str, args: &[Vec<u8>]) -> Result<(Vec<u8>, String), ApiError> {
        if nanotrace_chaincode::contract::function_kind(function) == Some(nanotrace_chaincode::FunctionKind::Evaluate) {
            return Err(ApiError::Request(format!("{function} is a query: evaluate it instead of submitting it")));
        }
        let (out, receipt) = self
            .ledger
            .submit(&self.creator, function, args, self.at, |stub| {
                CertificateContract.invoke(stub, function, args).map_err(TxError::from)
            })
            .map_err(ApiError::from)?;
        Ok((out, receipt.tx_id))
    }

    fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
        self.ledger
            .evaluate(&self.creator, self.at, |stub| {
                CertificateContract.invoke(stub, function, args).map_err(TxError::from)
            })
            .map_err(ApiError::from)
    }
}

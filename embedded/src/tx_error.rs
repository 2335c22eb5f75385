//! Why a transaction run in this process failed: the contract refused, or the ledger
//! failed (shared by the transport and the collections' refresh).

use nanotrace_chaincode::ContractError;
use nanotrace_ledger::LedgerError;

/// Why an embedded transaction failed: the contract refused, or the ledger failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TxError {
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

//! The contract a runtime hosts: Fabric's `Chaincode` interface (`Init`/`Invoke` in the Go
//! shim's `interfaces.go`), synchronous, over a [`Stub`].

use crate::stub::{Stub, StubError};
use thiserror::Error;

/// A transaction failure reported by the contract. Its message reaches the client as
/// the message of the chaincode response (status 500), as with Go's `shim.Error`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct ChaincodeError {
    /// What went wrong, as the client should read it.
    pub message: String,
}

impl ChaincodeError {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }
}

/// A failure of the ledger under the contract (a peer message that failed, or — on the
/// in-memory and embedded ledgers — a write set refused at validation) as the contract's
/// failure, with the stub error's text.
impl From<StubError> for ChaincodeError {
    fn from(e: StubError) -> Self {
        Self::new(e.to_string())
    }
}

/// A contract served to Fabric peers. Implementations are synchronous: a runtime runs
/// each transaction on its own blocking thread and turns every stub call into a message
/// to the peer.
pub trait Chaincode: Send + Sync + 'static {
    /// Runs `function` (the transaction's first argument) with the remaining arguments.
    fn invoke(&self, stub: &mut dyn Stub, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ChaincodeError>;

    /// Runs an INIT message (legacy lifecycle); by default the same as [`Chaincode::invoke`].
    fn init(&self, stub: &mut dyn Stub, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ChaincodeError> {
        self.invoke(stub, function, args)
    }
}

//! [`Submitted`]: what a committed transaction returned, whichever the ledger — the
//! Gateway client's [`Contract::submit`](crate::gateway::Contract::submit), a
//! [`Transport`](crate::Transport) and the typed API all answer with it.

/// A committed transaction: what the contract returned (raw bytes, or the decoded
/// response of the typed API), its ID and its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted<T = Vec<u8>> {
    /// What the contract returned (or the part of it a typed method returns).
    pub value: T,
    /// The transaction ID.
    pub tx_id: String,
    /// The block the transaction committed in.
    pub block_number: u64,
}

impl<T> Submitted<T> {
    /// The same transaction with its value mapped by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Submitted<U> {
        Submitted { value: f(self.value), tx_id: self.tx_id, block_number: self.block_number }
    }

    /// The same transaction with its value mapped by a fallible `f`.
    pub fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Submitted<U>, E> {
        Ok(Submitted { value: f(self.value)?, tx_id: self.tx_id, block_number: self.block_number })
    }

    /// The same transaction answering `value` instead.
    pub fn with<U>(self, value: U) -> Submitted<U> {
        self.map(|_| value)
    }
}

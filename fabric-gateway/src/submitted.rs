//! [`Submitted`]: what a committed transaction returned, with its ID and block —
//! [`Contract::submit`](crate::Contract::submit) answers with it (as do the clients built
//! on this one, whatever their ledger).

/// A committed transaction: what the contract returned (raw bytes, or what a client
/// built on this one decoded from them), its ID and its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted<T = Vec<u8>> {
    /// What the contract returned (or the part of it a typed client returns).
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

//! A chaincode event as a client receives it: from an events stream, and what a
//! checkpoint records having seen.

/// One chaincode event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaincodeEvent {
    /// The block the transaction committed in.
    pub block_number: u64,
    /// The transaction that emitted it.
    pub transaction_id: String,
    /// The chaincode.
    pub chaincode_name: String,
    /// The event name.
    pub event_name: String,
    /// The payload.
    pub payload: Vec<u8>,
}

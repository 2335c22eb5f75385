//! [`FabricStub`]: the contract's [`Stub`] over a peer stream. Each call sends one shim
//! message for the transaction and blocks its thread until the peer's RESPONSE or ERROR
//! for the same channel and transaction ID comes back (see [`crate::handler`]).
//!
//! Message by message this follows Fabric's Go shim (fabric-chaincode-go v2.3.0):
//! range queries use `"\x01"` for an empty start key so that composite keys never leak
//! into simple-key scans, iterators fetch with QUERY_STATE_NEXT while `has_more` and end
//! with QUERY_STATE_CLOSE, and key-level endorsement policies are state metadata under
//! `VALIDATION_PARAMETER`. Private data uses the public state's messages with `collection`
//! set (GET_STATE, PUT_STATE, DEL_STATE, and WRITE_BATCH_STATE records when the peer
//! batches writes) and GET_PRIVATE_DATA_HASH for the hash of a value; the peer decides
//! whether the collection exists and whether the creator may read or write it, and its
//! ERROR text comes back as [`StubError::Ledger`]. The transient data is the proposal's
//! `TransientMap` (see [`crate::proposal`]). An empty collection name (on the wire, the
//! public state) is refused before any message is sent, as the Go shim refuses it
//! ("collection must not be an empty string"), with the embedded ledger's error,
//! [`StubError::UnknownCollection`]; any other name goes to the peer, which also knows
//! the implicit collections (`_implicit_org_<MSP ID>`) that no chaincode definition lists.
//!
//! One deliberate difference: pages of range queries are read from Fabric's plain range
//! iterator, never with Fabric's paginated queries, which a peer allows only in read-only
//! transactions (see [`FabricStub`]'s `range_page`).

use crate::policy::{self, VALIDATION_PARAMETER};
use crate::proposal::ProposalInfo;
use crate::write_batch::WriteBatch;
use nanotrace_protos::prost::Message;
use nanotrace_protos::protos::{
    chaincode_message::Type as MsgType, ChaincodeAdditionalParams, ChaincodeEvent, ChaincodeMessage, DelState,
    GetHistoryForKey, GetState, GetStateByRange, GetStateMetadata, GetStateMultiple, GetStateMultipleResult, PutState,
    PutStateMetadata, QueryResponse, QueryStateClose, QueryStateNext, StateMetadata, StateMetadataResult,
};
use nanotrace_protos::queryresult::{KeyModification as PbKeyModification, Kv};
use nanotrace_shim::{
    partial_composite_range, Creator, EndorsementPolicy, KeyModification, Page, Stub, StubError, StubResult,
    TxTimestamp, COMPOSITE_KEY_NAMESPACE,
};
use std::collections::BTreeMap;
use std::sync::mpsc;
use tokio::sync::mpsc as tokio_mpsc;

/// What the runtime sends on a stream: a message, or the status that ends the stream.
pub type Outbound = Result<ChaincodeMessage, tonic::Status>;

/// The GET_STATE_MULTIPLE size Fabric's Go shim uses when the peer announces no size.
pub const DEFAULT_MAX_GET_MULTIPLE: u32 = 100;

/// Entries of a range page when the contract asks for page size 0 (as the embedded ledger).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// The largest range page (as the embedded ledger).
pub const MAX_PAGE_SIZE: u32 = 1000;

/// What the peer announced in READY (`ChaincodeAdditionalParams`, Fabric 2.5+/3.x).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeerParams {
    /// Writes go in WRITE_BATCH_STATE messages of at most this many records.
    pub write_batch: Option<u32>,
    /// Reads of many keys go in GET_STATE_MULTIPLE messages of at most this many keys.
    pub get_multiple: Option<u32>,
}

impl PeerParams {
    /// Reads READY's payload; an empty or unreadable payload (older peers) announces
    /// nothing, as in the Go shim.
    pub fn from_ready(payload: &[u8]) -> Self {
        match ChaincodeAdditionalParams::decode(payload) {
            Ok(p) => Self {
                write_batch: p.use_write_batch.then_some(p.max_size_write_batch),
                get_multiple: p.use_get_multiple_keys.then_some(p.max_size_get_multiple_keys),
            },
            Err(_) => Self::default(),
        }
    }
}

/// One transaction's end of the stream: sends its messages and receives its replies.
#[derive(Debug)]
pub struct PeerLink {
    channel_id: String,
    txid: String,
    out: tokio_mpsc::Sender<Outbound>,
    replies: mpsc::Receiver<ChaincodeMessage>,
}

impl PeerLink {
    /// A link for transaction `txid` on `channel_id`; `replies` receives the peer's
    /// RESPONSE/ERROR messages routed to this transaction.
    pub fn new(
        channel_id: String,
        txid: String,
        out: tokio_mpsc::Sender<Outbound>,
        replies: mpsc::Receiver<ChaincodeMessage>,
    ) -> Self {
        Self { channel_id, txid, out, replies }
    }

    /// The transaction ID.
    pub fn txid(&self) -> &str {
        &self.txid
    }

    /// The channel ID.
    pub fn channel_id(&self) -> &str {
        &self.channel_id
    }

    /// A message of this transaction.
    pub fn message(&self, kind: MsgType, payload: Vec<u8>) -> ChaincodeMessage {
        ChaincodeMessage {
            r#type: kind as i32,
            payload,
            txid: self.txid.clone(),
            channel_id: self.channel_id.clone(),
            ..Default::default()
        }
    }

    /// Sends `msg` (blocking this thread while the stream is full).
    pub fn send(&self, msg: ChaincodeMessage) -> StubResult<()> {
        self.out.blocking_send(Ok(msg)).map_err(|_| StubError::Ledger("the peer stream is closed".into()))
    }

    /// Sends a request and waits for its reply: RESPONSE's payload, or ERROR's text.
    pub fn call(&self, kind: MsgType, payload: Vec<u8>) -> StubResult<Vec<u8>> {
        self.send(self.message(kind, payload))?;
        let reply = self
            .replies
            .recv()
            .map_err(|_| StubError::Ledger(format!("the peer disconnected while waiting for the reply to {kind:?}")))?;
        match MsgType::try_from(reply.r#type) {
            Ok(MsgType::Response) => Ok(reply.payload),
            Ok(MsgType::Error) => Err(StubError::Ledger(String::from_utf8_lossy(&reply.payload).into_owned())),
            _ => Err(StubError::Ledger(format!(
                "unexpected {} in reply to {kind:?}; expected RESPONSE or ERROR",
                type_name(reply.r#type)
            ))),
        }
    }
}

/// The protobuf name of a message type, or its number.
pub fn type_name(kind: i32) -> String {
    MsgType::try_from(kind).map(|t| t.as_str_name().to_owned()).unwrap_or_else(|_| kind.to_string())
}

fn decode<M: Message + Default>(what: &str, bytes: &[u8]) -> StubResult<M> {
    M::decode(bytes).map_err(|e| StubError::Ledger(format!("the peer sent an undecodable {what}: {e}")))
}

/// Refuses the empty collection name before any message (the Go shim's "collection must
/// not be an empty string"): an empty collection is the public state on the wire.
fn check_collection(collection: &str) -> StubResult<()> {
    if collection.is_empty() {
        return Err(StubError::UnknownCollection(String::new()));
    }
    Ok(())
}

/// The peer's refusal of a collection that the chaincode definition does not declare, in
/// the words of Fabric's ledger (`CollConfigNotDefinedError`: the definition has no
/// collections; `InvalidCollNameError`: not this one), becomes
/// [`StubError::UnknownCollection`], the embedded ledger's error for the same case; any
/// other error stays the peer's.
fn unknown_collection(collection: &str, e: StubError) -> StubError {
    const NOT_DEFINED: [&str; 2] =
        ["collection config not defined for chaincode", "not defined in the collection config for chaincode"];
    match &e {
        StubError::Ledger(text) if NOT_DEFINED.iter().any(|words| text.contains(words)) => {
            StubError::UnknownCollection(collection.to_owned())
        }
        _ => e,
    }
}

fn check_put_key(key: &str) -> StubResult<()> {
    if key.is_empty() {
        return Err(StubError::InvalidKey { key: String::new(), reason: "key must not be an empty string" });
    }
    Ok(())
}

fn check_range_key(key: &str) -> StubResult<()> {
    if key.starts_with(COMPOSITE_KEY_NAMESPACE) {
        return Err(StubError::InvalidKey { key: key.to_owned(), reason: "simple keys may not start with U+0000" });
    }
    Ok(())
}

/// The [`Stub`] of one transaction on a Fabric peer.
#[derive(Debug)]
pub struct FabricStub {
    link: PeerLink,
    info: ProposalInfo,
    params: PeerParams,
    batch: Option<WriteBatch>,
    event: Option<ChaincodeEvent>,
}

impl FabricStub {
    /// The stub of the transaction behind `link`.
    pub fn new(link: PeerLink, info: ProposalInfo, params: PeerParams) -> Self {
        let batch = params.write_batch.map(|_| WriteBatch::new());
        Self { link, info, params, batch, event: None }
    }

    /// Sends the batched writes (WRITE_BATCH_STATE messages of the announced size); the
    /// handler calls this before COMPLETED.
    pub fn flush_writes(&mut self) -> StubResult<()> {
        let (Some(batch), Some(max)) = (self.batch.as_mut(), self.params.write_batch) else {
            return Ok(());
        };
        for state in batch.take_batches(max) {
            self.link.call(MsgType::WriteBatchState, state.encode_to_vec())?;
        }
        Ok(())
    }

    /// The event set by the transaction, if any.
    pub fn take_event(&mut self) -> Option<ChaincodeEvent> {
        self.event.take()
    }

    /// Gives the link back, to send the transaction's final message.
    pub fn into_link(self) -> PeerLink {
        self.link
    }

    /// Runs a query whose first response is `first`: reads every result, fetching more
    /// with QUERY_STATE_NEXT while the peer has more, then closes it.
    fn drain(&mut self, first: QueryResponse) -> StubResult<Vec<Vec<u8>>> {
        self.read_results(first, usize::MAX)
    }

    /// Reads results of the query whose first response is `first` until `limit` are read
    /// or the peer has no more (QUERY_STATE_NEXT while `has_more`), then closes the query
    /// (QUERY_STATE_CLOSE), as Fabric's Go shim iterator does when its caller stops.
    fn read_results(&mut self, first: QueryResponse, limit: usize) -> StubResult<Vec<Vec<u8>>> {
        let mut results = Vec::new();
        let mut response = first;
        loop {
            let has_more = response.has_more;
            let id = response.id.clone();
            let room = limit - results.len();
            results.extend(response.results.into_iter().take(room).map(|r| r.result_bytes));
            if !has_more || results.len() >= limit {
                self.link.call(MsgType::QueryStateClose, QueryStateClose { id }.encode_to_vec())?;
                return Ok(results);
            }
            let next = self.link.call(MsgType::QueryStateNext, QueryStateNext { id }.encode_to_vec())?;
            response = decode("QueryResponse", &next)?;
        }
    }

    /// One page of the keys in `[start, end)`: at most `page_size` entries (0 means
    /// [`DEFAULT_PAGE_SIZE`], at most [`MAX_PAGE_SIZE`]) from `bookmark` on, and the key
    /// after them as the next bookmark — the embedded ledger's paging, key for key.
    ///
    /// The pages are read from Fabric's plain range iterator (GET_STATE_BY_RANGE without
    /// `QueryMetadata`), reading one entry more than the page and closing the iterator,
    /// never with Fabric's paginated queries: a Fabric peer refuses every write of a
    /// transaction that made a paginated query ("Transaction has already performed a
    /// paginated query. Writes are not allowed"), and the contract pages through indexes
    /// in transactions that write (Suspend, Revoke and Reinstate look up dependent
    /// certificates). A real Fabric 3.1 peer showed this; the scripted peer of the
    /// protocol tests enforces the same rule.
    fn range_page(&mut self, start: &str, end: &str, page_size: u32, bookmark: &str) -> StubResult<Page> {
        let size = match page_size {
            0 => DEFAULT_PAGE_SIZE,
            n => n.min(MAX_PAGE_SIZE),
        } as usize;
        let from = if bookmark.is_empty() {
            start
        } else {
            if bookmark < start || (!end.is_empty() && bookmark >= end) {
                return Err(StubError::InvalidBookmark(bookmark.to_owned()));
            }
            bookmark
        };
        let request = GetStateByRange {
            start_key: from.to_owned(),
            end_key: end.to_owned(),
            collection: String::new(),
            metadata: Vec::new(),
        };
        let first = self.link.call(MsgType::GetStateByRange, request.encode_to_vec())?;
        let first: QueryResponse = decode("QueryResponse", &first)?;
        // One entry more than the page tells whether there is a next page, and is its bookmark.
        let results = self.read_results(first, size + 1)?;
        let mut entries = results
            .iter()
            .map(|bytes| decode::<Kv>("KV", bytes).map(|kv| (kv.key, kv.value)))
            .collect::<StubResult<Vec<_>>>()?;
        let bookmark =
            if entries.len() > size { entries.pop().map(|(k, _)| k).unwrap_or_default() } else { String::new() };
        Ok(Page { entries, bookmark })
    }

    /// GET_STATE of `key` in `collection` (`""`: the public state); an empty reply is
    /// `None`.
    fn get(&mut self, collection: &str, key: &str) -> StubResult<Option<Vec<u8>>> {
        let request = GetState { key: key.to_owned(), collection: collection.to_owned() };
        let value = self.link.call(MsgType::GetState, request.encode_to_vec())?;
        Ok((!value.is_empty()).then_some(value))
    }

    /// PUT_STATE of `key` in `collection` (`""`: the public state), or its record in the
    /// write batch.
    fn put(&mut self, collection: &str, key: &str, value: &[u8]) -> StubResult<()> {
        check_put_key(key)?;
        if let Some(batch) = self.batch.as_mut() {
            batch.put_state(collection, key, value);
            return Ok(());
        }
        let request = PutState { key: key.to_owned(), value: value.to_vec(), collection: collection.to_owned() };
        self.link.call(MsgType::PutState, request.encode_to_vec()).map(drop)
    }

    /// DEL_STATE of `key` in `collection` (`""`: the public state), or its record in the
    /// write batch.
    fn del(&mut self, collection: &str, key: &str) -> StubResult<()> {
        if let Some(batch) = self.batch.as_mut() {
            batch.del_state(collection, key);
            return Ok(());
        }
        let request = DelState { key: key.to_owned(), collection: collection.to_owned() };
        self.link.call(MsgType::DelState, request.encode_to_vec()).map(drop)
    }
}

impl Stub for FabricStub {
    fn tx_id(&self) -> &str {
        self.link.txid()
    }

    fn tx_timestamp(&self) -> TxTimestamp {
        self.info.timestamp
    }

    fn creator(&self) -> &Creator {
        &self.info.creator
    }

    fn get_state(&mut self, key: &str) -> StubResult<Option<Vec<u8>>> {
        self.get("", key)
    }

    fn put_state(&mut self, key: &str, value: &[u8]) -> StubResult<()> {
        self.put("", key, value)
    }

    fn del_state(&mut self, key: &str) -> StubResult<()> {
        self.del("", key)
    }

    fn get_state_multiple(&mut self, keys: &[String]) -> StubResult<Vec<Option<Vec<u8>>>> {
        let Some(max) = self.params.get_multiple else {
            return keys.iter().map(|k| self.get_state(k)).collect();
        };
        let max = if max == 0 { DEFAULT_MAX_GET_MULTIPLE } else { max } as usize;
        let mut values = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(max) {
            let request = GetStateMultiple { keys: chunk.to_vec(), collection: String::new() };
            let reply = self.link.call(MsgType::GetStateMultiple, request.encode_to_vec())?;
            let result: GetStateMultipleResult = decode("GetStateMultipleResult", &reply)?;
            if result.values.len() != chunk.len() {
                return Err(StubError::Ledger(format!(
                    "GET_STATE_MULTIPLE of {} keys answered {} values",
                    chunk.len(),
                    result.values.len()
                )));
            }
            values.extend(result.values.into_iter().map(|v| (!v.is_empty()).then_some(v)));
        }
        Ok(values)
    }

    fn get_state_by_range(&mut self, start: &str, end: &str, page_size: u32, bookmark: &str) -> StubResult<Page> {
        let start = if start.is_empty() { nanotrace_shim::EMPTY_KEY_SUBSTITUTE } else { start };
        check_range_key(start)?;
        check_range_key(end)?;
        self.range_page(start, end, page_size, bookmark)
    }

    fn get_state_by_partial_composite_key(
        &mut self,
        object_type: &str,
        attributes: &[&str],
        page_size: u32,
        bookmark: &str,
    ) -> StubResult<Page> {
        let (start, end) = partial_composite_range(object_type, attributes)?;
        self.range_page(&start, &end, page_size, bookmark)
    }

    fn get_history_for_key(&mut self, key: &str) -> StubResult<Vec<KeyModification>> {
        let request = GetHistoryForKey { key: key.to_owned() };
        let first = self.link.call(MsgType::GetHistoryForKey, request.encode_to_vec())?;
        let first: QueryResponse = decode("QueryResponse", &first)?;
        let results = self.drain(first)?;
        results
            .iter()
            .map(|bytes| {
                let m: PbKeyModification = decode("KeyModification", bytes)?;
                let timestamp = m
                    .timestamp
                    .map(|t| TxTimestamp { seconds: t.seconds, nanos: t.nanos })
                    .unwrap_or(TxTimestamp { seconds: 0, nanos: 0 });
                Ok(KeyModification { tx_id: m.tx_id, timestamp, value: m.value, is_delete: m.is_delete })
            })
            .collect()
    }

    fn set_event(&mut self, name: &str, payload: &[u8]) -> StubResult<()> {
        if name.is_empty() {
            return Err(StubError::Ledger("event name can not be empty string".into()));
        }
        self.event =
            Some(ChaincodeEvent { event_name: name.to_owned(), payload: payload.to_vec(), ..Default::default() });
        Ok(())
    }

    fn get_state_validation_parameter(&mut self, key: &str) -> StubResult<Option<EndorsementPolicy>> {
        let request = GetStateMetadata { key: key.to_owned(), collection: String::new() };
        let reply = self.link.call(MsgType::GetStateMetadata, request.encode_to_vec())?;
        let result: StateMetadataResult = decode("StateMetadataResult", &reply)?;
        let Some(entry) = result.entries.into_iter().find(|e| e.metakey == VALIDATION_PARAMETER) else {
            return Ok(None);
        };
        if entry.value.is_empty() {
            return Ok(None);
        }
        policy::decode(&entry.value).map(Some).map_err(|e| StubError::Ledger(e.to_string()))
    }

    fn set_state_validation_parameter(&mut self, key: &str, policy: &EndorsementPolicy) -> StubResult<()> {
        check_put_key(key)?;
        policy.validate().map_err(|reason| StubError::InvalidPolicy { key: key.to_owned(), reason })?;
        let value = policy::encode(policy);
        if let Some(batch) = self.batch.as_mut() {
            batch.put_metadata("", key, VALIDATION_PARAMETER, &value);
            return Ok(());
        }
        let request = PutStateMetadata {
            key: key.to_owned(),
            collection: String::new(),
            metadata: Some(StateMetadata { metakey: VALIDATION_PARAMETER.to_owned(), value }),
        };
        self.link.call(MsgType::PutStateMetadata, request.encode_to_vec()).map(drop)
    }

    fn transient(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.info.transient
    }

    fn get_private_data(&mut self, collection: &str, key: &str) -> StubResult<Option<Vec<u8>>> {
        check_collection(collection)?;
        self.get(collection, key).map_err(|e| unknown_collection(collection, e))
    }

    fn get_private_data_hash(&mut self, collection: &str, key: &str) -> StubResult<Option<Vec<u8>>> {
        check_collection(collection)?;
        let request = GetState { key: key.to_owned(), collection: collection.to_owned() };
        let hash = self
            .link
            .call(MsgType::GetPrivateDataHash, request.encode_to_vec())
            .map_err(|e| unknown_collection(collection, e))?;
        Ok((!hash.is_empty()).then_some(hash))
    }

    fn put_private_data(&mut self, collection: &str, key: &str, value: &[u8]) -> StubResult<()> {
        check_collection(collection)?;
        self.put(collection, key, value)
    }

    fn del_private_data(&mut self, collection: &str, key: &str) -> StubResult<()> {
        check_collection(collection)?;
        self.del(collection, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fabrics_undefined_collection_errors_are_unknown_collections() {
        // Fabric 3.1's texts (core/ledger: CollConfigNotDefinedError, InvalidCollNameError),
        // as the peer's handler sends them back with its prefix.
        for text in [
            "GET_PRIVATE_DATA_HASH failed: transaction ID: 1f2e: collection config not defined for chaincode \
             [nanotrace], pass the collection configuration upon chaincode definition/instantiation",
            "GET_STATE failed: transaction ID: 1f2e: collection [billing-ab] not defined in the collection config for \
             chaincode [nanotrace]",
        ] {
            let mapped = unknown_collection("billing-ab", StubError::Ledger(text.to_owned()));
            assert_eq!(mapped, StubError::UnknownCollection("billing-ab".into()), "{text}");
        }
        let other = StubError::Ledger("GET_STATE failed: tx creator does not have read access permission".into());
        assert_eq!(unknown_collection("billing-ab", other.clone()), other, "any other error stays the peer's");
    }
}

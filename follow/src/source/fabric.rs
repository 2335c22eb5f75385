//! A Fabric channel, followed through the Gateway client (`nanotrace_fabric_gateway`)
//! as one organisation's user — by default the Regulator's, so the verifier reads the
//! Regulator's own peer.
//!
//! - **Height**: the `qscc` system chaincode's `GetChainInfo` (an evaluate through the
//!   gateway, on chaincode `qscc`, arguments `[channel]`), decoded as
//!   `common.BlockchainInfo`; [`Source::height`] is the number of the last block
//!   (height − 1).
//! - **Transactions and their chaincode events**: `qscc`'s `GetBlockByNumber`, one block
//!   at a time from the checkpoint's block. Of each block, the transactions that are
//!   valid (the block's `TRANSACTIONS_FILTER` metadata) and carry a chaincode event of
//!   the followed chaincode or write one of its private data collections (named in every
//!   peer's block, with hashes only: [`Source::collections_written`]), with their real
//!   position in the block and their timestamp.
//!   Reading blocks rather than the gateway's `ChaincodeEvents` stream gives the follower
//!   what that stream does not: a marker for every block (so the verifier knows it has
//!   everything up to the peer's height, even when the last blocks carry no event of the
//!   contract — the freshness rule), each transaction's index within its block (the
//!   checkpoint's `transaction_index`) and its timestamp. Both start from the same
//!   Fabric-shaped checkpoint: the block, after the last transaction applied in it.
//! - **Records**: the contract's `GetCertificate`, `History` and `IssuerKeys`, evaluated
//!   through the gateway; many certificates at once with `GetCertificateRecords` (one
//!   query for a follower's batch instead of two per certificate), each alone from a
//!   contract deployed before it or when one of them cannot be answered with the rest.
//!   A peer failure is an error ([`SourceError::Peer`]), never "not found".
//! - **Bounded**: every call has the gateway client's deadline (the profile's; evaluate
//!   5 s), so a paused or black-holed peer fails a call, it never holds it. After a call
//!   failed underneath the contract, certificate reads (the web layer's cache misses)
//!   fail at once for [`FAIL_FAST`] instead of each waiting for a deadline of its own;
//!   the follower's height reads keep probing, and the first answer clears that.
//!
//! The source blocks on the client's process-wide runtime
//! ([`nanotrace_client::Wait`]): call it from a plain thread or tokio's blocking
//! pool, never from async code.

use super::{ListPosition, ListedPage, Source, SourceError};
use crate::{CertificateRecord, Checkpoint, SeenTx};
use nanotrace_client::nanotrace::is_unknown_function;
use nanotrace_client::to_api_error;
use nanotrace_client::{ApiError, NanoTrace, Submitted, Transport, Wait};
use nanotrace_fabric_gateway::{qscc, ConnectionProfile, Contract, Gateway, GatewayError};
use nanotrace_model::billing::InvoiceRecord;
use nanotrace_model::{Certificate, Function, IssuerKey, Organization};
use nanotrace_protos::common::{Block, ChannelHeader, Envelope, Payload};
use nanotrace_protos::kvrwset::HashedRwSet;
use nanotrace_protos::peer::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEvent, ProposalResponsePayload, Transaction,
};
use nanotrace_protos::prost::Message;
use nanotrace_protos::rwset::TxReadWriteSet;
use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The query system chaincode.
pub use nanotrace_fabric_gateway::qscc::QSCC;
/// `common.HeaderType.ENDORSER_TRANSACTION`.
const ENDORSER_TRANSACTION: i32 = 3;
/// `common.BlockMetadataIndex.TRANSACTIONS_FILTER`.
const TRANSACTIONS_FILTER: usize = 2;
/// Certificates per `ListByStatus` page when listing every certificate.
const LIST_PAGE: u32 = 500;
/// Decoded blocks kept in memory (blocks never change; a pass re-reads the checkpoint's
/// block to check it, then goes on from there).
const BLOCK_MEMO: usize = 32;
/// After a peer call failed underneath the contract (deadline, connection refused…), a
/// certificate read fails at once for this long instead of asking the peer again: a
/// paused or unreachable peer must not hold every request for a certificate the cache
/// does not hold for a whole call deadline. The follower keeps probing with its own
/// reads of the height (with its backoff), and the first answer clears the mark.
pub const FAIL_FAST: Duration = Duration::from_secs(15);

/// What a Fabric source is bound to: a cache built from one channel and chaincode must
/// not serve another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FabricTarget {
    /// The channel.
    pub channel: String,
    /// The chaincode.
    pub chaincode: String,
    /// The gateway peer's address.
    pub gateway: String,
    /// The MSP ID of the identity the verifier reads as.
    pub msp_id: String,
}

/// A Fabric channel read through the Gateway client.
pub struct FabricSource {
    target: FabricTarget,
    contract: Contract,
    qscc: Contract,
    /// The number of the last block, as of the last refresh.
    last_block: AtomicU64,
    blocks: Mutex<VecDeque<(u64, Arc<Vec<BlockTx>>)>>,
    /// When the last peer call failed underneath the contract, and why; `None` once a
    /// call got an answer.
    down: Mutex<Option<(Instant, String)>>,
    /// Set when the contract refused `GetCertificateRecords` as a function it does not
    /// know (deployed before it): certificates are read one by one from then on, without
    /// asking again (an upgrade of the contract is a restart of the follower).
    records_unknown: AtomicBool,
}

impl std::fmt::Debug for FabricSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FabricSource").field("target", &self.target).finish_non_exhaustive()
    }
}

fn peer_error(what: impl Into<String>) -> impl FnOnce(GatewayError) -> SourceError {
    let what = what.into();
    move |e| SourceError::Peer { what, message: e.to_string() }
}

impl FabricSource {
    /// Connects as the connection profile at `path` says (gateway peer, TLS, identity,
    /// channel, chaincode).
    pub fn from_profile(path: &Path) -> Result<Self, SourceError> {
        let bad = |message: String| SourceError::Profile { path: path.to_path_buf(), message };
        if !path.is_file() {
            return Err(bad("no such file (run `scripts/network.sh up`, or pass --profile)".to_owned()));
        }
        let profile = ConnectionProfile::load(path).map_err(|e| bad(e.to_string()))?;
        let identity = profile.signing_identity().map_err(|e| bad(e.to_string()))?;
        let options = profile.connect_options().map_err(|e| bad(e.to_string()))?;
        let gateway = Gateway::connect(identity, options)
            .wait()
            .map_err(peer_error(format!("the gateway peer {}", profile.gateway.address)))?;
        let target = FabricTarget {
            channel: profile.channel.clone(),
            chaincode: profile.chaincode.clone(),
            gateway: profile.gateway.address.clone(),
            msp_id: profile.identity.msp_id.clone(),
        };
        Ok(Self::new(&gateway, target))
    }

    /// A source over a connected gateway.
    pub fn new(gateway: &Gateway, target: FabricTarget) -> Self {
        let network = gateway.network(target.channel.clone());
        FabricSource {
            contract: network.contract(target.chaincode.clone()),
            qscc: network.contract(QSCC),
            target,
            last_block: AtomicU64::new(0),
            blocks: Mutex::new(VecDeque::new()),
            down: Mutex::new(None),
            records_unknown: AtomicBool::new(false),
        }
    }

    /// Records whether a peer call got an answer (a refusal by the contract is one).
    fn observe(&self, failure: Option<String>) {
        let mut down = self.down.lock().unwrap_or_else(|p| p.into_inner());
        *down = failure.map(|message| (Instant::now(), message));
    }

    /// Why the peer is taken as down (its last call failed less than [`FAIL_FAST`]
    /// ago), if it is.
    pub fn recently_down(&self) -> Option<String> {
        let down = self.down.lock().unwrap_or_else(|p| p.into_inner());
        let (at, message) = down.as_ref()?;
        let ago = at.elapsed();
        (ago < FAIL_FAST).then(|| {
            format!(
                "not asked: the peer's last answer failed {:.1} s ago ({message}); the follower keeps retrying",
                ago.as_secs_f64()
            )
        })
    }

    /// Evaluates on `contract`, recording whether the peer answered.
    fn evaluate_on(&self, contract: &Contract, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, GatewayError> {
        let result = contract.evaluate(function, args).wait();
        self.observe_result(&result);
        result
    }

    /// Records a call's outcome: a failure underneath the contract marks the peer down;
    /// an answer (a refusal by the contract is one) clears the mark.
    fn observe_result<T>(&self, result: &Result<T, GatewayError>) {
        match result {
            Err(e) if e.chaincode_message().is_none() => self.observe(Some(e.to_string())),
            _ => self.observe(None),
        }
    }

    /// The channel, chaincode and peer followed.
    pub fn target(&self) -> &FabricTarget {
        &self.target
    }

    fn api(&self) -> NanoTrace<ContractTransport<'_>> {
        NanoTrace::new(ContractTransport { source: self })
    }

    /// `qscc GetChainInfo`: the channel's height (number of blocks) on the peer.
    pub fn chain_height(&self) -> Result<u64, SourceError> {
        let args = [self.target.channel.as_bytes().to_vec()];
        let bytes = self
            .evaluate_on(&self.qscc, "GetChainInfo", &args)
            .map_err(peer_error(format!("qscc GetChainInfo {}", self.target.channel)))?;
        let info = qscc::decode_chain_info(&bytes).map_err(|e| SourceError::Inconsistent(e.to_string()))?;
        Ok(info.height)
    }

    /// The followed transactions of block `number` (memoised).
    fn block(&self, number: u64) -> Result<Arc<Vec<BlockTx>>, SourceError> {
        {
            let memo = self.blocks.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, txs)) = memo.iter().find(|(n, _)| *n == number) {
                return Ok(txs.clone());
            }
        }
        let args = [self.target.channel.as_bytes().to_vec(), number.to_string().into_bytes()];
        let bytes = self.evaluate_on(&self.qscc, "GetBlockByNumber", &args).map_err(|e| {
            let error = peer_error(format!("qscc GetBlockByNumber {number}"))(e);
            let first = match &error {
                SourceError::Peer { message, .. } => snapshot_first_block(message),
                _ => None,
            };
            match first {
                Some(first_available) => SourceError::BeforeSnapshot { block: number, first_available },
                None => error,
            }
        })?;
        let txs = Arc::new(block_transactions(&bytes, number, &self.target.chaincode)?);
        let mut memo = self.blocks.lock().unwrap_or_else(|p| p.into_inner());
        if memo.len() >= BLOCK_MEMO {
            memo.pop_front();
        }
        memo.push_back((number, txs.clone()));
        Ok(txs)
    }
}

/// The first block a snapshot-joined peer holds, from its refusal of an earlier one
/// (Fabric's ledger: "cannot serve block [N]. The ledger is bootstrapped from a snapshot.
/// First available block = [M]").
fn snapshot_first_block(message: &str) -> Option<u64> {
    if !message.contains("bootstrapped from a snapshot") {
        return None;
    }
    let rest = &message[message.find("First available block = [")? + "First available block = [".len()..];
    rest[..rest.find(']')?].parse().ok()
}

/// The typed API over the source's contract, recording whether the peer answered.
struct ContractTransport<'a> {
    source: &'a FabricSource,
}

impl Transport for ContractTransport<'_> {
    async fn submit(&self, function: &str, _args: &[Vec<u8>]) -> Result<Submitted, ApiError> {
        Err(ApiError::Request(format!("the verifier only reads: it never submits {function}")))
    }

    async fn evaluate(&self, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
        let result = self.source.contract.evaluate(function, args).await;
        self.source.observe_result(&result);
        result.map_err(to_api_error)
    }
}

/// A contract query's failure: a refusal by the contract, or the peer failing.
/// Whether `e` is a snapshot-joined peer's refusal to answer a history that started
/// before its snapshot (`CONFLICT` naming [`nanotrace_model::HISTORY_BEFORE_SNAPSHOT`]).
fn is_history_before_snapshot(e: &ApiError) -> bool {
    e.contract_code() == Some(nanotrace_model::ErrorCode::Conflict)
        && e.to_string().contains(nanotrace_model::HISTORY_BEFORE_SNAPSHOT)
}

fn query_error(what: String) -> impl FnOnce(ApiError) -> SourceError {
    move |source| {
        if source.is_refusal() {
            SourceError::Contract { what, source }
        } else {
            SourceError::Peer { what, message: source.to_string() }
        }
    }
}

/// A followed transaction of a block, with the private data collections of the followed
/// chaincode it wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockTx {
    /// The transaction.
    pub tx: SeenTx,
    /// The collections it wrote, by name, in ascending order: the hashed write sets every
    /// peer's block carries name them, whether or not the peer holds their values.
    pub collections: Vec<String>,
}

/// Decodes a marshalled `common.Block` and returns its valid transactions that carry a
/// chaincode event of `chaincode` or write one of its private data collections, in block
/// order, with their position in the block.
pub fn block_transactions(bytes: &[u8], expected: u64, chaincode: &str) -> Result<Vec<BlockTx>, SourceError> {
    let bad = |message: String| SourceError::Inconsistent(format!("block {expected}: {message}"));
    let block = Block::decode(bytes).map_err(|e| bad(format!("not a Block: {e}")))?;
    let number = block.header.as_ref().map(|h| h.number).unwrap_or_default();
    if number != expected {
        return Err(bad(format!("the peer returned block {number}")));
    }
    let data = block.data.map(|d| d.data).unwrap_or_default();
    let metadata = block.metadata.map(|m| m.metadata).unwrap_or_default();
    let filter = metadata.get(TRANSACTIONS_FILTER).map(Vec::as_slice).unwrap_or_default();
    if filter.len() != data.len() {
        return Err(bad(format!("{} transactions but {} validation codes", data.len(), filter.len())));
    }
    let mut out = Vec::new();
    for (index, (envelope, code)) in data.iter().zip(filter).enumerate() {
        if *code != 0 {
            continue; // invalidated (MVCC conflict, endorsement policy, …): changed nothing
        }
        let tx_index = u32::try_from(index).map_err(|_| bad("too many transactions".to_owned()))?;
        let at = |message: String| bad(format!("transaction {index}: {message}"));
        let envelope = Envelope::decode(envelope.as_slice()).map_err(|e| at(format!("envelope: {e}")))?;
        let payload = Payload::decode(envelope.payload.as_slice()).map_err(|e| at(format!("payload: {e}")))?;
        let header = payload.header.unwrap_or_default();
        let channel_header =
            ChannelHeader::decode(header.channel_header.as_slice()).map_err(|e| at(format!("channel header: {e}")))?;
        if channel_header.r#type != ENDORSER_TRANSACTION {
            continue; // configuration
        }
        let Followed { event, collections } = followed(&payload.data, chaincode).map_err(at)?;
        let event = event.filter(|e| e.chaincode_id == chaincode && !e.event_name.is_empty());
        if event.is_none() && collections.is_empty() {
            continue;
        }
        let (event_name, event) = match event {
            Some(event) => {
                let value: serde_json::Value = serde_json::from_slice(&event.payload)
                    .map_err(|e| at(format!("the {} event is not JSON: {e}", event.event_name)))?;
                (Some(event.event_name), Some(value))
            }
            None => (None, None),
        };
        let tx = SeenTx {
            block: number,
            tx_index,
            tx_id: channel_header.tx_id,
            timestamp: channel_header.timestamp.map(|t| t.seconds).unwrap_or_default(),
            event_name,
            event,
        };
        out.push(BlockTx { tx, collections });
    }
    Ok(out)
}

/// What an endorser transaction's actions tell the follower.
struct Followed {
    /// The (first) chaincode event.
    event: Option<ChaincodeEvent>,
    /// The private data collections of the followed chaincode written, sorted.
    collections: Vec<String>,
}

/// The chaincode event of an endorser transaction's (first) action with one, and the
/// collections of `chaincode` its actions wrote (a hashed write, or a delete or purge).
fn followed(transaction: &[u8], chaincode: &str) -> Result<Followed, String> {
    let transaction = Transaction::decode(transaction).map_err(|e| format!("transaction: {e}"))?;
    let mut event = None;
    let mut collections = std::collections::BTreeSet::new();
    for action in transaction.actions {
        let payload = ChaincodeActionPayload::decode(action.payload.as_slice())
            .map_err(|e| format!("chaincode action payload: {e}"))?;
        let Some(endorsed) = payload.action else { continue };
        let response = ProposalResponsePayload::decode(endorsed.proposal_response_payload.as_slice())
            .map_err(|e| format!("proposal response payload: {e}"))?;
        let action =
            ChaincodeAction::decode(response.extension.as_slice()).map_err(|e| format!("chaincode action: {e}"))?;
        let results = TxReadWriteSet::decode(action.results.as_slice()).map_err(|e| format!("read-write set: {e}"))?;
        for namespace in results.ns_rwset.iter().filter(|ns| ns.namespace == chaincode) {
            for collection in &namespace.collection_hashed_rwset {
                let hashed = HashedRwSet::decode(collection.hashed_rwset.as_slice())
                    .map_err(|e| format!("hashed read-write set of {}: {e}", collection.collection_name))?;
                if !hashed.hashed_writes.is_empty() {
                    collections.insert(collection.collection_name.clone());
                }
            }
        }
        if event.is_none() && !action.events.is_empty() {
            event =
                Some(ChaincodeEvent::decode(action.events.as_slice()).map_err(|e| format!("chaincode event: {e}"))?);
        }
    }
    Ok(Followed { event, collections: collections.into_iter().collect() })
}

impl Source for FabricSource {
    fn refresh(&self) -> Result<(), SourceError> {
        let height = self.chain_height()?;
        // Height 0 cannot be (a joined channel has its genesis block); treat it as empty.
        self.last_block.store(height.saturating_sub(1), Ordering::SeqCst);
        Ok(())
    }

    fn height(&self) -> Result<u64, SourceError> {
        Ok(self.last_block.load(Ordering::SeqCst))
    }

    fn transactions(&self, after: &Checkpoint, limit: usize) -> Result<Vec<SeenTx>, SourceError> {
        let last = self.last_block.load(Ordering::SeqCst);
        let mut out = Vec::new();
        let mut number = after.block_number;
        while out.len() < limit && number <= last {
            let txs = self.block(number)?;
            out.extend(
                txs.iter()
                    .map(|followed| &followed.tx)
                    .filter(|tx| after.precedes(tx))
                    .take(limit - out.len())
                    .cloned(),
            );
            number += 1;
        }
        Ok(out)
    }

    fn certificate(&self, id: &str) -> Result<Option<CertificateRecord>, SourceError> {
        let Some(certificate) = self.record(id)? else {
            return Ok(None);
        };
        let history = match self.api().history(id).wait() {
            Ok(history) => history,
            // A snapshot-joined peer holds no history of a certificate last changed
            // before its snapshot: the record is current, its trail starts later.
            Err(e) if is_history_before_snapshot(&e) => Vec::new(),
            Err(e) => return Err(query_error(format!("History {id}"))(e)),
        };
        Ok(Some(CertificateRecord { certificate, history }))
    }

    /// `GetCertificateRecords` of all of `ids` at once (a follower's batch), or each read
    /// alone ([`Source::certificate`]) when that cannot answer them together: one of them
    /// is not on the ledger (`NOT_FOUND`: each alone says which), this snapshot-joined
    /// peer holds no history of one of them (`CONFLICT`: each alone reads its record with
    /// the trail the peer has), or the contract predates the query (remembered).
    fn certificates(&self, ids: &[String]) -> Result<Vec<Option<CertificateRecord>>, SourceError> {
        let one_by_one = |ids: &[String]| ids.iter().map(|id| self.certificate(id)).collect::<Result<Vec<_>, _>>();
        if self.records_unknown.load(Ordering::Relaxed) {
            return one_by_one(ids);
        }
        let mut out = Vec::with_capacity(ids.len());
        for batch in ids.chunks(nanotrace_model::validate::limits::MAX_BATCH) {
            if let Some(message) = self.recently_down() {
                let what = format!("GetCertificateRecords of {} certificates", batch.len());
                return Err(SourceError::Peer { what, message });
            }
            match self.api().get_certificate_records(batch).wait() {
                Ok(records) => out.extend(records.into_iter().map(Some)),
                Err(e) if is_unknown_function(&e, Function::GetCertificateRecords) => {
                    self.records_unknown.store(true, Ordering::Relaxed);
                    out.extend(one_by_one(batch)?);
                }
                Err(e)
                    if e.contract_code() == Some(nanotrace_model::ErrorCode::NotFound)
                        || is_history_before_snapshot(&e) =>
                {
                    out.extend(one_by_one(batch)?)
                }
                Err(e) => return Err(query_error(format!("GetCertificateRecords of {} certificates", batch.len()))(e)),
            }
        }
        Ok(out)
    }

    fn record(&self, id: &str) -> Result<Option<Certificate>, SourceError> {
        if let Some(message) = self.recently_down() {
            return Err(SourceError::Peer { what: format!("GetCertificate {id}"), message });
        }
        match self.api().get_certificate(id).wait() {
            Ok(cert) => Ok(Some(cert)),
            Err(e) if e.contract_code() == Some(nanotrace_model::ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(query_error(format!("GetCertificate {id}"))(e)),
        }
    }

    fn issuer_keys(&self) -> Result<Vec<IssuerKey>, SourceError> {
        self.api().issuer_keys().wait().map_err(query_error("IssuerKeys".to_owned()))
    }

    fn snapshot_start(&self) -> Result<Option<u64>, SourceError> {
        match self.block(0) {
            Ok(_) => Ok(None),
            Err(SourceError::BeforeSnapshot { first_available, .. }) => Ok(Some(first_available)),
            Err(e) => Err(e),
        }
    }

    fn certificate_page(&self, at: &ListPosition) -> Result<ListedPage, SourceError> {
        let statuses = nanotrace_model::CertificateStatus::ALL;
        let status = *statuses.get(at.status).ok_or_else(|| {
            SourceError::Inconsistent(format!("no status {} to list ({} statuses)", at.status, statuses.len()))
        })?;
        let page = self
            .api()
            .queue(status, LIST_PAGE, &at.bookmark)
            .wait()
            .map_err(query_error(format!("ListByStatus {}", status.as_str())))?;
        // The status's last page: the next status from its start, or nothing after the last.
        let next = if page.bookmark.is_empty() || page.bookmark == at.bookmark {
            (at.status + 1 < statuses.len()).then(|| ListPosition { status: at.status + 1, bookmark: String::new() })
        } else {
            Some(ListPosition { status: at.status, bookmark: page.bookmark })
        };
        Ok(ListedPage { certificates: page.certificates, next })
    }

    fn organizations(&self) -> Result<Vec<Organization>, SourceError> {
        self.api().organizations().wait().map_err(query_error("Organizations".to_owned()))
    }

    fn collections_written(&self, tx: &SeenTx) -> Result<Vec<String>, SourceError> {
        let txs = self.block(tx.block)?;
        Ok(txs
            .iter()
            .find(|followed| followed.tx.tx_index == tx.tx_index && followed.tx.tx_id == tx.tx_id)
            .map(|followed| followed.collections.clone())
            .unwrap_or_default())
    }

    fn invoices(&self, body: &str, manufacturer: &str) -> Result<Vec<InvoiceRecord>, SourceError> {
        self.api().invoices(body, manufacturer).wait().map_err(query_error(format!("Invoices {body} {manufacturer}")))
    }

    fn reader_msp(&self) -> String {
        self.target.msp_id.clone()
    }

    fn describe(&self) -> String {
        format!(
            "channel {} chaincode {} on the gateway peer {} (as {})",
            self.target.channel, self.target.chaincode, self.target.gateway, self.target.msp_id
        )
    }

    fn binding(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("source".to_owned(), "fabric".to_owned()),
            ("channel".to_owned(), self.target.channel.clone()),
            ("chaincode".to_owned(), self.target.chaincode.clone()),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nanotrace_protos::common::{BlockData, BlockHeader, BlockMetadata, Header};
    use nanotrace_protos::kvrwset::{KvReadHash, KvWriteHash};
    use nanotrace_protos::peer::{ChaincodeEndorsedAction, TransactionAction};
    use nanotrace_protos::rwset::{CollectionHashedReadWriteSet, NsReadWriteSet};

    /// One endorser transaction of `namespace`: its event, and per collection whether it
    /// wrote (else it only read).
    fn transaction(tx_id: &str, namespace: &str, event: Option<&str>, collections: &[(&str, bool)]) -> Vec<u8> {
        let collection_hashed_rwset = collections
            .iter()
            .map(|(name, writes)| {
                let hashed = if *writes {
                    HashedRwSet {
                        hashed_writes: vec![KvWriteHash { key_hash: vec![1], ..Default::default() }],
                        ..Default::default()
                    }
                } else {
                    HashedRwSet {
                        hashed_reads: vec![KvReadHash { key_hash: vec![2], version: None }],
                        ..Default::default()
                    }
                };
                CollectionHashedReadWriteSet {
                    collection_name: (*name).to_owned(),
                    hashed_rwset: hashed.encode_to_vec(),
                    pvt_rwset_hash: vec![3],
                }
            })
            .collect();
        let results = TxReadWriteSet {
            ns_rwset: vec![NsReadWriteSet {
                namespace: namespace.to_owned(),
                rwset: Vec::new(),
                collection_hashed_rwset,
            }],
            ..Default::default()
        };
        let events = event
            .map(|name| {
                ChaincodeEvent {
                    chaincode_id: namespace.to_owned(),
                    tx_id: tx_id.to_owned(),
                    event_name: name.to_owned(),
                    payload: b"{}".to_vec(),
                }
                .encode_to_vec()
            })
            .unwrap_or_default();
        let action = ChaincodeAction { results: results.encode_to_vec(), events, ..Default::default() };
        let response = ProposalResponsePayload { proposal_hash: vec![1], extension: action.encode_to_vec() };
        let payload = ChaincodeActionPayload {
            action: Some(ChaincodeEndorsedAction {
                proposal_response_payload: response.encode_to_vec(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let transaction =
            Transaction { actions: vec![TransactionAction { payload: payload.encode_to_vec(), ..Default::default() }] };
        let channel_header =
            ChannelHeader { r#type: ENDORSER_TRANSACTION, tx_id: tx_id.to_owned(), ..Default::default() };
        let payload = Payload {
            header: Some(Header { channel_header: channel_header.encode_to_vec(), ..Default::default() }),
            data: transaction.encode_to_vec(),
        };
        Envelope { payload: payload.encode_to_vec(), ..Default::default() }.encode_to_vec()
    }

    #[test]
    fn a_transaction_that_writes_a_collection_is_followed_without_an_event() {
        let data = vec![
            transaction(
                "t0",
                "nanotrace",
                None,
                &[("_implicit_org_CertifierMSP", true), ("_implicit_org_RegulatorMSP", false)],
            ),
            transaction("t1", "nanotrace", None, &[("_implicit_org_CertifierMSP", false)]),
            transaction("t2", "other", None, &[("_implicit_org_CertifierMSP", true)]),
            transaction("t3", "nanotrace", Some("CertificateApproved"), &[]),
            transaction("t4", "nanotrace", None, &[("_implicit_org_CertifierMSP", true)]),
        ];
        let mut metadata = vec![Vec::new(); TRANSACTIONS_FILTER + 1];
        // The last one was invalidated: it wrote nothing.
        metadata[TRANSACTIONS_FILTER] = vec![0, 0, 0, 0, 11];
        let block = Block {
            header: Some(BlockHeader { number: 7, ..Default::default() }),
            data: Some(BlockData { data }),
            metadata: Some(BlockMetadata { metadata }),
        };
        let followed = block_transactions(&block.encode_to_vec(), 7, "nanotrace").expect("decodes");
        let seen: Vec<_> = followed
            .iter()
            .map(|f| (f.tx.tx_id.as_str(), f.tx.tx_index, f.tx.event_name.as_deref(), f.collections.clone()))
            .collect();
        assert_eq!(
            seen,
            [
                ("t0", 0, None, vec!["_implicit_org_CertifierMSP".to_owned()]),
                ("t3", 3, Some("CertificateApproved"), Vec::new()),
            ],
            "a write is followed, a hashed read, another chaincode's write and an invalid transaction are not"
        );
    }

    #[test]
    fn reads_the_first_block_of_a_snapshot_joined_peer() {
        let refusal = "evaluate call to endorser returned error: chaincode response 500, Failed to get block number \
                       163, error cannot serve block [163]. The ledger is bootstrapped from a snapshot. First available \
                       block = [164]";
        assert_eq!(snapshot_first_block(refusal), Some(164));
        assert_eq!(snapshot_first_block("Failed to get block number 9, error Entry not found in index"), None);
        assert_eq!(snapshot_first_block("bootstrapped from a snapshot. First available block = [x]"), None);
    }
}

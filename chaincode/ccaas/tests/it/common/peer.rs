//! The scripted peer: a world state, proposals, and a peer that drives a chaincode stream message by message.

use super::*;

// The world state the scripted peer answers from.
// ---------------------------------------------------------------------------------------

/// Committed state, metadata and history; writes are recorded, not applied (the peer
/// simulates transactions), so answers do not depend on how transactions interleave.
#[derive(Debug, Default, Clone)]
pub struct World {
    pub state: BTreeMap<String, Vec<u8>>,
    /// Private data by (collection, key): the value this peer holds, and its hash (what
    /// every peer of the channel holds; set as given, the scripted peer hashes nothing).
    pub private: BTreeMap<(String, String), Vec<u8>>,
    pub private_hashes: BTreeMap<(String, String), Vec<u8>>,
    /// Collections whose values the creator may not read (the peer's
    /// `member_only_read` refusal); their hashes stay readable.
    pub unreadable: BTreeSet<String>,
    pub metadata: BTreeMap<String, BTreeMap<String, Vec<u8>>>,
    pub history: BTreeMap<String, Vec<KeyModification>>,
    /// Results per message for non-paginated iterators (Fabric's is 100; small here so
    /// that QUERY_STATE_NEXT is exercised).
    pub chunk: usize,
}

impl World {
    pub fn new() -> Self {
        Self { chunk: 2, ..Default::default() }
    }

    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.state.insert(key.to_owned(), value.as_bytes().to_vec());
        self
    }

    pub fn with_private(mut self, collection: &str, key: &str, value: &str, hash: &[u8]) -> Self {
        let at = (collection.to_owned(), key.to_owned());
        self.private.insert(at.clone(), value.as_bytes().to_vec());
        self.private_hashes.insert(at, hash.to_vec());
        self
    }

    pub fn unreadable(mut self, collection: &str) -> Self {
        self.unreadable.insert(collection.to_owned());
        self
    }

    pub fn with_composite(self, object_type: &str, attrs: &[&str], value: &str) -> Self {
        let key = create_composite_key(object_type, attrs).expect("composite key");
        self.with(&key, value)
    }
}

/// One open query of the scripted peer.
pub(crate) struct OpenQuery {
    rest: Vec<Vec<u8>>,
}

// ---------------------------------------------------------------------------------------
// The scripted peer.
// ---------------------------------------------------------------------------------------

/// A transaction to run: its ID, channel and arguments (args[0] is the function), and
/// the proposal's transient data.
#[derive(Debug, Clone)]
pub struct Tx {
    pub txid: String,
    pub channel: String,
    pub args: Vec<String>,
    pub transient: BTreeMap<String, Vec<u8>>,
}

pub fn tx(txid: &str, args: &[&str]) -> Tx {
    Tx {
        txid: txid.to_owned(),
        channel: CHANNEL.to_owned(),
        args: args.iter().map(|s| (*s).to_owned()).collect(),
        transient: BTreeMap::new(),
    }
}

/// A signed proposal whose creator is `msp_id`/`cert_pem` at timestamp [`TS`], with
/// `transient` as its payload's TransientMap.
pub fn proposal(
    txid: &str,
    channel: &str,
    msp_id: &str,
    cert_pem: &[u8],
    args: &[Vec<u8>],
    transient: &BTreeMap<String, Vec<u8>>,
) -> SignedProposal {
    let chdr = ChannelHeader {
        r#type: HeaderType::EndorserTransaction as i32,
        timestamp: Some(TS),
        channel_id: channel.to_owned(),
        tx_id: txid.to_owned(),
        ..Default::default()
    };
    let creator = SerializedIdentity { mspid: msp_id.to_owned(), id_bytes: cert_pem.to_vec() };
    let shdr = SignatureHeader { creator: creator.encode_to_vec(), nonce: vec![7; 24] };
    let header = Header { channel_header: chdr.encode_to_vec(), signature_header: shdr.encode_to_vec() };
    let input = ChaincodeInput { args: args.to_vec(), ..Default::default() };
    let spec = ChaincodeSpec {
        chaincode_id: Some(ChaincodeId { name: "probe".into(), ..Default::default() }),
        input: Some(input),
        ..Default::default()
    };
    let payload = ChaincodeProposalPayload {
        input: ChaincodeInvocationSpec { chaincode_spec: Some(spec) }.encode_to_vec(),
        transient_map: transient.clone(),
    };
    let proposal = Proposal { header: header.encode_to_vec(), payload: payload.encode_to_vec(), extension: Vec::new() };
    SignedProposal { proposal_bytes: proposal.encode_to_vec(), signature: vec![0x30, 0x45] }
}

pub const PROBE_PEM: &[u8] = b"-----BEGIN CERTIFICATE-----\nprobe\n-----END CERTIFICATE-----\n";

/// The peer's side of one Connect stream.
pub struct ScriptedPeer {
    out: mpsc::Sender<ChaincodeMessage>,
    inbound: Streaming<ChaincodeMessage>,
    pub world: World,
    queries: HashMap<String, OpenQuery>,
    next_query: usize,
    /// Per (channel, tx ID): whether the transaction wrote / made a paginated query. A
    /// Fabric peer refuses writes after a paginated query and paginated queries after
    /// writes (its transaction simulator); so does this one.
    simulated: HashMap<(String, String), (bool, bool)>,
    /// Every message the chaincode sent, in order.
    pub received: Vec<ChaincodeMessage>,
    pub creator: (String, Vec<u8>),
}

impl ScriptedPeer {
    /// Dials the chaincode server.
    pub async fn connect(addr: SocketAddr, world: World) -> Self {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .expect("endpoint")
            .connect()
            .await
            .expect("connect to the chaincode server");
        Self::over(channel, world).await.expect("Connect")
    }

    /// Opens the Connect stream over an established channel.
    pub async fn over(channel: tonic::transport::Channel, world: World) -> Result<Self, tonic::Status> {
        let mut client = ChaincodeClient::new(channel);
        let (out, rx) = mpsc::channel(64);
        let inbound = client.connect(ReceiverStream::new(rx)).await?.into_inner();
        Ok(Self {
            out,
            inbound,
            world,
            queries: HashMap::new(),
            next_query: 0,
            simulated: HashMap::new(),
            received: Vec::new(),
            creator: ("ProbeMSP".into(), PROBE_PEM.to_vec()),
        })
    }

    pub async fn send(&self, msg: ChaincodeMessage) {
        self.out.send(msg).await.expect("send to the chaincode");
    }

    /// The next message from the chaincode (`None` when the stream ended).
    pub async fn recv(&mut self) -> Option<ChaincodeMessage> {
        let next =
            tokio::time::timeout(STEP, self.inbound.message()).await.expect("the chaincode did not answer in time");
        match next {
            Ok(Some(msg)) => {
                self.received.push(msg.clone());
                Some(msg)
            }
            Ok(None) | Err(_) => None,
        }
    }

    pub async fn expect(&mut self, kind: MsgType) -> ChaincodeMessage {
        let msg = self.recv().await.unwrap_or_else(|| panic!("stream ended; expected {kind:?}"));
        assert_eq!(msg.r#type, kind as i32, "expected {kind:?}, got {msg:?}");
        msg
    }

    /// REGISTER → REGISTERED → READY(params).
    pub async fn handshake(&mut self, params: ChaincodeAdditionalParams) {
        let register = self.expect(MsgType::Register).await;
        let id = ChaincodeId::decode(register.payload.as_slice()).expect("ChaincodeID");
        assert_eq!(id.name, CCID);
        self.send(ChaincodeMessage { r#type: MsgType::Registered as i32, ..Default::default() }).await;
        self.send(ChaincodeMessage {
            r#type: MsgType::Ready as i32,
            payload: params.encode_to_vec(),
            ..Default::default()
        })
        .await;
    }

    pub fn transaction(&self, t: &Tx) -> ChaincodeMessage {
        let args: Vec<Vec<u8>> = t.args.iter().map(|a| a.as_bytes().to_vec()).collect();
        ChaincodeMessage {
            r#type: MsgType::Transaction as i32,
            timestamp: Some(TS),
            payload: ChaincodeInput { args: args.clone(), ..Default::default() }.encode_to_vec(),
            txid: t.txid.clone(),
            proposal: Some(proposal(&t.txid, &t.channel, &self.creator.0, &self.creator.1, &args, &t.transient)),
            channel_id: t.channel.clone(),
            ..Default::default()
        }
    }

    /// Sends every transaction at once, then answers the chaincode's requests from the
    /// world state until each transaction has completed. Returns each transaction's
    /// messages (requests, then COMPLETED or ERROR), keyed by (channel, tx ID).
    pub async fn run(&mut self, txs: &[Tx]) -> BTreeMap<(String, String), Vec<ChaincodeMessage>> {
        for t in txs {
            self.send(self.transaction(t)).await;
        }
        let mut pending: HashSet<(String, String)> = txs.iter().map(|t| (t.channel.clone(), t.txid.clone())).collect();
        let mut transcripts: BTreeMap<(String, String), Vec<ChaincodeMessage>> = BTreeMap::new();
        while !pending.is_empty() {
            let msg = self.recv().await.expect("the stream ended mid-transaction");
            let key = (msg.channel_id.clone(), msg.txid.clone());
            transcripts.entry(key.clone()).or_default().push(msg.clone());
            match MsgType::try_from(msg.r#type) {
                Ok(MsgType::Completed | MsgType::Error) => {
                    pending.remove(&key);
                }
                Ok(MsgType::Keepalive) => {}
                _ => {
                    let reply = self.answer(&msg);
                    self.send(reply).await;
                }
            }
        }
        transcripts
    }

    /// Runs one transaction.
    pub async fn run_one(&mut self, t: Tx) -> Vec<ChaincodeMessage> {
        let key = (t.channel.clone(), t.txid.clone());
        self.run(&[t]).await.remove(&key).unwrap_or_default()
    }

    fn new_query(&mut self, results: Vec<Vec<u8>>, paginated: Option<(i32, String)>) -> QueryResponse {
        self.next_query += 1;
        let id = format!("query-{}", self.next_query);
        if let Some((count, bookmark)) = paginated {
            // Fabric answers a paginated query with the whole page and has_more = false.
            let metadata = QueryResponseMetadata { fetched_records_count: count, bookmark }.encode_to_vec();
            let results = results.into_iter().map(|r| QueryResultBytes { result_bytes: r }).collect();
            return QueryResponse { results, has_more: false, id, metadata };
        }
        self.queries.insert(id.clone(), OpenQuery { rest: results });
        self.next_chunk(&id)
    }

    fn next_chunk(&mut self, id: &str) -> QueryResponse {
        let chunk = self.world.chunk.max(1);
        let Some(open) = self.queries.get_mut(id) else {
            return QueryResponse { id: id.to_owned(), ..Default::default() };
        };
        let take = open.rest.len().min(chunk);
        let results: Vec<QueryResultBytes> =
            open.rest.drain(..take).map(|r| QueryResultBytes { result_bytes: r }).collect();
        let has_more = !open.rest.is_empty();
        if !has_more {
            self.queries.remove(id);
        }
        QueryResponse { results, has_more, id: id.to_owned(), metadata: Vec::new() }
    }

    fn range(&mut self, r: GetStateByRange) -> QueryResponse {
        let meta = if r.metadata.is_empty() {
            None
        } else {
            Some(QueryMetadata::decode(r.metadata.as_slice()).expect("QueryMetadata"))
        };
        let start = match &meta {
            Some(m) if !m.bookmark.is_empty() && m.bookmark > r.start_key => m.bookmark.clone(),
            _ => r.start_key.clone(),
        };
        let keys: Vec<(&String, &Vec<u8>)> =
            self.world.state.range(start..).filter(|(k, _)| r.end_key.is_empty() || **k < r.end_key).collect();
        let kv = |(k, v): (&String, &Vec<u8>)| {
            Kv { namespace: "probe".into(), key: k.clone(), value: v.clone() }.encode_to_vec()
        };
        match meta {
            Some(m) if m.page_size > 0 => {
                let size = m.page_size as usize;
                let bookmark = keys.get(size).map(|(k, _)| (*k).clone()).unwrap_or_default();
                let page: Vec<Vec<u8>> = keys.into_iter().take(size).map(kv).collect();
                let count = page.len() as i32;
                self.new_query(page, Some((count, bookmark)))
            }
            _ => {
                let all: Vec<Vec<u8>> = keys.into_iter().map(kv).collect();
                self.new_query(all, None)
            }
        }
    }

    /// The peer's answer to one request of the chaincode.
    pub fn answer(&mut self, msg: &ChaincodeMessage) -> ChaincodeMessage {
        let ok = |payload: Vec<u8>| ChaincodeMessage {
            r#type: MsgType::Response as i32,
            payload,
            txid: msg.txid.clone(),
            channel_id: msg.channel_id.clone(),
            ..Default::default()
        };
        let p = msg.payload.as_slice();
        let error = |text: String| ChaincodeMessage {
            r#type: MsgType::Error as i32,
            payload: text.into_bytes(),
            txid: msg.txid.clone(),
            channel_id: msg.channel_id.clone(),
            ..Default::default()
        };
        // Fabric 3.1's txSimulator (checkPaginatedQueryPerformed / checkBeforePaginatedQueries).
        let key = (msg.channel_id.clone(), msg.txid.clone());
        let kind = MsgType::try_from(msg.r#type).expect("known type");
        let (wrote, paginated) = self.simulated.get(&key).copied().unwrap_or_default();
        match kind {
            MsgType::PutState | MsgType::DelState | MsgType::PutStateMetadata | MsgType::WriteBatchState => {
                if paginated {
                    return error(format!(
                        "txid [{}]: unsuppored transaction. Transaction has already performed a paginated query. \
                         Writes are not allowed",
                        msg.txid
                    ));
                }
                self.simulated.insert(key, (true, paginated));
            }
            MsgType::GetStateByRange => {
                let r = GetStateByRange::decode(p).expect("GetStateByRange");
                let m = QueryMetadata::decode(r.metadata.as_slice()).expect("QueryMetadata");
                // The peer's isMetadataSetForPagination.
                if !r.metadata.is_empty() && (m.page_size != 0 || !m.bookmark.is_empty()) {
                    if wrote {
                        return error(format!(
                            "txid [{}]: unsuppored transaction. Paginated queries are supported only in a \
                             read-only transaction",
                            msg.txid
                        ));
                    }
                    self.simulated.insert(key, (wrote, true));
                }
            }
            _ => {}
        }
        match kind {
            MsgType::GetState => {
                let r = GetState::decode(p).expect("GetState");
                if r.collection.is_empty() {
                    return ok(self.world.state.get(&r.key).cloned().unwrap_or_default());
                }
                if self.world.unreadable.contains(&r.collection) {
                    // Fabric 3.1's core/chaincode/handler.go: HandleGetState's refusal,
                    // wrapped by HandleTransaction.
                    return error(format!(
                        "GET_STATE failed: transaction ID: {}: tx creator does not have read access permission on \
                         privatedata in chaincodeName:probe collectionName: {}",
                        msg.txid, r.collection
                    ));
                }
                ok(self.world.private.get(&(r.collection, r.key)).cloned().unwrap_or_default())
            }
            MsgType::GetPrivateDataHash => {
                let r = GetState::decode(p).expect("GetState");
                ok(self.world.private_hashes.get(&(r.collection, r.key)).cloned().unwrap_or_default())
            }
            MsgType::GetStateMultiple => {
                let r = GetStateMultiple::decode(p).expect("GetStateMultiple");
                let values = r.keys.iter().map(|k| self.world.state.get(k).cloned().unwrap_or_default()).collect();
                ok(GetStateMultipleResult { values }.encode_to_vec())
            }
            MsgType::PutState | MsgType::DelState | MsgType::PutStateMetadata | MsgType::WriteBatchState => {
                ok(Vec::new())
            }
            MsgType::GetStateByRange => {
                let r = GetStateByRange::decode(p).expect("GetStateByRange");
                ok(self.range(r).encode_to_vec())
            }
            MsgType::QueryStateNext => {
                let r = QueryStateNext::decode(p).expect("QueryStateNext");
                ok(self.next_chunk(&r.id).encode_to_vec())
            }
            MsgType::QueryStateClose => {
                let r = QueryStateClose::decode(p).expect("QueryStateClose");
                self.queries.remove(&r.id);
                ok(QueryResponse { id: r.id, ..Default::default() }.encode_to_vec())
            }
            MsgType::GetHistoryForKey => {
                let r = GetHistoryForKey::decode(p).expect("GetHistoryForKey");
                let entries = self.world.history.get(&r.key).cloned().unwrap_or_default();
                let results = entries.iter().map(Message::encode_to_vec).collect();
                ok(self.new_query(results, None).encode_to_vec())
            }
            MsgType::GetStateMetadata => {
                let r = GetStateMetadata::decode(p).expect("GetStateMetadata");
                let entries = self
                    .world
                    .metadata
                    .get(&r.key)
                    .map(|m| m.iter().map(|(k, v)| StateMetadata { metakey: k.clone(), value: v.clone() }).collect())
                    .unwrap_or_default();
                ok(StateMetadataResult { entries }.encode_to_vec())
            }
            other => error(format!("scripted peer cannot answer {other:?}")),
        }
    }
}

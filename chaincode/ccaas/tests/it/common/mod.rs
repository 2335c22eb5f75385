//! Test harness: a scripted Fabric peer (the gRPC client of `protos.Chaincode/Connect`,
//! as a CCaaS peer is), an in-memory world state it answers from, the probe contract in
//! Rust, and the same probe on Fabric's Go shim (tests/go-probe).
// Shared by several test crates: each uses part of it, and its items are `pub` for them.
#![allow(dead_code, unreachable_pub)]

use nanotrace_ccaas::{Chaincode, ChaincodeError, ChaincodeServer};
use nanotrace_protos::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use nanotrace_protos::msp::SerializedIdentity;
use nanotrace_protos::prost::Message;
use nanotrace_protos::prost_types::Timestamp;
use nanotrace_protos::protos::chaincode_client::ChaincodeClient;
use nanotrace_protos::protos::{
    chaincode_message::Type as MsgType, ChaincodeAdditionalParams, ChaincodeEvent, ChaincodeId, ChaincodeInput,
    ChaincodeMessage, DelState, GetHistoryForKey, GetState, GetStateByRange, GetStateMetadata, GetStateMultiple,
    GetStateMultipleResult, Proposal, PutState, PutStateMetadata, QueryMetadata, QueryResponse, QueryResponseMetadata,
    QueryResultBytes, QueryStateClose, QueryStateNext, Response, SignedProposal, StateMetadata, StateMetadataResult,
    WriteBatchState,
};
use nanotrace_protos::queryresult::{KeyModification, Kv};
use nanotrace_shim::{create_composite_key, EndorsementPolicy, PolicyRole, Stub, StubError};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Streaming;

pub const CCID: &str = "probe_1.0:4e616e6f5472616365";
pub const CHANNEL: &str = "nanotrace";
pub const TS: Timestamp = Timestamp { seconds: 1_767_225_600, nanos: 500 };
const STEP: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------
// The probe contract, in Rust. tests/go-probe/main.go is the same contract in Go.
// ---------------------------------------------------------------------------------------

/// Scripted stub calls, one function per protocol feature.
pub struct Probe;

fn arg(args: &[Vec<u8>], i: usize) -> String {
    args.get(i).map(|a| String::from_utf8_lossy(a).into_owned()).unwrap_or_default()
}

fn page_text(page: nanotrace_shim::Page) -> String {
    let mut s = String::new();
    for (k, v) in page.entries {
        s.push_str(&format!("{}={};", hex::encode(k.as_bytes()), String::from_utf8_lossy(&v)));
    }
    s + "|" + &page.bookmark
}

impl Probe {
    fn run(stub: &mut dyn Stub, function: &str, args: &[Vec<u8>]) -> Result<String, StubError> {
        let a = |i| arg(args, i);
        Ok(match function {
            "put" => {
                stub.put_state(&a(0), a(1).as_bytes())?;
                "ok".into()
            }
            "get" => stub.get_state(&a(0))?.map(|v| String::from_utf8_lossy(&v).into_owned()).unwrap_or_default(),
            "del" => {
                stub.del_state(&a(0))?;
                "ok".into()
            }
            "putgetdel" => {
                stub.put_state(&a(0), a(1).as_bytes())?;
                let v = stub.get_state(&a(0))?.unwrap_or_default();
                stub.del_state(&a(2))?;
                String::from_utf8_lossy(&v).into_owned()
            }
            "multi" => {
                let keys: Vec<String> = (0..args.len()).map(a).collect();
                let values = stub.get_state_multiple(&keys)?;
                values
                    .iter()
                    .map(|v| String::from_utf8_lossy(v.as_deref().unwrap_or_default()).into_owned())
                    .collect::<Vec<_>>()
                    .join(",")
            }
            "range" => page_text(stub.get_state_by_range(&a(0), &a(1), a(2).parse().unwrap_or(0), &a(3))?),
            "composite" => {
                let attrs = a(1);
                let attrs: Vec<&str> = if attrs.is_empty() { Vec::new() } else { attrs.split(',').collect() };
                page_text(stub.get_state_by_partial_composite_key(&a(0), &attrs, a(2).parse().unwrap_or(0), &a(3))?)
            }
            "pageput" => {
                // A page of an index, then a write: what the contract's Suspend does
                // (dependent certificates are looked up, then the certificate changes).
                let attrs = a(1);
                let attrs: Vec<&str> = if attrs.is_empty() { Vec::new() } else { attrs.split(',').collect() };
                let page = stub.get_state_by_partial_composite_key(&a(0), &attrs, a(2).parse().unwrap_or(0), "")?;
                stub.put_state(&a(3), b"v")?;
                page_text(page)
            }
            "history" => stub
                .get_history_for_key(&a(0))?
                .iter()
                .map(|m| {
                    format!(
                        "{}@{}:{}:{};",
                        m.tx_id,
                        m.timestamp.seconds,
                        String::from_utf8_lossy(&m.value),
                        m.is_delete
                    )
                })
                .collect(),
            "event" => {
                stub.set_event(&a(0), a(1).as_bytes())?;
                "ok".into()
            }
            "setep" => {
                let role = if a(2) == "member" { PolicyRole::Member } else { PolicyRole::Peer };
                let policy = EndorsementPolicy { orgs: a(1).split(',').map(str::to_owned).collect(), role };
                stub.set_state_validation_parameter(&a(0), &policy)?;
                "ok".into()
            }
            "getep" => stub.get_state_validation_parameter(&a(0))?.map(|p| p.orgs.join(",")).unwrap_or_default(),
            "batch" => {
                let n: usize = a(0).parse().unwrap_or(0);
                for i in 0..n {
                    stub.put_state(&format!("k{i:03}"), b"v")?;
                }
                stub.del_state("gone")?;
                "ok".into()
            }
            "creator" => {
                let ts = stub.tx_timestamp();
                format!("{}|{}.{}|{}", stub.creator().msp_id, ts.seconds, ts.nanos, stub.creator().id_bytes.len())
            }
            "fail" => return Err(StubError::Ledger(a(0))),
            "panic" => panic!("probe panics on purpose"),
            other => return Err(StubError::Ledger(format!("unknown function {other:?}"))),
        })
    }
}

impl Chaincode for Probe {
    fn invoke(&self, stub: &mut dyn Stub, function: &str, args: &[Vec<u8>]) -> Result<Vec<u8>, ChaincodeError> {
        // The Go probe returns err.Error() of the failing call; a StubError::Ledger's
        // Display adds "ledger error: ", so the message is taken as is.
        Probe::run(stub, function, args).map(String::into_bytes).map_err(|e| match e {
            StubError::Ledger(m) => ChaincodeError::new(m),
            other => ChaincodeError::new(other.to_string()),
        })
    }
}

// ---------------------------------------------------------------------------------------
// Servers under test.
// ---------------------------------------------------------------------------------------

/// A chaincode server under test; the Go one is killed on drop.
pub struct Target {
    pub name: &'static str,
    pub addr: SocketAddr,
    child: Option<Child>,
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts the Rust runtime serving `chaincode` on a loopback port.
pub async fn rust_server(chaincode: impl Chaincode) -> Target {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = ChaincodeServer::new(CCID, chaincode);
    tokio::spawn(server.serve(listener, std::future::pending()));
    Target { name: "rust", addr, child: None }
}

/// The Go probe binary, built once per test process; `None` (after a loud SKIPPED line)
/// when Go is not installed.
pub fn go_probe_binary() -> Option<PathBuf> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        if Command::new("go").arg("version").output().is_err() {
            nanotrace_testkit::skip::skip(
                nanotrace_testkit::skip::GO,
                "the CCaaS runtime against Fabric's Go shim",
                "`go` is not on the PATH",
            );
            return None;
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go-probe");
        let out = std::env::temp_dir().join(format!("nanotrace-go-probe-{}", std::process::id()));
        let status = Command::new("go")
            .args(["build", "-o"])
            .arg(&out)
            .arg(".")
            .current_dir(&dir)
            .env("GOFLAGS", "-mod=readonly")
            .status()
            .expect("run go build");
        assert!(status.success(), "go build of tests/go-probe failed");
        Some(out)
    })
    .clone()
}

/// Starts the Go probe (Fabric's Go shim) on a loopback port, or `None` without Go.
pub async fn go_server() -> Option<Target> {
    let bin = go_probe_binary()?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let child = Command::new(bin)
        .env("CHAINCODE_ID", CCID)
        .env("CHAINCODE_SERVER_ADDRESS", addr.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the Go probe");
    let target = Target { name: "go", addr, child: Some(child) };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Some(target);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the Go probe did not start listening on {addr}");
}

// ---------------------------------------------------------------------------------------
// The world state the scripted peer answers from.
// ---------------------------------------------------------------------------------------

/// Committed state, metadata and history; writes are recorded, not applied (the peer
/// simulates transactions), so answers do not depend on how transactions interleave.
#[derive(Debug, Default, Clone)]
pub struct World {
    pub state: BTreeMap<String, Vec<u8>>,
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

    pub fn with_composite(self, object_type: &str, attrs: &[&str], value: &str) -> Self {
        let key = create_composite_key(object_type, attrs).expect("composite key");
        self.with(&key, value)
    }
}

/// One open query of the scripted peer.
struct OpenQuery {
    rest: Vec<Vec<u8>>,
}

// ---------------------------------------------------------------------------------------
// The scripted peer.
// ---------------------------------------------------------------------------------------

/// A transaction to run: its ID, channel and arguments (args[0] is the function).
#[derive(Debug, Clone)]
pub struct Tx {
    pub txid: String,
    pub channel: String,
    pub args: Vec<String>,
}

pub fn tx(txid: &str, args: &[&str]) -> Tx {
    Tx { txid: txid.to_owned(), channel: CHANNEL.to_owned(), args: args.iter().map(|s| (*s).to_owned()).collect() }
}

/// A signed proposal whose creator is `msp_id`/`cert_pem` at timestamp [`TS`].
pub fn proposal(txid: &str, channel: &str, msp_id: &str, cert_pem: &[u8], args: &[Vec<u8>]) -> SignedProposal {
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
    let proposal = Proposal { header: header.encode_to_vec(), payload: input.encode_to_vec(), extension: Vec::new() };
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
            proposal: Some(proposal(&t.txid, &t.channel, &self.creator.0, &self.creator.1, &args)),
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
                ok(self.world.state.get(&r.key).cloned().unwrap_or_default())
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

// ---------------------------------------------------------------------------------------
// Comparing what two chaincode servers sent.
// ---------------------------------------------------------------------------------------

/// A message as compared: its type, and its payload decoded (Debug-formatted).
pub fn describe(msg: &ChaincodeMessage) -> String {
    let p = msg.payload.as_slice();
    let kind =
        MsgType::try_from(msg.r#type).map(|t| t.as_str_name().to_owned()).unwrap_or_else(|_| msg.r#type.to_string());
    let body = match MsgType::try_from(msg.r#type) {
        Ok(MsgType::Register) => format!("{:?}", ChaincodeId::decode(p)),
        Ok(MsgType::GetState) => format!("{:?}", GetState::decode(p)),
        Ok(MsgType::PutState) => format!("{:?}", PutState::decode(p)),
        Ok(MsgType::DelState) => format!("{:?}", DelState::decode(p)),
        Ok(MsgType::GetStateMultiple) => format!("{:?}", GetStateMultiple::decode(p)),
        Ok(MsgType::GetStateByRange) => {
            let r = GetStateByRange::decode(p).expect("GetStateByRange");
            format!("{r:?} {:?}", QueryMetadata::decode(r.metadata.as_slice()))
        }
        Ok(MsgType::QueryStateNext) => format!("{:?}", QueryStateNext::decode(p)),
        Ok(MsgType::QueryStateClose) => format!("{:?}", QueryStateClose::decode(p)),
        Ok(MsgType::GetHistoryForKey) => format!("{:?}", GetHistoryForKey::decode(p)),
        Ok(MsgType::GetStateMetadata) => format!("{:?}", GetStateMetadata::decode(p)),
        Ok(MsgType::PutStateMetadata) => format!("{:?}", PutStateMetadata::decode(p)),
        Ok(MsgType::WriteBatchState) => {
            // Fabric's Go shim keeps a transaction's batched writes in a Go map, whose
            // iteration order is random: the records of one batch are compared as a set
            // (sorted), which is all the peer's semantics depend on.
            let mut b = WriteBatchState::decode(p).expect("WriteBatchState");
            b.rec.sort_by(|x, y| (&x.key, x.r#type).cmp(&(&y.key, y.r#type)));
            format!("{} records", b.rec.len())
        }
        Ok(MsgType::Completed) => format!("{:?} event={:?}", Response::decode(p), msg.chaincode_event),
        Ok(MsgType::Error) => format!("{:?} event={:?}", String::from_utf8_lossy(p), msg.chaincode_event),
        _ => format!("{p:?}"),
    };
    format!("{kind} tx={} ch={} {body}", msg.txid, msg.channel_id)
}

/// All records of a transaction's WRITE_BATCH_STATE messages, sorted: with more records
/// than one batch holds, which record lands in which batch depends on Go's map order.
pub fn batched_records(msgs: &[ChaincodeMessage]) -> Vec<String> {
    let mut all: Vec<String> = msgs
        .iter()
        .filter(|m| m.r#type == MsgType::WriteBatchState as i32)
        .flat_map(|m| WriteBatchState::decode(m.payload.as_slice()).expect("WriteBatchState").rec)
        .map(|r| format!("{r:?}"))
        .collect();
    all.sort();
    all
}

pub fn describe_all(msgs: &[ChaincodeMessage]) -> Vec<String> {
    msgs.iter().map(describe).collect()
}

pub fn completed(msg: &ChaincodeMessage) -> Response {
    assert_eq!(msg.r#type, MsgType::Completed as i32, "expected COMPLETED, got {msg:?}");
    Response::decode(msg.payload.as_slice()).expect("Response")
}

pub fn event(name: &str, payload: &str) -> ChaincodeEvent {
    ChaincodeEvent { event_name: name.into(), payload: payload.as_bytes().to_vec(), ..Default::default() }
}

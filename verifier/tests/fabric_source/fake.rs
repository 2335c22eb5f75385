//! The Fabric source and the follower without a peer: an in-process Gateway service
//! (tonic, plaintext on 127.0.0.1) that answers `Evaluate` like a gateway peer —
//! `qscc GetChainInfo` (a `common.BlockchainInfo`), `qscc GetBlockByNumber` (a
//! marshalled `common.Block` built here, with envelopes, chaincode actions, events and
//! the `TRANSACTIONS_FILTER` metadata), and the contract's queries run on a testkit
//! ledger. The blocks carry the testkit ledger's real transactions and events, several
//! per block, with an invalidated transaction, another chaincode's event and blocks
//! without events mixed in.

use nanotrace_chaincode::{CertificateContract, ContractError};
use nanotrace_client::Wait;
use nanotrace_fabric_gateway::{Gateway, SigningIdentity};
use nanotrace_model::*;
use nanotrace_protos::common::{
    Block, BlockData, BlockHeader, BlockMetadata, BlockchainInfo, ChannelHeader, Envelope, Header, Payload,
};
use nanotrace_protos::gateway::gateway_server::{Gateway as GatewayService, GatewayServer};
use nanotrace_protos::gateway::*;
use nanotrace_protos::peer::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEndorsedAction, ChaincodeEvent, ChaincodeInvocationSpec,
    ChaincodeProposalPayload, Proposal, ProposalResponsePayload, Response as CcResponse, Transaction,
    TransactionAction,
};
use nanotrace_protos::prost::Message;
use nanotrace_shim::Creator;
use nanotrace_testkit::{creator, Who, World};
use nanotrace_verifier::cache::{Cache, SeenTx};
use nanotrace_verifier::follower::{sync_once, FollowError};
use nanotrace_verifier::source::fabric::{FabricSource, FabricTarget};
use nanotrace_verifier::source::{Source, SourceError};
use nanotrace_verifier::state::SyncState;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tonic::{Request, Response, Status};

const CHANNEL: &str = "nanotrace";
const CHAINCODE: &str = "nanotrace";

/// One transaction of a fake block.
#[derive(Clone)]
struct FakeTx {
    tx_id: String,
    seconds: i64,
    /// `(chaincode, event name, payload)`.
    event: Option<(String, String, Vec<u8>)>,
    code: u8,
    config: bool,
}

#[derive(Default)]
struct Ledger {
    blocks: Vec<Vec<FakeTx>>,
}

#[derive(Clone)]
struct Fake {
    ledger: Arc<Mutex<Ledger>>,
    world: Arc<Mutex<World>>,
    down: Arc<AtomicBool>,
    evaluations: Arc<Mutex<Vec<String>>>,
    /// Functions the contract refuses as unknown, as one deployed before them does.
    unknown: Arc<Mutex<Vec<String>>>,
}

fn encode_block(number: u64, txs: &[FakeTx]) -> Vec<u8> {
    let data = txs
        .iter()
        .map(|tx| {
            let channel_header = ChannelHeader {
                r#type: if tx.config { 1 } else { 3 },
                timestamp: Some(nanotrace_protos::prost_types::Timestamp { seconds: tx.seconds, nanos: 0 }),
                channel_id: CHANNEL.into(),
                tx_id: tx.tx_id.clone(),
                ..Default::default()
            };
            let events = tx
                .event
                .as_ref()
                .map(|(chaincode, name, payload)| {
                    ChaincodeEvent {
                        chaincode_id: chaincode.clone(),
                        tx_id: tx.tx_id.clone(),
                        event_name: name.clone(),
                        payload: payload.clone(),
                    }
                    .encode_to_vec()
                })
                .unwrap_or_default();
            let action = ChaincodeAction { events, ..Default::default() };
            let response = ProposalResponsePayload { proposal_hash: vec![1], extension: action.encode_to_vec() };
            let payload = ChaincodeActionPayload {
                chaincode_proposal_payload: Vec::new(),
                action: Some(ChaincodeEndorsedAction {
                    proposal_response_payload: response.encode_to_vec(),
                    endorsements: Vec::new(),
                }),
            };
            let transaction = Transaction {
                actions: vec![TransactionAction { header: Vec::new(), payload: payload.encode_to_vec() }],
            };
            let payload = Payload {
                header: Some(Header { channel_header: channel_header.encode_to_vec(), signature_header: Vec::new() }),
                data: if tx.config { b"config".to_vec() } else { transaction.encode_to_vec() },
            };
            Envelope { payload: payload.encode_to_vec(), signature: vec![0] }.encode_to_vec()
        })
        .collect();
    let filter: Vec<u8> = txs.iter().map(|tx| tx.code).collect();
    Block {
        header: Some(BlockHeader { number, previous_hash: Vec::new(), data_hash: Vec::new() }),
        data: Some(BlockData { data }),
        metadata: Some(BlockMetadata { metadata: vec![Vec::new(), Vec::new(), filter, Vec::new(), Vec::new()] }),
    }
    .encode_to_vec()
}

fn unavailable() -> Status {
    Status::unavailable("connection refused (the fake peer is down)")
}

type EventStream = Pin<Box<dyn tokio_stream::Stream<Item = Result<ChaincodeEventsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl GatewayService for Fake {
    async fn endorse(&self, _: Request<EndorseRequest>) -> Result<Response<EndorseResponse>, Status> {
        Err(Status::unimplemented("the verifier never endorses"))
    }

    async fn submit(&self, _: Request<SubmitRequest>) -> Result<Response<SubmitResponse>, Status> {
        Err(Status::unimplemented("the verifier never submits"))
    }

    async fn commit_status(
        &self,
        _: Request<SignedCommitStatusRequest>,
    ) -> Result<Response<CommitStatusResponse>, Status> {
        Err(Status::unimplemented("the verifier never submits"))
    }

    async fn evaluate(&self, request: Request<EvaluateRequest>) -> Result<Response<EvaluateResponse>, Status> {
        if self.down.load(Ordering::SeqCst) {
            return Err(unavailable());
        }
        let req = request.into_inner();
        let signed = req.proposed_transaction.ok_or_else(|| Status::invalid_argument("no proposal"))?;
        let proposal =
            Proposal::decode(signed.proposal_bytes.as_slice()).map_err(|e| Status::invalid_argument(e.to_string()))?;
        let payload = ChaincodeProposalPayload::decode(proposal.payload.as_slice())
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let spec = ChaincodeInvocationSpec::decode(payload.input.as_slice())
            .map_err(|e| Status::invalid_argument(e.to_string()))?
            .chaincode_spec
            .unwrap_or_default();
        let chaincode = spec.chaincode_id.unwrap_or_default().name;
        let mut args = spec.input.unwrap_or_default().args;
        if args.is_empty() {
            return Err(Status::invalid_argument("no function"));
        }
        let function = String::from_utf8_lossy(&args.remove(0)).into_owned();
        self.evaluations.lock().expect("lock").push(format!("{chaincode}:{function}"));
        let payload = match (chaincode.as_str(), function.as_str()) {
            ("qscc", "GetChainInfo") => {
                assert_eq!(args, vec![CHANNEL.as_bytes().to_vec()], "GetChainInfo [channel]");
                let height = self.ledger.lock().expect("lock").blocks.len() as u64;
                BlockchainInfo { height, ..Default::default() }.encode_to_vec()
            }
            ("qscc", "GetBlockByNumber") => {
                assert_eq!(args[0], CHANNEL.as_bytes(), "GetBlockByNumber [channel, number]");
                let number: u64 =
                    String::from_utf8_lossy(&args[1]).parse().map_err(|_| Status::invalid_argument("number"))?;
                let ledger = self.ledger.lock().expect("lock");
                let txs = ledger.blocks.get(number as usize).ok_or_else(|| {
                    Status::unknown(format!("evaluate call to endorser returned error: chaincode response 500, Failed to get block number {number}"))
                })?;
                encode_block(number, txs)
            }
            (CHAINCODE, _) => {
                let world = self.world.lock().expect("lock");
                let who: Creator = creator(Who::Auditor);
                let older = self.unknown.lock().expect("lock").contains(&function);
                match world.ledger.evaluate(&who, world.ts(), |stub| {
                    if older {
                        return Err(ContractError::BadRequest(unknown_function_message(&function)));
                    }
                    CertificateContract.invoke(stub, &function, &args)
                }) {
                    Ok(out) => out,
                    Err(e) => {
                        return Err(Status::unknown(format!(
                            "evaluate call to endorser returned error: chaincode response 500, {e}"
                        )))
                    }
                }
            }
            _ => return Err(Status::not_found(format!("no chaincode {chaincode}"))),
        };
        Ok(Response::new(EvaluateResponse {
            result: Some(CcResponse { status: 200, message: String::new(), payload }),
        }))
    }

    type ChaincodeEventsStream = EventStream;

    async fn chaincode_events(
        &self,
        _: Request<SignedChaincodeEventsRequest>,
    ) -> Result<Response<Self::ChaincodeEventsStream>, Status> {
        Err(Status::unimplemented("not used by the verifier"))
    }
}

/// Starts the fake on 127.0.0.1 (its own runtime, on a thread that lives as long as the
/// test process).
fn start(fake: Fake) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("rt");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send(listener.local_addr().expect("addr")).expect("send");
            tonic::transport::Server::builder()
                .add_service(GatewayServer::new(fake))
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
                .await
                .expect("serve");
        });
    });
    rx.recv_timeout(Duration::from_secs(10)).expect("the fake gateway listens")
}

fn identity() -> SigningIdentity {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, "rita");
    let cert = params.self_signed(&key).expect("cert");
    SigningIdentity::from_pem("RegulatorMSP", cert.pem().as_bytes(), key.serialize_pem().as_bytes()).expect("identity")
}

fn connect(addr: SocketAddr, chaincode: &str) -> FabricSource {
    let options = nanotrace_fabric_gateway::ConnectOptions::new(addr.to_string());
    let gateway = Gateway::connect(identity(), options).wait().expect("connect");
    let target = FabricTarget {
        channel: CHANNEL.into(),
        chaincode: chaincode.into(),
        gateway: addr.to_string(),
        msp_id: "RegulatorMSP".into(),
    };
    FabricSource::new(&gateway, target)
}

/// Packs the testkit ledger's committed events after the first `from` into blocks of
/// `per_block` transactions, each block followed by an invalidated transaction and a
/// transaction of another chaincode; returns the transactions the verifier must apply.
fn pack(world: &World, from: usize, per_block: usize, ledger: &mut Ledger, seconds: i64) -> Vec<(String, String)> {
    let events = world.ledger.events()[from..].to_vec();
    let mut expected = Vec::new();
    for (n, chunk) in events.chunks(per_block).enumerate() {
        let mut block: Vec<FakeTx> = chunk
            .iter()
            .map(|e| {
                expected.push((e.tx_id.clone(), e.name.clone()));
                FakeTx {
                    tx_id: e.tx_id.clone(),
                    seconds,
                    event: Some((CHAINCODE.into(), e.name.clone(), e.payload.clone())),
                    code: 0,
                    config: false,
                }
            })
            .collect();
        // An MVCC-invalidated transaction with an event that must be ignored.
        block.insert(
            1.min(block.len()),
            FakeTx {
                tx_id: format!("invalid-{}-{n}", ledger.blocks.len()),
                seconds,
                event: Some((CHAINCODE.into(), events::CERTIFICATE_REVOKED.into(), b"{not json".to_vec())),
                code: 11,
                config: false,
            },
        );
        block.push(FakeTx {
            tx_id: format!("asset-{}-{n}", ledger.blocks.len()),
            seconds,
            event: Some(("asset".into(), "AssetCreated".into(), b"{}".to_vec())),
            code: 0,
            config: false,
        });
        ledger.blocks.push(block);
        // And a block without any event of the contract.
        ledger.blocks.push(vec![FakeTx {
            tx_id: format!("lifecycle-{n}"),
            seconds,
            event: None,
            code: 0,
            config: false,
        }]);
    }
    expected
}

fn log(cache: &Cache) -> Vec<SeenTx> {
    cache.seen(0, usize::MAX).expect("seen")
}

pub fn run() {
    let mut world = World::governed();
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(world.issue(&format!("LOT-FAKE-{i}")));
    }
    let pending = world.apply("LOT-FAKE-PENDING");
    let mut ledger = Ledger::default();
    ledger.blocks.push(vec![FakeTx { tx_id: String::new(), seconds: 0, event: None, code: 0, config: true }]);
    let mut expected = pack(&world, 0, 3, &mut ledger, world.now);
    let fake = Fake {
        ledger: Arc::new(Mutex::new(ledger)),
        world: Arc::new(Mutex::new(world)),
        down: Arc::new(AtomicBool::new(false)),
        evaluations: Arc::new(Mutex::new(Vec::new())),
        unknown: Arc::new(Mutex::new(Vec::new())),
    };
    let addr = start(fake.clone());
    let count = |what: &str| fake.evaluations.lock().expect("lock").iter().filter(|e| *e == what).count();

    // A whole catch-up in one pass, then the same in passes of 2 transactions, each pass
    // with a new source and a reopened cache (restarts): the same log, each tx once.
    let whole = tempfile::tempdir().expect("tempdir");
    let source = connect(addr, CHAINCODE);
    let cache = Cache::open(whole.path()).expect("cache");
    cache.bind(&source.binding()).expect("bind");
    let sync = SyncState::default();
    let applied = sync_once(&source, &cache, &sync, usize::MAX).expect("catch up");
    assert_eq!(applied as usize, expected.len());
    let seen = log(&cache);
    let got: Vec<(String, String)> =
        seen.iter().map(|t| (t.tx_id.clone(), t.event_name.clone().unwrap_or_default())).collect();
    assert_eq!(got, expected, "valid transactions of the contract only, in ledger order");
    assert!(seen.iter().all(|t| t.tx_index != 1), "the invalidated transaction at index 1 is skipped");
    assert_eq!(seen[0].block, 1, "block 0 is the configuration block");
    assert_eq!(seen[1].tx_index, 2, "the real position in the block, after the invalidated one");
    let status = sync.snapshot();
    let last_block = fake.ledger.lock().expect("lock").blocks.len() as u64 - 1;
    assert_eq!(status.source_height, last_block, "height from qscc GetChainInfo");
    assert!(status.ready && status.synced_at.is_some(), "caught up although the last block has no event: {status:?}");
    for id in ids.iter().chain([&pending]) {
        let cached = cache.certificate(id).expect("read").expect("cached");
        assert_eq!(cached.certificate, fake.world.lock().expect("lock").cert(id));
    }
    assert_eq!(cache.issuers().expect("issuers").len(), 2, "the trust list from IssuerKeys");
    // The records with their trails in one query per batch, not two queries each.
    assert!(count("nanotrace:GetCertificateRecords") >= 1);
    assert_eq!(count("nanotrace:History"), 0, "no certificate read alone");
    assert_eq!(count("nanotrace:GetCertificate"), 0, "no certificate read alone");

    // A contract deployed before GetCertificateRecords: refused once, then each
    // certificate read alone, the same cache built.
    fake.unknown.lock().expect("lock").push("GetCertificateRecords".to_owned());
    let older = tempfile::tempdir().expect("tempdir");
    let older_cache = Cache::open(older.path()).expect("cache");
    let (asked, histories) = (count("nanotrace:GetCertificateRecords"), count("nanotrace:History"));
    let older_source = connect(addr, CHAINCODE);
    sync_once(&older_source, &older_cache, &SyncState::default(), usize::MAX).expect("catch up");
    let again = older_source.certificates(&ids[..2]).expect("read again");
    assert!(again.iter().all(Option::is_some));
    assert_eq!(count("nanotrace:GetCertificateRecords"), asked + 1, "asked once, then remembered");
    let certificates = cache.certificate_ids().expect("ids").len();
    assert_eq!(count("nanotrace:History") - histories, certificates + 2, "each certificate's trail read alone");
    for id in ids.iter().chain([&pending]) {
        assert_eq!(
            older_cache.certificate(id).expect("read").expect("cached"),
            cache.certificate(id).expect("read").expect("cached"),
            "{id}"
        );
    }
    fake.unknown.lock().expect("lock").clear();
    drop(older_cache);

    let whole_ids = cache.certificate_ids().expect("ids");
    let parts = tempfile::tempdir().expect("tempdir");
    let mut passes = 0;
    loop {
        let source = connect(addr, CHAINCODE);
        let part = Cache::open(parts.path()).expect("reopen");
        let sync = SyncState::default();
        let n = sync_once(&source, &part, &sync, 2).expect("a pass of 2");
        passes += 1;
        if n == 0 {
            assert_eq!(log(&part), seen, "resumed passes give the same log, each transaction once");
            assert_eq!(part.certificate_ids().expect("ids"), whole_ids, "the same certificates");
            break;
        }
        assert!(passes < 100, "no end");
    }
    drop(cache);

    // New transactions: a revocation and an application, in one block.
    {
        let mut world = fake.world.lock().expect("lock");
        let from = world.ledger.events().len();
        world.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&ids[0], "recalled"));
        world.apply("LOT-FAKE-LATER");
        let mut ledger = fake.ledger.lock().expect("lock");
        expected.extend(pack(&world, from, 4, &mut ledger, world.now));
    }
    let cache = Cache::open(whole.path()).expect("reopen");
    assert_eq!(sync_once(&source, &cache, &sync, usize::MAX).expect("follow"), 2);
    assert_eq!(
        cache.certificate(&ids[0]).expect("read").expect("cached").certificate.status,
        CertificateStatus::Revoked
    );

    // The peer down: every read is an error, never "no such certificate"; the pass fails
    // and the cache's freshness stays where it was.
    let synced_at = sync.snapshot().synced_at;
    fake.down.store(true, Ordering::SeqCst);
    match source.certificate(&ids[1]) {
        Err(SourceError::Peer { .. }) => {}
        other => panic!("a peer failure must be an error, got {other:?}"),
    }
    let err = sync_once(&source, &cache, &sync, usize::MAX).expect_err("peer down");
    assert!(matches!(err, FollowError::Source(SourceError::Peer { .. })), "{err}");
    assert!(err.to_string().contains("GetChainInfo"), "{err}");
    assert_eq!(sync.snapshot().synced_at, synced_at);
    assert!(sync.snapshot().last_error.is_some());
    fake.down.store(false, Ordering::SeqCst);
    sync_once(&source, &cache, &sync, usize::MAX).expect("back");
    assert!(sync.snapshot().last_error.is_none());
    assert_eq!(source.certificate("NT-AAAAAAAAAAAA").expect("a query"), None, "NOT_FOUND from the contract");
    // One of many not on the ledger: each read alone says which.
    let some = [ids[1].clone(), "NT-AAAAAAAAAAAA".to_owned(), ids[2].clone()];
    let read = source.certificates(&some).expect("a query");
    assert_eq!(read.iter().map(Option::is_some).collect::<Vec<_>>(), [true, false, true]);
    assert_eq!(read[2], source.certificate(&ids[2]).expect("a query"));

    // A miss read from the peer once, kept until the next update; a peer failure on a
    // miss is an error (UNVERIFIABLE), never "no such certificate" (UNKNOWN).
    let empty = tempfile::tempdir().expect("tempdir");
    let fresh = Cache::open(empty.path()).expect("cache");
    let shared = Arc::new(connect(addr, CHAINCODE));
    let reader = shared.clone();
    fresh.read_misses_from(Arc::new(move |id: &str| reader.certificate(id).map_err(|e| e.to_string())));
    let before = count("nanotrace:GetCertificate");
    let read = fresh.certificate(&ids[2]).expect("a miss read from the peer").expect("on the ledger");
    assert_eq!(read.certificate, fake.world.lock().expect("lock").cert(&ids[2]));
    assert_eq!(count("nanotrace:GetCertificate"), before + 1, "one GetCertificate for the miss");
    fresh.certificate(&ids[2]).expect("again").expect("kept");
    assert_eq!(fresh.certificate("NT-AAAAAAAAAAAA").expect("a miss"), None, "not on the ledger: UNKNOWN");
    fresh.certificate("NT-AAAAAAAAAAAA").expect("again");
    assert_eq!(count("nanotrace:GetCertificate"), before + 2, "each answer kept: asked once per ID");
    fake.down.store(true, Ordering::SeqCst);
    let err = fresh.certificate(&ids[3]).expect_err("the peer is down");
    assert!(matches!(err, nanotrace_verifier::cache::CacheError::Miss { .. }), "{err}");
    fake.down.store(false, Ordering::SeqCst);
    // Just seen down: the next miss fails at once, without a call that could hang for a
    // whole deadline on a paused peer; the first answer to a probe (the follower's
    // height read) clears that.
    let asked = count("nanotrace:GetCertificate");
    let t = std::time::Instant::now();
    let err = fresh.certificate(&ids[3]).expect_err("not asked: the peer was just seen down");
    assert!(err.to_string().contains("not asked"), "{err}");
    assert!(t.elapsed() < std::time::Duration::from_millis(100), "{:?}", t.elapsed());
    assert_eq!(count("nanotrace:GetCertificate"), asked, "no call while the peer is taken as down");
    shared.refresh().expect("the probe answers");
    fresh.certificate(&ids[3]).expect("asked again").expect("on the ledger");
    assert_eq!(count("nanotrace:GetCertificate"), asked + 1);
    assert_eq!(fresh.checkpoint().expect("cp"), Default::default(), "misses never write the cache");

    // A cache built from this chaincode refuses another.
    let other = connect(addr, "another-chaincode");
    let err = cache.bind(&other.binding()).expect_err("another chaincode");
    assert!(err.to_string().contains("chaincode=nanotrace"), "{err}");

    // qscc was used for the height and the blocks; the contract only for records.
    let evaluations = fake.evaluations.lock().expect("lock").clone();
    assert!(evaluations.iter().any(|e| e == "qscc:GetChainInfo"));
    assert!(evaluations.iter().any(|e| e == "qscc:GetBlockByNumber"));
    assert!(evaluations.iter().all(|e| e.starts_with("qscc:") || e.starts_with("nanotrace:")), "{evaluations:?}");
    eprintln!(
        "[fake gateway] {} transactions followed exactly once (whole, and in {passes} resumed passes), {} evaluations",
        expected.len(),
        evaluations.len()
    );
}

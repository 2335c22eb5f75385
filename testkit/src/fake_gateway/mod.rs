//! An in-process fake Fabric Gateway peer (tonic, on 127.0.0.1) built on the same protos,
//! scripted by the chaincode function name, so that our Gateway client
//! (`nanotrace-fabric-gateway`), the transport over it (`nanotrace-client`) and Fabric's
//! Go client can run the same scenarios against it. It checks every signature with an
//! implementation of its own (ring + x509-parser, not the client's p256/ed25519-dalek),
//! including low-S for ECDSA and the transaction ID derivation, and records what it
//! was sent.
//!
//! Scenarios (by function name, `args[0]`):
//! - `refuse`: endorse and evaluate fail like a chaincode refusal on two peers.
//! - `mvcc` / `policy`: commit status MVCC_READ_CONFLICT / ENDORSEMENT_POLICY_FAILURE.
//! - `mvcc_once`: MVCC_READ_CONFLICT the first time, VALID after.
//! - `phantom` / `phantom_once`: PHANTOM_READ_CONFLICT always / the first time.
//! - `submit_fail`: ordering refuses the transaction.
//! - `slow`: endorse and evaluate answer after 2 s.
//! - anything else: success, result `ok:<function>(<args joined by ,>)`.
//!
//! Events (by chaincode name): blocks 10 (a1, a2), 11 (b1), 12 (c1, c2); a stream of
//! `events_break` that started before block 11 fails with UNAVAILABLE right after
//! block 11; otherwise streams stay open after the last block, as a real gateway's.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nanotrace_protos::common::{ChannelHeader, Envelope, Header, Payload, SignatureHeader};
use nanotrace_protos::gateway::gateway_server::{Gateway, GatewayServer};
use nanotrace_protos::gateway::{
    ChaincodeEventsRequest, ChaincodeEventsResponse, CommitStatusRequest, CommitStatusResponse, EndorseRequest,
    EndorseResponse, ErrorDetail, EvaluateRequest, EvaluateResponse, SignedChaincodeEventsRequest,
    SignedCommitStatusRequest, SubmitRequest, SubmitResponse,
};
use nanotrace_protos::msp::SerializedIdentity;
use nanotrace_protos::orderer::seek_position;
use nanotrace_protos::protos::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEndorsedAction, ChaincodeEvent, ChaincodeInvocationSpec,
    ChaincodeProposalPayload, Proposal, ProposalResponsePayload, Response as CcResponse, SignedProposal, Transaction,
    TransactionAction,
};
use prost::Message;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status};

mod signatures;
pub use signatures::*;
mod describe;
pub use describe::*;
mod pki;
pub use pki::*;

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// `Evaluate`, `Endorse`, `Submit`, `CommitStatus`, `ChaincodeEvents`.
    pub rpc: String,
    /// The chaincode function (or the chaincode, for events).
    pub function: String,
    /// The transaction ID.
    pub tx_id: String,
    /// The signature check: `ok` or why not.
    pub signature: String,
    /// The signed bytes and the signature, for byte comparisons.
    pub signed: (Vec<u8>, Vec<u8>),
    /// Every field of the request that the client chose, decoded, one `name=value` per
    /// field, with the values that differ per request by design (nonce, transaction ID,
    /// timestamp, signature) replaced by the rule they must satisfy: two clients that
    /// build the same request give the same text ([`describe_proposal`] and friends).
    pub fields: String,
}

#[derive(Debug, Default)]
struct State {
    records: Vec<Record>,
    /// The prepared transaction handed out for each transaction ID (Endorse).
    prepared: std::collections::HashMap<String, Vec<u8>>,
    functions: std::collections::HashMap<String, String>,
    mvcc_once_seen: bool,
    /// Whether `mismatch_once` was endorsed once already (its endorsers disagree once).
    mismatch_once_seen: bool,
    phantom_once_seen: bool,
    /// Transactions of `submit_fail_once` whose first submit was refused.
    submit_failed: std::collections::HashSet<String>,
    /// Transactions of `status_fail_once` whose first commit status request failed.
    status_failed: std::collections::HashSet<String>,
    next_block: u64,
}

/// The fake: what it was sent, shared with the server's tasks.
#[derive(Clone, Debug, Default)]
pub struct FakeGateway {
    state: Arc<Mutex<State>>,
}

impl FakeGateway {
    pub fn records(&self) -> Vec<Record> {
        self.state.lock().unwrap().records.clone()
    }

    /// Asserts that the fake received requests and that every signature checked out.
    pub fn assert_signatures_ok(&self) {
        let records = self.records();
        assert!(!records.is_empty());
        for r in records {
            assert_eq!(r.signature, "ok", "{} {}: {}", r.rpc, r.function, r.signature);
        }
    }

    /// `rpc function` lines, the shape compared across clients.
    pub fn kinds(&self) -> Vec<String> {
        self.records().iter().map(|r| format!("{} {}", r.rpc, r.function)).collect()
    }

    fn record(
        &self,
        rpc: &str,
        function: &str,
        tx_id: &str,
        signature: Result<(), String>,
        signed: (Vec<u8>, Vec<u8>),
        fields: String,
    ) {
        self.state.lock().unwrap().records.push(Record {
            rpc: rpc.into(),
            function: function.into(),
            tx_id: tx_id.into(),
            signature: match signature {
                Ok(()) => "ok".into(),
                Err(e) => e,
            },
            signed,
            fields,
        });
    }
}

/// Starts a fake on 127.0.0.1 (plaintext, or TLS with `tls`).
pub async fn start(tls: Option<tonic::transport::ServerTlsConfig>) -> (SocketAddr, FakeGateway) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let fake = FakeGateway::default();
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls).unwrap();
    }
    let router = builder.add_service(GatewayServer::new(fake.clone()));
    tokio::spawn(async move {
        let _ = router.serve_with_incoming(TcpListenerStream::new(listener)).await;
    });
    (addr, fake)
}

fn detail_status(code: tonic::Code, message: &str, details: &[(&str, &str, &str)]) -> Status {
    let any = details
        .iter()
        .map(|(address, msp_id, message)| prost_types::Any {
            type_url: "type.googleapis.com/gateway.ErrorDetail".into(),
            value: ErrorDetail { address: (*address).into(), msp_id: (*msp_id).into(), message: (*message).into() }
                .encode_to_vec(),
        })
        .collect();
    let rpc = nanotrace_protos::google::rpc::Status { code: code as i32, message: message.into(), details: any };
    Status::with_details(code, message, rpc.encode_to_vec().into())
}

const REFUSAL: &str = "chaincode response 500, VALIDATION: quantity must be positive";

fn result_of(function: &str, args: &[Vec<u8>]) -> Vec<u8> {
    let args: Vec<String> = args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    format!("ok:{function}({})", args.join(",")).into_bytes()
}

fn events_log() -> Vec<(u64, Vec<(&'static str, &'static str)>)> {
    vec![
        (10, vec![("a1", "Applied"), ("a2", "Applied")]),
        (11, vec![("b1", "Approved")]),
        (12, vec![("c1", "Revoked"), ("c2", "Applied")]),
    ]
}

type EventStream = Pin<Box<dyn Stream<Item = Result<ChaincodeEventsResponse, Status>> + Send>>;

impl FakeGateway {
    /// Parses a signed proposal, records it under `stage` and refuses it, as a peer
    /// does, when the creator's signature over it does not check out.
    fn accept_proposal(
        &self,
        stage: &str,
        signed: Option<&SignedProposal>,
        tx_id: &str,
    ) -> Result<ParsedProposal, Status> {
        let signed = signed.ok_or_else(|| Status::invalid_argument("no proposal"))?;
        let p = parse_proposal(signed, tx_id)?;
        self.record(
            stage,
            &p.function,
            &p.tx_id,
            p.check.clone(),
            (signed.proposal_bytes.clone(), signed.signature.clone()),
            describe_proposal(signed),
        );
        if let Err(e) = &p.check {
            return Err(Status::permission_denied(format!("creator's signature over the proposal is not valid: {e}")));
        }
        Ok(p)
    }
}

#[tonic::async_trait]
impl Gateway for FakeGateway {
    async fn endorse(&self, request: Request<EndorseRequest>) -> Result<Response<EndorseResponse>, Status> {
        let req = request.into_inner();
        let p = self.accept_proposal("Endorse", req.proposed_transaction.as_ref(), &req.transaction_id)?;
        if req.channel_id != p.channel {
            return Err(Status::invalid_argument("channel mismatch"));
        }
        match p.function.as_str() {
            "refuse" => {
                return Err(detail_status(
                    tonic::Code::Aborted,
                    "failed to endorse transaction, see attached details for more info",
                    &[
                        ("peer0.org1.example.com:7051", "Org1MSP", REFUSAL),
                        ("peer0.org2.example.com:9051", "Org2MSP", REFUSAL),
                    ],
                ))
            }
            "slow" => tokio::time::sleep(Duration::from_secs(2)).await,
            // The endorsing peers answered differently (one a block behind): always, or
            // the first time only.
            "mismatch" => return Err(mismatch_status()),
            "mismatch_once" => {
                let mut st = self.state.lock().unwrap();
                if !st.mismatch_once_seen {
                    st.mismatch_once_seen = true;
                    return Err(mismatch_status());
                }
            }
            _ => {}
        }
        self.state.lock().unwrap().functions.insert(p.tx_id.clone(), p.function.clone());
        let action = ChaincodeAction {
            response: Some(CcResponse {
                status: 200,
                message: String::new(),
                payload: result_of(&p.function, &p.args),
            }),
            ..Default::default()
        };
        let prp = ProposalResponsePayload { proposal_hash: vec![1; 32], extension: action.encode_to_vec() };
        let cap = ChaincodeActionPayload {
            chaincode_proposal_payload: Vec::new(),
            action: Some(ChaincodeEndorsedAction {
                proposal_response_payload: prp.encode_to_vec(),
                endorsements: vec![],
            }),
        };
        let tx = Transaction {
            actions: vec![TransactionAction {
                header: p.header.signature_header.clone(),
                payload: cap.encode_to_vec(),
            }],
        };
        let payload = Payload { header: Some(p.header), data: tx.encode_to_vec() }.encode_to_vec();
        self.state.lock().unwrap().prepared.insert(p.tx_id.clone(), payload.clone());
        Ok(Response::new(EndorseResponse { prepared_transaction: Some(Envelope { payload, signature: Vec::new() }) }))
    }

    async fn submit(&self, request: Request<SubmitRequest>) -> Result<Response<SubmitResponse>, Status> {
        let req = request.into_inner();
        let env = req.prepared_transaction.ok_or_else(|| Status::invalid_argument("no envelope"))?;
        let payload = Payload::decode(env.payload.as_slice()).map_err(|e| Status::invalid_argument(e.to_string()))?;
        let header = payload.header.unwrap_or_default();
        let sh = SignatureHeader::decode(header.signature_header.as_slice())
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let ch = ChannelHeader::decode(header.channel_header.as_slice())
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let check = verify(&sh.creator, &env.payload, &env.signature);
        let (function, prepared) = {
            let st = self.state.lock().unwrap();
            (st.functions.get(&ch.tx_id).cloned().unwrap_or_default(), st.prepared.get(&ch.tx_id).cloned())
        };
        // The client signs the gateway's prepared transaction and must send it unchanged.
        let fields = format!(
            "envelope.payload=prepared:{} request.transaction_id=envelope's:{} request.channel_id={} creator={} signature.len>0={}",
            prepared.as_deref() == Some(env.payload.as_slice()),
            req.transaction_id == ch.tx_id,
            req.channel_id,
            describe_identity(&sh.creator),
            !env.signature.is_empty()
        );
        self.record(
            "Submit",
            &function,
            &ch.tx_id,
            check.clone(),
            (env.payload.clone(), env.signature.clone()),
            fields,
        );
        if let Err(e) = check {
            return Err(Status::permission_denied(format!("bad transaction signature: {e}")));
        }
        if req.transaction_id != ch.tx_id {
            return Err(Status::invalid_argument("transaction ID mismatch"));
        }
        // `submit_fail_once`: the first submit of each transaction finds no orderer.
        let fail_once =
            function == "submit_fail_once" && self.state.lock().unwrap().submit_failed.insert(ch.tx_id.clone());
        if function == "submit_fail" || fail_once {
            return Err(detail_status(
                tonic::Code::Unavailable,
                "no orderers could successfully process transaction",
                &[(
                    "orderer0.example.com:7050",
                    "OrdererMSP",
                    "received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE",
                )],
            ));
        }
        Ok(Response::new(SubmitResponse {}))
    }

    async fn commit_status(
        &self,
        request: Request<SignedCommitStatusRequest>,
    ) -> Result<Response<CommitStatusResponse>, Status> {
        let signed = request.into_inner();
        let req = CommitStatusRequest::decode(signed.request.as_slice())
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let check = verify(&req.identity, &signed.request, &signed.signature);
        let mut st = self.state.lock().unwrap();
        let function = st.functions.get(&req.transaction_id).cloned().unwrap_or_default();
        let fields = format!(
            "channel_id={} transaction_id=submitted:{} identity={} signature.len>0={}",
            req.channel_id,
            st.prepared.contains_key(&req.transaction_id),
            describe_identity(&req.identity),
            !signed.signature.is_empty()
        );
        st.records.push(Record {
            rpc: "CommitStatus".into(),
            function: function.clone(),
            tx_id: req.transaction_id.clone(),
            signature: check.clone().err().unwrap_or_else(|| "ok".into()),
            signed: (signed.request.clone(), signed.signature.clone()),
            fields,
        });
        if let Err(e) = check {
            return Err(Status::permission_denied(format!("bad commit status request signature: {e}")));
        }
        // `status_fail_once`: the first commit status request of each transaction fails.
        if function == "status_fail_once" && st.status_failed.insert(req.transaction_id.clone()) {
            return Err(Status::unavailable("the commit status is not known yet"));
        }
        let code = match function.as_str() {
            "mvcc" => 11,
            "policy" => 10,
            "mvcc_once" if !st.mvcc_once_seen => {
                st.mvcc_once_seen = true;
                11
            }
            "phantom" => 12,
            "phantom_once" if !st.phantom_once_seen => {
                st.phantom_once_seen = true;
                12
            }
            _ => 0,
        };
        st.next_block += 1;
        Ok(Response::new(CommitStatusResponse { result: code, block_number: 4 + st.next_block }))
    }

    async fn evaluate(&self, request: Request<EvaluateRequest>) -> Result<Response<EvaluateResponse>, Status> {
        let req = request.into_inner();
        let p = self.accept_proposal("Evaluate", req.proposed_transaction.as_ref(), &req.transaction_id)?;
        match p.function.as_str() {
            "refuse" => {
                return Err(detail_status(
                    tonic::Code::Unknown,
                    &format!("evaluate call to endorser returned error: {REFUSAL}"),
                    &[("peer0.org1.example.com:7051", "Org1MSP", REFUSAL)],
                ))
            }
            "slow" => tokio::time::sleep(Duration::from_secs(2)).await,
            _ => {}
        }
        Ok(Response::new(EvaluateResponse {
            result: Some(CcResponse { status: 200, message: String::new(), payload: result_of(&p.function, &p.args) }),
        }))
    }

    type ChaincodeEventsStream = EventStream;

    async fn chaincode_events(
        &self,
        request: Request<SignedChaincodeEventsRequest>,
    ) -> Result<Response<Self::ChaincodeEventsStream>, Status> {
        let signed = request.into_inner();
        let req = ChaincodeEventsRequest::decode(signed.request.as_slice())
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let check = verify(&req.identity, &signed.request, &signed.signature);
        let start = match req.start_position.and_then(|p| p.r#type) {
            Some(seek_position::Type::Specified(s)) => s.number,
            _ => 10,
        };
        let fields = format!(
            "channel_id={} chaincode_id={} start_position={:?} after_transaction_id={} identity={} signature.len>0={}",
            req.channel_id,
            req.chaincode_id,
            req.start_position,
            req.after_transaction_id,
            describe_identity(&req.identity),
            !signed.signature.is_empty()
        );
        self.record(
            "ChaincodeEvents",
            &format!("{} start={start} after={}", req.chaincode_id, req.after_transaction_id),
            "",
            check.clone(),
            (signed.request.clone(), signed.signature.clone()),
            fields,
        );
        if let Err(e) = check {
            return Err(Status::permission_denied(format!("bad events request signature: {e}")));
        }
        let mut responses: Vec<Result<ChaincodeEventsResponse, Status>> = Vec::new();
        for (block, events) in events_log() {
            if block < start {
                continue;
            }
            let mut skipping = block == start && !req.after_transaction_id.is_empty();
            let mut out = Vec::new();
            for (tx, name) in events {
                if skipping {
                    if tx == req.after_transaction_id {
                        skipping = false;
                    }
                    continue;
                }
                out.push(ChaincodeEvent {
                    chaincode_id: req.chaincode_id.clone(),
                    tx_id: tx.into(),
                    event_name: name.into(),
                    payload: format!("{{\"tx\":\"{tx}\"}}").into_bytes(),
                });
            }
            if !out.is_empty() {
                responses.push(Ok(ChaincodeEventsResponse { events: out, block_number: block }));
            }
            if block == 11 && start < 11 && req.chaincode_id == "events_break" {
                responses.push(Err(Status::unavailable("peer shutting down")));
                let s: EventStream = Box::pin(tokio_stream::iter(responses));
                return Ok(Response::new(s));
            }
        }
        let s: EventStream = Box::pin(tokio_stream::iter(responses).chain(tokio_stream::pending()));
        Ok(Response::new(s))
    }
}

/// The gateway's answer when the endorsing peers' results differ, as Fabric 3.1 words it.
fn mismatch_status() -> Status {
    detail_status(
        tonic::Code::Aborted,
        "failed to collect enough transaction endorsements, see attached details for more info",
        &[("peer0.org2.example.com:9051", "Org2MSP", "ProposalResponsePayloads do not match")],
    )
}

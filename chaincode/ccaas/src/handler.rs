//! The per-stream state machine of the shim protocol, the chaincode's side.
//!
//! ```text
//! chaincode                      peer
//!   REGISTER(ChaincodeID)  ──▶
//!                          ◀──  REGISTERED
//!                          ◀──  READY(ChaincodeAdditionalParams)
//!                          ◀──  TRANSACTION / INIT   (many at once, each its own tx ID)
//!   GET_STATE, PUT_STATE…  ──▶
//!                          ◀──  RESPONSE / ERROR    (routed by channel ID + tx ID)
//!   COMPLETED / ERROR      ──▶
//! ```
//!
//! Each transaction runs the synchronous contract on a blocking thread; its stub calls
//! wait on a per-transaction reply channel that this loop fills. KEEPALIVE is echoed, as
//! the Go shim does. A contract panic becomes an ERROR for that transaction only. When the
//! peer goes away, every reply channel is dropped, so transactions blocked on the peer
//! fail their stub call and end.

use crate::proposal::{self, ProposalInfo};
use crate::stub::{type_name, FabricStub, Outbound, PeerLink, PeerParams};
use nanotrace_protos::prost::Message;
use nanotrace_protos::protos::{
    chaincode_message::Type as MsgType, ChaincodeId, ChaincodeInput, ChaincodeMessage, Response,
};
use nanotrace_shim::Chaincode;
use nanotrace_shim::{Creator, TxTimestamp};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use thiserror::Error;
use tokio::sync::mpsc as tokio_mpsc;
use tokio_stream::{Stream, StreamExt};
use tracing::{debug, info, warn};

/// Why a stream ended other than by the peer closing it.
#[derive(Debug, Error)]
pub enum HandlerError {
    /// The response stream to the peer is gone.
    #[error("the stream to the peer is closed")]
    Closed,
    /// Receiving from the peer failed.
    #[error("receive failed: {0}")]
    Receive(#[from] tonic::Status),
    /// The peer sent a message the protocol does not allow in this state.
    #[error("[{txid}] cannot handle {kind} in state {state}")]
    Protocol {
        /// The message's transaction ID.
        txid: String,
        /// The message type.
        kind: String,
        /// The handler's state.
        state: &'static str,
    },
}

/// Where the handler is in the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// REGISTER sent, waiting for REGISTERED.
    Created,
    /// Registered, waiting for READY.
    Established,
    /// Ready: transactions may come.
    Ready(PeerParams),
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Created => "created",
            State::Established => "established",
            State::Ready(_) => "ready",
        }
    }
}

/// Transactions running in this process (every stream, every server).
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// The number of transactions running in this process: started and not yet ended with
/// their final message. The binary waits for it to reach 0 on SIGTERM: a peer keeps its
/// stream open for as long as the chaincode runs, so waiting for streams to end would
/// always wait out the whole grace period.
pub fn in_flight() -> usize {
    IN_FLIGHT.load(Ordering::SeqCst)
}

type RouteKey = (String, String);
type Routes = Arc<Mutex<HashMap<RouteKey, mpsc::Sender<ChaincodeMessage>>>>;

/// Removes a transaction's reply route when the transaction ends, however it ends.
struct RouteGuard {
    routes: Routes,
    key: RouteKey,
}

impl Drop for RouteGuard {
    fn drop(&mut self) {
        self.routes.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.key);
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves one Connect stream: registers as `ccid`, then runs transactions from
/// `inbound` until the peer closes it. Messages to the peer go to `out`.
pub async fn run<S>(
    chaincode: Arc<dyn Chaincode>,
    ccid: String,
    mut inbound: S,
    out: tokio_mpsc::Sender<Outbound>,
) -> Result<(), HandlerError>
where
    S: Stream<Item = Result<ChaincodeMessage, tonic::Status>> + Unpin,
{
    let routes: Routes = Arc::new(Mutex::new(HashMap::new()));
    let result = serve(chaincode, ccid, &mut inbound, &out, &routes).await;
    // Dropping every reply sender wakes transactions waiting on the peer: their stub
    // call fails and they end.
    let in_flight = {
        let mut routes = routes.lock().unwrap_or_else(PoisonError::into_inner);
        let n = routes.len();
        routes.clear();
        n
    };
    if in_flight > 0 {
        warn!(in_flight, "stream ended with transactions in flight; they are abandoned");
    }
    result
}

async fn send(out: &tokio_mpsc::Sender<Outbound>, msg: ChaincodeMessage) -> Result<(), HandlerError> {
    out.send(Ok(msg)).await.map_err(|_| HandlerError::Closed)
}

async fn serve<S>(
    chaincode: Arc<dyn Chaincode>,
    ccid: String,
    inbound: &mut S,
    out: &tokio_mpsc::Sender<Outbound>,
    routes: &Routes,
) -> Result<(), HandlerError>
where
    S: Stream<Item = Result<ChaincodeMessage, tonic::Status>> + Unpin,
{
    let register = ChaincodeMessage {
        r#type: MsgType::Register as i32,
        payload: ChaincodeId { name: ccid.clone(), ..Default::default() }.encode_to_vec(),
        ..Default::default()
    };
    send(out, register).await?;
    let mut state = State::Created;

    while let Some(msg) = inbound.next().await {
        let msg = msg?;
        let kind = MsgType::try_from(msg.r#type).ok();
        if kind == Some(MsgType::Keepalive) {
            send(out, msg).await?;
            continue;
        }
        match (state, kind) {
            (State::Created, Some(MsgType::Registered)) => {
                debug!(ccid, "registered");
                state = State::Established;
            }
            (State::Established, Some(MsgType::Ready)) => {
                let params = PeerParams::from_ready(&msg.payload);
                info!(ccid, ?params, "ready");
                state = State::Ready(params);
            }
            (State::Ready(_), Some(MsgType::Response | MsgType::Error)) => route_reply(routes, msg),
            (State::Ready(params), Some(kind @ (MsgType::Transaction | MsgType::Init))) => {
                start_transaction(&chaincode, routes, out, params, kind == MsgType::Init, msg);
            }
            _ => {
                let err =
                    HandlerError::Protocol { txid: msg.txid.clone(), kind: type_name(msg.r#type), state: state.name() };
                warn!(%err, "protocol violation; ending the stream");
                let reply = ChaincodeMessage {
                    r#type: MsgType::Error as i32,
                    payload: err.to_string().into_bytes(),
                    txid: msg.txid,
                    ..Default::default()
                };
                // The stream ends with the error either way.
                let _ = send(out, reply).await;
                return Err(err);
            }
        }
    }
    debug!(ccid, "the peer closed the stream");
    Ok(())
}

fn route_reply(routes: &Routes, msg: ChaincodeMessage) {
    let key = (msg.channel_id.clone(), msg.txid.clone());
    let sender = routes.lock().unwrap_or_else(PoisonError::into_inner).get(&key).cloned();
    match sender {
        Some(sender) => {
            if sender.send(msg).is_err() {
                debug!(channel = key.0, txid = key.1, "reply for a transaction that has ended");
            }
        }
        // Fabric's Go shim ends the stream here; one stray reply should not take every
        // other transaction on the stream down with it.
        None => {
            warn!(channel = key.0, txid = key.1, kind = type_name(msg.r#type), "reply for no transaction in flight")
        }
    }
}

fn start_transaction(
    chaincode: &Arc<dyn Chaincode>,
    routes: &Routes,
    out: &tokio_mpsc::Sender<Outbound>,
    params: PeerParams,
    is_init: bool,
    msg: ChaincodeMessage,
) {
    let key = (msg.channel_id.clone(), msg.txid.clone());
    let (reply_tx, reply_rx) = mpsc::channel();
    let duplicate = {
        let mut routes = routes.lock().unwrap_or_else(PoisonError::into_inner);
        if routes.contains_key(&key) {
            true
        } else {
            routes.insert(key.clone(), reply_tx);
            false
        }
    };
    let link = PeerLink::new(msg.channel_id.clone(), msg.txid.clone(), out.clone(), reply_rx);
    if duplicate {
        warn!(channel = key.0, txid = key.1, "transaction already in flight on this stream");
        let reply =
            link.message(MsgType::Error, format!("[{}] transaction already in flight", short(&key.1)).into_bytes());
        let out = out.clone();
        tokio::spawn(async move {
            let _ = out.send(Ok(reply)).await;
        });
        return;
    }
    IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
    let guard = RouteGuard { routes: Arc::clone(routes), key };
    let chaincode = Arc::clone(chaincode);
    tokio::task::spawn_blocking(move || {
        let _guard = guard;
        let (reply, link) = execute(chaincode.as_ref(), link, params, is_init, msg);
        if let Err(e) = link.send(reply) {
            debug!(txid = link.txid(), error = %e, "could not send the transaction's result");
        }
    });
}

fn short(txid: &str) -> &str {
    txid.get(..8).unwrap_or(txid)
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_owned()
    }
}

/// Runs one transaction to its final message (COMPLETED or ERROR), which the caller sends.
fn execute(
    chaincode: &dyn Chaincode,
    link: PeerLink,
    params: PeerParams,
    is_init: bool,
    msg: ChaincodeMessage,
) -> (ChaincodeMessage, PeerLink) {
    let error = |link: PeerLink, text: String| (link.message(MsgType::Error, text.into_bytes()), link);
    let input = match ChaincodeInput::decode(msg.payload.as_slice()) {
        Ok(input) => input,
        Err(e) => return error(link, format!("failed to unmarshal input: {e}")),
    };
    let info = match msg.proposal.as_ref().map(proposal::read) {
        Some(Ok(info)) => info,
        Some(Err(e)) => return error(link, format!("failed to create new ChaincodeStub: {e}")),
        // Fabric always sends the proposal; without one the transaction has no creator.
        None => ProposalInfo {
            creator: Creator { msp_id: String::new(), id_bytes: Vec::new() },
            timestamp: TxTimestamp { seconds: 0, nanos: 0 },
            transient: Default::default(),
        },
    };
    let (function, args) = match input.args.split_first() {
        Some((function, args)) => (String::from_utf8_lossy(function).into_owned(), args),
        None => (String::new(), &[][..]),
    };
    debug!(txid = link.txid(), channel = link.channel_id(), function, is_init, "transaction");
    let mut stub = FabricStub::new(link, info, params);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if is_init {
            chaincode.init(&mut stub, &function, args)
        } else {
            chaincode.invoke(&mut stub, &function, args)
        }
    }));
    let event = stub.take_event();
    let response = match outcome {
        Err(panic) => {
            let text = format!("transaction panicked: {}", panic_message(panic.as_ref()));
            warn!(function, "{text}");
            return error(stub.into_link(), text);
        }
        // As Fabric's Go shim: a failed INIT is an ERROR message…
        Ok(Err(e)) if is_init => {
            let link = stub.into_link();
            let mut reply = link.message(MsgType::Error, e.message.into_bytes());
            reply.chaincode_event = event;
            return (reply, link);
        }
        // …a failed transaction is a COMPLETED response of status 500 (`shim.Error`).
        Ok(Err(e)) => Response { status: 500, message: e.message, payload: Vec::new() },
        Ok(Ok(payload)) => Response { status: 200, message: String::new(), payload },
    };
    // The Go shim sends the batched writes before COMPLETED whatever the status.
    if let Err(e) = stub.flush_writes() {
        return error(stub.into_link(), format!("failed send batch: {e}"));
    }
    let link = stub.into_link();
    let mut reply = link.message(MsgType::Completed, response.encode_to_vec());
    reply.chaincode_event = event;
    (reply, link)
}

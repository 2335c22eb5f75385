//! The CCaaS runtime's handling of peer messages: [`nanotrace_ccaas::handler::run`], the
//! per-stream state machine a `Connect` stream feeds, with the real certificate contract
//! behind it and no network (the stream is an in-memory sequence; what the handler sends
//! is collected).
//!
//! Input: a flags byte (bit 0: start with the handshake, REGISTERED then READY; bit 1:
//! the READY announces WRITE_BATCH_STATE; bit 2: GET_STATE_MULTIPLE), then messages, each
//! a 2-byte big-endian length and that many bytes of a protobuf `ChaincodeMessage` (the
//! last one takes what is left). Bytes that do not decode arrive as the receive error
//! tonic would yield.
//!
//! Properties: the handler's first message is REGISTER; it ends (with `Ok` when the peer
//! closes the stream, a protocol error exactly where the shim protocol forbids the
//! message, a receive error on an undecodable message) and every transaction it started
//! ends within 10 s, with at least one COMPLETED or ERROR for it; each KEEPALIVE it
//! processed is echoed once.

use nanotrace_ccaas::handler::{self, in_flight, HandlerError};
use nanotrace_ccaas::Chaincode;
use nanotrace_chaincode::CertificateChaincode;
use nanotrace_protos::prost::Message;
use nanotrace_protos::protos::{chaincode_message::Type as MsgType, ChaincodeAdditionalParams, ChaincodeMessage};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The chaincode ID the handler registers as.
pub const CCID: &str = "nanotrace_1.0:fuzz";

/// How long the stream and its transactions may take to end once the peer is done.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The handshake a flags byte with bit 0 set puts in front of the input's messages.
pub fn handshake(flags: u8) -> Vec<ChaincodeMessage> {
    let params = ChaincodeAdditionalParams {
        use_write_batch: flags & 2 != 0,
        max_size_write_batch: 3,
        use_get_multiple_keys: flags & 4 != 0,
        max_size_get_multiple_keys: 2,
    };
    vec![
        ChaincodeMessage { r#type: MsgType::Registered as i32, ..Default::default() },
        ChaincodeMessage { r#type: MsgType::Ready as i32, payload: params.encode_to_vec(), ..Default::default() },
    ]
}

/// The messages of an input: `Err` for bytes that do not decode.
pub fn messages(data: &[u8]) -> Vec<Result<ChaincodeMessage, String>> {
    let Some((&flags, mut rest)) = data.split_first() else {
        return Vec::new();
    };
    let mut out: Vec<Result<ChaincodeMessage, String>> =
        if flags & 1 != 0 { handshake(flags).into_iter().map(Ok).collect() } else { Vec::new() };
    while !rest.is_empty() {
        let (chunk, next) = match rest {
            [hi, lo, tail @ ..] => {
                let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
                tail.split_at(len)
            }
            _ => (rest, &[][..]),
        };
        out.push(ChaincodeMessage::decode(chunk).map_err(|e| e.to_string()));
        rest = next;
    }
    out
}

/// Frames messages as [`run`] reads them (for seeds).
pub fn frame(flags: u8, messages: &[ChaincodeMessage]) -> Vec<u8> {
    let mut out = vec![flags];
    for m in messages {
        let bytes = m.encode_to_vec();
        let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&bytes[..usize::from(len)]);
    }
    out
}

/// What the handler must do with a message sequence, by the shim protocol.
#[derive(Debug, Default)]
struct Expected {
    /// (channel, tx ID) of each transaction it starts.
    started: BTreeSet<(String, String)>,
    keepalives: usize,
    /// How the stream ends: `None` for `Ok`, else "protocol" or "receive".
    end: Option<&'static str>,
}

fn expected(messages: &[Result<ChaincodeMessage, String>]) -> Expected {
    let mut e = Expected::default();
    let mut state = 0; // created, established, ready
    for m in messages {
        let Ok(m) = m else {
            e.end = Some("receive");
            return e;
        };
        let kind = MsgType::try_from(m.r#type).ok();
        match (state, kind) {
            (_, Some(MsgType::Keepalive)) => e.keepalives += 1,
            (0, Some(MsgType::Registered)) => state = 1,
            (1, Some(MsgType::Ready)) => state = 2,
            (2, Some(MsgType::Response | MsgType::Error)) => {}
            (2, Some(MsgType::Transaction | MsgType::Init)) => {
                e.started.insert((m.channel_id.clone(), m.txid.clone()));
            }
            _ => {
                e.end = Some("protocol");
                return e;
            }
        }
    }
    e
}

/// The target.
pub fn run(data: &[u8]) {
    let messages = messages(data);
    if messages.is_empty() {
        return;
    }
    let expect = expected(&messages);
    let chaincode: Arc<dyn Chaincode> = Arc::new(CertificateChaincode::default());
    let inbound = tokio_stream::iter(
        messages.into_iter().map(|m| m.map_err(|e| tonic::Status::internal(format!("decode: {e}")))),
    );
    let (out_tx, mut out_rx) = tokio::sync::mpsc::channel(64);
    let (result, sent) = crate::runtime().block_on(async move {
        let drain = tokio::spawn(async move {
            let mut sent = Vec::new();
            while let Some(m) = out_rx.recv().await {
                sent.push(m);
            }
            sent
        });
        let result = handler::run(chaincode, CCID.to_owned(), inbound, out_tx).await;
        match tokio::time::timeout(DEADLINE, drain).await {
            Ok(Ok(sent)) => (result, sent),
            Ok(Err(e)) => panic!("the collector failed: {e}"),
            Err(_) => panic!("hang: the stream's transactions did not end within {DEADLINE:?}"),
        }
    });
    let started = Instant::now();
    while in_flight() > 0 {
        assert!(started.elapsed() < DEADLINE, "hang: {} transaction(s) still in flight", in_flight());
        std::thread::sleep(Duration::from_millis(1));
    }

    let sent: Vec<ChaincodeMessage> =
        sent.into_iter().map(|m| m.unwrap_or_else(|s| panic!("the handler sent an error status: {s}"))).collect();
    assert_eq!(sent.first().map(|m| m.r#type), Some(MsgType::Register as i32), "the first message is not REGISTER");
    match (&result, expect.end) {
        (Ok(()), None) | (Err(HandlerError::Protocol { .. }), Some("protocol")) => {}
        (Err(HandlerError::Receive(_)), Some("receive")) => {}
        _ => panic!("the stream ended with {result:?}; the protocol says {:?}", expect.end),
    }
    let echoed = sent.iter().filter(|m| m.r#type == MsgType::Keepalive as i32).count();
    assert_eq!(echoed, expect.keepalives, "KEEPALIVE echoes");
    let finals: BTreeSet<(String, String)> = sent
        .iter()
        .filter(|m| m.r#type == MsgType::Completed as i32 || m.r#type == MsgType::Error as i32)
        .map(|m| (m.channel_id.clone(), m.txid.clone()))
        .collect();
    for key in &expect.started {
        assert!(finals.contains(key), "transaction {key:?} started and never ended");
    }
}

//! The seed corpora (`nanotrace-fuzz seeds DIR` writes them; `fuzz/corpus/` holds the
//! committed copy): real inputs of every target — the contract's set-up transactions and
//! a call of every function with the requests the tests send, the sample application
//! (`examples/application.json`), real offline tokens, the peer messages of real shim
//! conversations (captured by running the handler against a scripted peer), requests
//! for every verifier route, and batch files.

use crate::contract::{who, IDENTITIES};
use nanotrace_model::token::OfflineToken;
use nanotrace_protos::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use nanotrace_protos::msp::SerializedIdentity;
use nanotrace_protos::prost::Message;
use nanotrace_protos::prost_types::Timestamp;
use nanotrace_protos::protos::{
    chaincode_message::Type as MsgType, ChaincodeInput, ChaincodeMessage, Proposal, QueryResponse, SignedProposal,
};
use nanotrace_testkit::{creator, governance_transactions, Who, SAMPLE_APPLICATION_JSON};

/// One seed: its target, a file name and the bytes.
pub type Seed = (&'static str, String, Vec<u8>);

fn who_byte(w: Who) -> u8 {
    (0..IDENTITIES).find(|b| who(*b) == w).unwrap_or(0)
}

fn call(who: Who, evaluate: bool, function: &str, args: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![who_byte(who) | if evaluate { 0x80 } else { 0 }];
    out.extend_from_slice(function.as_bytes());
    for a in args {
        out.push(0);
        out.extend_from_slice(a);
    }
    out
}

fn compact_application() -> String {
    let v: serde_json::Value = serde_json::from_str(SAMPLE_APPLICATION_JSON).unwrap_or_default();
    v.to_string()
}

const APPROVE: &str = r#"{"certificate_id":"$PENDING","issuer_key_id":"$KEYID","issued_at":$NOW,"valid_until":$UNTIL,"signature":"$SIG_APPROVE"}"#;
const RENEW: &str = r#"{"certificate_id":"$VALID","issuer_key_id":"$KEYID","issued_at":$NOW,"valid_until":$UNTIL,"signature":"$SIG_RENEW"}"#;
const REINSTATE: &str = r#"{"certificate_id":"$SUSPENDED","reason":"audit passed","resign":{"issuer_key_id":"$KEYID","signature":"$SIG_REINSTATE"}}"#;
const SDS: &str = r#"{"certificate_id":"$VALID","sds":{"url":"https://sds.example.com/rev4.pdf","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","revision":4}}"#;

fn contract() -> Vec<Seed> {
    let app = compact_application();
    let batch = format!(r#"{{"applications":[{app},{}]}}"#, app.replace("LOT-2026-0412-A", "LOT-2026-0412-B"));
    let calls: Vec<(&str, Vec<u8>)> = vec![
        ("apply", call(Who::Applicant, false, "Apply", &[app.as_bytes()])),
        ("apply-batch", call(Who::Applicant, false, "ApplyBatch", &[batch.as_bytes()])),
        ("approve", call(Who::Certifier, false, "Approve", &[APPROVE.as_bytes()])),
        (
            "approve-batch",
            call(Who::Certifier, false, "ApproveBatch", &[format!(r#"{{"approvals":[{APPROVE}]}}"#).as_bytes()]),
        ),
        (
            "reject",
            call(
                Who::Certifier,
                false,
                "Reject",
                &[br#"{"certificate_id":"$PENDING","reason":"CAS number mismatch"}"#],
            ),
        ),
        ("suspend", call(Who::Certifier, false, "Suspend", &[br#"{"certificate_id":"$VALID","reason":"audit"}"#])),
        ("reinstate", call(Who::Certifier, false, "Reinstate", &[REINSTATE.as_bytes()])),
        ("revoke", call(Who::Certifier, false, "Revoke", &[br#"{"certificate_id":"$VALID","reason":"fraud"}"#])),
        ("renew", call(Who::Certifier, false, "Renew", &[RENEW.as_bytes()])),
        ("update-sds", call(Who::Applicant, false, "UpdateSds", &[SDS.as_bytes()])),
        (
            "attach-credential",
            call(
                Who::Certifier,
                false,
                "AttachCredential",
                &[br#"{"certificate_id":"$VALID","status_base":"https://verify.nanotrace.example","created":1767225600,"proof_value":"z3"}"#],
            ),
        ),
        ("retire-key", call(Who::Admin, false, "RetireIssuerKey", &[br#"{"key_id":"$KEYID","reason":"rotated"}"#])),
        ("get", call(Who::Auditor, true, "GetCertificate", &[br#"{"certificate_id":"$SUSPENDED"}"#])),
        (
            "get-many",
            call(Who::Unknown, true, "GetCertificates", &[br#"{"certificate_ids":["$VALID","$REVOKED","$VALID"]}"#]),
        ),
        (
            "get-records",
            call(Who::Unknown, true, "GetCertificateRecords", &[br#"{"certificate_ids":["$VALID","$REVOKED"]}"#]),
        ),
        ("verify", call(Who::Unknown, true, "Verify", &[br#"{"certificate_id":"$REVOKED"}"#])),
        ("history", call(Who::Unknown, true, "History", &[br#"{"certificate_id":"$VALID"}"#])),
        (
            "list-status",
            call(Who::Auditor, true, "ListByStatus", &[br#"{"status":"ACTIVE","page_size":2,"bookmark":""}"#]),
        ),
        ("list-applicant", call(Who::Applicant, true, "ListByApplicant", &[])),
        (
            "list-product",
            call(Who::Unknown, true, "ListByProduct", &[br#"{"gtin":"4006381333931","batch":"LOT-FUZZ-VALID"}"#]),
        ),
        ("issuer-keys", call(Who::Unknown, true, "IssuerKeys", &[])),
        ("whoami", call(Who::Applicant, false, "WhoAmI", &[])),
        ("unknown-function", call(Who::Unknown, false, "DropTables", &[b"{}"])),
        ("two-args", call(Who::Auditor, false, "GetCertificate", &[b"{}", b"{}"])),
    ];
    let mut seeds: Vec<Seed> = calls.into_iter().map(|(name, bytes)| ("contract", name.to_owned(), bytes)).collect();
    for (i, (who, function, arg)) in governance_transactions().into_iter().enumerate() {
        seeds.push(("contract", format!("governance-{i}-{function}"), call(who, false, function, &[&arg])));
    }
    seeds
}

fn token() -> Vec<Seed> {
    let fx = crate::contract::fixture();
    let mut seeds = Vec::new();
    for (name, placeholder) in [("valid", "$VALID"), ("suspended", "$SUSPENDED"), ("revoked", "$REVOKED")] {
        let id = &fx.substitutions.iter().find(|(p, _)| *p == placeholder).map(|(_, v)| v.clone()).unwrap_or_default();
        let cert = fx.world.cert(id);
        if let Ok(text) = OfflineToken::for_certificate(&cert).and_then(|t| t.encode()) {
            seeds.push(("token", name.to_owned(), text.into_bytes()));
        }
    }
    seeds
}

/// A signed proposal as a Fabric peer sends it (creator `who`, channel `nanotrace`).
pub fn proposal(txid: &str, who: Who, args: &[Vec<u8>]) -> SignedProposal {
    let c = creator(who);
    let chdr = ChannelHeader {
        r#type: HeaderType::EndorserTransaction as i32,
        timestamp: Some(Timestamp { seconds: nanotrace_testkit::T0, nanos: 500 }),
        channel_id: "nanotrace".into(),
        tx_id: txid.to_owned(),
        ..Default::default()
    };
    let id = SerializedIdentity { mspid: c.msp_id, id_bytes: c.id_bytes };
    let shdr = SignatureHeader { creator: id.encode_to_vec(), nonce: vec![7; 24] };
    let header = Header { channel_header: chdr.encode_to_vec(), signature_header: shdr.encode_to_vec() };
    let input = ChaincodeInput { args: args.to_vec(), ..Default::default() };
    let proposal = Proposal { header: header.encode_to_vec(), payload: input.encode_to_vec(), extension: Vec::new() };
    SignedProposal { proposal_bytes: proposal.encode_to_vec(), signature: vec![0x30, 0x45] }
}

/// The peer's side of a conversation with the real handler: TRANSACTION messages for
/// `calls`, and the replies a peer with an empty world state gives to the handler's
/// requests, captured by running the handler with a scripted peer.
fn conversation(flags: u8, calls: &[(Who, &str, &[u8])]) -> Vec<u8> {
    use nanotrace_ccaas::handler;
    use nanotrace_ccaas::Chaincode;
    use nanotrace_chaincode::CertificateChaincode;
    use std::sync::Arc;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));
    let mut peer_side: Vec<ChaincodeMessage> = Vec::new();
    rt.block_on(async {
        let (to_cc, from_peer) = tokio::sync::mpsc::channel::<Result<ChaincodeMessage, tonic::Status>>(64);
        let (to_peer, mut from_cc) = tokio::sync::mpsc::channel(64);
        let chaincode: Arc<dyn Chaincode> = Arc::new(CertificateChaincode::default());
        let task = tokio::spawn(handler::run(
            chaincode,
            crate::ccaas::CCID.into(),
            tokio_stream::wrappers::ReceiverStream::new(from_peer),
            to_peer,
        ));
        let send = |m: ChaincodeMessage, log: &mut Vec<ChaincodeMessage>| {
            log.push(m.clone());
            to_cc.try_send(Ok(m)).unwrap_or_else(|e| panic!("{e}"));
        };
        for m in crate::ccaas::handshake(flags) {
            send(m, &mut Vec::new());
        }
        let mut pending = 0;
        for (i, (who, function, arg)) in calls.iter().enumerate() {
            let txid = format!("{:064x}", i + 1);
            let mut args = vec![function.as_bytes().to_vec()];
            if !arg.is_empty() {
                args.push(arg.to_vec());
            }
            let msg = ChaincodeMessage {
                r#type: MsgType::Transaction as i32,
                payload: ChaincodeInput { args: args.clone(), ..Default::default() }.encode_to_vec(),
                txid: txid.clone(),
                channel_id: "nanotrace".into(),
                proposal: Some(proposal(&txid, *who, &args)),
                ..Default::default()
            };
            send(msg, &mut peer_side);
            pending += 1;
        }
        while pending > 0 {
            let Some(Ok(m)) = from_cc.recv().await else { break };
            let reply = |payload: Vec<u8>| ChaincodeMessage {
                r#type: MsgType::Response as i32,
                payload,
                txid: m.txid.clone(),
                channel_id: m.channel_id.clone(),
                ..Default::default()
            };
            match MsgType::try_from(m.r#type) {
                Ok(MsgType::Register) => {}
                Ok(MsgType::Completed | MsgType::Error) => pending -= 1,
                Ok(MsgType::GetStateByRange | MsgType::GetQueryResult | MsgType::QueryStateNext) => {
                    let r = QueryResponse { id: "q1".into(), ..Default::default() };
                    send(reply(r.encode_to_vec()), &mut peer_side);
                }
                _ => send(reply(Vec::new()), &mut peer_side),
            }
        }
        drop(to_cc);
        let _ = task.await;
    });
    crate::ccaas::frame(flags, &peer_side)
}

fn ccaas() -> Vec<Seed> {
    let app = compact_application();
    let mut seeds = vec![
        ("ccaas", "bootstrap".to_owned(), conversation(1, &[(Who::Admin, "Bootstrap", b"{}")])),
        ("ccaas", "whoami-batch-writes".to_owned(), conversation(3, &[(Who::Applicant, "WhoAmI", b"")])),
        ("ccaas", "apply".to_owned(), conversation(1, &[(Who::Applicant, "Apply", app.as_bytes())])),
        (
            "ccaas",
            "queries-multi".to_owned(),
            conversation(
                7,
                &[
                    (Who::Unknown, "Verify", br#"{"certificate_id":"NT-AAAAAAAAAAAA"}"#),
                    (Who::Auditor, "ListByStatus", br#"{"status":"ACTIVE"}"#),
                ],
            ),
        ),
    ];
    // The handshake by hand, a keepalive, and a message out of order.
    let keepalive = ChaincodeMessage { r#type: MsgType::Keepalive as i32, ..Default::default() };
    let registered = ChaincodeMessage { r#type: MsgType::Registered as i32, ..Default::default() };
    seeds.push((
        "ccaas",
        "handshake-keepalive".into(),
        crate::ccaas::frame(0, &[registered.clone(), keepalive.clone()]),
    ));
    seeds.push(("ccaas", "registered-twice".into(), crate::ccaas::frame(1, &[registered])));
    seeds
}

fn verifier() -> Vec<Seed> {
    let requests: &[(&str, &str)] = &[
        ("index", "GET /"),
        ("search", "GET /c?id=$VALID"),
        ("search-lower", "GET /c?id=nt-%20abcd"),
        ("page-valid", "GET /c/$VALID"),
        ("page-token", "GET /c/$VALID?t=$TOKEN"),
        ("page-suspended", "GET /c/$SUSPENDED"),
        ("page-revoked", "HEAD /c/$REVOKED"),
        ("page-pending", "GET /c/$PENDING"),
        ("page-old", "GET /c/$OLD"),
        ("api-valid", "GET /api/v1/certificates/$VALID\naccept: application/json\naccept-encoding: gzip"),
        ("api-history", "GET /api/v1/certificates/$RENEWED/history"),
        ("api-unknown", "GET /api/v1/certificates/NT-ZZZZZZZZZZZZ"),
        ("issuers", "GET /api/v1/issuers"),
        ("openapi", "GET /api/v1/openapi.yaml"),
        ("verify", "POST /api/v1/verify\ncontent-type: application/json\n\n{\"token\":\"$TOKEN\"}"),
        ("verify-bad", "POST /api/v1/verify\ncontent-type: application/json\n\n{\"token\":\"AAAA\"}"),
        ("qr-svg", "GET /qr/$VALID.svg"),
        ("qr-png", "GET /qr/$VALID.png"),
        ("gs1", "GET /01/$GTIN/10/LOT-VALID"),
        ("gs1-unknown", "GET /01/00000000000000/10/%2e%2e%2f"),
        ("gs1-linkset", "GET /01/0$GTIN/10/LOT-VALID/21/S1?linkType=linkset&17=261231"),
        ("gs1-accept", "GET /01/$GTIN\naccept: application/linkset+json;q=0.9, text/html;q=0.1"),
        ("gs1-link-type", "HEAD /01/$GTIN/22/V1/10/LOT-NONE?linkType=https%3A%2F%2Fref.gs1.org%2Fvoc%2FsafetyInfo"),
        ("gs1-options", "OPTIONS /01/$GTIN/10/LOT-VALID"),
        ("gs1-description", "GET /.well-known/gs1resolver"),
        ("product", "GET /products/$GTIN?lot=%3Cb%3E"),
        ("status-revocation", "GET /api/v1/status/revocation/0"),
        ("status-other", "GET /api/v1/status/suspension/01"),
        ("traversal", "GET /c/..%2f..%2fetc%2fpasswd"),
        ("health", "GET /healthz"),
        ("ready", "GET /readyz"),
        ("metrics", "GET /metrics"),
        ("not-found", "GET /api/v2/nothing?x=1&x=2"),
        ("method", "DELETE /c/$VALID"),
    ];
    requests.iter().map(|(name, text)| ("verifier", (*name).to_owned(), text.as_bytes().to_vec())).collect()
}

fn batch() -> Vec<Seed> {
    let app = compact_application();
    let other = app.replace("LOT-2026-0412-A", "LOT-2026-0412-B");
    let with_ref = app.replacen('{', r#"{"client_ref":"order-17","#, 1);
    let files: Vec<(&str, u8, String)> = vec![
        ("apply", 2 << 1, format!("# two lots\n{app}\n\n{other}\n")),
        ("apply-repeat-and-ref", 1 << 1, format!("{app}\n{app}\n{with_ref}\n")),
        ("apply-malformed", 3 << 1, format!("{app}\n{{\"product_name\": 1}}\nnot json\n")),
        ("apply-duplicate-ref", 2 << 1, format!("{with_ref}\n{with_ref}\n")),
        ("approve-ids", (2 << 1) | 1, "$PENDING\n# a comment\nNT-ZZZZZZZZZZZZ\n".to_owned()),
        ("approve-json", (1 << 1) | 1, "{\"certificate_id\":\"$PENDING\"}\n".to_owned()),
    ];
    files
        .into_iter()
        .map(|(name, mode, text)| {
            let mut bytes = vec![mode];
            bytes.extend_from_slice(text.as_bytes());
            ("batch", name.to_owned(), bytes)
        })
        .collect()
}

/// Every target's seeds.
pub fn all() -> Vec<Seed> {
    let mut seeds = contract();
    seeds.extend(token());
    seeds.extend(ccaas());
    seeds.extend(verifier());
    seeds.extend(batch());
    seeds
}

//! The Gateway client against the in-process fake gateway (no peer needed): every
//! stage's outcome, signatures checked by an independent implementation, offline
//! signing, deadlines, TLS, event streams that break and resume from checkpoints, and
//! identities from MSP folders.
#![allow(clippy::unwrap_used, missing_docs)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use nanotrace_fabric_gateway::{
    Checkpoint, Checkpointer, ConnectOptions, Deadlines, EventsOptions, FileCheckpointer, Gateway, GatewayError,
    HashAlgorithm, Identity, InMemoryCheckpointer, SigningIdentity, SubmitOptions, TlsOptions, ValidationCode,
};
use nanotrace_testkit::fake_gateway::{identity, start, write_msp};

async fn gateway_for(addr: SocketAddr, kind: &str) -> (Gateway, SigningIdentity) {
    let id = identity(kind);
    let signing = SigningIdentity::from_pem("Org1MSP", id.cert_pem.as_bytes(), id.key_pem.as_bytes()).unwrap();
    let gw = Gateway::connect(signing.clone(), ConnectOptions::new(addr.to_string())).await.unwrap();
    (gw, signing)
}

#[tokio::test]
async fn submit_and_evaluate_with_ecdsa_and_ed25519_identities() {
    for kind in ["ecdsa", "ed25519"] {
        let (addr, fake) = start(None).await;
        let (gw, _) = gateway_for(addr, kind).await;
        let contract = gw.network("mychannel").contract("basic");
        let s = contract.submit("CreateAsset", &[b"asset1".to_vec(), b"5".to_vec()]).await.unwrap();
        assert_eq!(s.value, b"ok:CreateAsset(asset1,5)");
        assert_eq!(s.block_number, 5);
        assert_eq!(s.tx_id.len(), 64);
        let r = contract.evaluate("ReadAsset", &[b"asset1".to_vec()]).await.unwrap();
        assert_eq!(r, b"ok:ReadAsset(asset1)");
        assert_eq!(
            fake.kinds(),
            ["Endorse CreateAsset", "Submit CreateAsset", "CommitStatus CreateAsset", "Evaluate ReadAsset"]
        );
        let recs = fake.records();
        assert!(recs[..3].iter().all(|r| r.tx_id == s.tx_id));
        fake.assert_signatures_ok();
        if kind == "ecdsa" {
            // many ECDSA signatures: all low-S (about half would be high-S without normalising)
            for i in 0..40 {
                contract.evaluate("ReadAsset", &[format!("a{i}").into_bytes()]).await.unwrap();
            }
            fake.assert_signatures_ok();
        }
    }
}

#[tokio::test]
async fn endorsement_refusals_carry_the_peers_messages() {
    let (addr, fake) = start(None).await;
    let (gw, _) = gateway_for(addr, "ecdsa").await;
    let contract = gw.network("mychannel").contract("basic");
    let e = contract.submit("refuse", &[]).await.unwrap_err();
    let GatewayError::Endorse { tx_id, failure } = &e else { panic!("{e:?}") };
    assert_eq!(tx_id.len(), 64);
    assert_eq!(failure.code, tonic::Code::Aborted);
    assert_eq!(failure.details.len(), 2);
    assert_eq!(failure.details[0].msp_id, "Org1MSP");
    assert_eq!(failure.details[1].address, "peer0.org2.example.com:9051");
    assert_eq!(e.chaincode_message().as_deref(), Some("VALIDATION: quantity must be positive"));
    assert!(e.to_string().contains("Org2MSP"), "{e}");
    assert_eq!(fake.kinds(), ["Endorse refuse"], "nothing submitted after a refusal");

    let e = contract.evaluate("refuse", &[]).await.unwrap_err();
    assert!(matches!(e, GatewayError::Evaluate { .. }));
    assert_eq!(e.grpc_code(), Some(tonic::Code::Unknown));
    assert_eq!(e.details().len(), 1);
    assert_eq!(e.chaincode_message().as_deref(), Some("VALIDATION: quantity must be positive"));
}

/// Endorsing peers a block apart answer differently ("ProposalResponsePayloads do not
/// match"): nothing was ordered, and `submit_with` endorses again as a new proposal, a
/// few times, then returns the mismatch.
#[tokio::test]
async fn an_endorsement_mismatch_is_endorsed_again() {
    let (addr, fake) = start(None).await;
    let (gw, _) = gateway_for(addr, "ecdsa").await;
    let contract = gw.network("mychannel").contract("basic");
    let before = fake.records().len();
    let s = contract.submit("mismatch_once", &[b"x".to_vec()]).await.expect("endorsed again, committed");
    let kinds: Vec<String> = fake.records()[before..].iter().map(|r| r.rpc.clone()).collect();
    assert_eq!(kinds.first().map(String::as_str), Some("Endorse"), "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| k.as_str() == "Endorse").count(), 2, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| k.as_str() == "Submit").count(), 1, "one transaction ordered: {kinds:?}");
    assert_eq!(s.tx_id, fake.records().last().expect("records").tx_id);

    let before = fake.records().len();
    let e = contract.submit("mismatch", &[]).await.unwrap_err();
    assert!(e.is_endorsement_mismatch(), "{e:?}");
    let records = &fake.records()[before..];
    assert_eq!(records.len(), 5, "the first endorsement and four more, nothing submitted: {records:?}");
    assert!(!contract.submit("refuse", &[]).await.unwrap_err().is_endorsement_mismatch());
}

#[tokio::test]
async fn commit_status_codes_are_distinguishable_and_mvcc_can_be_retried() {
    let (addr, fake) = start(None).await;
    let (gw, _) = gateway_for(addr, "ecdsa").await;
    let contract = gw.network("mychannel").contract("basic");

    let e = contract.submit("mvcc", &[]).await.unwrap_err();
    assert!(e.is_mvcc_read_conflict(), "{e:?}");
    assert_eq!(e.validation_code(), Some(ValidationCode::MVCC_READ_CONFLICT));
    assert!(e.to_string().contains("MVCC_READ_CONFLICT"), "{e}");
    assert!(e.tx_id().is_some());

    let e = contract.submit("policy", &[]).await.unwrap_err();
    assert!(!e.is_mvcc_read_conflict());
    assert_eq!(e.validation_code(), Some(ValidationCode::ENDORSEMENT_POLICY_FAILURE));
    assert_eq!(e.validation_code().map(|c| c.name()), Some("ENDORSEMENT_POLICY_FAILURE"));

    // The retry is opt-in: without it the conflict is returned …
    let options = SubmitOptions { mvcc_retries: 2, ..Default::default() };
    // A conflict the first time: submitted again as a new transaction, which commits.
    let resubmitted_once = |function: &'static str| {
        let (contract, fake, options) = (&contract, &fake, &options);
        async move {
            let before = fake.records().len();
            let s = contract.submit_with(function, &[b"x".to_vec()], options).await.unwrap();
            let recs = &fake.records()[before..];
            assert_eq!(recs.len(), 6, "{function}: two full submissions");
            assert_ne!(recs[0].tx_id, recs[3].tx_id, "{function}: the retry is a new transaction");
            assert_eq!(s.tx_id, recs[3].tx_id);
        }
    };
    resubmitted_once("mvcc_once").await;
    // … and a conflict that persists is returned after the retries.
    let e = contract.submit_with("mvcc", &[], &options).await.unwrap_err();
    assert!(e.is_mvcc_read_conflict());

    // A phantom read (a range it read was written into) is a read conflict too: told
    // apart from an MVCC one, returned without retries, resubmitted with them.
    let e = contract.submit("phantom", &[]).await.unwrap_err();
    assert_eq!(e.validation_code(), Some(ValidationCode::PHANTOM_READ_CONFLICT));
    assert!(e.is_read_conflict() && !e.is_mvcc_read_conflict(), "{e:?}");
    assert!(e.to_string().contains("PHANTOM_READ_CONFLICT"), "{e}");
    resubmitted_once("phantom_once").await;
    let e = contract.submit_with("phantom", &[], &options).await.unwrap_err();
    assert!(e.is_read_conflict());
    let before = fake.records().len();
    let e = contract.submit_with("policy", &[], &options).await.unwrap_err();
    assert!(!e.is_read_conflict(), "{e:?}");
    assert_eq!(fake.records().len() - before, 3, "only a read conflict is resubmitted");

    let e = contract.submit("submit_fail", &[]).await.unwrap_err();
    let GatewayError::Submit { failure, .. } = &e else { panic!("{e:?}") };
    assert_eq!(failure.code, tonic::Code::Unavailable);
    assert_eq!(failure.details[0].msp_id, "OrdererMSP");
    fake.assert_signatures_ok();
}

#[tokio::test]
async fn a_fixed_nonce_gives_the_transaction_id_known_beforehand_and_is_never_resubmitted_under_another() {
    let (addr, fake) = start(None).await;
    let (gw, _) = gateway_for(addr, "ecdsa").await;
    let contract = gw.network("mychannel").contract("basic");
    let nonce = nanotrace_fabric_gateway::proposal::new_nonce();
    let tx_id = contract.transaction_id_for(&nonce);
    assert_eq!(tx_id.len(), 64);
    assert_ne!(tx_id, contract.transaction_id_for(&nanotrace_fabric_gateway::proposal::new_nonce()));
    // Submitted under that ID (a request that names its own transaction).
    let options = SubmitOptions { nonce: Some(nonce.clone()), mvcc_retries: 2, ..Default::default() };
    let before = fake.records().len();
    let s = contract.submit_with("ok", &[b"x".to_vec()], &options).await.unwrap();
    assert_eq!(s.tx_id, tx_id);
    assert!(fake.records()[before..].iter().all(|r| r.tx_id == tx_id), "one transaction, that ID");
    // A read conflict is returned, never retried under a new ID despite `mvcc_retries`.
    let nonce = nanotrace_fabric_gateway::proposal::new_nonce();
    let options = SubmitOptions { nonce: Some(nonce.clone()), mvcc_retries: 2, ..Default::default() };
    let before = fake.records().len();
    let e = contract.submit_with("mvcc_once", &[b"x".to_vec()], &options).await.unwrap_err();
    assert!(e.is_read_conflict(), "{e:?}");
    assert_eq!(e.tx_id(), Some(contract.transaction_id_for(&nonce).as_str()));
    assert_eq!(fake.records().len() - before, 3, "one submission");
    fake.assert_signatures_ok();
}

#[tokio::test]
async fn a_transaction_of_unknown_fate_is_tried_again_never_replaced() {
    let (addr, fake) = start(None).await;
    let (gw, _) = gateway_for(addr, "ecdsa").await;
    let contract = gw.network("mychannel").contract("basic");

    // Opt-in: without it the failure is the caller's.
    let e = contract.submit("submit_fail_once", &[]).await.unwrap_err();
    assert!(matches!(e, GatewayError::Submit { .. }), "{e:?}");
    let e = contract.submit("status_fail_once", &[]).await.unwrap_err();
    assert!(matches!(e, GatewayError::CommitStatus { .. }), "{e:?}");

    let options = SubmitOptions { fate_retries: 2, ..Default::default() };
    // Ordering did not take it: the same envelope again.
    let before = fake.records().len();
    let s = contract.submit_with("submit_fail_once", &[b"x".to_vec()], &options).await.unwrap();
    let recs = &fake.records()[before..];
    let kinds: Vec<&str> = recs.iter().map(|r| r.rpc.as_str()).collect();
    assert_eq!(kinds, ["Endorse", "Submit", "Submit", "CommitStatus"], "one endorsement, the same envelope twice");
    assert!(recs.iter().all(|r| r.tx_id == s.tx_id), "one transaction ID throughout");
    assert_eq!(recs[1].signed, recs[2].signed, "the resubmitted envelope is the same signed bytes");
    // Ordering took it but its status did not come: asked again, not submitted again.
    let before = fake.records().len();
    let s = contract.submit_with("status_fail_once", &[b"y".to_vec()], &options).await.unwrap();
    let recs = &fake.records()[before..];
    let kinds: Vec<&str> = recs.iter().map(|r| r.rpc.as_str()).collect();
    assert_eq!(kinds, ["Endorse", "Submit", "CommitStatus", "CommitStatus"], "submitted once, its status asked twice");
    assert!(recs.iter().all(|r| r.tx_id == s.tx_id), "one transaction ID throughout");
    // A transaction that never finds an orderer: the retries run out, the error returns.
    let before = fake.records().len();
    let e = contract.submit_with("submit_fail", &[], &options).await.unwrap_err();
    assert!(matches!(e, GatewayError::Submit { .. }), "{e:?}");
    assert_eq!(
        fake.kinds()[before..],
        ["Endorse submit_fail", "Submit submit_fail", "Submit submit_fail", "Submit submit_fail"]
    );
    fake.assert_signatures_ok();
}

#[tokio::test]
async fn deadlines_expire_per_call() {
    let (addr, _fake) = start(None).await;
    let (gw, _) = gateway_for(addr, "ecdsa").await;
    let contract = gw.network("mychannel").contract("basic");
    let short =
        Deadlines { endorse: Duration::from_millis(300), evaluate: Duration::from_millis(300), ..Deadlines::default() };
    let t = Instant::now();
    let e = contract
        .submit_with("slow", &[], &SubmitOptions { deadlines: Some(short), ..Default::default() })
        .await
        .unwrap_err();
    assert!(matches!(e, GatewayError::Endorse { .. }), "{e:?}");
    assert!(e.is_deadline_exceeded(), "{e:?}");
    assert!(t.elapsed() < Duration::from_millis(1500), "{:?}", t.elapsed());
    let t = Instant::now();
    let e = contract.new_proposal("slow").deadlines(short).build().evaluate().await.unwrap_err();
    assert!(e.is_deadline_exceeded() && matches!(e, GatewayError::Evaluate { .. }), "{e:?}");
    assert!(t.elapsed() < Duration::from_millis(1500));
    // the default deadlines let the slow call finish
    assert_eq!(contract.evaluate("slow", &[]).await.unwrap(), b"ok:slow()");
}

#[tokio::test]
async fn offline_signing_is_byte_identical_to_in_process_signing() {
    for kind in ["ecdsa", "ed25519"] {
        let (addr, fake) = start(None).await;
        let (gw, signing) = gateway_for(addr, kind).await;
        let id = signing.identity().clone();
        // a gateway whose identity has no key: everything is signed offline
        let offline_identity = SigningIdentity::offline(id.clone(), signing.hash());
        let offline = Gateway::connect(offline_identity, ConnectOptions::new(addr.to_string())).await.unwrap();
        let contract = offline.network("mychannel").contract("basic");

        let proposal = contract.new_proposal("Transfer").argument("asset1").argument("bob").build();
        // unsigned, it cannot be sent
        let e = proposal.clone().endorse().await.unwrap_err();
        assert!(matches!(e, GatewayError::Sign(_)), "{e:?}");
        // in process, with the key, the same proposal
        let in_process = gw.new_signed_proposal(&proposal.bytes(), Vec::new()).unwrap().sign().unwrap();
        // offline: digest → external signer → signature (carried as bytes, as to an HSM)
        let digest = proposal.digest();
        match kind {
            "ecdsa" => assert_eq!(digest.len(), 32),
            _ => assert_eq!(digest, proposal.proposal_bytes(), "Ed25519 signs the raw message"),
        }
        let signature = signing.sign_message(proposal.proposal_bytes()).unwrap();
        let signed = offline.new_signed_proposal(&proposal.bytes(), signature).unwrap();
        assert_eq!(signed.bytes(), in_process.bytes(), "{kind}: offline == in process, byte for byte");

        let tx = signed.endorse().await.unwrap();
        assert_eq!(tx.result(), b"ok:Transfer(asset1,bob)");
        let tx_sig = signing.sign_message(tx.payload()).unwrap();
        assert_eq!(tx.digest(), HashAlgorithm::digest(signing.hash(), tx.payload()));
        let tx = offline.new_signed_transaction(&tx.bytes(), tx_sig).unwrap();
        let commit = tx.submit().await.unwrap();
        let commit_sig = signing.sign_message(&commit_message(&commit.bytes())).unwrap();
        let status = offline.new_signed_commit(&commit.bytes(), commit_sig).unwrap().status().await.unwrap();
        assert!(status.successful());
        assert_eq!(status.transaction_id, proposal.transaction_id());

        // events requests too
        let req = offline.network("mychannel").new_chaincode_events_request("events", &EventsOptions::new());
        let sig = signing.sign_message(&events_message(&req.bytes())).unwrap();
        let mut stream =
            offline.new_signed_chaincode_events_request(&req.bytes(), sig).unwrap().events().await.unwrap();
        assert_eq!(stream.next().await.unwrap().unwrap().transaction_id, "a1");

        assert_eq!(
            fake.kinds(),
            ["Endorse Transfer", "Submit Transfer", "CommitStatus Transfer", "ChaincodeEvents events start=10 after="]
        );
        fake.assert_signatures_ok();
        let _ = Identity::new("x", id.credentials().to_vec()).unwrap();
    }
}

fn commit_message(bytes: &[u8]) -> Vec<u8> {
    use prost::Message;
    nanotrace_protos::gateway::SignedCommitStatusRequest::decode(bytes).unwrap().request
}

fn events_message(bytes: &[u8]) -> Vec<u8> {
    use prost::Message;
    nanotrace_protos::gateway::SignedChaincodeEventsRequest::decode(bytes).unwrap().request
}

#[tokio::test]
async fn a_wrong_key_is_refused_by_the_peer() {
    let (addr, fake) = start(None).await;
    let id = identity("ecdsa");
    let other = identity("ecdsa");
    let signing = SigningIdentity::from_pem("Org1MSP", id.cert_pem.as_bytes(), other.key_pem.as_bytes()).unwrap();
    let gw = Gateway::connect(signing, ConnectOptions::new(addr.to_string())).await.unwrap();
    let e = gw.network("mychannel").contract("basic").evaluate("ReadAsset", &[]).await.unwrap_err();
    assert_eq!(e.grpc_code(), Some(tonic::Code::PermissionDenied), "{e:?}");
    assert!(e.to_string().contains("signature"), "{e}");
    assert_eq!(fake.records()[0].signature, "bad ECDSA signature");
}

async fn collect(
    stream: &mut nanotrace_fabric_gateway::ChaincodeEventStream,
    cp: &mut dyn Checkpointer,
    n: usize,
) -> (Vec<String>, Option<GatewayError>) {
    let mut seen = Vec::new();
    while seen.len() < n {
        match tokio::time::timeout(Duration::from_secs(2), stream.next()).await {
            Ok(Some(Ok(ev))) => {
                cp.checkpoint_event(&ev).unwrap();
                seen.push(ev.transaction_id);
            }
            Ok(Some(Err(e))) => return (seen, Some(e)),
            Ok(None) => panic!("stream ended without an error"),
            Err(_) => break,
        }
    }
    (seen, None)
}

#[tokio::test]
async fn event_streams_that_break_report_it_and_resume_from_a_checkpoint() {
    let (addr, fake) = start(None).await;
    let (gw, _) = gateway_for(addr, "ed25519").await;
    let network = gw.network("mychannel");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.checkpoint");

    let mut cp = FileCheckpointer::open(&path).unwrap();
    let mut stream = network.chaincode_events("events_break", &EventsOptions::new().checkpoint(&cp)).await.unwrap();
    let (seen, err) = collect(&mut stream, &mut cp, 10).await;
    assert_eq!(seen, ["a1", "a2", "b1"]);
    let err = err.expect("the break reaches the caller");
    assert_eq!(err.grpc_code(), Some(tonic::Code::Unavailable));
    assert!(err.to_string().contains("peer shutting down"), "{err}");
    assert!(stream.next().await.is_none());

    // resume from the file, as a restarted process would
    let mut cp = FileCheckpointer::open(&path).unwrap();
    assert_eq!((cp.block_number(), cp.transaction_id()), (11, Some("b1")));
    let mut stream = network.chaincode_events("events_break", &EventsOptions::new().checkpoint(&cp)).await.unwrap();
    let (seen, err) = collect(&mut stream, &mut cp, 2).await;
    assert_eq!(seen, ["c1", "c2"], "none lost, none repeated");
    assert!(err.is_none());

    // resuming in the middle of a block skips what was handled in it
    let mut mem = InMemoryCheckpointer::new();
    mem.checkpoint_transaction(10, "a1").unwrap();
    let mut stream = network.chaincode_events("events", &EventsOptions::new().checkpoint(&mem)).await.unwrap();
    let (seen, _) = collect(&mut stream, &mut mem, 4).await;
    assert_eq!(seen, ["a2", "b1", "c1", "c2"]);
    // from a block
    let mut stream = network.chaincode_events("events", &EventsOptions::new().start_block(12)).await.unwrap();
    let ev = stream.next().await.unwrap().unwrap();
    assert_eq!((ev.block_number, ev.transaction_id.as_str(), ev.event_name.as_str()), (12, "c1", "Revoked"));
    assert_eq!(ev.payload, br#"{"tx":"c1"}"#);
    assert_eq!(
        fake.kinds(),
        [
            "ChaincodeEvents events_break start=10 after=",
            "ChaincodeEvents events_break start=11 after=b1",
            "ChaincodeEvents events start=10 after=a1",
            "ChaincodeEvents events start=12 after=",
        ]
    );
    fake.assert_signatures_ok();
}

#[tokio::test]
async fn tls_with_server_name_override_and_mutual_tls() {
    use tonic::transport::{Certificate, Identity as TlsIdentity, ServerTlsConfig};
    let pki = nanotrace_testkit::fake_gateway::pki();
    let server_tls = || ServerTlsConfig::new().identity(TlsIdentity::from_pem(&pki.server.0, &pki.server.1));
    let id = identity("ecdsa");
    let signing = SigningIdentity::from_pem("Org1MSP", id.cert_pem.as_bytes(), id.key_pem.as_bytes()).unwrap();

    let (addr, _fake) = start(Some(server_tls())).await;
    let tls = TlsOptions::new(pki.ca_pem.clone()).server_name("peer0.org1.example.com");
    let gw = Gateway::connect(signing.clone(), ConnectOptions::new(addr.to_string()).tls(tls)).await.unwrap();
    assert_eq!(gw.network("c").contract("basic").evaluate("Ping", &[]).await.unwrap(), b"ok:Ping()");
    // without the override the certificate (no 127.0.0.1 in it) does not match
    let tls = TlsOptions::new(pki.ca_pem.clone());
    let opts = ConnectOptions::new(addr.to_string()).tls(tls).connect_timeout(Duration::from_secs(3));
    let why = refusal(Gateway::connect(signing.clone(), opts).await).await;
    assert!(
        why.contains("NotValidForName") || why.contains("not valid for name"),
        "a certificate for another name must be refused as such: {why}"
    );

    // mutual TLS: refused without a client certificate, accepted with one
    let (addr, _fake) =
        start(Some(server_tls().client_ca_root(Certificate::from_pem(&pki.ca_pem)).client_auth_optional(false))).await;
    let base = || TlsOptions::new(pki.ca_pem.clone()).server_name("peer0.org1.example.com");
    let opts = ConnectOptions::new(addr.to_string()).tls(base()).connect_timeout(Duration::from_secs(3));
    let why = refusal(Gateway::connect(signing.clone(), opts).await).await;
    assert!(
        why.contains("CertificateRequired") || why.contains("certificate required"),
        "a client without a certificate must be refused as such: {why}"
    );
    let tls = base().client_identity(pki.client.0.clone(), pki.client.1.clone());
    let gw = Gateway::connect(signing, ConnectOptions::new(addr.to_string()).tls(tls)).await.unwrap();
    assert_eq!(gw.network("c").contract("basic").evaluate("Ping", &[]).await.unwrap(), b"ok:Ping()");
}

#[tokio::test]
async fn an_unreachable_peer_is_a_connect_error_not_a_hang() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let id = identity("ecdsa");
    let signing = SigningIdentity::from_pem("Org1MSP", id.cert_pem.as_bytes(), id.key_pem.as_bytes()).unwrap();
    let t = Instant::now();
    let e = Gateway::connect(signing, ConnectOptions::new(addr.to_string()).connect_timeout(Duration::from_secs(2)))
        .await
        .unwrap_err();
    assert!(matches!(e, GatewayError::Connect { .. }), "{e:?}");
    assert!(t.elapsed() < Duration::from_secs(3));
}

#[test]
fn an_msp_folder_loads_as_a_signing_identity() {
    let dir = tempfile::tempdir().unwrap();
    let msp = write_msp(dir.path(), &identity("ed25519"));
    let signing = SigningIdentity::from_msp_dir("Org1MSP", &msp).unwrap();
    assert_eq!(signing.hash(), HashAlgorithm::None);
}

/// Why a connection (or, where the refusal comes after the handshake, the first call on
/// it) was refused: the error and all its causes; panics if nothing was refused.
async fn refusal(connected: Result<Gateway, GatewayError>) -> String {
    use nanotrace_fabric_gateway::error_chain as chain;
    match connected {
        Err(e) => chain(&e),
        Ok(gw) => match gw.network("c").contract("basic").evaluate("Ping", &[]).await {
            Err(e) => format!("{} | {:?}", chain(&e), e),
            Ok(answer) => panic!("not refused: {}", String::from_utf8_lossy(&answer)),
        },
    }
}

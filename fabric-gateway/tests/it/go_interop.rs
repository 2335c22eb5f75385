//! Interop with Fabric's own Go Gateway client (`github.com/hyperledger/fabric-gateway`
//! v1.7.0, `tests/go-gateway/`): the same scenarios against the same fake gateway, for
//! an ECDSA and an Ed25519 identity. Both clients must send the fake the same kinds of
//! requests (all with valid signatures) and surface the same outcomes; and Go's
//! standard library verifies signatures made by our client. Without `go` on the PATH
//! the test prints a loud SKIPPED line and passes.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nanotrace_fabric_gateway::{
    Checkpointer, ConnectOptions, Deadlines, EventsOptions, Gateway, GatewayError, InMemoryCheckpointer,
    SigningIdentity, SubmitOptions,
};
use nanotrace_testkit::fake_gateway::{identity, start};

fn go_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go-gateway")
}

/// Builds the Go program; `None` (after a loud SKIPPED line) when `go` is missing.
fn build_go(out: &Path) -> Option<PathBuf> {
    if !nanotrace_testkit::skip::go_or_skip("Go Gateway client interop") {
        return None;
    }
    let bin = out.join("go-gateway");
    let t = Instant::now();
    let status = Command::new("go")
        .args(["build", "-mod=readonly", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(go_dir())
        .status()
        .unwrap();
    assert!(status.success(), "go build of tests/go-gateway failed");
    eprintln!("built the Go Gateway client in {:?}", t.elapsed());
    Some(bin)
}

fn describe(e: &GatewayError) -> String {
    if let GatewayError::Commit { code, .. } = e {
        return format!("commit code={}", code.name());
    }
    let stage = match e {
        GatewayError::Endorse { .. } => "endorse",
        GatewayError::Submit { .. } => "submit",
        GatewayError::CommitStatus { .. } => "commit_status",
        GatewayError::Evaluate { .. } => "evaluate",
        other => return format!("error {other}"),
    };
    let failure = e.rpc_failure().unwrap();
    let details: Vec<String> =
        failure.details.iter().map(|d| format!("{}@{}: {}", d.msp_id, d.address, d.message)).collect();
    format!("{stage} code={:?} details=[{}]", failure.code, details.join(" | "))
}

/// The Go program's scenarios, run with our client.
async fn rust_scenarios(gw: &Gateway, signing: &SigningIdentity, addr: &str) -> Vec<(String, String)> {
    let network = gw.network("mychannel");
    let contract = network.contract("basic");
    let mut out = Vec::new();
    let submit = |name: &'static str, args: Vec<Vec<u8>>, options: SubmitOptions| {
        let contract = contract.clone();
        async move {
            match contract.submit_with(name, &args, &options).await {
                Ok(s) => format!("ok result={} block={}", String::from_utf8_lossy(&s.value), s.block_number),
                Err(e) => describe(&e),
            }
        }
    };
    let evaluate = |name: &'static str, args: Vec<Vec<u8>>| {
        let contract = contract.clone();
        async move {
            match contract.evaluate(name, &args).await {
                Ok(r) => format!("ok result={}", String::from_utf8_lossy(&r)),
                Err(e) => describe(&e),
            }
        }
    };
    let d = SubmitOptions::default;
    out.push(("submit_ok".into(), submit("CreateAsset", vec![b"asset1".to_vec(), b"5".to_vec()], d()).await));
    out.push(("evaluate_ok".into(), evaluate("ReadAsset", vec![b"asset1".to_vec()]).await));
    out.push(("submit_refused".into(), submit("refuse", vec![], d()).await));
    out.push(("evaluate_refused".into(), evaluate("refuse", vec![]).await));
    out.push(("submit_mvcc".into(), submit("mvcc", vec![], d()).await));
    out.push(("submit_policy".into(), submit("policy", vec![], d()).await));
    out.push(("submit_orderer_down".into(), submit("submit_fail", vec![], d()).await));
    let short = Deadlines { endorse: Duration::from_millis(300), ..Deadlines::default() };
    let t = Instant::now();
    let mut outcome = submit("slow", vec![], SubmitOptions { deadlines: Some(short), ..d() }).await;
    if t.elapsed() > Duration::from_millis(1500) {
        outcome.push_str(" (late)");
    }
    out.push(("submit_deadline".into(), outcome));

    let mut cp = InMemoryCheckpointer::new();
    let mut stream = network.chaincode_events("events_break", &EventsOptions::new().checkpoint(&cp)).await.unwrap();
    let mut seen = Vec::new();
    let end = loop {
        match stream.next().await {
            Some(Ok(ev)) => {
                cp.checkpoint_event(&ev).unwrap();
                seen.push(ev.transaction_id);
            }
            Some(Err(e)) => break format!("error {:?}", e.grpc_code().unwrap()),
            None => break "none".into(),
        }
    };
    out.push(("events_break".into(), format!("{} then={end}", seen.join(","))));
    let mut stream = network.chaincode_events("events_break", &EventsOptions::new().checkpoint(&cp)).await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(2), stream.next()).await {
            Ok(Some(Ok(ev))) => seen.push(ev.transaction_id),
            Ok(_) => seen.push("CLOSED".into()),
            Err(_) => seen.push("TIMEOUT".into()),
        }
    }
    out.push(("events_resume".into(), seen.join(",")));

    // offline signing, with a gateway that has no key
    let offline_id = SigningIdentity::offline(signing.identity().clone(), signing.hash());
    let offline = Gateway::connect(offline_id, ConnectOptions::new(addr)).await.unwrap();
    let outcome = async {
        let contract = offline.network("mychannel").contract("basic");
        let proposal = contract.new_proposal("Transfer").arguments(["asset1", "bob"]).build();
        let sig = signing.sign_message(proposal.proposal_bytes())?;
        let tx = offline.new_signed_proposal(&proposal.bytes(), sig)?.endorse().await?;
        let sig = signing.sign_message(tx.payload())?;
        let result = String::from_utf8_lossy(tx.result()).into_owned();
        let commit = offline.new_signed_transaction(&tx.bytes(), sig)?.submit().await?;
        let message = {
            use prost::Message;
            nanotrace_protos::gateway::SignedCommitStatusRequest::decode(commit.bytes().as_slice()).unwrap().request
        };
        let sig = signing.sign_message(&message)?;
        let status = offline.new_signed_commit(&commit.bytes(), sig)?.status().await?;
        Ok::<_, GatewayError>(format!("ok result={result} block={}", status.block_number))
    }
    .await
    .unwrap_or_else(|e| describe(&e));
    out.push(("offline_signing".into(), outcome));
    out
}

fn parse_lines(stdout: &str) -> Vec<(String, String)> {
    stdout.lines().filter_map(|l| l.split_once('\t')).map(|(a, b)| (a.to_owned(), b.to_owned())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fabrics_go_gateway_client_and_ours_agree_on_the_fake() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(go) = build_go(tmp.path()) else { return };
    let mut signatures = Vec::new();
    for kind in ["ecdsa", "ed25519"] {
        let id = identity(kind);
        let cert = tmp.path().join(format!("{kind}-cert.pem"));
        let key = tmp.path().join(format!("{kind}-key.pem"));
        std::fs::write(&cert, &id.cert_pem).unwrap();
        std::fs::write(&key, &id.key_pem).unwrap();
        let signing = SigningIdentity::from_files("Org1MSP", &cert, &key).unwrap();

        // ours
        let (addr, rust_fake) = start(None).await;
        let gw = Gateway::connect(signing.clone(), ConnectOptions::new(addr.to_string())).await.unwrap();
        let ours = rust_scenarios(&gw, &signing, &addr.to_string()).await;

        // Fabric's Go client, same scenarios, fresh fake
        let (addr, go_fake) = start(None).await;
        let output = tokio::process::Command::new(&go)
            .arg("scenarios")
            .args(["-addr", &addr.to_string(), "-kind", kind, "-cert"])
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .output()
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "Go client failed: {}\n{stdout}", String::from_utf8_lossy(&output.stderr));
        let theirs = parse_lines(&stdout);

        println!("--- {kind}: outcome (ours | Fabric's Go client)");
        for ((name, a), (_, b)) in ours.iter().zip(&theirs) {
            println!("{name:20} {a}\n{:20} {b}", "");
        }
        assert_eq!(theirs.len(), ours.len() + usize::from(kind == "ed25519"), "{stdout}");
        for ((name, a), (go_name, b)) in ours.iter().zip(&theirs) {
            assert_eq!(name, go_name);
            if name == "events_break" {
                // Same events; Go's client closes its channel on a broken stream, ours
                // returns the error.
                assert_eq!(a.split(" then=").next(), b.split(" then=").next(), "{name}");
                assert_eq!(a.split(" then=").nth(1), Some("error Unavailable"));
                assert_eq!(b.split(" then=").nth(1), Some("closed"));
            } else if name == "submit_deadline" {
                // Both give up at the deadline. Ours always says DeadlineExceeded; Go's
                // client says so too unless the server's reset of the stream (RST_STREAM
                // CANCEL, sent when it sees the grpc-timeout pass) reaches grpc-go before
                // its own timer fires, which it maps to Canceled (seen once under load in CI).
                assert_eq!(a, "endorse code=DeadlineExceeded details=[]", "{kind} {name}: ours");
                assert!(
                    b == a || b == "endorse code=Canceled details=[]",
                    "{kind} {name}: Go's client gave neither DeadlineExceeded nor Canceled: {b}"
                );
            } else {
                assert_eq!(a, b, "{kind} {name}: ours vs Go's");
            }
        }
        assert!(!ours.iter().any(|(_, o)| o.contains("(late)")));

        // the fake saw the same kinds of requests, all correctly signed
        let (rk, mut gk) = (rust_fake.kinds(), go_fake.kinds());
        println!("requests: {rk:?}");
        if kind == "ed25519" {
            // Go's client with its default SHA-256 hash and an Ed25519 key: the
            // signature is over the digest, and the fake refuses it, as peers do.
            assert_eq!(theirs.last().unwrap().1, "evaluate code=PermissionDenied details=[]");
            let last = go_fake.records().pop().unwrap();
            assert_eq!(last.signature, "bad Ed25519 signature");
            gk.pop();
        }
        assert_eq!(rk, gk, "{kind}: request kinds, ours vs Go's");
        for r in rust_fake.records().iter().chain(&go_fake.records()[..gk.len()]) {
            assert_eq!(r.signature, "ok", "{kind} {} {}", r.rpc, r.function);
        }
        // Message by message, field by field: every field a client chooses, decoded
        // (channel and signature headers, chaincode spec, arguments, creator, nonce length,
        // the transaction ID rule, the prepared transaction sent back unchanged, commit
        // status and events requests). Two clients that both timed out would agree on
        // outcomes; they cannot agree on these without building the same requests.
        let go_records = go_fake.records();
        for (i, (ours, theirs)) in rust_fake.records().iter().zip(&go_records[..gk.len()]).enumerate() {
            let (a, b): (Vec<&str>, Vec<&str>) = (ours.fields.split(' ').collect(), theirs.fields.split(' ').collect());
            let differing: Vec<String> =
                a.iter().zip(&b).filter(|(x, y)| x != y).map(|(x, y)| format!("ours {x} vs Go's {y}")).collect();
            assert!(
                differing.is_empty() && a.len() == b.len(),
                "{kind}: request {i} ({} {}) differs field by field: {differing:?}\nours: {}\nGo's: {}",
                ours.rpc,
                ours.function,
                ours.fields,
                theirs.fields
            );
            assert!(!ours.fields.contains("WRONG") && !ours.fields.contains(":false"), "{kind}: {}", ours.fields);
        }
        println!("{kind}: {} requests equal field by field, e.g. {}", rk.len(), rust_fake.records()[0].fields);

        // signatures over real requests and over random messages, for Go's stdlib
        for r in rust_fake.records() {
            signatures.push(serde_json::json!({
                "kind": kind, "cert_pem": id.cert_pem,
                "message_hex": hex::encode(&r.signed.0), "signature_hex": hex::encode(&r.signed.1),
            }));
        }
        for i in 0..64 {
            let message = format!("message {i} for {kind}").into_bytes();
            let signature = signing.sign_message(&message).unwrap();
            signatures.push(serde_json::json!({
                "kind": kind, "cert_pem": id.cert_pem,
                "message_hex": hex::encode(&message), "signature_hex": hex::encode(&signature),
            }));
        }
    }
    let sigs = tmp.path().join("signatures.json");
    std::fs::write(&sigs, serde_json::to_vec(&signatures).unwrap()).unwrap();
    let output = Command::new(&go).arg("verify").arg("-sigs").arg(&sigs).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "Go's stdlib refused a signature: {}", String::from_utf8_lossy(&output.stderr));
    println!("Go standard library: {stdout}");
    assert!(stdout.contains("ecdsa=") && !stdout.contains("ecdsa=0 ") && !stdout.contains("ed25519=0"));
}

//! Idempotent applications on the real network: dave applies with a client reference
//! through our Gateway client (`NanoTrace::apply_outcome`); the same application again
//! is answered with the recorded certificate (`repeated`), writes nothing and emits no
//! chaincode event; another application under the reference is a `CONFLICT` that
//! writes nothing; two concurrent submissions with one new reference record one
//! certificate. The other is invalidated at commit, or answered as a repeat when it was
//! endorsed after the first committed. Which code invalidates it depends on the block it
//! lands in: in a later block, `MVCC_READ_CONFLICT` (it read the reference's key as
//! absent); in the same block, Fabric's key-level validation comes first and invalidates
//! a transaction writing a key whose validation parameter an earlier valid transaction
//! of the block set (the first one protected the reference's key for the manufacturer):
//! `ENDORSEMENT_POLICY_FAILURE`. `nanotrace batch apply` run twice on one file:
//! the second run reports every line repeated and records nothing.

use crate::client::{client, profile, Follower};
use crate::network::Network;
use crate::steps::{application, World};
use nanotrace_client::GatewayTransport;
use nanotrace_client::Wait;
use nanotrace_client::{ApiError, NanoTrace};
use nanotrace_model::*;
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};

fn with_ref(lot: &str, reference: &str) -> Application {
    let mut app = application(lot);
    app.client_ref = Some(reference.to_owned());
    app
}

/// dave's certificates (his organisation's), by ID, with their batch.
fn daves(api: &NanoTrace<GatewayTransport>) -> Vec<(String, String)> {
    let page = api.mine(None, 1000, "").wait().expect("ListByApplicant");
    assert!(page.bookmark.is_empty(), "fewer than 1000 certificates of dave's organisation");
    page.certificates.into_iter().map(|c| (c.id, c.application.batch)).collect()
}

fn with_batch(all: &[(String, String)], lot: &str) -> Vec<String> {
    all.iter().filter(|(_, b)| b == lot).map(|(id, _)| id.clone()).collect()
}

/// The step.
pub(crate) fn idempotent_applications(w: &World, net: &Network) {
    std::fs::create_dir_all(net.scratch()).expect("scratch folder");
    let dave = client(net, "manufacturer-dave");
    let tag = crate::steps::now();
    let reference = format!("e2e-po-{tag}:1");
    let lot = "LOT-E2E-CLIENT-REF";

    // A follower of the chaincode events from the next block on.
    let start = w.height();
    let mut follower = Follower::start(net, &net.scratch().join("client-ref.checkpoint"), Some(start), "client-ref");

    let first = dave.apply_outcome(&with_ref(lot, &reference)).wait().expect("Apply with a new client reference");
    let [id] = first.value.certificate_ids.as_slice() else { panic!("one certificate ID: {:?}", first.value) };
    let id = id.clone();
    assert_eq!(id, ids::certificate_id(&first.tx_id, 0), "a new certificate, ID = f(transaction ID)");
    assert!(first.value.repeated.is_empty(), "a new reference is no repeat: {:?}", first.value);
    w.expect(&id, CertificateStatus::Pending);
    let count = daves(&dave).len();
    let height = w.height();

    let again = dave.apply_outcome(&with_ref(lot, &reference)).wait().expect("the same application again");
    assert_eq!(again.value.certificate_ids, vec![id.clone()], "the recorded certificate");
    assert_eq!(again.value.repeated, vec![id.clone()], "answered as a repeat");
    assert_ne!(again.tx_id, first.tx_id);
    let after = daves(&dave);
    assert_eq!(after.len(), count, "no second certificate");
    assert_eq!(with_batch(&after, lot), vec![id.clone()], "one certificate for the reference");
    let history = dave.history(&id).wait().expect("History");
    assert_eq!(history.len(), 1, "the certificate was not written again: {history:?}");
    assert_eq!(history[0].tx_id, first.tx_id);
    // The repeat is a read-only transaction: ordered in a block, with no write.
    eprintln!(
        "      {id} under {reference}; the repeat (tx {}) answered it again, height {height} → {}",
        again.tx_id,
        w.height()
    );

    // Another application under the used reference: CONFLICT at endorsement, nothing ordered.
    let height = w.height();
    let other = dave.apply_outcome(&with_ref("LOT-E2E-CLIENT-REF-OTHER", &reference)).wait();
    match &other {
        Err(e) if e.code() == Some("CONFLICT") => {
            let message = e.to_string();
            assert!(message.contains(&reference) && message.contains(&id), "a clear message: {message}");
            assert!(!matches!(e, ApiError::Commit { .. }), "refused at endorsement, not at commit: {e:?}");
            eprintln!("      refused as expected: {}", message.lines().next().unwrap_or_default());
        }
        got => panic!("another application under {reference}: expected CONFLICT, got {got:?}"),
    }
    assert_eq!(w.height(), height, "the refused application reached no block");
    let after = daves(&dave);
    assert_eq!(after.len(), count, "the conflict recorded nothing");
    assert!(with_batch(&after, "LOT-E2E-CLIENT-REF-OTHER").is_empty());

    // No chaincode event for the repeat: a later application's event is seen, the repeat's is not.
    let marker = dave.apply(&application("LOT-E2E-CLIENT-REF-MARKER")).wait().expect("Apply (event marker)");
    w.expect(&marker.value, CertificateStatus::Pending);
    follower.wait_for(&[first.tx_id.clone(), marker.tx_id.clone()]);
    let events = follower.stop();
    let txs: Vec<&str> = events.iter().filter_map(|e| e["tx_id"].as_str()).collect();
    assert!(!txs.contains(&again.tx_id.as_str()), "no chaincode event for the repeat: {events:?}");
    eprintln!("      events from block {start}: {} (first and marker), none for the repeat", txs.len());

    concurrent_same_reference(w, net, &dave, tag);
    batch_apply_twice(w, net, &dave, tag);
}

/// Two submissions at once with the same new reference: exactly one certificate.
fn concurrent_same_reference(w: &World, net: &Network, dave: &NanoTrace<GatewayTransport>, tag: i64) {
    let reference = format!("e2e-po-{tag}:race");
    let lot = "LOT-E2E-CLIENT-REF-RACE";
    let path = profile(net, "manufacturer-dave");
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let api = NanoTrace::new(GatewayTransport::from_profile(&path).wait().expect("connect as dave"));
            let barrier = Arc::clone(&barrier);
            let app = with_ref(lot, &reference);
            std::thread::spawn(move || {
                barrier.wait();
                api.apply_outcome(&app).wait()
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().expect("apply thread")).collect();
    let mut created = Vec::new();
    let mut repeats = Vec::new();
    let mut invalidated = Vec::new();
    for result in &results {
        match result {
            Ok(out) if out.value.repeated.is_empty() => created.extend(out.value.certificate_ids.clone()),
            Ok(out) => repeats.extend(out.value.repeated.clone()),
            // See the module's documentation for the two codes.
            Err(ApiError::Commit { code, .. })
                if code == "MVCC_READ_CONFLICT" || code == "ENDORSEMENT_POLICY_FAILURE" =>
            {
                invalidated.push(code.clone())
            }
            Err(e) => panic!("a concurrent Apply under {reference}: {e:?}"),
        }
    }
    assert_eq!(created.len(), 1, "exactly one submission created the certificate: {results:?}");
    let id = created[0].clone();
    w.expect(&id, CertificateStatus::Pending);
    assert!(
        invalidated.len() == 1 || repeats == vec![id.clone()],
        "the other was invalidated at commit or answered as a repeat: {results:?}"
    );
    assert_eq!(with_batch(&daves(dave), lot), vec![id.clone()], "one certificate for the reference");
    // Whichever way the race went, the reference now answers that certificate.
    let again = dave.apply_outcome(&with_ref(lot, &reference)).wait().expect("Apply after the race");
    assert_eq!(again.value.repeated, vec![id.clone()]);
    eprintln!(
        "      two concurrent Apply under {reference}: one created {id}, the other {}",
        match invalidated.first() {
            Some(code) => format!("was invalidated at commit ({code})"),
            None => "was answered as a repeat".to_owned(),
        }
    );
}

/// `nanotrace batch apply` twice on one small file.
fn batch_apply_twice(w: &World, net: &Network, dave: &NanoTrace<GatewayTransport>, tag: i64) {
    let file = net.scratch().join("client-ref-batch.jsonl");
    let lines: Vec<String> = (0..3)
        .map(|i| {
            let mut app = application(&format!("LOT-E2E-CLIENT-REF-BATCH-{tag}-{i}"));
            if i == 0 {
                app.client_ref = Some(format!("e2e-po-{tag}:batch-0"));
            }
            serde_json::to_string(&app).expect("JSON")
        })
        .collect();
    std::fs::write(&file, lines.join("\n") + "\n").expect("write the batch file");
    let run = || -> serde_json::Value {
        let out = Command::new(nanotrace_systests::nanotrace_cli())
            .args(["--network", "fabric", "--profile"])
            .arg(profile(net, "manufacturer-dave"))
            .args(["--json", "batch", "apply", "--chunk", "2", "--file"])
            .arg(&file)
            .env_remove("NANOTRACE_DATA_DIR")
            .env_remove("NANOTRACE_IDENTITY")
            .env_remove(crate::network::MARKER_VAR)
            .stdin(Stdio::null())
            .output()
            .expect("run nanotrace batch apply");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "nanotrace batch apply:\n{stdout}\n{stderr}");
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("batch apply --json: {e}\n{stdout}"))
    };
    let committed = |v: &serde_json::Value| -> Vec<(u64, String)> {
        v["committed"]
            .as_array()
            .expect("committed")
            .iter()
            .map(|p| (p[0].as_u64().expect("line"), p[1].as_str().expect("ID").to_owned()))
            .collect()
    };
    let first = run();
    let ids = committed(&first);
    assert_eq!(ids.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![1, 2, 3], "{first}");
    assert_eq!(first["repeated"], serde_json::json!([]), "a first run repeats nothing: {first}");
    for (_, id) in &ids {
        w.expect(id, CertificateStatus::Pending);
    }
    let count = daves(dave).len();

    let second = run();
    assert_eq!(committed(&second), ids, "the second run answers the same certificates: {second}");
    assert_eq!(second["repeated"], serde_json::json!([1, 2, 3]), "every line repeated: {second}");
    assert_eq!(second["failed"], serde_json::json!([]));
    assert_eq!(daves(dave).len(), count, "the second run recorded no certificate");
    for (_, id) in &ids {
        assert_eq!(dave.history(id).wait().expect("History").len(), 1, "{id} written once");
    }
    eprintln!(
        "      batch apply ×2 on 3 lines: {} then {} transaction(s), second run all repeated, no new certificate",
        first["transactions"], second["transactions"]
    );
}

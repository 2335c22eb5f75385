//! Step (p): approvals that carry their credentials, on Fabric (issue 72). The
//! contract's all-or-nothing check and its status-list ranges are tested on the
//! in-memory and RocksDB ledgers in `chaincode/tests/it/issued_credential.rs`; here the
//! same two properties hold through endorsement, ordering and validation:
//! - an `ApproveBatch` with one bad proof is refused at endorsement and nothing of it is
//!   written: the certificates stay pending, the positions the transaction would give
//!   stay free, and the mended batch commits under the same transaction ID;
//! - two approvals that signed for the same status-list range, each before the other
//!   committed: one commits, the other is refused as the client's retry rule expects
//!   (`CONFLICT [status.position_taken]` at endorsement, or an MVCC read conflict at
//!   validation when both were endorsed first), writes nothing, and succeeds when the
//!   client makes it again; no position is given twice.

use crate::client::client;
use crate::network::Network;
use crate::steps::{now, wait_status, World};
use nanotrace_client::nanotrace::approval_with_credential;
use nanotrace_client::{
    is_taken_position, ApiError, ApprovalSigning, CredentialTerms, GatewayTransport, NanoTrace, PreparedTx, Transport,
    Wait,
};
use nanotrace_model::*;
use std::collections::{BTreeMap, BTreeSet};

/// Certificates on each side of the race and in the spoiled batch.
const COUNT: u32 = 16;

/// Applies `COUNT` certificates as dave: their pending records, in order.
fn pending(net: &Network, tag: &str) -> Vec<Certificate> {
    let dave = client(net, "manufacturer-dave");
    let apps = (0..COUNT).map(|i| crate::steps::application(&format!("LOT-E2E-VC-{tag}-{i:02}"))).collect();
    let ids = dave.apply_batch(apps).wait().unwrap_or_else(|e| panic!("ApplyBatch ({tag}) as dave: {e}")).value;
    let alice = client(net, "certifier-alice");
    for id in &ids {
        crate::steps::wait_visible(&alice, id);
    }
    let certs = alice.get_certificates(&ids).wait().expect("GetCertificates as alice");
    assert!(certs.iter().all(|c| c.status == CertificateStatus::Pending));
    certs
}

/// The approvals of `certs` with their credentials, as transaction `tx` issues them at
/// the positions `StatusPositions` names for it now.
fn approvals(
    alice: &NanoTrace<GatewayTransport>,
    w: &World,
    terms: &CredentialTerms,
    certs: &[Certificate],
    tx: &PreparedTx,
) -> (Vec<ApproveRequest>, Vec<u32>) {
    let positions = alice.status_positions(&tx.tx_id, COUNT).wait().expect("StatusPositions");
    let signing = ApprovalSigning { signer: &w.signer, issuer_org: &w.certifier_msp, validity_days: None };
    let issued_at = now();
    let approvals = certs
        .iter()
        .zip(&positions)
        .map(|(cert, &p)| approval_with_credential(cert, &signing, issued_at, terms, &tx.tx_id, p).expect("signed"))
        .collect();
    (approvals, positions)
}

fn submit(
    alice: &NanoTrace<GatewayTransport>,
    tx: &PreparedTx,
    approvals: Vec<ApproveRequest>,
) -> Result<(), ApiError> {
    let args = vec![serde_json::to_vec(&ApproveBatchRequest { approvals }).expect("json")];
    alice.transport().submit_prepared(tx, Function::ApproveBatch.name(), &args).wait().map(|_| ())
}

/// Every certificate of `certs` still pending and without a credential, read through the
/// Regulator's peer (which validated whatever was ordered).
fn untouched(rita: &NanoTrace<GatewayTransport>, certs: &[Certificate], what: &str) {
    let ids: Vec<String> = certs.iter().map(|c| c.id.clone()).collect();
    for cert in rita.get_certificates(&ids).wait().expect("GetCertificates as rita") {
        assert_eq!(cert.status, CertificateStatus::Pending, "{what}: {} was written", cert.id);
        assert!(cert.credential.is_none() && cert.status_index.is_none(), "{what}: {} was written", cert.id);
    }
}

/// Every certificate of `certs` VALID through the Regulator's peer with its credential at
/// its position; their positions.
fn issued(w: &World, rita: &NanoTrace<GatewayTransport>, certs: &[Certificate]) -> Vec<u32> {
    certs
        .iter()
        .map(|cert| {
            wait_status(rita, &cert.id, CertificateStatus::Active);
            let v = rita.verify(&cert.id).wait().unwrap_or_else(|e| panic!("Verify {}: {e}", cert.id));
            assert_eq!(v.verdict, Verdict::Valid, "{}: {v:?}", cert.id);
            let record = v.certificate.expect("the record");
            let position = record.status_index.expect("a position");
            assert!(record.credential.is_some(), "{}: issued with its credential", cert.id);
            let issuance = record.issuance.as_ref().expect("issued");
            assert_eq!(issuance.status_position, Some(position), "{}: the signature binds its position", cert.id);
            w.expect(&cert.id, CertificateStatus::Active);
            position
        })
        .collect()
}

pub(crate) fn credentials_inline(w: &World, net: &Network) {
    let alice = client(net, "certifier-alice");
    let rita = client(net, "regulator-rita");
    let terms = alice
        .credential_terms(&w.certifier_msp, sample::STATUS_BASE)
        .wait()
        .expect("the organisations")
        .expect("the certifier's organisation has a status base");
    let mut given: BTreeMap<u32, String> = BTreeMap::new();
    let mut give = |certs: &[Certificate], positions: Vec<u32>| {
        for (cert, p) in certs.iter().zip(positions) {
            if let Some(earlier) = given.insert(p, cert.id.clone()) {
                panic!("position {p} given twice: to {earlier} and to {}", cert.id);
            }
        }
    };

    // One bad proof: refused at endorsement, nothing written, the mended batch commits.
    let batch = pending(net, "BAD");
    let tx = alice.transport().prepare().expect("the Gateway transport fixes transaction IDs");
    let (mut spoiled, positions) = approvals(&alice, w, &terms, &batch, &tx);
    let good = spoiled[7].credential.clone();
    let other = spoiled[6].credential.as_ref().expect("a credential").proof_value.clone();
    spoiled[7].credential.as_mut().expect("a credential").proof_value = other;
    let mended = {
        let mut m = spoiled.clone();
        m[7].credential = good;
        m
    };
    match submit(&alice, &tx, spoiled) {
        Err(e) => {
            assert_eq!(e.code(), Some("BAD_SIGNATURE"), "{e}");
            assert!(e.to_string().contains("approvals[7]"), "the refusal names the item: {e}");
            eprintln!("      refused as expected (one bad proof of {COUNT}): {e}");
        }
        Ok(()) => panic!("a batch with another certificate's proof was committed"),
    }
    untouched(&rita, &batch, "a batch with one bad proof");
    assert_eq!(
        alice.status_positions(&tx.tx_id, COUNT).wait().expect("StatusPositions"),
        positions,
        "the refused batch reserved nothing: its positions are still the ones its ID draws"
    );
    submit(&alice, &tx, mended).expect("the mended batch under the same transaction ID");
    give(&batch, issued(w, &rita, &batch));

    // Two approvals that signed for one range before either committed.
    let (first, second) = (pending(net, "RACE-A"), pending(net, "RACE-B"));
    let (tx_a, tx_b, shared) = colliding(&alice);
    let (approvals_a, _) = approvals(&alice, w, &terms, &first, &tx_a);
    let (approvals_b, _) = approvals(&alice, w, &terms, &second, &tx_b);
    // Both at once: each endorsed before the other committed, or one endorsed after.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| submit(&alice, &tx_a, approvals_a));
        let b = s.spawn(|| submit(&alice, &tx_b, approvals_b));
        (a.join().expect("submit A"), b.join().expect("submit B"))
    });
    let (winner, loser, refusal) = match (a, b) {
        (Ok(()), Err(e)) => (&first, &second, e),
        (Err(e), Ok(())) => (&second, &first, e),
        other => panic!("exactly one of two approvals of one range must commit: {other:?}"),
    };
    assert!(is_taken_position(&refusal), "a refusal the client retries: {refusal}");
    eprintln!("      the racing approval refused as expected ({} positions shared): {refusal}", shared.len());
    untouched(&rita, loser, "the approval that lost the race");
    give(winner, issued(w, &rita, winner));
    // The loser made again as the client makes it: a new ID, its positions, signed anew.
    let signing = ApprovalSigning { signer: &w.signer, issuer_org: &w.certifier_msp, validity_days: None };
    alice.approve_certificates(loser, &signing, now(), Some(&terms)).wait().expect("the retried approval");
    give(loser, issued(w, &rita, loser));
    eprintln!("      {} positions given, each once", given.len());
}

/// Two transactions (prepared, not submitted) to which `StatusPositions` gives
/// overlapping positions for `COUNT` approvals each, and the positions they share: IDs
/// whose first candidate ranges meet are drawn until the contract confirms one such pair
/// (a candidate already taken sends a transaction to its next one).
fn colliding(alice: &NanoTrace<GatewayTransport>) -> (PreparedTx, PreparedTx, BTreeSet<u32>) {
    let bits = status::range_sizes(COUNT)[0];
    let mut by_start: BTreeMap<u32, PreparedTx> = BTreeMap::new();
    for _ in 0..100_000 {
        let tx = alice.transport().prepare().expect("the Gateway transport fixes transaction IDs");
        let start = status::range_candidate(&tx.tx_id, 0, bits, 0, 0);
        let Some(earlier) = by_start.remove(&start) else {
            by_start.insert(start, tx);
            continue;
        };
        let a: BTreeSet<u32> =
            alice.status_positions(&earlier.tx_id, COUNT).wait().expect("StatusPositions").into_iter().collect();
        let b = alice.status_positions(&tx.tx_id, COUNT).wait().expect("StatusPositions");
        let shared: BTreeSet<u32> = b.into_iter().filter(|p| a.contains(p)).collect();
        if !shared.is_empty() {
            return (earlier, tx, shared);
        }
    }
    panic!("no two of 100,000 transaction IDs drew the same free range of 2^{bits}");
}

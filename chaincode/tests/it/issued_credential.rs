//! One transaction per decision, credential included (issue 72): `Approve`,
//! `ApproveBatch`, `Renew` and a re-signing `Reinstate` carry each certificate's credential
//! proof and position signature, and the contract checks and records them in the same
//! transaction. The client fixes the transaction ID first, asks `StatusPositions` where
//! that transaction's positions will be, signs for them and submits under that ID; a bad
//! proof refuses the whole decision with nothing written, and an approval whose range
//! another transaction took meanwhile is refused with `CONFLICT [status.position_taken]`
//! and succeeds when signed again under a new ID — on the in-memory ledger and on the
//! RocksDB one.

use nanotrace_chaincode::error::Reason;
use nanotrace_model::credential;
use nanotrace_model::status;
use nanotrace_model::*;
use nanotrace_testkit::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::collections::BTreeSet;

fn organizations(w: &World) -> Vec<Organization> {
    w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("organizations")
}

fn trust_list(w: &World) -> Vec<IssuerKey> {
    w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("issuer keys")
}

/// Applies for `n` certificates in one batch; their IDs.
fn apply_many(w: &mut World, lot: &str, n: usize) -> Vec<String> {
    let applications = (0..n).map(|i| sample_application(&format!("{lot}-{i}"))).collect();
    let ids: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &ApplyBatchRequest { applications });
    ids.certificate_ids
}

/// The credential every verifier serves for `id`, rebuilt from the ledger alone.
fn served(w: &World, id: &str) -> serde_json::Value {
    credential::recorded(&w.cert(id), &trust_list(w), &organizations(w), None).expect("the recorded credential")
}

#[test]
fn an_approval_records_its_credential_in_the_same_transaction() {
    let mut w = World::governed();
    let id = w.apply("LOT-ONE-TX");
    let tx_id = test_tx_id(1);
    let [req] = <[ApproveRequest; 1]>::try_from(w.approvals_with_credentials(Who::Certifier, &[&id], &tx_id))
        .expect("one approval");
    let position = req.credential.as_ref().expect("a credential").status_index;
    let height = w.ledger.height();
    w.submit_with_tx_id(Who::Certifier, &tx_id, "Approve", &req).expect("Approve with its credential");
    assert_eq!(w.ledger.height(), height + 1, "one transaction");
    let cert = w.cert(&id);
    assert_eq!((cert.status, cert.status_index), (CertificateStatus::Active, Some(position)));
    assert_eq!(cert.last_change.action, Action::Approved);
    let proof = cert.credential.clone().expect("the credential is recorded");
    assert_eq!((proof.status_base.as_str(), proof.created), (STATUS_BASE, w.now));
    let public = issuer_signing_key(Who::Certifier).verifying_key().to_bytes();
    // The issuance signature binds the position: no signature of its own is recorded, and
    // the offline token (layout 3) carries the position under the issuance signature.
    let issuance = cert.issuance.clone().expect("issued");
    assert_eq!(issuance.status_position, Some(position), "the approval's signature binds the position");
    assert_eq!(proof.position_signature, None, "no second signature of the position");
    check_issuance(&cert, &trust_list(&w)).expect("the issuance signature verifies with its position");
    let token = token::OfflineToken::for_certificate(&cert).expect("a token");
    let text = token.encode().expect("encoded");
    assert_eq!(text.len(), 183, "layout 3");
    let checked = token::OfflineToken::decode(&text).and_then(|t| t.verify(&trust_list(&w), w.now)).expect("verifies");
    assert_eq!(checked.status_position, Some(position));
    // Every verifier serves it, and it names this transaction and this position.
    let vc = served(&w, &id);
    credential::verify(&vc, &public).expect("the credential verifies");
    assert_eq!(vc["credentialSubject"]["issuingTransaction"], tx_id.as_str());
    assert_eq!(vc["credentialStatus"][0]["statusListIndex"], status::index_in_list(position).to_string());
    assert_eq!(w.last_event().name, events::CERTIFICATE_ISSUED);
    // AttachCredential still works on it (signing again replaces the proof).
    w.now += 60;
    let again = w.credential_attachment(Who::Certifier, &id);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &again);
    assert_eq!(w.cert(&id).credential.expect("recorded").created, w.now);
}

#[test]
fn a_renewal_records_the_new_versions_credential_in_the_same_transaction() {
    let mut w = World::governed();
    let id = w.issue("LOT-RENEW-VC");
    w.now += 60;
    let tx_id = test_tx_id(21);
    let req = w.renewal_with_credential(Who::Certifier, &id, &tx_id);
    let mut bad = req.clone();
    bad.credential.as_mut().expect("a credential").created += 1;
    let before = (w.ledger.snapshot(), w.ledger.height());
    let err = w.submit_with_tx_id(Who::Certifier, &tx_id, "Renew", &bad).expect_err("a bad proof");
    assert_eq!(err.code(), "BAD_SIGNATURE", "{err}");
    assert_eq!((w.ledger.snapshot(), w.ledger.height()), before, "nothing written");
    let out = w.submit_with_tx_id(Who::Certifier, &tx_id, "Renew", &req).expect("Renew with its credential");
    let ids: IdsResponse = serde_json::from_slice(&out).expect("ids");
    let new = &ids.certificate_ids[1];
    let cert = w.cert(new);
    assert_eq!(cert.status_index, req.credential.as_ref().map(|c| c.status_index));
    assert!(cert.credential.is_some());
    let vc = served(&w, new);
    assert_eq!(vc["credentialSubject"]["issuingTransaction"], tx_id.as_str());
    assert_eq!(vc["credentialSubject"]["supersedes"], id.as_str());
}

#[test]
fn a_reinstatement_that_signs_again_records_the_new_revisions_credential() {
    let mut w = World::governed();
    let id = w.apply("LOT-REINSTATE-VC");
    let tx_id = test_tx_id(31);
    let approvals = w.approvals_with_credentials(Who::Certifier, &[&id], &tx_id);
    w.submit_with_tx_id(Who::Certifier, &tx_id, "Approve", &approvals[0]).expect("Approve");
    let old_position = w.cert(&id).status_index.expect("a position");
    let mut sds = w.cert(&id).application.sds;
    sds.revision += 1;
    sds.sha256 = "ab".repeat(32);
    w.ok::<Certificate>(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: id.clone(), sds });
    assert_eq!(w.cert(&id).status, CertificateStatus::Suspended);
    w.now += 60;
    let tx_id = test_tx_id(32);
    let resign = w.resignature_with_credential(Who::Certifier, &id, &tx_id);
    let position = resign.credential.as_ref().expect("a credential").status_index;
    assert_ne!(position, old_position, "a certificate whose credential was recorded moves");
    // Its credential signed for the old position is refused cleanly, nothing written.
    let mut stale = resign.clone();
    stale.credential.as_mut().expect("a credential").status_index = old_position;
    let req = |resign: Resignature| ReinstateRequest {
        certificate_id: id.clone(),
        reason: "new SDS reviewed".into(),
        resign: Some(resign),
    };
    let before = (w.ledger.snapshot(), w.ledger.height());
    let err = w.submit_with_tx_id(Who::Certifier, &tx_id, "Reinstate", &req(stale)).expect_err("stale position");
    assert!(status::is_position_taken(&err.to_string()), "{err}");
    assert_eq!((w.ledger.snapshot(), w.ledger.height()), before, "nothing written");
    w.submit_with_tx_id(Who::Certifier, &tx_id, "Reinstate", &req(resign)).expect("Reinstate with its credential");
    let cert = w.cert(&id);
    assert_eq!((cert.status, cert.status_index), (CertificateStatus::Active, Some(position)));
    assert_eq!(cert.retired_status_indexes, vec![old_position]);
    let vc = served(&w, &id);
    assert_eq!(vc["credentialSubject"]["safetyDataSheet"]["revision"], cert.application.sds.revision);
}

#[test]
fn an_approval_without_a_credential_is_still_accepted_and_attach_credential_follows() {
    // Requests of clients before this change: no `credential` field.
    let mut w = World::governed();
    let id = w.apply("LOT-OLD-CLIENT");
    let req = w.approval(Who::Certifier, &id);
    let json = serde_json::to_value(&req).expect("json");
    assert!(json.get("credential").is_none(), "absent, not null: {json}");
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
    assert!(w.cert(&id).credential.is_none());
    let attach = w.credential_attachment(Who::Certifier, &id);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &attach);
    served(&w, &id);
}

/// A change that spoils one credential of a batch.
type Spoil = Box<dyn FnOnce(&mut ApproveRequest)>;

/// The batch of `n` approvals with credentials under `tx_id`, item `bad` spoiled by `spoil`.
fn spoiled_batch(
    w: &World,
    ids: &[String],
    tx_id: &str,
    bad: usize,
    spoil: impl FnOnce(&mut ApproveRequest),
) -> ApproveBatchRequest {
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut approvals = w.approvals_with_credentials(Who::Certifier, &refs, tx_id);
    spoil(&mut approvals[bad]);
    ApproveBatchRequest { approvals }
}

#[test]
fn a_batch_with_one_bad_proof_writes_nothing() {
    let mut w = World::governed();
    let ids = apply_many(&mut w, "LOT-BAD", 100);
    let tx_id = test_tx_id(7);
    let other_proof = {
        let ok = w.approvals_with_credentials(Who::Certifier, &[&ids[0]], &test_tx_id(8));
        ok[0].credential.clone().expect("a credential").proof_value
    };
    // The approval of item 99 signed without its position (the certificate alone).
    let alone = sign_approval(&w.cert(&ids[99]), Who::Certifier, w.now, 365).signature;
    fn credential(req: &mut ApproveRequest) -> &mut IssuedCredential {
        req.credential.as_mut().expect("a credential")
    }
    // 100 approvals: their signatures are checked on worker threads; one bad item among them.
    let cases: Vec<(&str, usize, Spoil, &str)> = vec![
        (
            "another certificate's proof",
            63,
            Box::new(move |r| credential(r).proof_value = other_proof),
            "BAD_SIGNATURE",
        ),
        ("an approval signed without its position", 99, Box::new(move |r| r.signature = alone), "BAD_SIGNATURE"),
        ("a proof made later than it claims", 5, Box::new(|r| credential(r).created += 1), "BAD_SIGNATURE"),
        ("a proof value that is no signature", 0, Box::new(|r| credential(r).proof_value = "zzz".into()), "VALIDATION"),
        (
            "an unregistered status base",
            42,
            Box::new(|r| credential(r).status_base = "https://elsewhere.example".into()),
            "UNAUTHORIZED",
        ),
        ("a position that is not this transaction's", 17, Box::new(|r| credential(r).status_index ^= 1), "CONFLICT"),
    ];
    for (what, bad, spoil, code) in cases {
        let batch = spoiled_batch(&w, &ids, &tx_id, bad, spoil);
        let before = (w.ledger.snapshot(), w.ledger.events().len(), w.ledger.height());
        let err = w.submit_with_tx_id(Who::Certifier, &tx_id, "ApproveBatch", &batch).expect_err(what);
        assert_eq!(err.code(), code, "{what}: {err}");
        assert!(err.to_string().contains(&format!("approvals[{bad}]")), "{what}: names the item: {err}");
        if code == "UNAUTHORIZED" {
            assert_eq!(err.reason(), Some(Reason::StatusBaseRegistered.as_str()), "{what}: {err}");
        }
        if code == "CONFLICT" {
            assert!(status::is_position_taken(&err.to_string()), "{what}: {err}");
        }
        assert_eq!(
            (w.ledger.snapshot(), w.ledger.events().len(), w.ledger.height()),
            before,
            "{what}: nothing written"
        );
    }
    // The same batch, unspoiled, issues every certificate with its credential.
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let approvals = w.approvals_with_credentials(Who::Certifier, &refs, &tx_id);
    w.submit_with_tx_id(Who::Certifier, &tx_id, "ApproveBatch", &ApproveBatchRequest { approvals }).expect("batch");
    let positions: BTreeSet<u32> = ids.iter().map(|id| w.cert(id).status_index.expect("a position")).collect();
    assert_eq!(positions.len(), ids.len());
    for id in [&ids[0], &ids[63], &ids[99]] {
        served(&w, id);
    }
}

#[test]
fn a_batch_with_one_bad_proof_writes_nothing_on_the_rocksdb_ledger() {
    let mut w = DiskWorld::governed();
    let applications = (0..70).map(|i| sample_application(&format!("LOT-DISK-{i}"))).collect();
    let ids: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &ApplyBatchRequest { applications });
    let refs: Vec<&str> = ids.certificate_ids.iter().map(String::as_str).collect();
    let tx_id = test_tx_id(11);
    let mut approvals = w.approvals_with_credentials(Who::Certifier, &refs, &tx_id);
    let good = approvals[31].credential.clone();
    approvals[31].credential.as_mut().expect("a credential").proof_value =
        approvals[30].credential.as_ref().expect("a credential").proof_value.clone();
    let before = w.dump();
    let batch = ApproveBatchRequest { approvals };
    let result = w.submit_with_tx_id(Who::Certifier, &tx_id, "ApproveBatch", &batch);
    let err = w.assert_refused_unchanged(&before, "BAD_SIGNATURE", "a batch with one bad proof", result);
    assert!(err.to_string().contains("approvals[31]"), "{err}");
    // Mended, under the same transaction ID (nothing of the refused one was kept).
    let mut approvals = batch.approvals;
    approvals[31].credential = good;
    w.submit_with_tx_id(Who::Certifier, &tx_id, "ApproveBatch", &ApproveBatchRequest { approvals }).expect("batch");
    let cert = w.cert(refs[31]);
    assert!(cert.credential.is_some());
    w.assert_intact();
}

/// A transaction ID whose first range, for a batch of `count` approvals, meets one of
/// `positions` (searched from `from`): a racing approval that takes what another signed for.
fn racing_tx_id(positions: &[u32], count: u32, from: u64) -> String {
    let bits = status::range_sizes(count)[0];
    (from..)
        .map(test_tx_id)
        .find(|tx| {
            let start = status::range_candidate(tx, 0, bits, 0, 0);
            positions.iter().any(|p| (start..start + (1 << bits)).contains(p))
        })
        .expect("a colliding transaction ID")
}

/// Approves `ids` as a client does: a transaction ID, its positions, the credentials signed
/// for them, submitted under that ID; signed again under a new ID when refused with
/// `[status.position_taken]`. The number of tries.
fn approve_with_retry(w: &mut World, ids: &[String], mut next_tx: u64) -> usize {
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    for attempt in 1..=5 {
        let tx_id = test_tx_id(next_tx);
        next_tx += 1;
        let approvals = w.approvals_with_credentials(Who::Certifier, &refs, &tx_id);
        match w.submit_with_tx_id(Who::Certifier, &tx_id, "ApproveBatch", &ApproveBatchRequest { approvals }) {
            Ok(_) => return attempt,
            Err(e) if status::is_position_taken(&e.to_string()) => continue,
            Err(e) => panic!("approval refused: {e}"),
        }
    }
    panic!("no approval after 5 tries");
}

/// Two approvals computed against the same ledger state; the racer commits first and takes
/// a range the first one signed for. The first is refused cleanly (nothing written), then
/// succeeds on retry; every position is given once and every credential verifies.
/// The certifier's side of a race on either ledger.
trait Approving {
    /// Approvals of `ids` with credentials for transaction `tx_id`, positions as now.
    fn approvals(&self, ids: &[&str], tx_id: &str) -> Vec<ApproveRequest>;
    /// `ApproveBatch` of `approvals` under `tx_id`; the refusal as text.
    fn approve_under(&mut self, tx_id: &str, approvals: Vec<ApproveRequest>) -> Result<(), String>;
}

impl Approving for World {
    fn approvals(&self, ids: &[&str], tx_id: &str) -> Vec<ApproveRequest> {
        self.approvals_with_credentials(Who::Certifier, ids, tx_id)
    }
    fn approve_under(&mut self, tx_id: &str, approvals: Vec<ApproveRequest>) -> Result<(), String> {
        let batch = ApproveBatchRequest { approvals };
        self.submit_with_tx_id(Who::Certifier, tx_id, "ApproveBatch", &batch).map(drop).map_err(|e| e.to_string())
    }
}

impl Approving for DiskWorld {
    fn approvals(&self, ids: &[&str], tx_id: &str) -> Vec<ApproveRequest> {
        self.approvals_with_credentials(Who::Certifier, ids, tx_id)
    }
    fn approve_under(&mut self, tx_id: &str, approvals: Vec<ApproveRequest>) -> Result<(), String> {
        let batch = ApproveBatchRequest { approvals };
        self.submit_with_tx_id(Who::Certifier, tx_id, "ApproveBatch", &batch).map(drop).map_err(|e| e.to_string())
    }
}

/// The first approval of `ids` signed for transaction `test_tx_id(seed)`, and a racer's
/// approval of `racer_ids`, computed against the same state, whose range meets it,
/// committed first. Returns the first's transaction ID and approvals.
fn racer_commits_first<W: Approving>(
    w: &mut W,
    ids: &[String],
    racer_ids: &[String],
    seed: u64,
) -> Result<(String, Vec<ApproveRequest>), TestCaseError> {
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let tx_a = test_tx_id(seed);
    let approvals_a = w.approvals(&refs, &tx_a);
    let signed_for: Vec<u32> =
        approvals_a.iter().map(|a| a.credential.as_ref().expect("credential").status_index).collect();
    let tx_b = racing_tx_id(&signed_for, racer_ids.len() as u32, seed + 1_000_000);
    let racer_refs: Vec<&str> = racer_ids.iter().map(String::as_str).collect();
    let approvals_b = w.approvals(&racer_refs, &tx_b);
    w.approve_under(&tx_b, approvals_b).map_err(|e| TestCaseError::fail(format!("the racer: {e}")))?;
    Ok((tx_a, approvals_a))
}

fn race(first: usize, racer: usize, seed: u64) -> Result<(), TestCaseError> {
    let mut w = World::governed();
    let ids = apply_many(&mut w, "LOT-A", first);
    let racer_ids = apply_many(&mut w, "LOT-B", racer);
    let (tx_a, approvals_a) = racer_commits_first(&mut w, &ids, &racer_ids, seed)?;
    // The first is refused with the clean reason, and nothing of it is written.
    let before = (w.ledger.snapshot(), w.ledger.events().len());
    let err = w
        .submit_with_tx_id(Who::Certifier, &tx_a, "ApproveBatch", &ApproveBatchRequest { approvals: approvals_a })
        .expect_err("the range it signed for was taken");
    prop_assert_eq!(err.code(), "CONFLICT");
    prop_assert!(status::is_position_taken(&err.to_string()), "{}", err);
    prop_assert!((w.ledger.snapshot(), w.ledger.events().len()) == before, "nothing written");
    // Signed again under a new transaction ID, it goes through.
    let tries = approve_with_retry(&mut w, &ids, seed + 2_000_000);
    prop_assert!(tries <= 2, "{} tries", tries);
    let all: Vec<&String> = ids.iter().chain(&racer_ids).collect();
    let mut given = BTreeSet::new();
    for id in &all {
        let cert = w.cert(id);
        prop_assert_eq!(cert.status, CertificateStatus::Active);
        prop_assert!(
            given.insert(cert.status_index.expect("a position")),
            "position {:?} given twice",
            cert.status_index
        );
        credential::recorded(&cert, &trust_list(&w), &organizations(&w), None)
            .map_err(|e| TestCaseError::fail(format!("{id}: {e}")))?;
    }
    Ok(())
}

/// [`race`] on the RocksDB ledger: the first approval, refused because the racer took
/// its range, leaves every column family as it was, and signed again it goes through.
fn race_on_disk(first: usize, racer: usize, seed: u64) -> Result<(), TestCaseError> {
    let mut w = DiskWorld::governed();
    let apply = |w: &mut DiskWorld, lot: &str, n: usize| {
        let applications = (0..n).map(|i| sample_application(&format!("{lot}-{i}"))).collect();
        w.ok::<IdsResponse>(Who::Applicant, "ApplyBatch", &ApplyBatchRequest { applications }).certificate_ids
    };
    let ids = apply(&mut w, "LOT-DISK-A", first);
    let racer_ids = apply(&mut w, "LOT-DISK-B", racer);
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (tx_a, approvals_a) = racer_commits_first(&mut w, &ids, &racer_ids, seed)?;
    let before = w.dump();
    let batch = ApproveBatchRequest { approvals: approvals_a };
    let result = w.submit_with_tx_id(Who::Certifier, &tx_a, "ApproveBatch", &batch);
    let err = w.assert_refused_unchanged(&before, "CONFLICT", "an approval whose range was taken", result);
    prop_assert!(status::is_position_taken(&err.to_string()), "{}", err);
    // Signed again under new transaction IDs until one goes through.
    let mut done = false;
    for next in 0..5 {
        let tx_id = test_tx_id(seed + 2_000_000 + next);
        let approvals = w.approvals(&refs, &tx_id);
        match w.approve_under(&tx_id, approvals) {
            Ok(()) => {
                done = true;
                break;
            }
            Err(e) if status::is_position_taken(&e) => continue,
            Err(e) => return Err(TestCaseError::fail(format!("approval refused: {e}"))),
        }
    }
    prop_assert!(done, "no approval after 5 tries");
    let mut given = BTreeSet::new();
    for id in ids.iter().chain(&racer_ids) {
        let cert = w.cert(id);
        prop_assert_eq!(cert.status, CertificateStatus::Active);
        prop_assert!(cert.credential.is_some(), "{} has its credential", id);
        prop_assert!(
            given.insert(cert.status_index.expect("a position")),
            "position {:?} given twice",
            cert.status_index
        );
    }
    w.assert_intact();
    Ok(())
}

#[test]
fn racing_approvals_never_give_a_position_twice_on_the_rocksdb_ledger() {
    let config = Config { cases: 3, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    runner
        .run(&(1usize..=5, prop_oneof![Just(8usize), Just(16)], 0u64..1_000_000), |(first, racer, seed)| {
            race_on_disk(first, racer, seed * 4 + 20_000)
        })
        .expect("no position given twice");
}

#[test]
fn a_racing_approval_is_refused_cleanly_and_succeeds_on_retry() {
    race(3, 16, 100).expect("the race");
}

#[test]
fn racing_approvals_never_give_a_position_twice() {
    let config = Config { cases: 6, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    runner
        .run(&(1usize..=5, prop_oneof![Just(8usize), Just(16), Just(32)], 0u64..1_000_000), |(first, racer, seed)| {
            race(first, racer, seed * 4 + 10_000)
        })
        .expect("no position given twice");
}

#[test]
fn status_positions_is_for_certifiers_and_names_the_transactions_positions() {
    let w = World::governed();
    let req = StatusPositionsRequest { tx_id: test_tx_id(3), count: 4 };
    for who in [Who::Applicant, Who::Auditor, Who::Unknown] {
        let err = w.evaluate::<_, StatusPositionsResponse>(who, "StatusPositions", &req).expect_err("not a certifier");
        assert_eq!(err.reason(), Some(Reason::RoleCertifier.as_str()), "{who:?}: {err}");
    }
    let positions = w.status_positions(Who::Certifier, &test_tx_id(3), 4);
    let start = status::range_candidate(&test_tx_id(3), 0, 2, 0, 0);
    assert_eq!(positions, (start..start + 4).collect::<Vec<_>>(), "the transaction's own candidate");
    for (tx_id, count, field) in [("ABC", 1, "tx_id"), (&*"A".repeat(64), 1, "tx_id"), (&*test_tx_id(3), 0, "count")] {
        let req = StatusPositionsRequest { tx_id: tx_id.into(), count };
        let err = w.evaluate::<_, StatusPositionsResponse>(Who::Certifier, "StatusPositions", &req).expect_err(field);
        assert_eq!(err.code(), "VALIDATION");
        assert!(err.to_string().contains(field), "{err}");
    }
    let req = StatusPositionsRequest { tx_id: test_tx_id(3), count: 1001 };
    w.evaluate::<_, StatusPositionsResponse>(Who::Certifier, "StatusPositions", &req).expect_err("too many");
    // It is a query: nothing is reserved.
    let height = w.ledger.height();
    assert_eq!(w.status_positions(Who::Certifier, &test_tx_id(3), 4), positions);
    assert_eq!(w.ledger.height(), height);
}

//! Client references (idempotent applications): a repeat under the same reference is
//! answered with the recorded certificate and writes nothing (no certificate, no event),
//! a different application under a used reference is a CONFLICT that changes nothing,
//! references are per manufacturer organisation, and the reference record is protected
//! for the manufacturer. On the in-memory ledger and on RocksDB.

use nanotrace_ledger::column_families::CF_STATE;
use nanotrace_model::*;
use nanotrace_shim::{create_composite_key, EndorsementPolicy, Stub, StubError};
use nanotrace_testkit::*;

fn with_ref(batch: &str, reference: &str) -> Application {
    let mut app = sample_application(batch);
    app.client_ref = Some(reference.to_owned());
    app
}

fn ref_key(msp: &str, reference: &str) -> String {
    create_composite_key("clientref", &[msp, reference]).expect("key")
}

fn mine(w: &World, who: Who) -> Vec<String> {
    let page: CertificatePage = w
        .evaluate(who, "ListByApplicant", &ListByApplicantRequest { page_size: 1000, ..Default::default() })
        .expect("ListByApplicant");
    page.certificates.into_iter().map(|c| c.id).collect()
}

#[test]
fn a_repeat_answers_the_recorded_certificate_and_writes_nothing() {
    let mut w = World::governed();
    let first: IdsResponse = w.ok(Who::Applicant, "Apply", &with_ref("LOT-1", "po-17:1"));
    assert_eq!(first.repeated, Vec::<String>::new());
    let id = first.certificate_ids[0].clone();
    assert_eq!(w.cert(&id).application.client_ref.as_deref(), Some("po-17:1"));
    let (state, events) = (w.ledger.snapshot(), w.ledger.events().len());
    let record: ClientReference =
        serde_json::from_slice(&state[&ref_key(MANUFACTURER_MSP, "po-17:1")]).expect("reference record");
    assert_eq!((record.certificate_id.as_str(), record.manufacturer_msp.as_str()), (id.as_str(), MANUFACTURER_MSP));
    assert_eq!(record.application_sha256, application_digest(&with_ref("LOT-1", "po-17:1")));

    // The same application again, alone and later, even after the certificate was issued.
    w.now += 3600;
    let again: IdsResponse = w.ok(Who::Applicant, "Apply", &with_ref("LOT-1", "po-17:1"));
    assert_eq!((again.certificate_ids, again.repeated), (vec![id.clone()], vec![id.clone()]));
    assert_eq!(w.ledger.snapshot(), state, "a repeat wrote state");
    assert_eq!(w.ledger.events().len(), events, "a repeat emitted an event");
    let approval = w.approval(Who::Certifier, &id);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
    let again: IdsResponse = w.ok(Who::Applicant, "Apply", &with_ref("LOT-1", "po-17:1"));
    assert_eq!(again.repeated, vec![id.clone()]);
    assert_eq!(w.cert(&id).status, CertificateStatus::Active, "the repeat left the issued certificate alone");
    assert_eq!(mine(&w, Who::Applicant), vec![id]);
}

#[test]
fn another_application_under_a_used_reference_is_a_conflict() {
    let mut w = World::governed();
    let first: IdsResponse = w.ok(Who::Applicant, "Apply", &with_ref("LOT-1", "ref-a"));
    let id = &first.certificate_ids[0];
    let (state, events, height) = (w.ledger.snapshot(), w.ledger.events().len(), w.ledger.height());
    let err = w.expect_refused("CONFLICT", Who::Applicant, "Apply", &with_ref("LOT-2", "ref-a"));
    let text = err.to_string();
    assert!(text.starts_with("CONFLICT: client_ref \"ref-a\" of ManufacturerMSP was used for certificate "), "{text}");
    assert!(text.contains(id.as_str()) && text.contains("a new application needs a new reference"), "{text}");
    // In a batch the item is named, and the good items of the batch are not recorded either.
    let batch = ApplyBatchRequest { applications: vec![with_ref("LOT-3", "ref-b"), with_ref("LOT-2", "ref-a")] };
    let err = w.expect_refused("CONFLICT", Who::Applicant, "ApplyBatch", &batch);
    assert!(err.to_string().starts_with("CONFLICT: applications[1]: client_ref \"ref-a\""), "{err}");
    assert_eq!((w.ledger.snapshot(), w.ledger.events().len(), w.ledger.height()), (state, events, height));
    // Without a reference, the same content is simply a new application.
    let plain: IdsResponse = w.ok(Who::Applicant, "Apply", &sample_application("LOT-2"));
    assert_ne!(&plain.certificate_ids[0], id);
}

#[test]
fn a_batch_mixes_new_repeated_and_unreferenced_items() {
    let mut w = World::governed();
    let earlier: IdsResponse = w.ok(Who::Applicant, "Apply", &with_ref("LOT-B", "b"));
    let b = earlier.certificate_ids[0].clone();
    let events = w.ledger.events().len();
    let batch = ApplyBatchRequest {
        applications: vec![with_ref("LOT-A", "a"), with_ref("LOT-B", "b"), sample_application("LOT-C")],
    };
    let out: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &batch);
    assert_eq!(out.certificate_ids.len(), 3);
    assert_eq!(out.certificate_ids[1], b);
    assert_eq!(out.repeated, vec![b.clone()]);
    let (a, c) = (out.certificate_ids[0].clone(), out.certificate_ids[2].clone());
    assert!(a != b && c != b && a != c);
    // One event, naming only the certificates this transaction created.
    assert_eq!(w.ledger.events().len(), events + 1);
    let event: Event = serde_json::from_slice(&w.ledger.events()[events].payload).expect("event");
    assert_eq!(event.certificate_ids, vec![a.clone(), c.clone()]);
    // The whole batch again: the referenced items are repeats, the unreferenced one is new.
    let out2: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &batch);
    assert_eq!(out2.repeated, vec![a.clone(), b.clone()]);
    assert_eq!(&out2.certificate_ids[..2], &[a, b]);
    assert_ne!(out2.certificate_ids[2], c);
    assert_eq!(mine(&w, Who::Applicant).len(), 4);
    // The same reference twice in one request is refused.
    let twice = ApplyBatchRequest { applications: vec![with_ref("LOT-D", "d"), with_ref("LOT-D", "d")] };
    let err = w.expect_refused("VALIDATION", Who::Applicant, "ApplyBatch", &twice);
    assert!(err.to_string().contains("applications[1]") && err.to_string().contains("applications[0]"), "{err}");
}

#[test]
fn references_are_per_manufacturer_and_protected_for_it() {
    let mut w = World::governed();
    let ours: IdsResponse = w.ok(Who::Applicant, "Apply", &with_ref("LOT-1", "shared"));
    let mut their_app = with_ref("LOT-1", "shared");
    their_app.gtin = Some(OTHER_GTIN.into());
    let theirs: IdsResponse = w.ok(Who::OtherApplicant, "Apply", &their_app);
    assert_eq!(theirs.repeated, Vec::<String>::new(), "another organisation's reference is not ours");
    assert_ne!(ours.certificate_ids, theirs.certificate_ids);
    let key = ref_key(MANUFACTURER_MSP, "shared");
    let policy = w
        .ledger
        .evaluate(&creator(Who::Auditor), w.ts(), |s| s.get_state_validation_parameter(&key))
        .expect("validation parameter");
    assert_eq!(policy, Some(EndorsementPolicy::peer_of(MANUFACTURER_MSP)));
    // No other organisation can repoint or delete the manufacturer's reference.
    for who in [Who::OtherApplicant, Who::Certifier, Who::Admin] {
        let before = w.ledger.snapshot();
        let k = key.clone();
        let result = w.ledger.execute(&creator(who), w.ts(), move |s| s.del_state(&k));
        assert!(matches!(result, Err(StubError::EndorsementPolicyFailure(_))), "{who:?}: {result:?}");
        assert_eq!(w.ledger.snapshot(), before);
    }
}

#[test]
fn a_bad_reference_is_refused_before_anything_is_read() {
    let mut w = World::governed();
    for bad in ["", "has space", "tilde~sep", &"x".repeat(129)] {
        let err = w.expect_refused("VALIDATION", Who::Applicant, "Apply", &with_ref("LOT-1", bad));
        assert!(err.to_string().contains("client_ref"), "{bad:?}: {err}");
    }
    // An unknown field next to it is still refused (the field is optional, not open).
    let mut json = serde_json::to_value(with_ref("LOT-1", "ok")).expect("json");
    json["client_reference"] = "x".into();
    let err = w.submit(Who::Applicant, "Apply", &json).expect_err("an unknown field");
    assert_eq!(err.code(), "BAD_REQUEST", "{err}");
}

#[test]
fn repeats_and_conflicts_on_the_rocksdb_ledger() {
    let mut w = DiskWorld::governed();
    let first: IdsResponse = w.ok(Who::Applicant, "Apply", &with_ref("LOT-1", "r1"));
    let state = |w: &DiskWorld| w.dump().into_iter().filter(|((cf, _), _)| *cf == CF_STATE).collect::<Vec<_>>();
    let before = state(&w);
    let again: IdsResponse = w.ok(Who::Applicant, "Apply", &with_ref("LOT-1", "r1"));
    assert_eq!(again.repeated, first.certificate_ids);
    assert_eq!(state(&w), before, "a repeat wrote state");
    w.expect_refused("CONFLICT", Who::Applicant, "Apply", &with_ref("LOT-9", "r1"));
    let batch = ApplyBatchRequest { applications: vec![with_ref("LOT-2", "r2"), with_ref("LOT-1", "r1")] };
    let out: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &batch);
    assert_eq!(out.repeated, first.certificate_ids);
    w.reopen();
    let out2: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &batch);
    assert_eq!((out2.certificate_ids, out2.repeated.len()), (out.certificate_ids, 2));
    w.assert_intact();
}

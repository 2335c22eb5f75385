//! The typed API's idempotent applications on the embedded ledger
//! (`NanoTrace::apply_outcome` / `apply_batch_outcome`): the contract's `repeated` reaches
//! the caller, a repeat records nothing, a different application under a used reference
//! is a `CONFLICT` that records nothing.

use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{self, sample_application, DataDir, APPLICANT};
use nanotrace_model::{Application, CertificateStatus};

fn app(lot: &str, reference: Option<&str>) -> Application {
    let mut app = sample_application().expect("sample application");
    app.batch = lot.to_owned();
    app.client_ref = reference.map(str::to_owned);
    app
}

#[test]
fn apply_outcome_reports_repeats_and_conflicts_write_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = DataDir::open(&tmp.path().join("data")).expect("data dir");
    dir.init_sample_network(datadir::now()).expect("sample network");
    let dave = dir.client(APPLICANT).expect("applicant");
    let mine = || dave.mine(None, 1000, "").wait().expect("ListByApplicant").certificates.len();

    let first = dave.apply_outcome(&app("LOT-TYPED-1", Some("po-9:1"))).wait().expect("Apply");
    let [id] = first.value.certificate_ids.as_slice() else { panic!("one ID: {:?}", first.value) };
    let id = id.clone();
    assert!(first.value.repeated.is_empty(), "a new reference is no repeat: {:?}", first.value);
    let count = mine();

    let again = dave.apply_outcome(&app("LOT-TYPED-1", Some("po-9:1"))).wait().expect("the same Apply again");
    assert_eq!(again.value.certificate_ids, vec![id.clone()]);
    assert_eq!(again.value.repeated, vec![id.clone()], "the repeat is reported");
    assert_ne!(again.tx_id, first.tx_id);
    // The plain API answers the recorded ID too.
    assert_eq!(dave.apply(&app("LOT-TYPED-1", Some("po-9:1"))).wait().expect("Apply a third time").value, id);
    assert_eq!(mine(), count, "no certificate added by the repeats");
    assert_eq!(dave.history(&id).wait().expect("History").len(), 1, "the certificate was not written again");
    assert_eq!(dave.get_certificate(&id).wait().expect("GetCertificate").last_change.tx_id, first.tx_id);

    let e =
        dave.apply_outcome(&app("LOT-TYPED-OTHER", Some("po-9:1"))).wait().expect_err("another application, same ref");
    assert_eq!(e.code(), Some("CONFLICT"), "{e}");
    assert!(e.to_string().contains("po-9:1"), "the message names the reference: {e}");
    assert_eq!(mine(), count, "the conflict recorded nothing");

    // A batch: one repeat, one new application, one without a reference.
    let batch = dave
        .apply_batch_outcome(vec![
            app("LOT-TYPED-1", Some("po-9:1")),
            app("LOT-TYPED-2", Some("po-9:2")),
            app("LOT-TYPED-3", None),
        ])
        .wait()
        .expect("ApplyBatch");
    let ids = &batch.value.certificate_ids;
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], id);
    assert_eq!(batch.value.repeated, vec![id.clone()], "only the first was recorded before");
    assert_eq!(mine(), count + 2, "the two new applications were recorded");
    for new in &ids[1..] {
        assert_eq!(dave.get_certificate(new).wait().expect("GetCertificate").status, CertificateStatus::Pending);
    }
    let plain = dave
        .apply_batch(vec![app("LOT-TYPED-2", Some("po-9:2")), app("LOT-TYPED-1", Some("po-9:1"))])
        .wait()
        .expect("ApplyBatch of repeats");
    assert_eq!(plain.value, vec![ids[1].clone(), id], "the recorded IDs, in request order");
    assert_eq!(mine(), count + 2, "a batch of repeats records nothing");
}

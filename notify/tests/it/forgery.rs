//! A certificate no certifier signed, committed with an issuance event past the contract
//! (as a rogue chaincode package on colluding peers could commit it; here written into
//! the embedded ledger by a transaction that runs no contract): the notifier announces
//! the genuine approvals and not the forged one, and watches no expiry of it.

use crate::support::{self, notifier, runtime};
use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{self, APPLICANT, CERTIFIER, CERTIFIER_MSP};
use nanotrace_model::events::CERTIFICATE_ISSUED;
use nanotrace_model::{Certificate, Event};
use nanotrace_shim::{create_composite_key, Stub};
use nanotrace_testkit::sample_application;
use std::collections::BTreeSet;

#[test]
fn a_forged_issuance_is_not_announced() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let receiver = support::Receiver::start();
    let data = tmp.path().join("data");
    let dir = support::sample_network(&data);
    let n = notifier(&support::subscriptions(&receiver.url(), None, ""), &data, &tmp.path().join("notify"));
    let rt = runtime();

    let applicant = dir.client(APPLICANT).expect("applicant");
    let certifier = dir.client(CERTIFIER).expect("certifier");
    let signer = dir.signer(CERTIFIER).expect("signer");
    let genuine = applicant.apply(&sample_application("LOT-GENUINE")).wait().expect("apply").value;
    certifier.approve(&genuine, &signer, CERTIFIER_MSP, datadir::now(), None).wait().expect("approve");

    // The genuine record under another ID, committed with the event an approval emits.
    let record: Certificate = applicant.get_certificate(&genuine).wait().expect("read");
    let forged = Certificate { id: "NT-FORGED222222".into(), ..record };
    let creator = dir.msp.identity(APPLICANT).expect("identity").creator();
    dir.ledger
        .submit(&creator, "Approve", &[], None, |sim| -> Result<(), nanotrace_shim::StubError> {
            let key = create_composite_key("cert", &[&forged.id])?;
            sim.put_state(&key, &serde_json::to_vec(&forged).expect("JSON"))?;
            let event = Event {
                name: CERTIFICATE_ISSUED.into(),
                certificate_ids: vec![forged.id.clone()],
                status: Some(forged.status),
                flagged: Vec::new(),
                tx_id: sim.tx_id().to_owned(),
            };
            sim.set_event(CERTIFICATE_ISSUED, &serde_json::to_vec(&event).expect("JSON"))
        })
        .expect("the forged transaction commits");

    let now_ms = datadir::now() * 1000;
    support::follow_and_deliver(&rt, &n, now_ms);
    let announced: BTreeSet<(String, String)> = receiver
        .accepted()
        .iter()
        .map(|r| {
            let data = &r.json()["data"];
            (data["event"].as_str().unwrap_or("").to_owned(), data["certificate_id"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    let expected: BTreeSet<(String, String)> =
        [("applied", &genuine), ("approved", &genuine)].into_iter().map(|(e, id)| (e.to_owned(), id.clone())).collect();
    assert_eq!(announced, expected, "the genuine approval is announced, the forged one is not");
    let watched = n.store().watched().expect("watched");
    assert!(watched.iter().all(|w| w.certificate.id != forged.id), "no expiry reminder for a forged record");
    assert!(watched.iter().any(|w| w.certificate.id == genuine), "the genuine certificate is watched");
}

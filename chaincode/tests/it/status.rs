//! Status-list positions: given once, at first issuance, scattered by the issuing
//! transaction, never shared — within a batch (whose own writes the contract cannot
//! read back) as across transactions — and reserved under their own key.

use nanotrace_model::status::{candidate, LIST_SIZE};
use nanotrace_model::*;
use nanotrace_testkit::*;
use std::collections::BTreeMap;

/// Issues `count` applications in batches of up to 1,000; their IDs.
fn issue_batches(w: &mut World, count: usize, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in (0..count).collect::<Vec<_>>().chunks(1000) {
        let apps: Vec<Application> = chunk.iter().map(|i| sample_application(&format!("{prefix}-{i}"))).collect();
        let ids: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &ApplyBatchRequest { applications: apps });
        assert!(ids.certificate_ids.iter().all(|id| w.cert(id).status_index.is_none()), "no position before issuance");
        let approvals = ids.certificate_ids.iter().map(|id| w.approval(Who::Certifier, id)).collect();
        let (_, tx_id) = w
            .submit_tx(
                Who::Certifier,
                "ApproveBatch",
                &[serde_json::to_vec(&ApproveBatchRequest { approvals }).expect("json")],
            )
            .expect("approve");
        for id in &ids.certificate_ids {
            let position = w.cert(id).status_index.expect("a position once issued");
            assert!(position < LIST_SIZE);
            // The first free candidate of its issuing transaction.
            let first_free = (0..64).map(|n| candidate(&tx_id, id, n)).position(|c| c == position);
            assert!(first_free.is_some(), "{id}: {position} is none of its candidates");
        }
        out.extend(ids.certificate_ids);
    }
    out
}

#[test]
fn every_issued_certificate_has_its_own_position_even_when_candidates_collide() {
    let mut w = World::governed();
    let mut owners: BTreeMap<u32, String> = BTreeMap::new();
    let mut probed = 0;
    // Batches of 1,000 until some first candidates have collided (within a batch or with
    // an earlier one): transaction IDs are random, so with 3,000 positions drawn from 2^20
    // a run sees about 4 collisions, but none about once in 70 runs. The test only means
    // something once the probing was exercised; 20 batches without one would take odds
    // of e^-190.
    for round in 0..20 {
        for id in issue_batches(&mut w, 1000, &format!("LOT-S{round}")) {
            let position = w.cert(&id).status_index.expect("position");
            if let Some(other) = owners.insert(position, id.clone()) {
                panic!("{id} and {other} share position {position}");
            }
            let tx_id = w.cert(&id).last_change.tx_id;
            if candidate(&tx_id, &id, 0) != position {
                probed += 1;
            }
        }
        if round >= 2 && probed > 0 {
            break;
        }
    }
    assert!(probed > 0, "no candidate collided: the probing was not exercised");
}

#[test]
fn a_renewal_gets_a_new_position_and_the_old_one_stays_taken() {
    let mut w = World::governed();
    let id = w.issue("LOT-R");
    let old = w.cert(&id).status_index.expect("position");
    let req = w.renewal(Who::Certifier, &id);
    let ids: IdsResponse = w.ok(Who::Certifier, "Renew", &req);
    let new = w.cert(&ids.certificate_ids[1]).status_index.expect("the new version's position");
    assert_ne!(old, new);
    assert_eq!(w.cert(&id).status_index, Some(old), "the replaced version keeps its position");
    // A suspension and reinstatement do not move it.
    let renewed = ids.certificate_ids[1].clone();
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&renewed, "audit"));
    w.ok::<Certificate>(Who::Certifier, "Reinstate", &World::reason(&renewed, "passed"));
    assert_eq!(w.cert(&renewed).status_index, Some(new));
    // Reserved under its own key, naming the certificate.
    let key = nanotrace_shim::create_composite_key("status", &[&new.to_string()]).expect("key");
    assert_eq!(w.ledger.snapshot().get(&key).map(Vec::as_slice), Some(renewed.as_bytes()));
}

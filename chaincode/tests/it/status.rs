//! Status-list positions: given once, at first issuance, never shared — within a batch as
//! across transactions — and reserved in ranges, one key per range: a batch of approvals
//! takes its positions together, where no earlier reservation lies (a range around it, a
//! range inside it, or a position taken one by one by an earlier contract version).

use nanotrace_model::status::{index_in_list, list_of, range_candidate, range_path, LIST_BITS, LIST_SIZE};
use nanotrace_model::*;
use nanotrace_shim::{create_composite_key, Stub};
use nanotrace_testkit::*;
use std::collections::BTreeMap;

/// A slot of 1,024 positions (the range a batch of 1,000 takes).
const SLOT: u32 = 1024;

/// The lists reserved three slots in four by earlier transactions: a batch goes past them
/// only after 64 candidates all taken, odds of (3/4)^64 (about 10^-8).
const LISTS: u32 = 4;

/// Issues `count` applications in batches of up to 1,000; their IDs with the issuing
/// transaction of each batch.
fn issue_batches(w: &mut World, count: usize, prefix: &str) -> Vec<(String, String)> {
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
        out.extend(ids.certificate_ids.into_iter().map(|id| (id, tx_id.clone())));
    }
    out
}

/// The key of the range of `2^bits` positions at `start`.
fn range_key(start: u32, bits: u32) -> String {
    let path = range_path(start, bits);
    create_composite_key("status~range", &path.iter().map(String::as_str).collect::<Vec<_>>()).expect("key")
}

/// The key of list `list`'s full mark.
fn full_mark_key(list: u32) -> String {
    create_composite_key("status~full", &[&list.to_string()]).expect("key")
}

/// The lists marked full on the ledger, with the transaction that marked each.
fn full_marks(w: &World) -> Vec<(u32, String)> {
    w.ledger
        .snapshot()
        .into_iter()
        .filter(|(k, _)| k.starts_with("\u{0}status~full\u{0}"))
        .map(|(_, v)| {
            let r: serde_json::Value = serde_json::from_slice(&v).expect("a full mark");
            (r["list"].as_u64().expect("list") as u32, r["tx_id"].as_str().expect("tx_id").to_owned())
        })
        .collect()
}

/// Reserves every slot of 1,024 of list `list` with a range of an earlier transaction
/// (`put`), or frees them again.
fn fill_list(w: &mut World, list: u32, put: bool) {
    w.ledger
        .execute(&creator(Who::Certifier), w.ts(), |s| {
            for slot in 0..LIST_SIZE / SLOT {
                let key = range_key((list << LIST_BITS) + slot * SLOT, 10);
                if put {
                    s.put_state(&key, br#"{"start":0,"size":1024,"tx_id":"x"}"#)?;
                } else {
                    s.del_state(&key)?;
                }
            }
            Ok::<_, nanotrace_shim::StubError>(())
        })
        .expect("reservations of earlier transactions");
}

/// Every range key on the ledger, decoded: (start, size, transaction).
fn ranges(w: &World) -> Vec<(u32, u32, String)> {
    w.ledger
        .snapshot()
        .into_iter()
        .filter(|(k, _)| k.starts_with("\u{0}status~range\u{0}"))
        .map(|(_, v)| {
            let r: serde_json::Value = serde_json::from_slice(&v).expect("a range record");
            let n = |f: &str| r[f].as_u64().expect("a number") as u32;
            (n("start"), n("size"), r["tx_id"].as_str().expect("tx_id").to_owned())
        })
        .collect()
}

#[test]
fn a_batch_takes_one_range_where_no_earlier_reservation_lies() {
    let mut w = World::governed();
    // Three of every four slots of 1,024 are taken, each another way: slot ≡ 0 (mod 4) by a
    // range of its own size, ≡ 1 by a range of 16 inside it, ≡ 2 by one position taken one
    // by one (in list 0 as earlier contract versions did; in the lists after it, where
    // those never were, by a range of one). Only slots ≡ 3 are free for a batch of 1,000.
    // So in lists 0 to 3: a transaction whose 16 candidates in a list are all taken (odds
    // (3/4)^16, about 1 %) counts it full and draws in the next, with the same odds.
    let slots = LIST_SIZE / SLOT;
    w.ledger
        .execute(&creator(Who::Certifier), w.ts(), |s| {
            for list in 0..LISTS {
                for slot in 0..slots {
                    let start = (list << LIST_BITS) + slot * SLOT;
                    match slot % 4 {
                        0 => s.put_state(&range_key(start, 10), br#"{"start":0,"size":1024,"tx_id":"x"}"#)?,
                        1 => s.put_state(&range_key(start + 512, 4), br#"{"start":0,"size":16,"tx_id":"x"}"#)?,
                        2 if list == 0 => s.put_state(
                            &create_composite_key("status", &[&(start + 100).to_string()]).expect("key"),
                            b"NT-OLD",
                        )?,
                        2 => s.put_state(&range_key(start + 100, 0), br#"{"start":0,"size":1,"tx_id":"x"}"#)?,
                        _ => {}
                    }
                }
            }
            Ok::<_, nanotrace_shim::StubError>(())
        })
        .expect("reservations of earlier transactions");
    let mut owners: BTreeMap<u32, String> = BTreeMap::new();
    let issued = issue_batches(&mut w, 8000, "LOT-RANGE");
    for (id, _) in &issued {
        let position = w.cert(id).status_index.expect("a position once issued");
        assert!(list_of(position) < LISTS, "{id} at {position}: past the lists reserved");
        assert_eq!(index_in_list(position) / SLOT % 4, 3, "{id} at {position}: a slot already reserved");
        if let Some(other) = owners.insert(position, id.clone()) {
            panic!("{id} and {other} share position {position}");
        }
    }
    // One range of 1,024 per batch (1,000 approvals waste 24 of it), naming the approving
    // transaction, holding exactly its certificates' positions, in order.
    let mine: Vec<(u32, u32, String)> = ranges(&w).into_iter().filter(|(_, _, tx)| tx != "x").collect();
    assert_eq!(mine.len(), 8, "{mine:?}");
    let mut first_free_skipped = 0;
    for (start, size, tx) in &mine {
        assert_eq!(*size, 1024);
        let positions: Vec<u32> =
            issued.iter().filter(|(_, t)| t == tx).map(|(id, _)| w.cert(id).status_index.expect("position")).collect();
        assert_eq!(positions, (*start..start + 1000).collect::<Vec<_>>(), "the batch of {tx}");
        if *start != range_candidate(tx, 0, 10, 0, 0) {
            first_free_skipped += 1;
        }
    }
    // With three slots in four taken, eight first candidates all free has odds of 4^-8.
    assert!(first_free_skipped > 0, "no candidate was taken: the checks were not exercised");

    // Single approvals avoid every reservation as well: a slot's range, the range of 16
    // inside another, and the position taken one by one.
    for i in 0..40 {
        let id = w.issue(&format!("LOT-SINGLE-{i}"));
        let position = w.cert(&id).status_index.expect("position");
        let slot = index_in_list(position) / SLOT;
        let offset = index_in_list(position) % SLOT;
        assert_ne!(slot % 4, 0, "{position}: inside a reserved range");
        assert!(slot % 4 != 1 || !(512..528).contains(&offset), "{position}: inside the range of 16");
        assert!(slot % 4 != 2 || offset != 100, "{position}: the position taken one by one");
        assert!(owners.insert(position, id.clone()).is_none(), "{id} shares {position}");
    }
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
    let renewed = ids.certificate_ids[1].clone();
    let renew_tx = w.cert(&renewed).last_change.tx_id;
    // A suspension and reinstatement do not move it.
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&renewed, "audit"));
    w.ok::<Certificate>(Who::Certifier, "Reinstate", &World::reason(&renewed, "passed"));
    assert_eq!(w.cert(&renewed).status_index, Some(new));
    // Both reserved as ranges of one, naming the transaction that issued each.
    let reserved = ranges(&w);
    assert!(reserved.iter().any(|(start, size, _)| (*start, *size) == (old, 1)), "{reserved:?}");
    assert!(reserved.contains(&(new, 1, renew_tx)), "{reserved:?}");
    assert!(w.ledger.snapshot().contains_key(&range_key(new, 0)));
}

#[test]
fn a_full_list_is_marked_once_and_the_next_list_takes_the_ranges() {
    let mut w = World::governed();
    fill_list(&mut w, 0, true);
    // The first batch finds no free range in list 0, marks it full, and takes its range in
    // list 1: its first candidate there, the list being empty.
    let first = issue_batches(&mut w, 1000, "LOT-FULL-A");
    let tx_a = first[0].1.clone();
    assert_eq!(full_marks(&w), vec![(0, tx_a.clone())]);
    let positions: Vec<u32> = first.iter().map(|(id, _)| w.cert(id).status_index.expect("position")).collect();
    let start = range_candidate(&tx_a, 0, 10, 1, 0);
    assert_eq!(list_of(start), 1);
    assert_eq!(positions, (start..start + 1000).collect::<Vec<_>>());
    assert!(w.ledger.snapshot().contains_key(&range_key(start, 10)), "the range is keyed in list 1");
    // Its credentials name list 1 and the index there.
    let vc = nanotrace_model::status::entries("https://v.example", positions[0]);
    assert_eq!(vc[0]["statusListCredential"], "https://v.example/api/v1/status/revocation/1");
    assert_eq!(vc[0]["statusListIndex"], (start - LIST_SIZE).to_string());

    // Later transactions read the mark and draw in list 1 at once, even with list 0 free
    // again: the mark, not another 16 tries, is what sends them there.
    fill_list(&mut w, 0, false);
    let second = issue_batches(&mut w, 1000, "LOT-FULL-B");
    let single = w.issue("LOT-FULL-SINGLE");
    for (id, _) in second.iter().map(|(id, tx)| (id.clone(), tx)).chain([(single.clone(), &String::new())]) {
        assert_eq!(list_of(w.cert(&id).status_index.expect("position")), 1, "{id}");
    }
    assert_eq!(full_marks(&w).len(), 1, "a list is marked once");

    // A list marked full is skipped, however many: with lists 1 to 20 marked, the next
    // issue is in list 21.
    w.ledger
        .execute(&creator(Who::Certifier), w.ts(), |s| {
            for list in 1..=20u32 {
                s.put_state(&full_mark_key(list), format!(r#"{{"list":{list},"tx_id":"x"}}"#).as_bytes())?;
            }
            Ok::<_, nanotrace_shim::StubError>(())
        })
        .expect("marks");
    let later = w.issue("LOT-FULL-LATER");
    assert_eq!(list_of(w.cert(&later).status_index.expect("position")), 21);
}

#[test]
fn a_revision_signed_anew_retires_its_credentials_position_and_takes_a_new_one() {
    let mut w = World::governed();
    let id = w.issue("LOT-REV");
    let first = w.cert(&id).status_index.expect("position");
    // Without a credential recorded, a new signature keeps the position: nothing names it.
    w.sign_new_sds_revision(&id, 4);
    assert_eq!((w.cert(&id).status_index, w.cert(&id).retired_status_indexes.len()), (Some(first), 0));

    // With one recorded, the new signature retires the position the credential names.
    let req = w.credential_attachment(Who::Certifier, &id);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &req);
    w.sign_new_sds_revision(&id, 5);
    let cert = w.cert(&id);
    let second = cert.status_index.expect("a new position");
    assert_ne!(second, first);
    assert_eq!(cert.retired_status_indexes, [first]);
    assert!(cert.credential.is_none(), "the earlier revision's credential is not this one's");
    // The credential of this revision names the new position, and is recorded.
    let req = w.credential_attachment(Who::Certifier, &id);
    let recorded = w.ok::<Certificate>(Who::Certifier, "AttachCredential", &req);
    assert_eq!(recorded.status_index, Some(second));
    assert!(recorded.credential.is_some());
    // Suspending and reinstating without a new signature moves nothing.
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&id, "audit"));
    w.ok::<Certificate>(Who::Certifier, "Reinstate", &World::reason(&id, "passed"));
    assert_eq!((w.cert(&id).status_index, w.cert(&id).retired_status_indexes.clone()), (Some(second), vec![first]));
    // Every position given is reserved, and no other certificate gets a retired one.
    let reserved = ranges(&w);
    for position in [first, second] {
        assert!(reserved.iter().any(|(start, size, _)| (*start..*start + *size).contains(&position)), "{position}");
    }
    let mut others = Vec::new();
    for i in 0..20 {
        let other = w.issue(&format!("LOT-OTHER-{i}"));
        others.push(w.cert(&other).status_index.expect("position"));
    }
    assert!(!others.contains(&first) && !others.contains(&second), "{others:?}");
}

#[test]
fn a_certificate_signed_anew_before_this_contract_moves_to_a_new_position_on_request() {
    let mut w = World::governed();
    let id = w.issue("LOT-MIGRATE");
    let req = w.credential_attachment(Who::Certifier, &id);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &req);
    w.sign_new_sds_revision(&id, 4);
    // As an earlier contract left it: the revision's credential recorded at the position
    // the earlier revision's credential names, nothing retired.
    let moved = w.cert(&id).status_index.expect("position");
    let shared = w.cert(&id).retired_status_indexes[0];
    w.rewrite_state(&id, |state| {
        state.insert("status_index".into(), shared.into());
        state.remove("retired_status_indexes");
    });
    let req = w.credential_attachment(Who::Certifier, &id);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &req);
    assert_eq!((w.cert(&id).status_index, w.cert(&id).retired_status_indexes.len()), (Some(shared), 0));

    // A proof cannot come with the move, nor can another certification body move it.
    let organizations: Vec<Organization> = w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("orgs");
    let mut ask = credential::new_position_request(&w.cert(&id), STATUS_BASE, w.now).expect("a request");
    ask.proof_value = req.proof_value.clone();
    let e = w.expect_refused("CONFLICT", Who::Certifier, "AttachCredential", &ask);
    assert!(e.to_string().contains("new_position"), "{e}");
    w.add_second_certification_body();
    let ask = credential::new_position_request(&w.cert(&id), STATUS_BASE, w.now).expect("a request");
    w.expect_refused("UNAUTHORIZED", Who::OtherCertifier, "AttachCredential", &ask);
    assert_eq!(w.cert(&id).status_index, Some(shared), "refusals move nothing");

    // The move: the shared position retired, a new one, the credential dropped until signed.
    let after = w.ok::<Certificate>(Who::Certifier, "AttachCredential", &ask);
    let new = after.status_index.expect("a new position");
    assert!(new != shared && new != moved);
    assert_eq!(after.retired_status_indexes, [shared]);
    assert!(after.credential.is_none());
    let name = credential::issuer_name(&organizations, CERTIFIER_MSP).to_owned();
    let signed =
        credential::attachment(&after, &issuer_signing_key(Who::Certifier), &name, STATUS_BASE, w.now).expect("signed");
    assert_eq!(w.ok::<Certificate>(Who::Certifier, "AttachCredential", &signed).status_index, Some(new));
}

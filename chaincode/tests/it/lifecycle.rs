//! Every state transition of a certificate, allowed and forbidden, on the in-memory ledger.

use nanotrace_chaincode::ContractError;
use nanotrace_model::*;
use nanotrace_testkit::*;

#[test]
fn full_flow_apply_approve_suspend_reinstate_revoke() {
    let mut w = World::governed();
    let id = w.apply("LOT-1");
    assert!(id.starts_with("NT-") && id.len() == 15, "{id}");
    let v = w.verify(&id);
    assert_eq!(v.verdict, Verdict::Pending);

    let approval = w.approval(Who::Certifier, &id);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
    let cert = w.cert(&id);
    assert_eq!(cert.status, CertificateStatus::Active);
    let issuance = cert.issuance.clone().expect("issued");
    assert_eq!(issuance.issuer_org, CERTIFIER_MSP);
    assert_eq!(issuance.approved_by, actor(Who::Certifier));
    assert_eq!(issuance.issued_at, T0);
    assert_eq!(w.verify(&id).verdict, Verdict::Valid);

    w.now += DAY;
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&id, "lab audit pending"));
    let v = w.verify(&id);
    assert_eq!(v.verdict, Verdict::Suspended);
    assert_eq!(v.since, Some(T0 + DAY));
    assert!(v.reason.contains("lab audit pending"), "{}", v.reason);

    w.ok::<Certificate>(
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: id.clone(), reason: "audit passed".into(), resign: None },
    );
    assert_eq!(w.verify(&id).verdict, Verdict::Valid);

    w.now += DAY;
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&id, "contamination found"));
    let v = w.verify(&id);
    assert_eq!(v.verdict, Verdict::Revoked);
    assert!(v.reason.contains("contamination"));

    // Revocation is final.
    w.expect_refused(
        "INVALID_TRANSITION",
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: id.clone(), reason: "oops".into(), resign: None },
    );
    w.expect_refused("INVALID_TRANSITION", Who::Certifier, "Revoke", &World::reason(&id, "again"));
    w.expect_refused("INVALID_TRANSITION", Who::Certifier, "Suspend", &World::reason(&id, "again"));
    let renewal = w.renewal(Who::Certifier, &id);
    w.expect_refused("INVALID_TRANSITION", Who::Certifier, "Renew", &renewal);

    // The audit trail has every change, newest first, with who and why.
    let history: Vec<HistoryEntry> =
        w.evaluate(Who::Unknown, "History", &CertificateIdRequest { certificate_id: id.clone() }).expect("history");
    let actions: Vec<Action> = history.iter().map(|h| h.action).collect();
    assert_eq!(
        actions,
        vec![Action::Revoked, Action::Reinstated, Action::Suspended, Action::Approved, Action::Applied]
    );
    assert_eq!(history[0].actor, actor(Who::Certifier));
    assert_eq!(history[4].actor, actor(Who::Applicant));
    assert_eq!(history[0].reason.as_deref(), Some("contamination found"));

    // One event per transaction, in order.
    let names: Vec<&str> = w.ledger.events().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        &names[names.len() - 5..],
        &[
            "CertificateApplied",
            "CertificateIssued",
            "CertificateSuspended",
            "CertificateReinstated",
            "CertificateRevoked"
        ]
    );
    let last: Event = serde_json::from_slice(&w.ledger.events().last().expect("event").payload).expect("event json");
    assert_eq!(last.certificate_ids, vec![id.clone()]);
    assert_eq!(last.status, Some(CertificateStatus::Revoked));
}

#[test]
fn rejection_is_final_and_distinct() {
    let mut w = World::governed();
    let id = w.apply("LOT-R");
    w.ok::<Certificate>(Who::Certifier, "Reject", &World::reason(&id, "SDS incomplete"));
    let v = w.verify(&id);
    assert_eq!(v.verdict, Verdict::Rejected);
    assert!(v.reason.contains("SDS incomplete"));
    let approval = w.approval(Who::Certifier, &id);
    w.expect_refused("INVALID_TRANSITION", Who::Certifier, "Approve", &approval);
    w.expect_refused("INVALID_TRANSITION", Who::Certifier, "Reject", &World::reason(&id, "again"));
    w.expect_refused("INVALID_TRANSITION", Who::Certifier, "Suspend", &World::reason(&id, "x"));
}

#[test]
fn pending_cannot_be_suspended_revoked_or_reinstated() {
    let mut w = World::governed();
    w.add_second_certification_body();
    let id = w.apply("LOT-P");
    let reinstate = ReinstateRequest { certificate_id: id.clone(), reason: "x".into(), resign: None };
    let requests: [(&str, &'static str, Vec<u8>); 3] = [
        ("Suspend", "ACTIVE", serde_json::to_vec(&World::reason(&id, "x")).expect("json")),
        ("Revoke", "ACTIVE or SUSPENDED", serde_json::to_vec(&World::reason(&id, "x")).expect("json")),
        ("Reinstate", "SUSPENDED", serde_json::to_vec(&reinstate).expect("json")),
    ];
    for (function, needed, arg) in requests {
        let req: serde_json::Value = serde_json::from_slice(&arg).expect("json");
        // Without the certifier role: refused by the role check, whoever asks.
        for who in [Who::Applicant, Who::Auditor, Who::Admin] {
            let err = w.expect_refused("UNAUTHORIZED", who, function, &req);
            assert_eq!(err.reason(), Some("role.certifier"), "{function} by {who:?}: {err}");
        }
        // A certifier, of any body: the state machine refuses, naming the status and what
        // the function needs (a pending application has no issuing body yet).
        for who in [Who::Certifier, Who::OtherCertifier] {
            let err = w.expect_refused("INVALID_TRANSITION", who, function, &req);
            assert_eq!(err.reason(), None);
            match &err {
                ContractError::InvalidTransition { id: got, status, action, needed: n } => {
                    assert_eq!(
                        (got.as_str(), *status, *action, *n),
                        (id.as_str(), CertificateStatus::Pending, function, needed),
                        "{err}"
                    );
                }
                other => panic!("{function} by {who:?}: expected INVALID_TRANSITION, got {other}"),
            }
        }
    }
    assert_eq!(w.verify(&id).verdict, Verdict::Pending);
    let history: Vec<HistoryEntry> =
        w.evaluate(Who::Unknown, "History", &CertificateIdRequest { certificate_id: id.clone() }).expect("history");
    assert_eq!(history.len(), 1);
}

#[test]
fn expiry_is_computed_from_the_transaction_time() {
    let mut w = World::governed();
    let id = w.issue("LOT-E");
    w.now += 365 * DAY;
    assert_eq!(w.verify(&id).verdict, Verdict::Valid, "valid up to and including valid_until");
    w.now += 1;
    let v = w.verify(&id);
    assert_eq!(v.verdict, Verdict::Expired);
    assert_eq!(v.since, Some(T0 + 365 * DAY));
}

#[test]
fn renewal_supersedes_the_old_version() {
    let mut w = World::governed();
    let id = w.issue("LOT-N");
    w.now += 300 * DAY;
    let req = w.renewal(Who::Certifier, &id);
    let ids: IdsResponse = w.ok(Who::Certifier, "Renew", &req);
    assert_eq!(ids.certificate_ids[0], id);
    let new_id = ids.certificate_ids[1].clone();
    let old = w.verify(&id);
    assert_eq!(old.verdict, Verdict::Superseded);
    assert_eq!(old.superseded_by.as_deref(), Some(new_id.as_str()));
    let new = w.cert(&new_id);
    assert_eq!(new.version, 2);
    assert_eq!(new.supersedes.as_deref(), Some(id.as_str()));
    assert_eq!(w.verify(&new_id).verdict, Verdict::Valid);
    // Renewing the superseded one again is refused.
    let again = w.renewal(Who::Certifier, &id);
    w.expect_refused("INVALID_TRANSITION", Who::Certifier, "Renew", &again);
}

#[test]
fn sds_update_suspends_until_reinstated_with_a_fresh_signature() {
    let mut w = World::governed();
    let id = w.issue("LOT-S");
    let mut sds = w.cert(&id).application.sds;
    sds.revision += 1;
    sds.sha256 = "a".repeat(64);
    w.ok::<Certificate>(
        Who::Applicant,
        "UpdateSds",
        &UpdateSdsRequest { certificate_id: id.clone(), sds: sds.clone() },
    );
    let v = w.verify(&id);
    assert_eq!(v.verdict, Verdict::Suspended);
    assert!(v.reason.contains("SDS revision 4"), "{}", v.reason);

    // Same or lower revision is refused.
    w.expect_refused("VALIDATION", Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: id.clone(), sds });
    // Reinstating without a fresh signature is refused.
    w.expect_refused(
        "BAD_SIGNATURE",
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: id.clone(), reason: "reviewed".into(), resign: None },
    );
    let resign = w.resignature(Who::Certifier, &id);
    w.ok::<Certificate>(
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: id.clone(), reason: "reviewed".into(), resign: Some(resign) },
    );
    let cert = w.cert(&id);
    assert_eq!(cert.status, CertificateStatus::Active);
    assert!(!cert.resign_required);
    assert_eq!(cert.application.sds.revision, 4);
    // The stored signature verifies over the new canonical bytes.
    let issuance = cert.issuance.clone().expect("issued");
    assert_eq!(CanonicalCertificate::for_certificate(&cert, &issuance.terms()).digest_hex(), issuance.digest);
}

#[test]
fn dependents_are_flagged_when_a_supplier_certificate_is_suspended_or_revoked() {
    let mut w = World::governed();
    let supplier = w.issue("LOT-SUP");
    let mut app = sample_application("LOT-DEP");
    app.depends_on = vec![supplier.clone()];
    let ids: IdsResponse = w.ok(Who::Applicant, "Apply", &app);
    let dependent = ids.certificate_ids[0].clone();
    let req = w.approval(Who::Certifier, &dependent);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
    assert!(w.cert(&dependent).flags.is_empty());

    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&supplier, "supplier audit"));
    let flags = w.cert(&dependent).flags;
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].supplier_certificate, supplier);
    assert_eq!(flags[0].supplier_status, CertificateStatus::Suspended);
    let v = w.verify(&dependent);
    assert_eq!(v.flags.len(), 1);
    assert!(v.reason.contains("warning"), "{}", v.reason);
    let event: Event = serde_json::from_slice(&w.ledger.events().last().expect("event").payload).expect("json");
    assert_eq!(event.flagged, vec![dependent.clone()]);

    w.ok::<Certificate>(
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: supplier.clone(), reason: "ok".into(), resign: None },
    );
    assert!(w.cert(&dependent).flags.is_empty());

    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&supplier, "fraud"));
    let flags = w.cert(&dependent).flags;
    assert_eq!(flags[0].supplier_status, CertificateStatus::Revoked);
}

#[test]
fn batches_apply_and_approve_atomically() {
    let mut w = World::governed();
    let apps: Vec<Application> = (0..100).map(|i| sample_application(&format!("LOT-B{i}"))).collect();
    let ids: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &ApplyBatchRequest { applications: apps.clone() });
    assert_eq!(ids.certificate_ids.len(), 100);
    let unique: std::collections::BTreeSet<_> = ids.certificate_ids.iter().collect();
    assert_eq!(unique.len(), 100);

    // One bad approval in the batch: nothing is approved, and the error names the item.
    let mut approvals: Vec<ApproveRequest> =
        ids.certificate_ids.iter().map(|id| w.approval(Who::Certifier, id)).collect();
    approvals[42].signature = approvals[41].signature.clone();
    let err = w.expect_refused(
        "BAD_SIGNATURE",
        Who::Certifier,
        "ApproveBatch",
        &ApproveBatchRequest { approvals: approvals.clone() },
    );
    assert!(err.to_string().contains("approvals[42]"), "{err}");

    approvals[42] = w.approval(Who::Certifier, &ids.certificate_ids[42]);
    let done: IdsResponse = w.ok(Who::Certifier, "ApproveBatch", &ApproveBatchRequest { approvals });
    assert_eq!(done.certificate_ids.len(), 100);
    for id in &ids.certificate_ids {
        assert_eq!(w.cert(id).status, CertificateStatus::Active);
    }
    // A bad application in a batch names its index.
    let mut bad = apps;
    bad[7].nanomaterial.cas_number = "13463-67-8".into();
    let err = w.expect_refused("VALIDATION", Who::Applicant, "ApplyBatch", &ApplyBatchRequest { applications: bad });
    assert!(err.to_string().contains("applications[7].nanomaterial.cas_number"), "{err}");
}

#[test]
fn approval_queue_and_dashboard_paginate() {
    let mut w = World::governed();
    let apps: Vec<Application> = (0..25).map(|i| sample_application(&format!("LOT-Q{i}"))).collect();
    let ids: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &ApplyBatchRequest { applications: apps });
    let other: IdsResponse = w.ok(Who::OtherApplicant, "Apply", &other_application("LOT-OTHER"));

    let mut seen = Vec::new();
    let mut bookmark = String::new();
    loop {
        let page: CertificatePage = w
            .evaluate(
                Who::Certifier,
                "ListByStatus",
                &ListByStatusRequest { status: CertificateStatus::Pending, page_size: 10, bookmark: bookmark.clone() },
            )
            .expect("queue");
        assert!(page.certificates.len() <= 10);
        seen.extend(page.certificates.into_iter().map(|c| c.id));
        if page.bookmark.is_empty() {
            break;
        }
        bookmark = page.bookmark;
    }
    assert_eq!(seen.len(), 26);
    let mut expected: Vec<String> = ids.certificate_ids.clone();
    expected.push(other.certificate_ids[0].clone());
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected);

    let mine: CertificatePage =
        w.evaluate(Who::OtherApplicant, "ListByApplicant", &ListByApplicantRequest::default()).expect("mine");
    assert_eq!(mine.certificates.len(), 1);
    assert_eq!(mine.certificates[0].manufacturer_msp, OTHER_MANUFACTURER_MSP);
    let too_big = ListByStatusRequest { status: CertificateStatus::Pending, page_size: 5000, bookmark: String::new() };
    let err = w.evaluate::<_, CertificatePage>(Who::Certifier, "ListByStatus", &too_big).expect_err("page too big");
    assert_eq!(err.code(), "VALIDATION");
}

#[test]
fn bootstrap_once_by_an_admin_identity() {
    let mut w = World::empty();
    w.expect_refused("UNAUTHORIZED", Who::Applicant, "Bootstrap", &BootstrapRequest {});
    w.ok::<Governance>(Who::Admin, "Bootstrap", &BootstrapRequest {});
    w.expect_refused("CONFLICT", Who::ManufacturerAdmin, "Bootstrap", &BootstrapRequest {});
    w.expect_refused("CONFLICT", Who::Admin, "Bootstrap", &BootstrapRequest {});
}

#[test]
fn keys_rotate_and_retired_keys_cannot_sign() {
    let mut w = World::governed();
    let before = w.issue("LOT-K0");
    let (first, second, third) = (w.apply("LOT-K1"), w.apply("LOT-K2"), w.apply("LOT-K3"));
    let keys: Vec<IssuerKey> = w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("keys");
    assert_eq!(keys.len(), 2);
    let old_key = issuer_signing_key(Who::Certifier);
    let old_id = issuer_key_id_of(Who::Certifier);

    // Rotation: the admin registers a new key for the same certifier, which signs at once.
    let new_key = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
    let registered: IssuerKey = w.ok(
        Who::Admin,
        "RegisterIssuerKey",
        &RegisterIssuerKeyRequest {
            public_key: hex::encode(new_key.verifying_key().as_bytes()),
            holder: actor(Who::Certifier),
            valid_from: T0 - DAY,
            valid_until: T0 + 5 * 365 * DAY,
        },
    );
    let new_id = registered.key_id.clone();
    assert_ne!(new_id, old_id);
    let keys: Vec<IssuerKey> = w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("keys");
    assert_eq!(keys.len(), 3);
    let req = sign_approval_with(&w.cert(&first), CERTIFIER_MSP, &new_key, w.now, 365);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
    assert_eq!(w.cert(&first).issuance.expect("issued").issuer_key_id, new_id);
    assert_eq!(w.verify(&first).verdict, Verdict::Valid);

    // Retiring the old key: it signs nothing new; the new key still does.
    w.now += DAY;
    let retired: IssuerKey = w.ok(
        Who::Admin,
        "RetireIssuerKey",
        &RetireIssuerKeyRequest { key_id: old_id.clone(), reason: "rotation".into() },
    );
    assert_eq!(retired.retired_at, Some(w.now));
    let stale = sign_approval_with(&w.cert(&second), CERTIFIER_MSP, &old_key, w.now, 365);
    let err = w.expect_refused("BAD_SIGNATURE", Who::Certifier, "Approve", &stale);
    assert!(err.to_string().contains(&format!("issuer key {old_id} was retired")), "{err}");
    let req = sign_approval_with(&w.cert(&second), CERTIFIER_MSP, &new_key, w.now, 365);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
    // What the old key signed before its retirement stays valid.
    assert_eq!(w.verify(&before).verdict, Verdict::Valid);
    assert_eq!(w.cert(&before).issuance.expect("issued").issuer_key_id, old_id);
    // Retiring twice is a conflict.
    w.expect_refused(
        "CONFLICT",
        Who::Admin,
        "RetireIssuerKey",
        &RetireIssuerKeyRequest { key_id: old_id, reason: "again".into() },
    );

    // Nobody can approve with someone else's key, even a valid signature by it.
    let stolen = w.approval(Who::Certifier2, &third);
    let err = w.expect_refused("UNAUTHORIZED", Who::Certifier, "Approve", &stolen);
    assert_eq!(err.reason(), Some("issuer_key.holder"));
    let stolen_new = sign_approval_with(&w.cert(&third), CERTIFIER_MSP, &new_key, w.now, 365);
    let err = w.expect_refused("UNAUTHORIZED", Who::Certifier2, "Approve", &stolen_new);
    assert_eq!(err.reason(), Some("issuer_key.holder"));
    // The key's holder can.
    w.ok::<IdsResponse>(Who::Certifier2, "Approve", &stolen);
}

#[test]
fn approval_terms_are_checked() {
    let mut w = World::governed();
    let id = w.apply("LOT-T");
    let mut req = w.approval(Who::Certifier, &id);
    req.valid_until = req.issued_at + 400 * DAY; // more than the 365 days requested
    w.expect_refused("VALIDATION", Who::Certifier, "Approve", &req);
    w.now += 3600; // the signed issued_at is now an hour off the transaction time
    let req = {
        let mut w2 = w.clone();
        w2.now -= 3600;
        w2.approval(Who::Certifier, &id)
    };
    w.expect_refused("VALIDATION", Who::Certifier, "Approve", &req);
    // A signature over other terms does not verify.
    let mut req = w.approval(Who::Certifier, &id);
    req.valid_until -= DAY;
    w.expect_refused("BAD_SIGNATURE", Who::Certifier, "Approve", &req);
}

#[test]
fn nanomaterial_assessment_is_stored() {
    let mut w = World::governed();
    let mut app = sample_application("LOT-V");
    app.nanomaterial.vssa_m2_per_cm3 = 4.0;
    let ids: IdsResponse = w.ok(Who::Applicant, "Apply", &app);
    let cert = w.cert(&ids.certificate_ids[0]);
    assert!(!cert.assessment.is_nanomaterial);
    assert_eq!(
        cert.assessment.basis,
        "VSSA 4.0 m²/cm³ is below 6 m²/cm³: not a nanomaterial, whatever its size distribution \
         (92.0 % of particles by number in 1–100 nm)"
    );
    let id = w.apply("LOT-W");
    assert!(w.cert(&id).assessment.is_nanomaterial);
}

#[test]
fn unknown_certificates_are_unknown() {
    let w = World::governed();
    let v = w.verify("NT-AAAAAAAAAAAA");
    assert_eq!(v.verdict, Verdict::Unknown);
    let err = w
        .evaluate::<_, Verification>(
            Who::Unknown,
            "Verify",
            &CertificateIdRequest { certificate_id: "nt-lower".into() },
        )
        .expect_err("bad id");
    assert_eq!(err.code(), "VALIDATION");
}

#[test]
fn organizations_lists_every_registered_organization_with_its_name() {
    let mut w = World::governed();
    let listed = |w: &mut World| -> Vec<(String, String, OrgKind)> {
        let orgs: Vec<Organization> = w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("orgs");
        orgs.into_iter().map(|o| (o.msp_id, o.name, o.kind)).collect()
    };
    let mut expected = vec![
        (GOV_MSP.to_owned(), "National Nanomaterials Regulator".to_owned(), OrgKind::Regulator),
        (CERTIFIER_MSP.to_owned(), "NanoCert Certification Body".to_owned(), OrgKind::Certifier),
        (MANUFACTURER_MSP.to_owned(), "Acme Nanomaterials GmbH".to_owned(), OrgKind::Manufacturer),
        (OTHER_MANUFACTURER_MSP.to_owned(), "Other Nano Ltd".to_owned(), OrgKind::Manufacturer),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(listed(&mut w), expected, "in MSP ID order");
    w.add_second_certification_body();
    expected.push((OTHER_CERTIFIER_MSP.to_owned(), "Second Certification Body".to_owned(), OrgKind::Certifier));
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(listed(&mut w), expected);
    // Public, and no organisation means an empty list, not an error.
    assert!(listed(&mut World::empty()).is_empty());
}

/// The keys a transaction changed: written (new or rewritten) and deleted, by diffing
/// the committed state around it.
fn changed_keys(
    before: &std::collections::BTreeMap<String, Vec<u8>>,
    after: &std::collections::BTreeMap<String, Vec<u8>>,
) -> (Vec<String>, Vec<String>) {
    let written = after.iter().filter(|(k, v)| before.get(*k) != Some(*v)).map(|(k, _)| k.clone()).collect();
    let deleted = before.keys().filter(|k| !after.contains_key(*k)).cloned().collect();
    (written, deleted)
}

fn kind_of(key: &str) -> String {
    let (kind, attrs) = nanotrace_shim::split_composite_key(key).expect("composite key");
    match kind.as_str() {
        "cert~status" | "status~range" => format!("{kind}~{}", attrs[0]),
        _ => kind,
    }
}

/// A batch of n certificates costs its application n records, n product-index keys and
/// one key each for the manufacturer's list and the PENDING list, and its approval n
/// states, the ACTIVE list and its status-list ranges, deleting the PENDING list it
/// emptied: 3 keys per certificate and a handful per batch. The lists page like the old one key
/// per certificate did (pages end inside a list).
#[test]
fn a_batch_writes_three_keys_per_certificate_and_lists_per_transaction() {
    let mut w = World::governed();
    let n = 40;
    let apps: Vec<Application> = (0..n).map(|i| sample_application(&format!("LOT-K{i}"))).collect();
    assert!(apps.iter().all(|a| a.gtin.is_some()), "the sample has a GTIN: the product index is written");
    let before = w.ledger.snapshot();
    let ids: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &ApplyBatchRequest { applications: apps });
    let applied = w.ledger.snapshot();
    let (written, deleted) = changed_keys(&before, &applied);
    assert!(deleted.is_empty(), "{deleted:?}");
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for key in &written {
        *kinds.entry(kind_of(key)).or_default() += 1;
    }
    let want: std::collections::BTreeMap<String, usize> =
        [("cert".into(), n), ("cert~product".into(), n), ("cert~mfr".into(), 1), ("cert~status~PENDING".into(), 1)]
            .into_iter()
            .collect();
    assert_eq!(kinds, want, "{written:?}");

    let approvals: Vec<ApproveRequest> = ids.certificate_ids.iter().map(|id| w.approval(Who::Certifier, id)).collect();
    let _: IdsResponse = w.ok(Who::Certifier, "ApproveBatch", &ApproveBatchRequest { approvals });
    let approved = w.ledger.snapshot();
    let (written, deleted) = changed_keys(&applied, &approved);
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for key in &written {
        *kinds.entry(kind_of(key)).or_default() += 1;
    }
    assert_eq!(kinds.remove("cert~state"), Some(n), "{written:?}");
    assert_eq!(kinds.remove("cert~status~ACTIVE"), Some(1), "{written:?}");
    // 40 = 32 + 8: a range of 64 would waste more than an eighth, so two ranges.
    assert_eq!(kinds.values().sum::<usize>(), 2, "the status-list ranges: {kinds:?}");
    assert!(kinds.keys().all(|k| k.starts_with("status~range")), "{kinds:?}");
    assert_eq!(deleted.iter().map(|k| kind_of(k)).collect::<Vec<_>>(), ["cert~status~PENDING"], "{deleted:?}");
    for id in &ids.certificate_ids {
        let record = nanotrace_shim::create_composite_key("cert", &[id]).expect("key");
        assert_eq!(applied.get(&record), approved.get(&record), "the record of {id} is written once");
    }

    // The ACTIVE list pages 7 at a time, each certificate once, in the list's order.
    let mut seen = Vec::new();
    let mut bookmark = String::new();
    loop {
        let page: CertificatePage = w
            .evaluate(
                Who::Auditor,
                "ListByStatus",
                &ListByStatusRequest { status: CertificateStatus::Active, page_size: 7, bookmark: bookmark.clone() },
            )
            .expect("ListByStatus");
        assert!(page.certificates.len() == 7 || page.bookmark.is_empty(), "a short page before the end");
        seen.extend(page.certificates.into_iter().map(|c| c.id));
        if page.bookmark.is_empty() {
            break;
        }
        bookmark = page.bookmark;
    }
    let mut expected = ids.certificate_ids.clone();
    expected.sort();
    assert_eq!(seen, expected);
    // A made-up bookmark is refused.
    let err = w
        .evaluate::<_, CertificatePage>(
            Who::Auditor,
            "ListByStatus",
            &ListByStatusRequest { status: CertificateStatus::Active, page_size: 7, bookmark: "7x".into() },
        )
        .expect_err("a made-up bookmark");
    assert_eq!(err.code(), "VALIDATION", "{err}");
}

/// `GetCertificates` answers each record exactly as `GetCertificate` does, in the order
/// asked (repeats included), whatever state each is in; it refuses an empty or oversized
/// list, and an unknown ID as `NOT_FOUND` naming it, without changing anything.
#[test]
fn get_certificates_answers_what_get_certificate_answers_in_order() {
    let mut w = World::governed();
    let apps: Vec<Application> = (0..5).map(|i| sample_application(&format!("LOT-G{i}"))).collect();
    let ids: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &ApplyBatchRequest { applications: apps });
    let ids = ids.certificate_ids;
    // Some issued, one revoked, the rest pending; one of the old single-write layout too.
    let approvals: Vec<ApproveRequest> = ids[..3].iter().map(|id| w.approval(Who::Certifier, id)).collect();
    let _: IdsResponse = w.ok(Who::Certifier, "ApproveBatch", &ApproveBatchRequest { approvals });
    let _: Certificate = w.ok(Who::Certifier, "Revoke", &World::reason(&ids[1], "contamination"));
    let single = w.apply("LOT-G-SINGLE");
    let mut asked: Vec<String> = ids.iter().rev().cloned().collect();
    asked.push(single.clone());
    asked.push(ids[0].clone());
    let many: CertificatesResponse = w
        .evaluate(Who::Unknown, "GetCertificates", &CertificateIdsRequest { certificate_ids: asked.clone() })
        .expect("GetCertificates");
    let one_by_one: Vec<Certificate> = asked.iter().map(|id| w.cert(id)).collect();
    assert_eq!(many.certificates, one_by_one);
    assert_eq!(many.certificates.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), asked);
    assert_eq!(many.certificates[3].status, CertificateStatus::Revoked);

    let before = w.ledger.snapshot();
    let refused = |w: &World, certificate_ids: Vec<String>| {
        w.evaluate::<_, CertificatesResponse>(
            Who::Unknown,
            "GetCertificates",
            &CertificateIdsRequest { certificate_ids },
        )
        .expect_err("refused")
    };
    let empty = refused(&w, vec![]);
    assert_eq!(empty.code(), "VALIDATION", "{empty}");
    let too_many = refused(&w, vec![ids[0].clone(); validate::limits::MAX_BATCH + 1]);
    assert_eq!(too_many.code(), "VALIDATION", "{too_many}");
    assert!(too_many.to_string().contains("1 to 1000"), "{too_many}");
    // Well formed (its check character is right), never issued.
    let unknown = nanotrace_model::ids::certificate_id(&"ab".repeat(32), 7);
    let missing = refused(&w, vec![ids[0].clone(), unknown.clone()]);
    assert_eq!(missing.code(), "NOT_FOUND", "{missing}");
    assert!(missing.to_string().contains(&unknown), "{missing}");
    assert!(w.ledger.snapshot() == before, "a query changed the state");
}

/// `GetCertificateRecords` answers each record as `GetCertificate` does and its trail as
/// `History` does, in the order asked, whatever state each is in (an SDS revision
/// declared, both layouts); it refuses what `GetCertificates` refuses, an unknown ID as
/// `NOT_FOUND` naming it, without changing anything.
#[test]
fn get_certificate_records_answers_what_get_certificate_and_history_answer() {
    let mut w = World::governed();
    let apps: Vec<Application> = (0..4).map(|i| sample_application(&format!("LOT-R{i}"))).collect();
    let ids: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &ApplyBatchRequest { applications: apps });
    let ids = ids.certificate_ids;
    let approvals: Vec<ApproveRequest> = ids[..3].iter().map(|id| w.approval(Who::Certifier, id)).collect();
    let _: IdsResponse = w.ok(Who::Certifier, "ApproveBatch", &ApproveBatchRequest { approvals });
    let _: Certificate = w.ok(Who::Certifier, "Suspend", &World::reason(&ids[1], "audit"));
    let _: Certificate = w.ok(Who::Certifier, "Revoke", &World::reason(&ids[1], "contamination"));
    let mut sds = w.cert(&ids[2]).application.sds;
    sds.revision += 1;
    sds.sha256 = "c".repeat(64);
    let _: Certificate = w.ok(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: ids[2].clone(), sds });
    let single = w.apply("LOT-R-SINGLE");
    let mut asked: Vec<String> = ids.iter().rev().cloned().collect();
    asked.push(single);
    let answer: CertificateRecordsResponse = w
        .evaluate(Who::Unknown, "GetCertificateRecords", &CertificateIdsRequest { certificate_ids: asked.clone() })
        .expect("GetCertificateRecords");
    let one_by_one: Vec<CertificateRecord> = asked
        .iter()
        .map(|id| {
            let history: Vec<HistoryEntry> = w
                .evaluate(Who::Unknown, "History", &CertificateIdRequest { certificate_id: id.clone() })
                .expect("History");
            CertificateRecord { certificate: w.cert(id), history }
        })
        .collect();
    assert_eq!(answer.records, one_by_one);
    assert_eq!(answer.records.iter().map(|r| r.certificate.id.clone()).collect::<Vec<_>>(), asked);
    // The revoked one's trail: applied, approved, suspended, revoked (newest first).
    let revoked = &answer.records[2];
    assert_eq!(revoked.certificate.status, CertificateStatus::Revoked);
    assert_eq!(revoked.history.len(), 4, "{:?}", revoked.history);
    assert!(answer.records[1].history.iter().any(|e| e.action == Action::SdsUpdated), "{:?}", answer.records[1]);

    let before = w.ledger.snapshot();
    let refused = |w: &World, certificate_ids: Vec<String>| {
        w.evaluate::<_, CertificateRecordsResponse>(
            Who::Unknown,
            "GetCertificateRecords",
            &CertificateIdsRequest { certificate_ids },
        )
        .expect_err("refused")
    };
    assert_eq!(refused(&w, vec![]).code(), "VALIDATION");
    let too_many = refused(&w, vec![ids[0].clone(); validate::limits::MAX_BATCH + 1]);
    assert_eq!(too_many.code(), "VALIDATION", "{too_many}");
    let unknown = nanotrace_model::ids::certificate_id(&"cd".repeat(32), 7);
    let missing = refused(&w, vec![ids[0].clone(), unknown.clone()]);
    assert_eq!(missing.code(), "NOT_FOUND", "{missing}");
    assert!(missing.to_string().contains(&unknown), "{missing}");
    assert!(w.ledger.snapshot() == before, "a query changed the state");
}

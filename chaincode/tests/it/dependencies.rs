//! Dependencies on supplier certificates that are not the current, issued version:
//! Apply follows renewals to the version in force and refuses suppliers that were never
//! issued or are out of force for good.

use nanotrace_chaincode::ContractError;
use nanotrace_model::*;
use nanotrace_testkit::*;

/// Renews `id`; answers the new version's ID.
fn renew(w: &mut World, id: &str) -> String {
    let req = w.renewal(Who::Certifier, id);
    let ids: IdsResponse = w.ok(Who::Certifier, "Renew", &req);
    ids.certificate_ids[1].clone()
}

/// Expects Apply of a product depending on `supplier` to fail with `code`, naming the
/// field `depends_on[0]` and the supplier.
fn refused_dependency(w: &mut World, supplier: &str, code: &str, status: &str) {
    let mut app = sample_application("LOT-D");
    app.depends_on = vec![supplier.to_owned()];
    let err = w.expect_refused(code, Who::Applicant, "Apply", &app);
    let text = err.to_string();
    assert!(text.contains(supplier) && text.contains(status), "{text}");
    match &err {
        ContractError::Validation(v) => assert_eq!(v.field, "depends_on[0]", "{text}"),
        other => panic!("expected a VALIDATION error naming depends_on[0], got {other}"),
    }
    // In a batch, the item is named too.
    let batch = ApplyBatchRequest { applications: vec![sample_application("LOT-OK"), app] };
    let err = w.expect_refused(code, Who::Applicant, "ApplyBatch", &batch);
    match &err {
        ContractError::Validation(v) => assert_eq!(v.field, "applications[1].depends_on[0]", "{err}"),
        other => panic!("expected a VALIDATION error naming applications[1].depends_on[0], got {other}"),
    }
}

#[test]
fn a_dependency_on_a_renewed_supplier_follows_the_current_version() {
    let mut w = World::governed();
    let s = w.issue("LOT-SUP");
    let s2 = renew(&mut w, &s);
    assert_eq!(w.cert(&s).status, CertificateStatus::Superseded);

    // D names the superseded S: the contract records the version in force, S2.
    let d = w.issue_dependent("LOT-DEP", vec![s.clone()], Who::Certifier);
    let cert = w.cert(&d);
    assert_eq!(cert.application.depends_on, vec![s2.clone()]);
    assert!(cert.flags.is_empty());
    let history: Vec<HistoryEntry> =
        w.evaluate(Who::Unknown, "History", &CertificateIdRequest { certificate_id: d.clone() }).expect("history");
    let applied = history.iter().find(|h| h.action == Action::Applied).expect("applied");
    let reason = applied.reason.clone().unwrap_or_default();
    assert!(reason.contains(&s) && reason.contains(&s2), "{reason}");

    // Suspending the current supplier flags D.
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&s2, "supplier audit"));
    let flags = w.cert(&d).flags;
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0].supplier_certificate, s2);
    assert_eq!(flags[0].supplier_status, CertificateStatus::Suspended);
    assert_eq!(w.verify(&d).flags.len(), 1);

    // Reinstating clears it; a renewal of S2 carries D along (S → S2 → S3).
    w.ok::<Certificate>(
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: s2.clone(), reason: "ok".into(), resign: None },
    );
    assert!(w.cert(&d).flags.is_empty());
    let s3 = renew(&mut w, &s2);
    let e = w.issue_dependent("LOT-DEP2", vec![s.clone()], Who::Certifier);
    assert_eq!(w.cert(&e).application.depends_on, vec![s3.clone()]);
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&s3, "fraud"));
    for id in [&d, &e] {
        let flags = w.cert(id).flags;
        assert_eq!(flags.len(), 1, "{id}: {flags:?}");
        assert_eq!(flags[0].supplier_certificate, s3);
        assert_eq!(flags[0].supplier_status, CertificateStatus::Revoked);
    }
}

#[test]
fn naming_two_versions_of_one_supplier_is_a_duplicate() {
    let mut w = World::governed();
    let s = w.issue("LOT-SUP");
    let s2 = renew(&mut w, &s);
    let mut app = sample_application("LOT-D");
    app.depends_on = vec![s2.clone(), s.clone()];
    let err = w.expect_refused("VALIDATION", Who::Applicant, "Apply", &app);
    match &err {
        ContractError::Validation(v) => {
            assert_eq!(v.field, "depends_on[1]", "{err}");
            assert!(v.message.contains("depends_on[0]") && v.message.contains(&s2), "{err}");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn a_pending_supplier_is_refused() {
    let mut w = World::governed();
    let s = w.apply("LOT-SUP");
    refused_dependency(&mut w, &s, "VALIDATION", "PENDING");
}

#[test]
fn a_rejected_supplier_is_refused() {
    let mut w = World::governed();
    let s = w.apply("LOT-SUP");
    w.ok::<Certificate>(Who::Certifier, "Reject", &World::reason(&s, "incomplete"));
    refused_dependency(&mut w, &s, "VALIDATION", "REJECTED");
}

#[test]
fn a_revoked_supplier_is_refused_also_through_a_renewal() {
    let mut w = World::governed();
    let s = w.issue("LOT-SUP");
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&s, "fraud"));
    refused_dependency(&mut w, &s, "VALIDATION", "REVOKED");
    // A superseded supplier whose current version is revoked.
    let t = w.issue("LOT-SUP2");
    let t2 = renew(&mut w, &t);
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&t2, "fraud"));
    refused_dependency(&mut w, &t, "VALIDATION", "REVOKED");
}

#[test]
fn a_suspended_supplier_is_accepted_and_flags_the_application_at_once() {
    let mut w = World::governed();
    let s = w.issue("LOT-SUP");
    let s2 = renew(&mut w, &s);
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&s2, "supplier audit"));
    let mut app = sample_application("LOT-D");
    app.depends_on = vec![s.clone()];
    let ids: IdsResponse = w.ok(Who::Applicant, "Apply", &app);
    let d = &ids.certificate_ids[0];
    let flags = w.cert(d).flags;
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0].supplier_certificate, s2);
    assert_eq!(flags[0].supplier_status, CertificateStatus::Suspended);
    assert_eq!(flags[0].reason, "supplier audit");
    let event: Event = w.last_event();
    assert_eq!(event.flagged, vec![d.clone()]);
    // Reinstating the supplier clears the flag set at Apply.
    w.ok::<Certificate>(
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: s2.clone(), reason: "ok".into(), resign: None },
    );
    assert!(w.cert(d).flags.is_empty());
}

/// A dependent renewed after its supplier was renewed is filed under the supplier's
/// version in force, so that version's status changes name the new dependent in their
/// events (which is how followers such as the verifier learn to re-read it). Found by
/// the property test (seed c349b241…).
#[test]
fn a_dependent_renewed_after_its_supplier_was_renewed_is_named_by_the_suppliers_events() {
    let mut w = World::governed();
    let c0 = w.issue("LOT-C0");
    let c2 = w.issue_dependent("LOT-C2", vec![c0.clone()], Who::Certifier); // its application names C0
    let c3 = renew(&mut w, &c0);
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&c3, "audit"));
    assert_eq!(w.last_event().flagged, vec![c2.clone()]);
    let c4 = renew(&mut w, &c2);
    assert_eq!(w.cert(&c4).flags.len(), 1, "flags are computed when read");
    let req = ReinstateRequest { certificate_id: c3.clone(), reason: "audit closed".into(), resign: None };
    w.ok::<Certificate>(Who::Certifier, "Reinstate", &req);
    assert_eq!(w.last_event().flagged, vec![c4.clone()], "the reinstatement names the dependent in force");
    assert!(w.cert(&c4).flags.is_empty());
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&c3, "fraud"));
    assert_eq!(w.last_event().flagged, vec![c4]);
}

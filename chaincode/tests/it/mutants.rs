//! Tests that mutation testing (`scripts/mutants.sh`, docs/TESTING.md) showed missing:
//! each kills at least one mutant that survived the rest of the suite — an authorization
//! or state-transition check, or an inclusive limit never tried at the limit itself.

use nanotrace_chaincode::contract::MAX_CLOCK_SKEW_SECS;
use nanotrace_chaincode::error::Reason;
use nanotrace_chaincode::ContractError;
use nanotrace_model::token::OfflineToken;
use nanotrace_model::validate::limits;
use nanotrace_model::*;
use nanotrace_testkit::*;
use serde_json::{json, Value};

fn assert_reason(err: &ContractError, token: &str) {
    assert_eq!(err.code(), "UNAUTHORIZED", "{err}");
    assert_eq!(err.reason(), Some(token), "expected the check [{token}] to refuse: {err}");
}

fn history(w: &World, id: &str) -> Vec<HistoryEntry> {
    w.evaluate(Who::Unknown, "History", &CertificateIdRequest { certificate_id: id.into() }).expect("history")
}

/// Writes a certifier role grant for `who` straight into the ledger, past GrantRole's
/// rules (which give the role only to members of certifier organisations).
fn forge_certifier_role(w: &mut World, who: Who) {
    use nanotrace_shim::{create_composite_key, Stub};
    let me = actor(who);
    let key = create_composite_key("role", &[&me.msp_id, &me.id, Role::Certifier.as_str()]).expect("key");
    let grant = RoleGrant {
        identity: me,
        role: Role::Certifier,
        granted_by: actor(Who::Admin),
        granted_at: T0,
        key: Some(key_of(who)),
        key_source: Some(RoleKeySource::Granted),
    };
    let value = serde_json::to_vec(&grant).expect("json");
    let ts = w.ts();
    w.ledger
        .execute(&creator(Who::Admin), ts, |stub| stub.put_state(&key, &value).map_err(ContractError::from))
        .expect("forged grant");
}

/// Independence covers the whole applicant organisation, not only the applicant: another
/// identity of the manufacturer (its admin), holding a forged certifier role, is refused.
/// (Kills `||` → `&&` in `require_independent_certifier` and the `caller_name` mutants.)
#[test]
fn another_identity_of_the_applicants_organization_is_not_independent() {
    let mut w = World::governed();
    let pending = w.apply("LOT-INDEPENDENCE");
    let who = Who::ManufacturerAdmin;
    forge_certifier_role(&mut w, who);
    assert_ne!(actor(who).id, actor(Who::Applicant).id);
    let approval = w.approval(Who::Certifier, &pending);
    let err = w.expect_refused("UNAUTHORIZED", who, "Approve", &approval);
    assert_reason(&err, Reason::ApplicantIndependence.as_str());
    let err = w.expect_refused("UNAUTHORIZED", who, "Reject", &World::reason(&pending, "own"));
    assert_reason(&err, Reason::ApplicantIndependence.as_str());
    // The refusal names who was refused: common name and organisation.
    assert!(err.to_string().contains("Admin@manufacturer (ManufacturerMSP)"), "{err}");
}

/// A reinstatement after an SDS revision, re-signed by another certifier of the issuing
/// body with its own key, stores that certifier's signature, key ID and name next to the
/// new digest, keeps the issuance terms, and the certificate's own token verifies.
#[test]
fn a_reinstatement_re_signed_by_a_second_certifier_records_its_key_and_name() {
    let mut w = World::governed();
    let id = w.issue("LOT-RESIGN");
    let before = w.cert(&id).issuance.expect("issued");
    assert_eq!(before.issuer_key_id, issuer_key_id_of(Who::Certifier));
    w.now += DAY;
    let mut sds = w.cert(&id).application.sds;
    sds.revision += 1;
    sds.sha256 = "b".repeat(64);
    w.ok::<Certificate>(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: id.clone(), sds });
    assert_eq!(w.cert(&id).status, CertificateStatus::Suspended);
    w.now += DAY;
    let resign = w.resignature(Who::Certifier2, &id);
    assert_eq!(resign.issuer_key_id, issuer_key_id_of(Who::Certifier2));
    w.ok::<Certificate>(
        Who::Certifier2,
        "Reinstate",
        &ReinstateRequest {
            certificate_id: id.clone(),
            reason: "new SDS reviewed".into(),
            resign: Some(resign.clone()),
        },
    );
    let cert = w.cert(&id);
    assert_eq!(cert.status, CertificateStatus::Active);
    let after = cert.issuance.clone().expect("issued");
    assert_eq!(after.signature, resign.signature);
    assert_ne!(after.signature, before.signature);
    assert_eq!(after.issuer_key_id, issuer_key_id_of(Who::Certifier2));
    assert_eq!(after.approved_by, actor(Who::Certifier2));
    assert_ne!(after.digest, before.digest, "the new SDS revision changes the canonical bytes");
    assert_eq!(
        (after.issuer_org.as_str(), after.issued_at, after.valid_until),
        (before.issuer_org.as_str(), before.issued_at, before.valid_until)
    );
    let trust: Vec<IssuerKey> = w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("keys");
    let token = OfflineToken::for_certificate(&cert).expect("token");
    let ok = token.verify(&trust, w.now).expect("the re-signed certificate's token verifies");
    assert_eq!(ok.digest, after.digest);
    assert_eq!(ok.issuer, actor(Who::Certifier2));
    assert_eq!(w.verify(&id).verdict, Verdict::Valid);
}

/// One dependent, two suppliers: each suspended supplier flags it once, in
/// `depends_on` order; revoking one replaces its flag (REVOKED), never duplicates it;
/// reinstating the other removes only that one's flag.
#[test]
fn one_dependent_is_flagged_by_each_of_two_suppliers_once() {
    let mut w = World::governed();
    let s1 = w.issue("LOT-S1");
    let s2 = w.issue("LOT-S2");
    let d = w.issue_dependent("LOT-D12", vec![s1.clone(), s2.clone()], Who::Certifier);
    assert!(w.cert(&d).flags.is_empty());
    w.now += 60;
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&s1, "audit one"));
    w.now += 60;
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&s2, "audit two"));
    assert_eq!(w.last_event().flagged, vec![d.clone()]);
    let flags = w.cert(&d).flags;
    let seen: Vec<_> =
        flags.iter().map(|f| (f.supplier_certificate.as_str(), f.supplier_status, f.reason.as_str())).collect();
    assert_eq!(
        seen,
        vec![
            (s1.as_str(), CertificateStatus::Suspended, "audit one"),
            (s2.as_str(), CertificateStatus::Suspended, "audit two")
        ]
    );
    w.now += 60;
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&s1, "fraud"));
    let flags = w.cert(&d).flags;
    let seen: Vec<_> = flags.iter().map(|f| (f.supplier_certificate.as_str(), f.supplier_status)).collect();
    assert_eq!(seen, vec![(s1.as_str(), CertificateStatus::Revoked), (s2.as_str(), CertificateStatus::Suspended)]);
    assert_eq!(flags[0].since, T0 + 180);
    w.ok::<Certificate>(
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: s2.clone(), reason: "ok".into(), resign: None },
    );
    let flags = w.cert(&d).flags;
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0].supplier_certificate, s1);
    assert_eq!(w.verify(&d).flags.len(), 1);
}

/// A dependent revoked while its supplier was suspended is final: reinstating the
/// supplier neither writes it nor names it in the event (no follower needs to re-read
/// it), and its history and status stay as they were.
#[test]
fn reinstating_a_supplier_leaves_a_dependent_revoked_meanwhile_alone() {
    let mut w = World::governed();
    let s = w.issue("LOT-SUP-R");
    let d = w.issue_dependent("LOT-DEP-R", vec![s.clone()], Who::Certifier);
    let live = w.issue_dependent("LOT-DEP-LIVE", vec![s.clone()], Who::Certifier);
    w.now += 60;
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&s, "supplier audit"));
    let mut flagged = w.last_event().flagged;
    flagged.sort();
    let mut both = vec![d.clone(), live.clone()];
    both.sort();
    assert_eq!(flagged, both);
    w.now += 60;
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&d, "recalled"));
    let revoked = w.cert(&d);
    let history_before = history(&w, &d);
    w.now += 60;
    w.ok::<Certificate>(
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: s.clone(), reason: "audit passed".into(), resign: None },
    );
    let event = w.last_event();
    assert_eq!(event.certificate_ids, vec![s.clone()]);
    assert_eq!(event.flagged, vec![live.clone()], "only the dependent that is not final is named");
    let after = w.cert(&d);
    assert_eq!(after.status, CertificateStatus::Revoked);
    assert_eq!(after.last_change, revoked.last_change);
    assert_eq!(history(&w, &d), history_before);
    assert!(w.cert(&live).flags.is_empty());
}

/// The self-revocation guard refuses exactly one thing: an admin revoking their own
/// admin role. Another admin's admin role, and an admin's own other roles, can go.
#[test]
fn an_admin_can_revoke_another_admin_and_their_own_other_roles_but_not_their_own_admin_role() {
    let mut w = World::governed();
    // The auditor (a member of the governance organisation) becomes a second admin.
    let second = grant(Who::Auditor, Role::Admin);
    w.ok::<RoleGrant>(Who::Admin, "GrantRole", &second);
    let me = grant(Who::Admin, Role::Admin);
    let err = w.expect_refused("CONFLICT", Who::Admin, "RevokeRole", &me);
    assert!(err.to_string().contains("own admin role"), "{err}");
    let err = w.expect_refused("CONFLICT", Who::Auditor, "RevokeRole", &second);
    assert!(err.to_string().contains("own admin role"), "{err}");
    // Another admin's admin role: revoked.
    let revoked: RoleGrant = w.ok(Who::Admin, "RevokeRole", &second);
    assert_eq!((revoked.identity, revoked.role), (actor(Who::Auditor), Role::Admin));
    let err = w.expect_refused("UNAUTHORIZED", Who::Auditor, "GrantRole", &grant(Who::Auditor, Role::Admin));
    assert_reason(&err, Reason::RoleAdmin.as_str());
    // An admin's own auditor role: revoked; the admin role stays.
    let own_auditor = grant(Who::Admin, Role::Auditor);
    w.ok::<RoleGrant>(Who::Admin, "GrantRole", &own_auditor);
    w.ok::<RoleGrant>(Who::Admin, "RevokeRole", &own_auditor);
    let whoami: WhoAmI = w.evaluate(Who::Admin, "WhoAmI", &EmptyRequest {}).expect("whoami");
    assert_eq!(whoami.roles, vec![Role::Admin]);
}

/// Batches of exactly `limits::MAX_BATCH` items are accepted, for applications and
/// approvals alike (one more is refused: `bad_input::invalid`).
#[test]
fn batches_of_exactly_the_maximum_are_accepted() {
    let mut w = World::governed();
    let apps: Vec<Application> = (0..limits::MAX_BATCH).map(|i| sample_application(&format!("LOT-M{i}"))).collect();
    let ids: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &ApplyBatchRequest { applications: apps });
    assert_eq!(ids.certificate_ids.len(), limits::MAX_BATCH);
    let approvals: Vec<ApproveRequest> = ids.certificate_ids.iter().map(|id| w.approval(Who::Certifier, id)).collect();
    let issued: IdsResponse = w.ok(Who::Certifier, "ApproveBatch", &ApproveBatchRequest { approvals });
    assert_eq!(issued.certificate_ids, ids.certificate_ids);
    assert_eq!(w.cert(&ids.certificate_ids[limits::MAX_BATCH - 1]).status, CertificateStatus::Active);
}

/// A signed `issued_at` exactly `MAX_CLOCK_SKEW_SECS` from the transaction time is
/// accepted, either way; one second more is refused naming `issued_at`.
#[test]
fn issued_at_exactly_at_the_clock_skew_limit_is_accepted() {
    let mut w = World::governed();
    let ids: Vec<String> = (0..4).map(|i| w.apply(&format!("LOT-SKEW{i}"))).collect();
    w.now += DAY;
    let now = w.now;
    for (id, issued_at) in [(&ids[2], now - MAX_CLOCK_SKEW_SECS - 1), (&ids[3], now + MAX_CLOCK_SKEW_SECS + 1)] {
        let req = sign_approval(&w.cert(id), Who::Certifier, issued_at, 365);
        let err = w.expect_refused("VALIDATION", Who::Certifier, "Approve", &req);
        assert!(err.to_string().contains("issued_at"), "{err}");
    }
    for (id, issued_at) in [(&ids[0], now - MAX_CLOCK_SKEW_SECS), (&ids[1], now + MAX_CLOCK_SKEW_SECS)] {
        let req = sign_approval(&w.cert(id), Who::Certifier, issued_at, 365);
        w.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
        assert_eq!(w.cert(id).issuance.expect("issued").issued_at, issued_at);
    }
}

/// A page of exactly `MAX_PAGE_SIZE` is served; one more is refused naming `page_size`.
#[test]
fn a_page_of_exactly_the_maximum_size_is_served() {
    let mut w = World::governed();
    let id = w.apply("LOT-PAGE");
    let page: CertificatePage = w
        .evaluate(
            Who::Auditor,
            "ListByStatus",
            &ListByStatusRequest {
                status: CertificateStatus::Pending,
                page_size: limits::MAX_PAGE_SIZE,
                bookmark: String::new(),
            },
        )
        .expect("a page of the maximum size");
    assert_eq!(page.certificates.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), vec![id]);
    let over = json!({ "status": "PENDING", "page_size": limits::MAX_PAGE_SIZE + 1 });
    let err = w.evaluate::<_, Value>(Who::Auditor, "ListByStatus", &over).expect_err("one over the maximum");
    assert_eq!(err.code(), "VALIDATION", "{err}");
    assert!(err.to_string().contains("page_size"), "{err}");
}

/// A bookmark of exactly `2 * MAX_ID` characters is not refused for its length (a
/// made-up one is then refused as not belonging to the list); one more character is.
#[test]
fn a_bookmark_at_its_maximum_length_is_not_too_long() {
    let mut w = World::governed();
    w.apply("LOT-BOOKMARK");
    let list = |bookmark: String| json!({ "status": "PENDING", "bookmark": bookmark });
    let at_limit = w
        .evaluate::<_, Value>(Who::Auditor, "ListByStatus", &list("B".repeat(limits::MAX_ID * 2)))
        .expect_err("a made-up bookmark");
    assert_eq!(at_limit.code(), "VALIDATION", "{at_limit}");
    assert!(at_limit.to_string().contains("does not belong to this list"), "{at_limit}");
    assert!(!at_limit.to_string().contains("too long"), "{at_limit}");
    let over = w
        .evaluate::<_, Value>(Who::Auditor, "ListByStatus", &list("B".repeat(limits::MAX_ID * 2 + 1)))
        .expect_err("one character over");
    assert!(over.to_string().contains("bookmark") && over.to_string().contains("too long"), "{over}");
}

/// An endorsement failure says in words what the transaction did to which key, under
/// which policy, endorsed by whom (Fabric's notation for the policy).
#[test]
fn an_endorsement_failure_names_the_write_the_key_and_the_policy() {
    use nanotrace_shim::{create_composite_key, EndorsementPolicy, PolicyRole, Stub};
    let mut w = World::governed();
    let id = w.issue("LOT-ENDORSE");
    let key = create_composite_key("cert", &[&id]).expect("key");
    let mine = EndorsementPolicy::all_of([MANUFACTURER_MSP], PolicyRole::Member);
    let kinds = ["writes", "deletes", "changes the endorsement policy of"];
    for (kind, what) in kinds.into_iter().enumerate() {
        let ts = w.ts();
        let result = w.ledger.execute(&creator(Who::Applicant), ts, |s| match kind {
            0 => s.put_state(&key, b"{}"),
            1 => s.del_state(&key),
            _ => s.set_state_validation_parameter(&key, &mine),
        });
        let err = match result {
            Ok(((), tx)) => panic!("the write committed as {tx}"),
            Err(e) => ContractError::from(e).to_string(),
        };
        let expected = format!(
            " {what} key {key:?}, whose endorsement policy AND('{CERTIFIER_MSP}.peer') is not satisfied by the \
             endorsements of {MANUFACTURER_MSP} (the submitting organisation) and the peers gathered for it"
        );
        assert!(err.starts_with("ENDORSEMENT_POLICY_FAILURE: transaction "), "{err}");
        assert!(err.ends_with(&expected), "{err}\nshould end with\n{expected}");
    }
}

/// Flags are computed when read and never stored: a dependent written while its
/// supplier is suspended (here: suspended itself) keeps no flag in its ledger record,
/// where it would go stale, while every read shows it.
#[test]
fn a_certificate_is_stored_without_its_computed_flags() {
    use nanotrace_shim::{create_composite_key, Stub};
    let mut w = World::governed();
    let s = w.issue("LOT-SUP-STORE");
    let d = w.issue_dependent("LOT-DEP-STORE", vec![s.clone()], Who::Certifier);
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&s, "supplier audit"));
    let written: Certificate = w.ok(Who::Certifier, "Suspend", &World::reason(&d, "own audit"));
    assert_eq!(written.flags.len(), 1, "the answer shows the flag");
    assert_eq!(w.cert(&d).flags.len(), 1, "reads show the flag");
    let read = |key: String| {
        w.ledger.evaluate(&creator(Who::Auditor), w.ts(), |stub| stub.get_state(&key)).expect("read").expect("stored")
    };
    // The record as applied and the state (which has no field for flags: it would not parse
    // with one) hold none.
    let record: Certificate =
        serde_json::from_slice(&read(create_composite_key("cert", &[&d]).expect("key"))).expect("json");
    assert_eq!(record.status, CertificateStatus::Pending);
    assert!(record.flags.is_empty(), "stored with flags: {:?}", record.flags);
    let state: nanotrace_model::CertificateState =
        serde_json::from_slice(&read(create_composite_key("cert~state", &[&d]).expect("key"))).expect("json");
    assert_eq!(state.status, CertificateStatus::Suspended);
}

/// A dependency named by an older version is refused in terms of both: the version the
/// applicant named and the version in force that is not acceptable.
#[test]
fn a_refused_renewed_supplier_is_named_with_its_renewal() {
    let mut w = World::governed();
    let s = w.issue("LOT-SUP-NAMED");
    let renewal = w.renewal(Who::Certifier, &s);
    let ids: IdsResponse = w.ok(Who::Certifier, "Renew", &renewal);
    let s2 = ids.certificate_ids[1].clone();
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&s2, "fraud"));
    let app = application("Sunscreen", "LOT-DEP-NAMED", 365, vec![s.clone()]);
    let err = w.expect_refused("VALIDATION", Who::Applicant, "Apply", &app);
    assert!(err.to_string().contains(&format!("certificate {s} (renewed as {s2}) is REVOKED")), "{err}");
    let app = application("Sunscreen", "LOT-DEP-NAMED", 365, vec![s2.clone()]);
    let err = w.expect_refused("VALIDATION", Who::Applicant, "Apply", &app);
    assert!(err.to_string().contains(&format!("certificate {s2} is REVOKED")), "{err}");
}

//! Key-level endorsement: what the contract protects (`protect` on issuance, the
//! manufacturer's SDS-revision record), that the ledgers invalidate a write by another
//! organisation with ENDORSEMENT_POLICY_FAILURE and change nothing, and that no flow of
//! the contract needs such a write: a manufacturer's SDS revision and a supplier's
//! suspension with dependents issued by another certification body both commit.

use nanotrace_chaincode::ContractError;
use nanotrace_model::*;
use nanotrace_shim::{create_composite_key, EndorsementPolicy, KeyWrite, Stub, StubError};
use nanotrace_testkit::*;

fn cert_key(id: &str) -> String {
    create_composite_key("cert", &[id]).expect("key")
}

/// A certificate's state in the write-once layout: everything after its application.
fn state_key(id: &str) -> String {
    create_composite_key("cert~state", &[id]).expect("key")
}

fn sds_key(id: &str) -> String {
    create_composite_key("sds", &[id]).expect("key")
}

fn policy_of(w: &World, key: &str) -> Option<EndorsementPolicy> {
    w.ledger
        .evaluate(&creator(Who::Auditor), w.ts(), |s| s.get_state_validation_parameter(key))
        .expect("validation parameter")
}

fn history_len(w: &World, key: &str) -> usize {
    w.ledger.evaluate(&creator(Who::Auditor), w.ts(), |s| s.get_history_for_key(key)).expect("history").len()
}

fn peer_of(msp: &str) -> EndorsementPolicy {
    EndorsementPolicy::peer_of(msp)
}

/// Runs `body` as a raw transaction of `who` on the in-memory ledger; expects it to be
/// invalidated with ENDORSEMENT_POLICY_FAILURE on `key`, and nothing to change.
fn expect_endorsement_failure(
    w: &mut World,
    who: Who,
    key: &str,
    write: KeyWrite,
    policy: &EndorsementPolicy,
    body: impl FnOnce(&mut dyn Stub) -> Result<(), StubError>,
) {
    let (before, height, events) = (w.ledger.snapshot(), w.ledger.height(), w.ledger.events().len());
    let result = w.ledger.execute(&creator(who), w.ts(), |s| body(s));
    let err: ContractError = match result {
        Ok(((), tx)) => panic!("the write by {who:?} committed as {tx}"),
        Err(StubError::EndorsementPolicyFailure(f)) => {
            assert_eq!((f.key.as_str(), f.write, &f.policy), (key, write, policy), "{f}");
            assert_eq!(f.endorser_msp, creator(who).msp_id);
            ContractError::from(StubError::EndorsementPolicyFailure(f))
        }
        Err(other) => panic!("expected ENDORSEMENT_POLICY_FAILURE, got {other}"),
    };
    assert_eq!(err.code(), "ENDORSEMENT_POLICY_FAILURE");
    assert!(err.to_string().starts_with("ENDORSEMENT_POLICY_FAILURE: "), "{err}");
    assert_eq!(w.ledger.snapshot(), before, "state changed");
    assert_eq!((w.ledger.height(), w.ledger.events().len()), (height, events));
}

#[test]
fn issuance_protects_the_certificate_for_the_issuing_body_only() {
    let mut w = World::governed();
    w.add_second_certification_body();
    let id = w.apply("LOT-P");
    assert_eq!(policy_of(&w, &cert_key(&id)), None, "an application needs no certifier");
    // While pending, any organisation's endorsement would do (chaincode-level policy).
    let req = w.approval(Who::OtherCertifier, &id);
    w.ok::<IdsResponse>(Who::OtherCertifier, "Approve", &req);
    let policy = peer_of(OTHER_CERTIFIER_MSP);
    // Both keys of the certificate: the record as applied (written once: the approval set
    // its policy and left its value alone) and the state the approval wrote.
    assert_eq!(policy_of(&w, &cert_key(&id)), Some(policy.clone()));
    assert_eq!(policy_of(&w, &state_key(&id)), Some(policy.clone()));
    assert_eq!(history_len(&w, &cert_key(&id)), 1, "the approval rewrote the record");
    assert_eq!(history_len(&w, &state_key(&id)), 1);
    // The manufacturer, the first certification body and a stranger cannot write, delete or
    // re-protect either.
    for key in [cert_key(&id), state_key(&id)] {
        for who in [Who::Applicant, Who::Certifier, Who::Unknown] {
            let k = key.clone();
            expect_endorsement_failure(&mut w, who, &key, KeyWrite::Value, &policy, move |s| s.put_state(&k, b"{}"));
            let k = key.clone();
            expect_endorsement_failure(&mut w, who, &key, KeyWrite::Delete, &policy, move |s| s.del_state(&k));
            let (k, mine) = (key.clone(), peer_of(&creator(who).msp_id));
            expect_endorsement_failure(&mut w, who, &key, KeyWrite::ValidationParameter, &policy, move |s| {
                s.set_state_validation_parameter(&k, &mine)
            });
        }
    }
    assert_eq!(w.verify(&id).verdict, Verdict::Valid);
    // The issuing body may (its suspension commits); a renewal protects the new version.
    w.ok::<Certificate>(Who::OtherCertifier, "Suspend", &World::reason(&id, "audit"));
    w.ok::<Certificate>(
        Who::OtherCertifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: id.clone(), reason: "ok".into(), resign: None },
    );
    let renewal = w.renewal(Who::OtherCertifier, &id);
    let ids: IdsResponse = w.ok(Who::OtherCertifier, "Renew", &renewal);
    for key in [cert_key(&ids.certificate_ids[1]), state_key(&ids.certificate_ids[1]), cert_key(&id), state_key(&id)] {
        assert_eq!(policy_of(&w, &key), Some(policy.clone()), "{key:?}");
    }
    assert_eq!(history_len(&w, &cert_key(&id)), 1, "the record is written once");
}

#[test]
fn a_manufacturers_sds_revision_commits_without_touching_the_protected_certificate() {
    let mut w = World::governed();
    let id = w.issue("LOT-S");
    let versions = [history_len(&w, &cert_key(&id)), history_len(&w, &state_key(&id))];
    let mut sds = w.cert(&id).application.sds;
    sds.revision += 1;
    sds.sha256 = "b".repeat(64);
    let updated: Certificate =
        w.ok(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: id.clone(), sds: sds.clone() });
    assert_eq!(updated.status, CertificateStatus::Suspended);
    assert!(updated.resign_required);
    assert_eq!(updated.application.sds, sds);
    assert_eq!(
        [history_len(&w, &cert_key(&id)), history_len(&w, &state_key(&id))],
        versions,
        "UpdateSds must not write the certificate's keys"
    );
    // The declaration lives in its own key, protected for the manufacturer.
    assert_eq!(policy_of(&w, &sds_key(&id)), Some(peer_of(MANUFACTURER_MSP)));
    let k = sds_key(&id);
    expect_endorsement_failure(
        &mut w,
        Who::Certifier,
        &sds_key(&id),
        KeyWrite::Value,
        &peer_of(MANUFACTURER_MSP),
        move |s| s.put_state(&k, b"{}"),
    );
    // Every reader sees the effect: verdict, record, queue, history.
    let v = w.verify(&id);
    assert_eq!(v.verdict, Verdict::Suspended);
    assert!(v.reason.contains(&format!("SDS revision {}", sds.revision)), "{}", v.reason);
    assert_eq!(w.cert(&id), updated);
    let queue: CertificatePage = w
        .evaluate(
            Who::Certifier,
            "ListByStatus",
            &ListByStatusRequest { status: CertificateStatus::Suspended, page_size: 0, bookmark: String::new() },
        )
        .expect("queue");
    assert_eq!(queue.certificates, vec![updated.clone()]);
    let history: Vec<HistoryEntry> =
        w.evaluate(Who::Unknown, "History", &CertificateIdRequest { certificate_id: id.clone() }).expect("history");
    assert_eq!(
        (history[0].action, history[0].status, &history[0].actor),
        (Action::SdsUpdated, CertificateStatus::Suspended, &actor(Who::Applicant))
    );
    // A second revision before review is accepted too (same protecting organisation).
    sds.revision += 1;
    w.ok::<Certificate>(
        Who::Applicant,
        "UpdateSds",
        &UpdateSdsRequest { certificate_id: id.clone(), sds: sds.clone() },
    );
    // Another manufacturer is refused by the contract.
    let mut other = sds.clone();
    other.revision += 1;
    let err = w.expect_refused(
        "UNAUTHORIZED",
        Who::OtherApplicant,
        "UpdateSds",
        &UpdateSdsRequest { certificate_id: id.clone(), sds: other },
    );
    assert_eq!(err.reason(), Some("manufacturer.member"));
    // As strict as before: no reinstatement without a fresh signature over the new bytes.
    let err = w.expect_refused(
        "BAD_SIGNATURE",
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: id.clone(), reason: "reviewed".into(), resign: None },
    );
    assert!(err.to_string().contains("fresh signature"), "{err}");
    let resign = w.resignature(Who::Certifier, &id);
    w.ok::<Certificate>(
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: id.clone(), reason: "reviewed".into(), resign: Some(resign) },
    );
    let cert = w.cert(&id);
    assert_eq!(
        (cert.status, cert.resign_required, cert.application.sds.revision),
        (CertificateStatus::Active, false, sds.revision)
    );
    assert_eq!(w.verify(&id).verdict, Verdict::Valid);
    let actions: Vec<(Action, CertificateStatus)> = w
        .evaluate::<_, Vec<HistoryEntry>>(Who::Unknown, "History", &CertificateIdRequest { certificate_id: id.clone() })
        .expect("history")
        .into_iter()
        .map(|h| (h.action, h.status))
        .collect();
    assert_eq!(
        actions,
        vec![
            (Action::Reinstated, CertificateStatus::Active),
            (Action::SdsUpdated, CertificateStatus::Suspended),
            (Action::SdsUpdated, CertificateStatus::Suspended),
            (Action::Approved, CertificateStatus::Active),
            (Action::Applied, CertificateStatus::Pending),
        ]
    );
}

#[test]
fn an_sds_revision_of_a_pending_application_is_what_the_certifier_signs() {
    let mut w = World::governed();
    let id = w.apply("LOT-PS");
    let mut sds = w.cert(&id).application.sds;
    sds.revision += 1;
    let updated: Certificate =
        w.ok(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: id.clone(), sds: sds.clone() });
    assert_eq!((updated.status, updated.resign_required), (CertificateStatus::Pending, false));
    // An approval signed over the old bytes is refused; over the declared revision it issues.
    let mut stale = w.cert(&id);
    stale.application.sds.revision -= 1;
    let req = sign_approval(&stale, Who::Certifier, w.now, 365);
    w.expect_refused("BAD_SIGNATURE", Who::Certifier, "Approve", &req);
    let req = w.approval(Who::Certifier, &id);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
    let cert = w.cert(&id);
    assert_eq!((cert.status, cert.application.sds.revision), (CertificateStatus::Active, sds.revision));
    assert_eq!(w.verify(&id).verdict, Verdict::Valid);
}

/// The supplier is certified by one body, the dependent by another: every change of the
/// supplier commits without writing the dependent, and the dependent's flags follow.
#[test]
fn a_supplier_of_another_certification_body_flags_without_writing_its_dependents() {
    let mut w = World::governed();
    w.add_second_certification_body();
    let s = w.issue("LOT-SUP");
    let d = w.issue_dependent("LOT-DEP", vec![s.clone()], Who::OtherCertifier);
    assert_eq!(policy_of(&w, &cert_key(&d)), Some(peer_of(OTHER_CERTIFIER_MSP)));
    let d_versions = history_len(&w, &cert_key(&d));

    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&s, "supplier audit"));
    assert_eq!(w.last_event().flagged, vec![d.clone()], "followers must re-read the dependent");
    let flags = w.cert(&d).flags;
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(
        (flags[0].supplier_certificate.as_str(), flags[0].supplier_status),
        (s.as_str(), CertificateStatus::Suspended)
    );
    assert_eq!(flags[0].reason, "supplier audit");
    let v = w.verify(&d);
    assert_eq!((v.verdict, v.flags.len()), (Verdict::Valid, 1));
    assert!(v.reason.contains("warning"), "{}", v.reason);

    w.ok::<Certificate>(
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: s.clone(), reason: "ok".into(), resign: None },
    );
    assert_eq!(w.last_event().flagged, vec![d.clone()]);
    assert!(w.cert(&d).flags.is_empty());

    // A new SDS revision of the supplier suspends it, and so flags the dependent.
    let mut sds = w.cert(&s).application.sds;
    sds.revision += 1;
    w.ok::<Certificate>(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: s.clone(), sds });
    assert_eq!(w.last_event().flagged, vec![d.clone()]);
    let flags = w.cert(&d).flags;
    assert_eq!(flags[0].supplier_status, CertificateStatus::Suspended);
    assert!(flags[0].reason.contains("awaits certifier review"), "{flags:?}");

    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&s, "fraud"));
    assert_eq!(w.last_event().flagged, vec![d.clone()]);
    let flags = w.cert(&d).flags;
    assert_eq!((flags[0].supplier_status, flags[0].reason.as_str()), (CertificateStatus::Revoked, "fraud"));

    assert_eq!(history_len(&w, &cert_key(&d)), d_versions, "the dependent's record was never written");
    // The dependent's own body still acts on it; the supplier's body cannot.
    let err = w.expect_refused("UNAUTHORIZED", Who::Certifier, "Suspend", &World::reason(&d, "x"));
    assert_eq!(err.reason(), Some("org.issuer"));
    w.ok::<Certificate>(Who::OtherCertifier, "Suspend", &World::reason(&d, "supplier revoked"));
}

/// Renewal moves the dependents to the new version: suspending the renewal flags a
/// dependent that named the old one, and the event names it.
#[test]
fn renewal_moves_dependents_to_the_new_version() {
    let mut w = World::governed();
    w.add_second_certification_body();
    let s = w.issue("LOT-SUP");
    let d = w.issue_dependent("LOT-DEP", vec![s.clone()], Who::OtherCertifier);
    let renewal = w.renewal(Who::Certifier, &s);
    let ids: IdsResponse = w.ok(Who::Certifier, "Renew", &renewal);
    let s2 = ids.certificate_ids[1].clone();
    assert!(w.cert(&d).flags.is_empty(), "the supersession itself flags nothing");
    assert_eq!(w.cert(&d).application.depends_on, vec![s.clone()], "the dependent's record is not rewritten");

    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&s2, "audit"));
    let event: Event = w.last_event();
    assert_eq!(event.flagged, vec![d.clone()]);
    let flags = w.cert(&d).flags;
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(
        (flags[0].supplier_certificate.as_str(), flags[0].supplier_status),
        (s2.as_str(), CertificateStatus::Suspended)
    );
    // Suspending the superseded version is impossible; its verdict stays SUPERSEDED.
    w.expect_refused("INVALID_TRANSITION", Who::Certifier, "Suspend", &World::reason(&s, "x"));
    assert_eq!(w.verify(&s).verdict, Verdict::Superseded);
}

/// A dependent applied while its supplier is suspended is flagged from Apply on: in the
/// record as read, in the verdict and in the Apply event; reinstating clears it.
#[test]
fn flags_are_set_at_apply_time() {
    let mut w = World::governed();
    let s = w.issue("LOT-SUP");
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&s, "supplier audit"));
    let mut flagged_app = sample_application("LOT-D1");
    flagged_app.depends_on = vec![s.clone()];
    let batch = ApplyBatchRequest { applications: vec![sample_application("LOT-D0"), flagged_app] };
    let ids: IdsResponse = w.ok(Who::Applicant, "ApplyBatch", &batch);
    let event: Event = w.last_event();
    assert_eq!(event.name, events::CERTIFICATE_APPLIED);
    assert_eq!(event.flagged, vec![ids.certificate_ids[1].clone()], "only the dependent is flagged");
    let d = &ids.certificate_ids[1];
    let flags = w.cert(d).flags;
    assert_eq!(flags.len(), 1);
    assert_eq!((flags[0].supplier_certificate.as_str(), flags[0].since), (s.as_str(), T0));
    assert_eq!(w.verify(d).flags, flags);
    assert!(w.cert(&ids.certificate_ids[0]).flags.is_empty());
    let req = w.approval(Who::Certifier, d);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
    assert_eq!(w.cert(d).flags, flags, "approval keeps the flag");
    w.ok::<Certificate>(
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: s.clone(), reason: "ok".into(), resign: None },
    );
    assert!(w.cert(d).flags.is_empty());
}

/// Refusals on the RocksDB ledger change nothing: no state, history, validation
/// parameter, write set, log entry or event, and the hash chain still checks after the
/// ledger is reopened. One refusal per error code, a failing batch item, and a write the
/// ledger invalidates at commit.
#[test]
fn refusals_change_nothing_on_the_rocksdb_ledger() {
    let mut w = DiskWorld::governed();
    let pending = w.apply("LOT-1");
    let active = w.issue("LOT-2");
    let mut sds = w.cert(&active).application.sds;
    sds.revision += 1;
    let reason = World::reason;
    let approval = w.approval(Who::Certifier, &pending);
    w.expect_refused("UNAUTHORIZED", Who::Applicant, "Approve", &approval);
    w.expect_refused("UNAUTHORIZED", Who::Certifier2, "Approve", &approval);
    w.expect_refused(
        "UNAUTHORIZED",
        Who::OtherApplicant,
        "UpdateSds",
        &UpdateSdsRequest { certificate_id: active.clone(), sds: sds.clone() },
    );
    w.expect_refused("UNAUTHORIZED", Who::Applicant, "Suspend", &reason(&active, "x"));
    w.expect_refused("VALIDATION", Who::Certifier, "Suspend", &reason(&active, ""));
    w.expect_refused("NOT_FOUND", Who::Certifier, "Suspend", &reason("NT-AAAAAAAAAAAA", "x"));
    w.expect_refused("INVALID_TRANSITION", Who::Certifier, "Suspend", &reason(&pending, "x"));
    w.expect_refused(
        "INVALID_TRANSITION",
        Who::Certifier,
        "Reinstate",
        &ReinstateRequest { certificate_id: active.clone(), reason: "x".into(), resign: None },
    );
    let mut forged = w.approval(Who::Certifier, &pending);
    forged.signature = "00".repeat(64);
    w.expect_refused("BAD_SIGNATURE", Who::Certifier, "Approve", &forged);
    w.expect_refused("CONFLICT", Who::Admin, "Bootstrap", &BootstrapRequest {});
    w.expect_refused(
        "ALREADY_EXISTS",
        Who::Admin,
        "RegisterOrganization",
        &RegisterOrganizationRequest {
            msp_id: MANUFACTURER_MSP.into(),
            name: "again".into(),
            kind: OrgKind::Manufacturer,
            without_peers: false,
            billing: None,
        },
    );
    let before = w.dump();
    let result = w.submit_raw(Who::Applicant, "Apply", &[b"{not json".to_vec()]);
    w.assert_refused_unchanged(&before, "BAD_REQUEST", "malformed Apply", result);
    // A batch with one bad item writes none of the good ones.
    let mut bad = sample_application("LOT-4");
    bad.product_name = String::new();
    let batch = ApplyBatchRequest { applications: vec![sample_application("LOT-3"), bad] };
    w.expect_refused("VALIDATION", Who::Applicant, "ApplyBatch", &batch);
    let pending2 = w.apply("LOT-5");
    let mut approvals = vec![w.approval(Who::Certifier, &pending), w.approval(Who::Certifier, &pending2)];
    approvals[1].signature = "00".repeat(64);
    let err = w.expect_refused("BAD_SIGNATURE", Who::Certifier, "ApproveBatch", &ApproveBatchRequest { approvals });
    assert!(err.to_string().contains("approvals[1]"), "{err}");
    // A write to the issued certificate by the manufacturer is invalidated at commit.
    let before = w.dump();
    let key = cert_key(&active);
    let result = w.raw(Who::Applicant, |s| {
        s.put_state("unprotected", b"x")?;
        s.put_state(&key, b"{}")?;
        s.set_event("Forged", b"x")
    });
    let err = w.assert_refused_unchanged(&before, "ENDORSEMENT_POLICY_FAILURE", "a manufacturer's write", result);
    let text = err.to_string();
    assert!(text.contains("'CertifierMSP.peer'") && text.contains("ManufacturerMSP"), "{text}");
    // The manufacturer's own flow commits on the same ledger.
    w.ok::<Certificate>(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: active.clone(), sds });
    assert_eq!(w.verify(&active).verdict, Verdict::Suspended);
    let before = w.dump();
    w.reopen();
    assert_eq!(w.dump(), before, "reopening changes nothing");
    w.assert_intact();
    assert_eq!(w.verify(&pending).verdict, Verdict::Pending);
}

/// A World whose second manufacturer and second certification body were registered as
/// organisations without peers (issue 46): members of the channel that endorse nothing.
fn peerless_world() -> World {
    let mut w = World::empty();
    let mut txs = governance_transactions();
    txs.extend(second_certification_body_transactions());
    for (who, function, mut arg) in txs {
        if function == "RegisterOrganization" {
            let mut req: RegisterOrganizationRequest = serde_json::from_slice(&arg).expect("a request");
            req.without_peers = [OTHER_MANUFACTURER_MSP, OTHER_CERTIFIER_MSP].contains(&req.msp_id.as_str());
            arg = serde_json::to_vec(&req).expect("JSON");
        }
        if let Err(e) = w.submit_raw(who, function, &[arg]) {
            panic!("{function} by {who:?} failed: {e}");
        }
    }
    w
}

/// What an organisation without peers owns carries no key-level policy naming its own
/// peer, which could never endorse (its second SDS declaration would be stuck): its client
/// reference, its SDS declaration, and a certificate its certification body issued stay
/// under the chaincode policy, any two organisations that run peers. The same records of
/// organisations with peers name their peer, as before.
#[test]
fn records_of_an_organisation_without_peers_stay_under_the_chaincode_policy() {
    let mut w = peerless_world();
    let orgs: Vec<Organization> = w.evaluate(Who::Auditor, "Organizations", &EmptyRequest {}).expect("organisations");
    let peerless: Vec<&str> = orgs.iter().filter(|o| o.without_peers).map(|o| o.msp_id.as_str()).collect();
    assert_eq!(peerless, [OTHER_CERTIFIER_MSP, OTHER_MANUFACTURER_MSP]);

    let mut theirs = sample_application("LOT-PEERLESS");
    theirs.gtin = Some(OTHER_GTIN.into());
    theirs.client_ref = Some("erin-1".into());
    let ids: IdsResponse = w.ok(Who::OtherApplicant, "Apply", &theirs);
    let id = ids.certificate_ids[0].clone();
    let mut ours = sample_application("LOT-PEERS");
    ours.client_ref = Some("dave-1".into());
    let ours: IdsResponse = w.ok(Who::Applicant, "Apply", &ours);
    let ours = ours.certificate_ids[0].clone();
    let reference = |msp: &str, r: &str| create_composite_key("clientref", &[msp, r]).expect("key");
    assert_eq!(policy_of(&w, &reference(OTHER_MANUFACTURER_MSP, "erin-1")), None);
    assert_eq!(policy_of(&w, &reference(MANUFACTURER_MSP, "dave-1")), Some(peer_of(MANUFACTURER_MSP)));

    // Issued by the body without peers: its keys unprotected; by alice's body: protected.
    let approval = w.approval(Who::OtherCertifier, &id);
    w.ok::<IdsResponse>(Who::OtherCertifier, "Approve", &approval);
    assert_eq!((policy_of(&w, &cert_key(&id)), policy_of(&w, &state_key(&id))), (None, None));
    let approval = w.approval(Who::Certifier, &ours);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
    assert_eq!(policy_of(&w, &state_key(&ours)), Some(peer_of(CERTIFIER_MSP)));

    // Two SDS declarations by the manufacturer without peers: both commit, the key never
    // names its (absent) peer.
    for revision in 1..=2 {
        let mut sds = w.cert(&id).application.sds;
        sds.revision += 1;
        sds.sha256 = format!("{revision}").repeat(64);
        let updated: Certificate =
            w.ok(Who::OtherApplicant, "UpdateSds", &UpdateSdsRequest { certificate_id: id.clone(), sds: sds.clone() });
        assert_eq!(updated.application.sds, sds);
        assert_eq!(policy_of(&w, &sds_key(&id)), None, "declaration {revision}");
    }
    let mut sds = w.cert(&ours).application.sds;
    sds.revision += 1;
    sds.sha256 = "c".repeat(64);
    w.ok::<Certificate>(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: ours.clone(), sds });
    assert_eq!(policy_of(&w, &sds_key(&ours)), Some(peer_of(MANUFACTURER_MSP)));
}

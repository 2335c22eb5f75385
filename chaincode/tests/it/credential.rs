//! `AttachCredential`: the certifier records the proof of a certificate's Verifiable
//! Credential; the contract checks it against the certificate as the ledger holds it and
//! the issuer key that signed the issuance, and every refusal leaves the ledger as it was.
//! A credential always names the certificate's status-list position (one issued before
//! the lists gets it first) under a status base its certification body has on the ledger
//! (`SetStatusBases`).

use nanotrace_chaincode::error::Reason;
use nanotrace_model::credential::{self, CredentialError};
use nanotrace_model::*;
use nanotrace_testkit::*;

fn organizations(w: &World) -> Vec<Organization> {
    w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("organizations")
}

fn trust_list(w: &World) -> Vec<IssuerKey> {
    w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("issuer keys")
}

#[test]
fn a_recorded_proof_is_the_certificates_credential_for_every_verifier() {
    let mut w = World::governed();
    let id = w.issue("LOT-VC");
    let before = w.cert(&id);
    assert!(before.credential.is_none());
    assert_eq!(
        credential::recorded(&before, &trust_list(&w), &organizations(&w), None),
        Err(CredentialError::NotRecorded(id.clone()))
    );
    w.now += 30;
    let req = w.credential_attachment(Who::Certifier, &id);
    let (_, tx_id) =
        w.submit_tx(Who::Certifier, "AttachCredential", &[serde_json::to_vec(&req).expect("json")]).expect("attach");
    let cert = w.cert(&id);
    let proof = cert.credential.clone().expect("recorded");
    assert_eq!((proof.status_base.as_str(), proof.created), (STATUS_BASE, w.now));
    assert_eq!(cert.last_change.action, Action::CredentialSigned);
    assert_eq!(cert.last_change.tx_id, tx_id);
    assert_eq!(cert.status, CertificateStatus::Active);
    let event = w.last_event();
    assert_eq!((event.name.as_str(), event.certificate_ids.clone()), (events::CREDENTIAL_SIGNED, vec![id.clone()]));
    // Rebuilt from the ledger alone, it is exactly what the certifier signed.
    let served =
        credential::recorded(&cert, &trust_list(&w), &organizations(&w), None).expect("the recorded credential");
    let name = credential::issuer_name(&organizations(&w), CERTIFIER_MSP).to_owned();
    let signed =
        credential::sign(&before, &issuer_signing_key(Who::Certifier), &name, STATUS_BASE, w.now).expect("sign");
    assert_eq!(served, signed);
    let public = issuer_signing_key(Who::Certifier).verifying_key().to_bytes();
    credential::verify(&served, &public).expect("verifies");
    // History shows the signing.
    let history: Vec<HistoryEntry> =
        w.evaluate(Who::Unknown, "History", &CertificateIdRequest { certificate_id: id.clone() }).expect("history");
    assert!(history.iter().any(|h| h.action == Action::CredentialSigned), "{history:?}");
    // It names the transaction that issued the certificate.
    let approval = history.iter().find(|h| h.action == Action::Approved).expect("approved");
    assert_eq!(served["credentialSubject"]["issuingTransaction"], approval.tx_id.as_str());
    // Signing again replaces the proof.
    w.now += 60;
    let again = w.credential_attachment(Who::Certifier, &id);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &again);
    assert_eq!(w.cert(&id).credential.expect("recorded").created, w.now);
}

/// The statuses whose lists name certificate `id` (each list read whole).
fn listed_under(w: &World, id: &str) -> Vec<CertificateStatus> {
    CertificateStatus::ALL
        .into_iter()
        .filter(|&status| {
            let page: CertificatePage = w
                .evaluate(
                    Who::Auditor,
                    "ListByStatus",
                    &ListByStatusRequest { status, page_size: 0, bookmark: String::new() },
                )
                .expect("ListByStatus");
            page.certificates.iter().filter(|c| c.id == id).count() == 1
        })
        .collect()
}

#[test]
fn the_credential_survives_a_suspension_and_ends_with_a_fresh_signature() {
    let mut w = World::governed();
    let id = w.issue("LOT-VC2");
    let req = w.credential_attachment(Who::Certifier, &id);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &req);
    let recorded = w.cert(&id).credential;
    // A suspension and a plain reinstatement change nothing the credential says. (The
    // state the attachment wrote names the approval's ACTIVE list, not its own
    // transaction: the suspension finds the certificate there.)
    assert_eq!(listed_under(&w, &id), [CertificateStatus::Active]);
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&id, "audit"));
    assert_eq!(w.cert(&id).credential, recorded);
    assert_eq!(listed_under(&w, &id), [CertificateStatus::Suspended]);
    // While suspended, no new proof.
    let refused = w.credential_attachment(Who::Certifier, &id);
    w.expect_refused("INVALID_TRANSITION", Who::Certifier, "AttachCredential", &refused);
    w.ok::<Certificate>(Who::Certifier, "Reinstate", &World::reason(&id, "passed"));
    assert_eq!(w.cert(&id).credential, recorded);
    credential::recorded(&w.cert(&id), &trust_list(&w), &organizations(&w), None).expect("still the credential");
    // A new SDS revision: the certificate as read differs from what the proof signed.
    let mut sds = w.cert(&id).application.sds;
    sds.revision += 1;
    sds.sha256 = "c".repeat(64);
    w.ok::<Certificate>(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: id.clone(), sds });
    assert_eq!(
        credential::recorded(&w.cert(&id), &trust_list(&w), &organizations(&w), None),
        Err(CredentialError::Outdated(id.clone()))
    );
    // Reinstated with a fresh signature: the old proof is gone; a new one can be made.
    let resign = w.resignature(Who::Certifier, &id);
    let req = ReinstateRequest { certificate_id: id.clone(), reason: "new SDS reviewed".into(), resign: Some(resign) };
    w.ok::<Certificate>(Who::Certifier, "Reinstate", &req);
    assert_eq!(w.cert(&id).credential, None);
    let req = w.credential_attachment(Who::Certifier, &id);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &req);
    credential::recorded(&w.cert(&id), &trust_list(&w), &organizations(&w), None).expect("the new credential");
    // A renewal's new version starts without one; the old keeps its own.
    let renewal = w.renewal(Who::Certifier, &id);
    let ids: IdsResponse = w.ok(Who::Certifier, "Renew", &renewal);
    assert!(w.cert(&ids.certificate_ids[1]).credential.is_none());
    assert!(w.cert(&id).credential.is_some());
    assert_eq!(listed_under(&w, &id), [CertificateStatus::Superseded]);
    assert_eq!(listed_under(&w, &ids.certificate_ids[1]), [CertificateStatus::Active]);
}

#[test]
fn every_refusal_changes_nothing() {
    let mut w = World::governed();
    w.add_second_certification_body();
    let id = w.issue("LOT-VC3");
    let pending = w.apply("LOT-VC3-P");
    let good = w.credential_attachment(Who::Certifier, &id);

    // Who: a manufacturer, a colleague who does not hold the issuing key, another
    // certification body.
    let e = w.expect_refused("UNAUTHORIZED", Who::Applicant, "AttachCredential", &good);
    assert_eq!(e.reason(), Some(Reason::RoleCertifier.as_str()), "{e}");
    let e = w.expect_refused("UNAUTHORIZED", Who::Certifier2, "AttachCredential", &good);
    assert_eq!(e.reason(), Some(Reason::IssuerKeyHolder.as_str()), "{e}");
    let e = w.expect_refused("UNAUTHORIZED", Who::OtherCertifier, "AttachCredential", &good);
    assert_eq!(e.reason(), Some(Reason::OrgIssuer.as_str()), "{e}");

    // What: a proof by another key (the colleague's, registered and usable), a proof of
    // other status lists, a proof made at another time, a forged value.
    let organizations = organizations(&w);
    let by_colleague =
        sign_credential_with(&w.cert(&id), &issuer_signing_key(Who::Certifier2), &organizations, STATUS_BASE, w.now);
    w.expect_refused("BAD_SIGNATURE", Who::Certifier, "AttachCredential", &by_colleague);
    let second = "https://verify2.nanotrace.example";
    let bases =
        SetStatusBasesRequest { msp_id: CERTIFIER_MSP.into(), status_bases: vec![STATUS_BASE.into(), second.into()] };
    w.ok::<Organization>(Who::Admin, "SetStatusBases", &bases);
    let other_lists = AttachCredentialRequest { status_base: second.into(), ..good.clone() };
    w.expect_refused("BAD_SIGNATURE", Who::Certifier, "AttachCredential", &other_lists);
    let moved = AttachCredentialRequest { created: good.created + 1, ..good.clone() };
    w.expect_refused("BAD_SIGNATURE", Who::Certifier, "AttachCredential", &moved);
    for forged in ["z", "zzzz", "not base58", &format!("z{}", bs58::encode([7u8; 64]).into_string())] {
        let req = AttachCredentialRequest { proof_value: forged.into(), ..good.clone() };
        w.expect_refused("BAD_SIGNATURE", Who::Certifier, "AttachCredential", &req);
    }
    // The status-list position's signature (for the offline token): by another key, of
    // another position, of another certificate's, malformed.
    let position = w.cert(&id).status_index.expect("a position");
    assert!(good.position_signature.is_some(), "the client signs the position with the proof");
    let colleague = issuer_signing_key(Who::Certifier2);
    let own = issuer_signing_key(Who::Certifier);
    for (what, signature) in [
        ("another key's", nanotrace_model::status::sign_position(&colleague, &id, position)),
        ("another position's", nanotrace_model::status::sign_position(&own, &id, position + 1)),
        ("another certificate's", nanotrace_model::status::sign_position(&own, &pending, position)),
        ("a malformed", "00".repeat(64)),
    ] {
        let req = AttachCredentialRequest { position_signature: Some(signature), ..good.clone() };
        let e = w.expect_refused("BAD_SIGNATURE", Who::Certifier, "AttachCredential", &req);
        assert!(e.to_string().contains("position_signature"), "{what}: {e}");
    }
    let long = AttachCredentialRequest { position_signature: Some("0".repeat(129)), ..good.clone() };
    w.expect_refused("VALIDATION", Who::Certifier, "AttachCredential", &long);
    let long = AttachCredentialRequest { proof_value: "z".repeat(500), ..good.clone() };
    w.expect_refused("VALIDATION", Who::Certifier, "AttachCredential", &long);

    // Bad fields.
    for base in ["", "ftp://verify.example", "https://verify.example/", "https://verify.example?x=1", "https://a b"] {
        let req = AttachCredentialRequest { status_base: base.into(), ..good.clone() };
        let e = w.expect_refused("VALIDATION", Who::Certifier, "AttachCredential", &req);
        assert!(e.to_string().contains("status_base"), "{e}");
    }
    let stale = sign_credential_with(
        &w.cert(&id),
        &issuer_signing_key(Who::Certifier),
        &organizations,
        STATUS_BASE,
        w.now - 601,
    );
    let e = w.expect_refused("VALIDATION", Who::Certifier, "AttachCredential", &stale);
    assert!(e.to_string().contains("created"), "{e}");
    let unknown = AttachCredentialRequest { certificate_id: "NT-AAAAAAAAAAAA".into(), ..good.clone() };
    w.expect_refused("NOT_FOUND", Who::Certifier, "AttachCredential", &unknown);

    // When: a pending application, an expired certificate, a retired key.
    let req = AttachCredentialRequest { certificate_id: pending, ..good.clone() };
    w.expect_refused("INVALID_TRANSITION", Who::Certifier, "AttachCredential", &req);
    let mut later = w.clone();
    later.now = w.cert(&id).issuance.expect("issued").valid_until + 1;
    let expired = later.credential_attachment(Who::Certifier, &id);
    let e = later.expect_refused("CONFLICT", Who::Certifier, "AttachCredential", &expired);
    assert!(e.to_string().contains("expired"), "{e}");
    let key_id = issuer_key_id_of(Who::Certifier);
    w.ok::<IssuerKey>(Who::Admin, "RetireIssuerKey", &RetireIssuerKeyRequest { key_id, reason: "rotation".into() });
    let e = w.expect_refused("BAD_SIGNATURE", Who::Certifier, "AttachCredential", &good);
    assert!(e.to_string().contains("retired"), "{e}");

    // And the good one, after all that, still works on a fresh world.
    let mut fresh = World::governed();
    let id = fresh.issue("LOT-VC3");
    let good = fresh.credential_attachment(Who::Certifier, &id);
    let recorded = fresh.ok::<Certificate>(Who::Certifier, "AttachCredential", &good);
    let signed = recorded.credential.as_ref().and_then(|p| p.position_signature.clone());
    assert_eq!(signed, good.position_signature, "the position's signature is recorded with the proof");
    // The QR code's token then carries the position (layout 2), and checks offline.
    let token = nanotrace_model::token::OfflineToken::for_certificate(&fresh.cert(&id)).expect("token");
    let trust: Vec<IssuerKey> = fresh.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("trust list");
    let checked = token.verify(&trust, fresh.now).expect("verifies");
    assert_eq!(checked.status_position, recorded.status_index);
}

/// A credential names status lists only under a status base its certification body has on
/// the ledger: another body's, or a URL nobody registered, is refused with the reason
/// token `status_base.registered` and nothing written; the admin sets the bases
/// (`SetStatusBases`), and a credential recorded under a base taken off is no longer one
/// a verifier can serve.
#[test]
fn a_credential_names_only_a_status_base_its_certification_body_has() {
    let mut w = World::governed();
    w.add_second_certification_body();
    let id = w.issue("LOT-VC-BASE");
    let orgs = organizations(&w);
    let ours = orgs.iter().find(|o| o.msp_id == CERTIFIER_MSP).expect("the certification body");
    assert_eq!(ours.status_bases, vec![STATUS_BASE.to_owned()]);
    let key = issuer_signing_key(Who::Certifier);

    // Properly signed, but naming lists the network does not know for this body: a URL
    // nobody registered, and the other certification body's own.
    for base in ["https://verify.attacker.example", OTHER_STATUS_BASE] {
        let req = sign_credential_with(&w.cert(&id), &key, &orgs, base, w.now);
        let e = w.expect_refused("UNAUTHORIZED", Who::Certifier, "AttachCredential", &req);
        assert_eq!(e.reason(), Some(Reason::StatusBaseRegistered.as_str()), "{e}");
        let text = e.to_string();
        assert!(text.contains(base) && text.contains(STATUS_BASE) && text.contains("SetStatusBases"), "{text}");
    }

    // The admin adds a second verifier: a credential may name it from then on.
    let second = "https://verify2.nanotrace.example";
    let set = |bases: &[&str]| SetStatusBasesRequest {
        msp_id: CERTIFIER_MSP.into(),
        status_bases: bases.iter().map(|b| (*b).to_owned()).collect(),
    };
    let org: Organization = w.ok(Who::Admin, "SetStatusBases", &set(&[STATUS_BASE, second]));
    assert_eq!(org.status_bases, vec![STATUS_BASE.to_owned(), second.to_owned()]);
    assert_eq!(w.last_event().name, events::STATUS_BASES_SET);
    let req = sign_credential_with(&w.cert(&id), &key, &organizations(&w), second, w.now);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &req);
    let recorded = |w: &World, own: Option<&str>| {
        credential::recorded(&w.cert(&id), &trust_list(w), &organizations(w), own)
            .map(|vc| vc["credentialStatus"].clone())
    };
    let status = recorded(&w, None).expect("served under a base of its body");
    assert_eq!(status[0]["statusListCredential"], format!("{second}/api/v1/status/revocation/0"));

    // Taken off again: the recorded credential no longer names a base of its body; only a
    // verifier at that very URL, publishing its lists, may still serve it.
    w.ok::<Organization>(Who::Admin, "SetStatusBases", &set(&[STATUS_BASE]));
    assert_eq!(recorded(&w, None), Err(CredentialError::UnknownStatusBase { id: id.clone(), base: second.to_owned() }));
    assert_eq!(recorded(&w, Some(STATUS_BASE)).map(|_| ()), recorded(&w, None).map(|_| ()), "another's own URL");
    assert!(recorded(&w, Some(second)).is_ok());

    // Only the admin sets them, only for a registered certification body, only URLs a
    // credential can name, each once, at most four; each refusal changes nothing.
    let e = w.expect_refused("UNAUTHORIZED", Who::Certifier, "SetStatusBases", &set(&[second]));
    assert_eq!(e.reason(), Some(Reason::RoleAdmin.as_str()), "{e}");
    let manufacturer = SetStatusBasesRequest { msp_id: MANUFACTURER_MSP.into(), ..set(&[second]) };
    w.expect_refused("CONFLICT", Who::Admin, "SetStatusBases", &manufacturer);
    let unknown = SetStatusBasesRequest { msp_id: UNKNOWN_MSP.into(), ..set(&[second]) };
    w.expect_refused("NOT_FOUND", Who::Admin, "SetStatusBases", &unknown);
    for (bases, field) in [
        (vec!["https://verify.example/"], "status_bases[0]"),
        (vec![STATUS_BASE, "https://verify.example?x=1"], "status_bases[1]"),
        (vec!["ftp://verify.example"], "status_bases[0]"),
        (vec![STATUS_BASE, second, STATUS_BASE], "status_bases[2]"),
        (
            vec![
                "https://a.example",
                "https://b.example",
                "https://c.example",
                "https://d.example",
                "https://e.example",
            ],
            "status_bases",
        ),
    ] {
        let e = w.expect_refused("VALIDATION", Who::Admin, "SetStatusBases", &set(&bases));
        assert!(e.to_string().starts_with(&format!("VALIDATION: invalid {field}:")), "{e}");
    }
    // None at all: its certifiers sign no new credential.
    w.ok::<Organization>(Who::Admin, "SetStatusBases", &set(&[]));
    let req = sign_credential_with(&w.cert(&id), &key, &organizations(&w), STATUS_BASE, w.now);
    let e = w.expect_refused("UNAUTHORIZED", Who::Certifier, "AttachCredential", &req);
    assert!(e.to_string().contains("(it has none)"), "{e}");
}

/// A certificate issued before the status lists (no position) cannot have a credential
/// that shows its revocation, so it gets none as it is: a credential recorded for it
/// without status entries is not served, a proof cannot be attached, and
/// `AttachCredential` without a proof gives it a position reserved as an approval reserves
/// one; the credential signed then names it.
#[test]
fn a_certificate_issued_before_the_status_lists_gets_its_position_when_its_credential_is_attached() {
    let mut w = World::governed();
    let signed = w.issue("LOT-OLD-SIGNED");
    let never = w.issue("LOT-OLD-NEVER");
    let key = issuer_signing_key(Who::Certifier);
    let legacy = status_less_proof(&w.cert(&signed), &key, &organizations(&w), STATUS_BASE, w.now);
    w.issued_before_the_status_lists(&signed, Some(legacy.clone()));
    w.issued_before_the_status_lists(&never, None);
    let old = w.cert(&signed);
    assert_eq!((old.status_index, old.credential.as_ref()), (None, Some(&legacy)));
    // What the earlier contract recorded is no credential any more: it could not show a
    // revocation.
    assert_eq!(
        credential::recorded(&old, &trust_list(&w), &organizations(&w), Some(STATUS_BASE)),
        Err(CredentialError::NoStatus(signed.clone()))
    );
    // No proof can be attached before it has a position, nor a credential be made.
    let name = credential::issuer_name(&organizations(&w), CERTIFIER_MSP).to_owned();
    assert_eq!(
        credential::attachment(&old, &key, &name, STATUS_BASE, w.now),
        Err(CredentialError::NoStatus(signed.clone()))
    );
    let with_proof = AttachCredentialRequest {
        certificate_id: signed.clone(),
        status_base: STATUS_BASE.into(),
        created: w.now,
        proof_value: legacy.proof_value.clone(),
        position_signature: None,
        new_position: false,
    };
    let e = w.expect_refused("CONFLICT", Who::Certifier, "AttachCredential", &with_proof);
    assert!(e.to_string().contains("empty proof_value gives it its position"), "{e}");
    // The position request obeys the same rules as an attachment.
    let ask = credential::position_request(&old, STATUS_BASE, w.now).expect("a position request");
    assert_eq!(ask.proof_value, "");
    let foreign = AttachCredentialRequest { status_base: "https://verify.attacker.example".into(), ..ask.clone() };
    let e = w.expect_refused("UNAUTHORIZED", Who::Certifier, "AttachCredential", &foreign);
    assert_eq!(e.reason(), Some(Reason::StatusBaseRegistered.as_str()), "{e}");
    let e = w.expect_refused("UNAUTHORIZED", Who::Certifier2, "AttachCredential", &ask);
    assert_eq!(e.reason(), Some(Reason::IssuerKeyHolder.as_str()), "{e}");

    // Asked without a proof: a position, the status-less credential dropped.
    w.now += 30;
    let ask = credential::position_request(&old, STATUS_BASE, w.now).expect("a position request");
    let (out, tx_id) =
        w.submit_tx(Who::Certifier, "AttachCredential", &[serde_json::to_vec(&ask).expect("JSON")]).expect("position");
    let answered: Certificate = serde_json::from_slice(&out).expect("the certificate");
    let positioned = w.cert(&signed);
    assert_eq!(answered, positioned);
    let position = positioned.status_index.expect("a position");
    assert_eq!(positioned.credential, None);
    assert_eq!(
        (positioned.last_change.action, positioned.last_change.tx_id.as_str()),
        (Action::StatusPositionAssigned, tx_id.as_str())
    );
    assert_eq!(positioned.status, CertificateStatus::Active);
    let event = w.last_event();
    assert_eq!((event.name.as_str(), event.certificate_ids), (events::STATUS_POSITION_ASSIGNED, vec![signed.clone()]));
    // Reserved as an approval reserves its positions: a range of one under its own key.
    let path = status::range_path(position, 0);
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    let range = nanotrace_shim::create_composite_key("status~range", &path).expect("key");
    let reserved: Option<serde_json::Value> = w
        .ledger
        .evaluate(&creator(Who::Auditor), w.ts(), |stub| {
            use nanotrace_shim::Stub;
            Ok::<_, nanotrace_chaincode::ContractError>(
                stub.get_state(&range)?.map(|v| serde_json::from_slice(&v).expect("JSON")),
            )
        })
        .expect("read");
    assert_eq!(reserved.expect("the position's range")["tx_id"], tx_id.as_str());
    assert_ne!(Some(position), w.cert(&never).status_index);
    // It has its position now: asking again is refused, a proof is required.
    let e = w.expect_refused("VALIDATION", Who::Certifier, "AttachCredential", &ask);
    assert!(e.to_string().starts_with("VALIDATION: invalid proof_value: is required"), "{e}");

    // Signed as the ledger answered it, the credential names the position.
    let req = w.credential_attachment(Who::Certifier, &signed);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &req);
    let vc = credential::recorded(&w.cert(&signed), &trust_list(&w), &organizations(&w), None).expect("served");
    assert_eq!(vc["credentialStatus"][0]["statusListIndex"], position.to_string());
    assert_eq!(vc["credentialStatus"][1]["statusListCredential"], format!("{STATUS_BASE}/api/v1/status/suspension/0"));
    let history: Vec<HistoryEntry> =
        w.evaluate(Who::Unknown, "History", &CertificateIdRequest { certificate_id: signed.clone() }).expect("history");
    let actions: Vec<Action> = history.iter().take(2).map(|h| h.action).collect();
    assert_eq!(actions, [Action::CredentialSigned, Action::StatusPositionAssigned], "{history:?}");

    // The one never signed: the same two steps.
    let ask = credential::position_request(&w.cert(&never), STATUS_BASE, w.now).expect("a position request");
    let answered: Certificate = w.ok(Who::Certifier, "AttachCredential", &ask);
    let other = answered.status_index.expect("a position");
    assert_ne!(other, position);
    let req = w.credential_attachment(Who::Certifier, &never);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &req);
    credential::recorded(&w.cert(&never), &trust_list(&w), &organizations(&w), None).expect("served");
}

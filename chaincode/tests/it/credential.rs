//! `AttachCredential`: the certifier records the proof of a certificate's Verifiable
//! Credential; the contract checks it against the certificate as the ledger holds it and
//! the issuer key that signed the issuance, and every refusal leaves the ledger as it was.

use nanotrace_chaincode::error::reason;
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
        credential::recorded(&before, &trust_list(&w), &organizations(&w)),
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
    let served = credential::recorded(&cert, &trust_list(&w), &organizations(&w)).expect("the recorded credential");
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
    credential::recorded(&w.cert(&id), &trust_list(&w), &organizations(&w)).expect("still the credential");
    // A new SDS revision: the certificate as read differs from what the proof signed.
    let mut sds = w.cert(&id).application.sds;
    sds.revision += 1;
    sds.sha256 = "c".repeat(64);
    w.ok::<Certificate>(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: id.clone(), sds });
    assert_eq!(
        credential::recorded(&w.cert(&id), &trust_list(&w), &organizations(&w)),
        Err(CredentialError::Outdated(id.clone()))
    );
    // Reinstated with a fresh signature: the old proof is gone; a new one can be made.
    let resign = w.resignature(Who::Certifier, &id);
    let req = ReinstateRequest { certificate_id: id.clone(), reason: "new SDS reviewed".into(), resign: Some(resign) };
    w.ok::<Certificate>(Who::Certifier, "Reinstate", &req);
    assert_eq!(w.cert(&id).credential, None);
    let req = w.credential_attachment(Who::Certifier, &id);
    w.ok::<Certificate>(Who::Certifier, "AttachCredential", &req);
    credential::recorded(&w.cert(&id), &trust_list(&w), &organizations(&w)).expect("the new credential");
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
    assert_eq!(e.reason(), Some(reason::ROLE_CERTIFIER), "{e}");
    let e = w.expect_refused("UNAUTHORIZED", Who::Certifier2, "AttachCredential", &good);
    assert_eq!(e.reason(), Some(reason::ISSUER_KEY_HOLDER), "{e}");
    let e = w.expect_refused("UNAUTHORIZED", Who::OtherCertifier, "AttachCredential", &good);
    assert_eq!(e.reason(), Some(reason::ORG_ISSUER), "{e}");

    // What: a proof by another key (the colleague's, registered and usable), a proof of
    // other status lists, a proof made at another time, a forged value.
    let organizations = organizations(&w);
    let by_colleague =
        sign_credential_with(&w.cert(&id), &issuer_signing_key(Who::Certifier2), &organizations, STATUS_BASE, w.now);
    w.expect_refused("BAD_SIGNATURE", Who::Certifier, "AttachCredential", &by_colleague);
    let other_lists = AttachCredentialRequest { status_base: "https://elsewhere.example".into(), ..good.clone() };
    w.expect_refused("BAD_SIGNATURE", Who::Certifier, "AttachCredential", &other_lists);
    let moved = AttachCredentialRequest { created: good.created + 1, ..good.clone() };
    w.expect_refused("BAD_SIGNATURE", Who::Certifier, "AttachCredential", &moved);
    for forged in ["z", "zzzz", "not base58", &format!("z{}", bs58::encode([7u8; 64]).into_string())] {
        let req = AttachCredentialRequest { proof_value: forged.into(), ..good.clone() };
        w.expect_refused("BAD_SIGNATURE", Who::Certifier, "AttachCredential", &req);
    }
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
    fresh.ok::<Certificate>(Who::Certifier, "AttachCredential", &good);
}

//! Records no certifier signed, written past the contract (as a rogue chaincode package on
//! colluding peers, or a hand on the ledger's disk, could write them): the contract's own
//! `Verify` and the model's signature check ([`check_issuance`]) call each of them UNTRUSTED,
//! never VALID, and say why; a genuine record still verifies, and a forged record of a lot
//! never pushes the lot's genuine certificate aside.

use nanotrace_model::{
    check_issuance, preferred_for_lot, published_sds, CanonicalCertificate, Certificate, CertificateStatus,
    EmptyRequest, Forgery, IssuerKey, PublishedSds, SafetyDataSheet, UpdateSdsRequest, Verdict,
};
use nanotrace_testkit::*;

/// A world with one genuine certificate; its ID.
fn world() -> (World, String) {
    let mut w = World::governed();
    let id = w.issue("LOT-GENUINE");
    (w, id)
}

fn trust_list(w: &World) -> Vec<IssuerKey> {
    w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("IssuerKeys")
}

/// `cert` under another ID of the same form.
fn renamed(cert: &Certificate, id: &str) -> Certificate {
    Certificate { id: id.to_owned(), ..cert.clone() }
}

/// The digest `cert`'s issuance terms give its canonical bytes as they stand.
fn honest_digest(cert: &Certificate) -> String {
    let terms = cert.issuance.as_ref().expect("issued").terms();
    CanonicalCertificate::for_certificate(cert, &terms).digest_hex()
}

/// Forges `cert` onto the ledger and checks that `Verify` calls it UNTRUSTED with
/// `forgery`'s words, and that the model's check names `forgery`.
fn assert_untrusted(w: &mut World, cert: &Certificate, forgery: &Forgery) {
    assert_eq!(check_issuance(cert, &trust_list(w)).as_ref(), Err(forgery), "{}", cert.id);
    w.forge_certificate(cert);
    let v = w.verify(&cert.id);
    assert_eq!(v.verdict, Verdict::Untrusted, "{}: {}", cert.id, v.reason);
    assert!(v.reason.contains(&forgery.to_string()), "{}: {}", cert.id, v.reason);
    assert_eq!(v.since, None, "no date of a record no certifier vouched for");
}

#[test]
fn a_genuine_record_verifies() {
    let (w, id) = world();
    let cert = w.cert(&id);
    assert_eq!(check_issuance(&cert, &trust_list(&w)), Ok(()));
    assert_eq!(w.verify(&id).verdict, Verdict::Valid);
    // Without the trust list nothing vouches for it.
    let key = cert.issuance.as_ref().expect("issued").issuer_key_id.clone();
    assert_eq!(check_issuance(&cert, &[]), Err(Forgery::UnknownKey(key.clone())));
}

#[test]
fn a_key_is_checked_as_the_trust_list_in_hand_gives_it() {
    // The check keeps decoded keys for reuse: by the key itself, never by its ID, so a list
    // that gives the same ID another key (or no key at all) is checked with what it gives.
    let (w, id) = world();
    let cert = w.cert(&id);
    let genuine = trust_list(&w);
    let key = cert.issuance.as_ref().expect("issued").issuer_key_id.clone();
    let with_public = |public: String| -> Vec<IssuerKey> {
        genuine
            .iter()
            .cloned()
            .map(|k| if k.key_id == key { IssuerKey { public_key: public.clone(), ..k } } else { k })
            .collect()
    };
    let other = hex::encode(ed25519_dalek::SigningKey::from_bytes(&[0xa5; 32]).verifying_key().to_bytes());
    for _ in 0..2 {
        assert_eq!(check_issuance(&cert, &genuine), Ok(()));
        assert_eq!(check_issuance(&cert, &with_public(other.clone())), Err(Forgery::BadSignature(key.clone())));
        assert_eq!(check_issuance(&cert, &with_public("zz".into())), Err(Forgery::BadKey(key.clone())));
    }
}

#[test]
fn a_signature_copied_onto_another_certificate_is_untrusted() {
    let (mut w, id) = world();
    let genuine = w.cert(&id);
    let forged = renamed(&genuine, "NT-FORGED222222");
    let recorded = genuine.issuance.as_ref().expect("issued").digest.clone();
    assert_untrusted(&mut w, &forged, &Forgery::DigestMismatch { recorded, actual: honest_digest(&forged) });

    // The digest made to match: the certifier's signature still covers the other ID.
    let mut forged = renamed(&genuine, "NT-FORGED333333");
    let digest = honest_digest(&forged);
    forged.issuance.as_mut().expect("issued").digest = digest;
    let key = forged.issuance.as_ref().expect("issued").issuer_key_id.clone();
    assert_untrusted(&mut w, &forged, &Forgery::BadSignature(key));

    // Longer in force than the certifier signed, even with the digest made to match.
    let mut forged = renamed(&genuine, "NT-FORGED444444");
    forged.issuance.as_mut().expect("issued").valid_until += 365 * DAY;
    let digest = honest_digest(&forged);
    forged.issuance.as_mut().expect("issued").digest = digest;
    let key = forged.issuance.as_ref().expect("issued").issuer_key_id.clone();
    assert_untrusted(&mut w, &forged, &Forgery::BadSignature(key));
}

#[test]
fn keys_the_trust_list_does_not_give_the_issuer_then_are_untrusted() {
    let (mut w, id) = world();
    let genuine = w.cert(&id);
    let keys = trust_list(&w);
    let key = keys.iter().find(|k| k.key_id == issuer_key_id_of(Who::Certifier)).expect("the certifier's key");

    let mut forged = renamed(&genuine, "NT-FORGED555555");
    forged.issuance.as_mut().expect("issued").issuer_key_id = "ik-0000000000000000".into();
    assert_untrusted(&mut w, &forged, &Forgery::UnknownKey("ik-0000000000000000".into()));

    // The issuing organisation's name changed: the key is another organisation's.
    let mut forged = renamed(&genuine, "NT-FORGED666666");
    forged.issuance.as_mut().expect("issued").issuer_org = GOV_MSP.into();
    let wrong = Forgery::OtherOrganisation {
        key_id: key.key_id.clone(),
        holder_org: CERTIFIER_MSP.into(),
        issuer_org: GOV_MSP.into(),
    };
    assert_untrusted(&mut w, &forged, &wrong);

    // Issued before the key's window opened.
    let mut forged = renamed(&genuine, "NT-FORGED777777");
    forged.issuance.as_mut().expect("issued").issued_at = key.valid_from - 1;
    let early = Forgery::KeyNotInForce { key_id: key.key_id.clone(), issued_at: key.valid_from - 1 };
    assert_untrusted(&mut w, &forged, &early);

    // Not a signature at all.
    let mut forged = renamed(&genuine, "NT-FORGED222223");
    forged.issuance.as_mut().expect("issued").signature = "zz".into();
    let digest = honest_digest(&forged);
    forged.issuance.as_mut().expect("issued").digest = digest;
    assert_untrusted(&mut w, &forged, &Forgery::MalformedSignature);
}

#[test]
fn an_application_changed_after_signing_is_untrusted_and_an_expired_forgery_is_not_expired() {
    let (mut w, id) = world();
    let recorded = w.cert(&id).issuance.expect("issued").digest;
    w.rewrite_record(&id, |record| {
        record["application"]["product_name"] = "Something the certifier never saw".into();
    });
    let changed = w.cert(&id);
    let forgery = Forgery::DigestMismatch { recorded, actual: honest_digest(&changed) };
    assert_eq!(check_issuance(&changed, &trust_list(&w)), Err(forgery.clone()));
    let v = w.verify(&id);
    assert_eq!(v.verdict, Verdict::Untrusted, "{}", v.reason);
    assert!(v.reason.contains(&forgery.to_string()), "{}", v.reason);

    // Past its validity a forged record is UNTRUSTED still, not merely EXPIRED.
    let (mut w, id) = world();
    let mut forged = renamed(&w.cert(&id), "NT-FORGED234567");
    forged.issuance.as_mut().expect("issued").valid_until = w.now - DAY;
    forged.issuance.as_mut().expect("issued").issued_at = w.now - 2 * DAY;
    w.forge_certificate(&forged);
    assert_eq!(w.verify(&forged.id).verdict, Verdict::Untrusted);
}

#[test]
fn a_forged_record_of_a_lot_never_pushes_its_genuine_certificate_aside() {
    let (mut w, id) = world();
    let genuine = w.cert(&id);
    // Newer than the genuine one, so that it would be preferred if it were VALID.
    let mut forged = renamed(&genuine, "NT-FORGED765432");
    forged.applied_at += DAY;
    forged.issuance.as_mut().expect("issued").issued_at += 60;
    assert_eq!(forged.status, CertificateStatus::Active);
    let keys = trust_list(&w);
    let lot = [forged.clone(), genuine.clone()];
    assert_eq!(preferred_for_lot(&lot, &keys, w.now).map(|c| c.id.as_str()), Some(id.as_str()));
    // Alone in its lot it is shown, as what it is.
    let alone = [forged.clone()];
    assert_eq!(preferred_for_lot(&alone, &keys, w.now).map(|c| c.id.as_str()), Some(forged.id.as_str()));
    w.forge_certificate(&forged);
    assert_eq!(w.verify(&forged.id).verdict, Verdict::Untrusted);
}

/// Issue 71: a certificate suspended for the review of an SDS revision its manufacturer
/// declared is read with the revision its certifier signed (`reviewed_sds`), which a
/// reader publishes only once the signature verifies with it in place; the declared one
/// awaits review. A reviewed revision that is not the signed one (a peer's invention)
/// is published by nobody; the certifier's re-signature makes the declared one reviewed.
#[test]
fn only_a_signed_sds_revision_is_published() {
    let (mut w, id) = world();
    let signed = w.cert(&id).application.sds;
    let keys = trust_list(&w);
    let published = |cert: &Certificate| {
        let found = published_sds(cert, check_issuance(cert, &keys).is_ok(), &keys);
        (found.reviewed.cloned(), found.awaiting_review)
    };
    assert_eq!(published(&w.cert(&id)), (Some(signed.clone()), None));

    let declared =
        SafetyDataSheet { url: "https://evil.example/sds.pdf".into(), revision: signed.revision + 1, ..signed.clone() };
    w.ok::<Certificate>(
        Who::Applicant,
        "UpdateSds",
        &UpdateSdsRequest { certificate_id: id.clone(), sds: declared.clone() },
    );
    let suspended = w.cert(&id);
    assert_eq!((suspended.status, &suspended.application.sds), (CertificateStatus::Suspended, &declared));
    assert_eq!(suspended.reviewed_sds.as_ref(), Some(&signed), "the contract hands over the signed revision");
    assert_eq!(published(&suspended), (Some(signed.clone()), Some(declared.revision)));
    // Told of a revision no certifier signed as reviewed, a reader believes nothing.
    let invented = Certificate { reviewed_sds: Some(declared.clone()), ..suspended.clone() };
    assert_eq!(published(&invented), (None, Some(declared.revision)));
    // Trusted as signed by its caller, the current revision is published as it stands.
    assert_eq!(
        published_sds(&suspended, true, &keys),
        PublishedSds { reviewed: Some(&declared), awaiting_review: None }
    );
    // An application: nothing reviewed.
    let pending = w.apply("LOT-PENDING");
    assert_eq!(published(&w.cert(&pending)), (None, Some(signed.revision)));

    // The certifier re-signs: the declared revision is the reviewed one, nothing awaits.
    let resign = Some(w.resignature(Who::Certifier, &id));
    let req = nanotrace_model::ReinstateRequest { certificate_id: id.clone(), reason: "SDS reviewed".into(), resign };
    let reinstated: Certificate = w.ok(Who::Certifier, "Reinstate", &req);
    assert_eq!(reinstated.reviewed_sds, None);
    assert_eq!(published(&w.cert(&id)), (Some(declared.clone()), None));
}

//! Issue 46: an organisation leaves the consortium (`RetireOrganization`). A certification
//! body that lost its accreditation decides nothing more — its certifiers' roles end and
//! its issuer keys are retired — while what it issued stays verifiable, VALID until it
//! expires; a manufacturer that left applies and declares nothing more. The governing
//! organisation cannot be retired, nor one twice; nothing is written by a refusal.

use nanotrace_chaincode::error::Reason;
use nanotrace_model::*;
use nanotrace_testkit::*;

fn retire(msp: &str, reason: &str) -> RetireOrganizationRequest {
    RetireOrganizationRequest { msp_id: msp.into(), reason: reason.into() }
}

fn organization(w: &World, msp: &str) -> Organization {
    let all: Vec<Organization> = w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("organizations");
    all.into_iter().find(|o| o.msp_id == msp).expect("registered")
}

fn issuer_keys(w: &World, msp: &str) -> Vec<IssuerKey> {
    let all: Vec<IssuerKey> = w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {}).expect("issuer keys");
    all.into_iter().filter(|k| k.holder.msp_id == msp).collect()
}

#[test]
fn a_retired_certification_body_decides_nothing_more_and_what_it_issued_stays_verifiable() {
    let mut w = World::governed();
    w.add_second_certification_body();
    let issued = w.apply("LOT-RETIRE-1");
    let approval = w.approval(Who::Certifier, &issued);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
    let pending = w.apply("LOT-RETIRE-2");
    assert!(issuer_keys(&w, CERTIFIER_MSP).iter().all(|k| k.retired_at.is_none()));

    w.now += 60;
    let retired: Organization =
        w.ok(Who::Admin, "RetireOrganization", &retire(CERTIFIER_MSP, "accreditation withdrawn by the national body"));
    let record = retired.retired.clone().expect("retired");
    assert_eq!(
        (record.at, record.by, record.reason.as_str()),
        (w.now, actor(Who::Admin), "accreditation withdrawn by the national body")
    );
    assert_eq!(organization(&w, CERTIFIER_MSP), retired, "the record as the contract answered it");
    // Every issuer key of the body retired with the reason; the other body's untouched.
    let keys = issuer_keys(&w, CERTIFIER_MSP);
    assert!(!keys.is_empty());
    for key in &keys {
        assert_eq!(key.retired_at, Some(w.now), "{}", key.key_id);
        assert!(key.retired_reason.as_deref().is_some_and(|r| r.starts_with("organisation retired: ")), "{key:?}");
    }
    assert!(issuer_keys(&w, OTHER_CERTIFIER_MSP).iter().all(|k| k.retired_at.is_none()));

    // What it issued before stays VALID (its key vouches for what it signed in force).
    assert_eq!(w.verify(&issued).verdict, Verdict::Valid);
    // Its certifiers decide nothing more: their roles ended with the organisation.
    let approval = w.approval(Who::Certifier, &pending);
    let err = w.expect_refused("UNAUTHORIZED", Who::Certifier, "Approve", &approval);
    assert_eq!(err.reason(), Some(Reason::RoleCertifier.as_str()), "{err}");
    w.expect_refused("UNAUTHORIZED", Who::Certifier, "Suspend", &World::reason(&issued, "audit"));
    // … and get no role back; the other body decides instead.
    let err = w.expect_refused("CONFLICT", Who::Admin, "GrantRole", &grant(Who::Certifier, Role::Certifier));
    assert!(err.to_string().contains("was retired"), "{err}");
    let approval = w.approval(Who::OtherCertifier, &pending);
    w.ok::<IdsResponse>(Who::OtherCertifier, "Approve", &approval);
    assert_eq!(w.verify(&pending).verdict, Verdict::Valid);

    // Once only; never the governing organisation; only what is registered; a reason.
    let err = w.expect_refused("CONFLICT", Who::Admin, "RetireOrganization", &retire(CERTIFIER_MSP, "again"));
    assert!(err.to_string().contains("retired already"), "{err}");
    let err = w.expect_refused("CONFLICT", Who::Admin, "RetireOrganization", &retire(GOV_MSP, "a coup"));
    assert!(err.to_string().contains("governs the consortium"), "{err}");
    w.expect_refused("NOT_FOUND", Who::Admin, "RetireOrganization", &retire("NobodyMSP", "gone"));
    w.expect_refused("VALIDATION", Who::Admin, "RetireOrganization", &retire(OTHER_CERTIFIER_MSP, ""));
    w.expect_refused("VALIDATION", Who::Admin, "RetireOrganization", &retire(OTHER_CERTIFIER_MSP, "two\nlines"));
    assert!(organization(&w, OTHER_CERTIFIER_MSP).retired.is_none(), "a refusal writes nothing");
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "RetireOrganization", &retire(OTHER_CERTIFIER_MSP, "x"));
    assert_eq!(err.reason(), Some(Reason::RoleAdmin.as_str()), "{err}");
}

#[test]
fn a_retired_manufacturer_applies_and_declares_nothing_more() {
    let mut w = World::governed();
    let id = w.apply("LOT-LEAVING");
    let approval = w.approval(Who::Certifier, &id);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
    w.ok::<Organization>(Who::Admin, "RetireOrganization", &retire(MANUFACTURER_MSP, "left the consortium"));
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "Apply", &sample_application("LOT-AFTER"));
    assert_eq!(err.reason(), Some(Reason::OrganizationRetired.as_str()), "{err}");
    assert!(err.to_string().contains("left the consortium"), "{err}");
    let batch = ApplyBatchRequest { applications: vec![sample_application("LOT-AFTER-2")] };
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "ApplyBatch", &batch);
    assert_eq!(err.reason(), Some(Reason::OrganizationRetired.as_str()), "{err}");
    let mut sds = w.cert(&id).application.sds;
    sds.revision += 1;
    sds.sha256 = "c".repeat(64);
    let err = w.expect_refused(
        "UNAUTHORIZED",
        Who::Applicant,
        "UpdateSds",
        &UpdateSdsRequest { certificate_id: id.clone(), sds },
    );
    assert_eq!(err.reason(), Some(Reason::OrganizationRetired.as_str()), "{err}");
    // Its certificate reads as before: VALID until it expires, unless the body revokes it.
    assert_eq!(w.verify(&id).verdict, Verdict::Valid);
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&id, "product withdrawn"));
    assert_eq!(w.verify(&id).verdict, Verdict::Revoked);
}

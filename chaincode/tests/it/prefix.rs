//! Issue 44: a GTIN belongs to its manufacturer. The governance admin records each
//! manufacturer's GS1 Company Prefixes (`SetCompanyPrefixes`); `Apply` and `ApplyBatch`
//! refuse a GTIN outside the applicant organisation's prefixes, writing nothing; what was
//! recorded before stays as it was.

use nanotrace_chaincode::error::Reason;
use nanotrace_chaincode::ContractError;
use nanotrace_model::sample::MANUFACTURER_COMPANY_PREFIX;
use nanotrace_model::*;
use nanotrace_testkit::*;

fn set(msp: &str, prefixes: &[&str]) -> SetCompanyPrefixesRequest {
    SetCompanyPrefixesRequest { msp_id: msp.into(), prefixes: prefixes.iter().map(|p| p.to_string()).collect() }
}

fn organization(w: &World, msp: &str) -> Organization {
    let all: Vec<Organization> = w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("organizations");
    all.into_iter().find(|o| o.msp_id == msp).expect("registered")
}

fn assert_gtin_refused(err: &ContractError, gtin: &str) {
    assert_eq!(err.reason(), Some(Reason::GtinPrefix.as_str()), "{err}");
    assert!(err.to_string().contains(&format!("gtin {gtin} is under none")), "{err}");
}

/// The attack of issue 44: a member of another manufacturer files an application for the
/// sample manufacturer's GTIN (with an SDS link of its choice). Refused, nothing written,
/// alone or inside a batch; its own GTINs it may apply for.
#[test]
fn a_manufacturer_applies_only_for_gtins_under_its_own_prefixes() {
    let mut w = World::governed();
    let mut foreign = sample_application("LOT-FOREIGN");
    foreign.sds.url = "https://sds-download.example.net/acme.pdf".into();
    let err = w.expect_refused("UNAUTHORIZED", Who::OtherApplicant, "Apply", &foreign);
    assert_gtin_refused(&err, "4006381333931");
    assert!(err.to_string().contains(&format!("{OTHER_MANUFACTURER_MSP} holds {OTHER_COMPANY_PREFIX}")), "{err}");
    // In a batch: the item is named, and its good neighbours are not written either.
    let batch = ApplyBatchRequest { applications: vec![other_application("LOT-OWN"), foreign.clone()] };
    let err = w.expect_refused("UNAUTHORIZED", Who::OtherApplicant, "ApplyBatch", &batch);
    assert_eq!(err.reason(), Some(Reason::GtinPrefix.as_str()));
    assert!(err.to_string().contains("applications[1]: gtin 4006381333931"), "{err}");
    // The same GTIN in every length a GTIN can be written in, and its cases' GTIN-14.
    for gtin in ["04006381333931", "14006381333938"] {
        let mut app = sample_application("LOT-FORM");
        app.gtin = Some(gtin.into());
        let err = w.expect_refused("UNAUTHORIZED", Who::OtherApplicant, "Apply", &app);
        assert_gtin_refused(&err, gtin);
        w.ok::<IdsResponse>(Who::Applicant, "Apply", &app);
    }
    // Each applies for its own.
    let ids: IdsResponse = w.ok(
        Who::OtherApplicant,
        "ApplyBatch",
        &ApplyBatchRequest { applications: vec![other_application("LOT-OWN-1"), other_application("LOT-OWN-2")] },
    );
    assert_eq!(ids.certificate_ids.len(), 2);
    w.ok::<IdsResponse>(Who::Applicant, "Apply", &foreign);
    // The sample manufacturer may not apply for the other's GTIN either.
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "Apply", &other_application("LOT-X"));
    assert_gtin_refused(&err, OTHER_GTIN);
    // An application without a GTIN names no product a GS1 link reaches: not checked.
    let mut no_gtin = other_application("LOT-NO-GTIN");
    no_gtin.gtin = None;
    w.ok::<IdsResponse>(Who::OtherApplicant, "Apply", &no_gtin);
}

/// An organisation with no prefix applies for no GTIN; a malformed GTIN is still a
/// VALIDATION error about the GTIN, before any prefix is looked at.
#[test]
fn an_organization_without_prefixes_applies_for_no_gtin() {
    let mut w = World::governed();
    w.ok::<Organization>(Who::Admin, "SetCompanyPrefixes", &set(MANUFACTURER_MSP, &[]));
    assert!(organization(&w, MANUFACTURER_MSP).company_prefixes.is_empty());
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "Apply", &sample_application("LOT-1"));
    assert_gtin_refused(&err, "4006381333931");
    assert!(err.to_string().contains("ManufacturerMSP holds no GS1 Company Prefix yet"), "{err}");
    let mut bad = sample_application("LOT-2");
    bad.gtin = Some("4006381333932".into());
    let err = w.expect_refused("VALIDATION", Who::Applicant, "Apply", &bad);
    assert!(err.to_string().contains("gtin"), "{err}");
}

/// `SetCompanyPrefixes`: the governance admin's, for a registered manufacturer; the list
/// replaces the one before, sorted; no prefix (nor one overlapping it) is held by two
/// organisations; bad input changes nothing.
#[test]
fn prefixes_are_set_by_the_admin_for_one_manufacturer_each() {
    let mut w = World::governed();
    let org: Organization =
        w.ok(Who::Admin, "SetCompanyPrefixes", &set(MANUFACTURER_MSP, &["5012345", MANUFACTURER_COMPANY_PREFIX]));
    assert_eq!(org.company_prefixes, [MANUFACTURER_COMPANY_PREFIX, "5012345"]);
    assert_eq!(organization(&w, MANUFACTURER_MSP), org);
    assert_eq!(w.last_event().name, events::COMPANY_PREFIXES_SET);
    // Organisations without prefixes say nothing about them.
    let json: serde_json::Value = w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("organizations");
    let certifier = json.as_array().expect("list").iter().find(|o| o["msp_id"] == CERTIFIER_MSP).expect("certifier");
    assert!(certifier.get("company_prefixes").is_none(), "{certifier}");

    // Another organisation's prefix, the same or overlapping either way: CONFLICT.
    for taken in [OTHER_COMPANY_PREFIX, "59012", "590123412"] {
        let err =
            w.expect_refused("CONFLICT", Who::Admin, "SetCompanyPrefixes", &set(MANUFACTURER_MSP, &["4006", taken]));
        assert!(
            err.to_string().contains(&format!("prefixes[1] {taken} overlaps the GS1 Company Prefix {OTHER_COMPANY_PREFIX} of {OTHER_MANUFACTURER_MSP}")),
            "{err}"
        );
    }
    // Bad prefixes and lists: VALIDATION naming the item.
    for (prefixes, field) in [
        (vec!["400"], "prefixes[0]"),
        (vec!["4006381", "40063811"], "prefixes[1]"),
        (vec!["4006381", "4006381"], "prefixes[1]"),
        (vec!["4006381", "2000001"], "prefixes[1]"),
        (vec!["4006381", "4006 38"], "prefixes[1]"),
    ] {
        let err = w.expect_refused("VALIDATION", Who::Admin, "SetCompanyPrefixes", &set(MANUFACTURER_MSP, &prefixes));
        assert!(err.to_string().contains(field), "{prefixes:?}: {err}");
    }
    // Only for a registered manufacturer.
    let err = w.expect_refused("CONFLICT", Who::Admin, "SetCompanyPrefixes", &set(CERTIFIER_MSP, &["7001234"]));
    assert!(err.to_string().contains("for manufacturer organisations"), "{err}");
    w.expect_refused("NOT_FOUND", Who::Admin, "SetCompanyPrefixes", &set("NobodyMSP", &["7001234"]));
    w.expect_refused("VALIDATION", Who::Admin, "SetCompanyPrefixes", &set("", &["7001234"]));
    // Not by the organisation itself, nor by anyone but the admin.
    for who in [Who::Applicant, Who::ManufacturerAdmin, Who::Certifier, Who::Auditor] {
        let err = w.expect_refused("UNAUTHORIZED", who, "SetCompanyPrefixes", &set(MANUFACTURER_MSP, &["7001234"]));
        assert_eq!(err.reason(), Some(Reason::RoleAdmin.as_str()), "{who:?}");
    }
    // A prefix given up may go to another organisation.
    w.ok::<Organization>(Who::Admin, "SetCompanyPrefixes", &set(OTHER_MANUFACTURER_MSP, &[]));
    w.ok::<Organization>(Who::Admin, "SetCompanyPrefixes", &set(MANUFACTURER_MSP, &[OTHER_COMPANY_PREFIX]));
    w.ok::<IdsResponse>(Who::Applicant, "Apply", &other_application("LOT-MOVED"));
}

/// What was recorded before stays as it was: a certificate (and a pending application)
/// whose GTIN no prefix of its manufacturer covers any longer keeps its status, verifies
/// VALID, can be approved, renewed, suspended and reinstated; only new applications are
/// refused.
#[test]
fn records_no_prefix_covers_stay_as_they_were() {
    let mut w = World::governed();
    let issued = w.issue("LOT-BEFORE");
    let pending = w.apply("LOT-PENDING");
    w.ok::<Organization>(Who::Admin, "SetCompanyPrefixes", &set(MANUFACTURER_MSP, &["4012345"]));
    assert_eq!(w.verify(&issued).verdict, Verdict::Valid);
    let approval = w.approval(Who::Certifier, &pending);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
    assert_eq!(w.verify(&pending).verdict, Verdict::Valid);
    w.now += DAY;
    let renewal = w.renewal(Who::Certifier, &issued);
    let renewed: IdsResponse = w.ok(Who::Certifier, "Renew", &renewal);
    let new = &renewed.certificate_ids[1];
    assert_eq!(w.cert(new).application.gtin.as_deref(), Some("4006381333931"));
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(new, "audit"));
    let reinstate = ReinstateRequest { certificate_id: new.clone(), reason: "audit passed".into(), resign: None };
    w.ok::<Certificate>(Who::Certifier, "Reinstate", &reinstate);
    assert_eq!(w.verify(new).verdict, Verdict::Valid);
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "Apply", &sample_application("LOT-AFTER"));
    assert_gtin_refused(&err, "4006381333931");
}

/// Issue 71: GS1 allocates no GS1 Company Prefix inside the GTIN-8 range (a GTIN-8's
/// 14-digit form starts with `000000`) — each GTIN-8 is allocated on its own — nor in the
/// ranges it keeps for restricted circulation, coupons, refund receipts and
/// demonstrations. The admin registering `00000` for one organisation would have let its
/// members apply for every GTIN-8 in the world and refused the real owner's registration.
/// Refused, naming the rule; one GTIN-8 is registered by its own 12 digits.
#[test]
fn no_prefix_captures_the_gtin_8_range_or_a_restricted_one() {
    let mut w = World::governed();
    for (bad, why) in [
        ("00000", "GTIN-8"),
        ("000009", "GTIN-8"),
        ("00000963850", "GTIN-8"),
        ("000000123456", "restricted-circulation"),
        ("000002123456", "restricted-circulation"),
        ("0512345", "coupon"),
        ("9812345", "coupon"),
        ("9912345", "coupon"),
        ("9801234", "refund receipt"),
        ("9521234", "demonstration"),
    ] {
        let err = w.expect_refused("VALIDATION", Who::Admin, "SetCompanyPrefixes", &set(MANUFACTURER_MSP, &[bad]));
        assert!(err.to_string().contains(why), "{bad}: {err}");
    }
    // One GTIN-8, by its 12 digits: its holder applies for it, another organisation cannot
    // take it, and the registrations of GTIN-8s beside it stay possible.
    w.ok::<Organization>(
        Who::Admin,
        "SetCompanyPrefixes",
        &set(OTHER_MANUFACTURER_MSP, &[OTHER_COMPANY_PREFIX, "000009638507"]),
    );
    let mut app = other_application("LOT-GTIN8");
    app.gtin = Some("96385074".into());
    w.ok::<IdsResponse>(Who::OtherApplicant, "Apply", &app);
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "Apply", &app);
    assert_gtin_refused(&err, "96385074");
    w.expect_refused("CONFLICT", Who::Admin, "SetCompanyPrefixes", &set(MANUFACTURER_MSP, &["000009638507"]));
    w.ok::<Organization>(
        Who::Admin,
        "SetCompanyPrefixes",
        &set(MANUFACTURER_MSP, &[MANUFACTURER_COMPANY_PREFIX, "000009638514"]),
    );
}

//! Issue 75, paid certification: a certification body's fee schedules for a manufacturer
//! and its quotes for that manufacturer's applications live in the two organisations'
//! billing collection — private data, never in the public state, the arguments or an
//! event — priced from the schedule in force when the application was filed; bad input
//! changes nothing.

use nanotrace_chaincode::error::Reason;
use nanotrace_model::billing::{BillingPair, FeeSchedule, FeeScheduleVersion, FeeSchedules, Quote};
use nanotrace_model::*;
use nanotrace_testkit::*;
use rust_decimal::Decimal;
use serde_json::json;

fn set(schedule: FeeSchedule) -> SetFeeScheduleRequest {
    SetFeeScheduleRequest { manufacturer_msp: MANUFACTURER_MSP.into(), schedule }
}

fn pair() -> BillingPairRequest {
    BillingPairRequest { body_msp: CERTIFIER_MSP.into(), manufacturer_msp: MANUFACTURER_MSP.into() }
}

fn quote_of(id: &str) -> QuoteRequest {
    QuoteRequest { certificate_id: id.into(), body_msp: CERTIFIER_MSP.into() }
}

fn issue(id: &str) -> IssueQuoteRequest {
    IssueQuoteRequest { certificate_id: id.into() }
}

fn amount(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

/// Everything the public state, the events and every transaction's arguments hold, as
/// text: where no billing figure may appear.
fn public_text(w: &World) -> String {
    let state: Vec<String> = w.ledger.snapshot().values().map(|v| String::from_utf8_lossy(v).into_owned()).collect();
    let events: Vec<String> =
        w.ledger.events().iter().map(|e| format!("{} {}", e.name, String::from_utf8_lossy(&e.payload))).collect();
    format!("{}\n{}", state.join("\n"), events.join("\n"))
}

#[test]
fn a_quote_prices_an_application_from_the_schedule_and_stays_between_the_two() {
    let mut w = World::governed();
    let version: FeeScheduleVersion = w.ok(Who::Certifier, "SetFeeSchedule", &set(sample_fee_schedule()));
    assert_eq!((version.effective_from, version.set_at, &version.set_by), (w.now, w.now, &actor(Who::Certifier)));
    let seen: FeeSchedules = w.evaluate(Who::Applicant, "FeeSchedules", &pair()).expect("the manufacturer reads it");
    assert_eq!(seen.versions, vec![version.clone()]);

    let id = w.apply("LOT-PAID-1");
    w.now += 60;
    let quote: Quote = w.ok(Who::Certifier, "IssueQuote", &issue(&id));
    assert_eq!((quote.body_msp.as_str(), quote.manufacturer_msp.as_str()), (CERTIFIER_MSP, MANUFACTURER_MSP));
    assert_eq!(quote.fees, sample_fee_schedule().fees);
    assert_eq!(quote.totals.line_extension_amount, amount("1460.00"), "500 + 8 × 120");
    assert_eq!(quote.totals.vat_amount, amount("277.40"), "19 %");
    assert_eq!(quote.totals.payable_amount, amount("1737.40"));
    assert!(quote.payment_before_decision);
    assert_eq!(quote.schedule_effective_from, version.effective_from);
    assert_eq!(quote.accepted, None);

    let accepted: Quote = w.ok(Who::Applicant, "AcceptQuote", &quote_of(&id));
    let acceptance = accepted.accepted.clone().expect("accepted");
    assert_eq!((acceptance.by, acceptance.at), (actor(Who::Applicant), w.now));
    let read: Quote = w.evaluate(Who::Certifier, "GetQuote", &quote_of(&id)).expect("the body reads it");
    assert_eq!(read, accepted);
    let err = w.expect_refused("CONFLICT", Who::Applicant, "AcceptQuote", &quote_of(&id));
    assert!(err.to_string().contains("was accepted at"), "{err}");
    w.expect_refused("ALREADY_EXISTS", Who::Certifier, "IssueQuote", &issue(&id));

    // Nothing of it is public: not in the state, not in an event.
    let public = public_text(&w);
    for figure in ["1460.00", "1737.40", "500.00", "120.00", "Assessment", "APPLICATION"] {
        assert!(!public.contains(figure), "{figure:?} is public:\n{public}");
    }
    // It is in the pair's collection, which holds exactly the schedules, the quote and
    // the mark that the decision waits for payment.
    let collection = BillingPair::new(CERTIFIER_MSP, MANUFACTURER_MSP).collection();
    let private = w.ledger.private_snapshot();
    let keys: Vec<&str> = private.keys().filter(|(c, _)| *c == collection).map(|(_, k)| k.as_str()).collect();
    // And the answers of the three writes, each by its transaction (billing writes answer
    // only a receipt: `invoicing::billing_writes_answer_a_receipt_and_keep_their_answer_privately`).
    let (answers, keys): (Vec<&str>, Vec<&str>) = keys.into_iter().partition(|k| k.starts_with("\0answer\0"));
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert_eq!(
        keys,
        [
            "\0payment-required\0".to_owned() + &id + "\0",
            "\0quote\0".to_owned() + &id + "\0",
            "fee-schedules".to_owned()
        ]
    );
}

#[test]
fn others_read_nothing_and_only_the_parties_act() {
    let mut w = World::governed();
    w.add_second_certification_body();
    w.ok::<FeeScheduleVersion>(Who::Certifier, "SetFeeSchedule", &set(sample_fee_schedule()));
    let id = w.apply("LOT-PAID-2");
    w.ok::<Quote>(Who::Certifier, "IssueQuote", &issue(&id));
    for who in [Who::OtherCertifier, Who::OtherApplicant, Who::Auditor, Who::Admin, Who::Unknown] {
        for (function, req) in [("FeeSchedules", json!(pair())), ("GetQuote", json!(quote_of(&id)))] {
            let err = w.evaluate::<_, serde_json::Value>(who, function, &req).expect_err("refused");
            assert_eq!(err.reason(), Some(Reason::BillingParty.as_str()), "{function} by {who:?}: {err}");
        }
    }
    // Another body's certifier quotes from its own schedule, which it has not set: its
    // pair with the manufacturer is another collection.
    let err = w.expect_refused("NOT_FOUND", Who::OtherCertifier, "IssueQuote", &issue(&id));
    assert!(err.to_string().contains("fee schedule of OtherCertifierMSP"), "{err}");
    let other = QuoteRequest { certificate_id: id.clone(), body_msp: OTHER_CERTIFIER_MSP.into() };
    w.expect_refused("NOT_FOUND", Who::Applicant, "AcceptQuote", &other);
    // Only the applicant's members accept; only certifiers set fees and quote.
    let err = w.expect_refused("UNAUTHORIZED", Who::OtherApplicant, "AcceptQuote", &quote_of(&id));
    assert_eq!(err.reason(), Some(Reason::ManufacturerMember.as_str()), "{err}");
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "SetFeeSchedule", &set(sample_fee_schedule()));
    assert_eq!(err.reason(), Some(Reason::RoleCertifier.as_str()), "{err}");
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "IssueQuote", &issue(&id));
    assert_eq!(err.reason(), Some(Reason::RoleCertifier.as_str()), "{err}");
    // Fees are set for a registered manufacturer only.
    let to_a_body =
        SetFeeScheduleRequest { manufacturer_msp: OTHER_CERTIFIER_MSP.into(), schedule: sample_fee_schedule() };
    let err = w.expect_refused("UNAUTHORIZED", Who::Certifier, "SetFeeSchedule", &to_a_body);
    assert_eq!(err.reason(), Some(Reason::ManufacturerRegistered.as_str()), "{err}");
    // A retired manufacturer accepts nothing more.
    w.ok::<Organization>(
        Who::Admin,
        "RetireOrganization",
        &RetireOrganizationRequest { msp_id: MANUFACTURER_MSP.into(), reason: "left".into() },
    );
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "AcceptQuote", &quote_of(&id));
    assert_eq!(err.reason(), Some(Reason::OrganizationRetired.as_str()), "{err}");
}

#[test]
fn a_certifier_of_the_applicants_organisation_does_not_quote_it() {
    // The independence rule of decisions holds for quotes: a certifier role forged for a
    // member of the applicant's own organisation is refused.
    let mut w = World::governed();
    w.ok::<FeeScheduleVersion>(Who::Certifier, "SetFeeSchedule", &set(sample_fee_schedule()));
    let id = w.apply("LOT-PAID-3");
    w.forge_role(Who::Applicant, Role::Certifier);
    let err = w.expect_refused("UNAUTHORIZED", Who::Applicant, "IssueQuote", &issue(&id));
    assert_eq!(err.reason(), Some(Reason::ApplicantIndependence.as_str()), "{err}");
}

#[test]
fn an_application_is_quoted_from_the_schedule_in_force_when_it_was_filed() {
    let mut w = World::governed();
    w.ok::<FeeScheduleVersion>(Who::Certifier, "SetFeeSchedule", &set(sample_fee_schedule()));
    // A dearer schedule from tomorrow, set today.
    let mut dearer = sample_fee_schedule();
    dearer.fees[0].unit_price = amount("650.00");
    dearer.payment_before_decision = false;
    dearer.effective_from = Some(w.now + DAY);
    w.ok::<FeeScheduleVersion>(Who::Certifier, "SetFeeSchedule", &set(dearer));
    let today = w.apply("LOT-TODAY");
    w.now += DAY;
    let tomorrow = w.apply("LOT-TOMORROW");
    w.now += DAY;
    let old: Quote = w.ok(Who::Certifier, "IssueQuote", &issue(&today));
    let new: Quote = w.ok(Who::Certifier, "IssueQuote", &issue(&tomorrow));
    assert_eq!(old.totals.line_extension_amount, amount("1460.00"));
    assert!(old.payment_before_decision);
    assert_eq!(new.totals.line_extension_amount, amount("1610.00"));
    assert!(!new.payment_before_decision);
    let versions: FeeSchedules = w.evaluate(Who::Certifier, "FeeSchedules", &pair()).expect("schedules");
    assert_eq!(versions.versions.len(), 2);

    // Filed before any schedule was in force: nothing to quote from.
    let mut w = World::governed();
    let early = w.apply("LOT-EARLY");
    w.now += 60;
    w.ok::<FeeScheduleVersion>(Who::Certifier, "SetFeeSchedule", &set(sample_fee_schedule()));
    let err = w.expect_refused("NOT_FOUND", Who::Certifier, "IssueQuote", &issue(&early));
    assert!(err.to_string().contains("in force when"), "{err}");
    // Decided applications are not quoted.
    let approved = w.issue("LOT-DECIDED");
    let err = w.expect_refused("INVALID_TRANSITION", Who::Certifier, "IssueQuote", &issue(&approved));
    assert!(err.to_string().contains("PENDING"), "{err}");
}

#[test]
fn bad_fees_are_refused_and_change_nothing() {
    let mut w = World::governed();
    let mut cases: Vec<(&str, serde_json::Value, &str)> = Vec::new();
    let good = serde_json::to_value(set(sample_fee_schedule())).expect("json");
    let with = |path: &[&str], value: serde_json::Value| {
        let mut req = good.clone();
        let mut at = &mut req;
        for part in &path[..path.len() - 1] {
            at = match part.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[*part],
            };
        }
        at[path[path.len() - 1]] = value;
        req
    };
    cases.push(("a negative price", with(&["schedule", "fees", "0", "unit_price"], json!("-1.00")), "negative"));
    cases.push(("a price that is no decimal", with(&["schedule", "fees", "0", "unit_price"], json!("ten")), "BAD"));
    cases.push((
        "a currency EN 16931 invoices here cannot be in",
        with(&["schedule", "currency"], json!("XAU")),
        "XAU",
    ));
    cases.push((
        "a VAT category EN 16931 does not have",
        with(&["schedule", "fees", "0", "vat"], json!({"code": "X"})),
        "X",
    ));
    cases.push((
        "a standard rate of zero",
        with(&["schedule", "fees", "0", "vat"], json!({"code": "S", "rate": "0"})),
        "rate",
    ));
    cases.push(("no fee", with(&["schedule", "fees"], json!([])), "fees"));
    cases.push(("a date in the past", with(&["schedule", "effective_from"], json!(T0 - 1)), "before this transaction"));
    let before = (w.ledger.snapshot(), w.ledger.private_snapshot(), w.ledger.height());
    for (what, req, needle) in cases {
        let err = w.submit(Who::Certifier, "SetFeeSchedule", &req).expect_err(what);
        assert!(matches!(err.code(), "VALIDATION" | "BAD_REQUEST"), "{what}: {err}");
        assert!(err.to_string().contains(needle) || err.code().contains(needle), "{what}: {err}");
    }
    assert_eq!((w.ledger.snapshot(), w.ledger.private_snapshot(), w.ledger.height()), before, "nothing written");
}

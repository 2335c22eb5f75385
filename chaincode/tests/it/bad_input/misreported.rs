//! Bad input must never be reported as a ledger failure.

use super::*;

// ---------------------------------------------------------------------------------------
// Bad input reported as a ledger failure. LEDGER means "the ledger underneath the
// contract failed" (error.rs): a client may retry it, or page an operator. Input that can
// never succeed must get BAD_REQUEST or VALIDATION, naming the field.
// ---------------------------------------------------------------------------------------

fn blames_the_input(err: &ContractError, field: &str) -> bool {
    matches!(err.code(), "VALIDATION" | "BAD_REQUEST") && err.to_string().contains(field)
}

/// Runs each case (function, caller, request, field that is wrong), checks that nothing
/// changed, and returns the cases whose error is not a VALIDATION/BAD_REQUEST naming
/// the field.
fn misreported(w: &mut World, cases: &[(&str, Who, Value, &str)]) -> Vec<String> {
    let mut wrong = Vec::new();
    for (function, who, req, field) in cases {
        let before = w.ledger.snapshot();
        let height = w.ledger.height();
        match w.submit(*who, function, req) {
            Ok(_) => wrong.push(format!("{function} {req}: accepted")),
            Err(e) if !blames_the_input(&e, field) => wrong.push(format!("{function} (bad {field}): {e}")),
            Err(_) => {}
        }
        assert!(w.ledger.snapshot() == before && w.ledger.height() == height, "{function} changed the state");
    }
    wrong
}

#[test]
fn history_validates_the_certificate_id_before_using_it() {
    let mut w = base().world;
    // Every other function that takes a certificate ID answers VALIDATION here.
    let nul = "NT-AAAAAAAAAAA\u{0}";
    let cases = vec![
        ("GetCertificate", Who::Unknown, json!({ "certificate_id": nul }), "certificate_id"),
        ("GetCertificates", Who::Unknown, json!({ "certificate_ids": [nul] }), "certificate_ids[0].certificate_id"),
        (
            "GetCertificateRecords",
            Who::Unknown,
            json!({ "certificate_ids": [nul] }),
            "certificate_ids[0].certificate_id",
        ),
        ("Verify", Who::Unknown, json!({ "certificate_id": nul }), "certificate_id"),
        ("History", Who::Unknown, json!({ "certificate_id": nul }), "certificate_id"),
    ];
    let wrong = misreported(&mut w, &cases);
    assert!(wrong.is_empty(), "bad input reported as something else:\n  {}", wrong.join("\n  "));
}

#[test]
fn a_bookmark_from_elsewhere_is_bad_input_not_a_ledger_failure() {
    let b = base();
    let mut w = b.world.clone();
    // A genuine bookmark of one query, replayed on another, and plain garbage.
    let page: CertificatePage = w
        .evaluate(
            Who::Auditor,
            "ListByApplicant",
            &ListByApplicantRequest { msp_id: Some(MANUFACTURER_MSP.into()), page_size: 1, bookmark: String::new() },
        )
        .expect("page");
    assert!(!page.bookmark.is_empty(), "three certificates make three pages");
    let cases = vec![
        ("ListByStatus", Who::Auditor, json!({ "status": "PENDING", "bookmark": page.bookmark }), "bookmark"),
        ("ListByStatus", Who::Auditor, json!({ "status": "PENDING", "bookmark": "garbage" }), "bookmark"),
        ("ListByApplicant", Who::Applicant, json!({ "bookmark": "garbage" }), "bookmark"),
    ];
    let wrong = misreported(&mut w, &cases);
    assert!(wrong.is_empty(), "bad input reported as something else:\n  {}", wrong.join("\n  "));
}

#[test]
fn text_that_cannot_be_a_key_part_is_refused_as_validation() {
    // U+10FFFF is not a control character, so the text checks let it through, but Fabric
    // (and the stub) refuse it in composite keys.
    let b = base();
    let mut w = b.world.clone();
    let max = "\u{10FFFF}";
    let approval = to_value(w.approval(Who::Certifier, &b.pending));
    let cases = vec![
        ("Apply", Who::Applicant, with(&application(), "batch", json!(format!("LOT{max}"))), "batch"),
        ("ListByProduct", Who::Unknown, json!({ "gtin": "4006381333931", "batch": format!("LOT{max}") }), "batch"),
        ("RetireIssuerKey", Who::Admin, json!({ "key_id": format!("ik-{max}"), "reason": "rotation" }), "key_id"),
        ("Approve", Who::Certifier, with(&approval, "issuer_key_id", json!(format!("ik-{max}"))), "issuer_key_id"),
        (
            "GrantRole",
            Who::Admin,
            json!({ "identity": { "msp_id": GOV_MSP, "id": format!("x509::CN={max}") }, "role": "auditor" }),
            "identity.id",
        ),
    ];
    let wrong = misreported(&mut w, &cases);
    assert!(wrong.is_empty(), "bad input reported as something else:\n  {}", wrong.join("\n  "));
}

#[test]
fn every_function_survives_an_empty_object() {
    // `{}` is readable JSON: each function answers with a clear error or (for the
    // all-optional requests) a result, and nothing changes unless it succeeded.
    let mut w = base().world;
    for (name, _) in &FUNCTIONS {
        let before = w.ledger.snapshot();
        // A private request comes as transient data (the client's way, [`World::submit`]).
        match w.submit(Who::Admin, name, &json!({})) {
            Ok(_) => assert!(
                matches!(*name, "ListByApplicant" | "IssuerKeys" | "Organizations" | "WhoAmI"),
                "{name} accepted an empty request"
            ),
            Err(e) => {
                assert!(matches!(e.code(), "BAD_REQUEST" | "VALIDATION" | "CONFLICT" | "UNAUTHORIZED"), "{name}: {e}");
                if e.code() == "BAD_REQUEST" {
                    assert!(e.to_string().contains("missing field"), "{name}: {e}");
                }
                assert!(w.ledger.snapshot() == before, "{name} changed the state");
            }
        }
    }
}

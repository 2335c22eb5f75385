//! Paid certification through the CLI on the embedded ledger (issue 75): a body's fees for
//! a manufacturer, a quote for an application and its acceptance, read by the two parties
//! only; a bad fee file is a one-line error that writes nothing, and `ledger check` finds
//! the private data whole.

use crate::support::*;

fn example_fees() -> std::path::PathBuf {
    example_application().with_file_name("fee-schedule.json")
}

#[test]
fn fees_and_a_quote_through_subcommands() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let fees = example_fees();
    let fees = fees.to_str().unwrap();

    let set = ok_json(data, Some(CERTIFIER), &["fees", "set", "ManufacturerMSP", "--file", fees]);
    assert_eq!(set["set_by"]["msp_id"], "CertifierMSP", "{set}");
    let shown = ok_json(data, Some(APPLICANT), &["fees", "show", "CertifierMSP", "ManufacturerMSP"]);
    assert_eq!(shown["versions"].as_array().map(Vec::len), Some(1), "{shown}");
    let text = nt(data, Some(APPLICANT), &["fees", "show", "CertifierMSP", "ManufacturerMSP"]);
    assert!(
        text.stdout.contains("APPLICATION") && text.stdout.contains("payment before a decision"),
        "{}",
        text.stdout
    );

    let file = example_application();
    let applied = ok_json(data, Some(APPLICANT), &["apply", "--file", file.to_str().unwrap()]);
    let id = applied["certificate_id"].as_str().unwrap().to_owned();
    let quote = ok_json(data, Some(CERTIFIER), &["quote", "issue", &id]);
    assert_eq!(quote["totals"]["payable_amount"], "1737.40", "{quote}");
    let text = nt(data, Some(APPLICANT), &["quote", "show", &id, "--body", "CertifierMSP"]);
    assert!(text.stdout.contains("1737.40 EUR due, before a decision; not accepted yet"), "{}", text.stdout);
    let accepted = ok_json(data, Some(APPLICANT), &["quote", "accept", &id, "--body", "CertifierMSP"]);
    assert_eq!(accepted["accepted"]["by"]["msp_id"], "ManufacturerMSP", "{accepted}");

    // Neither party: refused, saying by which check.
    let refused = nt(data, Some(ADMIN), &["quote", "show", &id, "--body", "CertifierMSP"]);
    assert_clean_error(&refused, &["billing.party"]);
    let refused = nt(data, Some(INSPECTOR), &["fees", "show", "CertifierMSP", "ManufacturerMSP"]);
    assert_clean_error(&refused, &["billing.party"]);

    // A bad fee file: one line, nothing written.
    let before = height(data);
    let bad = tmp.path().join("bad-fees.json");
    let text = std::fs::read_to_string(example_fees()).unwrap().replace("\"500.00\"", "\"-500.00\"");
    std::fs::write(&bad, text).unwrap();
    let refused = nt(data, Some(CERTIFIER), &["fees", "set", "ManufacturerMSP", "--file", bad.to_str().unwrap()]);
    assert_clean_error(&refused, &["VALIDATION", "negative"]);
    std::fs::write(&bad, "{\"currency\": \"EUR\"}").unwrap();
    let refused = nt(data, Some(CERTIFIER), &["fees", "set", "ManufacturerMSP", "--file", bad.to_str().unwrap()]);
    assert_clean_error(&refused, &["bad-fees.json is not a valid fee schedule"]);
    assert_eq!(height(data), before, "a refusal writes nothing");
}

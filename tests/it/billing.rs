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

/// The body's finance member, made and granted by the test.
const FINANCE: &str = "fiona@certifier";

#[test]
fn an_invoice_issued_paid_and_credited_through_subcommands_is_valid_en16931() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let examples = example_application();
    let example = |name: &str| examples.with_file_name(name).to_str().unwrap().to_owned();
    ok_json(data, None, &["identity", "create", FINANCE, "--msp", "CertifierMSP"]);
    ok_json(data, Some(ADMIN), &["grant", FINANCE, "finance"]);
    ok_json(data, Some(ADMIN), &["billing-details", "CertifierMSP", "--file", &example("billing-details-body.json")]);
    let details = example("billing-details-manufacturer.json");
    let org = ok_json(data, Some(ADMIN), &["billing-details", "ManufacturerMSP", "--file", &details]);
    assert_eq!(org["billing"]["party"]["legal_name"], "Nanopartikel Werke AG", "{org}");
    ok_json(data, Some(CERTIFIER), &["fees", "set", "ManufacturerMSP", "--file", &example("fee-schedule.json")]);
    let applied = ok_json(data, Some(APPLICANT), &["apply", "--file", examples.to_str().unwrap()]);
    let id = applied["certificate_id"].as_str().unwrap().to_owned();
    ok_json(data, Some(CERTIFIER), &["quote", "issue", &id]);
    ok_json(data, Some(APPLICANT), &["quote", "accept", &id, "--body", "CertifierMSP"]);

    // A certifier does not invoice; the finance member does.
    let refused = nt(data, Some(CERTIFIER), &["invoice", "issue", &id]);
    assert_clean_error(&refused, &["role.finance"]);
    let invoice = ok_json(data, Some(FINANCE), &["invoice", "issue", &id]);
    assert_eq!(invoice["number"], "INV-000001", "{invoice}");
    let reference = invoice["document"]["payment_means"]["creditor_reference"].as_str().unwrap().to_owned();
    let listed = nt(data, Some(APPLICANT), &["invoice", "list", "CertifierMSP", "ManufacturerMSP"]);
    assert!(
        listed.stdout.contains("1737.40 EUR outstanding") && listed.stdout.contains("Outstanding: 1737.40"),
        "{}",
        listed.stdout
    );

    // Each form written, and validated by the official rules.
    let mut files = Vec::new();
    for (format, name) in [("ubl", "INV-000001.xml"), ("cii", "INV-000001-cii.xml"), ("pdf", "INV-000001.pdf")] {
        let out = tmp.path().join(name);
        let args = ["invoice", "get", "INV-000001", "--body", "CertifierMSP", "--manufacturer", "ManufacturerMSP"];
        let mut args = args.to_vec();
        args.extend(["--format", format, "--out", out.to_str().unwrap()]);
        let run = nt(data, Some(APPLICANT), &args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        files.push(out);
    }
    let pdf = std::fs::read(&files[2]).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");

    // The bank's statement pays it; imported again, nothing changes.
    let iban = "DE89370400440532013000";
    let statement = tmp.path().join("camt053.xml");
    std::fs::write(&statement, nanotrace_testkit::camt053_statement("STMT-7", iban, &[("1737.40", &reference)]))
        .unwrap();
    let import = ok_json(data, Some(FINANCE), &["import-statement", statement.to_str().unwrap()]);
    assert_eq!(import["payments"][0]["kind"], "paid", "{import}");
    let before = height(data);
    let again = ok_json(data, Some(FINANCE), &["import-statement", statement.to_str().unwrap()]);
    assert_eq!(again["already_imported"], true, "{again}");
    assert!(height(data) > before, "an import is a transaction, even one that applies nothing");
    let listed = nt(data, Some(APPLICANT), &["invoice", "list", "CertifierMSP", "ManufacturerMSP"]);
    assert!(listed.stdout.contains("; paid") && listed.stdout.contains("Outstanding: 0"), "{}", listed.stdout);
    // Another account's statement: one line, nothing applied.
    std::fs::write(
        &statement,
        nanotrace_testkit::camt053_statement("STMT-8", "CH9300762011623852957", &[("1.00", &reference)]),
    )
    .unwrap();
    let refused = nt(data, Some(FINANCE), &["import-statement", statement.to_str().unwrap()]);
    assert_clean_error(&refused, &["VALIDATION", "another account"]);

    // A refund: the credit note, also valid.
    let note = ok_json(data, Some(FINANCE), &["invoice", "credit", "INV-000001", "--reason", "application withdrawn"]);
    assert_eq!(note["number"], "INV-000002", "{note}");
    for (format, name) in [("ubl", "INV-000002.xml"), ("pdf", "INV-000002.pdf")] {
        let out = tmp.path().join(name);
        let args = ["invoice", "get", "INV-000002", "--body", "CertifierMSP", "--manufacturer", "ManufacturerMSP"];
        let mut args = args.to_vec();
        args.extend(["--format", format, "--out", out.to_str().unwrap()]);
        assert_eq!(nt(data, Some(FINANCE), &args).code, 0);
        files.push(out);
    }
    // Neither party reads them.
    let refused = nt(data, Some(INSPECTOR), &["invoice", "list", "CertifierMSP", "ManufacturerMSP"]);
    assert_clean_error(&refused, &["billing.party"]);

    if let Some(validated) = nanotrace_testkit::einvoice_validator::validate(&files) {
        for report in validated.reports.values() {
            assert!(
                report.valid,
                "{} is refused by {:?}:\n{}",
                report.file,
                report.ves,
                nanotrace_testkit::einvoice_validator::describe(&report.errors)
            );
        }
        assert_eq!(validated.exit_code, Some(0));
    }
}

//! The hand-written camt.053.001.08 statements of `tests/fixtures/`, read and reconciled
//! against the certification body's open invoices.

use nanotrace_camt::{parse, reconcile, EntryStatus, OpenInvoice, Payment, Reconciliation, Reported, UnmatchedReason};
use nanotrace_einvoice::CreditorReference;
use rust_decimal::Decimal;

const ACCOUNT: &str = "DE89 3704 0044 0532 0130 00";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

/// The creditor reference of invoice `reference`, its check digits computed by the
/// invoice crate (not by hand, not by this crate).
fn rf(reference: &str) -> String {
    CreditorReference::from_reference(reference).expect("a valid reference").as_str().to_owned()
}

fn invoices() -> Vec<OpenInvoice> {
    let invoice = |number: &str, reference: &str, currency: &str, due: &str| OpenInvoice {
        number: number.to_owned(),
        creditor_reference: rf(reference),
        currency: currency.to_owned(),
        amount_due: dec(due),
    };
    vec![
        // ISO 11649's own example reference: RF18 5390 0754 7034.
        invoice("NT-2026-0001", "539007547034", "EUR", "250.00"),
        invoice("NT-2026-0002", "NT2026000002", "EUR", "500.00"),
        invoice("NT-2026-0003", "NT2026000003", "EUR", "120.00"),
        invoice("NT-2026-0004", "NT2026000004", "EUR", "80.00"),
        invoice("NT-2026-0005", "NT2026000005", "EUR", "70.00"),
        invoice("NT-2026-0006", "NT2026000006", "EUR", "95.00"),
        invoice("NT-2026-0007", "NT2026000007", "EUR", "90.00"),
    ]
}

fn reconciled(name: &str) -> Reconciliation {
    let statement = parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    reconcile(&statement, ACCOUNT, &invoices(), &|_| false).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn the_fixtures_carry_the_references_the_invoices_compute() {
    assert_eq!(rf("539007547034"), "RF18539007547034");
    let expected = [
        ("paid_in_full.xml", "RF18 5390 0754 7034"),
        ("partial_then_complete.xml", &rf("NT2026000002")),
        ("overpaid.xml", &rf("NT2026000003")),
        ("unknown_reference.xml", &rf("NT2026999999")),
        ("pending.xml", &rf("NT2026000005")),
        ("other_currency.xml", &rf("NT2026000006")),
    ];
    for (name, reference) in expected {
        let text = String::from_utf8(fixture(name)).expect("UTF-8");
        assert!(text.contains(&format!("<Ref>{reference}</Ref>")), "{name} should carry {reference}");
        assert!(CreditorReference::parse(reference).is_ok(), "{reference}");
    }
    // The invalid one is invoice NT-2026-0004's reference with wrong check digits.
    let text = String::from_utf8(fixture("invalid_reference.xml")).expect("UTF-8");
    let good = rf("NT2026000004");
    assert_eq!(good, "RF93NT2026000004");
    assert!(text.contains("<Ref>RF94NT2026000004</Ref>"));
    assert!(CreditorReference::parse("RF94NT2026000004").is_err());
}

#[test]
fn a_statement_is_read_whole() {
    let statement = parse(&fixture("paid_in_full.xml")).expect("parses");
    assert_eq!(statement.message_id, "MSG-202611280001");
    assert_eq!(statement.statement_id, "STMT-2026-0001");
    assert_eq!(statement.account_iban, "DE89370400440532013000");
    assert_eq!(statement.currency.as_deref(), Some("EUR"));
    assert_eq!(statement.created_at, "2026-11-28T06:00:00+01:00");
    assert_eq!(statement.identity(), "DE89370400440532013000/STMT-2026-0001");
    let [entry] = statement.entries.as_slice() else { panic!("one entry") };
    assert_eq!(entry.index, 0);
    assert_eq!(entry.entry_reference.as_deref(), Some("NTRY-0001"));
    assert_eq!(entry.account_servicer_reference.as_deref(), Some("CBK20261127000001"));
    assert_eq!(entry.reference(), Some("NTRY-0001"));
    assert_eq!(entry.amount, dec("250.00"));
    assert_eq!(entry.currency, "EUR");
    assert!(entry.credit);
    assert_eq!(entry.status, EntryStatus::Booked);
    assert_eq!(entry.booking_date.as_deref(), Some("2026-11-27"));
    assert_eq!(entry.value_date.as_deref(), Some("2026-11-27"));
    // The print form in the file, normalized.
    assert_eq!(entry.creditor_references, ["RF18539007547034"]);
    assert!(entry.unstructured.is_empty());
}

#[test]
fn an_invoice_paid_in_full() {
    let result = reconciled("paid_in_full.xml");
    let [Payment::Paid { invoice, entry, amount }] = result.payments.as_slice() else { panic!("{result:?}") };
    assert_eq!(invoice, "NT-2026-0001");
    assert_eq!(*amount, dec("250.00"));
    assert_eq!(entry.statement, "DE89370400440532013000/STMT-2026-0001");
    assert_eq!(entry.index, 0);
    assert_eq!(entry.entry_reference.as_deref(), Some("NTRY-0001"));
    assert!(result.reported.is_empty() && result.ignored.is_empty());
}

#[test]
fn a_partial_payment_completed_by_a_later_entry() {
    let result = reconciled("partial_then_complete.xml");
    assert_eq!(result.payments.len(), 2, "{result:?}");
    assert!(matches!(&result.payments[0],
        Payment::Partial { invoice, amount, remaining, entry }
            if invoice == "NT-2026-0002" && *amount == dec("200.00") && *remaining == dec("300.00") && entry.index == 0));
    assert!(matches!(&result.payments[1],
        Payment::Paid { invoice, amount, entry } if invoice == "NT-2026-0002" && *amount == dec("300.00") && entry.index == 1));
    assert!(result.reported.is_empty());
}

#[test]
fn an_overpayment() {
    let result = reconciled("overpaid.xml");
    let [Payment::Overpaid { invoice, amount, excess, .. }] = result.payments.as_slice() else { panic!("{result:?}") };
    assert_eq!((invoice.as_str(), *amount, *excess), ("NT-2026-0003", dec("150.00"), dec("30.00")));
}

fn unmatched(name: &str) -> (UnmatchedReason, Vec<String>) {
    let result = reconciled(name);
    assert!(result.payments.is_empty(), "{result:?}");
    match result.reported.as_slice() {
        [Reported::Unmatched { reason, references, .. }] => (*reason, references.clone()),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn unknown_invalid_and_missing_references_are_reported() {
    assert_eq!(unmatched("unknown_reference.xml"), (UnmatchedReason::UnknownReference, vec![rf("NT2026999999")]));
    assert_eq!(
        unmatched("invalid_reference.xml"),
        (UnmatchedReason::InvalidReference, vec!["RF94NT2026000004".to_owned()])
    );
    assert_eq!(unmatched("unstructured_only.xml"), (UnmatchedReason::NoReference, vec![]));
    let statement = parse(&fixture("unstructured_only.xml")).expect("parses");
    assert_eq!(statement.entries[0].unstructured, ["Invoice NT-2026-0007, thank you"]);
}

#[test]
fn another_currency_is_reported() {
    let result = reconciled("other_currency.xml");
    assert!(result.payments.is_empty());
    let [Reported::CurrencyMismatch { invoice, currency, expected, amount, .. }] = result.reported.as_slice() else {
        panic!("{result:?}")
    };
    assert_eq!((invoice.as_str(), currency.as_str(), expected.as_str()), ("NT-2026-0006", "CHF", "EUR"));
    assert_eq!(*amount, dec("95.00"));
}

#[test]
fn debits_and_pending_entries_are_ignored_with_their_reason() {
    let debit = reconciled("debit.xml");
    assert!(debit.payments.is_empty() && debit.reported.is_empty());
    assert_eq!(debit.ignored.len(), 1);
    assert_eq!(debit.ignored[0].reason.to_string(), "debit");
    let pending = reconciled("pending.xml");
    assert!(pending.payments.is_empty() && pending.reported.is_empty());
    assert_eq!(pending.ignored[0].reason.to_string(), "not booked (PDNG)");
    let statement = parse(&fixture("pending.xml")).expect("parses");
    assert_eq!(statement.entries[0].status, EntryStatus::Pending);
    assert_eq!(statement.entries[0].booking_date, None);
}

#[test]
fn importing_a_statement_twice_applies_nothing_twice() {
    let statement = parse(&fixture("partial_then_complete.xml")).expect("parses");
    let first = reconcile(&statement, ACCOUNT, &invoices(), &|_| false).expect("reconciles");
    let imported: Vec<_> = first.payments.iter().map(|p| p.entry().clone()).collect();
    // The same statement again, delivered in a new message: the same identity.
    let again = String::from_utf8(fixture("partial_then_complete.xml"))
        .expect("UTF-8")
        .replace("MSG-202611280002", "MSG-RESENT-1");
    let again = parse(again.as_bytes()).expect("parses");
    assert_eq!(again.identity(), statement.identity());
    let second = reconcile(&again, ACCOUNT, &invoices(), &|id| imported.contains(id)).expect("reconciles");
    assert!(second.payments.is_empty(), "{second:?}");
    assert_eq!(second.reported.len(), 2);
    assert!(second.reported.iter().all(|r| matches!(r, Reported::AlreadyImported { .. })));
    assert!(second.summary().contains("already imported"));
}

#[test]
fn every_fixture_is_reconciled_the_same_way_twice() {
    for name in [
        "paid_in_full.xml",
        "partial_then_complete.xml",
        "overpaid.xml",
        "unknown_reference.xml",
        "invalid_reference.xml",
        "debit.xml",
        "pending.xml",
        "unstructured_only.xml",
        "other_currency.xml",
    ] {
        assert_eq!(reconciled(name), reconciled(name), "{name}");
        let result = reconciled(name);
        let statement = parse(&fixture(name)).expect("parses");
        assert_eq!(
            result.payments.len() + result.reported.len() + result.ignored.len(),
            statement.entries.len(),
            "{name}: every entry accounted for once"
        );
    }
}

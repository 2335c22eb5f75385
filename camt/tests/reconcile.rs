//! `reconcile`'s outcomes, one by one, on statements built in code.

use nanotrace_camt::{
    reconcile, CamtError, Entry, EntryId, EntryStatus, IgnoredReason, OpenInvoice, Payment, Reported, Statement,
};
use nanotrace_einvoice::CreditorReference;
use rust_decimal::Decimal;

const IBAN: &str = "DE89370400440532013000";

fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

fn rf(reference: &str) -> String {
    CreditorReference::from_reference(reference).expect("valid").as_str().to_owned()
}

fn credit(amount: &str, references: &[&str]) -> Entry {
    Entry {
        index: 0,
        entry_reference: None,
        account_servicer_reference: None,
        amount: dec(amount),
        currency: "EUR".to_owned(),
        credit: true,
        status: EntryStatus::Booked,
        booking_date: Some("2026-11-27".to_owned()),
        value_date: Some("2026-11-27".to_owned()),
        creditor_references: references.iter().map(|r| (*r).to_owned()).collect(),
        unstructured: Vec::new(),
    }
}

fn statement(entries: Vec<Entry>) -> Statement {
    Statement {
        message_id: "MSG-1".to_owned(),
        statement_id: "STMT-1".to_owned(),
        account_iban: IBAN.to_owned(),
        currency: Some("EUR".to_owned()),
        created_at: "2026-11-28T06:00:00".to_owned(),
        entries: entries.into_iter().enumerate().map(|(index, entry)| Entry { index, ..entry }).collect(),
    }
}

fn invoice(number: &str, reference: &str, due: &str) -> OpenInvoice {
    OpenInvoice {
        number: number.to_owned(),
        creditor_reference: rf(reference),
        currency: "EUR".to_owned(),
        amount_due: dec(due),
    }
}

fn invoices() -> Vec<OpenInvoice> {
    vec![invoice("A", "A1", "100.00"), invoice("B", "B2", "50.00")]
}

fn none(_: &EntryId) -> bool {
    false
}

#[test]
fn each_outcome_at_least_once() {
    let mut debit = credit("10.00", &[]);
    debit.credit = false;
    let mut pending = credit("10.00", &[&rf("A1")]);
    pending.status = EntryStatus::Pending;
    let mut info = credit("10.00", &[&rf("A1")]);
    info.status = EntryStatus::Info;
    let mut francs = credit("50.00", &[&rf("B2")]);
    francs.currency = "CHF".to_owned();
    let statement = statement(vec![
        credit("40.00", &[&rf("A1")]),           // 0 partial A, 60 left
        credit("60.00", &[&rf("A1")]),           // 1 completes A
        credit("5.00", &[&rf("A1")]),            // 2 A already paid: all of it is excess
        credit("70.00", &[&rf("B2")]),           // 3 overpays B by 20
        credit("1.00", &[]),                     // 4 no reference
        credit("2.00", &[&rf("ZZZ")]),           // 5 unknown
        credit("3.00", &["RF00A1"]),             // 6 invalid check digits
        credit("4.00", &[&rf("A1"), &rf("B2")]), // 7 names two invoices
        francs,                                  // 8 currency mismatch
        debit,                                   // 9 ignored
        pending,                                 // 10 ignored
        info,                                    // 11 ignored
    ]);
    let result = reconcile(&statement, IBAN, &invoices(), &none).expect("reconciles");
    let payments: Vec<(String, usize, Decimal, Option<Decimal>)> = result
        .payments
        .iter()
        .map(|p| match p {
            Payment::Paid { invoice, entry, amount } => (format!("paid {invoice}"), entry.index, *amount, None),
            Payment::Partial { invoice, entry, amount, remaining } => {
                (format!("partial {invoice}"), entry.index, *amount, Some(*remaining))
            }
            Payment::Overpaid { invoice, entry, amount, excess } => {
                (format!("overpaid {invoice}"), entry.index, *amount, Some(*excess))
            }
        })
        .collect();
    assert_eq!(
        payments,
        [
            ("partial A".to_owned(), 0, dec("40.00"), Some(dec("60.00"))),
            ("paid A".to_owned(), 1, dec("60.00"), None),
            ("overpaid A".to_owned(), 2, dec("5.00"), Some(dec("5.00"))),
            ("overpaid B".to_owned(), 3, dec("70.00"), Some(dec("20.00"))),
        ]
    );
    let reported: Vec<(usize, String)> = result
        .reported
        .iter()
        .map(|r| match r {
            Reported::Unmatched { entry, reason, .. } => (entry.index, reason.code().to_owned()),
            Reported::CurrencyMismatch { entry, currency, expected, .. } => {
                (entry.index, format!("{currency}!={expected}"))
            }
            Reported::AlreadyImported { entry } => (entry.index, "already".to_owned()),
        })
        .collect();
    assert_eq!(
        reported,
        [
            (4, "no_reference".to_owned()),
            (5, "unknown_reference".to_owned()),
            (6, "invalid_reference".to_owned()),
            (7, "ambiguous_reference".to_owned()),
            (8, "CHF!=EUR".to_owned()),
        ]
    );
    let ignored: Vec<(usize, IgnoredReason)> =
        result.ignored.iter().map(|i| (i.entry.index, i.reason.clone())).collect();
    assert_eq!(
        ignored,
        [
            (9, IgnoredReason::Debit),
            (10, IgnoredReason::NotBooked(EntryStatus::Pending)),
            (11, IgnoredReason::NotBooked(EntryStatus::Info))
        ]
    );
    let summary = result.summary();
    assert!(summary.starts_with(
        "statement DE89370400440532013000/STMT-1: 4 payment(s) (1 paid, 1 partial, 2 overpaid), 5 reported, 3 ignored\n"
    ));
    assert_eq!(summary.lines().count(), 1 + 4 + 5 + 3, "{summary}");
    assert!(summary.contains("unmatched, invalid_reference [RF00A1]"), "{summary}");
}

#[test]
fn a_valid_reference_beside_an_invalid_one_still_matches() {
    let statement = statement(vec![credit("50.00", &["RF00XYZ", &rf("B2")])]);
    let result = reconcile(&statement, IBAN, &invoices(), &none).expect("reconciles");
    assert!(matches!(result.payments.as_slice(), [Payment::Paid { invoice, .. }] if invoice == "B"));
}

#[test]
fn another_account_is_refused_whole() {
    let statement = statement(vec![credit("100.00", &[&rf("A1")])]);
    assert_eq!(
        reconcile(&statement, "CH93 0076 2011 6238 5295 7", &invoices(), &none),
        Err(CamtError::WrongAccount { expected: "CH9300762011623852957".to_owned(), got: IBAN.to_owned() })
    );
    // The same account, written in print form and lower case, is the same account.
    assert!(reconcile(&statement, "de89 3704 0044 0532 0130 00", &invoices(), &none).is_ok());
}

#[test]
fn an_entry_imported_before_is_reported_not_paid() {
    let statement = statement(vec![credit("40.00", &[&rf("A1")]), credit("60.00", &[&rf("A1")])]);
    let first_entry = statement.entry_id(&statement.entries[0]);
    let result = reconcile(&statement, IBAN, &invoices(), &|id| *id == first_entry).expect("reconciles");
    assert_eq!(result.reported, [Reported::AlreadyImported { entry: first_entry }]);
    // The invoice's amount due already accounts for the earlier import: 60 of 100 is partial.
    assert!(matches!(result.payments.as_slice(),
        [Payment::Partial { invoice, remaining, .. }] if invoice == "A" && *remaining == dec("40.00")));
}

#[test]
fn entry_ids_name_the_statement_the_position_and_the_reference() {
    let mut entry = credit("1.00", &[]);
    entry.account_servicer_reference = Some("SVC-1".to_owned());
    let statement = statement(vec![credit("1.00", &[]), entry]);
    let id = statement.entry_id(&statement.entries[1]);
    assert_eq!(
        id,
        EntryId { statement: format!("{IBAN}/STMT-1"), index: 1, entry_reference: Some("SVC-1".to_owned()) }
    );
    assert_eq!(id.to_string(), format!("{IBAN}/STMT-1#1 (SVC-1)"));
    assert_eq!(statement.entry_id(&statement.entries[0]).to_string(), format!("{IBAN}/STMT-1#0"));
}

#[test]
fn invoices_with_bad_or_shared_references_are_refused() {
    let statement = statement(vec![credit("1.00", &[])]);
    let mut bad = invoices();
    bad[1].creditor_reference = "RF00B2".to_owned();
    assert!(matches!(
        reconcile(&statement, IBAN, &bad, &none),
        Err(CamtError::InvalidInvoiceReference { invoice, .. }) if invoice == "B"
    ));
    let mut shared = invoices();
    shared[1].creditor_reference = CreditorReference::parse(&shared[0].creditor_reference).expect("valid").print_form();
    assert!(matches!(
        reconcile(&statement, IBAN, &shared, &none),
        Err(CamtError::DuplicateInvoiceReference { first, second, .. }) if first == "A" && second == "B"
    ));
}

#[test]
fn reconciling_is_deterministic() {
    let statement = statement(vec![credit("40.00", &[&rf("A1")]), credit("70.00", &[&rf("B2")])]);
    let a = reconcile(&statement, IBAN, &invoices(), &none).expect("reconciles");
    let b = reconcile(&statement, IBAN, &invoices(), &none).expect("reconciles");
    assert_eq!(a, b);
    assert_eq!(a.summary(), b.summary());
}

//! Issue 75, paid certification: a body's finance invoices an accepted quote as an EN 16931
//! invoice from the parties' registered billing details, numbered without gaps; a camt.053
//! statement of the body's account pays it (partial, over- and unmatched payments
//! reported, a statement imported twice applied once); a credit note cancels it. All of it
//! private to the two parties; bad input is refused and changes nothing.

use nanotrace_chaincode::error::Reason;
use nanotrace_model::billing::{
    AnswerHolder, BillingPair, InvoiceRecord, PaymentKind, PrivateAnswer, PrivateReceipt, Quote, StatementImport,
    DEFAULT_PAYMENT_DAYS,
};
use nanotrace_model::*;
use nanotrace_testkit::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

fn amount(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

fn pair() -> BillingPairRequest {
    BillingPairRequest { body_msp: CERTIFIER_MSP.into(), manufacturer_msp: MANUFACTURER_MSP.into() }
}

fn invoice_request(id: &str) -> IssueInvoiceRequest {
    IssueInvoiceRequest { certificate_id: id.into(), buyer_reference: None, note: None }
}

fn body_iban() -> String {
    sample_body_billing().account.expect("the sample body has an account").iban
}

/// A world ready to invoice, with the schedule set: `n` applications quoted and accepted.
fn quoted(n: usize) -> (World, Vec<String>) {
    let mut w = World::governed();
    w.enable_invoicing();
    let schedule = SetFeeScheduleRequest { manufacturer_msp: MANUFACTURER_MSP.into(), schedule: sample_fee_schedule() };
    w.ok::<nanotrace_model::billing::FeeScheduleVersion>(Who::Certifier, "SetFeeSchedule", &schedule);
    let ids = (0..n)
        .map(|i| {
            let id = w.apply(&format!("LOT-INV-{i}"));
            w.ok::<Quote>(Who::Certifier, "IssueQuote", &IssueQuoteRequest { certificate_id: id.clone() });
            let accept = QuoteRequest { certificate_id: id.clone(), body_msp: CERTIFIER_MSP.into() };
            w.ok::<Quote>(Who::Applicant, "AcceptQuote", &accept);
            id
        })
        .collect();
    (w, ids)
}

fn reference_of(invoice: &InvoiceRecord) -> String {
    invoice.document.payment_means.as_ref().expect("payment instructions").creditor_reference.to_string()
}

/// Asserts `function` by `who` is refused with `code`, and that neither the public state,
/// the private data nor the height changed.
fn refused(w: &mut World, code: &str, who: Who, function: &str, req: &impl serde::Serialize) -> String {
    let private = w.ledger.private_snapshot();
    let err = w.expect_refused(code, who, function, req);
    assert_eq!(w.ledger.private_snapshot(), private, "{function} refused wrote private data");
    err.to_string()
}

#[test]
fn an_invoice_bills_the_accepted_quote_from_the_registered_parties_numbered_without_gaps() {
    let (mut w, ids) = quoted(2);
    w.now += 86_400;
    let first: InvoiceRecord = w.ok(Who::Finance, "IssueInvoice", &invoice_request(&ids[0]));
    let second: InvoiceRecord = w.ok(Who::Finance, "IssueInvoice", &invoice_request(&ids[1]));
    assert_eq!((first.number.as_str(), second.number.as_str()), ("INV-000001", "INV-000002"));
    let doc = &first.document;
    assert_eq!(doc.seller, sample_body_billing().party, "the seller is the body's registered legal party");
    assert_eq!(doc.buyer, sample_manufacturer_billing().party);
    assert_eq!(doc.lines, sample_fee_schedule().fees, "the lines are the quote's fees");
    assert_eq!(first.totals.payable_amount, amount("1737.40"));
    assert_eq!(doc.buyer_reference.as_deref(), Some(ids[0].as_str()), "the application is the buyer's reference");
    let issued = time::OffsetDateTime::from_unix_timestamp(w.now).expect("a date").date();
    assert_eq!(doc.issue_date, issued, "dated by the transaction");
    assert_eq!(doc.due_date, Some(issued + time::Duration::days(i64::from(DEFAULT_PAYMENT_DAYS))));
    let means = doc.payment_means.as_ref().expect("payment instructions");
    assert_eq!(means.iban, body_iban());
    assert_eq!(means.creditor_reference.reference(), "INV000001", "the creditor reference carries the number");
    assert_ne!(reference_of(&first), reference_of(&second));
    assert!(doc.to_ubl().is_ok(), "a valid EN 16931 invoice");
    assert_eq!(first.outstanding(), amount("1737.40"));
    assert_eq!(first.issued_by, actor(Who::Finance));

    // Both parties read them, in issue order; nothing of them is public.
    for who in [Who::Certifier, Who::Finance, Who::Applicant] {
        let seen: Vec<InvoiceRecord> = w.evaluate(who, "Invoices", &pair()).expect("a party reads them");
        assert_eq!(seen, vec![first.clone(), second.clone()], "{who:?}");
    }
    let public: Vec<String> = w.ledger.snapshot().values().map(|v| String::from_utf8_lossy(v).into_owned()).collect();
    assert!(!public.join("\n").contains("INV-000001"), "no invoice in the public state");
    let err = w.evaluate::<_, Vec<InvoiceRecord>>(Who::OtherApplicant, "Invoices", &pair()).expect_err("not a party");
    assert_eq!(err.reason(), Some(Reason::BillingParty.as_str()), "{err}");

    // One invoice per application.
    let again = refused(&mut w, "ALREADY_EXISTS", Who::Finance, "IssueInvoice", &invoice_request(&ids[0]));
    assert!(again.contains("INV-000001"), "{again}");
    // A failed issuance takes no number: the next is the one after the last given.
    let id = w.apply("LOT-INV-LATE");
    w.ok::<Quote>(Who::Certifier, "IssueQuote", &IssueQuoteRequest { certificate_id: id.clone() });
    let not_accepted = refused(&mut w, "CONFLICT", Who::Finance, "IssueInvoice", &invoice_request(&id));
    assert!(not_accepted.contains("has not accepted"), "{not_accepted}");
    let accept = QuoteRequest { certificate_id: id.clone(), body_msp: CERTIFIER_MSP.into() };
    w.ok::<Quote>(Who::Applicant, "AcceptQuote", &accept);
    let third: InvoiceRecord = w.ok(Who::Finance, "IssueInvoice", &invoice_request(&id));
    assert_eq!(third.number, "INV-000003");
}

#[test]
fn invoicing_needs_the_finance_role_the_parties_details_and_the_bodys_own_quote() {
    let (mut w, ids) = quoted(1);
    let err = refused(&mut w, "UNAUTHORIZED", Who::Certifier, "IssueInvoice", &invoice_request(&ids[0]));
    assert!(err.contains("[role.finance]"), "a certifier does not invoice: {err}");
    // Another body's application: this body quoted nothing for it.
    w.add_second_certification_body();
    let mut other = World::governed();
    other.enable_invoicing();
    let id = other.apply("LOT-NO-QUOTE");
    let err = refused(&mut other, "NOT_FOUND", Who::Finance, "IssueInvoice", &invoice_request(&id));
    assert!(err.contains("quote"), "{err}");
    // A manufacturer without billing details cannot be invoiced.
    let details = SetBillingDetailsRequest { msp_id: MANUFACTURER_MSP.into(), details: sample_manufacturer_billing() };
    let mut bare = World::governed();
    bare.ok::<RoleGrant>(Who::Admin, "GrantRole", &grant(Who::Finance, Role::Finance));
    let body = SetBillingDetailsRequest { msp_id: CERTIFIER_MSP.into(), details: sample_body_billing() };
    bare.ok::<Organization>(Who::Admin, "SetBillingDetails", &body);
    let schedule = SetFeeScheduleRequest { manufacturer_msp: MANUFACTURER_MSP.into(), schedule: sample_fee_schedule() };
    bare.ok::<nanotrace_model::billing::FeeScheduleVersion>(Who::Certifier, "SetFeeSchedule", &schedule);
    let id = bare.apply("LOT-BARE");
    bare.ok::<Quote>(Who::Certifier, "IssueQuote", &IssueQuoteRequest { certificate_id: id.clone() });
    let accept = QuoteRequest { certificate_id: id.clone(), body_msp: CERTIFIER_MSP.into() };
    bare.ok::<Quote>(Who::Applicant, "AcceptQuote", &accept);
    let err = refused(&mut bare, "CONFLICT", Who::Finance, "IssueInvoice", &invoice_request(&id));
    assert!(err.contains("ManufacturerMSP has no billing details"), "{err}");
    bare.ok::<Organization>(Who::Admin, "SetBillingDetails", &details);
    let invoice: InvoiceRecord = bare.ok(Who::Finance, "IssueInvoice", &invoice_request(&id));
    assert_eq!(invoice.number, "INV-000001", "the refused attempt took no number");
}

#[test]
fn bad_billing_details_are_refused_and_change_nothing() {
    let mut w = World::governed();
    let mut details = sample_body_billing();
    details.party.vat_id = Some("XX123".into());
    let req = SetBillingDetailsRequest { msp_id: CERTIFIER_MSP.into(), details };
    let err = refused(&mut w, "VALIDATION", Who::Admin, "SetBillingDetails", &req);
    assert!(err.contains("vat_id"), "{err}");
    let mut details = sample_body_billing();
    details.account.as_mut().expect("an account").iban = "DE00370400440532013000".into();
    let req = SetBillingDetailsRequest { msp_id: CERTIFIER_MSP.into(), details };
    let err = refused(&mut w, "VALIDATION", Who::Admin, "SetBillingDetails", &req);
    assert!(err.contains("iban"), "{err}");
    let mut details = sample_body_billing();
    details.payment_days = Some(0);
    let req = SetBillingDetailsRequest { msp_id: CERTIFIER_MSP.into(), details };
    refused(&mut w, "VALIDATION", Who::Admin, "SetBillingDetails", &req);
    // A manufacturer is not paid: it states no account.
    let req = SetBillingDetailsRequest { msp_id: MANUFACTURER_MSP.into(), details: sample_body_billing() };
    let err = refused(&mut w, "VALIDATION", Who::Admin, "SetBillingDetails", &req);
    assert!(err.contains("only a certification body is paid"), "{err}");
    let req = SetBillingDetailsRequest { msp_id: "NobodyMSP".into(), details: sample_manufacturer_billing() };
    refused(&mut w, "NOT_FOUND", Who::Admin, "SetBillingDetails", &req);
    // Set right, they are on the organisation's public record.
    let req = SetBillingDetailsRequest { msp_id: CERTIFIER_MSP.into(), details: sample_body_billing() };
    let org: Organization = w.ok(Who::Admin, "SetBillingDetails", &req);
    assert_eq!(org.billing, Some(sample_body_billing()));
    assert_eq!(w.last_event().name, events::BILLING_DETAILS_SET);
}

#[test]
fn a_statement_pays_invoices_by_creditor_reference_and_reports_what_it_cannot_apply() {
    let (mut w, ids) = quoted(3);
    let invoices: Vec<InvoiceRecord> =
        ids.iter().map(|id| w.ok(Who::Finance, "IssueInvoice", &invoice_request(id))).collect();
    let [full, part, over] = [0, 1, 2].map(|i| reference_of(&invoices[i]));
    let camt = camt053_statement(
        "STMT-1",
        &body_iban(),
        &[("1737.40", &full), ("1000.00", &part), ("2000.00", &over), ("99.00", "RF18539007547034")],
    );
    let import: StatementImport =
        w.ok(Who::Finance, "ImportStatement", &ImportStatementRequest { camt053: camt.clone() });
    let kinds: Vec<(String, PaymentKind, Decimal)> =
        import.payments.iter().map(|p| (p.invoice.clone(), p.kind, p.difference)).collect();
    assert_eq!(
        kinds,
        vec![
            ("INV-000001".into(), PaymentKind::Paid, Decimal::ZERO),
            ("INV-000002".into(), PaymentKind::Partial, amount("737.40")),
            ("INV-000003".into(), PaymentKind::Overpaid, amount("262.60")),
        ]
    );
    assert_eq!(import.reported.len(), 1, "the unknown reference is reported, not applied");
    assert!(import.reported[0].reason.contains("matches no invoice"), "{:?}", import.reported);
    let stored: Vec<InvoiceRecord> = w.evaluate(Who::Applicant, "Invoices", &pair()).expect("read");
    assert!(stored[0].is_settled() && stored[0].outstanding().is_zero());
    assert_eq!(stored[1].outstanding(), amount("737.40"), "a partial payment leaves the rest due");
    assert!(stored[2].is_settled());
    let payment = &stored[0].payments[0];
    assert_eq!((payment.entry.index, payment.entry.entry_reference.as_deref()), (0, Some("STMT-1-0")));
    assert!(payment.entry.statement.ends_with("/STMT-1"), "names its statement: {:?}", payment.entry);

    // The same statement again: the first import's answer, nothing applied twice; all it
    // writes is its own answer.
    let private = w.ledger.private_snapshot();
    let out = w.submit(Who::Finance, "ImportStatement", &ImportStatementRequest { camt053: camt }).expect("again");
    let receipt: PrivateReceipt = serde_json::from_slice(&out).expect("a receipt");
    let Ok(PrivateAnswer::Statement(again)) = w.evaluate(Who::Finance, "PrivateAnswer", &receipt) else {
        panic!("the import's answer")
    };
    assert!(again.already_imported);
    assert_eq!(again.payments, import.payments);
    let mut after = w.ledger.private_snapshot();
    let answer = (
        nanotrace_shim::implicit_collection(CERTIFIER_MSP),
        nanotrace_shim::create_composite_key("answer", &[&receipt.tx_id]).expect("key"),
    );
    assert!(after.remove(&answer).is_some(), "its answer is in the body's books");
    assert_eq!(after, private, "a statement imported twice changes nothing else");

    // The rest of the partial payment, in the next statement, settles it.
    let next = camt053_statement("STMT-2", &body_iban(), &[("737.40", &part)]);
    let import: StatementImport = w.ok(Who::Finance, "ImportStatement", &ImportStatementRequest { camt053: next });
    assert_eq!(import.payments[0].kind, PaymentKind::Paid);
    let stored: Vec<InvoiceRecord> = w.evaluate(Who::Certifier, "Invoices", &pair()).expect("read");
    assert!(stored[1].is_settled());
    assert_eq!(stored[1].payments.len(), 2);
}

#[test]
fn bad_statements_are_refused_and_change_nothing() {
    let (mut w, ids) = quoted(1);
    let invoice: InvoiceRecord = w.ok(Who::Finance, "IssueInvoice", &invoice_request(&ids[0]));
    let other_account = camt053_statement("STMT-X", "CH9300762011623852957", &[("1737.40", &reference_of(&invoice))]);
    let err = refused(
        &mut w,
        "VALIDATION",
        Who::Finance,
        "ImportStatement",
        &ImportStatementRequest { camt053: other_account },
    );
    assert!(err.contains("another account"), "{err}");
    for bad in ["", "<Document/>", "not xml at all"] {
        refused(&mut w, "VALIDATION", Who::Finance, "ImportStatement", &ImportStatementRequest { camt053: bad.into() });
    }
    let camt = camt053_statement("STMT-1", &body_iban(), &[("1737.40", &reference_of(&invoice))]);
    let err =
        refused(&mut w, "UNAUTHORIZED", Who::Certifier, "ImportStatement", &ImportStatementRequest { camt053: camt });
    assert!(err.contains("[role.finance]"), "{err}");
}

#[test]
fn a_credit_note_cancels_an_invoice_in_the_same_numbering() {
    let (mut w, ids) = quoted(1);
    let invoice: InvoiceRecord = w.ok(Who::Finance, "IssueInvoice", &invoice_request(&ids[0]));
    let req = IssueCreditNoteRequest { invoice_number: invoice.number.clone(), reason: "application withdrawn".into() };
    let note: InvoiceRecord = w.ok(Who::Finance, "IssueCreditNote", &req);
    assert_eq!(note.number, "INV-000002", "credit notes take the next number of the same sequence");
    assert!(note.is_credit_note());
    assert_eq!(note.totals.payable_amount, invoice.totals.payable_amount, "credits the whole invoice");
    assert_eq!(note.document.note.as_deref(), Some("application withdrawn"));
    match &note.document.kind {
        nanotrace_einvoice::InvoiceKind::CreditNote { billing_reference } => {
            assert_eq!(billing_reference.number, invoice.number)
        }
        other => panic!("not a credit note: {other:?}"),
    }
    assert!(note.document.to_ubl().is_ok(), "a valid EN 16931 credit note");
    let stored: Vec<InvoiceRecord> = w.evaluate(Who::Applicant, "Invoices", &pair()).expect("read");
    assert_eq!(stored[0].credited_by.as_deref(), Some("INV-000002"));
    assert!(stored[0].outstanding().is_zero(), "nothing is due on a credited invoice");
    // Once; never a credit note; never another body's number.
    refused(&mut w, "CONFLICT", Who::Finance, "IssueCreditNote", &req);
    let on_note = IssueCreditNoteRequest { invoice_number: note.number.clone(), reason: "again".into() };
    refused(&mut w, "CONFLICT", Who::Finance, "IssueCreditNote", &on_note);
    let unknown = IssueCreditNoteRequest { invoice_number: "INV-000099".into(), reason: "x".into() };
    refused(&mut w, "NOT_FOUND", Who::Finance, "IssueCreditNote", &unknown);
    let collection = BillingPair::new(CERTIFIER_MSP, MANUFACTURER_MSP).collection();
    assert!(w.ledger.private_snapshot().keys().any(|(c, _)| *c == collection));
}

#[test]
fn a_body_that_wants_payment_first_cannot_approve_before_its_invoice_is_paid_in_full() {
    let (mut w, ids) = quoted(2);
    let approval = w.approval(Who::Certifier, &ids[0]);
    let err = refused(&mut w, "CONFLICT", Who::Certifier, "Approve", &approval);
    assert!(err.contains("only once its quote is paid"), "{err}");
    let invoice: InvoiceRecord = w.ok(Who::Finance, "IssueInvoice", &invoice_request(&ids[0]));
    refused(&mut w, "CONFLICT", Who::Certifier, "Approve", &approval);
    // Paid in part: still no decision.
    let reference = reference_of(&invoice);
    let part = camt053_statement("STMT-A", &body_iban(), &[("1000.00", &reference)]);
    w.ok::<StatementImport>(Who::Finance, "ImportStatement", &ImportStatementRequest { camt053: part });
    refused(&mut w, "CONFLICT", Who::Certifier, "Approve", &approval);
    let batch = ApproveBatchRequest { approvals: vec![approval.clone()] };
    let err = refused(&mut w, "CONFLICT", Who::Certifier, "ApproveBatch", &batch);
    assert!(err.contains("approvals[0]"), "{err}");
    // The rest: now it is decided.
    let rest = camt053_statement("STMT-B", &body_iban(), &[("737.40", &reference)]);
    w.ok::<StatementImport>(Who::Finance, "ImportStatement", &ImportStatementRequest { camt053: rest });
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
    assert_eq!(w.cert(&ids[0]).status, CertificateStatus::Active);

    // Paid, then credited (a refund): no decision on it any more.
    let second: InvoiceRecord = w.ok(Who::Finance, "IssueInvoice", &invoice_request(&ids[1]));
    let paid = camt053_statement("STMT-C", &body_iban(), &[("1737.40", &reference_of(&second))]);
    w.ok::<StatementImport>(Who::Finance, "ImportStatement", &ImportStatementRequest { camt053: paid });
    let credit = IssueCreditNoteRequest { invoice_number: second.number.clone(), reason: "refunded".into() };
    w.ok::<InvoiceRecord>(Who::Finance, "IssueCreditNote", &credit);
    let approval = w.approval(Who::Certifier, &ids[1]);
    refused(&mut w, "CONFLICT", Who::Certifier, "Approve", &approval);
}

#[test]
fn a_body_that_does_not_want_payment_first_decides_at_once() {
    let mut w = World::governed();
    let mut schedule = sample_fee_schedule();
    schedule.payment_before_decision = false;
    let req = SetFeeScheduleRequest { manufacturer_msp: MANUFACTURER_MSP.into(), schedule };
    w.ok::<nanotrace_model::billing::FeeScheduleVersion>(Who::Certifier, "SetFeeSchedule", &req);
    let id = w.apply("LOT-NO-PREPAY");
    w.ok::<Quote>(Who::Certifier, "IssueQuote", &IssueQuoteRequest { certificate_id: id.clone() });
    let approval = w.approval(Who::Certifier, &id);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
    // Nor does another body's quote bind this one (nor an application never quoted).
    let id = w.apply("LOT-UNQUOTED");
    let approval = w.approval(Who::Certifier, &id);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &approval);
}

/// The defect the Fabric suite found: a billing write's response is in the transaction
/// every peer keeps. Each write answers only a receipt (its transaction and where its
/// answer is kept, which the block's collection names tell anyway); the answer is read
/// with `PrivateAnswer` by the organisations that keep it.
#[test]
fn billing_writes_answer_a_receipt_and_keep_their_answer_privately() {
    let mut w = World::governed();
    w.enable_invoicing();
    let pair_holder = AnswerHolder::Pair { body_msp: CERTIFIER_MSP.into(), manufacturer_msp: MANUFACTURER_MSP.into() };
    let mut receipts: BTreeMap<&str, PrivateReceipt> = BTreeMap::new();
    let write = |w: &mut World, who: Who, function: &'static str, req: serde_json::Value| -> PrivateReceipt {
        let out = w.submit(who, function, &req).unwrap_or_else(|e| panic!("{function}: {e}"));
        let text = String::from_utf8(out.clone()).expect("json");
        let receipt: PrivateReceipt =
            serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{function}: {e}: {text}"));
        let fields: Vec<String> = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text)
            .expect("object")
            .keys()
            .cloned()
            .collect();
        assert_eq!(fields, ["kept_in", "tx_id"], "{function} answers nothing but its receipt: {text}");
        for figure in ["1460.00", "1737.40", "500.00", "INV-", "Assessment", "DE"] {
            assert!(!text.contains(figure), "{function}'s response tells {figure:?}: {text}");
        }
        receipt
    };
    let schedule = SetFeeScheduleRequest { manufacturer_msp: MANUFACTURER_MSP.into(), schedule: sample_fee_schedule() };
    let r = write(&mut w, Who::Certifier, "SetFeeSchedule", serde_json::json!(schedule));
    receipts.insert("SetFeeSchedule", r);
    let id = w.apply("LOT-RECEIPT");
    let r = write(
        &mut w,
        Who::Certifier,
        "IssueQuote",
        serde_json::json!(IssueQuoteRequest { certificate_id: id.clone() }),
    );
    receipts.insert("IssueQuote", r);
    let accept = QuoteRequest { certificate_id: id.clone(), body_msp: CERTIFIER_MSP.into() };
    let r = write(&mut w, Who::Applicant, "AcceptQuote", serde_json::json!(accept));
    receipts.insert("AcceptQuote", r);
    let r = write(&mut w, Who::Finance, "IssueInvoice", serde_json::json!(invoice_request(&id)));
    receipts.insert("IssueInvoice", r);
    let Ok(PrivateAnswer::Invoice(invoice)) = w.evaluate(Who::Applicant, "PrivateAnswer", &receipts["IssueInvoice"])
    else {
        panic!("the manufacturer reads the invoice's answer")
    };
    let camt053 = camt053_statement("STMT-R", &body_iban(), &[("1737.40", &reference_of(&invoice))]);
    let r = write(&mut w, Who::Finance, "ImportStatement", serde_json::json!(ImportStatementRequest { camt053 }));
    receipts.insert("ImportStatement", r);
    let credit = IssueCreditNoteRequest { invoice_number: invoice.number.clone(), reason: "withdrawn".into() };
    let r = write(&mut w, Who::Finance, "IssueCreditNote", serde_json::json!(credit));
    receipts.insert("IssueCreditNote", r);

    // Each answer is kept where its receipt says, as its transaction left it.
    for (function, receipt) in &receipts {
        let expected = match *function {
            "ImportStatement" => AnswerHolder::Books { body_msp: CERTIFIER_MSP.into() },
            _ => pair_holder.clone(),
        };
        assert_eq!(receipt.kept_in, expected, "{function}");
        let answer: PrivateAnswer = w.evaluate(Who::Finance, "PrivateAnswer", receipt).expect("finance reads it");
        let f = Function::from_name(function).expect("a function");
        assert!(answer.answers(f), "{function}: {answer:?}");
    }
    let Ok(PrivateAnswer::Quote(issued)) = w.evaluate(Who::Applicant, "PrivateAnswer", &receipts["IssueQuote"]) else {
        panic!("the quote's answer")
    };
    assert_eq!(issued.accepted, None, "the answer is the quote as IssueQuote left it");
    let Ok(PrivateAnswer::Statement(report)) = w.evaluate(Who::Finance, "PrivateAnswer", &receipts["ImportStatement"])
    else {
        panic!("the statement's answer")
    };
    assert_eq!(report.payments[0].kind, PaymentKind::Paid);

    // A pair's answers are the two parties' alone.
    for who in [Who::OtherApplicant, Who::Auditor, Who::Admin, Who::Unknown] {
        let err = w.expect_refused("UNAUTHORIZED", who, "PrivateAnswer", &receipts["IssueInvoice"]);
        assert_eq!(err.reason(), Some(Reason::BillingParty.as_str()), "{who:?}: {err}");
    }
    // An unknown transaction has no answer.
    let unknown = PrivateReceipt { tx_id: "no-such-tx".into(), kept_in: pair_holder };
    let err = w.expect_refused("NOT_FOUND", Who::Applicant, "PrivateAnswer", &unknown);
    assert!(err.to_string().contains("no-such-tx"), "{err}");
}

/// A statement's report names several manufacturers' payments and what matched nothing:
/// it is kept in the body's own books, which only its finance reads.
#[test]
fn a_statement_report_is_the_body_finances_alone() {
    let (mut w, ids) = quoted(1);
    let invoice: InvoiceRecord = w.ok(Who::Finance, "IssueInvoice", &invoice_request(&ids[0]));
    let camt053 = camt053_statement("STMT-B", &body_iban(), &[("1737.40", &reference_of(&invoice))]);
    let out = w.submit(Who::Finance, "ImportStatement", &ImportStatementRequest { camt053 }).expect("imported");
    let receipt: PrivateReceipt = serde_json::from_slice(&out).expect("a receipt");
    assert_eq!(receipt.kept_in, AnswerHolder::Books { body_msp: CERTIFIER_MSP.into() });
    w.evaluate::<_, PrivateAnswer>(Who::Finance, "PrivateAnswer", &receipt).expect("the body's finance reads it");
    // The body's certifier holds no finance role.
    let err = w.expect_refused("UNAUTHORIZED", Who::Certifier, "PrivateAnswer", &receipt);
    assert_eq!(err.reason(), Some(Reason::RoleFinance.as_str()), "{err}");
    // The manufacturer it paid, and everybody else, are not the body's members.
    for who in [Who::Applicant, Who::OtherApplicant, Who::Auditor, Who::Admin, Who::Unknown] {
        let err = w.expect_refused("UNAUTHORIZED", who, "PrivateAnswer", &receipt);
        assert_eq!(err.reason(), Some(Reason::BooksMember.as_str()), "{who:?}: {err}");
    }
}

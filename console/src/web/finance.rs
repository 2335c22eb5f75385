//! The body's finance on `/billing` (issue 75): the forms of a member of a certification
//! body holding the finance role — issue the invoice of an accepted quote, credit an
//! invoice, import a camt.053 bank statement — and the report of the statement just
//! imported. Each form is a transaction the member signs in the browser; its request
//! travels as the proposal's transient data (`crate::actions`). The forms are shown to
//! finance members only; the contract refuses anyone else on its own.

use maud::{html, Markup};
use nanotrace_model::billing::{AppliedPayment, EntryId, InvoiceRecord, PaymentKind, ReportedEntry, StatementImport};

use super::dates::date;
use crate::actions::Viewer;

/// The largest statement file the page sends, in bytes (the console takes requests of
/// 256 KiB; larger statements are imported with the CLI).
pub const MAX_STATEMENT_BYTES: usize = 200 * 1024;

/// The finance card: the three forms. `invoices` are the body's documents with every
/// manufacturer, for the invoices a credit note may credit.
pub fn finance_card(viewer: &Viewer, invoices: &[&InvoiceRecord]) -> Markup {
    let creditable: Vec<&&InvoiceRecord> =
        invoices.iter().filter(|r| !r.is_credit_note() && r.credited_by.is_none()).collect();
    html! {
        section.card.finance #finance {
            h2 { "Finance" }
            p.muted {
                "As " (viewer.msp_id()) "'s finance: each is a transaction you sign in this browser; what it carries stays private to "
                (viewer.msp_id()) " and the manufacturer."
            }
            h3 { "Issue an invoice" }
            form.grid #issue-invoice data-tx="issue-invoice" {
                p.muted { "Bills the quote the manufacturer accepted for an application, from both parties' registered billing details, numbered next in " (viewer.msp_id()) "'s sequence. An application's page offers the same for its accepted quote." }
                label { "Application" input name="certificate_id" required placeholder="NT-…" autocomplete="off"; }
                label { "Buyer reference (optional: the application's ID if empty)" input name="buyer_reference" autocomplete="off"; }
                label { "Note printed on the invoice (optional)" input name="note" autocomplete="off"; }
                div { button type="submit" { "Issue the invoice" } }
            }
            h3 { "Credit an invoice" }
            @if creditable.is_empty() {
                p.muted #issue-credit-note { "No invoice to credit." }
            } @else {
                form.grid #issue-credit-note data-tx="issue-credit-note" {
                    p.muted { "A credit note cancels the invoice in full (an application withdrawn, a fee waived): nothing is due on it any more." }
                    label { "Invoice"
                        select name="invoice_number" required {
                            @for r in &creditable {
                                option value=(r.number) { (r.number) " · " (r.totals.payable_amount) " " (r.document.currency.code()) " · " (r.manufacturer_msp) " · " (r.certificate_id) }
                            }
                        }
                    }
                    label { "Reason printed on the credit note" input name="reason" required placeholder="application withdrawn" autocomplete="off"; }
                    div { button type="submit" { "Issue the credit note" } }
                }
            }
            h3 { "Import a bank statement" }
            form.grid #import-statement data-tx="import-statement" {
                p.muted {
                    "The camt.053 statement of " (viewer.msp_id()) "'s account, as your bank delivered it. Each payment is matched by the creditor reference printed on the invoice; what is paid in part, more than due or matches nothing is reported here, never applied silently. Importing the same statement again changes nothing."
                }
                label { "Statement (camt.053 XML)"
                    input type="file" accept=".xml,application/xml,text/xml" required data-text-into="camt053" data-max-bytes=(MAX_STATEMENT_BYTES);
                }
                div { button type="submit" { "Import the statement" } }
            }
        }
    }
}

fn entry(e: &EntryId) -> String {
    match &e.entry_reference {
        Some(reference) => reference.clone(),
        None => format!("entry {}", e.index + 1),
    }
}

fn outcome(p: &AppliedPayment) -> String {
    match p.kind {
        PaymentKind::Paid => "paid".to_owned(),
        PaymentKind::Partial => format!("partial: {} still due", p.difference),
        PaymentKind::Overpaid => format!("over: {} more than due", p.difference),
    }
}

fn reported_list(entries: &[ReportedEntry], id: &str) -> Markup {
    html! {
        ul.reported id=(id) {
            @for r in entries {
                li {
                    span.mono { (entry(&r.entry)) }
                    @if let (Some(amount), Some(currency)) = (&r.amount, &r.currency) { " · " b { (amount) " " (currency) } }
                    " · " (r.reason)
                }
            }
        }
    }
}

/// What importing a statement did, as the contract answered it.
pub fn statement_report(report: &StatementImport) -> Markup {
    html! {
        section.card.report #statement-report {
            h2 { "Statement imported" }
            @if report.already_imported {
                p.bad #already-imported {
                    "This statement was imported before (transaction " span.mono { (report.tx_id) } "): nothing was applied again. What its first import did:"
                }
            }
            p {
                "Statement " span.mono { (report.statement) } " of account " span.mono { (report.account_iban) }
                ", imported " (date(report.imported_at)) " by " (report.imported_by.msp_id) "."
            }
            p.summary {
                b { (report.payments.len()) } " payment(s) applied · " b { (report.reported.len()) } " reported, not applied · "
                b { (report.ignored.len()) } " entries that are no payment"
            }
            @if !report.payments.is_empty() {
                h3 { "Payments applied" }
                div.scroll {
                    table.invoices.payments {
                        thead { tr { th { "Entry" } th { "Invoice" } th { "Application" } th { "Paid by" } th.num { "Amount" } th { "Result" } } }
                        tbody {
                            @for p in &report.payments {
                                tr data-payment=(p.invoice) {
                                    td.mono data-label="Entry" { (entry(&p.entry)) }
                                    td.mono data-label="Invoice" { (p.invoice) }
                                    td data-label="Application" { a.mono href={ "/certificates/" (p.certificate_id) } { (p.certificate_id) } }
                                    td data-label="Paid by" { (p.manufacturer_msp) }
                                    td.num data-label="Amount" { (p.amount) }
                                    td data-label="Result" { span class={ "state pk-" (outcome_class(p.kind)) } { (outcome(p)) } }
                                }
                            }
                        }
                    }
                }
            }
            @if !report.reported.is_empty() {
                h3 { "Reported, not applied: for a person to look at" }
                (reported_list(&report.reported, "reported"))
            }
            @if !report.ignored.is_empty() {
                h3 { "Not payments" }
                (reported_list(&report.ignored, "ignored"))
            }
        }
    }
}

fn outcome_class(kind: PaymentKind) -> &'static str {
    match kind {
        PaymentKind::Paid => "paid",
        PaymentKind::Partial => "partial",
        PaymentKind::Overpaid => "over",
    }
}

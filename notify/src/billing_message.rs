//! What a billing notification says: the webhook's JSON body (`invoice.issued`,
//! `credit_note.issued`, `invoice.paid`) and the email's subject, plain text and
//! attachments (the document as a Factur-X PDF/A-3 and as UBL XML, rendered from the
//! record the ledger keeps, so they are what `nanotrace invoice get` writes).
//!
//! Amounts are the documents' exact decimals, written as text; dates are the documents'
//! `YYYY-MM-DD`. None of it is logged.

use crate::message::{envelope, rfc3339};
use crate::route::{Billed, Notification};
use serde_json::{json, Value};

/// The document's fields as its JSON form writes them (dates, currency, reference): one
/// rendering of each, the model's.
fn document_field(billed: &Billed, path: &[&str]) -> Option<String> {
    let mut value = serde_json::to_value(&billed.record.document).ok()?;
    for key in path {
        value = value.get(*key)?.clone();
    }
    value.as_str().map(str::to_owned)
}

/// What the document is, in words and on the wire.
fn document_kind(billed: &Billed) -> (&'static str, &'static str) {
    if billed.record.is_credit_note() {
        ("credit note", "credit_note")
    } else {
        ("invoice", "invoice")
    }
}

/// The invoice a credit note credits.
fn credited_invoice(billed: &Billed) -> Option<String> {
    document_field(billed, &["kind", "billing_reference", "number"])
}

/// The webhook's JSON body for a billing notification.
pub fn webhook_body(n: &Notification, billed: &Billed) -> Value {
    let r = &billed.record;
    let data = json!({
        "event": n.kind.as_str(),
        "number": r.number,
        "document": document_kind(billed).1,
        "certificate_id": r.certificate_id,
        "body": r.body_msp,
        "manufacturer": r.manufacturer_msp,
        "currency": document_field(billed, &["currency"]),
        "issue_date": document_field(billed, &["issue_date"]),
        "tax_exclusive_amount": r.totals.tax_exclusive_amount.to_string(),
        "vat_amount": r.totals.vat_amount.to_string(),
        "payable_amount": r.totals.payable_amount.to_string(),
        "paid_amount": r.paid().to_string(),
        "outstanding_amount": r.outstanding().to_string(),
        "transaction_id": n.ledger.tx_id,
        "block": n.ledger.block,
        "tx_index": n.ledger.tx_index,
        "issued_by_transaction_id": r.tx_id,
    });
    let extra = [
        ("due_date", document_field(billed, &["due_date"]).map(Value::from)),
        ("payment_reference", document_field(billed, &["payment_means", "creditor_reference"]).map(Value::from)),
        ("credited_invoice", credited_invoice(billed).map(Value::from)),
        ("credited_by", r.credited_by.clone().map(Value::from)),
        (
            "payment",
            billed.payment.as_ref().map(|p| {
                json!({
                    "amount": p.amount.to_string(),
                    "kind": p.kind,
                    "entry": p.entry,
                    "transaction_id": p.tx_id,
                    "recorded_at": rfc3339(p.recorded_at),
                })
            }),
        ),
    ];
    envelope(n, data, extra)
}

/// `amount currency`.
fn money(billed: &Billed, amount: impl std::fmt::Display) -> String {
    format!("{amount} {}", document_field(billed, &["currency"]).unwrap_or_default())
}

/// The email's subject line.
pub fn subject(n: &Notification, billed: &Billed) -> String {
    let r = &billed.record;
    let total = money(billed, r.totals.payable_amount);
    match n.kind {
        crate::kind::Kind::InvoicePaid => format!("NanoTrace: invoice {} paid — {total}", r.number),
        _ if r.is_credit_note() => match credited_invoice(billed) {
            Some(invoice) => format!("NanoTrace: credit note {} for invoice {invoice} — {total}", r.number),
            None => format!("NanoTrace: credit note {} — {total}", r.number),
        },
        _ => match document_field(billed, &["due_date"]) {
            Some(due) => format!("NanoTrace: invoice {} from {} — {total} due {due}", r.number, r.body_msp),
            None => format!("NanoTrace: invoice {} from {} — {total}", r.number, r.body_msp),
        },
    }
}

/// The plain-text body.
pub fn text_body(n: &Notification, billed: &Billed) -> String {
    let r = &billed.record;
    let (what, _) = document_kind(billed);
    let headline = match (&billed.payment, r.is_credit_note()) {
        (Some(_), _) => format!("Invoice {} for application {} is paid in full.", r.number, r.certificate_id),
        (None, true) => format!("{} issued credit note {} for application {}.", r.body_msp, r.number, r.certificate_id),
        (None, false) => format!("{} issued invoice {} for application {}.", r.body_msp, r.number, r.certificate_id),
    };
    let seller = &r.document.seller.legal_name;
    let buyer = &r.document.buyer.legal_name;
    let mut facts = vec![
        (if r.is_credit_note() { "Credit note" } else { "Invoice" }, r.number.clone()),
        ("Application", format!("{} ({})", r.certificate_id, n.product_name.replace(['\r', '\n'], " "))),
        ("Seller", format!("{seller} ({})", r.body_msp)),
        ("Buyer", format!("{buyer} ({})", r.manufacturer_msp)),
        ("Issue date", document_field(billed, &["issue_date"]).unwrap_or_default()),
        ("Net amount", money(billed, r.totals.tax_exclusive_amount)),
        ("VAT", money(billed, r.totals.vat_amount)),
        (if r.is_credit_note() { "Amount credited" } else { "Amount due" }, money(billed, r.totals.payable_amount)),
    ];
    if let Some(invoice) = credited_invoice(billed) {
        facts.push(("Credits invoice", invoice));
    }
    if !r.is_credit_note() {
        if let Some(due) = document_field(billed, &["due_date"]) {
            facts.push(("Due date", due));
        }
        if let Some(reference) = document_field(billed, &["payment_means", "creditor_reference"]) {
            facts.push(("Payment reference", reference));
        }
        if let Some(iban) = document_field(billed, &["payment_means", "iban"]) {
            facts.push(("Pay to (IBAN)", iban));
        }
    }
    if let Some(p) = &billed.payment {
        facts.push(("Paid", money(billed, r.paid())));
        facts.push(("Settled by", format!("{} of statement entry {}", money(billed, p.amount), p.entry)));
    }
    facts.push(("Ledger transaction", format!("{} (block {})", n.ledger.tx_id, n.ledger.block)));
    facts.push(("Recorded", rfc3339(n.ledger.timestamp)));
    let mut out = format!("{headline}\n\n");
    for (label, value) in facts {
        out.push_str(&format!("{label}: {value}\n"));
    }
    if billed.payment.is_none() {
        out.push_str(&format!(
            "\nThe {what} is attached as a PDF (Factur-X: the EN 16931 XML inside) and as UBL XML.\n"
        ));
    }
    out.push_str(
        "\nYou receive this because your organisation subscribed this address to its NanoTrace billing \
         notifications.\n",
    );
    out
}

/// A file an email carries: file name, MIME type, bytes.
pub type Attached = (String, &'static str, Vec<u8>);

/// The files an email carries: the document itself when it was issued (a Factur-X PDF
/// and its UBL XML); nothing with the payment.
pub fn attachments(billed: &Billed) -> Result<Vec<Attached>, String> {
    if billed.payment.is_some() {
        return Ok(Vec::new());
    }
    let document = &billed.record.document;
    let pdf = document.to_facturx_pdf().map_err(|e| format!("cannot render the Factur-X PDF: {e}"))?;
    let ubl = document.to_ubl().map_err(|e| format!("cannot render the UBL XML: {e}"))?;
    let name = file_name(&billed.record.number);
    Ok(vec![(format!("{name}.pdf"), "application/pdf", pdf), (format!("{name}.xml"), "application/xml", ubl)])
}

/// `number` as a file name: letters, digits, `-`, `_` and `.` kept, anything else `_`.
fn file_name(number: &str) -> String {
    number.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect()
}

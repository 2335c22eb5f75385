//! What a notification says: the webhook's JSON body and the email's subject, plain text
//! and HTML (with the verification link and its QR code).
//!
//! The webhook body follows the Standard Webhooks payload shape (`type`, `timestamp`,
//! `data`); `type` is `certificate.<kind>`.

// Text in the HTML body is escaped for element content and quoted attributes, by the same
// rule as the verifier's pages.
use crate::kind::Kind;
use crate::route::Notification;
use html_escape::encode_quoted_attribute;
use nanotrace_model::validate::is_line_break;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// RFC 3339 of a Unix time (the Unix time itself when out of range).
pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

fn date(unix: i64) -> String {
    rfc3339(unix).get(..10).map(str::to_owned).unwrap_or_else(|| unix.to_string())
}

/// The webhook's JSON body.
pub fn webhook_body(n: &Notification) -> Value {
    let data = json!({
        "certificate_id": n.certificate_id,
        "event": n.kind.as_str(),
        "status": n.status.as_str(),
        "manufacturer": n.manufacturer,
        "product_name": n.product_name,
        "batch": n.batch,
        "transaction_id": n.ledger.tx_id,
        "block": n.ledger.block,
        "tx_index": n.ledger.tx_index,
        "verification_url": n.verification_url,
    });
    let extra = [
        ("issuer", n.issuer.clone().map(Value::from)),
        ("gtin", n.gtin.clone().map(Value::from)),
        ("valid_until", n.valid_until.map(|t| Value::from(rfc3339(t)))),
        ("reason", n.reason.clone().map(Value::from)),
        ("previous_certificate_id", n.previous.clone().map(Value::from)),
        ("days_left", n.days_left.map(Value::from)),
        ("supplier", n.supplier.as_ref().map(|(id, status)| json!({"certificate_id": id, "status": status.as_str()}))),
    ];
    envelope(n, data, extra)
}

/// The Standard Webhooks payload of `n`: `type`, `timestamp` and `data`, which holds the
/// fields of `data` and those of `extra` that are present.
pub fn envelope(
    n: &Notification,
    mut data: Value,
    extra: impl IntoIterator<Item = (&'static str, Option<Value>)>,
) -> Value {
    if let Some(map) = data.as_object_mut() {
        for (key, value) in extra {
            if let Some(value) = value {
                map.insert(key.to_owned(), value);
            }
        }
    }
    json!({
        "type": n.kind.webhook_type(),
        "timestamp": rfc3339(n.ledger.timestamp),
        "data": data,
    })
}

/// The sentence that says what happened.
fn headline(n: &Notification) -> String {
    let what = match n.kind {
        Kind::Applied => "was applied for".to_owned(),
        Kind::Approved => "was approved and issued".to_owned(),
        Kind::Rejected => "was rejected".to_owned(),
        Kind::Suspended => "was suspended".to_owned(),
        Kind::Reinstated => "was reinstated".to_owned(),
        Kind::Revoked => "was revoked".to_owned(),
        Kind::Renewed => match &n.previous {
            Some(previous) => format!("was issued as the renewal of {previous}"),
            None => "was renewed".to_owned(),
        },
        Kind::SdsRevised => "has a new safety data sheet revision declared".to_owned(),
        Kind::SupplierChanged => match &n.supplier {
            Some((id, status)) => format!("depends on supplier certificate {id}, which is now {}", status.as_str()),
            None => "depends on a supplier certificate that changed state".to_owned(),
        },
        Kind::Expiring => match (n.valid_until, n.days_left) {
            (Some(until), Some(days)) => format!("expires on {} ({days} days left)", date(until)),
            _ => "expires soon".to_owned(),
        },
        // Billing notifications have messages of their own (`billing_message`).
        Kind::InvoiceIssued => "was invoiced".to_owned(),
        Kind::CreditNoteIssued => "was credited".to_owned(),
        Kind::InvoicePaid => "has its invoice paid".to_owned(),
    };
    format!("Certificate {} for {} {what}.", n.certificate_id, one_line(&n.product_name))
}

/// `text` on one line: each line break (of any kind, CR LF counted as one) becomes a space.
/// Names are single lines since line breaks were refused in them; records of earlier
/// contract versions may still hold some.
fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace(is_line_break, " ")
}

/// A fact's value in the plain-text body: each further line of it (any line break, CR LF
/// counted as one) indented under its label, so that no line of a value (a reason may
/// span lines) reads as a fact of its own.
fn indented(value: &str) -> String {
    value.replace("\r\n", "\n").replace(is_line_break, "\n    ")
}

/// The email's subject line.
pub fn subject(n: &Notification) -> String {
    let what = match n.kind {
        Kind::Applied => "applied for",
        Kind::Approved => "approved",
        Kind::Rejected => "rejected",
        Kind::Suspended => "SUSPENDED",
        Kind::Reinstated => "reinstated",
        Kind::Revoked => "REVOKED",
        Kind::Renewed => "renewed",
        Kind::SdsRevised => "SDS revised",
        Kind::SupplierChanged => "supplier certificate changed",
        Kind::Expiring => "expiring soon",
        Kind::InvoiceIssued => "invoiced",
        Kind::CreditNoteIssued => "credited",
        Kind::InvoicePaid => "invoice paid",
    };
    format!("NanoTrace: {} {what} — {}", n.certificate_id, one_line(&n.product_name))
}

/// The facts listed under the headline, as (label, value).
fn facts(n: &Notification) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("Certificate", n.certificate_id.clone()),
        ("Status", n.status.as_str().to_owned()),
        ("Product", n.product_name.clone()),
        ("Batch", n.batch.clone()),
    ];
    if let Some(gtin) = &n.gtin {
        out.push(("GTIN", gtin.clone()));
    }
    out.push(("Manufacturer", n.manufacturer.clone()));
    if let Some(issuer) = &n.issuer {
        out.push(("Issued by", issuer.clone()));
    }
    if let Some(until) = n.valid_until {
        out.push(("Valid until", date(until)));
    }
    if let Some(reason) = &n.reason {
        out.push(("Reason", reason.clone()));
    }
    out.push(("Ledger transaction", format!("{} (block {})", n.ledger.tx_id, n.ledger.block)));
    out.push(("Recorded", rfc3339(n.ledger.timestamp)));
    out
}

/// The plain-text body.
pub fn text_body(n: &Notification) -> String {
    let mut out = headline(n);
    out.push_str("\n\n");
    for (label, value) in facts(n) {
        out.push_str(&format!("{label}: {}\n", indented(&value)));
    }
    out.push_str(&format!("\nCheck it yourself: {}\n", n.verification_url));
    out.push_str("\nYou receive this because your organisation subscribed this address to NanoTrace notifications.\n");
    out
}

/// The Content-ID of the QR image in the HTML body.
pub const QR_CONTENT_ID: &str = "qr@nanotrace";

/// The HTML body; its QR image is the inline part [`QR_CONTENT_ID`].
pub fn html_body(n: &Notification, with_qr: bool) -> String {
    let mut rows = String::new();
    for (label, value) in facts(n) {
        rows.push_str(&format!(
            "<tr><th style=\"text-align:left;padding:2px 12px 2px 0\">{}</th><td>{}</td></tr>",
            encode_quoted_attribute(label),
            encode_quoted_attribute(&value)
        ));
    }
    let url = encode_quoted_attribute(&n.verification_url);
    let qr = if with_qr {
        format!("<p><img src=\"cid:{QR_CONTENT_ID}\" alt=\"QR code of the verification link\" width=\"200\" height=\"200\"></p>")
    } else {
        String::new()
    };
    format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\"><p><strong>{}</strong></p><table>{rows}</table>\
         <p><a href=\"{url}\">Check this certificate on the public verifier</a></p>{qr}\
         <p style=\"color:#666;font-size:small\">You receive this because your organisation subscribed this address to \
         NanoTrace notifications.</p></body></html>",
        encode_quoted_attribute(&headline(n))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::LedgerRef;
    use nanotrace_model::CertificateStatus;

    /// A revocation notice for a product named `product`, for `reason`.
    fn revoked(product: &str, reason: &str) -> Notification {
        Notification {
            id: "msg_1".into(),
            target: "ops".into(),
            kind: Kind::Revoked,
            certificate_id: "NT-ABCDEFGH2345".into(),
            status: CertificateStatus::Revoked,
            manufacturer: "ManufacturerMSP".into(),
            issuer: Some("CertifierMSP".into()),
            product_name: product.into(),
            gtin: None,
            batch: "LOT-1".into(),
            valid_until: Some(1_900_000_000),
            reason: Some(reason.into()),
            supplier: None,
            previous: None,
            days_left: None,
            ledger: LedgerRef { tx_id: "tx1".into(), block: 7, tx_index: 0, timestamp: 1_800_000_000 },
            verification_url: "https://verify.example/c/NT-ABCDEFGH2345".into(),
            billing: None,
        }
    }

    /// A product name recorded before names had to be one line, and a reason (which may
    /// span lines): no line of theirs reads as a fact of its own in the plain text, whatever
    /// line break a mail client honours.
    #[test]
    fn lines_of_a_value_never_pose_as_facts() {
        let n = revoked(
            "SolarShield\nStatus: ACTIVE",
            "Recalled.\r\nStatus: ACTIVE\u{2028}Valid until: 2099-01-01\u{85}Issued by: Regulator",
        );
        let body = text_body(&n);
        let facts: Vec<&str> = body
            .split(['\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}'])
            .filter(|line| ["Status:", "Valid until:", "Issued by:"].iter().any(|label| line.starts_with(label)))
            .collect();
        assert_eq!(facts, ["Status: REVOKED", "Issued by: CertifierMSP", "Valid until: 2030-03-17"], "{body}");
        // Every line is still there, indented under its label.
        assert!(body.contains("Product: SolarShield\n    Status: ACTIVE\n"), "{body}");
        assert!(
            body.contains(
                "Reason: Recalled.\n    Status: ACTIVE\n    Valid until: 2099-01-01\n    Issued by: Regulator\n"
            ),
            "{body}"
        );
        // The headline and the subject are one line each.
        assert!(
            body.starts_with("Certificate NT-ABCDEFGH2345 for SolarShield Status: ACTIVE was revoked.\n\n"),
            "{body}"
        );
        assert_eq!(subject(&n), "NanoTrace: NT-ABCDEFGH2345 REVOKED — SolarShield Status: ACTIVE");
    }
}

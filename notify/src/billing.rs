//! Billing notifications: invoices, credit notes and payments between the organisation
//! the notifier reads as and its counterparties (`[[billing]]` subscriptions).
//!
//! Billing records live in private data collections, one per certification body and
//! manufacturer, and set no public event, so the follower cannot learn from an event what
//! was billed. What every peer does see is which collections a transaction wrote (their
//! names, with hashes of the keys and values). So a pass reads, for each transaction of a
//! chunk that wrote one of the organisation's own pairs' collections, that pair's
//! `Invoices` as the organisation's member (the contract answers only its two parties),
//! once per pair and chunk.
//!
//! Nothing has to be remembered between passes: every record names the transaction that
//! made it (`tx_id`) and each payment the one that imported it. A notification is made
//! for a record only in the chunk that holds its transaction, and that chunk's
//! notifications are queued in the same write as the checkpoint that passes it: so each
//! is queued once, however often the pair is read, and its ID depends only on that
//! transaction, the record and the target.

use crate::config::Config;
use crate::kind::Kind;
use crate::route::{notification, notification_id, Billed, LedgerRef, Notification};
use nanotrace_model::billing::{billing_pairs, BillingPair, InvoiceRecord};
use nanotrace_model::{Certificate, Organization};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The billing pairs `me` is a party of, by their collection's name.
pub fn own_pairs(organizations: &[Organization], me: &str) -> BTreeMap<String, BillingPair> {
    billing_pairs(organizations)
        .into_iter()
        .filter(|p| p.body == me || p.manufacturer == me)
        .map(|p| (p.collection(), p))
        .collect()
}

/// The other party of `pair`, seen from `me`.
pub fn counterparty<'a>(pair: &'a BillingPair, me: &str) -> &'a str {
    if pair.body == me {
        &pair.manufacturer
    } else {
        &pair.body
    }
}

/// The billing notifications of `records` (one pair's, read as `me`) whose transaction is
/// one of `chunk`'s (transaction ID → where it is), each record's certificate read from
/// `certificate`. An invoice is paid by the first payment that brings what was paid up
/// to what it asks; a credit note or a credited invoice is never paid.
pub fn notifications(
    config: &Config,
    me: &str,
    pair: &BillingPair,
    records: &[InvoiceRecord],
    chunk: &BTreeMap<String, LedgerRef>,
    certificate: &dyn Fn(&str) -> Option<Certificate>,
) -> Vec<Notification> {
    let other = counterparty(pair, me);
    let mut out = Vec::new();
    for record in records {
        let mut events = Vec::new();
        if let Some(ledger) = chunk.get(&record.tx_id) {
            let kind = if record.is_credit_note() { Kind::CreditNoteIssued } else { Kind::InvoiceIssued };
            events.push((kind, ledger, None));
        }
        if !record.is_credit_note() {
            let mut paid = Decimal::ZERO;
            let settling = record.payments.iter().find(|p| {
                paid += p.amount;
                paid >= record.totals.payable_amount
            });
            if let Some(payment) = settling {
                if let Some(ledger) = chunk.get(&payment.tx_id) {
                    events.push((Kind::InvoicePaid, ledger, Some(payment.clone())));
                }
            }
        }
        for (kind, ledger, payment) in events {
            let targets = config.billing_targets(kind, other);
            if targets.is_empty() {
                continue;
            }
            let Some(cert) = certificate(&record.certificate_id) else { continue };
            for target in targets {
                let id = notification_id(&[&ledger.tx_id, kind.as_str(), &record.body_msp, &record.number, &target]);
                let mut n = notification(config, &cert, kind, &target, ledger.clone(), id);
                n.billing = Some(Box::new(Billed { record: record.clone(), payment: payment.clone() }));
                out.push(n);
            }
        }
    }
    out
}

//! An invoice or credit note as the ledger keeps it: the EN 16931 document a certification
//! body issued to a manufacturer for one application, and the payments reconciled to it
//! from the body's bank statements.

use nanotrace_camt::EntryId;
use nanotrace_einvoice::{Invoice, InvoiceKind, Totals};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::records::Actor;

/// An issued invoice or credit note, kept in the pair's billing collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct InvoiceRecord {
    /// The document's number: the body's next in one gap-free sequence shared by its
    /// invoices and credit notes.
    pub number: String,
    /// The application it bills.
    pub certificate_id: String,
    /// The certification body (the seller).
    pub body_msp: String,
    /// The manufacturer (the buyer).
    pub manufacturer_msp: String,
    /// The EN 16931 document, as its UBL (or Factur-X) rendering writes it.
    pub document: Invoice,
    /// Its totals.
    pub totals: Totals,
    /// Who issued it (the body's finance role).
    pub issued_by: Actor,
    /// When, Unix seconds.
    pub issued_at: i64,
    /// The transaction that issued it.
    pub tx_id: String,
    /// The payments reconciled to it, each from one statement entry, in import order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<PaymentRecord>,
    /// On an invoice: the credit note that cancelled it, once one has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credited_by: Option<String>,
}

impl InvoiceRecord {
    /// Whether it is a credit note.
    pub fn is_credit_note(&self) -> bool {
        matches!(self.document.kind, InvoiceKind::CreditNote { .. })
    }

    /// What its payments add up to.
    pub fn paid(&self) -> Decimal {
        self.payments.iter().map(|p| p.amount).sum()
    }

    /// What is still due: nothing on a credit note or a credited invoice; otherwise the
    /// amount payable less what was paid, never below zero.
    pub fn outstanding(&self) -> Decimal {
        if self.is_credit_note() || self.credited_by.is_some() {
            return Decimal::ZERO;
        }
        (self.totals.payable_amount - self.paid()).max(Decimal::ZERO)
    }

    /// Whether it is an invoice paid in full.
    pub fn is_settled(&self) -> bool {
        !self.is_credit_note() && self.paid() >= self.totals.payable_amount
    }
}

/// One payment reconciled to an invoice: which statement entry paid how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentRecord {
    /// The statement entry it came from.
    pub entry: EntryId,
    /// The amount credited, in the invoice's currency.
    pub amount: Decimal,
    /// How it compared with what was due.
    pub kind: PaymentKind,
    /// The transaction that imported the statement.
    pub tx_id: String,
    /// When, Unix seconds.
    pub recorded_at: i64,
}

/// How a payment compared with what remained due on its invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum PaymentKind {
    /// Exactly what remained.
    Paid,
    /// Less: the invoice stays outstanding.
    Partial,
    /// More: the excess is to be refunded or settled by hand.
    Overpaid,
}

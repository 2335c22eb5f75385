//! A bank statement imported by a certification body: what its entries paid, and what
//! was reported for a person to look at rather than applied.

use nanotrace_camt::EntryId;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::invoice::PaymentKind;
use crate::records::Actor;

/// The outcome of importing one camt.053 statement; kept in the body's own collection, so
/// that importing the same statement again changes nothing and answers the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StatementImport {
    /// The statement's identity (its message and statement identifiers).
    pub statement: String,
    /// The account it is for (the body's).
    pub account_iban: String,
    /// The payments applied, in statement order.
    pub payments: Vec<AppliedPayment>,
    /// The booked credits not applied, for a person to look at.
    pub reported: Vec<ReportedEntry>,
    /// The entries that are no payment (debits, entries not booked), with the reason.
    pub ignored: Vec<ReportedEntry>,
    /// Who imported it.
    pub imported_by: Actor,
    /// When, Unix seconds.
    pub imported_at: i64,
    /// The transaction that imported it.
    pub tx_id: String,
    /// Set in the answer to an import of a statement imported before: nothing was
    /// applied again, and the answer is the first import's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub already_imported: bool,
}

/// A payment applied to an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AppliedPayment {
    /// The invoice number.
    pub invoice: String,
    /// The application it bills.
    pub certificate_id: String,
    /// The manufacturer that paid.
    pub manufacturer_msp: String,
    /// The statement entry.
    pub entry: EntryId,
    /// The amount.
    pub amount: Decimal,
    /// Paid in full, in part or more than due.
    pub kind: PaymentKind,
    /// What the invoice still has due after it (partial), or how much more than due was
    /// paid (overpaid); zero when paid exactly.
    pub difference: Decimal,
}

/// An entry not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportedEntry {
    /// The statement entry.
    pub entry: EntryId,
    /// Why it was not applied, in words.
    pub reason: String,
    /// The entry's amount, when it is a credit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Decimal>,
    /// Its currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

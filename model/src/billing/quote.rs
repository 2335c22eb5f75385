//! A quote: what a certification body will charge for one application, from its fee
//! schedule in force when the application was filed, and the manufacturer's acceptance.

use nanotrace_einvoice::{Currency, InvoiceLine, Totals};
use serde::{Deserialize, Serialize};

use crate::records::Actor;

/// A body's quote for one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Quote {
    /// The application (certificate) it prices.
    pub certificate_id: String,
    /// The certification body.
    pub body_msp: String,
    /// The manufacturer that applied.
    pub manufacturer_msp: String,
    /// The currency.
    pub currency: Currency,
    /// The fees charged, as the invoice will list them.
    pub fees: Vec<InvoiceLine>,
    /// What they add up to, VAT included.
    pub totals: Totals,
    /// Whether the body decides only once this quote is paid.
    pub payment_before_decision: bool,
    /// The `effective_from` of the schedule version it was made from: the one in force
    /// when the application was filed.
    pub schedule_effective_from: i64,
    /// Who issued it.
    pub issued_by: Actor,
    /// When, Unix seconds.
    pub issued_at: i64,
    /// The transaction that issued it.
    pub tx_id: String,
    /// The manufacturer's acceptance, once given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<QuoteAcceptance>,
}

/// A manufacturer's acceptance of a quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct QuoteAcceptance {
    /// Who accepted it, a member of the manufacturer.
    pub by: Actor,
    /// When, Unix seconds.
    pub at: i64,
    /// The transaction.
    pub tx_id: String,
}

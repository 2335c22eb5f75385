//! An organisation's billing details: the legal data every invoice it issues or receives
//! states (EN 16931's seller and buyer), and a certification body's bank account.
//!
//! They are public, on the organisation's record: a registered name, address and VAT
//! identifier are what a business register shows, and the account is what every invoice
//! prints. What is charged, and whether it was paid, stays private (the billing
//! collections).

use nanotrace_einvoice::Party;
use serde::{Deserialize, Serialize};

/// Payment terms when a body states none: 30 days.
pub const DEFAULT_PAYMENT_DAYS: u16 = 30;
/// The longest payment term accepted, in days.
pub const MAX_PAYMENT_DAYS: u16 = 365;

/// What an invoice needs to know of one party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BillingDetails {
    /// The legal party: registered name, address, VAT identifier, Peppol address.
    pub party: Party,
    /// A certification body's account, where its invoices ask to be paid and whose
    /// statements it imports. Required before a body invoices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<BankAccount>,
    /// A certification body's payment term, in days after the issue date
    /// (1 to [`MAX_PAYMENT_DAYS`]). Absent: [`DEFAULT_PAYMENT_DAYS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_days: Option<u16>,
}

/// A bank account invoices are paid to (EN 16931 BG-17).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    /// The IBAN (BT-84).
    pub iban: String,
    /// The bank's BIC (BT-86).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
    /// The account holder's name (BT-85).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
}

impl BillingDetails {
    /// Checks every field as an invoice would: the party's names, address and
    /// identifiers, the account, the payment term.
    pub fn validate(&self) -> Result<(), nanotrace_einvoice::Error> {
        self.party.validate("details.party")?;
        if let Some(account) = &self.account {
            nanotrace_einvoice::check_account(
                "details.account",
                &account.iban,
                account.bic.as_deref(),
                account.account_name.as_deref(),
            )?;
        }
        Ok(())
    }

    /// The payment term in days ([`DEFAULT_PAYMENT_DAYS`] when none is set).
    pub fn payment_days(&self) -> u16 {
        self.payment_days.unwrap_or(DEFAULT_PAYMENT_DAYS)
    }
}

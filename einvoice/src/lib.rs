//! EN 16931 electronic invoices between a certification body and a manufacturer (issue
//! 75, paid certification): a typed [`Invoice`] — parties, lines, VAT categories, payment
//! by credit transfer with an ISO 11649 creditor reference — checked
//! ([`Invoice::validate`]) and rendered as a UBL 2.1 Invoice or CreditNote in the Peppol
//! BIS Billing 3.0 profile ([`Invoice::to_ubl`]), as a UN/CEFACT CII document
//! ([`Invoice::to_cii`]), or as a hybrid Factur-X / ZUGFeRD PDF/A-3 that a person reads and
//! that carries the CII XML ([`Invoice::to_facturx_pdf`]). Pure: no ledger, no clock, no I/O.
//!
//! Conformance is not claimed from this crate's own reading of the rules: its tests
//! validate what it renders with the official EN 16931 and Peppol validation artefacts
//! (`tests/einvoice`, built by `scripts/einvoice-deps.sh`).
//!
//! - [`invoice`]: the invoice, its checks and its totals.
//! - [`party`]: seller and buyer.
//! - [`line`](mod@line): invoice lines.
//! - [`vat`]: VAT categories, rates, exemption reasons and the VAT breakdown.
//! - [`amount`]: the currency, amounts and their rounding.
//! - [`creditor_reference`]: ISO 11649 "RF" references.
//! - [`ubl`]: the UBL 2.1 writer.
//! - [`cii`]: the UN/CEFACT CII D16B writer (the XML of Factur-X / ZUGFeRD).
//! - [`pdf`]: the Factur-X PDF/A-3b, readable and carrying the CII XML.
//! - [`error`]: why an invoice is refused.

pub mod amount;
pub mod cii;
pub mod creditor_reference;
pub mod error;
pub mod invoice;
pub mod line;
pub mod party;
pub mod pdf;
pub mod ubl;
pub mod vat;
mod xml;

pub use amount::Currency;
pub use creditor_reference::CreditorReference;
pub use error::{CreditorReferenceError, Error};
pub use invoice::{check_account, check_lines, BillingReference, Delivery, Invoice, InvoiceKind, PaymentMeans, Totals};
pub use line::InvoiceLine;
pub use party::{Contact, Country, ElectronicAddress, LegalRegistration, Party};
pub use vat::{ExemptionReason, VatBreakdown, VatCategory};

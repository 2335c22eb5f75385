//! Paid certification as the console shows it (issue 75): what a member of a
//! manufacturer or of a certification body reads about the billing it shares with each
//! counterparty, and what the console derives from it — never more than the contract
//! answered the member.
//!
//! - [`pairs`]: the member's counterparties (the bodies for a manufacturer, the
//!   manufacturers for a body) and each pair's fee schedules and invoices, read as the
//!   member.
//! - [`state`]: an invoice's state (outstanding, paid, credited), what is outstanding in
//!   all, and an application's payment state where its quote asks for payment first.
//! - [`download`]: an invoice as UBL XML or as a Factur-X PDF, with its content type and
//!   file name.
//!
//! What the body's finance does from the billing page — issue an invoice, credit one,
//! import a bank statement — is a transaction like any other ([`crate::actions`]), its
//! request carried as the proposal's transient data ([`crate::ledger::stage::Call`]);
//! its forms and a statement's report are [`crate::web::finance`].

pub mod download;
pub mod pairs;
pub mod state;

pub use download::{DownloadError, InvoiceFormat};
pub use pairs::{counterparties, read_pair, PairBilling};
pub use state::{outstanding_by_currency, payment_state, DocumentState, PaymentState};

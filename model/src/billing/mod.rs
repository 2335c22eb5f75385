//! Paid certification (issue 75): what a certification body charges a manufacturer, kept
//! in their billing collection — private data the two hold, with only hashes on the
//! channel (docs/PRIVATE-DATA.md).
//!
//! - [`pair`]: which organisations share a billing collection, and its name.
//! - [`fee_schedule`]: a body's fees for a manufacturer, each version in force from a
//!   date.
//! - [`quote`]: what an application will cost, from the schedule in force when it was
//!   filed, and the manufacturer's acceptance.
//! - [`details`]: the legal data and bank account invoices state, on the organisation's
//!   public record.
//! - [`invoice`]: an issued invoice or credit note and the payments reconciled to it.
//! - [`statement`]: what importing a bank statement applied and reported.
//! - [`answer`]: what a billing write answers (a receipt) and where its full answer is
//!   kept.
//!
//! Fees are EN 16931 invoice lines ([`InvoiceLine`]) in a [`Currency`], so that what a
//! quote shows is what its invoice will say; both come from `nanotrace-einvoice`, where
//! the invoices are written.

pub mod answer;
pub mod details;
pub mod fee_schedule;
pub mod invoice;
pub mod pair;
pub mod quote;
pub mod statement;

pub use answer::{AnswerError, AnswerHolder, PrivateAnswer, PrivateReceipt};
pub use details::{BankAccount, BillingDetails, DEFAULT_PAYMENT_DAYS, MAX_PAYMENT_DAYS};
pub use fee_schedule::{FeeSchedule, FeeScheduleVersion, FeeSchedules};
pub use invoice::{InvoiceRecord, PaymentKind, PaymentRecord};
pub use nanotrace_camt::EntryId;
pub use nanotrace_einvoice::{Currency, InvoiceLine, Totals, VatCategory};
pub use pair::{billing_pairs, pairs_of, BillingPair, BILLING_COLLECTION_PREFIX, BILLING_MAXIMUM_PEER_COUNT};
pub use quote::{Quote, QuoteAcceptance};
pub use statement::{AppliedPayment, ReportedEntry, StatementImport};

/// The transient-data key under which a billing function's request travels: its values
/// are private, so they are never a transaction's arguments, which every peer keeps in
/// the block.
pub const PRIVATE_REQUEST: &str = "request";

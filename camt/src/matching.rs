//! Matching a statement's credit entries to open invoices by creditor reference.
//!
//! Only booked credits are payments. Each is matched by its ISO 11649 creditor reference
//! to at most one open invoice and applied in statement order against that invoice's
//! running remaining amount, so that a second partial payment can complete an invoice.
//! What cannot be applied as it stands (an unknown or invalid reference, another currency,
//! an entry already imported) is reported, never applied; debits and entries not booked
//! are listed as ignored, with the reason.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};

use nanotrace_einvoice::CreditorReference;
use rust_decimal::Decimal;

use crate::entry::{EntryId, EntryStatus};
use crate::error::CamtError;
use crate::statement::{normalize_iban, Statement};

/// An invoice still (partly) unpaid, as the certification body knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenInvoice {
    /// The invoice number.
    pub number: String,
    /// Its ISO 11649 creditor reference (`RF…`), electronic or print form.
    pub creditor_reference: String,
    /// Its currency (ISO 4217).
    pub currency: String,
    /// What is still due before this statement: the invoice total less the payments
    /// already applied from earlier statements.
    pub amount_due: Decimal,
}

/// A payment to apply: a booked credit matched to one invoice in its currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payment {
    /// The entry pays exactly what remained due.
    Paid {
        /// The invoice number.
        invoice: String,
        /// The entry it came from.
        entry: EntryId,
        /// The amount paid.
        amount: Decimal,
    },
    /// The entry pays less than what remained due.
    Partial {
        /// The invoice number.
        invoice: String,
        /// The entry it came from.
        entry: EntryId,
        /// The amount paid.
        amount: Decimal,
        /// What is still due after it.
        remaining: Decimal,
    },
    /// The entry pays more than what remained due (or the invoice was already paid).
    Overpaid {
        /// The invoice number.
        invoice: String,
        /// The entry it came from.
        entry: EntryId,
        /// The amount paid.
        amount: Decimal,
        /// How much more than due was paid: to refund or to settle by hand.
        excess: Decimal,
    },
}

impl Payment {
    /// The invoice paid.
    pub fn invoice(&self) -> &str {
        match self {
            Self::Paid { invoice, .. } | Self::Partial { invoice, .. } | Self::Overpaid { invoice, .. } => invoice,
        }
    }

    /// The statement entry the payment came from.
    pub fn entry(&self) -> &EntryId {
        match self {
            Self::Paid { entry, .. } | Self::Partial { entry, .. } | Self::Overpaid { entry, .. } => entry,
        }
    }

    /// The amount paid.
    pub fn amount(&self) -> Decimal {
        match self {
            Self::Paid { amount, .. } | Self::Partial { amount, .. } | Self::Overpaid { amount, .. } => *amount,
        }
    }
}

/// Why a booked credit matched no invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnmatchedReason {
    /// It carries no structured creditor reference (perhaps only free text).
    NoReference,
    /// Its references are valid but no open invoice carries them.
    UnknownReference,
    /// A reference fails the ISO 11649 check (wrong check digits, not `RF…`), and no other
    /// reference of it matched.
    InvalidReference,
    /// Its references name more than one open invoice: the amount cannot be split.
    AmbiguousReference,
}

impl UnmatchedReason {
    /// The reason as a code: `no_reference`, `unknown_reference`, `invalid_reference`,
    /// `ambiguous_reference`.
    pub fn code(self) -> &'static str {
        match self {
            Self::NoReference => "no_reference",
            Self::UnknownReference => "unknown_reference",
            Self::InvalidReference => "invalid_reference",
            Self::AmbiguousReference => "ambiguous_reference",
        }
    }
}

impl fmt::Display for UnmatchedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A booked credit that is not applied, for a person to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reported {
    /// Matched an invoice, but in another currency than the invoice's.
    CurrencyMismatch {
        /// The invoice number.
        invoice: String,
        /// The entry.
        entry: EntryId,
        /// The entry's amount.
        amount: Decimal,
        /// The entry's currency.
        currency: String,
        /// The invoice's currency.
        expected: String,
    },
    /// Matched no invoice.
    Unmatched {
        /// The entry.
        entry: EntryId,
        /// Why.
        reason: UnmatchedReason,
        /// The entry's amount.
        amount: Decimal,
        /// The entry's currency.
        currency: String,
        /// The references it carried, as normalized.
        references: Vec<String>,
    },
    /// The entry was imported before (the same statement read again): not applied twice.
    AlreadyImported {
        /// The entry.
        entry: EntryId,
    },
}

impl Reported {
    /// The entry reported.
    pub fn entry(&self) -> &EntryId {
        match self {
            Self::CurrencyMismatch { entry, .. } | Self::Unmatched { entry, .. } | Self::AlreadyImported { entry } => {
                entry
            }
        }
    }
}

/// Why an entry is not a payment at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IgnoredReason {
    /// A debit (`DBIT`): money leaving the account.
    Debit,
    /// Not booked (pending, information only …): may never reach the account.
    NotBooked(EntryStatus),
}

impl fmt::Display for IgnoredReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Debit => f.write_str("debit"),
            Self::NotBooked(status) => write!(f, "not booked ({status})"),
        }
    }
}

/// An entry that is not a payment, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    /// The entry.
    pub entry: EntryId,
    /// Why it is ignored.
    pub reason: IgnoredReason,
}

/// The outcome of matching one statement: every entry is in exactly one of the three lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    /// The statement's [`identity`](Statement::identity).
    pub statement: String,
    /// The payments to apply, in statement order, each naming its entry.
    pub payments: Vec<Payment>,
    /// The booked credits not applied, in statement order.
    pub reported: Vec<Reported>,
    /// The debits and the entries not booked, in statement order.
    pub ignored: Vec<Ignored>,
}

impl Reconciliation {
    /// A text summary: counts on the first line, then one line per payment, report and
    /// ignored entry, in statement order within each group.
    pub fn summary(&self) -> String {
        let count = |f: &dyn Fn(&Payment) -> bool| self.payments.iter().filter(|p| f(p)).count();
        let mut text = format!(
            "statement {}: {} payment(s) ({} paid, {} partial, {} overpaid), {} reported, {} ignored\n",
            self.statement,
            self.payments.len(),
            count(&|p| matches!(p, Payment::Paid { .. })),
            count(&|p| matches!(p, Payment::Partial { .. })),
            count(&|p| matches!(p, Payment::Overpaid { .. })),
            self.reported.len(),
            self.ignored.len(),
        );
        for payment in &self.payments {
            let _ = match payment {
                Payment::Paid { invoice, entry, amount } => {
                    writeln!(text, "paid      {invoice}: {amount} from entry {entry}")
                }
                Payment::Partial { invoice, entry, amount, remaining } => {
                    writeln!(text, "partial   {invoice}: {amount} from entry {entry}, {remaining} still due")
                }
                Payment::Overpaid { invoice, entry, amount, excess } => {
                    writeln!(text, "overpaid  {invoice}: {amount} from entry {entry}, {excess} more than due")
                }
            };
        }
        for report in &self.reported {
            let _ = match report {
                Reported::CurrencyMismatch { invoice, entry, amount, currency, expected } => {
                    writeln!(text, "reported  entry {entry}: {amount} {currency} for {invoice}, which is in {expected}")
                }
                Reported::Unmatched { entry, reason, amount, currency, references } => writeln!(
                    text,
                    "reported  entry {entry}: {amount} {currency} unmatched, {reason} [{}]",
                    references.join(", ")
                ),
                Reported::AlreadyImported { entry } => writeln!(text, "reported  entry {entry}: already imported"),
            };
        }
        for ignored in &self.ignored {
            let _ = writeln!(text, "ignored   entry {}: {}", ignored.entry, ignored.reason);
        }
        text
    }
}

/// Matches the booked credit entries of `statement` to `invoices` by creditor reference.
///
/// `account_iban_expected` is the certification body's account: a statement of another
/// account is refused whole ([`CamtError::WrongAccount`]). `already_imported` tells which
/// entries were imported before (by their [`EntryId`]): those are reported as
/// [`Reported::AlreadyImported`] and never paid twice. Invoices with an invalid creditor
/// reference, or two invoices with the same one, are refused too, before anything is matched.
///
/// Pure and deterministic: the same arguments give the same reconciliation.
pub fn reconcile(
    statement: &Statement,
    account_iban_expected: &str,
    invoices: &[OpenInvoice],
    already_imported: &dyn Fn(&EntryId) -> bool,
) -> Result<Reconciliation, CamtError> {
    let expected = normalize_iban(account_iban_expected);
    let got = normalize_iban(&statement.account_iban);
    if expected != got {
        return Err(CamtError::WrongAccount { expected, got });
    }
    let mut by_reference: HashMap<String, &OpenInvoice> = HashMap::new();
    for invoice in invoices {
        let reference = CreditorReference::parse(invoice.creditor_reference.trim()).map_err(|source| {
            CamtError::InvalidInvoiceReference {
                invoice: invoice.number.clone(),
                reference: invoice.creditor_reference.clone(),
                source,
            }
        })?;
        if let Some(first) = by_reference.insert(reference.as_str().to_owned(), invoice) {
            return Err(CamtError::DuplicateInvoiceReference {
                reference: reference.as_str().to_owned(),
                first: first.number.clone(),
                second: invoice.number.clone(),
            });
        }
    }
    // What remains due on each invoice as this statement's payments are applied.
    let mut remaining: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut result = Reconciliation {
        statement: statement.identity(),
        payments: Vec::new(),
        reported: Vec::new(),
        ignored: Vec::new(),
    };
    for entry in &statement.entries {
        let id = statement.entry_id(entry);
        if !entry.credit {
            result.ignored.push(Ignored { entry: id, reason: IgnoredReason::Debit });
            continue;
        }
        if !entry.is_booked() {
            result.ignored.push(Ignored { entry: id, reason: IgnoredReason::NotBooked(entry.status.clone()) });
            continue;
        }
        if already_imported(&id) {
            result.reported.push(Reported::AlreadyImported { entry: id });
            continue;
        }
        let unmatched = |id: EntryId, reason| Reported::Unmatched {
            entry: id,
            reason,
            amount: entry.amount,
            currency: entry.currency.clone(),
            references: entry.creditor_references.clone(),
        };
        if entry.creditor_references.is_empty() {
            result.reported.push(unmatched(id, UnmatchedReason::NoReference));
            continue;
        }
        let mut invalid = false;
        let mut matched: Vec<&OpenInvoice> = Vec::new();
        for text in &entry.creditor_references {
            match CreditorReference::parse(text) {
                Ok(reference) => {
                    if let Some(invoice) = by_reference.get(reference.as_str()) {
                        if !matched.iter().any(|m| m.number == invoice.number) {
                            matched.push(invoice);
                        }
                    }
                }
                Err(_) => invalid = true,
            }
        }
        let invoice = match matched.as_slice() {
            [invoice] => *invoice,
            [] if invalid => {
                result.reported.push(unmatched(id, UnmatchedReason::InvalidReference));
                continue;
            }
            [] => {
                result.reported.push(unmatched(id, UnmatchedReason::UnknownReference));
                continue;
            }
            _ => {
                result.reported.push(unmatched(id, UnmatchedReason::AmbiguousReference));
                continue;
            }
        };
        if entry.currency != invoice.currency {
            result.reported.push(Reported::CurrencyMismatch {
                invoice: invoice.number.clone(),
                entry: id,
                amount: entry.amount,
                currency: entry.currency.clone(),
                expected: invoice.currency.clone(),
            });
            continue;
        }
        let due = remaining.entry(invoice.number.as_str()).or_insert(invoice.amount_due.max(Decimal::ZERO));
        let amount = entry.amount;
        let number = invoice.number.clone();
        let payment = match amount.cmp(due) {
            std::cmp::Ordering::Equal => Payment::Paid { invoice: number, entry: id, amount },
            std::cmp::Ordering::Less => {
                Payment::Partial { invoice: number, entry: id, amount, remaining: *due - amount }
            }
            std::cmp::Ordering::Greater => {
                Payment::Overpaid { invoice: number, entry: id, amount, excess: amount - *due }
            }
        };
        *due = (*due - amount).max(Decimal::ZERO);
        result.payments.push(payment);
    }
    Ok(result)
}

//! What the console derives from the invoices the contract answered: each document's
//! state, what is outstanding in all, and whether an application whose quote asks for
//! payment before a decision has been paid — read from the invoices, the way the
//! contract's own check is set by the statement import that settles them.

use std::collections::BTreeMap;

use nanotrace_model::billing::{InvoiceRecord, Quote};

/// An invoice's or credit note's state, as the billing page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentState {
    /// An invoice with something still due.
    Outstanding {
        /// What is due, with its currency (`1737.40 EUR`).
        amount: String,
        /// When it is due (`YYYY-MM-DD`), if the invoice says.
        due: Option<String>,
        /// Whether some of it was paid already.
        partly_paid: bool,
    },
    /// An invoice paid in full.
    Paid,
    /// An invoice a credit note cancelled.
    Credited {
        /// The credit note's number.
        by: String,
    },
    /// A credit note.
    CreditNote {
        /// The invoice it credits, when it is among the documents read.
        credits: Option<String>,
    },
}

impl DocumentState {
    /// The state of `record`, among the pair's `all` documents (to name the invoice a
    /// credit note credits).
    pub fn of(record: &InvoiceRecord, all: &[InvoiceRecord]) -> Self {
        if record.is_credit_note() {
            let credits =
                all.iter().find(|r| r.credited_by.as_deref() == Some(&record.number)).map(|r| r.number.clone());
            return DocumentState::CreditNote { credits };
        }
        if let Some(by) = &record.credited_by {
            return DocumentState::Credited { by: by.clone() };
        }
        let outstanding = record.outstanding();
        if outstanding.is_zero() {
            return DocumentState::Paid;
        }
        DocumentState::Outstanding {
            amount: format!("{outstanding} {}", record.document.currency.code()),
            due: record.document.due_date.map(|d| d.to_string()),
            partly_paid: !record.payments.is_empty(),
        }
    }

    /// A short word for styling (`outstanding`, `paid`, `credited`, `credit-note`).
    pub fn class(&self) -> &'static str {
        match self {
            DocumentState::Outstanding { .. } => "outstanding",
            DocumentState::Paid => "paid",
            DocumentState::Credited { .. } => "credited",
            DocumentState::CreditNote { .. } => "credit-note",
        }
    }
}

impl std::fmt::Display for DocumentState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocumentState::Outstanding { amount, due, partly_paid } => {
                write!(f, "{amount} outstanding")?;
                if *partly_paid {
                    write!(f, " (paid in part)")?;
                }
                match due {
                    Some(due) => write!(f, ", due {due}"),
                    None => Ok(()),
                }
            }
            DocumentState::Paid => write!(f, "paid"),
            DocumentState::Credited { by } => write!(f, "credited by {by}"),
            DocumentState::CreditNote { credits: Some(number) } => write!(f, "credit note for {number}"),
            DocumentState::CreditNote { credits: None } => write!(f, "credit note"),
        }
    }
}

/// What `records` still have due, per currency (ISO 4217 code → amount), currencies in
/// order; a currency with nothing due is left out.
pub fn outstanding_by_currency<'a>(records: impl IntoIterator<Item = &'a InvoiceRecord>) -> Vec<(String, String)> {
    let mut due = BTreeMap::new();
    for record in records {
        let amount = record.outstanding();
        if amount.is_zero() {
            continue;
        }
        add_into(&mut due, record.document.currency.code(), amount);
    }
    due.into_iter().map(|(currency, amount)| (currency, amount.to_string())).collect()
}

/// Adds `amount` to `sums[key]` (the amounts' type is the invoices' own decimal).
fn add_into<D: Copy + std::ops::AddAssign>(sums: &mut BTreeMap<String, D>, key: &str, amount: D) {
    match sums.get_mut(key) {
        Some(sum) => *sum += amount,
        None => {
            sums.insert(key.to_owned(), amount);
        }
    }
}

/// Whether an application whose quote asks for payment before a decision is paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentState {
    /// Not paid in full: the body may not decide yet.
    AwaitingPayment {
        /// The application's invoice in force, if one was issued.
        invoice: Option<String>,
        /// What it still has due, with its currency.
        outstanding: Option<String>,
    },
    /// Its invoice is paid in full: the body may decide.
    Paid {
        /// The invoice.
        invoice: String,
    },
}

impl PaymentState {
    /// A short word for styling (`awaiting`, `paid`).
    pub fn class(&self) -> &'static str {
        match self {
            PaymentState::AwaitingPayment { .. } => "awaiting",
            PaymentState::Paid { .. } => "paid",
        }
    }
}

impl std::fmt::Display for PaymentState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaymentState::AwaitingPayment { invoice: None, .. } => write!(f, "awaiting payment (not invoiced yet)"),
            PaymentState::AwaitingPayment { invoice: Some(number), outstanding: Some(amount) } => {
                write!(f, "awaiting payment ({amount} outstanding on {number})")
            }
            PaymentState::AwaitingPayment { invoice: Some(number), outstanding: None } => {
                write!(f, "awaiting payment ({number})")
            }
            PaymentState::Paid { invoice } => write!(f, "paid ({invoice})"),
        }
    }
}

/// The payment state of `quote`'s application from the pair's `invoices`: none when the
/// quote lets the body decide before payment. The invoice in force is the application's
/// latest invoice no credit note cancelled (a credited application is paid for no more).
pub fn payment_state(quote: &Quote, invoices: &[InvoiceRecord]) -> Option<PaymentState> {
    if !quote.payment_before_decision {
        return None;
    }
    let invoice = invoices
        .iter()
        .rev()
        .find(|r| r.certificate_id == quote.certificate_id && !r.is_credit_note() && r.credited_by.is_none());
    Some(match invoice {
        Some(r) if r.is_settled() => PaymentState::Paid { invoice: r.number.clone() },
        Some(r) => PaymentState::AwaitingPayment {
            invoice: Some(r.number.clone()),
            outstanding: Some(format!("{} {}", r.outstanding(), r.document.currency.code())),
        },
        None => PaymentState::AwaitingPayment { invoice: None, outstanding: None },
    })
}

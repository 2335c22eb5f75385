//! Paid certification, second half: a body's invoices and credit notes, numbered in one
//! gap-free sequence per body, and the payments its camt.053 bank statements bring,
//! matched by the ISO 11649 creditor reference each invoice prints.
//!
//! Where the records live (all private data; docs/PRIVATE-DATA.md):
//! - **the pair's billing collection**, which the body and the manufacturer hold:
//!   `invoice~<number>` → [`InvoiceRecord`], `invoices` → the pair's invoice numbers in
//!   issue order, `invoice-of~<certificate>` → the number of an application's invoice;
//! - **the body's own implicit collection** (`_implicit_org_<body>`), its books, which
//!   only its peers hold: `invoice-counter` → the last number given, `book~<number>` →
//!   which pair holds that document, `reference~<RF…>` → the invoice a creditor reference
//!   pays, `statement~<identity>` → what importing a statement did, `entry~<statement>~<n>`
//!   → the invoice an entry paid.
//!
//! **Gap-free numbering.** A document's number is the counter plus one, written in the
//! same transaction as the document. Two issuances that read the same counter conflict:
//! on Fabric the second fails validation (MVCC), on the embedded ledger transactions are
//! serial. A number is therefore never given twice and never skipped. A transaction
//! that fails writes nothing, the counter included.

use super::*;
use nanotrace_camt::{reconcile, OpenInvoice, Payment, Reported};
use nanotrace_einvoice::{BillingReference, CreditorReference, Invoice, InvoiceKind, PaymentMeans};
use nanotrace_model::billing::{
    AnswerHolder, AppliedPayment, BillingDetails, BillingPair, EntryId, InvoiceRecord, PaymentKind, PaymentRecord,
    PrivateAnswer, PrivateReceipt, Quote, ReportedEntry, StatementImport,
};
use nanotrace_shim::implicit_collection;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// Pair collection: one document by number.
const INVOICE: &str = "invoice";
/// Pair collection: the pair's document numbers, in issue order.
const INVOICES: &str = "invoices";
/// Pair collection: an application's invoice number.
const INVOICE_OF: &str = "invoice-of";
/// The body's books: the last number given.
const COUNTER: &str = "invoice-counter";
/// The body's books: which manufacturer a document number was issued to.
const BOOK: &str = "book";
/// The body's books: the invoice a creditor reference pays.
const REFERENCE: &str = "reference";
/// The body's books: an imported statement.
const STATEMENT: &str = "statement";
/// The body's books: the invoice a statement entry paid.
const ENTRY: &str = "entry";
/// The prefix of a body's document numbers; the creditor reference is the number
/// without its hyphen.
const NUMBER_PREFIX: &str = "INV-";

/// Where a document is: written in the body's books for each number.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct BookEntry {
    manufacturer_msp: String,
    certificate_id: String,
}

impl Tx<'_> {
    /// `IssueInvoice`: the caller, of a body's finance, invoices the accepted quote of one
    /// application, from the two parties' registered billing details.
    pub(super) fn issue_invoice(&mut self, req: IssueInvoiceRequest) -> ContractResult<PrivateReceipt> {
        self.require_role(Role::Finance, "IssueInvoice")?;
        if let Some(reference) = &req.buyer_reference {
            validate::text("buyer_reference", reference, 200, true)?;
        }
        if let Some(note) = &req.note {
            validate::text("note", note, limits::MAX_REASON, true)?;
        }
        let cert = self.load_cert(&req.certificate_id)?;
        let pair = BillingPair::new(&self.caller.msp_id, &cert.manufacturer_msp);
        let collection = pair.collection();
        let quote_key = create_composite_key(super::billing::QUOTE, &[&cert.id])?;
        let Some(quote) = self.read_private::<Quote>(&collection, &quote_key)? else {
            return Err(ContractError::NotFound {
                kind: "quote",
                id: format!("of {} for {}: an invoice bills an accepted quote", pair.body, cert.id),
            });
        };
        if quote.accepted.is_none() {
            return Err(ContractError::Conflict(format!(
                "{} has not accepted the quote of {} for {} yet",
                pair.manufacturer, pair.body, cert.id
            )));
        }
        let invoice_of = create_composite_key(INVOICE_OF, &[&cert.id])?;
        if let Some(number) = self.read_private::<String>(&collection, &invoice_of)? {
            return Err(ContractError::AlreadyExists { kind: "invoice", id: format!("{number} for {}", cert.id) });
        }
        let (seller, account, payment_days) = {
            let details = self.billing_details(&pair.body)?;
            let Some(account) = details.account.clone() else {
                return Err(ContractError::Conflict(format!(
                    "{} states no bank account in its billing details: an admin sets it (SetBillingDetails) before it \
                     invoices",
                    pair.body
                )));
            };
            let days = details.payment_days();
            (details.party, account, days)
        };
        let buyer = self.billing_details(&pair.manufacturer)?.party;
        let (number, sequence) = self.next_number(&pair.body)?;
        let creditor_reference = CreditorReference::from_reference(&number.replace('-', ""))
            .map_err(|e| ContractError::Corrupt(format!("invoice number {number} gives no creditor reference: {e}")))?;
        let issue_date = self.today()?;
        let document = Invoice {
            number: number.clone(),
            issue_date,
            due_date: Some(issue_date + time::Duration::days(i64::from(payment_days))),
            currency: quote.currency.clone(),
            buyer_reference: Some(req.buyer_reference.unwrap_or_else(|| cert.id.clone())),
            order_reference: None,
            seller,
            buyer,
            lines: quote.fees.clone(),
            payment_means: Some(PaymentMeans {
                iban: account.iban,
                bic: account.bic,
                account_name: account.account_name,
                creditor_reference: creditor_reference.clone(),
            }),
            payment_terms: Some(format!("{payment_days} days net, quoting {}", creditor_reference.print_form())),
            note: req.note,
            delivery: None,
            kind: InvoiceKind::Invoice,
        };
        let totals = document.validate().map_err(|e| {
            ValidationError::new("invoice", format!("the invoice would not be a valid EN 16931 invoice: {e}"))
        })?;
        let record = self.new_document(&pair, &cert.id, document, totals);
        self.file_document(&pair, &record, sequence)?;
        self.write_private(&collection, &invoice_of, &number)?;
        let books = implicit_collection(&pair.body);
        let reference_key = create_composite_key(REFERENCE, &[creditor_reference.as_str()])?;
        self.write_private(&books, &reference_key, &number)?;
        self.answer(AnswerHolder::pair(&pair), PrivateAnswer::Invoice(record))
    }

    /// `IssueCreditNote`: the caller, of a body's finance, credits one of its invoices in
    /// full (an application withdrawn, a fee waived); the invoice then has nothing due.
    pub(super) fn issue_credit_note(&mut self, req: IssueCreditNoteRequest) -> ContractResult<PrivateReceipt> {
        self.require_role(Role::Finance, "IssueCreditNote")?;
        validate::text("reason", &req.reason, limits::MAX_REASON, true)?;
        validate::text("invoice_number", &req.invoice_number, 100, true)?;
        let body = self.caller.msp_id.clone();
        let (pair, mut invoice) = self.booked_document(&body, &req.invoice_number)?;
        if invoice.is_credit_note() {
            return Err(ContractError::Conflict(format!(
                "{} is a credit note: only an invoice is credited",
                invoice.number
            )));
        }
        if let Some(note) = &invoice.credited_by {
            return Err(ContractError::Conflict(format!("{} was credited by {note}", invoice.number)));
        }
        let (number, sequence) = self.next_number(&body)?;
        let issue_date = self.today()?;
        let mut document = invoice.document.clone();
        document.number = number.clone();
        document.issue_date = issue_date;
        document.due_date = None;
        // The payment instructions stay, naming the invoice's reference: national rules
        // (Germany's DE-R-001) want them on a credit note too.
        document.payment_terms = Some(if invoice.paid() > Decimal::ZERO {
            format!("{} {} paid on {} is refunded", invoice.paid(), document.currency, invoice.number)
        } else {
            format!("{} is cancelled: nothing is due", invoice.number)
        });
        document.note = Some(req.reason);
        document.kind = InvoiceKind::CreditNote {
            billing_reference: BillingReference {
                number: invoice.number.clone(),
                issue_date: invoice.document.issue_date,
            },
        };
        let totals = document.validate().map_err(|e| {
            ValidationError::new("credit_note", format!("the credit note would not be valid under EN 16931: {e}"))
        })?;
        let note = self.new_document(&pair, &invoice.certificate_id, document, totals);
        self.file_document(&pair, &note, sequence)?;
        invoice.credited_by = Some(number);
        let key = create_composite_key(INVOICE, &[&invoice.number])?;
        self.write_private(&pair.collection(), &key, &invoice)?;
        // A credited application is paid for no more.
        self.mark_settled(&pair, &invoice.certificate_id, false)?;
        self.answer(AnswerHolder::pair(&pair), PrivateAnswer::Invoice(note))
    }

    /// `ImportStatement`: the caller, of a body's finance, imports one camt.053 statement
    /// of the body's account. Its booked credits are matched to the body's invoices by
    /// creditor reference and applied (paid, in part or more than due), each naming its
    /// entry; what matches nothing is reported, never applied. A statement imported
    /// before changes nothing but its own answer, which is the first import's.
    pub(super) fn import_statement(&mut self, req: ImportStatementRequest) -> ContractResult<PrivateReceipt> {
        self.require_role(Role::Finance, "ImportStatement")?;
        let statement = nanotrace_camt::parse(req.camt053.as_bytes()).map_err(|e| {
            ValidationError::new("camt053", format!("not a camt.053 statement this contract reads: {e}"))
        })?;
        let body = self.caller.msp_id.clone();
        let books = implicit_collection(&body);
        let identity = statement.identity();
        let statement_key = create_composite_key(STATEMENT, &[&identity])?;
        if let Some(mut first) = self.read_private::<StatementImport>(&books, &statement_key)? {
            first.already_imported = true;
            return self.answer(AnswerHolder::Books { body_msp: body }, PrivateAnswer::Statement(first));
        }
        let Some(account) = self.billing_details(&body)?.account else {
            return Err(ContractError::Conflict(format!(
                "{body} states no bank account in its billing details: there is no account to import statements of"
            )));
        };
        // The invoices the statement's references name, and the entries imported before.
        let mut open: Vec<OpenInvoice> = Vec::new();
        let mut held: BTreeMap<String, (BillingPair, InvoiceRecord)> = BTreeMap::new();
        let mut imported: BTreeSet<EntryId> = BTreeSet::new();
        for entry in &statement.entries {
            let id = statement.entry_id(entry);
            if self.read_private::<String>(&books, &entry_key(&id)?)?.is_some() {
                imported.insert(id);
            }
            for reference in &entry.creditor_references {
                let Ok(reference) = CreditorReference::parse(reference.trim()) else { continue };
                let key = create_composite_key(REFERENCE, &[reference.as_str()])?;
                let Some(number) = self.read_private::<String>(&books, &key)? else { continue };
                if held.contains_key(&number) {
                    continue;
                }
                let (pair, invoice) = self.booked_document(&body, &number)?;
                open.push(OpenInvoice {
                    number: number.clone(),
                    creditor_reference: reference.as_str().to_owned(),
                    currency: invoice.document.currency.code().to_owned(),
                    amount_due: invoice.outstanding(),
                });
                held.insert(number, (pair, invoice));
            }
        }
        let reconciliation =
            reconcile(&statement, &account.iban, &open, &|id| imported.contains(id)).map_err(|e| match e {
                nanotrace_camt::CamtError::WrongAccount { .. } => {
                    ValidationError::new("camt053", format!("a statement of another account than {body}'s: {e}"))
                }
                other => ValidationError::new("camt053", other.to_string()),
            })?;
        let mut payments = Vec::new();
        for payment in &reconciliation.payments {
            let (kind, difference) = match payment {
                Payment::Paid { .. } => (PaymentKind::Paid, Decimal::ZERO),
                Payment::Partial { remaining, .. } => (PaymentKind::Partial, *remaining),
                Payment::Overpaid { excess, .. } => (PaymentKind::Overpaid, *excess),
            };
            let Some((_, invoice)) = held.get_mut(payment.invoice()) else {
                return Err(ContractError::Corrupt(format!(
                    "a payment matched {}, which was not read",
                    payment.invoice()
                )));
            };
            invoice.payments.push(PaymentRecord {
                entry: payment.entry().clone(),
                amount: payment.amount(),
                kind,
                tx_id: self.tx_id.clone(),
                recorded_at: self.now,
            });
            payments.push(AppliedPayment {
                invoice: invoice.number.clone(),
                certificate_id: invoice.certificate_id.clone(),
                manufacturer_msp: invoice.manufacturer_msp.clone(),
                entry: payment.entry().clone(),
                amount: payment.amount(),
                kind,
                difference,
            });
            self.write_private(&books, &entry_key(payment.entry())?, &invoice.number)?;
        }
        let paid: BTreeSet<&str> = reconciliation.payments.iter().map(|p| p.invoice()).collect();
        for (number, (pair, invoice)) in &held {
            if paid.contains(number.as_str()) {
                let key = create_composite_key(INVOICE, &[number])?;
                self.write_private(&pair.collection(), &key, invoice)?;
                if invoice.is_settled() && invoice.credited_by.is_none() {
                    self.mark_settled(pair, &invoice.certificate_id, true)?;
                }
            }
        }
        let reported = reconciliation.reported.iter().map(reported_entry).collect();
        let ignored = reconciliation
            .ignored
            .iter()
            .map(|i| ReportedEntry {
                entry: i.entry.clone(),
                reason: i.reason.to_string(),
                amount: None,
                currency: None,
            })
            .collect();
        let outcome = StatementImport {
            statement: identity,
            account_iban: statement.account_iban.clone(),
            payments,
            reported,
            ignored,
            imported_by: self.actor(),
            imported_at: self.now,
            tx_id: self.tx_id.clone(),
            already_imported: false,
        };
        self.write_private(&books, &statement_key, &outcome)?;
        self.answer(AnswerHolder::Books { body_msp: body }, PrivateAnswer::Statement(outcome))
    }

    /// `Invoices`: the invoices and credit notes between a body and a manufacturer, in
    /// issue order, for a member of either.
    pub(super) fn invoices(&mut self, req: BillingPairRequest) -> ContractResult<Vec<InvoiceRecord>> {
        let pair = BillingPair::new(&req.body_msp, &req.manufacturer_msp);
        self.require_billing_party(&pair, "Invoices")?;
        let collection = pair.collection();
        let numbers: Vec<String> = self.read_private(&collection, INVOICES)?.unwrap_or_default();
        let mut records = Vec::with_capacity(numbers.len());
        for number in numbers {
            let key = create_composite_key(INVOICE, &[&number])?;
            match self.read_private(&collection, &key)? {
                Some(record) => records.push(record),
                None => return Err(ContractError::Corrupt(format!("invoice {number} is listed but not stored"))),
            }
        }
        Ok(records)
    }

    /// A document this transaction issues between `pair` for an application.
    fn new_document(
        &self,
        pair: &BillingPair,
        certificate_id: &str,
        document: Invoice,
        totals: nanotrace_einvoice::Totals,
    ) -> InvoiceRecord {
        InvoiceRecord {
            number: document.number.clone(),
            certificate_id: certificate_id.to_owned(),
            body_msp: pair.body.clone(),
            manufacturer_msp: pair.manufacturer.clone(),
            document,
            totals,
            issued_by: self.actor(),
            issued_at: self.now,
            tx_id: self.tx_id.clone(),
            payments: Vec::new(),
            credited_by: None,
        }
    }

    /// The next number in `body`'s sequence, and the sequence value to store with it.
    fn next_number(&mut self, body: &str) -> ContractResult<(String, u64)> {
        let last: u64 = self.read_private(&implicit_collection(body), COUNTER)?.unwrap_or(0);
        let next = last
            .checked_add(1)
            .ok_or_else(|| ContractError::Corrupt(format!("{body}'s invoice counter is at its end")))?;
        Ok((format!("{NUMBER_PREFIX}{next:06}"), next))
    }

    /// Writes a new document: in the pair's collection with the pair's list, and in the
    /// body's books with the counter it took.
    fn file_document(&mut self, pair: &BillingPair, record: &InvoiceRecord, sequence: u64) -> ContractResult<()> {
        let collection = pair.collection();
        let key = create_composite_key(INVOICE, &[&record.number])?;
        self.write_private(&collection, &key, record)?;
        let mut numbers: Vec<String> = self.read_private(&collection, INVOICES)?.unwrap_or_default();
        numbers.push(record.number.clone());
        self.write_private(&collection, INVOICES, &numbers)?;
        let books = implicit_collection(&pair.body);
        self.write_private(&books, COUNTER, &sequence)?;
        let book = create_composite_key(BOOK, &[&record.number])?;
        let entry =
            BookEntry { manufacturer_msp: pair.manufacturer.clone(), certificate_id: record.certificate_id.clone() };
        self.write_private(&books, &book, &entry)
    }

    /// A document `body` issued, by number, with its pair.
    fn booked_document(&mut self, body: &str, number: &str) -> ContractResult<(BillingPair, InvoiceRecord)> {
        let book_key = create_composite_key(BOOK, &[number])?;
        let Some(book) = self.read_private::<BookEntry>(&implicit_collection(body), &book_key)? else {
            return Err(ContractError::NotFound { kind: "invoice", id: format!("{number} of {body}") });
        };
        let pair = BillingPair::new(body, &book.manufacturer_msp);
        let key = create_composite_key(INVOICE, &[number])?;
        match self.read_private(&pair.collection(), &key)? {
            Some(record) => Ok((pair, record)),
            None => Err(ContractError::Corrupt(format!(
                "{body}'s books name invoice {number} to {}, whose collection does not hold it",
                book.manufacturer_msp
            ))),
        }
    }

    /// A registered organisation's billing details.
    fn billing_details(&mut self, msp_id: &str) -> ContractResult<BillingDetails> {
        let org = self
            .organization(msp_id)?
            .ok_or_else(|| ContractError::NotFound { kind: "organisation", id: msp_id.to_owned() })?;
        org.billing.ok_or_else(|| {
            ContractError::Conflict(format!(
                "{msp_id} has no billing details: an admin sets its legal name, address and VAT identifier \
                 (SetBillingDetails) before it is invoiced or invoices"
            ))
        })
    }

    /// The transaction's date (UTC), an invoice's issue date.
    fn today(&self) -> ContractResult<time::Date> {
        time::OffsetDateTime::from_unix_timestamp(self.now)
            .map(|at| at.date())
            .map_err(|e| ContractError::Corrupt(format!("the transaction's timestamp {} is no date: {e}", self.now)))
    }
}

/// The key of a statement entry in the body's books.
fn entry_key(id: &EntryId) -> ContractResult<String> {
    Ok(create_composite_key(ENTRY, &[&id.statement, &id.index.to_string()])?)
}

/// A reported entry as the import's answer states it.
fn reported_entry(reported: &Reported) -> ReportedEntry {
    match reported {
        Reported::CurrencyMismatch { invoice, entry, amount, currency, expected } => ReportedEntry {
            entry: entry.clone(),
            reason: format!("pays {invoice} in {currency}, but the invoice is in {expected}"),
            amount: Some(*amount),
            currency: Some(currency.clone()),
        },
        Reported::Unmatched { entry, reason, amount, currency, references } => ReportedEntry {
            entry: entry.clone(),
            reason: if references.is_empty() {
                format!("matches no invoice ({reason})")
            } else {
                format!("matches no invoice ({reason}: {})", references.join(", "))
            },
            amount: Some(*amount),
            currency: Some(currency.clone()),
        },
        Reported::AlreadyImported { entry } => ReportedEntry {
            entry: entry.clone(),
            reason: "imported before: not applied twice".to_owned(),
            amount: None,
            currency: None,
        },
    }
}

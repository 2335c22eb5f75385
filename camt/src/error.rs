//! Why a statement could not be read, or could not be reconciled.

use nanotrace_einvoice::CreditorReferenceError;

/// Why [`parse`](crate::parse()) refused a document or [`reconcile`](crate::reconcile)
/// refused a statement. Paths are XPath-like, from the root: `Document/BkToCstmrStmt/Stmt/Ntry[3]/Amt`
/// (entries counted from 1, as XPath does).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CamtError {
    /// The bytes are not UTF-8 (the only encoding accepted).
    #[error("the statement is not UTF-8 text (invalid byte at offset {valid_up_to})")]
    NotUtf8 {
        /// How many bytes from the start are valid UTF-8.
        valid_up_to: usize,
    },
    /// The XML declaration names an encoding other than UTF-8.
    #[error("the statement declares encoding {encoding:?}; only UTF-8 is accepted")]
    UnsupportedEncoding {
        /// The encoding declared.
        encoding: String,
    },
    /// The bytes are not well-formed XML.
    #[error("malformed XML at byte {position}: {message}")]
    Xml {
        /// Byte offset where the reader stopped.
        position: u64,
        /// The XML reader's message.
        message: String,
    },
    /// The document has a document type declaration. Statements never need one, and
    /// refusing it refuses every entity declaration (XXE, entity expansion) with it.
    #[error("the statement has a DOCTYPE declaration, which is refused (no DTD or entity is ever read)")]
    Doctype,
    /// An entity reference other than the five predefined ones or a character reference.
    #[error("unknown entity reference &{name}; in {path}")]
    UnknownEntity {
        /// The entity's name.
        name: String,
        /// Where it occurs.
        path: String,
    },
    /// No root element at all.
    #[error("the document has no root element")]
    NoRoot,
    /// The root is not a camt.053 `Document` (another ISO 20022 message such as camt.054 or
    /// pain.001, or another XML document altogether).
    #[error("not a camt.053 bank-to-customer statement: root element {root:?} in namespace {namespace:?}")]
    NotAStatement {
        /// The root element's namespace (empty when it has none).
        namespace: String,
        /// The root element's local name.
        root: String,
    },
    /// A camt.053 namespace of a version this crate does not read.
    #[error("camt.053 version {namespace:?} is not supported (camt.053.001.02 to .13 are)")]
    UnsupportedVersion {
        /// The namespace found.
        namespace: String,
    },
    /// Not exactly one `Stmt` in the message.
    #[error("expected exactly one Stmt in BkToCstmrStmt, found {count}")]
    StatementCount {
        /// How many there are.
        count: usize,
    },
    /// A required element is missing, or empty.
    #[error("missing required element {path}")]
    Missing {
        /// Its path.
        path: String,
    },
    /// An element that may occur once occurs again.
    #[error("element {path} occurs more than once")]
    Repeated {
        /// Its path.
        path: String,
    },
    /// An amount that is not a non-negative decimal with at most the currency's decimals.
    #[error("invalid amount {value:?} in {path}: {reason}")]
    InvalidAmount {
        /// Where it occurs.
        path: String,
        /// The text found.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A coded value outside its code list (a credit/debit indicator, a currency code …).
    #[error("invalid value {value:?} in {path}: expected {expected}")]
    InvalidValue {
        /// Where it occurs.
        path: String,
        /// The text found.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The statement is for another account than the one being reconciled; nothing is matched.
    #[error("the statement is for account {got}, not {expected}")]
    WrongAccount {
        /// The IBAN expected (normalized).
        expected: String,
        /// The statement's IBAN (normalized).
        got: String,
    },
    /// An open invoice whose creditor reference is not a valid ISO 11649 reference.
    #[error("invoice {invoice}: creditor reference {reference:?} is invalid: {source}")]
    InvalidInvoiceReference {
        /// The invoice number.
        invoice: String,
        /// The reference given.
        reference: String,
        /// Why it is invalid.
        source: CreditorReferenceError,
    },
    /// Two open invoices with the same creditor reference: a payment could not tell them apart.
    #[error("invoices {first} and {second} have the same creditor reference {reference}")]
    DuplicateInvoiceReference {
        /// The reference (electronic form).
        reference: String,
        /// The first invoice carrying it.
        first: String,
        /// The second invoice carrying it.
        second: String,
    },
}

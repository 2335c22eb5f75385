//! Why an invoice is refused: every check runs before anything is rendered, and the first
//! one that fails is the answer, naming the field (as a path such as `lines[2].quantity`)
//! and, where EN 16931 or Peppol BIS Billing 3.0 has one, the business term or rule.

use rust_decimal::Decimal;

/// Why an [`Invoice`](crate::Invoice) cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A text field is blank (only whitespace).
    #[error("{field}: must not be empty")]
    Empty {
        /// The field, as a path from the invoice.
        field: String,
    },
    /// A text field holds a character XML 1.0 cannot carry, or a control character.
    #[error("{field}: contains the character U+{code:04X}, which an invoice cannot carry")]
    ForbiddenCharacter {
        /// The field, as a path from the invoice.
        field: String,
        /// The character's code point.
        code: u32,
    },
    /// A text field is longer than this crate accepts.
    #[error("{field}: {len} characters, at most {max} allowed")]
    TooLong {
        /// The field, as a path from the invoice.
        field: String,
        /// Its length in characters.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// An amount, price or rate is negative.
    #[error("{field}: {value} is negative")]
    Negative {
        /// The field, as a path from the invoice.
        field: String,
        /// The value given.
        value: Decimal,
    },
    /// A quantity (or a rate that must be above zero) is zero or negative.
    #[error("{field}: {value} must be greater than zero")]
    NotPositive {
        /// The field, as a path from the invoice.
        field: String,
        /// The value given.
        value: Decimal,
    },
    /// A number has more decimal places than its field allows.
    #[error("{field}: {value} has more than {max} decimal places")]
    TooManyDecimals {
        /// The field, as a path from the invoice.
        field: String,
        /// The value given.
        value: Decimal,
        /// The most decimal places allowed.
        max: u32,
    },
    /// A number is above the field's upper bound (a VAT rate above 100 %).
    #[error("{field}: {value} is above {max}")]
    TooLarge {
        /// The field, as a path from the invoice.
        field: String,
        /// The value given.
        value: Decimal,
        /// The largest value allowed.
        max: Decimal,
    },
    /// An amount computed from the invoice does not fit a 96-bit decimal.
    #[error("{field}: the amount overflows")]
    Overflow {
        /// The field being computed.
        field: String,
    },
    /// A currency that is not in this crate's list of ISO 4217 codes.
    #[error("currency {code:?} is unknown (known: {known})")]
    UnknownCurrency {
        /// The code given.
        code: String,
        /// The known codes, comma-separated.
        known: String,
    },
    /// A country code that is not an ISO 3166-1 alpha-2 code (EN 16931's list, BR-CL-14).
    #[error("{field}: {code:?} is not an ISO 3166-1 alpha-2 country code")]
    UnknownCountry {
        /// The field, as a path from the invoice.
        field: String,
        /// The code given.
        code: String,
    },
    /// An identifier, code or address in the wrong form (a VAT identifier, an IBAN, a GLN,
    /// a unit code, an e-mail address…).
    #[error("{field}: {value:?} is not a valid {kind}: {reason}")]
    InvalidIdentifier {
        /// The field, as a path from the invoice.
        field: String,
        /// What it should be ("IBAN", "GLN", …).
        kind: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A date is not a calendar date in `YYYY-MM-DD` form.
    #[error("{value:?} is not a date of the form YYYY-MM-DD")]
    InvalidDate {
        /// The text given.
        value: String,
    },
    /// Two dates in the wrong order (a due date before the issue date, …).
    #[error("{field}: {date} is before {other_field} {other}")]
    DateOrder {
        /// The field that is too early.
        field: String,
        /// Its date.
        date: String,
        /// The field it must not precede.
        other_field: String,
        /// That field's date.
        other: String,
    },
    /// A VAT category used where the EN 16931 rules do not allow it, or with a rate they
    /// do not allow.
    #[error("{field}: VAT category {category} is not allowed here: {reason}")]
    VatCategoryNotAllowed {
        /// The field, as a path from the invoice.
        field: String,
        /// The category's code (UNTDID 5305: S, Z, E, AE, K, G, O, L, M).
        category: &'static str,
        /// The rule broken.
        reason: String,
    },
    /// A business term the rules require for this invoice is missing.
    #[error("{term} is required: {reason}")]
    MissingBusinessTerm {
        /// The business term (e.g. "BT-31 Seller VAT identifier").
        term: &'static str,
        /// The rule that requires it.
        reason: String,
    },
    /// A business term is given where the rules forbid it.
    #[error("{term} must not be given: {reason}")]
    ForbiddenBusinessTerm {
        /// The business term (e.g. "BT-48 Buyer VAT identifier").
        term: &'static str,
        /// The rule that forbids it.
        reason: String,
    },
    /// The invoice has no lines (BR-16).
    #[error("the invoice has no lines (BR-16: at least one invoice line)")]
    NoLines,
    /// Two lines have the same identifier.
    #[error("lines[{index}].id: {id:?} is the identifier of an earlier line (BT-126 must be unique)")]
    DuplicateLineId {
        /// The second line's index.
        index: usize,
        /// The identifier.
        id: String,
    },
    /// Lines of one VAT category and rate give different exemption reasons; the invoice's
    /// VAT breakdown (BG-23) has one line per category and rate, with one reason.
    #[error("lines[{index}].vat: VAT category {category} at rate {rate} % has another exemption reason than an earlier line (one VAT breakdown, one reason)")]
    ConflictingExemptionReasons {
        /// The line that differs.
        index: usize,
        /// The category's code.
        category: &'static str,
        /// The rate.
        rate: Decimal,
    },
    /// A creditor reference is not a valid ISO 11649 reference.
    #[error("creditor reference: {0}")]
    CreditorReference(#[from] CreditorReferenceError),
    /// The XML writer failed (writing to memory: not expected).
    #[error("writing the XML: {0}")]
    Xml(String),
    /// The PDF could not be written: the PDF library refused the document (a PDF/A rule it
    /// checks), or the font it bundles could not be read.
    #[error("writing the PDF: {0}")]
    Pdf(String),
}

/// Why a text is not an ISO 11649 structured creditor reference ("RF…").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CreditorReferenceError {
    /// The reference part is empty.
    #[error("the reference is empty")]
    Empty,
    /// The reference part is longer than 21 characters.
    #[error("the reference has {len} characters, at most 21 allowed")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// A character that is neither a digit nor a letter A–Z.
    #[error("{ch:?} is not a digit or a letter A-Z")]
    InvalidCharacter {
        /// The character.
        ch: char,
    },
    /// The text does not start with "RF" and two check digits.
    #[error("{text:?} does not start with RF and two check digits")]
    NotRf {
        /// The text given.
        text: String,
    },
    /// Spaces that do not split the print form into groups of four.
    #[error("{text:?}: the print form has groups of four characters, separated by one space")]
    BadGrouping {
        /// The text given.
        text: String,
    },
    /// The check digits are wrong (ISO 7064 MOD 97-10).
    #[error("{text:?}: wrong check digits, {expected} expected")]
    CheckDigits {
        /// The text given.
        text: String,
        /// The check digits the reference has.
        expected: String,
    },
}

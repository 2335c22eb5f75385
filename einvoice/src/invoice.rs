//! The invoice (or credit note) as the certification body issues it, its checks, and the
//! totals EN 16931 derives from its lines.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::amount::{add, mul, round_amount, Currency};
use crate::creditor_reference::{mod97, CreditorReference};
use crate::error::Error;
use crate::line::InvoiceLine;
use crate::party::{check_text, Country, Party, COUNTRIES};
use crate::vat::{VatBreakdown, VatCategory};

/// An invoice or a credit note between a certification body (the seller) and a
/// manufacturer (the buyer), in the terms of EN 16931. Render it with
/// [`to_ubl`](Self::to_ubl), which checks it first ([`validate`](Self::validate)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Invoice {
    /// The invoice number (BT-1), unique in the seller's numbering.
    pub number: String,
    /// The issue date (BT-2), `YYYY-MM-DD` in JSON.
    #[serde(with = "iso_date")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub issue_date: Date,
    /// When payment is due (BT-9). On a credit note it is written in the payment
    /// instructions, which it then needs.
    #[serde(default, with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub due_date: Option<Date>,
    /// The invoice currency (BT-5); every amount is in it.
    pub currency: Currency,
    /// The buyer's reference (BT-10), e.g. the manufacturer's cost centre or the
    /// certificate application. Peppol requires it or [`order_reference`](Self::order_reference)
    /// (PEPPOL-EN16931-R003).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_reference: Option<String>,
    /// The buyer's purchase order number (BT-13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_reference: Option<String>,
    /// The seller: the certification body (BG-4).
    pub seller: Party,
    /// The buyer: the manufacturer (BG-7).
    pub buyer: Party,
    /// The lines (BG-25), at least one.
    pub lines: Vec<InvoiceLine>,
    /// How to pay (BG-16): required on an invoice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_means: Option<PaymentMeans>,
    /// Payment terms in words (BT-20), e.g. "30 days net".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_terms: Option<String>,
    /// A note on the whole invoice (BT-22); Peppol allows one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where and when goods were delivered (BG-13): required with VAT category K
    /// (intra-community supply, BR-IC-11, BR-IC-12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// An invoice, or a credit note and the invoice it corrects.
    pub kind: InvoiceKind,
}

/// Whether the document is an invoice (UNTDID 1001 code 380, commercial invoice) or a
/// credit note (381).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", deny_unknown_fields)]
pub enum InvoiceKind {
    /// A commercial invoice (380).
    Invoice,
    /// A credit note (381) for an earlier invoice. Its amounts are positive: what is
    /// credited.
    CreditNote {
        /// The invoice it credits (BG-3).
        billing_reference: BillingReference,
    },
}

/// A preceding invoice (BG-3): its number (BT-25) and issue date (BT-26).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BillingReference {
    /// The invoice's number.
    pub number: String,
    /// The invoice's issue date.
    #[serde(with = "iso_date")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub issue_date: Date,
}

/// Payment by credit transfer (BG-16, BG-17): UNTDID 4461 code 58, SEPA credit transfer,
/// to the seller's account, with a structured creditor reference as remittance
/// information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentMeans {
    /// The account's IBAN (BT-84); spaces of the print form are allowed and not written.
    pub iban: String,
    /// The bank's BIC (BT-86), 8 or 11 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
    /// The account holder's name (BT-85).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// The ISO 11649 reference the payer quotes (BT-83, remittance information).
    pub creditor_reference: CreditorReference,
}

/// Delivery information (BG-13): the actual delivery date (BT-72) and the country
/// delivered to (BT-80).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// When the goods were delivered.
    #[serde(with = "iso_date")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub date: Date,
    /// The country delivered to.
    pub country: Country,
}

/// What EN 16931 derives from the lines, every amount rounded to two decimals the way
/// its rules check them.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Each line's net amount (BT-131), in the order of the lines.
    pub line_net_amounts: Vec<Decimal>,
    /// The VAT breakdown (BG-23): one entry per category and rate, in the order of
    /// [`CATEGORY_CODES`](crate::vat::CATEGORY_CODES) and then of rates.
    pub vat_breakdown: Vec<VatBreakdown>,
    /// The sum of the lines' net amounts (BT-106, BR-CO-10).
    pub line_extension_amount: Decimal,
    /// The total without VAT (BT-109, BR-CO-13): the lines' sum, as there are no
    /// document-level allowances or charges.
    pub tax_exclusive_amount: Decimal,
    /// The total VAT (BT-110, BR-CO-14): the sum of the breakdown's VAT amounts.
    pub vat_amount: Decimal,
    /// The total with VAT (BT-112, BR-CO-15).
    pub tax_inclusive_amount: Decimal,
    /// The amount due (BT-115, BR-CO-16): the total with VAT, nothing being prepaid.
    pub payable_amount: Decimal,
}

/// Which VAT categories need the seller's VAT identifier, and the rule that says so.
const SELLER_VAT_RULES: [(&str, &str); 8] = [
    ("S", "BR-S-02"),
    ("Z", "BR-Z-02"),
    ("E", "BR-E-02"),
    ("AE", "BR-AE-02"),
    ("K", "BR-IC-02"),
    ("G", "BR-G-02"),
    ("L", "BR-AF-02"),
    ("M", "BR-AG-02"),
];

impl Invoice {
    /// Checks everything this crate can check before rendering — each field's form, the
    /// business terms EN 16931 and Peppol BIS Billing 3.0 require or forbid here, the VAT
    /// categories' rules — and computes the totals. The national rules of Peppol (DE-R,
    /// NL-R, SE-R …) are left to the validator of the conformance tests.
    pub fn validate(&self) -> Result<Totals, Error> {
        check_text("number", &self.number, 100)?;
        check_date("issue_date", self.issue_date)?;
        if let Some(due) = self.due_date {
            check_date("due_date", due)?;
            check_order("due_date", due, "issue_date", self.issue_date)?;
        }
        if let Some(reference) = &self.buyer_reference {
            check_text("buyer_reference", reference, 200)?;
        }
        if let Some(reference) = &self.order_reference {
            check_text("order_reference", reference, 200)?;
        }
        if self.buyer_reference.is_none() && self.order_reference.is_none() {
            return Err(Error::MissingBusinessTerm {
                term: "BT-10 Buyer reference or BT-13 Purchase order reference",
                reason: "Peppol BIS Billing 3.0 requires one (PEPPOL-EN16931-R003)".to_owned(),
            });
        }
        if let Some(note) = &self.note {
            check_text("note", note, 1000)?;
        }
        if let Some(terms) = &self.payment_terms {
            check_text("payment_terms", terms, 1000)?;
        }
        self.seller.validate("seller")?;
        self.buyer.validate("buyer")?;
        if self.seller.vat_id.is_none() && self.seller.registration.is_none() {
            return Err(Error::MissingBusinessTerm {
                term: "BT-30 Seller legal registration identifier or BT-31 Seller VAT identifier",
                reason: "the seller is identified by one of them (BR-CO-26)".to_owned(),
            });
        }
        if let Some(delivery) = &self.delivery {
            check_date("delivery.date", delivery.date)?;
        }
        if let InvoiceKind::CreditNote { billing_reference } = &self.kind {
            check_text("kind.billing_reference.number", &billing_reference.number, 100)?;
            check_date("kind.billing_reference.issue_date", billing_reference.issue_date)?;
            check_order(
                "issue_date",
                self.issue_date,
                "kind.billing_reference.issue_date",
                billing_reference.issue_date,
            )?;
        }
        self.check_lines()?;
        self.check_vat_parties()?;
        self.check_payment()?;
        let totals = self.totals()?;
        if totals.payable_amount > Decimal::ZERO && self.due_date.is_none() && self.payment_terms.is_none() {
            return Err(Error::MissingBusinessTerm {
                term: "BT-9 Payment due date or BT-20 Payment terms",
                reason: "an amount is due (BR-CO-25)".to_owned(),
            });
        }
        Ok(totals)
    }

    fn check_lines(&self) -> Result<(), Error> {
        check_lines(&self.lines)
    }

    /// The rules that tie the lines' VAT categories to the parties' identifiers and to
    /// each other.
    fn check_vat_parties(&self) -> Result<(), Error> {
        let codes: BTreeSet<&str> = self.lines.iter().map(|l| l.vat.code()).collect();
        if codes.contains("O") {
            if let Some((index, line)) = self.lines.iter().enumerate().find(|(_, l)| l.vat.code() != "O") {
                return Err(Error::VatCategoryNotAllowed {
                    field: format!("lines[{index}].vat"),
                    category: line.vat.code(),
                    reason:
                        "an invoice with a line not subject to VAT (O) has no other VAT category (BR-O-11 … BR-O-14)"
                            .to_owned(),
                });
            }
            if self.seller.vat_id.is_some() {
                return Err(Error::ForbiddenBusinessTerm {
                    term: "BT-31 Seller VAT identifier",
                    reason: "the invoice is not subject to VAT (VAT category O, BR-O-02)".to_owned(),
                });
            }
            if self.buyer.vat_id.is_some() {
                return Err(Error::ForbiddenBusinessTerm {
                    term: "BT-48 Buyer VAT identifier",
                    reason: "the invoice is not subject to VAT (VAT category O, BR-O-02)".to_owned(),
                });
            }
        }
        if self.seller.vat_id.is_none() {
            if let Some((code, rule)) = SELLER_VAT_RULES.iter().find(|(code, _)| codes.contains(code)) {
                return Err(Error::MissingBusinessTerm {
                    term: "BT-31 Seller VAT identifier",
                    reason: format!("a line has VAT category {code} ({rule})"),
                });
            }
        }
        if codes.contains("AE") && self.buyer.vat_id.is_none() && self.buyer.registration.is_none() {
            return Err(Error::MissingBusinessTerm {
                term: "BT-48 Buyer VAT identifier or BT-47 Buyer legal registration identifier",
                reason: "a line has VAT category AE, reverse charge (BR-AE-02)".to_owned(),
            });
        }
        if codes.contains("K") {
            if self.buyer.vat_id.is_none() {
                return Err(Error::MissingBusinessTerm {
                    term: "BT-48 Buyer VAT identifier",
                    reason: "a line has VAT category K, intra-community supply (BR-IC-02)".to_owned(),
                });
            }
            if self.delivery.is_none() {
                return Err(Error::MissingBusinessTerm {
                    term: "BT-72 Actual delivery date and BT-80 Deliver to country code",
                    reason: "a line has VAT category K, intra-community supply (BR-IC-11, BR-IC-12)".to_owned(),
                });
            }
        }
        Ok(())
    }

    fn check_payment(&self) -> Result<(), Error> {
        match (&self.payment_means, &self.kind) {
            (None, InvoiceKind::Invoice) => {
                return Err(Error::MissingBusinessTerm {
                    term: "BG-16 Payment instructions",
                    reason: "an invoice says how to pay it: an IBAN and a creditor reference".to_owned(),
                })
            }
            (None, InvoiceKind::CreditNote { .. }) if self.due_date.is_some() => {
                return Err(Error::MissingBusinessTerm {
                    term: "BG-16 Payment instructions",
                    reason: "a credit note's due date (BT-9) is written in its payment instructions (UBL 2.1 \
                             CreditNote has no DueDate); give payment means, or payment terms instead of a due date"
                        .to_owned(),
                })
            }
            _ => {}
        }
        if let Some(means) = &self.payment_means {
            check_account("payment_means", &means.iban, means.bic.as_deref(), means.account_name.as_deref())?;
        }
        Ok(())
    }

    /// The totals of a checked invoice (called by [`validate`](Self::validate)).
    fn totals(&self) -> Result<Totals, Error> {
        Totals::of_unchecked(&self.lines)
    }
}

/// Checks a payee's account as payment instructions name it: the IBAN (BT-84), the BIC
/// (BT-86) and the holder's name (BT-85); `field` names it in errors.
pub fn check_account(field: &str, iban: &str, bic: Option<&str>, account_name: Option<&str>) -> Result<(), Error> {
    check_iban(&format!("{field}.iban"), iban)?;
    if let Some(bic) = bic {
        check_bic(&format!("{field}.bic"), bic)?;
    }
    if let Some(name) = account_name {
        check_text(&format!("{field}.account_name"), name, 200)?;
    }
    Ok(())
}

/// Checks `lines` as an invoice's lines: at least one, each line's fields, no identifier
/// twice.
pub fn check_lines(lines: &[InvoiceLine]) -> Result<(), Error> {
    if lines.is_empty() {
        return Err(Error::NoLines);
    }
    let mut ids = BTreeSet::new();
    for (index, line) in lines.iter().enumerate() {
        line.validate(&format!("lines[{index}]"))?;
        if !ids.insert(line.id.as_str()) {
            return Err(Error::DuplicateLineId { index, id: line.id.clone() });
        }
    }
    Ok(())
}

impl Totals {
    /// The totals an invoice of `lines` would have, the lines checked first
    /// ([`check_lines`]): what a quote shows before any invoice exists.
    pub fn of_lines(lines: &[InvoiceLine]) -> Result<Totals, Error> {
        check_lines(lines)?;
        Self::of_unchecked(lines)
    }

    fn of_unchecked(lines: &[InvoiceLine]) -> Result<Totals, Error> {
        let mut line_net_amounts = Vec::with_capacity(lines.len());
        // (category order, rate) → (category of the first line, taxable amount)
        let mut groups: BTreeMap<(usize, Option<Decimal>), (VatCategory, Decimal)> = BTreeMap::new();
        let mut line_extension_amount = Decimal::ZERO;
        for (index, line) in lines.iter().enumerate() {
            let field = format!("lines[{index}].net_amount");
            let net = round_amount(mul(&field, line.quantity, line.unit_price)?);
            line_net_amounts.push(net);
            line_extension_amount = add("line_extension_amount", line_extension_amount, net)?;
            let key = (line.vat.order(), line.vat.rate().map(|r| r.normalize()));
            match groups.get_mut(&key) {
                Some((category, taxable)) => {
                    if *category != line.vat {
                        return Err(Error::ConflictingExemptionReasons {
                            index,
                            category: line.vat.code(),
                            rate: line.vat.rate().unwrap_or_default(),
                        });
                    }
                    *taxable = add("taxable_amount", *taxable, net)?;
                }
                None => {
                    groups.insert(key, (line.vat.clone(), net));
                }
            }
        }
        let mut vat_amount = Decimal::ZERO;
        let mut vat_breakdown = Vec::with_capacity(groups.len());
        for (category, taxable_amount) in groups.into_values() {
            let tax_amount = match category.rate() {
                Some(rate) => round_amount(
                    mul("tax_amount", taxable_amount, rate)?
                        .checked_div(Decimal::ONE_HUNDRED)
                        .ok_or_else(|| Error::Overflow { field: "tax_amount".to_owned() })?,
                ),
                None => Decimal::ZERO,
            };
            vat_amount = add("vat_amount", vat_amount, tax_amount)?;
            vat_breakdown.push(VatBreakdown { category, taxable_amount, tax_amount });
        }
        let tax_inclusive_amount = add("tax_inclusive_amount", line_extension_amount, vat_amount)?;
        Ok(Totals {
            line_net_amounts,
            vat_breakdown,
            line_extension_amount,
            tax_exclusive_amount: line_extension_amount,
            vat_amount,
            tax_inclusive_amount,
            payable_amount: tax_inclusive_amount,
        })
    }
}

/// Dates are written `YYYY-MM-DD` (PEPPOL-EN16931-F001): years 1000 to 9999.
fn check_date(field: &str, date: Date) -> Result<(), Error> {
    if !(1000..=9999).contains(&date.year()) {
        return Err(Error::InvalidDate { value: format!("{field}: {}", iso_date::format(date)) });
    }
    Ok(())
}

fn check_order(field: &str, date: Date, other_field: &str, other: Date) -> Result<(), Error> {
    if date < other {
        return Err(Error::DateOrder {
            field: field.to_owned(),
            date: iso_date::format(date),
            other_field: other_field.to_owned(),
            other: iso_date::format(other),
        });
    }
    Ok(())
}

/// An IBAN (ISO 13616): a country code, two check digits and 11 to 30 digits and
/// upper-case letters, MOD 97-10 of the rearranged number 1. Spaces are ignored.
fn check_iban(field: &str, iban: &str) -> Result<(), Error> {
    let invalid = |reason: &str| Error::InvalidIdentifier {
        field: field.to_owned(),
        kind: "IBAN",
        value: iban.to_owned(),
        reason: reason.to_owned(),
    };
    let compact: String = iban.chars().filter(|c| *c != ' ').collect();
    if !(15..=34).contains(&compact.len())
        || !compact.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        || !compact[2..4].bytes().all(|b| b.is_ascii_digit())
    {
        return Err(invalid("a country code, two check digits and 11 to 30 digits or upper-case letters"));
    }
    if !COUNTRIES.contains(&&compact[..2]) {
        return Err(invalid("it starts with an ISO 3166-1 alpha-2 country code"));
    }
    if mod97(&format!("{}{}", &compact[4..], &compact[..4])) != Some(1) {
        return Err(invalid("wrong check digits (ISO 7064 MOD 97-10)"));
    }
    Ok(())
}

/// A BIC (ISO 9362): four letters (the institution), a country code, two letters or
/// digits (the location), and optionally three more (the branch).
fn check_bic(field: &str, bic: &str) -> Result<(), Error> {
    let b = bic.as_bytes();
    let alnum = |s: &[u8]| s.iter().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    let ok = (b.len() == 8 || b.len() == 11)
        && b[..4].iter().all(u8::is_ascii_uppercase)
        && bic.get(4..6).is_some_and(|country| COUNTRIES.contains(&country))
        && alnum(&b[6..]);
    if !ok {
        return Err(Error::InvalidIdentifier {
            field: field.to_owned(),
            kind: "BIC",
            value: bic.to_owned(),
            reason: "8 or 11 characters: bank (4 letters), country, location (2), branch (3, optional)".to_owned(),
        });
    }
    Ok(())
}

/// Dates as `YYYY-MM-DD` in serde (JSON) and in the UBL document.
pub(crate) mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::{Date, Month};

    use crate::error::Error;

    /// `YYYY-MM-DD`.
    pub(crate) fn format(date: Date) -> String {
        format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
    }

    /// Reads `YYYY-MM-DD` (a calendar date; four-digit year).
    pub(crate) fn parse(text: &str) -> Result<Date, Error> {
        let invalid = || Error::InvalidDate { value: text.to_owned() };
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(invalid());
        }
        let number = |s: &str| s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse::<u16>().ok()).flatten();
        let (year, month, day) = match (number(&text[..4]), number(&text[5..7]), number(&text[8..])) {
            (Some(y), Some(m), Some(d)) => (y, m, d),
            _ => return Err(invalid()),
        };
        let month = u8::try_from(month).ok().and_then(|m| Month::try_from(m).ok()).ok_or_else(invalid)?;
        let day = u8::try_from(day).map_err(|_| invalid())?;
        Date::from_calendar_date(i32::from(year), month, day).map_err(|_| invalid())
    }

    pub(crate) fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format(*date))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse(&text).map_err(serde::de::Error::custom)
    }

    /// The same for an optional date.
    pub(crate) mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::Date;

        pub(crate) fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
            match date {
                Some(date) => super::serialize(date, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Date>, D::Error> {
            Option::<String>::deserialize(deserializer)?
                .map(|text| super::parse(&text).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_and_bics_are_checked() {
        for ok in
            ["DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "NL91ABNA0417164300", "GB82WEST12345698765432"]
        {
            assert!(check_iban("x", ok).is_ok(), "{ok}");
        }
        for bad in ["DE89370400440532013001", "DE8937040044", "XX89370400440532013000", "de89370400440532013000"] {
            assert!(check_iban("x", bad).is_err(), "{bad}");
        }
        for ok in ["COBADEFF", "COBADEFFXXX", "ABNANL2A"] {
            assert!(check_bic("x", ok).is_ok(), "{ok}");
        }
        for bad in ["COBADEF", "COBAXXFF", "cobadeff", "COBADEFFXX", "1OBADEFF"] {
            assert!(check_bic("x", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_read_and_write_as_yyyy_mm_dd() {
        let d = iso_date::parse("2026-02-28").unwrap();
        assert_eq!(iso_date::format(d), "2026-02-28");
        for bad in ["2026-02-30", "2026-2-28", "26-02-28", "2026/02/28", "2026-13-01", "2026-00-10", "+026-01-01"] {
            assert!(iso_date::parse(bad).is_err(), "{bad}");
        }
    }
}

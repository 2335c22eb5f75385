//! An invoice line (BG-25): what is charged, how much of it, at what price, and its VAT.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::amount::{check_non_negative, check_positive, mul, round_amount};
use crate::error::Error;
use crate::party::check_text;
use crate::vat::VatCategory;

/// Decimal places a quantity may have.
pub const QUANTITY_DECIMALS: u32 = 4;
/// Decimal places a unit price may have (the line's net amount is rounded to two).
pub const PRICE_DECIMALS: u32 = 4;

/// One line of an invoice or credit note: a fee such as the application fee or the
/// assessment's hours.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLine {
    /// The line's identifier, unique within the invoice (BT-126), e.g. `1`.
    pub id: String,
    /// The item's name (BT-153), e.g. "Assessment, on site".
    pub name: String,
    /// A longer description of the item (BT-154).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The quantity invoiced (BT-129): above zero, at most four decimals. A credit note
    /// states the quantity credited, also above zero.
    pub quantity: Decimal,
    /// The unit of the quantity (BT-130), a UN/ECE Recommendation 20 or 21 code: `C62`
    /// (one), `EA` (each), `HUR` (hour), `DAY` (day) ….
    pub unit_code: String,
    /// The net price of one unit, VAT excluded (BT-146): zero or more, at most four
    /// decimals.
    pub unit_price: Decimal,
    /// The line's VAT category and rate (BT-151, BT-152).
    pub vat: VatCategory,
}

impl InvoiceLine {
    /// The line's net amount (BT-131): quantity × unit price, rounded to two decimals.
    pub fn net_amount(&self) -> Result<Decimal, Error> {
        Ok(round_amount(mul("line net amount", self.quantity, self.unit_price)?))
    }

    /// Checks every field; `field` (`lines[0]`) names the line in errors.
    pub(crate) fn validate(&self, field: &str) -> Result<(), Error> {
        check_text(&format!("{field}.id"), &self.id, 50)?;
        check_text(&format!("{field}.name"), &self.name, 200)?;
        if let Some(description) = &self.description {
            check_text(&format!("{field}.description"), description, 1000)?;
        }
        check_positive(&format!("{field}.quantity"), self.quantity, QUANTITY_DECIMALS)?;
        check_unit_code(&format!("{field}.unit_code"), &self.unit_code)?;
        check_non_negative(&format!("{field}.unit_price"), self.unit_price, PRICE_DECIMALS)?;
        self.vat.validate(&format!("{field}.vat"))?;
        mul(&format!("{field}.net_amount"), self.quantity, self.unit_price)?;
        Ok(())
    }
}

/// A unit code's form: two or three digits and upper-case letters (Recommendations 20 and
/// 21; the validator checks the code list itself, BR-CL-23).
fn check_unit_code(field: &str, code: &str) -> Result<(), Error> {
    if !(2..=3).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()) {
        return Err(Error::InvalidIdentifier {
            field: field.to_owned(),
            kind: "UN/ECE Recommendation 20 unit code",
            value: code.to_owned(),
            reason: "two or three digits or upper-case letters, e.g. C62, EA, HUR".to_owned(),
        });
    }
    Ok(())
}

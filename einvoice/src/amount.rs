//! Money: the invoice's currency, and the rounding and checks of amounts.
//!
//! Amounts, prices, quantities and rates are [`rust_decimal::Decimal`]: exact base-10
//! numbers (96-bit integer and a scale), so 0.10 + 0.20 is 0.30 and a VAT amount is
//! computed on the figures the invoice shows, never on a binary float's neighbour of
//! them. EN 16931 states every amount with at most two decimals (BR-DEC-01 …) and checks
//! the totals by sums of those two-decimal figures, which only exact decimals reproduce.
//! rust_decimal is the maintained, dependency-light decimal crate of the Rust ecosystem
//! (serde support, checked arithmetic, explicit rounding strategies).

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The currencies an invoice may be in (BT-5): the ISO 4217 codes of the currencies of
/// the EU and the EEA, Switzerland, the United Kingdom and the United States whose minor
/// unit is two decimals, the precision of every amount written. (The Icelandic króna and
/// the yen, with none, are not among them.)
pub const CURRENCIES: [&str; 12] = ["BGN", "CHF", "CZK", "DKK", "EUR", "GBP", "HUF", "NOK", "PLN", "RON", "SEK", "USD"];

/// The invoice currency (BT-5), an ISO 4217 code from [`CURRENCIES`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    /// The euro.
    pub fn eur() -> Self {
        Self("EUR".to_owned())
    }

    /// The currency of ISO 4217 code `code`, one of [`CURRENCIES`].
    pub fn new(code: &str) -> Result<Self, Error> {
        if CURRENCIES.contains(&code) {
            Ok(Self(code.to_owned()))
        } else {
            Err(Error::UnknownCurrency { code: code.to_owned(), known: CURRENCIES.join(", ") })
        }
    }

    /// The ISO 4217 code.
    pub fn code(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Currency {
    type Error = Error;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

/// A currency's schema: one of the codes of [`CURRENCIES`].
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Currency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Currency".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "enum": CURRENCIES,
            "description": "An ISO 4217 currency code (BT-5) whose minor unit is two decimals.",
        })
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.0
    }
}

/// Decimal places of every amount written (BR-DEC-01 and the other BR-DEC rules).
pub const AMOUNT_DECIMALS: u32 = 2;

/// `value` rounded to two decimals, halves away from zero (commercial rounding).
pub(crate) fn round_amount(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(AMOUNT_DECIMALS, RoundingStrategy::MidpointAwayFromZero)
}

/// An amount as written: exactly two decimals.
pub(crate) fn format_amount(value: Decimal) -> String {
    format!("{:.2}", round_amount(value))
}

/// A number as written without trailing zeros (a quantity, a rate); a unit price keeps at
/// least two decimals.
pub(crate) fn format_number(value: Decimal, min_decimals: u32) -> String {
    let n = value.normalize();
    if n.scale() < min_decimals {
        format!("{:.*}", min_decimals as usize, n)
    } else {
        n.to_string()
    }
}

/// Checks that `value` is not negative and has at most `max_decimals` decimal places
/// (trailing zeros do not count: 1.50 has one).
pub(crate) fn check_non_negative(field: &str, value: Decimal, max_decimals: u32) -> Result<(), Error> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(Error::Negative { field: field.to_owned(), value });
    }
    check_decimals(field, value, max_decimals)
}

/// Checks that `value` is above zero and has at most `max_decimals` decimal places.
pub(crate) fn check_positive(field: &str, value: Decimal, max_decimals: u32) -> Result<(), Error> {
    if value <= Decimal::ZERO {
        return Err(Error::NotPositive { field: field.to_owned(), value });
    }
    check_decimals(field, value, max_decimals)
}

fn check_decimals(field: &str, value: Decimal, max_decimals: u32) -> Result<(), Error> {
    if value.normalize().scale() > max_decimals {
        return Err(Error::TooManyDecimals { field: field.to_owned(), value, max: max_decimals });
    }
    Ok(())
}

/// `a × b`, or [`Error::Overflow`] naming `field`.
pub(crate) fn mul(field: &str, a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    a.checked_mul(b).ok_or_else(|| Error::Overflow { field: field.to_owned() })
}

/// `a + b`, or [`Error::Overflow`] naming `field`.
pub(crate) fn add(field: &str, a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    a.checked_add(b).ok_or_else(|| Error::Overflow { field: field.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::prelude::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts_round_half_away_from_zero_to_two_decimals() {
        assert_eq!(round_amount(d("2.345")), d("2.35"));
        assert_eq!(round_amount(d("2.344999")), d("2.34"));
        assert_eq!(round_amount(d("-2.345")), d("-2.35"));
        assert_eq!(format_amount(d("1500")), "1500.00");
        assert_eq!(format_amount(d("0.1")), "0.10");
        assert_eq!(format_number(d("19.00"), 0), "19");
        assert_eq!(format_number(d("5.50"), 0), "5.5");
        assert_eq!(format_number(d("145.5"), 2), "145.50");
        assert_eq!(format_number(d("0.125"), 2), "0.125");
    }

    #[test]
    fn currencies_are_checked() {
        assert_eq!(Currency::new("EUR").unwrap(), Currency::eur());
        assert_eq!(Currency::new("SEK").unwrap().code(), "SEK");
        for bad in ["eur", "EURO", "XXX", "", "JPY"] {
            assert!(matches!(Currency::new(bad), Err(Error::UnknownCurrency { .. })), "{bad}");
        }
        let c: Currency = serde_json::from_str("\"CHF\"").unwrap();
        assert_eq!(c.code(), "CHF");
        assert!(serde_json::from_str::<Currency>("\"ABC\"").is_err());
    }

    #[test]
    fn signs_and_decimals_are_checked() {
        assert!(check_non_negative("x", d("0"), 2).is_ok());
        assert!(check_non_negative("x", d("1.500"), 2).is_ok());
        assert!(matches!(check_non_negative("x", d("-0.01"), 2), Err(Error::Negative { .. })));
        assert!(matches!(check_non_negative("x", d("0.001"), 2), Err(Error::TooManyDecimals { max: 2, .. })));
        assert!(matches!(check_positive("x", d("0"), 4), Err(Error::NotPositive { .. })));
        assert!(check_positive("x", d("0.0001"), 4).is_ok());
        assert!(matches!(mul("x", Decimal::MAX, d("2")), Err(Error::Overflow { .. })));
    }
}

//! ISO 11649 structured creditor references ("RF" references): what a payer copies into
//! a credit transfer so that the certification body can match the payment to its invoice
//! without reading free text. An invoice carries one as its remittance information
//! (BT-83, `cac:PaymentMeans/cbc:PaymentID`).
//!
//! A reference is `RF`, two check digits, and the body's own reference of 1 to 21 digits
//! and letters. The check digits are ISO 7064 MOD 97-10, as in an IBAN: the reference
//! followed by `RF00`, letters read as numbers (A = 10 … Z = 35), taken modulo 97, and
//! subtracted from 98. The print form splits the electronic form into groups of four
//! characters: `RF18 5390 0754 7034`.
//!
//! ```
//! use nanotrace_einvoice::CreditorReference;
//!
//! let rf = CreditorReference::from_reference("539007547034").unwrap();
//! assert_eq!(rf.as_str(), "RF18539007547034");
//! assert_eq!(rf.print_form(), "RF18 5390 0754 7034");
//! assert_eq!(CreditorReference::parse("RF18 5390 0754 7034").unwrap(), rf);
//! assert!(CreditorReference::parse("RF19539007547034").is_err());
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::CreditorReferenceError;

/// The longest reference part of a creditor reference (ISO 11649: 25 characters in all).
pub const MAX_REFERENCE_LEN: usize = 21;

/// An ISO 11649 structured creditor reference, held in its electronic form (`RF`, two
/// check digits, the reference; no spaces, letters upper case). It is valid by
/// construction: made by [`from_reference`](Self::from_reference) or checked by
/// [`parse`](Self::parse) (also when deserialized).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditorReference(String);

impl CreditorReference {
    /// The creditor reference of `reference` (1 to 21 digits and letters, chosen by the
    /// certification body; lower-case letters are taken as upper case), with its check
    /// digits computed.
    pub fn from_reference(reference: &str) -> Result<Self, CreditorReferenceError> {
        let reference = reference.to_ascii_uppercase();
        check_reference(&reference)?;
        let check = 98 - mod97(&format!("{reference}RF00")).ok_or(CreditorReferenceError::Empty)?;
        Ok(Self(format!("RF{check:02}{reference}")))
    }

    /// Reads a creditor reference in its electronic form (`RF18539007547034`) or its print
    /// form (`RF18 5390 0754 7034`: groups of four, one space between them), and checks
    /// its check digits. Lower-case letters are taken as upper case.
    pub fn parse(text: &str) -> Result<Self, CreditorReferenceError> {
        if text.contains(' ') {
            let groups: Vec<&str> = text.split(' ').collect();
            let (last, full) = groups.split_last().ok_or_else(|| bad_grouping(text))?;
            if full.iter().any(|g| g.chars().count() != 4) || last.is_empty() || last.chars().count() > 4 {
                return Err(bad_grouping(text));
            }
        }
        let compact: String = text.chars().filter(|c| *c != ' ').collect::<String>().to_ascii_uppercase();
        let (head, reference) = match (compact.get(..4), compact.get(4..)) {
            (Some(head), Some(reference)) => (head, reference),
            _ => return Err(CreditorReferenceError::NotRf { text: text.to_owned() }),
        };
        if !head.starts_with("RF") || !head[2..].bytes().all(|b| b.is_ascii_digit()) {
            return Err(CreditorReferenceError::NotRf { text: text.to_owned() });
        }
        check_reference(reference)?;
        if mod97(&format!("{reference}{head}")) != Some(1) {
            let expected = Self::from_reference(reference)?.check_digits().to_owned();
            return Err(CreditorReferenceError::CheckDigits { text: text.to_owned(), expected });
        }
        Ok(Self(compact))
    }

    /// The electronic form: `RF`, the check digits and the reference, without spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two check digits.
    pub fn check_digits(&self) -> &str {
        &self.0[2..4]
    }

    /// The certification body's reference (what follows the check digits).
    pub fn reference(&self) -> &str {
        &self.0[4..]
    }

    /// The print form: groups of four characters separated by one space.
    pub fn print_form(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars.chunks(4).map(|g| g.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
    }
}

fn bad_grouping(text: &str) -> CreditorReferenceError {
    CreditorReferenceError::BadGrouping { text: text.to_owned() }
}

fn check_reference(reference: &str) -> Result<(), CreditorReferenceError> {
    if reference.is_empty() {
        return Err(CreditorReferenceError::Empty);
    }
    if let Some(ch) = reference.chars().find(|c| !c.is_ascii_digit() && !c.is_ascii_uppercase()) {
        return Err(CreditorReferenceError::InvalidCharacter { ch });
    }
    let len = reference.chars().count();
    if len > MAX_REFERENCE_LEN {
        return Err(CreditorReferenceError::TooLong { len });
    }
    Ok(())
}

/// ISO 7064 MOD 97-10 of `text` (digits, and letters A–Z read as 10–35): the remainder
/// modulo 97 of the number it spells. `None` when a character is neither, or when the
/// text is empty. Shared with the IBAN check (ISO 13616 uses the same scheme).
pub(crate) fn mod97(text: &str) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    let mut remainder = 0u32;
    for c in text.chars() {
        let value = c.to_digit(36)?;
        if c.is_ascii_lowercase() {
            return None;
        }
        remainder = if value < 10 { (remainder * 10 + value) % 97 } else { (remainder * 100 + value) % 97 };
    }
    Some(remainder)
}

impl fmt::Display for CreditorReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditorReference {
    type Err = CreditorReferenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CreditorReference {
    type Error = CreditorReferenceError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

/// A creditor reference's schema: `RF`, two check digits and up to 21 letters or digits,
/// in the electronic or the print form.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for CreditorReference {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CreditorReference".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^\\s*[Rr][Ff]",
            "description": "An ISO 11649 structured creditor reference (BT-83), e.g. RF18 5390 0754 7034.",
        })
    }
}

impl From<CreditorReference> for String {
    fn from(value: CreditorReference) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_iso_11649_example_is_built_and_read() {
        // ISO 11649's own example, in its electronic and print forms.
        let rf = CreditorReference::from_reference("539007547034").unwrap();
        assert_eq!(rf.as_str(), "RF18539007547034");
        assert_eq!(rf.check_digits(), "18");
        assert_eq!(rf.reference(), "539007547034");
        assert_eq!(rf.print_form(), "RF18 5390 0754 7034");
        assert_eq!(CreditorReference::parse("RF18539007547034").unwrap(), rf);
        assert_eq!(CreditorReference::parse("RF18 5390 0754 7034").unwrap(), rf);
        assert_eq!(CreditorReference::parse("rf18 5390 0754 7034").unwrap(), rf);
    }

    #[test]
    fn other_published_examples_check() {
        // The example of the EPC's and many banks' pages, and one with letters (its check
        // digits computed by hand from A = 10 … Z = 35: ABC123RF00 → 10 11 12 1 2 3 27 15 0 0).
        assert_eq!(CreditorReference::from_reference("2348231").unwrap().as_str(), "RF712348231");
        assert!(CreditorReference::parse("RF71 2348 231").is_ok());
        assert_eq!(CreditorReference::from_reference("ABC123").unwrap().as_str(), "RF47ABC123");
        assert_eq!(CreditorReference::from_reference("abc123").unwrap().as_str(), "RF47ABC123");
        // Check digits 02..98 only: a one-character reference.
        assert_eq!(CreditorReference::from_reference("1").unwrap().as_str(), "RF741");
    }

    #[test]
    fn every_reference_built_parses_back() {
        for reference in ["0", "Z", "NT2026000001", "123456789012345678901", "ZZZZZZZZZZZZZZZZZZZZZ"] {
            let rf = CreditorReference::from_reference(reference).unwrap();
            assert_eq!(CreditorReference::parse(rf.as_str()).unwrap(), rf, "{reference}");
            assert_eq!(CreditorReference::parse(&rf.print_form()).unwrap(), rf, "{reference}");
            let n: u32 = rf.check_digits().parse().unwrap();
            assert!((2..=98).contains(&n), "{rf}");
        }
    }

    #[test]
    fn wrong_references_are_refused() {
        // A plausible-looking print form whose check digits are wrong (computed: 28).
        assert_eq!(
            CreditorReference::parse("RF71 4300 0000 0000 0000 0000 1"),
            Err(CreditorReferenceError::CheckDigits {
                text: "RF71 4300 0000 0000 0000 0000 1".to_owned(),
                expected: "28".to_owned()
            })
        );
        assert!(matches!(
            CreditorReference::parse("RF19539007547034"),
            Err(CreditorReferenceError::CheckDigits { expected, .. }) if expected == "18"
        ));
        // One digit changed, two swapped: MOD 97-10 finds both.
        assert!(CreditorReference::parse("RF18539007547035").is_err());
        assert!(CreditorReference::parse("RF18539007547043").is_err());
        assert!(matches!(
            CreditorReference::parse("RF185 3900 7547 034"),
            Err(CreditorReferenceError::BadGrouping { .. })
        ));
        assert!(matches!(CreditorReference::parse("RF18  5390"), Err(CreditorReferenceError::BadGrouping { .. })));
        assert!(matches!(CreditorReference::parse("RF18 "), Err(CreditorReferenceError::BadGrouping { .. })));
        assert!(matches!(CreditorReference::parse("XX18539007547034"), Err(CreditorReferenceError::NotRf { .. })));
        assert!(matches!(CreditorReference::parse("RFAB1234"), Err(CreditorReferenceError::NotRf { .. })));
        assert!(matches!(CreditorReference::parse("RF18"), Err(CreditorReferenceError::Empty)));
        assert!(matches!(CreditorReference::parse("RF1"), Err(CreditorReferenceError::NotRf { .. })));
        assert!(matches!(
            CreditorReference::parse("RF18-5390"),
            Err(CreditorReferenceError::InvalidCharacter { ch: '-' })
        ));
        assert_eq!(
            CreditorReference::from_reference("1234567890123456789012"),
            Err(CreditorReferenceError::TooLong { len: 22 })
        );
        assert_eq!(CreditorReference::from_reference(""), Err(CreditorReferenceError::Empty));
        assert_eq!(
            CreditorReference::from_reference("NT-1"),
            Err(CreditorReferenceError::InvalidCharacter { ch: '-' })
        );
        assert_eq!(CreditorReference::from_reference("Ä1"), Err(CreditorReferenceError::InvalidCharacter { ch: 'Ä' }));
    }

    #[test]
    fn serde_reads_and_writes_the_electronic_form() {
        let rf: CreditorReference = serde_json::from_str("\"RF18 5390 0754 7034\"").unwrap();
        assert_eq!(serde_json::to_string(&rf).unwrap(), "\"RF18539007547034\"");
        assert!(serde_json::from_str::<CreditorReference>("\"RF19539007547034\"").is_err());
    }

    #[test]
    fn mod97_is_iso_7064() {
        // The IBAN of ISO 13616's example (GB82 WEST 1234 5698 7654 32) rearranged.
        assert_eq!(mod97("WEST12345698765432GB82"), Some(1));
        assert_eq!(mod97(""), None);
        assert_eq!(mod97("a"), None);
        assert_eq!(mod97("-"), None);
    }
}

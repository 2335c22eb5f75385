//! The parties: the seller (the certification body, BG-4) and the buyer (the
//! manufacturer, BG-7), with their addresses, identifiers and electronic addresses.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A seller or a buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// The registered name (BT-27, BT-44).
    pub legal_name: String,
    /// The name it trades under, when it differs (BT-28, BT-45).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trading_name: Option<String>,
    /// Street and number (BT-35, BT-50).
    pub street: String,
    /// City (BT-37, BT-52).
    pub city: String,
    /// Post code (BT-38, BT-53).
    pub postcode: String,
    /// Country (BT-40, BT-55).
    pub country: Country,
    /// The VAT identifier with its country prefix, e.g. `DE123456789` (BT-31, BT-48).
    /// Required for most VAT categories, forbidden with "not subject to VAT"
    /// ([`Invoice::validate`](crate::Invoice::validate) says which).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_id: Option<String>,
    /// The company registration (BT-30, BT-47), e.g. a Dutch KvK number with scheme `0106`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<LegalRegistration>,
    /// The Peppol electronic address (BT-34, BT-49): where the invoice is delivered.
    pub electronic_address: ElectronicAddress,
    /// Whom to contact (BG-6, BG-9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

/// A company registration identifier (BT-30, BT-47) and its ISO 6523 ICD scheme
/// (`0106` Dutch KvK, `0007` Swedish organisation number, `0002` SIRENE …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LegalRegistration {
    /// The identifier.
    pub id: String,
    /// The ISO 6523 ICD code of its scheme (four digits), when one applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
}

/// A Peppol electronic address (BT-34, BT-49): an identifier and its Electronic Address
/// Scheme (EAS) code, e.g. `0088` (GS1 GLN) or `9930` (German VAT number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ElectronicAddress {
    /// The EAS code, one of [`EAS_CODES`].
    pub scheme: String,
    /// The identifier in that scheme.
    pub id: String,
}

/// A contact point (BG-6, BG-9): at least one of its fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// A person or department (BT-41, BT-56).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A telephone number (BT-42, BT-57).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    /// An e-mail address (BT-43, BT-58).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// An ISO 3166-1 alpha-2 country code, one of [`COUNTRIES`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Country(String);

impl Country {
    /// The country of code `code` (two upper-case letters, e.g. `DE`).
    pub fn new(code: &str) -> Result<Self, Error> {
        if COUNTRIES.contains(&code) {
            Ok(Self(code.to_owned()))
        } else {
            Err(Error::UnknownCountry { field: "country".to_owned(), code: code.to_owned() })
        }
    }

    /// The code.
    pub fn code(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Country {
    type Error = Error;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

/// A country's schema: one of the codes of [`COUNTRIES`].
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Country {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Country".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "enum": COUNTRIES.as_slice(),
            "description": "An ISO 3166-1 alpha-2 country code (BT-40, BT-55).",
        })
    }
}

impl From<Country> for String {
    fn from(value: Country) -> Self {
        value.0
    }
}

/// The longest name, street or other short text accepted.
const SHORT_TEXT: usize = 200;

impl Party {
    /// Checks every field; `field` (`seller`, `buyer`) names the party in errors.
    pub fn validate(&self, field: &str) -> Result<(), Error> {
        check_text(&format!("{field}.legal_name"), &self.legal_name, SHORT_TEXT)?;
        if let Some(name) = &self.trading_name {
            check_text(&format!("{field}.trading_name"), name, SHORT_TEXT)?;
        }
        check_text(&format!("{field}.street"), &self.street, SHORT_TEXT)?;
        check_text(&format!("{field}.city"), &self.city, SHORT_TEXT)?;
        check_text(&format!("{field}.postcode"), &self.postcode, 20)?;
        if let Some(vat_id) = &self.vat_id {
            check_vat_id(&format!("{field}.vat_id"), vat_id)?;
        }
        if let Some(registration) = &self.registration {
            check_text(&format!("{field}.registration.id"), &registration.id, 100)?;
            if let Some(scheme) = &registration.scheme {
                if scheme.len() != 4 || !scheme.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Error::InvalidIdentifier {
                        field: format!("{field}.registration.scheme"),
                        kind: "ISO 6523 ICD code",
                        value: scheme.clone(),
                        reason: "four digits".to_owned(),
                    });
                }
            }
        }
        self.electronic_address.validate(&format!("{field}.electronic_address"))?;
        if let Some(contact) = &self.contact {
            contact.validate(&format!("{field}.contact"))?;
        }
        Ok(())
    }
}

impl ElectronicAddress {
    fn validate(&self, field: &str) -> Result<(), Error> {
        if !EAS_CODES.contains(&self.scheme.as_str()) {
            return Err(Error::InvalidIdentifier {
                field: format!("{field}.scheme"),
                kind: "Electronic Address Scheme (EAS) code",
                value: self.scheme.clone(),
                reason: "not in the EAS code list (BR-CL-25)".to_owned(),
            });
        }
        check_text(&format!("{field}.id"), &self.id, 100)?;
        if self.scheme == "0088" {
            check_gln(&format!("{field}.id"), &self.id)?;
        }
        Ok(())
    }
}

impl Contact {
    fn validate(&self, field: &str) -> Result<(), Error> {
        if self.name.is_none() && self.telephone.is_none() && self.email.is_none() {
            return Err(Error::Empty { field: field.to_owned() });
        }
        if let Some(name) = &self.name {
            check_text(&format!("{field}.name"), name, SHORT_TEXT)?;
        }
        if let Some(telephone) = &self.telephone {
            check_text(&format!("{field}.telephone"), telephone, 50)?;
        }
        if let Some(email) = &self.email {
            check_text(&format!("{field}.email"), email, SHORT_TEXT)?;
            let parts: Vec<&str> = email.split('@').collect();
            let ok = parts.len() == 2
                && !parts[0].is_empty()
                && parts[1].contains('.')
                && !parts[1].starts_with('.')
                && !parts[1].ends_with('.')
                && !email.contains(char::is_whitespace);
            if !ok {
                return Err(Error::InvalidIdentifier {
                    field: format!("{field}.email"),
                    kind: "e-mail address",
                    value: email.clone(),
                    reason: "one @ between a local part and a domain, no spaces".to_owned(),
                });
            }
        }
        Ok(())
    }
}

/// Checks a free text: not blank, at most `max` characters, and only characters XML 1.0
/// carries, without control characters other than line feed and tab.
pub(crate) fn check_text(field: &str, text: &str, max: usize) -> Result<(), Error> {
    if text.trim().is_empty() {
        return Err(Error::Empty { field: field.to_owned() });
    }
    let len = text.chars().count();
    if len > max {
        return Err(Error::TooLong { field: field.to_owned(), len, max });
    }
    if let Some(c) =
        text.chars().find(|c| (c.is_control() && *c != '\n' && *c != '\t') || matches!(*c as u32, 0xFFFE | 0xFFFF))
    {
        return Err(Error::ForbiddenCharacter { field: field.to_owned(), code: c as u32 });
    }
    Ok(())
}

/// A VAT identifier: a two-letter country prefix (ISO 3166-1 alpha-2, or `EL` for Greece,
/// BR-CO-09) and 2 to 13 digits and upper-case letters (`+` and `*` too, as some national
/// numbers have).
fn check_vat_id(field: &str, vat_id: &str) -> Result<(), Error> {
    let invalid = |reason: &str| Error::InvalidIdentifier {
        field: field.to_owned(),
        kind: "VAT identifier",
        value: vat_id.to_owned(),
        reason: reason.to_owned(),
    };
    let prefix = vat_id.get(..2).ok_or_else(|| invalid("a country prefix and a number"))?;
    if !(COUNTRIES.contains(&prefix) || prefix == "EL") || prefix == "1A" {
        return Err(invalid("it starts with an ISO 3166-1 alpha-2 country code (EL for Greece) (BR-CO-09)"));
    }
    let rest = &vat_id[2..];
    if !(2..=13).contains(&rest.len())
        || !rest.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'+' || b == b'*')
    {
        return Err(invalid("2 to 13 digits or upper-case letters after the country prefix, no spaces"));
    }
    Ok(())
}

/// A GS1 Global Location Number: 13 digits, the last one the GS1 check digit (Peppol's
/// PEPPOL-COMMON-R040 checks it too).
fn check_gln(field: &str, gln: &str) -> Result<(), Error> {
    let invalid = |reason: String| Error::InvalidIdentifier {
        field: field.to_owned(),
        kind: "GLN",
        value: gln.to_owned(),
        reason,
    };
    if gln.len() != 13 || !gln.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("13 digits".to_owned()));
    }
    let digits: Vec<u32> = gln.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = digits[..12].iter().rev().enumerate().map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d }).sum();
    let check = (10 - sum % 10) % 10;
    if digits[12] != check {
        return Err(invalid(format!("wrong check digit, {check} expected")));
    }
    Ok(())
}

/// The country codes EN 16931's validation artefacts 1.3.16 accept (BR-CL-14): ISO 3166-1
/// alpha-2, with `1A` (Kosovo) and `XI` (Northern Ireland).
pub const COUNTRIES: [&str; 251] = [
    "1A", "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB",
    "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ",
    "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ",
    "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR",
    "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY",
    "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO",
    "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS",
    "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR",
    "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU",
    "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO",
    "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV",
    "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "XI", "YE",
    "YT", "ZA", "ZM", "ZW",
];

/// The Electronic Address Scheme codes EN 16931's validation artefacts 1.3.16 accept
/// (BR-CL-25).
pub const EAS_CODES: [&str; 104] = [
    "0002", "0007", "0009", "0037", "0060", "0088", "0096", "0097", "0106", "0130", "0135", "0142", "0147", "0151",
    "0154", "0158", "0170", "0177", "0183", "0184", "0188", "0190", "0191", "0192", "0193", "0194", "0195", "0196",
    "0198", "0199", "0200", "0201", "0202", "0203", "0204", "0205", "0208", "0209", "0210", "0211", "0212", "0213",
    "0215", "0216", "0217", "0218", "0219", "0220", "0221", "0225", "0230", "0235", "0240", "0244", "0242", "0245",
    "0246", "0248", "9910", "9913", "9914", "9915", "9918", "9919", "9920", "9922", "9923", "9924", "9925", "9926",
    "9927", "9928", "9929", "9930", "9931", "9932", "9933", "9934", "9935", "9936", "9937", "9938", "9939", "9940",
    "9941", "9942", "9943", "9944", "9945", "9946", "9947", "9948", "9949", "9950", "9951", "9952", "9953", "9957",
    "9959", "AN", "AQ", "AS", "AU", "EM",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glns_are_checked() {
        assert!(check_gln("x", "4000000000006").is_ok());
        assert!(check_gln("x", "8712345678906").is_ok());
        assert!(matches!(check_gln("x", "4000000000007"), Err(Error::InvalidIdentifier { kind: "GLN", .. })));
        assert!(check_gln("x", "400000000000").is_err());
        assert!(check_gln("x", "400000000000A").is_err());
    }

    #[test]
    fn vat_ids_are_checked() {
        for ok in ["DE123456789", "NL123456789B01", "SE556677889901", "EL123456789", "ATU12345678", "NO123456789MVA"] {
            assert!(check_vat_id("x", ok).is_ok(), "{ok}");
        }
        for bad in ["123456789", "DE", "D", "de123456789", "DE 123456789", "QQ123456789", "DE1", "1A12345"] {
            assert!(check_vat_id("x", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn texts_are_checked() {
        assert!(check_text("x", "Prüfstelle GmbH & Co. <KG>", 200).is_ok());
        assert!(check_text("x", "two\nlines\tand a tab", 200).is_ok());
        assert_eq!(check_text("x", "  ", 200), Err(Error::Empty { field: "x".to_owned() }));
        assert_eq!(check_text("x", "a\u{1}b", 200), Err(Error::ForbiddenCharacter { field: "x".to_owned(), code: 1 }));
        assert_eq!(check_text("x", "abc", 2), Err(Error::TooLong { field: "x".to_owned(), len: 3, max: 2 }));
    }

    #[test]
    fn countries_are_checked() {
        assert_eq!(Country::new("DE").unwrap().code(), "DE");
        assert!(Country::new("XI").is_ok());
        assert!(matches!(Country::new("EL"), Err(Error::UnknownCountry { .. })));
        assert!(matches!(Country::new("de"), Err(Error::UnknownCountry { .. })));
        assert!(serde_json::from_str::<Country>("\"ZZ\"").is_err());
    }
}

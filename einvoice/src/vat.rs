//! VAT categories (UNTDID 5305 as EN 16931 restricts it, BT-151 and BT-118), their rates
//! and exemption reasons (BT-120, BT-121), and the VAT breakdown (BG-23).
//!
//! The category carries what its rules need: a rate for the standard rate and the two
//! Spanish territories' taxes, none for the zero-rated and exempt categories (their rate is
//! 0, BR-Z-05 …), no rate at all for "not subject to VAT" (BR-O-05), and an exemption
//! reason for every category whose breakdown must state one (BR-E-10, BR-AE-10, BR-IC-10,
//! BR-G-10, BR-O-10). The rules that involve the whole invoice (whose VAT identifiers must
//! be there, which categories may be combined) are checked with it
//! ([`Invoice::validate`](crate::Invoice::validate)).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::amount::check_non_negative;
use crate::error::Error;

/// Decimal places a VAT rate may have (5.5 %, 7.7 %, 8.1 % …).
pub const RATE_DECIMALS: u32 = 2;

/// A VAT category with its rate or exemption reason. Serialized with its UNTDID 5305 code
/// as `code`: `{"code":"S","rate":"19"}`, `{"code":"E","exemption_reason":{"text":"…"}}`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "code", deny_unknown_fields)]
pub enum VatCategory {
    /// S, standard rate: a rate above zero, no exemption reason (BR-S-05, BR-S-10).
    #[serde(rename = "S")]
    Standard {
        /// The rate in percent.
        rate: Decimal,
    },
    /// Z, zero rated goods: rate 0, no exemption reason (BR-Z-05, BR-Z-10).
    #[serde(rename = "Z")]
    ZeroRated,
    /// E, exempt from VAT: rate 0 and an exemption reason (BR-E-05, BR-E-10).
    #[serde(rename = "E")]
    Exempt {
        /// Why (a VATEX code or text, e.g. the article of Directive 2006/112/EC).
        exemption_reason: ExemptionReason,
    },
    /// AE, VAT reverse charge: rate 0, the reason "Reverse charge" (BR-AE-05, BR-AE-10).
    #[serde(rename = "AE")]
    ReverseCharge {
        /// "Reverse charge", as code `VATEX-EU-AE` or text.
        exemption_reason: ExemptionReason,
    },
    /// K, intra-community supply of goods: rate 0 and a reason (BR-IC-05, BR-IC-10); the
    /// invoice needs the delivery date and country (BR-IC-11, BR-IC-12).
    #[serde(rename = "K")]
    IntraCommunity {
        /// Why, as code `VATEX-EU-IC` or text.
        exemption_reason: ExemptionReason,
    },
    /// G, free export item, VAT not charged: rate 0 and a reason (BR-G-05, BR-G-10).
    #[serde(rename = "G")]
    Export {
        /// Why, as code `VATEX-EU-G` or text.
        exemption_reason: ExemptionReason,
    },
    /// O, services outside scope of tax: no rate, a reason, and no other category and no
    /// VAT identifier on the invoice (BR-O-05, BR-O-10, BR-O-02, BR-O-11 …).
    #[serde(rename = "O")]
    NotSubject {
        /// Why, as code `VATEX-EU-O` or text.
        exemption_reason: ExemptionReason,
    },
    /// L, the Canary Islands' general indirect tax (IGIC): a rate of 0 or more, no
    /// exemption reason (BR-AF-05, BR-AF-10).
    #[serde(rename = "L")]
    CanaryIslands {
        /// The rate in percent.
        rate: Decimal,
    },
    /// M, the tax for production, services and importation in Ceuta and Melilla (IPSI): a
    /// rate of 0 or more, no exemption reason (BR-AG-05, BR-AG-10).
    #[serde(rename = "M")]
    CeutaMelilla {
        /// The rate in percent.
        rate: Decimal,
    },
}

/// The categories in the order of their codes in UNTDID 5305 as EN 16931 lists them; the
/// VAT breakdown is written in this order.
pub const CATEGORY_CODES: [&str; 9] = ["S", "Z", "E", "AE", "K", "G", "O", "L", "M"];

impl VatCategory {
    /// The UNTDID 5305 code (BT-151, BT-118).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Standard { .. } => "S",
            Self::ZeroRated => "Z",
            Self::Exempt { .. } => "E",
            Self::ReverseCharge { .. } => "AE",
            Self::IntraCommunity { .. } => "K",
            Self::Export { .. } => "G",
            Self::NotSubject { .. } => "O",
            Self::CanaryIslands { .. } => "L",
            Self::CeutaMelilla { .. } => "M",
        }
    }

    /// The rate in percent (BT-152, BT-119): `None` for "not subject to VAT", which has
    /// none; 0 for the zero-rated and exempt categories.
    pub fn rate(&self) -> Option<Decimal> {
        match self {
            Self::Standard { rate } | Self::CanaryIslands { rate } | Self::CeutaMelilla { rate } => Some(*rate),
            Self::NotSubject { .. } => None,
            Self::ZeroRated
            | Self::Exempt { .. }
            | Self::ReverseCharge { .. }
            | Self::IntraCommunity { .. }
            | Self::Export { .. } => Some(Decimal::ZERO),
        }
    }

    /// The exemption reason, for the categories that state one.
    pub fn exemption_reason(&self) -> Option<&ExemptionReason> {
        match self {
            Self::Exempt { exemption_reason }
            | Self::ReverseCharge { exemption_reason }
            | Self::IntraCommunity { exemption_reason }
            | Self::Export { exemption_reason }
            | Self::NotSubject { exemption_reason } => Some(exemption_reason),
            Self::Standard { .. } | Self::ZeroRated | Self::CanaryIslands { .. } | Self::CeutaMelilla { .. } => None,
        }
    }

    /// The position of the code in [`CATEGORY_CODES`] (the breakdown's order).
    pub(crate) fn order(&self) -> usize {
        CATEGORY_CODES.iter().position(|c| *c == self.code()).unwrap_or(CATEGORY_CODES.len())
    }

    /// Checks the rate and the exemption reason; `field` names the category in errors.
    pub(crate) fn validate(&self, field: &str) -> Result<(), Error> {
        let hundred = Decimal::ONE_HUNDRED;
        match self {
            Self::Standard { rate } => {
                check_non_negative(&format!("{field}.rate"), *rate, RATE_DECIMALS)?;
                if rate.is_zero() {
                    return Err(Error::VatCategoryNotAllowed {
                        field: field.to_owned(),
                        category: "S",
                        reason: "the standard rate is above zero (BR-S-05); use Z, E or another category for 0 %"
                            .to_owned(),
                    });
                }
                check_at_most(&format!("{field}.rate"), *rate, hundred)
            }
            Self::CanaryIslands { rate } | Self::CeutaMelilla { rate } => {
                check_non_negative(&format!("{field}.rate"), *rate, RATE_DECIMALS)?;
                check_at_most(&format!("{field}.rate"), *rate, hundred)
            }
            Self::ZeroRated => Ok(()),
            Self::Exempt { exemption_reason }
            | Self::ReverseCharge { exemption_reason }
            | Self::IntraCommunity { exemption_reason }
            | Self::Export { exemption_reason }
            | Self::NotSubject { exemption_reason } => {
                exemption_reason.validate(&format!("{field}.exemption_reason"), self.code())
            }
        }
    }
}

fn check_at_most(field: &str, value: Decimal, max: Decimal) -> Result<(), Error> {
    if value > max {
        return Err(Error::TooLarge { field: field.to_owned(), value, max });
    }
    Ok(())
}

/// Why VAT is not charged (BT-120 text and/or BT-121 code): at least one of them.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExemptionReason {
    /// A code of the CEF VATEX code list (`VATEX-EU-AE`, `VATEX-EU-132-1I` …), BT-121.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The reason in words ("Reverse charge", "Exempt under Article 132(1)(i) …"), BT-120.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl ExemptionReason {
    /// A reason given as a VATEX code only.
    pub fn code(code: &str) -> Self {
        Self { code: Some(code.to_owned()), text: None }
    }

    /// A reason given in words only.
    pub fn text(text: &str) -> Self {
        Self { code: None, text: Some(text.to_owned()) }
    }

    /// A reason given as a VATEX code and in words.
    pub fn code_and_text(code: &str, text: &str) -> Self {
        Self { code: Some(code.to_owned()), text: Some(text.to_owned()) }
    }

    fn validate(&self, field: &str, category: &'static str) -> Result<(), Error> {
        if self.code.is_none() && self.text.is_none() {
            return Err(Error::MissingBusinessTerm {
                term: "BT-120 VAT exemption reason text or BT-121 VAT exemption reason code",
                reason: format!("{field}: VAT category {category} states why VAT is not charged"),
            });
        }
        if let Some(text) = &self.text {
            crate::party::check_text(&format!("{field}.text"), text, 1000)?;
        }
        if let Some(code) = &self.code {
            if !VATEX_CODES.contains(&code.as_str()) {
                return Err(Error::InvalidIdentifier {
                    field: format!("{field}.code"),
                    kind: "VATEX code",
                    value: code.clone(),
                    reason: "not in the VATEX code list EN 16931 uses (BR-CL-22)".to_owned(),
                });
            }
            // Peppol BIS Billing 3.0 (PEPPOL-EN16931-P0104 … P0111): these codes belong to one
            // category each.
            let owner = match code.as_str() {
                "VATEX-EU-G" => Some("G"),
                "VATEX-EU-O" => Some("O"),
                "VATEX-EU-IC" => Some("K"),
                "VATEX-EU-AE" => Some("AE"),
                "VATEX-EU-D" | "VATEX-EU-F" | "VATEX-EU-I" | "VATEX-EU-J" => Some("E"),
                _ => None,
            };
            if let Some(owner) = owner.filter(|o| *o != category) {
                return Err(Error::VatCategoryNotAllowed {
                    field: format!("{field}.code"),
                    category,
                    reason: format!("exemption reason code {code} is for VAT category {owner} only"),
                });
            }
        }
        Ok(())
    }
}

/// The VATEX codes (CEF's VAT exemption reason code list) that EN 16931's validation
/// artefacts 1.3.16 accept (BR-CL-22).
pub const VATEX_CODES: [&str; 88] = [
    "VATEX-EU-79-C",
    "VATEX-EU-132",
    "VATEX-EU-132-1A",
    "VATEX-EU-132-1B",
    "VATEX-EU-132-1C",
    "VATEX-EU-132-1D",
    "VATEX-EU-132-1E",
    "VATEX-EU-132-1F",
    "VATEX-EU-132-1G",
    "VATEX-EU-132-1H",
    "VATEX-EU-132-1I",
    "VATEX-EU-132-1J",
    "VATEX-EU-132-1K",
    "VATEX-EU-132-1L",
    "VATEX-EU-132-1M",
    "VATEX-EU-132-1N",
    "VATEX-EU-132-1O",
    "VATEX-EU-132-1P",
    "VATEX-EU-132-1Q",
    "VATEX-EU-135-1",
    "VATEX-EU-143",
    "VATEX-EU-143-1A",
    "VATEX-EU-143-1B",
    "VATEX-EU-143-1C",
    "VATEX-EU-143-1D",
    "VATEX-EU-143-1E",
    "VATEX-EU-143-1F",
    "VATEX-EU-143-1FA",
    "VATEX-EU-143-1G",
    "VATEX-EU-143-1H",
    "VATEX-EU-143-1I",
    "VATEX-EU-143-1J",
    "VATEX-EU-143-1K",
    "VATEX-EU-143-1L",
    "VATEX-EU-144",
    "VATEX-EU-146-1E",
    "VATEX-EU-159",
    "VATEX-EU-309",
    "VATEX-EU-148",
    "VATEX-EU-148-A",
    "VATEX-EU-148-B",
    "VATEX-EU-148-C",
    "VATEX-EU-148-D",
    "VATEX-EU-148-E",
    "VATEX-EU-148-F",
    "VATEX-EU-148-G",
    "VATEX-EU-151",
    "VATEX-EU-151-1A",
    "VATEX-EU-151-1AA",
    "VATEX-EU-151-1B",
    "VATEX-EU-151-1C",
    "VATEX-EU-151-1D",
    "VATEX-EU-151-1E",
    "VATEX-EU-G",
    "VATEX-EU-O",
    "VATEX-EU-IC",
    "VATEX-EU-AE",
    "VATEX-EU-D",
    "VATEX-EU-F",
    "VATEX-EU-I",
    "VATEX-EU-J",
    "VATEX-FR-FRANCHISE",
    "VATEX-FR-CNWVAT",
    "VATEX-EU-153",
    "VATEX-FR-CGI261-1",
    "VATEX-FR-CGI261-2",
    "VATEX-FR-CGI261-3",
    "VATEX-FR-CGI261-4",
    "VATEX-FR-CGI261-5",
    "VATEX-FR-CGI261-7",
    "VATEX-FR-CGI261-8",
    "VATEX-FR-CGI261A",
    "VATEX-FR-CGI261B",
    "VATEX-FR-CGI261C-1",
    "VATEX-FR-CGI261C-2",
    "VATEX-FR-CGI261C-3",
    "VATEX-FR-CGI261D-1",
    "VATEX-FR-CGI261D-1BIS",
    "VATEX-FR-CGI261D-2",
    "VATEX-FR-CGI261D-3",
    "VATEX-FR-CGI261D-4",
    "VATEX-FR-CGI261E-1",
    "VATEX-FR-CGI261E-2",
    "VATEX-FR-CGI277A",
    "VATEX-FR-CGI275",
    "VATEX-FR-298SEXDECIESA",
    "VATEX-FR-CGI295",
    "VATEX-FR-AE",
];

/// One line of the VAT breakdown (BG-23): a category and rate, the sum of the net amounts
/// of its lines, and the VAT on it.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatBreakdown {
    /// The category, with its rate and exemption reason (BT-118, BT-119, BT-120, BT-121).
    pub category: VatCategory,
    /// The sum of the net amounts of the lines of this category and rate (BT-116).
    pub taxable_amount: Decimal,
    /// The VAT: taxable amount × rate / 100, rounded to two decimals (BT-117, BR-CO-17).
    pub tax_amount: Decimal,
}

//! GS1 Company Prefixes: whose a GTIN is. GS1 licenses each brand owner one or more GS1
//! Company Prefixes of 4 to 12 digits, and every GTIN the owner allocates begins with one
//! (GS1 General Specifications, "GS1 Company Prefix"). The contract binds each prefix to
//! one manufacturer organisation (`SetCompanyPrefixes`, by the governance admin), and
//! `Apply` refuses a GTIN outside the applicant organisation's prefixes.
//!
//! A GTIN is compared in its 14-digit form (a GTIN-8, -12 or -13 with leading zeros)
//! without its first digit (a GTIN-14's indicator) and its check digit: the 12 digits
//! [`gtin_key`] gives, which start with the company prefix. So a GTIN-13 `4006381333931`
//! and the GTIN-14s of its cases (`14006381333938`, …) are under the prefix `4006381`,
//! and a U.P.C. Company Prefix is its GS1 Company Prefix with a leading zero (`0614141`
//! covers the GTIN-12 `614141000036`). A GTIN-8 carries no company prefix (GS1 allocates
//! each one on its own): its key is its 14-digit form's `00000` and first 7 digits, so the
//! organisation it was allocated to registers those 12 digits, and no shorter prefix may
//! start with `00000` (it would capture every GTIN-8: issue 71). GS1's restricted,
//! coupon, refund and demonstration ranges are nobody's ([`validate`]).

use crate::validate::ValidationError;

/// Fewest digits of a GS1 Company Prefix.
pub const MIN_DIGITS: usize = 4;
/// Most digits of a GS1 Company Prefix.
pub const MAX_DIGITS: usize = 12;
/// Most prefixes one organisation may hold.
pub const MAX_PER_ORGANIZATION: usize = 100;

/// The ranges (GS1 Prefixes, in a GTIN's 13-digit form) GS1 keeps for numbers that
/// identify no trade item of one brand owner, and so never allocates as GS1 Company
/// Prefixes (GS1 General Specifications, "GS1 Prefixes"), each with what it is for.
/// The GTIN-8 range (`00000`) is apart: see [`GTIN_8_RANGE`].
const RESERVED: [(&str, &str); 9] = [
    ("02", "restricted-circulation range 02… (numbers assigned within a geographic region, not unique worldwide)"),
    ("04", "restricted-circulation range 04… (numbers assigned within a company, not unique worldwide)"),
    ("2", "restricted-circulation range 2… (numbers assigned within a geographic region, not unique worldwide)"),
    ("05", "coupon range 05… (coupons identify no trade item)"),
    ("980", "refund receipt range 980… (refund receipts identify no trade item)"),
    ("981", "coupon range 981… (coupons in a common currency)"),
    ("982", "coupon range 982… (coupons in a common currency)"),
    ("99", "coupon range 99… (coupons identify no trade item)"),
    ("952", "demonstration range 952… (numbers for examples and demonstrations only)"),
];

/// The start of a GTIN-8's key ([`gtin_key`]): a GTIN-8's 14-digit form is six zeros and
/// its eight digits. GS1 allocates GTIN-8s one by one (from GS1-8 Prefixes), never as a
/// range under a company prefix, so a key in this range names one GTIN-8 by all its 12
/// digits — `000009638507` for `96385074` — or nothing.
pub const GTIN_8_RANGE: &str = "00000";

/// The first digits of GTIN-8s GS1 keeps for restricted circulation within a company
/// (GS1-8 Prefixes 0 and 2).
const RESTRICTED_GTIN_8: [char; 2] = ['0', '2'];

/// The 12 digits of `gtin` that start with its company prefix: its 14-digit form
/// without the indicator digit and the check digit. `gtin` must be a valid GTIN
/// ([`crate::validate::gtin`]); anything else gives a key no prefix covers.
pub fn gtin_key(gtin: &str) -> String {
    if !gtin.bytes().all(|b| b.is_ascii_digit()) || !matches!(gtin.len(), 8 | 12 | 13 | 14) {
        return String::new();
    }
    let padded = format!("{gtin:0>14}");
    padded[1..13].to_owned()
}

/// Whether the GTIN `gtin` is under the company prefix `prefix`.
pub fn covers(prefix: &str, gtin: &str) -> bool {
    !prefix.is_empty() && gtin_key(gtin).starts_with(prefix)
}

/// Whether two prefixes share GTINs (one begins with the other).
pub fn overlap(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// A GS1 Company Prefix: 4 to 12 ASCII digits, outside the restricted-circulation
/// ranges. `field` is its path in the request.
pub fn validate(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::new(field, "is required"));
    }
    if let Some(c) = value.chars().find(|c| !c.is_ascii_digit()) {
        return Err(ValidationError::new(
            field,
            format!("a GS1 Company Prefix holds digits only, found {:?}", c.escape_default().to_string()),
        ));
    }
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&value.len()) {
        return Err(ValidationError::new(
            field,
            format!("a GS1 Company Prefix has {MIN_DIGITS} to {MAX_DIGITS} digits, got {}", value.len()),
        ));
    }
    if let Some(gtin_8) = value.strip_prefix(GTIN_8_RANGE) {
        if value.len() != MAX_DIGITS {
            return Err(ValidationError::new(
                field,
                format!(
                    "{value} is inside the GTIN-8 range {GTIN_8_RANGE}…, where GS1 allocates each GTIN-8 on its own \
                     and no GS1 Company Prefix exists: register one GTIN-8 by the 12 digits of its 14-digit form \
                     without the check digit (000009638507 for 96385074)"
                ),
            ));
        }
        if gtin_8.starts_with(RESTRICTED_GTIN_8) {
            return Err(ValidationError::new(
                field,
                format!(
                    "{value} names a GTIN-8 in GS1's restricted-circulation range (GTIN-8s starting with 0 or 2 are \
                     assigned within a company, not unique worldwide): no organisation can own it"
                ),
            ));
        }
        return Ok(());
    }
    if let Some((_, what)) = RESERVED.iter().find(|(range, _)| value.starts_with(range)) {
        return Err(ValidationError::new(field, format!("{value} is in GS1's {what}: no organisation can own it")));
    }
    Ok(())
}

/// The prefixes of one organisation, checked ([`validate`] each, at most
/// [`MAX_PER_ORGANIZATION`], none overlapping another) and sorted. `field` names the
/// list in the request (`prefixes`).
pub fn validate_set(field: &str, prefixes: &[String]) -> Result<Vec<String>, ValidationError> {
    if prefixes.len() > MAX_PER_ORGANIZATION {
        return Err(ValidationError::new(
            field,
            format!(
                "an organisation holds at most {MAX_PER_ORGANIZATION} GS1 Company Prefixes, got {}",
                prefixes.len()
            ),
        ));
    }
    for (i, prefix) in prefixes.iter().enumerate() {
        validate(&format!("{field}[{i}]"), prefix)?;
        if let Some(j) = prefixes[..i].iter().position(|earlier| overlap(earlier, prefix)) {
            return Err(ValidationError::new(
                format!("{field}[{i}]"),
                format!("{prefix} overlaps {field}[{j}] {}: list each range once", prefixes[j]),
            ));
        }
    }
    let mut sorted = prefixes.to_vec();
    sorted.sort();
    Ok(sorted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gtin_is_under_its_company_prefix_in_every_length() {
        // GTIN-13, and the GTIN-14 of a case of it (indicator 1, its own check digit).
        assert_eq!(gtin_key("4006381333931"), "400638133393");
        assert!(covers("4006381", "4006381333931"));
        assert!(covers("4006381", "14006381333938"));
        assert!(covers("400638133393", "04006381333931"));
        assert!(!covers("4006382", "4006381333931"));
        assert!(!covers("40063813339311", "4006381333931"), "longer than the key");
        // A GTIN-12: its U.P.C. Company Prefix with a leading zero.
        assert!(covers("0614141", "614141000036"));
        assert!(!covers("614141", "614141000036"));
        // A GTIN-8: the 12 digits of its 14-digit form.
        assert_eq!(gtin_key("96385074"), "000009638507");
        assert!(covers("000009638507", "96385074"));
        // Not a GTIN: covered by nothing.
        for bad in ["", "4006381", "40063813339x1", "400638133393123"] {
            assert!(!covers("4006", bad), "{bad:?}");
        }
        assert!(!covers("", "4006381333931"));
    }

    #[test]
    fn prefixes_are_4_to_12_digits_outside_restricted_circulation() {
        for good in ["4006", "4006381", "590123412345", "0614141", "000009638507", "0001234", "9781234"] {
            assert_eq!(validate("p", good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("", "required"),
            ("400", "4 to 12 digits"),
            ("4006381333931", "4 to 12 digits"),
            ("4006 381", "digits only"),
            ("４００６３８１", "digits only"),
            ("2000123", "restricted-circulation"),
            ("0212345", "restricted-circulation"),
            ("0401234", "restricted-circulation"),
            ("00000963", "GTIN-8 range"),
            ("00000", "GTIN-8 range"),
            ("000000123456", "restricted-circulation"),
            ("000002123456", "restricted-circulation"),
            ("0512345", "coupon"),
            ("9912345", "coupon"),
            ("9801234", "refund receipt"),
            ("9521234", "demonstration"),
        ] {
            let err = validate("p", bad).expect_err(bad);
            assert!(err.message.contains(why), "{bad:?}: {err}");
        }
    }

    #[test]
    fn a_set_holds_each_range_once() {
        let set = |p: &[&str]| validate_set("prefixes", &p.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(set(&["5901234", "4006381"]), Ok(vec!["4006381".to_owned(), "5901234".to_owned()]));
        assert_eq!(set(&[]), Ok(vec![]));
        let err = set(&["4006381", "40063812"]).expect_err("overlap");
        assert_eq!(err.field, "prefixes[1]");
        let err = set(&["4006381", "4006381"]).expect_err("twice");
        assert_eq!(err.field, "prefixes[1]");
        let err = set(&["4006381", "12"]).expect_err("short");
        assert_eq!(err.field, "prefixes[1]");
        let many: Vec<String> = (0..=MAX_PER_ORGANIZATION).map(|i| format!("5{i:06}")).collect();
        assert!(validate_set("prefixes", &many).is_err());
        assert!(validate_set("prefixes", &many[..MAX_PER_ORGANIZATION]).is_ok());
        assert!(overlap("4006", "4006381") && overlap("4006381", "4006") && !overlap("4006", "4007"));
    }
}

//! Deterministic, field-by-field validation of request data.
//!
//! Nothing here reads a clock, the network or a file: the same input gives the same
//! answer on every peer. Every check names the field that failed with a dotted path
//! (`nanomaterial.particle_size.d50_nm`, `depends_on[3]`) and says what was expected in
//! words a person understands. Positions in messages count characters from 1.

use std::collections::HashMap;

use crate::model::{
    Actor, Application, Nanomaterial, ParticleSizeDistribution, SafetyDataSheet, CERTIFICATE_ID_LEN,
    CERTIFICATE_ID_PREFIX,
};

/// A field failed validation. Display: "invalid {field}: {message}".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {message}")]
pub struct ValidationError {
    /// Path of the field, e.g. `nanomaterial.cas_number` or `depends_on[3]`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationError { field: field.into(), message: message.into() }
    }
}

/// Caps on every string and list a request may carry.
pub mod limits {
    /// Product name, substance name, supplier, batch, organisation names.
    pub const MAX_NAME: usize = 200;
    /// Descriptions.
    pub const MAX_TEXT: usize = 4000;
    /// Reasons for reject, suspend, reinstate and revoke.
    pub const MAX_REASON: usize = 1000;
    /// URLs, in characters.
    pub const MAX_URL: usize = 2048;
    /// Identity IDs (`x509::<subject>::<issuer>`).
    pub const MAX_ID: usize = 1024;
    /// MSP IDs.
    pub const MAX_MSP_ID: usize = 128;
    /// Supplier certificates one application may depend on.
    pub const MAX_DEPENDENCIES: usize = 32;
    /// Items in one batch request.
    pub const MAX_BATCH: usize = 1000;
    /// Longest validity a certificate may have (five years).
    pub const MAX_VALIDITY_DAYS: u32 = 1826;
    /// Largest page a query may ask for.
    pub const MAX_PAGE_SIZE: u32 = 1000;
    /// Page size used when a query asks for 0.
    pub const DEFAULT_PAGE_SIZE: u32 = 100;
    /// Largest transaction argument, in bytes.
    pub const MAX_ARGUMENT_BYTES: usize = 8 * 1024 * 1024;
}

/// Largest particle size accepted, in nm (1 mm).
const MAX_PARTICLE_NM: f64 = 1_000_000.0;
/// Largest VSSA accepted, in m²/cm³.
const MAX_VSSA: f64 = 10_000.0;

fn fail<T>(field: &str, message: impl Into<String>) -> Result<T, ValidationError> {
    Err(ValidationError::new(field, message))
}

/// A character as it should appear in a message: quoted when printable, as a code
/// point otherwise.
fn show_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("'{c}'")
    }
}

/// A value quoted for a message, cut short so that a huge input never makes a huge
/// error.
fn quote(value: &str) -> String {
    const MAX_SHOWN: usize = 40;
    if value.chars().count() <= MAX_SHOWN {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(MAX_SHOWN).collect();
        format!("{head:?}...")
    }
}

/// The first character (1-based position) failing `ok`.
fn first_bad(value: &str, ok: impl Fn(char) -> bool) -> Option<(usize, char)> {
    value.chars().enumerate().find(|&(_, c)| !ok(c)).map(|(i, c)| (i + 1, c))
}

fn digit(b: u8) -> u32 {
    u32::from(b.wrapping_sub(b'0'))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Free text: when `required`, not empty and not only whitespace; at most `max`
/// characters; no control characters other than newline and tab.
pub fn text(field: &str, value: &str, max: usize, required: bool) -> Result<(), ValidationError> {
    if required && value.is_empty() {
        return fail(field, "is required");
    }
    if required && value.trim().is_empty() {
        return fail(field, "must not be blank");
    }
    let len = value.chars().count();
    if len > max {
        return fail(field, format!("must be at most {max} characters, got {len}"));
    }
    if let Some((pos, c)) = first_bad(value, |c| !c.is_control() || c == '\n' || c == '\t') {
        return fail(field, format!("must not contain control character {} (at position {pos})", show_char(c)));
    }
    if let Some((pos, c)) = first_bad(value, |c| !is_noncharacter(c)) {
        return fail(field, format!("must not contain the Unicode noncharacter {} (at position {pos})", show_char(c)));
    }
    Ok(())
}

/// Unicode noncharacters (U+FDD0–U+FDEF and the last two code points of every plane):
/// never text, and U+10FFFF cannot be part of a ledger key.
fn is_noncharacter(c: char) -> bool {
    let cp = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&cp) || (cp & 0xFFFE) == 0xFFFE
}

/// A CAS Registry Number: 2 to 7 digits, 2 digits and a check digit, separated by
/// hyphens (`7732-18-5`). The check digit is the sum of the other digits, each
/// multiplied by its position counted from the right starting at 1, modulo 10.
pub fn cas_number(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return fail(field, "is required");
    }
    let parts: Vec<&str> = value.split('-').collect();
    let well_formed = matches!(
        parts.as_slice(),
        [a, b, c] if (2..=7).contains(&a.len()) && all_digits(a)
            && b.len() == 2 && all_digits(b)
            && c.len() == 1 && all_digits(c)
    );
    let (head, middle, check) = match parts.as_slice() {
        [a, b, c] if well_formed => (*a, *b, *c),
        _ => {
            return fail(
                field,
                format!(
                    "a CAS number must be 2 to 7 digits, a hyphen, 2 digits, a hyphen and a check digit \
                     (e.g. 7732-18-5), got {}",
                    quote(value)
                ),
            )
        }
    };
    if head.starts_with('0') {
        return fail(field, format!("a CAS number never starts with 0, got {}", quote(value)));
    }
    let sum: u32 = head.bytes().chain(middle.bytes()).rev().enumerate().map(|(i, b)| digit(b) * (i as u32 + 1)).sum();
    let expected = sum % 10;
    let actual = check.bytes().next().map_or(u32::MAX, digit);
    if actual != expected {
        return fail(field, format!("CAS check digit is {actual}, expected {expected}"));
    }
    Ok(())
}

/// An EC (EINECS/ELINCS/NLP) number: `NNN-NNN-R`. The check digit R is
/// (d1×1 + d2×2 + … + d6×6) mod 11; a remainder of 10 is never a valid EC number.
pub fn ec_number(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return fail(field, "is required");
    }
    let parts: Vec<&str> = value.split('-').collect();
    let (first, second, check) = match parts.as_slice() {
        [a, b, c]
            if a.len() == 3 && all_digits(a) && b.len() == 3 && all_digits(b) && c.len() == 1 && all_digits(c) =>
        {
            (*a, *b, *c)
        }
        _ => {
            return fail(
                field,
                format!("an EC number must have the form NNN-NNN-R (e.g. 236-675-5), got {}", quote(value)),
            )
        }
    };
    let sum: u32 = first.bytes().chain(second.bytes()).enumerate().map(|(i, b)| digit(b) * (i as u32 + 1)).sum();
    let expected = sum % 11;
    if expected == 10 {
        return fail(
            field,
            format!("{value} is not an EC number: its checksum remainder is 10, which no EC number has"),
        );
    }
    let actual = check.bytes().next().map_or(u32::MAX, digit);
    if actual != expected {
        return fail(field, format!("EC check digit is {actual}, expected {expected}"));
    }
    Ok(())
}

/// A GS1 GTIN-8, -12, -13 or -14 with a valid mod-10 check digit (weights 3, 1, 3, 1…
/// from the right, the check digit excluded).
pub fn gtin(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return fail(field, "is required");
    }
    if let Some((pos, c)) = first_bad(value, |c| c.is_ascii_digit()) {
        return fail(field, format!("a GTIN must contain only digits, found {} at position {pos}", show_char(c)));
    }
    let len = value.len();
    if ![8, 12, 13, 14].contains(&len) {
        return fail(field, format!("a GTIN must have 8, 12, 13 or 14 digits, got {len}"));
    }
    let bytes = value.as_bytes();
    let (body, check) = bytes.split_at(len - 1);
    let sum: u32 = body.iter().rev().enumerate().map(|(i, &b)| digit(b) * if i % 2 == 0 { 3 } else { 1 }).sum();
    let expected = (10 - sum % 10) % 10;
    let actual = check.first().copied().map_or(u32::MAX, digit);
    if actual != expected {
        return fail(field, format!("GTIN check digit is {actual}, expected {expected}"));
    }
    Ok(())
}

/// Lowercase hexadecimal of exactly `chars` characters.
fn lower_hex(field: &str, value: &str, chars: usize) -> Result<(), ValidationError> {
    if value.is_empty() {
        return fail(field, "is required");
    }
    if let Some((pos, c)) = first_bad(value, |c| c.is_ascii_hexdigit()) {
        return fail(field, format!("must be hexadecimal, found {} at position {pos}", show_char(c)));
    }
    if let Some((pos, c)) = first_bad(value, |c| !c.is_ascii_uppercase()) {
        return fail(field, format!("must be lowercase hexadecimal, found {} at position {pos}", show_char(c)));
    }
    let len = value.len();
    if len != chars {
        return fail(field, format!("must be exactly {chars} hexadecimal characters, got {len}"));
    }
    Ok(())
}

/// A SHA-256 digest: exactly 64 lowercase hexadecimal characters.
pub fn sha256_hex(field: &str, value: &str) -> Result<(), ValidationError> {
    lower_hex(field, value, 64)
}

/// An `http` or `https` URL with a host and without a user name or password, at most
/// [`limits::MAX_URL`] characters, without whitespace or control characters.
pub fn https_url(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return fail(field, "is required");
    }
    let len = value.chars().count();
    if len > limits::MAX_URL {
        return fail(field, format!("must be at most {} characters, got {len}", limits::MAX_URL));
    }
    // The URL parser silently drops tabs and newlines and trims spaces: refuse them so
    // that what is stored is exactly what is parsed.
    if let Some((pos, c)) = first_bad(value, |c| !c.is_control() && !c.is_whitespace()) {
        return fail(
            field,
            format!("must not contain whitespace or control characters, found {} at position {pos}", show_char(c)),
        );
    }
    let url = match url::Url::parse(value) {
        Ok(url) => url,
        Err(e) => return fail(field, format!("is not a valid URL ({e}): {}", quote(value))),
    };
    let scheme = url.scheme();
    if scheme != "https" && scheme != "http" {
        return fail(field, format!("must be an http or https URL, got scheme {}", quote(scheme)));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return fail(field, "must have a host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return fail(field, "must not contain a user name or password");
    }
    Ok(())
}

/// A Fabric MSP ID: 1 to [`limits::MAX_MSP_ID`] characters of `A-Z a-z 0-9 . _ -`.
pub fn msp_id(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return fail(field, "is required");
    }
    let len = value.chars().count();
    if len > limits::MAX_MSP_ID {
        return fail(field, format!("must be at most {} characters, got {len}", limits::MAX_MSP_ID));
    }
    if let Some((pos, c)) = first_bad(value, |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return fail(
            field,
            format!("may contain only letters, digits, '.', '_' and '-', found {} at position {pos}", show_char(c)),
        );
    }
    Ok(())
}

/// A certificate ID: `NT-` and exactly 12 characters of the RFC 4648 base32 alphabet
/// (`A-Z`, `2-7`), uppercase only.
pub fn certificate_id(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return fail(field, "is required");
    }
    let Some(rest) = value.strip_prefix(CERTIFICATE_ID_PREFIX) else {
        return fail(
            field,
            format!("a certificate ID must start with {CERTIFICATE_ID_PREFIX:?}, got {}", quote(value)),
        );
    };
    let len = rest.chars().count();
    if len != CERTIFICATE_ID_LEN {
        return fail(
            field,
            format!(
                "a certificate ID must have exactly {CERTIFICATE_ID_LEN} characters after {CERTIFICATE_ID_PREFIX:?}, \
                 got {len}"
            ),
        );
    }
    let offset = CERTIFICATE_ID_PREFIX.chars().count();
    if let Some((pos, c)) = first_bad(rest, |c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)) {
        let pos = pos + offset;
        let message = if c.is_ascii_lowercase() {
            format!("a certificate ID must be uppercase, found {} at position {pos}", show_char(c))
        } else {
            format!("a certificate ID uses only A-Z and 2-7 (base32), found {} at position {pos}", show_char(c))
        };
        return fail(field, message);
    }
    Ok(())
}

/// Lowercase hexadecimal decoding to exactly `len` bytes.
pub fn hex_bytes(field: &str, value: &str, len: usize) -> Result<Vec<u8>, ValidationError> {
    lower_hex(field, value, len.saturating_mul(2))?;
    hex::decode(value).map_err(|e| ValidationError::new(field, format!("is not valid hexadecimal: {e}")))
}

fn finite(field: &str, value: f64) -> Result<(), ValidationError> {
    if value.is_finite() {
        Ok(())
    } else {
        fail(field, format!("must be a finite number, got {value}"))
    }
}

/// A particle size distribution by number: every value finite,
/// 0 < d10 ≤ d50 ≤ d90 ≤ 1 000 000 nm and 0 ≤ fraction_1_100nm ≤ 1. `field` is the
/// path of the distribution, e.g. `nanomaterial.particle_size`.
pub fn particle_size(field: &str, psd: &ParticleSizeDistribution) -> Result<(), ValidationError> {
    let path = |name: &str| format!("{field}.{name}");
    let sizes = [("d10_nm", psd.d10_nm), ("d50_nm", psd.d50_nm), ("d90_nm", psd.d90_nm)];
    for (name, value) in sizes {
        finite(&path(name), value)?;
    }
    finite(&path("fraction_1_100nm"), psd.fraction_1_100nm)?;
    if psd.d10_nm <= 0.0 {
        return fail(&path("d10_nm"), format!("must be greater than 0 nm, got {} nm", psd.d10_nm));
    }
    for pair in sizes.windows(2) {
        let [(lower_name, lower), (name, value)] = pair else { continue };
        if value < lower {
            return fail(&path(name), format!("must be at least {lower_name} ({lower} nm), got {value} nm"));
        }
    }
    if psd.d90_nm > MAX_PARTICLE_NM {
        return fail(&path("d90_nm"), format!("must be at most {MAX_PARTICLE_NM} nm (1 mm), got {} nm", psd.d90_nm));
    }
    let fraction = psd.fraction_1_100nm;
    if !(0.0..=1.0).contains(&fraction) {
        return fail(&path("fraction_1_100nm"), format!("must be a number fraction between 0 and 1, got {fraction}"));
    }
    Ok(())
}

/// The declared nanomaterial; `field` is its path, e.g. `nanomaterial`.
pub fn nanomaterial(field: &str, n: &Nanomaterial) -> Result<(), ValidationError> {
    let path = |name: &str| format!("{field}.{name}");
    text(&path("substance_name"), &n.substance_name, limits::MAX_NAME, true)?;
    cas_number(&path("cas_number"), &n.cas_number)?;
    if let Some(ec) = &n.ec_number {
        ec_number(&path("ec_number"), ec)?;
    }
    particle_size(&path("particle_size"), &n.particle_size)?;
    text(&path("surface_treatment"), &n.surface_treatment, limits::MAX_NAME, false)?;
    let vssa_field = path("vssa_m2_per_cm3");
    let vssa = n.vssa_m2_per_cm3;
    finite(&vssa_field, vssa)?;
    if vssa <= 0.0 {
        return fail(&vssa_field, format!("must be greater than 0 m²/cm³, got {vssa}"));
    }
    if vssa > MAX_VSSA {
        return fail(&vssa_field, format!("must be at most {MAX_VSSA} m²/cm³, got {vssa}"));
    }
    Ok(())
}

/// A safety data sheet reference; `field` is its path, e.g. `sds`.
pub fn safety_data_sheet(field: &str, sds: &SafetyDataSheet) -> Result<(), ValidationError> {
    https_url(&format!("{field}.url"), &sds.url)?;
    sha256_hex(&format!("{field}.sha256"), &sds.sha256)?;
    if sds.revision < 1 {
        return fail(&format!("{field}.revision"), format!("must be at least 1, got {}", sds.revision));
    }
    Ok(())
}

/// Everything in an application, in declaration order; the first failure is returned.
pub fn application(app: &Application) -> Result<(), ValidationError> {
    text("product_name", &app.product_name, limits::MAX_NAME, true)?;
    text("product_description", &app.product_description, limits::MAX_TEXT, false)?;
    if let Some(code) = &app.gtin {
        gtin("gtin", code)?;
    }
    text("batch", &app.batch, limits::MAX_NAME, true)?;
    text("supplier", &app.supplier, limits::MAX_NAME, true)?;
    let days = app.requested_validity_days;
    if !(1..=limits::MAX_VALIDITY_DAYS).contains(&days) {
        return fail(
            "requested_validity_days",
            format!("must be between 1 and {} days, got {days}", limits::MAX_VALIDITY_DAYS),
        );
    }
    nanomaterial("nanomaterial", &app.nanomaterial)?;
    safety_data_sheet("sds", &app.sds)?;
    let count = app.depends_on.len();
    if count > limits::MAX_DEPENDENCIES {
        return fail("depends_on", format!("must list at most {} certificates, got {count}", limits::MAX_DEPENDENCIES));
    }
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(count);
    for (i, id) in app.depends_on.iter().enumerate() {
        let field = format!("depends_on[{i}]");
        certificate_id(&field, id)?;
        if let Some(first) = seen.insert(id.as_str(), i) {
            return fail(&field, format!("duplicates depends_on[{first}] ({id})"));
        }
    }
    Ok(())
}

/// A Fabric identity: a valid MSP ID and a non-empty ID of at most [`limits::MAX_ID`]
/// characters. `field` is its path, e.g. `identity`.
pub fn actor(field: &str, a: &Actor) -> Result<(), ValidationError> {
    msp_id(&format!("{field}.msp_id"), &a.msp_id)?;
    text(&format!("{field}.id"), &a.id, limits::MAX_ID, true)
}

/// A realistic application for a nano-TiO₂ sunscreen, valid in every field.
#[cfg(test)]
pub fn sample_application() -> Application {
    use crate::model::Shape;
    Application {
        product_name: "SolarShield Mineral Sunscreen SPF 50".to_owned(),
        product_description: "Broad-spectrum sunscreen lotion.\nContains nano titanium dioxide as UV filter."
            .to_owned(),
        gtin: Some("4006381333931".to_owned()),
        batch: "LOT-2025-0412-A".to_owned(),
        supplier: "Kronos Nano Pigments GmbH".to_owned(),
        requested_validity_days: 365,
        nanomaterial: Nanomaterial {
            substance_name: "Titanium dioxide".to_owned(),
            cas_number: "13463-67-7".to_owned(),
            ec_number: Some("236-675-5".to_owned()),
            particle_size: ParticleSizeDistribution {
                d10_nm: 18.0,
                d50_nm: 35.0,
                d90_nm: 80.0,
                fraction_1_100nm: 0.92,
            },
            shape: Shape::Rod,
            surface_treatment: "alumina, simethicone".to_owned(),
            vssa_m2_per_cm3: 210.0,
        },
        sds: SafetyDataSheet {
            url: "https://sds.example.com/solarshield/tio2-nano-rev3.pdf".to_owned(),
            sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".to_owned(),
            revision: 3,
        },
        depends_on: vec!["NT-ABCDEFGH2345".to_owned(), "NT-QRSTUVWXYZ67".to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of<T>(r: Result<T, ValidationError>) -> String {
        match r {
            Ok(_) => panic!("expected a validation error"),
            Err(e) => e.field,
        }
    }

    fn message_of<T>(r: Result<T, ValidationError>) -> String {
        match r {
            Ok(_) => panic!("expected a validation error"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn error_display() {
        let e = ValidationError::new("gtin", "GTIN check digit is 2, expected 1");
        assert_eq!(e.to_string(), "invalid gtin: GTIN check digit is 2, expected 1");
    }

    // --- text -------------------------------------------------------------------------

    #[test]
    fn text_required_and_blank() {
        assert!(text("f", "hello", 10, true).is_ok());
        assert!(text("f", "", 10, false).is_ok());
        assert_eq!(message_of(text("f", "", 10, true)), "is required");
        assert_eq!(message_of(text("f", " \t\n ", 10, true)), "must not be blank");
    }

    #[test]
    fn text_length_counts_characters() {
        assert!(text("f", &"é".repeat(200), limits::MAX_NAME, true).is_ok());
        let e = text("product_name", &"x".repeat(250), limits::MAX_NAME, true).unwrap_err();
        assert_eq!(e.field, "product_name");
        assert_eq!(e.message, "must be at most 200 characters, got 250");
    }

    #[test]
    fn text_control_characters() {
        assert!(text("f", "line one\nline two\tend", 100, true).is_ok());
        assert_eq!(
            message_of(text("f", "bell\u{7}", 100, true)),
            "must not contain control character U+0007 (at position 5)"
        );
        assert!(text("f", "nul\0", 100, true).is_err());
        assert!(text("f", "cr\r\n", 100, true).is_err());
        assert!(text("f", "esc\u{1b}[31m", 100, true).is_err());
        assert!(text("f", "del\u{7f}", 100, true).is_err());
    }

    // --- CAS --------------------------------------------------------------------------

    #[test]
    fn cas_valid() {
        for cas in ["7732-18-5", "13463-67-7", "7440-22-4", "1333-86-4", "50-00-0", "64-17-5"] {
            assert!(cas_number("cas", cas).is_ok(), "{cas}");
        }
    }

    #[test]
    fn cas_bad_check_digit() {
        assert_eq!(message_of(cas_number("cas", "7732-18-4")), "CAS check digit is 4, expected 5");
        assert_eq!(message_of(cas_number("cas", "13463-67-8")), "CAS check digit is 8, expected 7");
    }

    #[test]
    fn cas_bad_format() {
        for bad in [
            "",
            "7732185",
            "7-18-5",
            "12345678-18-5",
            "7732-1-5",
            "7732-188-5",
            "7732-18-55",
            "7732-18-",
            "7732-18-X",
            "77a2-18-5",
            " 7732-18-5",
            "7732-18-5 ",
            "7732--18-5",
            "7732-18-5-1",
            "７７３２-18-5",
            "0732-18-5",
        ] {
            let e = cas_number("nanomaterial.cas_number", bad).unwrap_err();
            assert_eq!(e.field, "nanomaterial.cas_number", "{bad}");
        }
    }

    // --- EC ---------------------------------------------------------------------------

    #[test]
    fn ec_valid() {
        for ec in ["236-675-5", "231-131-3", "200-001-8", "231-791-2"] {
            assert!(ec_number("ec", ec).is_ok(), "{ec}");
        }
    }

    #[test]
    fn ec_bad_check_digit() {
        assert_eq!(message_of(ec_number("ec", "236-675-4")), "EC check digit is 4, expected 5");
    }

    #[test]
    fn ec_remainder_ten_is_never_valid() {
        // 200-200-R: 2×1 + 2×4 = 10, so no check digit can make it valid.
        let e = ec_number("nanomaterial.ec_number", "200-200-0").unwrap_err();
        assert_eq!(e.field, "nanomaterial.ec_number");
        assert!(e.message.contains("remainder is 10"), "{}", e.message);
        for r in 0..=9 {
            assert!(ec_number("ec", &format!("200-200-{r}")).is_err());
        }
    }

    #[test]
    fn ec_bad_format() {
        for bad in ["", "236675-5", "236-675-55", "23-675-5", "2366-675-5", "236-67a-5", "236-675", "236_675_5"] {
            assert!(ec_number("ec", bad).is_err(), "{bad}");
        }
    }

    // --- GTIN -------------------------------------------------------------------------

    #[test]
    fn gtin_valid_all_lengths() {
        for code in [
            "96385074",       // GTIN-8
            "036000291452",   // GTIN-12 (UPC-A)
            "4006381333931",  // GTIN-13
            "5901234123457",  // GTIN-13
            "10614141000415", // GTIN-14
            "00012345600012", // GTIN-14 with leading zeros
        ] {
            assert!(gtin("gtin", code).is_ok(), "{code}");
        }
    }

    #[test]
    fn gtin_bad_check_digit() {
        assert_eq!(message_of(gtin("gtin", "4006381333932")), "GTIN check digit is 2, expected 1");
        assert_eq!(message_of(gtin("gtin", "96385075")), "GTIN check digit is 5, expected 4");
        assert!(gtin("gtin", "036000291453").is_err());
        assert!(gtin("gtin", "10614141000416").is_err());
    }

    #[test]
    fn gtin_bad_length_and_letters() {
        assert_eq!(message_of(gtin("gtin", "1234567")), "a GTIN must have 8, 12, 13 or 14 digits, got 7");
        for bad in ["", "123456789", "1234567890", "12345678901", "123456789012345"] {
            assert!(gtin("gtin", bad).is_err(), "{bad}");
        }
        assert_eq!(
            message_of(gtin("gtin", "40063A1333931")),
            "a GTIN must contain only digits, found 'A' at position 6"
        );
        assert!(gtin("gtin", "4006381333931 ").is_err());
        assert!(gtin("gtin", "-4006381333931").is_err());
    }

    // --- hashes and hex ---------------------------------------------------------------

    const GOOD_HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn sha256_valid() {
        assert!(sha256_hex("sds.sha256", GOOD_HASH).is_ok());
    }

    #[test]
    fn sha256_invalid() {
        assert_eq!(
            message_of(sha256_hex("h", &GOOD_HASH.to_uppercase())),
            "must be lowercase hexadecimal, found 'F' at position 2"
        );
        assert_eq!(message_of(sha256_hex("h", &GOOD_HASH[..63])), "must be exactly 64 hexadecimal characters, got 63");
        assert!(sha256_hex("h", &format!("{GOOD_HASH}0")).is_err());
        assert!(sha256_hex("h", "").is_err());
        let non_hex = format!("g{}", &GOOD_HASH[1..]);
        assert_eq!(message_of(sha256_hex("h", &non_hex)), "must be hexadecimal, found 'g' at position 1");
        assert!(sha256_hex("h", &format!("0x{}", &GOOD_HASH[2..])).is_err());
        assert!(sha256_hex("h", &format!(" {}", &GOOD_HASH[1..])).is_err());
    }

    #[test]
    fn hex_bytes_decodes_exact_length() {
        let key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        let bytes = hex_bytes("public_key", key, 32).unwrap();
        assert_eq!(bytes.len(), 32);
        assert_eq!(bytes[0], 0xd7);
        assert_eq!(field_of(hex_bytes("public_key", &key[..62], 32)), "public_key");
        assert!(hex_bytes("public_key", &key.to_uppercase(), 32).is_err());
        assert!(hex_bytes("signature", key, 64).is_err());
        assert!(hex_bytes("x", "zz", 1).is_err());
        assert_eq!(hex_bytes("x", "00ff", 2).unwrap(), vec![0, 255]);
    }

    // --- URLs -------------------------------------------------------------------------

    #[test]
    fn url_valid() {
        for u in [
            "https://sds.example.com/tio2.pdf",
            "http://example.org/a/b?rev=3#page=2",
            "https://example.com:8443/sds",
            "https://192.0.2.10/sds.pdf",
        ] {
            assert!(https_url("sds.url", u).is_ok(), "{u}");
        }
    }

    #[test]
    fn url_invalid() {
        assert_eq!(
            message_of(https_url("sds.url", "ftp://example.com/sds.pdf")),
            "must be an http or https URL, got scheme \"ftp\""
        );
        assert!(https_url("sds.url", "javascript:alert(1)").is_err());
        assert!(https_url("sds.url", "data:text/html,<script>alert(1)</script>").is_err());
        assert!(https_url("sds.url", "file:///etc/passwd").is_err());
        assert!(https_url("sds.url", "https://").is_err());
        assert!(https_url("sds.url", "https:").is_err());
        assert!(https_url("sds.url", "/relative/path.pdf").is_err());
        assert!(https_url("sds.url", "example.com/sds.pdf").is_err());
        assert!(https_url("sds.url", "").is_err());
        assert_eq!(
            message_of(https_url("sds.url", "https://user:secret@example.com/sds.pdf")),
            "must not contain a user name or password"
        );
        assert!(https_url("sds.url", "https://user@example.com/sds.pdf").is_err());
        assert!(https_url("sds.url", "https://exa mple.com/").is_err());
        assert!(https_url("sds.url", "https://example.com/\nsds.pdf").is_err());
        assert!(https_url("sds.url", " https://example.com/").is_err());
    }

    #[test]
    fn url_length_cap() {
        let base = "https://example.com/";
        let ok = format!("{base}{}", "a".repeat(limits::MAX_URL - base.len()));
        assert!(https_url("sds.url", &ok).is_ok());
        let long = format!("{ok}a");
        assert_eq!(message_of(https_url("sds.url", &long)), "must be at most 2048 characters, got 2049");
    }

    // --- MSP IDs, actors --------------------------------------------------------------

    #[test]
    fn msp_ids() {
        for ok in ["Org1MSP", "certifier-msp.example_1", "A"] {
            assert!(msp_id("msp_id", ok).is_ok(), "{ok}");
        }
        assert!(msp_id("msp_id", &"M".repeat(128)).is_ok());
        assert_eq!(message_of(msp_id("msp_id", &"M".repeat(129))), "must be at most 128 characters, got 129");
        assert_eq!(message_of(msp_id("msp_id", "")), "is required");
        assert_eq!(
            message_of(msp_id("msp_id", "Org 1")),
            "may contain only letters, digits, '.', '_' and '-', found U+0020 at position 4"
        );
        assert!(msp_id("msp_id", "Org1MSP/admin").is_err());
        assert!(msp_id("msp_id", "Örg1").is_err());
    }

    #[test]
    fn actors() {
        let good = Actor { msp_id: "Org1MSP".into(), id: "x509::CN=alice,O=Org1::CN=ca.org1".into() };
        assert!(actor("identity", &good).is_ok());
        let bad_msp = Actor { msp_id: "Org 1".into(), ..good.clone() };
        assert_eq!(field_of(actor("identity", &bad_msp)), "identity.msp_id");
        let no_id = Actor { id: String::new(), ..good.clone() };
        assert_eq!(field_of(actor("identity", &no_id)), "identity.id");
        let long_id = Actor { id: "x".repeat(limits::MAX_ID + 1), ..good };
        assert_eq!(message_of(actor("identity", &long_id)), "must be at most 1024 characters, got 1025");
    }

    // --- certificate IDs --------------------------------------------------------------

    #[test]
    fn certificate_ids_valid() {
        for id in ["NT-ABCDEFGH2345", "NT-QRSTUVWXYZ67", "NT-222222222222", "NT-AAAAAAAAAAAA"] {
            assert!(certificate_id("certificate_id", id).is_ok(), "{id}");
        }
    }

    #[test]
    fn certificate_ids_invalid() {
        assert_eq!(
            message_of(certificate_id("certificate_id", "NT-abcdefgh2345")),
            "a certificate ID must be uppercase, found 'a' at position 4"
        );
        assert!(certificate_id("certificate_id", "nt-ABCDEFGH2345").is_err());
        assert!(certificate_id("certificate_id", "XX-ABCDEFGH2345").is_err());
        assert!(certificate_id("certificate_id", "ABCDEFGH2345").is_err());
        assert!(certificate_id("certificate_id", "").is_err());
        for ambiguous in ['0', '1', '8', '9'] {
            let id = format!("NT-ABCDEFGH234{ambiguous}");
            let m = message_of(certificate_id("certificate_id", &id));
            assert_eq!(
                m,
                format!("a certificate ID uses only A-Z and 2-7 (base32), found '{ambiguous}' at position 15")
            );
        }
        assert_eq!(
            message_of(certificate_id("certificate_id", "NT-ABCDEFGH234")),
            "a certificate ID must have exactly 12 characters after \"NT-\", got 11"
        );
        assert!(certificate_id("certificate_id", "NT-ABCDEFGH23456").is_err());
        assert!(certificate_id("certificate_id", "NT-ABCDEFGH-345").is_err());
        assert!(certificate_id("certificate_id", "NT-ABCDEFGH234=").is_err());
        assert!(certificate_id("certificate_id", "NT-ÄBCDEFGH2345").is_err());
    }

    // --- particle size ----------------------------------------------------------------

    fn psd(d10: f64, d50: f64, d90: f64, fraction: f64) -> ParticleSizeDistribution {
        ParticleSizeDistribution { d10_nm: d10, d50_nm: d50, d90_nm: d90, fraction_1_100nm: fraction }
    }

    const PSD: &str = "nanomaterial.particle_size";

    #[test]
    fn psd_valid() {
        assert!(particle_size(PSD, &psd(18.0, 35.0, 80.0, 0.92)).is_ok());
        assert!(particle_size(PSD, &psd(50.0, 50.0, 50.0, 0.0)).is_ok());
        assert!(particle_size(PSD, &psd(0.5, 1.0, 1_000_000.0, 1.0)).is_ok());
    }

    #[test]
    fn psd_ordering() {
        let e = particle_size(PSD, &psd(40.0, 30.0, 80.0, 0.5)).unwrap_err();
        assert_eq!(e.field, "nanomaterial.particle_size.d50_nm");
        assert_eq!(e.message, "must be at least d10_nm (40 nm), got 30 nm");
        let e = particle_size(PSD, &psd(10.0, 30.0, 20.0, 0.5)).unwrap_err();
        assert_eq!(e.field, "nanomaterial.particle_size.d90_nm");
        assert_eq!(
            field_of(particle_size(PSD, &psd(10.0, 30.0, 1_000_001.0, 0.5))),
            "nanomaterial.particle_size.d90_nm"
        );
    }

    #[test]
    fn psd_non_finite_and_negative() {
        let e = particle_size(PSD, &psd(f64::NAN, 30.0, 80.0, 0.5)).unwrap_err();
        assert_eq!(e.field, "nanomaterial.particle_size.d10_nm");
        assert_eq!(e.message, "must be a finite number, got NaN");
        assert_eq!(field_of(particle_size(PSD, &psd(10.0, f64::NAN, 80.0, 0.5))), "nanomaterial.particle_size.d50_nm");
        assert_eq!(
            field_of(particle_size(PSD, &psd(10.0, 30.0, f64::INFINITY, 0.5))),
            "nanomaterial.particle_size.d90_nm"
        );
        assert_eq!(
            field_of(particle_size(PSD, &psd(10.0, 30.0, 80.0, f64::NAN))),
            "nanomaterial.particle_size.fraction_1_100nm"
        );
        let e = particle_size(PSD, &psd(-5.0, 30.0, 80.0, 0.5)).unwrap_err();
        assert_eq!(e.field, "nanomaterial.particle_size.d10_nm");
        assert_eq!(e.message, "must be greater than 0 nm, got -5 nm");
        assert!(particle_size(PSD, &psd(0.0, 30.0, 80.0, 0.5)).is_err());
    }

    #[test]
    fn psd_fraction_bounds() {
        let e = particle_size(PSD, &psd(10.0, 30.0, 80.0, 1.5)).unwrap_err();
        assert_eq!(e.field, "nanomaterial.particle_size.fraction_1_100nm");
        assert_eq!(e.message, "must be a number fraction between 0 and 1, got 1.5");
        assert!(particle_size(PSD, &psd(10.0, 30.0, 80.0, -0.01)).is_err());
    }

    // --- applications -----------------------------------------------------------------

    #[test]
    fn sample_application_is_valid() {
        assert_eq!(application(&sample_application()), Ok(()));
        let mut minimal = sample_application();
        minimal.product_description.clear();
        minimal.gtin = None;
        minimal.nanomaterial.ec_number = None;
        minimal.nanomaterial.surface_treatment.clear();
        minimal.depends_on.clear();
        assert_eq!(application(&minimal), Ok(()));
    }

    #[test]
    fn each_broken_field_is_named() {
        type Breaker = fn(&mut Application);
        let cases: &[(&str, Breaker)] = &[
            ("product_name", |a| a.product_name.clear()),
            ("product_name", |a| a.product_name = "   ".into()),
            ("product_name", |a| a.product_name = "x".repeat(limits::MAX_NAME + 1)),
            ("product_name", |a| a.product_name = "Sun\u{0}screen".into()),
            ("product_description", |a| a.product_description = "d".repeat(limits::MAX_TEXT + 1)),
            ("gtin", |a| a.gtin = Some("4006381333932".into())),
            ("gtin", |a| a.gtin = Some(String::new())),
            ("batch", |a| a.batch.clear()),
            ("batch", |a| a.batch = "b".repeat(limits::MAX_NAME + 1)),
            ("supplier", |a| a.supplier.clear()),
            ("requested_validity_days", |a| a.requested_validity_days = 0),
            ("requested_validity_days", |a| a.requested_validity_days = limits::MAX_VALIDITY_DAYS + 1),
            ("nanomaterial.substance_name", |a| a.nanomaterial.substance_name.clear()),
            ("nanomaterial.cas_number", |a| a.nanomaterial.cas_number = "13463-67-8".into()),
            ("nanomaterial.cas_number", |a| a.nanomaterial.cas_number = "TiO2".into()),
            ("nanomaterial.ec_number", |a| a.nanomaterial.ec_number = Some("236-675-4".into())),
            ("nanomaterial.particle_size.d10_nm", |a| a.nanomaterial.particle_size.d10_nm = -1.0),
            ("nanomaterial.particle_size.d50_nm", |a| a.nanomaterial.particle_size.d50_nm = 5.0),
            ("nanomaterial.particle_size.d90_nm", |a| a.nanomaterial.particle_size.d90_nm = f64::NAN),
            ("nanomaterial.particle_size.fraction_1_100nm", |a| a.nanomaterial.particle_size.fraction_1_100nm = 1.01),
            ("nanomaterial.surface_treatment", |a| a.nanomaterial.surface_treatment = "s".repeat(limits::MAX_NAME + 1)),
            ("nanomaterial.vssa_m2_per_cm3", |a| a.nanomaterial.vssa_m2_per_cm3 = 0.0),
            ("nanomaterial.vssa_m2_per_cm3", |a| a.nanomaterial.vssa_m2_per_cm3 = -3.0),
            ("nanomaterial.vssa_m2_per_cm3", |a| a.nanomaterial.vssa_m2_per_cm3 = f64::INFINITY),
            ("nanomaterial.vssa_m2_per_cm3", |a| a.nanomaterial.vssa_m2_per_cm3 = 10_000.5),
            ("sds.url", |a| a.sds.url = "ftp://example.com/sds.pdf".into()),
            ("sds.url", |a| a.sds.url = "javascript:alert(1)".into()),
            ("sds.sha256", |a| a.sds.sha256 = a.sds.sha256.to_uppercase()),
            ("sds.revision", |a| a.sds.revision = 0),
            ("depends_on[1]", |a| a.depends_on[1] = "NT-qrstuvwxyz67".into()),
            ("depends_on[0]", |a| a.depends_on[0] = "NT-ABCDEFGH2340".into()),
            ("depends_on[2]", |a| a.depends_on.push("NT-ABCDEFGH2345".into())),
            ("depends_on", |a| {
                a.depends_on = (0..=limits::MAX_DEPENDENCIES).map(|i| format!("NT-AAAAAAAAA{:03}", i + 222)).collect()
            }),
        ];
        for (field, break_it) in cases {
            let mut app = sample_application();
            break_it(&mut app);
            match application(&app) {
                Ok(()) => panic!("breaking {field} was accepted"),
                Err(e) => assert_eq!(&e.field, field, "{e}"),
            }
        }
    }

    #[test]
    fn duplicate_dependency_message() {
        let mut app = sample_application();
        app.depends_on.push("NT-ABCDEFGH2345".into());
        let e = application(&app).unwrap_err();
        assert_eq!(e.to_string(), "invalid depends_on[2]: duplicates depends_on[0] (NT-ABCDEFGH2345)");
    }

    #[test]
    fn max_dependencies_accepted() {
        let mut app = sample_application();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".as_bytes();
        app.depends_on =
            alphabet.iter().take(limits::MAX_DEPENDENCIES).map(|&c| format!("NT-AAAAAAAAAAA{}", c as char)).collect();
        assert_eq!(application(&app), Ok(()));
    }

    #[test]
    fn long_values_are_quoted_short() {
        let huge = "9".repeat(100_000);
        let m = message_of(cas_number("cas", &huge));
        assert!(m.len() < 200, "{m}");
    }
}

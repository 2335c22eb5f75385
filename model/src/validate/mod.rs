//! Deterministic, field-by-field validation of request data.
//!
//! Nothing here reads a clock, the network or a file: the same input gives the same
//! answer on every peer. Every check names the field that failed with a dotted path
//! (`nanomaterial.particle_size.d50_nm`, `depends_on[3]`) and says what was expected in
//! words a person understands. Positions in messages count characters from 1.

use std::collections::HashMap;

use crate::{
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
    /// An error for `field` (a dotted path) saying `message`.
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
    /// Status-list positions one certificate may retire (one per credential signed anew).
    pub const MAX_RETIRED_POSITIONS: usize = 64;
    /// Longest validity a certificate may have (five years).
    pub const MAX_VALIDITY_DAYS: u32 = 1826;
    /// Largest page a query may ask for.
    pub const MAX_PAGE_SIZE: u32 = 1000;
    /// Page size used when a query asks for 0.
    pub const DEFAULT_PAGE_SIZE: u32 = 100;
    /// Largest transaction argument, in bytes.
    pub const MAX_ARGUMENT_BYTES: usize = 8 * 1024 * 1024;
    /// Client references ([`Application::client_ref`](crate::Application::client_ref)),
    /// in characters.
    pub const MAX_CLIENT_REF: usize = 128;
}

/// A measured quantity an application declares: the range a value must lie in and the
/// most decimals it may have. Within these, a value's shortest decimal form has at most 7
/// decimals and no exponent, so `serde_json`, RFC 8785 (JCS) and JCS libraries that write
/// numbers with a fixed 7 decimals all write the same text, and a credential's proof covers
/// the same bytes for every verifier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity {
    /// The smallest value accepted.
    pub min: f64,
    /// The largest value accepted.
    pub max: f64,
    /// The most decimals a value may have.
    pub decimals: usize,
    /// The unit, as written after a value in a message (with its leading space).
    pub unit: &'static str,
    /// What the range means, added to the range's message (with its leading space).
    pub note: &'static str,
}

/// The range and precision of each measured quantity.
pub mod quantities {
    use super::Quantity;

    /// A particle size (D10, D50, D90) in nm: 0.1 nm (about an atom's radius; no particle
    /// is smaller) to 1 000 000 nm (1 mm), at most 3 decimals (1 pm, finer than any sizing
    /// method resolves).
    pub const PARTICLE_SIZE_NM: Quantity = Quantity { min: 0.1, max: 1_000_000.0, decimals: 3, unit: " nm", note: "" };

    /// The number fraction of particles in 1–100 nm: 0 to 1, at most 4 decimals (0.01
    /// percentage points; the EU definition's threshold is 0.5).
    pub const NUMBER_FRACTION: Quantity =
        Quantity { min: 0.0, max: 1.0, decimals: 4, unit: "", note: " (a number fraction: 0.5 is 50 %)" };

    /// The volume-specific surface area in m²/cm³: 0.001 (spheres of 6 mm) to 10 000
    /// (spheres of 0.6 nm), at most 3 decimals (the EU definition's threshold is 6).
    pub const VSSA_M2_PER_CM3: Quantity =
        Quantity { min: 0.001, max: 10_000.0, decimals: 3, unit: " m²/cm³", note: "" };
}

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

/// Whether `c` ends a line anywhere text is shown: LF, VT, FF, CR, NEL (U+0085) and the
/// Unicode line and paragraph separators (U+2028, U+2029), the mandatory breaks of
/// Unicode's line breaking algorithm (UAX #14).
pub fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// One line of text (a name, a batch, an ID): when `required`, not empty and not only
/// whitespace; at most `max` characters; no line break of any kind ([`is_line_break`]),
/// no other control character than tab, no Unicode noncharacter.
pub fn text(field: &str, value: &str, max: usize, required: bool) -> Result<(), ValidationError> {
    free_text(field, value, max, required)?;
    if let Some((pos, c)) = first_bad(value, |c| !is_line_break(c)) {
        return fail(field, format!("must be a single line, found line break {} at position {pos}", show_char(c)));
    }
    text_characters(field, value)
}

/// Text that may span lines (a description, a reason): as [`text`], except that a line
/// feed (U+000A) separates lines. No other line break is accepted (CR, VT, FF and NEL are
/// control characters; U+2028 and U+2029 are refused by name), so every reader splits the
/// text into the same lines.
pub fn multiline_text(field: &str, value: &str, max: usize, required: bool) -> Result<(), ValidationError> {
    free_text(field, value, max, required)?;
    text_characters(field, value)?;
    if let Some((pos, c)) = first_bad(value, |c| c == '\n' || !is_line_break(c)) {
        return fail(
            field,
            format!("must separate lines with U+000A only, found line break {} at position {pos}", show_char(c)),
        );
    }
    Ok(())
}

/// Presence and length of a text field.
fn free_text(field: &str, value: &str, max: usize, required: bool) -> Result<(), ValidationError> {
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
    Ok(())
}

/// No control character other than line feed and tab, and no Unicode noncharacter.
fn text_characters(field: &str, value: &str) -> Result<(), ValidationError> {
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

/// A client reference ([`Application::client_ref`]): 1 to [`limits::MAX_CLIENT_REF`]
/// characters of `A-Z a-z 0-9 . _ : -` (it becomes part of a ledger key, so nothing that
/// could be confused with the key's separator, no spaces, no Unicode look-alikes).
pub fn client_ref(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return fail(field, "is required (omit the field for no reference)");
    }
    let len = value.chars().count();
    if len > limits::MAX_CLIENT_REF {
        return fail(field, format!("must be at most {} characters, got {len}", limits::MAX_CLIENT_REF));
    }
    if let Some((pos, c)) = first_bad(value, |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')) {
        return fail(
            field,
            format!(
                "may contain only letters, digits, '.', '_', ':' and '-', found {} at position {pos}",
                show_char(c)
            ),
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

/// A number as a message shows it: its shortest decimal form, or in exponent form when
/// that would be long (5e-324).
fn show_number(value: f64) -> String {
    let plain = format!("{value}");
    if plain.len() > 24 {
        format!("{value:e}")
    } else {
        plain
    }
}

/// The decimals of `value`'s shortest decimal form (the one that reads back as `value`).
fn decimals(value: f64) -> usize {
    format!("{value}").split_once('.').map_or(0, |(_, fraction)| fraction.len())
}

/// A measured value of quantity `q`: finite, not negative zero, within `q`'s range and
/// with at most `q.decimals` decimals.
pub fn measured(field: &str, value: f64, q: &Quantity) -> Result<(), ValidationError> {
    finite(field, value)?;
    if value == 0.0 && value.is_sign_negative() {
        return fail(field, "must not be negative zero (-0): write 0");
    }
    let unit = q.unit;
    if !(q.min..=q.max).contains(&value) {
        let (min, max, note) = (q.min, q.max, q.note);
        return fail(field, format!("must be between {min} and {max}{unit}{note}, got {}{unit}", show_number(value)));
    }
    if decimals(value) > q.decimals {
        return fail(field, format!("must have at most {} decimals, got {}{unit}", q.decimals, show_number(value)));
    }
    Ok(())
}

/// A particle size distribution by number: each size a
/// [`quantities::PARTICLE_SIZE_NM`] with d10 ≤ d50 ≤ d90, and the fraction in 1–100 nm a
/// [`quantities::NUMBER_FRACTION`]. `field` is the path of the distribution, e.g.
/// `nanomaterial.particle_size`.
pub fn particle_size(field: &str, psd: &ParticleSizeDistribution) -> Result<(), ValidationError> {
    let path = |name: &str| format!("{field}.{name}");
    let sizes = [("d10_nm", psd.d10_nm), ("d50_nm", psd.d50_nm), ("d90_nm", psd.d90_nm)];
    for (name, value) in sizes {
        measured(&path(name), value, &quantities::PARTICLE_SIZE_NM)?;
    }
    measured(&path("fraction_1_100nm"), psd.fraction_1_100nm, &quantities::NUMBER_FRACTION)?;
    for pair in sizes.windows(2) {
        let [(lower_name, lower), (name, value)] = pair else { continue };
        if value < lower {
            return fail(&path(name), format!("must be at least {lower_name} ({lower} nm), got {value} nm"));
        }
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
    measured(&path("vssa_m2_per_cm3"), n.vssa_m2_per_cm3, &quantities::VSSA_M2_PER_CM3)
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
    multiline_text("product_description", &app.product_description, limits::MAX_TEXT, false)?;
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
    if let Some(reference) = &app.client_ref {
        client_ref("client_ref", reference)?;
    }
    Ok(())
}

/// A key as role grants name it ([`crate::ids::public_key_id`]): 64 lowercase hex characters.
pub fn public_key_id(field: &str, value: &str) -> Result<(), ValidationError> {
    lower_hex(field, value, 64)
}

/// A Fabric identity: a valid MSP ID and a non-empty ID of at most [`limits::MAX_ID`]
/// characters. `field` is its path, e.g. `identity`.
pub fn actor(field: &str, a: &Actor) -> Result<(), ValidationError> {
    msp_id(&format!("{field}.msp_id"), &a.msp_id)?;
    text(&format!("{field}.id"), &a.id, limits::MAX_ID, true)
}

/// The sample application (`examples/application.json`, the one sample every test
/// uses) with two supplier dependencies, valid in every field.
#[cfg(test)]
fn sample_application() -> Application {
    let mut app: Application = serde_json::from_str(include_str!("../../../examples/application.json"))
        .expect("examples/application.json is a valid application");
    app.depends_on = vec!["NT-ABCDEFGH2345".to_owned(), "NT-QRSTUVWXYZ67".to_owned()];
    app
}

#[cfg(test)]
mod tests;

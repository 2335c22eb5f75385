//! The GS1 Digital Link URI path of a product: `/01/{gtin}` with the GTIN's key
//! qualifiers in GS1's order, `/22/{cpv}`, `/10/{lot}`, `/21/{serial}`, each optional.
//! Anything else is a syntax error (400), never a page that says so with 200.

use nanotrace_model::validate;
use percent_encoding::percent_decode_str;

/// Most characters GS1 allows in a consumer product variant or a serial number.
const MAX_CSET82: usize = 20;

/// A parsed GS1 Digital Link URI path for a GTIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DigitalLink {
    /// The GTIN as given (8, 12, 13 or 14 digits, check digit verified).
    pub(crate) gtin: String,
    /// AI 22, consumer product variant.
    pub(crate) cpv: Option<String>,
    /// AI 10, batch or lot.
    pub(crate) lot: Option<String>,
    /// AI 21, serial number.
    pub(crate) serial: Option<String>,
}

impl DigitalLink {
    /// Parses the path of a request (`/01/...`, not percent-decoded), or says what is
    /// wrong with it (a sentence). One trailing slash is tolerated.
    pub(crate) fn parse(path: &str) -> Result<Self, String> {
        let path = path.strip_suffix('/').unwrap_or(path);
        let mut segments = path.split('/');
        if segments.next() != Some("") || segments.next() != Some("01") {
            return Err("A GS1 Digital Link for a product starts with /01/ and the GTIN.".into());
        }
        let gtin = decode(segments.next(), "GTIN")?;
        validate::gtin("GTIN", &gtin).map_err(|e| format!("{e}."))?;
        let mut link = DigitalLink { gtin, cpv: None, lot: None, serial: None };
        // The qualifiers of AI 01, in the only order GS1 allows.
        let mut order = ["22", "10", "21"].into_iter();
        while let Some(ai) = segments.next() {
            if ai.is_empty() {
                return Err("The path has an empty segment.".into());
            }
            if !order.by_ref().any(|expected| expected == ai) {
                return Err(match ai {
                    "22" | "10" | "21" => format!("Key qualifier {ai} is out of order: GS1 orders them 22, 10, 21."),
                    _ => format!("{ai:?} is not a key qualifier of a GTIN (22, 10 or 21)."),
                });
            }
            match ai {
                "22" => {
                    let cpv = decode(segments.next(), "consumer product variant (AI 22)")?;
                    link.cpv = Some(cset82("consumer product variant (AI 22)", cpv)?);
                }
                "10" => {
                    let lot = decode(segments.next(), "lot (AI 10)")?;
                    validate::text("lot", &lot, validate::limits::MAX_NAME, true).map_err(|e| format!("{e}."))?;
                    link.lot = Some(lot);
                }
                _ => {
                    let serial = decode(segments.next(), "serial number (AI 21)")?;
                    link.serial = Some(cset82("serial number (AI 21)", serial)?);
                }
            }
        }
        Ok(link)
    }

    /// The GTIN in GS1 Digital Link's 14-digit form.
    pub(crate) fn gtin14(&self) -> String {
        nanotrace_model::link::gtin14(&self.gtin)
    }

    /// Whether the lot's own records apply: a lot under a consumer product variant is
    /// another entity than the GTIN's lot of that name.
    pub(crate) fn lot_level(&self) -> Option<&str> {
        match self.cpv {
            None => self.lot.as_deref(),
            Some(_) => None,
        }
    }
}

/// A segment's value, percent-decoded, or why not.
fn decode(segment: Option<&str>, what: &str) -> Result<String, String> {
    let raw = segment.filter(|s| !s.is_empty()).ok_or_else(|| format!("The {what} is missing."))?;
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| format!("The {what} is not valid UTF-8 once percent-decoded."))
}

/// `value` if it is 1 to 20 characters of GS1's character set 82, else why not.
fn cset82(what: &str, value: String) -> Result<String, String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c);
    if value.chars().count() > MAX_CSET82 || !value.chars().all(allowed) {
        return Err(format!("The {what} must be 1 to {MAX_CSET82} characters of GS1's character set 82."));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GTIN: &str = "04006381333931";

    #[test]
    fn the_qualifiers_in_order() {
        let link = DigitalLink::parse(&format!("/01/{GTIN}/10/LOT%2F7")).expect("lot");
        assert_eq!(link.lot.as_deref(), Some("LOT/7"));
        assert_eq!(link.lot_level(), Some("LOT/7"));
        let link = DigitalLink::parse(&format!("/01/{GTIN}/22/2A/10/L1/21/S-9/")).expect("all three, trailing /");
        assert_eq!(
            (link.cpv.as_deref(), link.lot.as_deref(), link.serial.as_deref()),
            (Some("2A"), Some("L1"), Some("S-9"))
        );
        assert_eq!(link.lot_level(), None, "a lot under a CPV is not the GTIN's lot");
        let link = DigitalLink::parse("/01/4006381333931").expect("13 digits");
        assert_eq!(link.gtin14(), GTIN);
    }

    #[test]
    fn syntax_errors_say_what_is_wrong() {
        for (path, says) in [
            ("/01/04006381333932", "check digit"),
            ("/01/ABC", "GTIN"),
            (&format!("/01/{GTIN}/21/S/10/L") as &str, "out of order"),
            (&format!("/01/{GTIN}/10/L/10/M"), "out of order"),
            (&format!("/01/{GTIN}/17/261231"), "not a key qualifier"),
            (&format!("/01/{GTIN}/10"), "missing"),
            (&format!("/01/{GTIN}/10/"), "missing"),
            (&format!("/01/{GTIN}//10/L"), "empty segment"),
            (&format!("/01/{GTIN}/10/%FF"), "UTF-8"),
            (&format!("/01/{GTIN}/21/{}", "9".repeat(21)), "character set 82"),
            (&format!("/01/{GTIN}/21/a%20b"), "character set 82"),
        ] {
            let why = DigitalLink::parse(path).expect_err(path);
            assert!(why.contains(says), "{path}: {why}");
        }
    }
}

//! A product's GS1 identification as the codes on packaging carry it: the GS1 Digital
//! Link URI path `/01/{gtin}` with the GTIN's key qualifiers in GS1's order, `/22/{cpv}`,
//! `/10/{lot}`, `/21/{serial}`, each optional (the verifier's resolver answers it; anything
//! else is a syntax error there, never a page that says so with 200), and the same
//! identification as a GS1 element string, `(01)…(10)…` as printed under a barcode or the
//! raw data a scanner reads from a GS1 DataMatrix (FNC1 as ASCII GS).

use crate::validate;
use percent_encoding::percent_decode_str;

/// What is wrong with a Digital Link or an element string (a sentence, shown to people).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DigitalLinkError(pub String);

impl From<String> for DigitalLinkError {
    fn from(message: String) -> Self {
        DigitalLinkError(message)
    }
}

impl From<&str> for DigitalLinkError {
    fn from(message: &str) -> Self {
        DigitalLinkError(message.to_owned())
    }
}

/// The group separator (ASCII 29) that ends a variable-length element in a scanned code.
const GS: char = '\u{1d}';

/// Most characters GS1 allows in a consumer product variant or a serial number.
const MAX_CSET82: usize = 20;

/// A parsed GS1 Digital Link URI path for a GTIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitalLink {
    /// The GTIN as given (8, 12, 13 or 14 digits, check digit verified).
    pub gtin: String,
    /// AI 22, consumer product variant.
    pub cpv: Option<String>,
    /// AI 10, batch or lot.
    pub lot: Option<String>,
    /// AI 21, serial number.
    pub serial: Option<String>,
}

impl DigitalLink {
    /// Parses the path of a request (`/01/...`, not percent-decoded), or says what is
    /// wrong with it (a sentence). One trailing slash is tolerated.
    pub fn parse(path: &str) -> Result<Self, DigitalLinkError> {
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
                return Err(DigitalLinkError(match ai {
                    "22" | "10" | "21" => format!("Key qualifier {ai} is out of order: GS1 orders them 22, 10, 21."),
                    _ => format!("{ai:?} is not a key qualifier of a GTIN (22, 10 or 21)."),
                }));
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

    /// Parses a GS1 element string: the human-readable form `(01)09506000134352(10)LOT1`
    /// or a scanner's raw data (`0109506000134352` `10LOT1`, variable-length elements
    /// ended by GS, an optional symbology identifier such as `]d2` first). AI 01 must come
    /// first; 10, 21 and 22 are read; dates and other fixed-length elements printed
    /// beside them (11, 13, 15, 17, 20) are skipped.
    pub fn parse_element_string(text: &str) -> Result<Self, DigitalLinkError> {
        let elements = if text.starts_with('(') { bracketed(text)? } else { raw(text)? };
        let mut elements = elements.into_iter();
        let gtin = match elements.next() {
            Some((ai, value)) if ai == "01" => value,
            _ => return Err("An element string for a product starts with AI (01) and the GTIN.".into()),
        };
        validate::gtin("GTIN", &gtin).map_err(|e| format!("{e}."))?;
        let mut link = DigitalLink { gtin, cpv: None, lot: None, serial: None };
        for (ai, value) in elements {
            let slot = match ai.as_str() {
                "10" => {
                    validate::text("lot", &value, validate::limits::MAX_NAME, true).map_err(|e| format!("{e}."))?;
                    &mut link.lot
                }
                "21" => &mut link.serial,
                "22" => &mut link.cpv,
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(format!("AI ({ai}) appears twice.").into());
            }
        }
        if let Some(serial) = link.serial.take() {
            link.serial = Some(cset82("serial number (AI 21)", serial)?);
        }
        if let Some(cpv) = link.cpv.take() {
            link.cpv = Some(cset82("consumer product variant (AI 22)", cpv)?);
        }
        Ok(link)
    }

    /// The GTIN in GS1 Digital Link's 14-digit form.
    pub fn gtin14(&self) -> String {
        crate::link::gtin14(&self.gtin)
    }

    /// Whether the lot's own records apply: a lot under a consumer product variant is
    /// another entity than the GTIN's lot of that name.
    pub fn lot_level(&self) -> Option<&str> {
        match self.cpv {
            None => self.lot.as_deref(),
            Some(_) => None,
        }
    }
}

/// A segment's value, percent-decoded, or why not.
fn decode(segment: Option<&str>, what: &str) -> Result<String, DigitalLinkError> {
    let raw = segment.filter(|s| !s.is_empty()).ok_or_else(|| format!("The {what} is missing."))?;
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| format!("The {what} is not valid UTF-8 once percent-decoded.").into())
}

/// `value` if it is 1 to 20 characters of GS1's character set 82, else why not.
fn cset82(what: &str, value: String) -> Result<String, DigitalLinkError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c);
    if value.is_empty() || value.chars().count() > MAX_CSET82 || !value.chars().all(allowed) {
        return Err(format!("The {what} must be 1 to {MAX_CSET82} characters of GS1's character set 82.").into());
    }
    Ok(value)
}

/// The digits of a fixed-length AI's value, for the AIs read or skipped here; `None` for
/// a variable-length one (ended by GS or the end).
fn fixed_length(ai: &str) -> Result<Option<usize>, DigitalLinkError> {
    Ok(match ai {
        "01" | "02" => Some(14),
        "11" | "12" | "13" | "15" | "16" | "17" => Some(6),
        "20" => Some(2),
        "10" | "21" | "22" => None,
        _ => {
            return Err(format!(
                "AI ({ai}) is not one a product's code is read by here (01, 10, 21, 22; dates skipped)."
            )
            .into())
        }
    })
}

/// `(AI)value(AI)value…`.
fn bracketed(text: &str) -> Result<Vec<(String, String)>, DigitalLinkError> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let body = rest.strip_prefix('(').ok_or("Each element starts with its AI in parentheses, e.g. (10).")?;
        let (ai, after) = body.split_once(')').ok_or("An AI's parenthesis is not closed.")?;
        if ai.len() != 2 || !ai.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("({ai}) is not an AI of two digits.").into());
        }
        fixed_length(ai)?;
        let end = after.find('(').unwrap_or(after.len());
        let value = &after[..end];
        if value.is_empty() {
            return Err(format!("AI ({ai}) has no value.").into());
        }
        out.push((ai.to_owned(), value.to_owned()));
        rest = &after[end..];
    }
    Ok(out)
}

/// A scanner's raw data: AIs without parentheses, variable-length values ended by GS.
fn raw(text: &str) -> Result<Vec<(String, String)>, DigitalLinkError> {
    let mut rest = text.trim();
    for symbology in ["]d2", "]C1", "]Q3", "]e0"] {
        rest = rest.strip_prefix(symbology).unwrap_or(rest);
    }
    rest = rest.trim_start_matches(GS);
    let mut out = Vec::new();
    while !rest.is_empty() {
        let ai = rest.get(..2).filter(|ai| ai.bytes().all(|b| b.is_ascii_digit()));
        let ai = ai.ok_or("An element string starts each element with its AI's two digits.")?;
        let after = &rest[2..];
        let (value, next) = match fixed_length(ai)? {
            Some(n) => {
                let value = after.get(..n).filter(|v| v.bytes().all(|b| b.is_ascii_digit()));
                let value = value.ok_or_else(|| format!("AI ({ai}) takes {n} digits."))?;
                (value, &after[n..])
            }
            None => match after.find(GS) {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            },
        };
        if value.is_empty() {
            return Err(format!("AI ({ai}) has no value.").into());
        }
        out.push((ai.to_owned(), value.to_owned()));
        rest = next.trim_start_matches(GS);
    }
    Ok(out)
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
            let why = DigitalLink::parse(path).expect_err(path).to_string();
            assert!(why.contains(says), "{path}: {why}");
        }
    }

    #[test]
    fn element_strings_printed_and_scanned() {
        let want = DigitalLink { gtin: GTIN.into(), cpv: None, lot: Some("LOT 7".into()), serial: Some("S9".into()) };
        for text in [
            format!("(01){GTIN}(10)LOT 7(21)S9"),
            format!("(01){GTIN}(17)261231(10)LOT 7(21)S9"),
            format!("]d201{GTIN}10LOT 7\u{1d}21S9"),
            format!("01{GTIN}1726123110LOT 7\u{1d}21S9"),
        ] {
            assert_eq!(DigitalLink::parse_element_string(&text).as_ref(), Ok(&want), "{text:?}");
        }
        let lot_only = DigitalLink::parse_element_string(&format!("(01){GTIN}(10)L1")).expect("lot only");
        assert_eq!(lot_only.lot_level(), Some("L1"));
    }

    #[test]
    fn element_string_errors_say_what_is_wrong() {
        for (text, says) in [
            (format!("(10)L1(01){GTIN}"), "starts with AI (01)"),
            ("(01)04006381333932(10)L".to_owned(), "check digit"),
            (format!("(01){GTIN}(10)"), "no value"),
            (format!("(01){GTIN}(10)L(10)M"), "twice"),
            (format!("(01){GTIN}(99)X"), "AI (99)"),
            (format!("(01){GTIN}(1)X"), "two digits"),
            (format!("(01){GTIN}(10"), "not closed"),
            ("01123".to_owned(), "14 digits"),
            (format!("(01){GTIN}(21)a b"), "character set 82"),
        ] {
            let why = DigitalLink::parse_element_string(&text).expect_err(&text).to_string();
            assert!(why.contains(says), "{text}: {why}");
        }
    }
}

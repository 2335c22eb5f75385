//! Where a certificate is checked: its page on the public verifier, the URL its QR code
//! carries (with the offline token once issued), a product's GS1 Digital Link URI, and —
//! with the `qr` feature — the QR code itself. One definition for the CLI, the verifier,
//! the notifier and the credentials.

use crate::token::OfflineToken;
use crate::Certificate;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What a URI component keeps unencoded: RFC 3986's unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// GS1's canonical root for Digital Link URIs that name a product rather than a
/// resolver.
pub const GS1_CANONICAL_ROOT: &str = "https://id.gs1.org";

/// `text` percent-encoded for a URI path segment or query value (RFC 3986's unreserved
/// characters kept as they are).
pub fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// A GTIN (8 to 14 digits) in GS1 Digital Link's 14 digits.
pub fn gtin14(gtin: &str) -> String {
    format!("{gtin:0>14}")
}

/// The GS1 Digital Link URI of a GTIN, or of one of its lots, under `root`:
/// `{root}/01/{gtin14}[/10/{lot}]`, the lot percent-encoded.
pub fn digital_link(root: &str, gtin: &str, lot: Option<&str>) -> String {
    let root = root.trim_end_matches('/');
    match lot {
        Some(lot) => format!("{root}/01/{}/10/{}", gtin14(gtin), encode_component(lot)),
        None => format!("{root}/01/{}", gtin14(gtin)),
    }
}

/// The route of a certificate's page on the verifier, as its router matches it (and its
/// metrics name it); [`page_path`] fills it in.
pub const PAGE_ROUTE: &str = "/c/{id}";

/// The route of a certificate's verdict in the verifier's JSON API.
pub const API_ROUTE: &str = "/api/v1/certificates/{id}";

/// The path of a certificate's page on the verifier: [`PAGE_ROUTE`] for `id`.
pub fn page_path(id: &str) -> String {
    PAGE_ROUTE.replace("{id}", id)
}

/// A GTIN as given, then the same number in the other lengths (GS1 Digital Link uses
/// 14 digits; labels and applications often carry GTIN-13, -12 or -8).
pub fn gtin_forms(gtin: &str) -> Vec<String> {
    let digits = gtin.trim_start_matches('0');
    let mut forms = vec![gtin.to_owned()];
    for len in [14, 13, 12, 8] {
        if digits.len() <= len {
            let form = format!("{digits:0>len$}");
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
    }
    forms
}

/// The verifier's page for certificate `id` under `base` (e.g. `https://verify.example`;
/// a trailing `/` is ignored).
pub fn page_url(base: &str, id: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), page_path(id))
}

/// The offline token of an issued certificate (`None` while it has no issuance, or if the
/// record cannot be put in a token).
pub fn offline_token(cert: &Certificate) -> Option<String> {
    cert.issuance.as_ref()?;
    OfflineToken::for_certificate(cert).and_then(|t| t.encode()).ok()
}

/// The URL a certificate's QR code carries: its page, with `?t=` and the offline token
/// once it is issued (so a scanner without network can still check the signature).
pub fn verification_url(base: &str, cert: &Certificate) -> String {
    let page = page_url(base, &cert.id);
    match offline_token(cert) {
        Some(token) => format!("{page}?t={token}"),
        None => page,
    }
}

/// QR codes of a verification URL, as images (feature `qr`).
#[cfg(feature = "qr")]
pub mod qr {
    use qrcode::{EcLevel, QrCode};

    /// Blank modules around the code, as the QR specification asks.
    pub const QUIET_ZONE: usize = 4;
    /// Pixels per module in the PNG.
    pub const PNG_SCALE: usize = 8;

    /// Why a QR image cannot be made.
    #[derive(Debug, thiserror::Error)]
    pub enum QrError {
        /// The text does not fit in a QR code.
        #[error("cannot encode a QR code: {0}")]
        Encode(#[from] qrcode::types::QrError),
        /// The PNG encoder failed.
        #[error("cannot encode a PNG: {0}")]
        Png(#[from] png::EncodingError),
    }

    fn code(text: &str) -> Result<QrCode, QrError> {
        Ok(QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?)
    }

    /// An SVG of `text`'s QR code (error correction M), at least 256 × 256.
    pub fn svg(text: &str) -> Result<String, QrError> {
        Ok(code(text)?
            .render::<qrcode::render::svg::Color<'_>>()
            .quiet_zone(true)
            .min_dimensions(256, 256)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build())
    }

    /// A PNG of `text`'s QR code: 8-bit greyscale, [`PNG_SCALE`] pixels per module,
    /// [`QUIET_ZONE`] modules of margin.
    pub fn png(text: &str) -> Result<Vec<u8>, QrError> {
        let code = code(text)?;
        let modules = code.width();
        let colors = code.to_colors();
        let side = (modules + 2 * QUIET_ZONE) * PNG_SCALE;
        let mut pixels = vec![255u8; side * side];
        for (index, color) in colors.iter().enumerate() {
            if *color != qrcode::Color::Dark {
                continue;
            }
            let (mx, my) = (index % modules + QUIET_ZONE, index / modules + QUIET_ZONE);
            for y in my * PNG_SCALE..(my + 1) * PNG_SCALE {
                pixels[y * side + mx * PNG_SCALE..y * side + (mx + 1) * PNG_SCALE].fill(0);
            }
        }
        let mut out = Vec::new();
        let side = u32::try_from(side).unwrap_or(u32::MAX);
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
        writer.finish()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_lengths() {
        assert_eq!(gtin_forms("04006381333931"), ["04006381333931", "4006381333931"]);
        assert_eq!(gtin_forms("96385074"), ["96385074", "00000096385074", "0000096385074", "000096385074"]);
    }

    #[test]
    fn page_urls_ignore_a_trailing_slash() {
        assert_eq!(page_url("https://v.example/", "NT-ABCDEFGH2345"), "https://v.example/c/NT-ABCDEFGH2345");
        assert_eq!(page_url("https://v.example", "NT-ABCDEFGH2345"), "https://v.example/c/NT-ABCDEFGH2345");
        assert_eq!(page_path("NT-X"), "/c/NT-X");
        assert_eq!(API_ROUTE.replace("{id}", "NT-X"), "/api/v1/certificates/NT-X");
    }

    #[test]
    fn digital_link_uris_are_encoded() {
        const GTIN: &str = "04006381333931";
        assert_eq!(
            digital_link("https://v.example", GTIN, Some("L 1/<b>")),
            format!("https://v.example/01/{GTIN}/10/L%201%2F%3Cb%3E")
        );
        assert_eq!(digital_link("https://v.example/", "4006381333931", None), format!("https://v.example/01/{GTIN}"));
        assert_eq!(encode_component("a-b_c.d~e f"), "a-b_c.d~e%20f");
    }
}

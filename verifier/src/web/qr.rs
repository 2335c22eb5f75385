//! QR codes of a certificate's verification URL with its offline token.

use super::extract::CertificateId;
use super::lookup::blocking;
use super::{api, Web};
use crate::state::now;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use qrcode::{EcLevel, QrCode};

/// Blank modules around the code, as the QR specification asks.
pub(super) const QUIET_ZONE: usize = 4;
/// Pixels per module in the PNG.
pub(super) const PNG_SCALE: usize = 8;

#[derive(Clone, Copy)]
enum Format {
    Svg,
    Png,
}

fn plain(status: StatusCode, message: &str) -> Response {
    (status, format!("{message}\n")).into_response()
}

/// `GET /qr/{id}.svg` and `GET /qr/{id}.png`.
pub(super) async fn qr(State(web): State<Web>, path: Result<Path<String>, PathRejection>) -> Response {
    let Ok(Path(file)) = path else {
        return plain(StatusCode::BAD_REQUEST, "the path is not valid UTF-8 text");
    };
    let (id, format) = if let Some(id) = file.strip_suffix(".svg") {
        (id.to_owned(), Format::Svg)
    } else if let Some(id) = file.strip_suffix(".png") {
        (id.to_owned(), Format::Png)
    } else {
        return plain(StatusCode::NOT_FOUND, "QR codes are served as /qr/{id}.svg and /qr/{id}.png");
    };
    let id = match CertificateId::parse(&id) {
        Ok(CertificateId(id)) => id,
        Err(message) => return plain(StatusCode::BAD_REQUEST, &message),
    };
    let app = web.app.clone();
    let read_id = id.clone();
    let cert = match blocking(move || app.cache.certificate(&read_id).map_err(|e| e.to_string())).await {
        Ok(cert) => cert,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the cache");
            return plain(StatusCode::SERVICE_UNAVAILABLE, "the verifier cannot read its copy of the ledger");
        }
    };
    let Some(cached) = cert else {
        return match web.app.staleness(now()) {
            Some(reason) => plain(StatusCode::SERVICE_UNAVAILABLE, &format!("cannot verify now: {reason}")),
            None => plain(StatusCode::NOT_FOUND, &format!("no certificate {id} is recorded on the ledger")),
        };
    };
    let mut url = format!("{}/c/{id}", web.app.public_url);
    if let Some(token) = api::token_of(&cached.certificate) {
        url.push_str("?t=");
        url.push_str(&token);
    }
    let code = match QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a QR code");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "cannot draw the QR code");
        }
    };
    let (content_type, body) = match format {
        Format::Svg => ("image/svg+xml", svg(&code).into_bytes()),
        Format::Png => match png(&code) {
            Ok(bytes) => ("image/png", bytes),
            Err(e) => {
                tracing::error!(error = %e, "cannot encode a PNG");
                return plain(StatusCode::INTERNAL_SERVER_ERROR, "cannot draw the QR code");
            }
        },
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The token changes only when the certificate is re-signed or first issued.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}

fn svg(code: &QrCode) -> String {
    code.render::<qrcode::render::svg::Color<'_>>()
        .quiet_zone(true)
        .min_dimensions(256, 256)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build()
}

/// 8-bit greyscale, [`PNG_SCALE`] pixels per module, [`QUIET_ZONE`] modules of margin.
fn png(code: &QrCode) -> Result<Vec<u8>, png::EncodingError> {
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

//! QR codes of a certificate's verification URL with its offline token.

use super::extract::CertificateId;
use super::lookup::blocking;
use super::Web;
use crate::state::now;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nanotrace_model::link::qr;
use nanotrace_model::CertificateStatus;

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
    // The record, and whether a certifier's signature vouches for it when it is ACTIVE.
    let read = move || {
        let generation = app.cache.generation();
        let Some(cached) = app.cache.certificate(&read_id).map_err(|e| e.to_string())? else { return Ok(None) };
        let vouched = cached.certificate.status != CertificateStatus::Active
            || app.cache.authenticity(&cached, generation).map_err(|e| e.to_string())?.is_ok();
        Ok(Some((cached, vouched)))
    };
    let cert = match blocking(read).await {
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
    // No offline token in the code of a record no certifier's signature vouches for.
    let url = match cached {
        (cached, true) => nanotrace_model::link::verification_url(&web.app.public_url, &cached.certificate),
        (cached, false) => nanotrace_model::link::page_url(&web.app.public_url, &cached.certificate.id),
    };
    let drawn = match format {
        Format::Svg => qr::svg(&url).map(|svg| ("image/svg+xml", svg.into_bytes())),
        Format::Png => qr::png(&url).map(|png| ("image/png", png)),
    };
    let (content_type, body) = match drawn {
        Ok(drawn) => drawn,
        Err(e) => {
            tracing::error!(error = %e, "cannot draw a QR code");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "cannot draw the QR code");
        }
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The token changes only when the certificate is re-signed or first issued.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}

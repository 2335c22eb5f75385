//! The headers answers carry whoever made them (the router, the hot path, a kept answer):
//! security headers on every response, HSTS over HTTPS, and a page's language.

use super::i18n::Lang;
use super::CONTENT_SECURITY_POLICY;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::response::Response;

/// The headers every response carries: a strict content security policy and the like,
/// and `Cache-Control: no-store` unless the handler chose otherwise (verdicts change).
/// A handler may set a policy and permissions of its own (the consignment pages).
pub(super) fn secure_headers(mut response: Response) -> Response {
    const SECURITY: [(HeaderName, &str); 6] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    ];
    let headers = response.headers_mut();
    headers.reserve(SECURITY.len() + 1);
    for (name, value) in SECURITY {
        // The consignment pages set their own policy and permissions (scripts, camera).
        let own = matches!(name, header::CONTENT_SECURITY_POLICY) || name.as_str() == "permissions-policy";
        if !(own && headers.contains_key(&name)) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// `Strict-Transport-Security` for a verifier serving HTTPS (`--tls-cert`): a year, as
/// a certificate's public page must not be reached over plain HTTP once it was over HTTPS.
pub(super) fn strict_transport(mut response: Response) -> Response {
    response.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    response
}

/// Says which language a page is in and that the answer depends on the reader's.
pub(super) fn language_headers(response: &mut Response, lang: Lang) {
    set_language_headers(response.headers_mut(), lang);
}

/// [`language_headers`] on a header map (the reused answers build theirs).
pub(super) fn set_language_headers(headers: &mut axum::http::HeaderMap, lang: Lang) {
    headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.code()));
    headers.insert(header::VARY, HeaderValue::from_static(PAGE_VARY));
}

/// What a page's answer depends on besides its address: the encoding, and the language
/// (`Accept-Language`, or the switch's cookie).
const PAGE_VARY: &str = "accept-encoding, accept-language, cookie";

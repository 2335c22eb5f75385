//! Request extractors: what a path must hold, checked in ONE place for every route.
//!
//! - [`CertificateId`]: the `{id}` of `/c/{id}` and `/api/v1/certificates/{id}[/history]`
//!   (and, through [`CertificateId::parse`], of `/qr/{id}.svg`, the search form and
//!   offline tokens);
//!
//! (The GS1 resolver's paths are parsed by [`nanotrace_model::digital_link`], the forms of a
//! GTIN listed by [`nanotrace_model::link::gtin_forms`].)
//!
//! A bad ID's rejection is a [`BadId`]: the JSON API's routes take an
//! [`ApiCertificateId`], whose rejection is the API's `invalid_id` error; the page
//! answers a [`BadId`] itself (it redirects an ID a person typed loosely).

use super::error_code::{error, ErrorCode};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nanotrace_model::validate;
use nanotrace_model::{CERTIFICATE_ID_LEN, CERTIFICATE_ID_PREFIX};

/// Exactly a certificate ID (`NT-` and 12 base32 characters with a valid check
/// character), taken from the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CertificateId(pub(super) String);

/// Why a path does not name what the route needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct BadId {
    /// The path segment as text, `None` when it is not valid UTF-8.
    pub(super) raw: Option<String>,
    /// Why not, in words (lower case, no final stop for IDs).
    pub(super) message: String,
}

impl CertificateId {
    /// `text` if it is exactly a certificate ID, or why not.
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        validate::certificate_id("certificate ID", text).map_err(|e| e.to_string())?;
        Ok(CertificateId(text.to_owned()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CertificateId {
    type Rejection = BadId;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, BadId> {
        let Path(id) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| BadId {
            raw: None,
            message: "the certificate ID in the path is not valid UTF-8 text".to_owned(),
        })?;
        CertificateId::parse(&id).map_err(|message| BadId { raw: Some(id), message })
    }
}

/// A certificate ID of a JSON API route: a bad one is answered
/// `400 {"error": "invalid_id", "message": …}` ([`InvalidId`]) before the handler runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ApiCertificateId(pub(super) String);

/// The JSON API's rejection of a bad certificate ID.
#[derive(Debug)]
pub(super) struct InvalidId(BadId);

impl<S: Send + Sync> FromRequestParts<S> for ApiCertificateId {
    type Rejection = InvalidId;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, InvalidId> {
        CertificateId::from_request_parts(parts, state)
            .await
            .map(|CertificateId(id)| ApiCertificateId(id))
            .map_err(InvalidId)
    }
}

impl IntoResponse for InvalidId {
    fn into_response(self) -> Response {
        error(StatusCode::BAD_REQUEST, ErrorCode::InvalidId, &self.0.message)
    }
}

/// Plain text 400 (each handler answers a [`BadId`] in its own format instead).
impl IntoResponse for BadId {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, format!("{}\n", self.message)).into_response()
    }
}

/// A certificate ID as typed by a person: whitespace removed, upper-cased, `NT-` added
/// when missing. `None` unless the result is a well-formed ID.
pub(super) fn normalize_id(input: &str) -> Option<String> {
    if input.len() > 64 {
        return None;
    }
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let candidate = if compact.starts_with(CERTIFICATE_ID_PREFIX) {
        compact
    } else if compact.len() == CERTIFICATE_ID_LEN + 2 && compact.starts_with("NT") {
        format!("{CERTIFICATE_ID_PREFIX}{}", &compact[2..])
    } else if compact.len() == CERTIFICATE_ID_LEN {
        format!("{CERTIFICATE_ID_PREFIX}{compact}")
    } else {
        compact
    };
    CertificateId::parse(&candidate).ok().map(|CertificateId(id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_normalised_for_people() {
        assert_eq!(normalize_id("NT-ABCDEFGH2345").as_deref(), Some("NT-ABCDEFGH2345"));
        assert_eq!(normalize_id("  nt-abcd efgh 2345 ").as_deref(), Some("NT-ABCDEFGH2345"));
        assert_eq!(normalize_id("abcdefgh2345").as_deref(), Some("NT-ABCDEFGH2345"));
        assert_eq!(normalize_id("NTABCDEFGH2345").as_deref(), Some("NT-ABCDEFGH2345"));
        assert_eq!(normalize_id("NT-ABCDEFGH2340"), None);
        assert_eq!(normalize_id("../../etc/passwd"), None);
        assert_eq!(normalize_id(&"A".repeat(10_000)), None);
        assert_eq!(normalize_id("NT-ÄBCDEFGH2345"), None);
    }

    #[test]
    fn one_check_for_every_id() {
        assert_eq!(CertificateId::parse("NT-ABCDEFGH2345"), Ok(CertificateId("NT-ABCDEFGH2345".into())));
        let why = CertificateId::parse("nt-abcdefgh2345").expect_err("lower case");
        assert!(why.contains("certificate ID"), "{why}");
        assert!(CertificateId::parse("").is_err());
    }
}

/// The client's address, as the rate limiter keys it ([`nanotrace_ratelimit::PeerIp`]):
/// handlers that weigh a request more than one use it to charge the same bucket.
#[derive(Debug, Clone, Copy)]
pub(super) struct ClientIp(pub(super) std::net::IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(nanotrace_ratelimit::PeerIp::of(&parts.extensions)))
    }
}

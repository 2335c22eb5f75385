//! The JSON API's errors: `{"error": code, "message": …}` (every service's shape,
//! [`nanotrace_model::error_body`]), the code one of one list
//! ([`ErrorCode`]), which `verifier/openapi.yaml`'s `Error` schema names exactly (a test
//! compares them). Every API error is made by `error`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use nanotrace_model::error_body::ErrorBody;

nanotrace_model::wire_enum! {
    /// An API error's stable code.
    ErrorCode {
        /// The certificate ID is malformed.
        InvalidId => "invalid_id",
        /// No such API route.
        NotFound => "not_found",
        /// The ledger has no certificate with this ID.
        Unknown => "unknown",
        /// The verifier cannot vouch for the ledger's data now (its copy is too old or unreadable).
        Unverifiable => "unverifiable",
        /// The record says it is in force, but no certifier's signature vouches for it.
        Untrusted => "untrusted",
        /// The request cannot be read (JSON, CSV, shape).
        BadRequest => "bad_request",
        /// The request body or the list is larger than the verifier accepts.
        TooLarge => "too_large",
        /// The client's rate is spent (a list weighs more than one request).
        RateLimited => "rate_limited",
        /// The verifier is reading as many request bodies as its memory budget allows
        /// (`--max-body-bytes-in-flight`): retry after `Retry-After`.
        Busy => "busy",
        /// The answer took longer than `--timeout-secs` (reading the body included).
        Timeout => "timeout",
        /// The certifier recorded no Verifiable Credential for the certificate.
        NoCredential => "no_credential",
        /// The recorded credential is of an older version of the certificate.
        Outdated => "outdated",
        /// The recorded credential names no status list entry.
        NoStatus => "no_status",
        /// The recorded credential's status list is not one this verifier publishes.
        UnknownStatusBase => "unknown_status_base",
        /// A status list that does not exist or cannot be answered now.
        StatusList => "status_list",
        /// An offline token that is not authentic (altered, forged, or signed by a key
        /// the trust list does not hold).
        InvalidToken => "invalid_token",
        /// The verifier failed to encode its answer.
        Internal => "internal",
    }
}

/// `{"error": code, "message": message}` with `status`.
pub(super) fn error(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    (status, Json(ErrorBody { error: code.as_str(), message })).into_response()
}

/// The bytes of [`error`]'s body, for an answer assembled by hand (a kept answer).
pub(super) fn error_body(code: ErrorCode, message: &str) -> Vec<u8> {
    // Two strings always serialize.
    serde_json::to_vec(&ErrorBody { error: code.as_str(), message }).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn every_code_is_listed_once_in_snake_case() {
        let mut texts: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        for text in &texts {
            assert!(text.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{text}");
            assert_eq!(ErrorCode::parse(text).map(ErrorCode::as_str), Some(*text));
        }
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), ErrorCode::ALL.len());
    }
}

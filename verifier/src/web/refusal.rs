//! Why an API request was refused: a status, a code and a sentence.

use super::error_code::{error, ErrorCode};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::Response;

/// Why a request was refused: an HTTP status, an error code and a sentence, which the
/// API answers as JSON ([`Refusal::into_api`]) and a page as a page.
pub(super) struct Refusal {
    pub(super) status: StatusCode,
    pub(super) code: ErrorCode,
    pub(super) message: String,
}

impl Refusal {
    pub(super) fn new(status: StatusCode, code: ErrorCode, message: String) -> Refusal {
        Refusal { status, code, message }
    }

    /// The API's JSON error (429 with `Retry-After`).
    pub(super) fn into_api(self) -> Response {
        let mut response = error(self.status, self.code, &self.message);
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

//! The one shape of a JSON error answer, for every NanoTrace web service (the verifier's
//! API, the members' console): `{"error": code, "message": sentence}`. The code is a
//! stable snake_case word a program can branch on (the verifier's are listed in its
//! `openapi.yaml`); the message is for people and may change. A service may add fields
//! of its own beside them (the console: `stage`, the step of a transaction that failed).

use serde::{Deserialize, Serialize};

/// An error answer's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody<'a> {
    /// The stable code.
    pub error: &'a str,
    /// What went wrong, in words.
    pub message: &'a str,
}

/// The code of an answer that has no finer one: its HTTP status in words (`bad_request`,
/// `forbidden`, `not_found`, `conflict`, `too_large`, `rate_limited`, `internal`,
/// `not_implemented`, `bad_gateway`, `unavailable`, `timeout`; `error` for any other).
pub fn status_code_word(status: u16) -> &'static str {
    match status {
        400 => "bad_request",
        401 | 403 => "forbidden",
        404 => "not_found",
        409 => "conflict",
        413 => "too_large",
        429 => "rate_limited",
        500 => "internal",
        501 => "not_implemented",
        502 => "bad_gateway",
        503 => "unavailable",
        504 => "timeout",
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_is_error_and_message() {
        let body = ErrorBody { error: "not_found", message: "no such thing" };
        assert_eq!(
            serde_json::to_value(&body).expect("JSON"),
            serde_json::json!({"error": "not_found", "message": "no such thing"})
        );
        assert_eq!(status_code_word(404), "not_found");
        assert_eq!(status_code_word(418), "error");
    }
}

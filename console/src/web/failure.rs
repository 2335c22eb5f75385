//! A refused or failed request of the API, as the page script shows it: every service's
//! error shape ([`nanotrace_model::error_body`]), `{"error": code, "message": sentence}`,
//! with the stage that failed (`"stage"`), and its status.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use nanotrace_client::ApiError;
use nanotrace_model::error_body::status_code_word;
use serde_json::json;

use crate::ledger::stage::StageError;
use crate::ledger::MemberError;

/// A refused or failed request: the status, the stage and a sentence the page shows, as
/// `{"error": code, "message": sentence, "stage": stage}` (the code: the status in words).
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    stage: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl Failure {
    pub(super) fn new(status: StatusCode, stage: &'static str, message: impl Into<String>) -> Self {
        Failure { status, stage, message: message.into(), retry_after: None }
    }

    /// The same, answered with `Retry-After: secs`.
    pub(super) fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = json!({
            "error": status_code_word(self.status.as_u16()),
            "message": self.message,
            "stage": self.stage,
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(value) = self.retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<StageError> for Failure {
    fn from(e: StageError) -> Self {
        match e {
            StageError::Unknown(_) => Failure::new(StatusCode::CONFLICT, "refused", e.to_string()),
            StageError::Api(api) => api_failure(api),
            StageError::NotAQuery(_) => Failure::new(StatusCode::BAD_REQUEST, "bad_request", e.to_string()),
        }
    }
}

/// A client error in words: which stage failed and why.
pub(super) fn api_failure(e: ApiError) -> Failure {
    let (status, stage) = match &e {
        // A role or party the caller lacks: forbidden, as the contract words it.
        ApiError::Contract { .. } if e.contract_code() == Some(nanotrace_model::ErrorCode::Unauthorized) => {
            (StatusCode::FORBIDDEN, "the contract refused")
        }
        ApiError::Contract { .. } => (StatusCode::CONFLICT, "the contract refused"),
        ApiError::Identity { .. } => (StatusCode::FORBIDDEN, "your identity or signature was refused"),
        ApiError::Request(_) => (StatusCode::BAD_REQUEST, "the request"),
        ApiError::Endorse { .. } => (StatusCode::BAD_GATEWAY, "endorsement"),
        ApiError::Submit { .. } => (StatusCode::BAD_GATEWAY, "ordering"),
        ApiError::CommitStatus { .. } => (StatusCode::GATEWAY_TIMEOUT, "waiting for the commit"),
        ApiError::Commit { .. } => (StatusCode::CONFLICT, "commit"),
        ApiError::Evaluate { .. } | ApiError::Decode { .. } => (StatusCode::BAD_GATEWAY, "reading the ledger"),
        ApiError::Answer { .. } => (StatusCode::BAD_GATEWAY, "reading the committed transaction's answer"),
    };
    Failure::new(status, stage, e.to_string())
}

impl From<MemberError> for Failure {
    fn from(e: MemberError) -> Self {
        match e {
            MemberError::NotHere => Failure::new(StatusCode::NOT_FOUND, "not found", "not found"),
            MemberError::Refused { stage, message } => Failure::new(StatusCode::BAD_REQUEST, stage, message),
            MemberError::Conflict { stage, message } => Failure::new(StatusCode::CONFLICT, stage, message),
            MemberError::Elsewhere { stage, message } => Failure::new(StatusCode::NOT_IMPLEMENTED, stage, message),
            MemberError::Ca { stage, message } => Failure::new(StatusCode::BAD_GATEWAY, stage, message),
            MemberError::Local { stage, message } => Failure::new(StatusCode::INTERNAL_SERVER_ERROR, stage, message),
            MemberError::Stage(e) => e.into(),
        }
    }
}

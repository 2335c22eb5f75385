//! Request bodies within a memory budget. Every request body is read whole here, before
//! any handler sees it, and the bytes of all the bodies being read or answered at once
//! are bounded (`--max-body-bytes-in-flight`): a body declaring its length takes that
//! many bytes of the budget before its first byte is read; a chunked body takes each
//! chunk's bytes as it arrives. A request that finds the budget spent waits at most
//! [`QUEUE_WAIT`] for room, then gets 503 with `Retry-After`; plain lookups, which have
//! no body, never wait. The budget is held until the answer is made, so the list parsed
//! from the body is covered too (it is no larger than its text).
//!
//! Refusals take the shape of the route: the API's JSON error under `/api/`, a page
//! elsewhere.

use super::error_code::ErrorCode;
use super::i18n::Lang;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a request waits for room in the budget before it is refused.
pub(super) const QUEUE_WAIT: Duration = Duration::from_secs(1);

/// The bytes of request bodies that may be held at once, across all connections.
#[derive(Debug)]
pub(super) struct BodyBudget {
    bytes: Arc<Semaphore>,
    total: usize,
    /// Requests refused since start because the budget stayed spent.
    busy: AtomicUsize,
}

impl BodyBudget {
    /// A budget of `total` bytes (at least `largest`, the largest body any route accepts,
    /// so that every acceptable body can be read).
    pub(super) fn new(total: usize, largest: usize) -> BodyBudget {
        if total < largest {
            tracing::warn!(
                max_body_bytes_in_flight = total,
                largest,
                "--max-body-bytes-in-flight is below the largest body accepted: raised to it"
            );
        }
        let total = total.max(largest).min(Semaphore::MAX_PERMITS);
        BodyBudget { bytes: Arc::new(Semaphore::new(total)), total, busy: AtomicUsize::new(0) }
    }

    /// The bytes of bodies held now.
    pub(super) fn in_flight(&self) -> usize {
        self.total.saturating_sub(self.bytes.available_permits())
    }

    /// The bytes of the budget.
    pub(super) fn total(&self) -> usize {
        self.total
    }

    /// The requests refused since start because the budget stayed spent.
    pub(super) fn busy(&self) -> usize {
        self.busy.load(Ordering::Relaxed)
    }

    /// `bytes` of the budget, waiting at most [`QUEUE_WAIT`] for them.
    async fn take(&self, bytes: usize) -> Result<OwnedSemaphorePermit, BodyRefusal> {
        let count = u32::try_from(bytes).map_err(|_| BodyRefusal::TooLarge { limit: self.total })?;
        match tokio::time::timeout(QUEUE_WAIT, self.bytes.clone().acquire_many_owned(count)).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; a closed one admits nothing either.
            Ok(Err(_)) | Err(_) => {
                self.busy.fetch_add(1, Ordering::Relaxed);
                Err(BodyRefusal::Busy)
            }
        }
    }
}

/// What one group of routes admits: bodies of at most `limit` bytes, within `budget`.
#[derive(Debug, Clone)]
pub(super) struct Admission {
    pub(super) budget: Arc<BodyBudget>,
    pub(super) limit: usize,
}

/// Why a request's body was not admitted.
#[derive(Debug, thiserror::Error)]
pub(super) enum BodyRefusal {
    /// Longer than the route accepts (declared, or as read).
    #[error("the request body is larger than the {limit} bytes this request accepts: split the list")]
    TooLarge { limit: usize },
    /// The budget stayed spent for [`QUEUE_WAIT`].
    #[error("the verifier is reading as many request bodies as its memory allows: retry in a second")]
    Busy,
    /// The connection failed or closed while the body was read.
    #[error("the request body cannot be read: {0}")]
    Unreadable(String),
}

impl BodyRefusal {
    fn status(&self) -> StatusCode {
        match self {
            BodyRefusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            BodyRefusal::Busy => StatusCode::SERVICE_UNAVAILABLE,
            BodyRefusal::Unreadable(_) => StatusCode::BAD_REQUEST,
        }
    }

    fn code(&self) -> ErrorCode {
        match self {
            BodyRefusal::TooLarge { .. } => ErrorCode::TooLarge,
            BodyRefusal::Busy => ErrorCode::Busy,
            BodyRefusal::Unreadable(_) => ErrorCode::BadRequest,
        }
    }

    /// The refusal in the shape of the route asked for: JSON under `/api/`, else a page.
    fn answer(&self, parts: &Parts) -> Response {
        let status = self.status();
        let mut response = if parts.uri.path().starts_with("/api/") {
            super::error_code::error(status, self.code(), &self.to_string())
        } else {
            let lang = Lang::of(parts.uri.query(), &parts.headers);
            let (title, message) = match self {
                BodyRefusal::TooLarge { .. } => ("body-too-large-title", "body-too-large"),
                BodyRefusal::Busy => ("body-busy-title", "body-busy"),
                BodyRefusal::Unreadable(_) => ("bad-request", "body-unreadable"),
            };
            super::pages::error_page(lang, status, &lang.t(title), &lang.t(message))
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The body's declared length, when it declares one that can be read.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

impl Admission {
    /// Reads `body` whole within the limit and the budget: its bytes, and the part of the
    /// budget they hold (none for an empty body).
    async fn read(
        &self,
        headers: &HeaderMap,
        mut body: Body,
    ) -> Result<(Bytes, Option<OwnedSemaphorePermit>), BodyRefusal> {
        let declared = declared_length(headers);
        if declared == Some(0) || (declared.is_none() && body.is_end_stream()) {
            return Ok((Bytes::new(), None));
        }
        let too_large = || BodyRefusal::TooLarge { limit: self.limit };
        let declared = match declared.map(usize::try_from) {
            Some(Ok(length)) if length <= self.limit => Some(length),
            Some(_) => return Err(too_large()),
            None => None,
        };
        let mut held = match declared {
            Some(length) => Some(self.budget.take(length).await?),
            None => None,
        };
        let mut bytes = Vec::with_capacity(declared.unwrap_or(0));
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| BodyRefusal::Unreadable(e.to_string()))?;
            let Ok(data) = frame.into_data() else { continue };
            if bytes.len() + data.len() > self.limit {
                return Err(too_large());
            }
            if declared.is_none() && !data.is_empty() {
                let more = self.budget.take(data.len()).await?;
                match held.as_mut() {
                    Some(permit) => permit.merge(more),
                    None => held = Some(more),
                }
            }
            bytes.extend_from_slice(&data);
        }
        Ok((Bytes::from(bytes), held))
    }
}

/// Middleware: the request goes on with its body read whole, holding its part of the
/// budget until its answer is made; or it is refused ([`BodyRefusal`]).
pub(super) async fn within_budget(State(admission): State<Admission>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match admission.read(&parts.headers, body).await {
        Ok((bytes, held)) => {
            let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            drop(held);
            response
        }
        Err(refusal) => {
            tracing::debug!(path = parts.uri.path(), %refusal, "request body refused");
            refusal.answer(&parts)
        }
    }
}

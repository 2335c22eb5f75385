//! `GET /api/v1/schemas` and `/api/v1/schemas/{file}`: the JSON Schemas of the contract
//! functions whose answers this verifier publishes ([`nanotrace_model::signature::PUBLIC`]:
//! a certificate, its verdict and history, the trust list, the organisations), generated
//! from the model's types — the same documents as `schemas/contract/` in the repository,
//! which a test holds to the types. A partner's backend validates what it reads from the
//! ledger (through its own Gateway client) against them.

use super::error_code::{error, ErrorCode};
use axum::extract::Path;
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use nanotrace_model::signature::{schemas, FunctionSchemas, PUBLIC};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The served files by name (`{Function}.{request|response}.json`), pretty JSON.
static FILES: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| {
    let mut files = BTreeMap::new();
    for s in schemas().into_iter().filter(|s| PUBLIC.contains(&s.function)) {
        for (part, schema) in [("request", &s.request), ("response", &s.response)] {
            let text = serde_json::to_string_pretty(schema).unwrap_or_default() + "\n";
            files.insert(FunctionSchemas::file_name(s.function, part), text);
        }
    }
    files
});

/// One entry of the index.
#[derive(serde::Serialize)]
struct Entry {
    function: &'static str,
    request: String,
    response: String,
}

/// `GET /api/v1/schemas`: which functions' schemas are served, with their addresses.
pub(super) async fn index() -> Response {
    let entries: Vec<Entry> = PUBLIC
        .iter()
        .map(|f| Entry {
            function: f.name(),
            request: format!("/api/v1/schemas/{}", FunctionSchemas::file_name(*f, "request")),
            response: format!("/api/v1/schemas/{}", FunctionSchemas::file_name(*f, "response")),
        })
        .collect();
    cached(Json(entries).into_response(), None)
}

/// `GET /api/v1/schemas/{file}`.
pub(super) async fn schema(Path(file): Path<String>) -> Response {
    match FILES.get(&file) {
        Some(text) => cached(text.clone().into_response(), Some("application/schema+json")),
        None => error(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            &format!("no such schema; served: {}", FILES.keys().cloned().collect::<Vec<_>>().join(", ")),
        ),
    }
}

/// The schemas change only with the verifier's version: cacheable for an hour.
fn cached(mut response: Response, content_type: Option<&'static str>) -> Response {
    let headers = response.headers_mut();
    if let Some(kind) = content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

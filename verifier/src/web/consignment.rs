//! `POST /api/v1/verify` with a list (issue 48): a consignment check. Up to
//! [`MAX_ITEMS`] items — certificate IDs, verification URLs (their offline tokens checked
//! against the trust list), GS1 Digital Link URIs and element strings — as JSON
//! (`{"items": [...]}`) or CSV (`Content-Type: text/csv`, one item per record), answered
//! item by item in the order given, as JSON or (`Accept: text/csv`) CSV. A malformed item
//! is that item's error. A list weighs one request of the client's rate per
//! [`ITEMS_PER_REQUEST`] items.

use super::error_code::{error, ErrorCode};
use super::lookup::blocking;
use super::refusal::Refusal;
use super::resolver::lot_certificates;
use super::Web;
use crate::state::{now, AppState};
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use nanotrace_model::consignment::{self, csv_format, ConsignmentReport, Source, MAX_ITEMS};
use nanotrace_model::{Certificate, IssuerKey, Verification};
use std::net::IpAddr;

/// Items of a list that weigh as much as one request against the client's rate.
pub(super) const ITEMS_PER_REQUEST: usize = 10;

/// Whether a request body is a CSV list.
pub(super) fn is_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/csv"))
}

/// Whether the client asks for the report as CSV.
fn wants_csv(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/csv"))
}

/// Checks the items of a CSV body, or answers that it is not one.
pub(super) async fn check_csv(web: &Web, ip: IpAddr, headers: &HeaderMap, body: &[u8]) -> Response {
    match csv_format::read_items(body) {
        Ok(items) => check(web, ip, headers, items).await,
        Err(e) => error(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, &format!("the CSV list cannot be read: {e}")),
    }
}

/// Checks `items` for the client at `ip`: the report, as JSON or (`Accept: text/csv`) CSV.
pub(super) async fn check(web: &Web, ip: IpAddr, headers: &HeaderMap, items: Vec<String>) -> Response {
    let report = match run(web, ip, items).await {
        Ok(report) => report,
        Err(refusal) => return refusal.into_api(),
    };
    if wants_csv(headers) {
        return csv_response(&report, None);
    }
    (StatusCode::OK, Json(report)).into_response()
}

/// The report of `items` for the client at `ip`, or why there is none: an empty or too
/// long list, the client's rate spent, the cache unreadable. Shared by the API and the page.
pub(super) async fn run(web: &Web, ip: IpAddr, items: Vec<String>) -> Result<ConsignmentReport, Refusal> {
    if items.is_empty() {
        return Err(Refusal::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, "the list has no items".to_owned()));
    }
    if items.len() > MAX_ITEMS {
        return Err(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("a list has at most {MAX_ITEMS} items (this one has {}): split it", items.len()),
        ));
    }
    // The request itself was counted by the middleware; the rest of its weight here.
    let weight = items.len().div_ceil(ITEMS_PER_REQUEST) - 1;
    if !web.limiter.allows_n(ip, u32::try_from(weight).unwrap_or(u32::MAX)) {
        return Err(Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!("a list of {} items weighs {} requests: too many for now", items.len(), weight + 1),
        ));
    }
    let app = web.app.clone();
    let at = now();
    let report = blocking(move || Ok(report(&app, &items, at))).await.map_err(|e| {
        tracing::error!(error = %e, "consignment check failed");
        Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unverifiable,
            "the verifier cannot read its copy of the ledger".to_owned(),
        )
    })?;
    for item in &report.items {
        if let Some(verdict) = item.verdict {
            web.metrics.verdict(verdict);
        }
    }
    Ok(report)
}

/// The report as a CSV body; with `download`, as a file of that name.
pub(super) fn csv_response(report: &ConsignmentReport, download: Option<&str>) -> Response {
    let mut response = csv_format::write_report(&report.items).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Some(value) =
        download.and_then(|name| HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).ok())
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The verifier's cache as a consignment check reads it.
struct Cached<'a>(&'a AppState);

impl Source for Cached<'_> {
    fn verification(&self, id: &str, at: i64) -> Result<Verification, String> {
        self.0
            .verdict(id, at)
            .map(|view| view.verification)
            .map_err(|e| format!("the verifier cannot read its copy of the ledger: {e}"))
    }

    fn lot_certificates(&self, gtin: &str, lot: &str) -> Result<Vec<Certificate>, String> {
        lot_certificates(self.0, gtin, lot).map_err(|e| format!("the verifier cannot read its copy of the ledger: {e}"))
    }

    fn issuers(&self) -> Result<Vec<IssuerKey>, String> {
        self.0.cache.issuers().map_err(|e| format!("the verifier cannot read its trust list: {e}"))
    }

    fn staleness(&self, at: i64) -> Option<String> {
        self.0.staleness(at)
    }
}

/// The report of `items` at time `at`, from the cache.
fn report(app: &AppState, items: &[String], at: i64) -> ConsignmentReport {
    let site = consignment::OwnSite::new(&app.public_url);
    consignment::check(&Cached(app), &site, items, at, Some(app.as_of(at).block))
}

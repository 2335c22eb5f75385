//! The consignment pages (issue 48): `GET /consignment`, where a customs officer scans the
//! codes on the packages one after another with the phone's camera (a running table of
//! verdicts, checked item by item through `POST /api/v1/verify`), or pastes or uploads a
//! list; and `POST /consignment`, the list's report as a printable page (the time, the
//! verifier's ledger block and the SHA-256 digest of the CSV report) or as the CSV itself.
//! The checking is [`super::super::consignment::run`], the API's.

use super::layout::{date_time, escape, layout};
use crate::web::assets::{PAGE_JS_PATH, ZXING_JS_PATH, ZXING_JS_SRI, ZXING_WASM_PATH};
use crate::web::consignment::{csv_response, run, Refusal};
use crate::web::extract::ClientIp;
use crate::web::Web;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use nanotrace_model::consignment::{csv_format, ConsignmentReport, Outcome, MAX_ITEMS};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// The consignment pages' content security policy: the verifier's, plus its own scripts,
/// compiling the barcode reader's WebAssembly and asking the verifier's API.
pub const CONSIGNMENT_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; \
     style-src 'unsafe-inline'; img-src 'self' data:; media-src 'self' blob:; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The scanning page may use the camera, and only for this origin (every other page: none).
pub const CONSIGNMENT_PERMISSIONS: &str = "camera=(self), microphone=(), geolocation=(), interest-cohort=()";

/// `GET /consignment`: scan, paste or upload.
pub(in crate::web) async fn consignment_page() -> Response {
    let body = format!(
        "<section class=\"card\"><h1 style=\"font-size:1.35rem\">Check a consignment</h1>\
         <p>Scan the code on each package with the camera, one after another, or paste or upload a list. \
         An item is a certificate ID, a verification URL (from a QR code), a GS1 Digital Link URI, or a GS1 \
         element string such as <span class=\"mono\">(01)09506000134352(10)LOT-42</span>: one per line, up to \
         {MAX_ITEMS}.</p>\
         <div id=\"scan\" hidden><div class=\"actions\">\
         <button type=\"button\" id=\"scan-start\" class=\"primary\">Scan with the camera</button>\
         <button type=\"button\" id=\"scan-stop\" hidden>Stop scanning</button></div>\
         <video id=\"scan-video\" playsinline muted hidden></video></div>\
         <p id=\"scan-status\" class=\"muted\" role=\"status\" aria-live=\"polite\"></p>\
         <form id=\"list-form\" method=\"post\" action=\"/consignment\">\
         <label for=\"items\" class=\"muted\">Items, one per line</label>\
         <textarea id=\"items\" name=\"items\" rows=\"7\" spellcheck=\"false\" autocomplete=\"off\" \
         placeholder=\"NT-ABCDEFGH2345&#10;https://verify.example.org/c/NT-…?t=…&#10;(01)09506000134352(10)LOT-42\"></textarea>\
         <p id=\"upload-row\" hidden><label for=\"upload\" class=\"muted\">Or upload a list (CSV or text, the item in the first column)</label><br>\
         <input type=\"file\" id=\"upload\" accept=\".csv,.txt,text/csv,text/plain\"></p>\
         <div class=\"actions\"><button type=\"submit\" name=\"format\" value=\"html\" class=\"primary\">Check the list</button>\
         <button type=\"submit\" name=\"format\" value=\"csv\">Download the report (CSV)</button></div></form></section>\
         <section class=\"card\" id=\"running\" hidden><h2>Scanned</h2>\
         <p id=\"summary\" class=\"summary\"></p>\
         <table class=\"items\"><thead><tr><th>#</th><th>Item</th><th>Verdict</th><th>Certificate and why</th></tr></thead>\
         <tbody id=\"rows\"></tbody></table>\
         <p class=\"muted\">Each scanned code is added to the list above: “Check the list” makes the printable report.</p></section>\
         {}",
        scripts()
    );
    page(StatusCode::OK, "Check a consignment — NanoTrace", &body, true)
}

/// The scripts of the consignment pages, pinned by their hashes.
fn scripts() -> String {
    format!(
        "<script src=\"{ZXING_JS_PATH}\" integrity=\"{ZXING_JS_SRI}\"></script>\
         <script src=\"{PAGE_JS_PATH}\" data-wasm=\"{ZXING_WASM_PATH}\"></script>"
    )
}

/// The list form's fields.
#[derive(Debug, Deserialize)]
pub(in crate::web) struct ListForm {
    /// The items, one per line (or CSV, the item in the first field).
    #[serde(default)]
    items: String,
    /// `html` (the printable report, the default) or `csv` (a file to save).
    format: Option<String>,
}

/// `POST /consignment`: the list's report, as a printable page or as CSV.
pub(in crate::web) async fn consignment_report(
    State(web): State<Web>,
    ClientIp(ip): ClientIp,
    form: Result<Form<ListForm>, FormRejection>,
) -> Response {
    let form = match form {
        Ok(Form(form)) => form,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "The list is too large for one request: split it.".to_owned()
            } else {
                format!("The form cannot be read: {}", rejection.body_text())
            };
            return refusal_page(status, &message);
        }
    };
    let csv = match form.format.as_deref() {
        None | Some("html") => false,
        Some("csv") => true,
        Some(other) => return refusal_page(StatusCode::BAD_REQUEST, &format!("There is no report format “{other}”.")),
    };
    let items = match csv_format::read_items(form.items.as_bytes()) {
        Ok(items) => items,
        Err(e) => return refusal_page(StatusCode::BAD_REQUEST, &format!("The list cannot be read: {e}.")),
    };
    let report = match run(&web, ip, items).await {
        Ok(report) => report,
        Err(Refusal { status, message, .. }) => {
            let mut response = refusal_page(status, &format!("{}.", super::layout::capitalise(&message)));
            if status == StatusCode::TOO_MANY_REQUESTS {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            return response;
        }
    };
    if csv {
        let name = match report.ledger_block {
            Some(block) => format!("consignment-block-{block}.csv"),
            None => "consignment.csv".to_owned(),
        };
        return csv_response(&report, Some(&name));
    }
    page(StatusCode::OK, "Consignment report — NanoTrace", &render_report(&report, &form.items), false)
}

/// The SHA-256 of the report's CSV form (hex): what the printed page states, so the CSV
/// saved with it can be matched to it (`sha256sum`).
pub fn report_digest(report: &ConsignmentReport) -> String {
    hex::encode(Sha256::digest(csv_format::write_report(&report.items)))
}

/// The printable report. `items` is the list as sent (kept in the page to download the
/// same list's CSV).
fn render_report(report: &ConsignmentReport, items: &str) -> String {
    let s = &report.summary;
    let mut out = String::with_capacity(2048 + report.items.len() * 256);
    let block = report.ledger_block.map_or_else(|| "none yet".to_owned(), |b| b.to_string());
    let _ = write!(
        out,
        "<section class=\"card\"><h1 style=\"font-size:1.35rem\">Consignment report</h1>\
         <p class=\"summary\"><b class=\"n-valid\">{} valid</b> · <b class=\"n-not-valid\">{} not valid</b> · \
         <b class=\"n-errors\">{} not checked</b> of {} items</p>\
         <dl><dt>Checked</dt><dd>{}</dd><dt>Ledger block</dt><dd id=\"ledger-block\">{block}</dd>\
         <dt>Verifier</dt><dd>this NanoTrace public verifier’s copy of the ledger</dd>\
         <dt>Report digest</dt><dd class=\"mono\" id=\"digest\">SHA-256 {}</dd></dl>\
         <p class=\"muted\">The digest is the SHA-256 of this report as CSV (the download below): keep both.</p>",
        s.valid,
        s.not_valid,
        s.errors,
        s.total,
        date_time(report.checked_at),
        report_digest(report),
    );
    let flagged: Vec<String> = report
        .items
        .iter()
        .filter(|i| i.outcome != Outcome::Valid)
        .map(|i| format!("#{} {}", i.index + 1, escape(i.verdict.map_or(i.outcome.as_str(), |v| v.as_str()))))
        .collect();
    if !flagged.is_empty() {
        let _ = write!(
            out,
            "<div class=\"note bad\" id=\"flagged\"><b>Not valid or not checked</b>{}</div>",
            flagged.join(", ")
        );
    }
    let _ = write!(
        out,
        "<form class=\"noprint actions\" method=\"post\" action=\"/consignment\">\
         <textarea name=\"items\" hidden>\n{}</textarea>\
         <button type=\"submit\" name=\"format\" value=\"csv\">Download the report (CSV)</button>\
         <button type=\"button\" data-print hidden>Print</button>\
         <a href=\"/consignment\">Check another consignment</a></form></section>",
        escape(items)
    );
    out.push_str(
        "<section class=\"card\"><table class=\"items\"><thead><tr><th>#</th><th>Item</th><th>Verdict</th>\
         <th>Certificate and why</th></tr></thead><tbody>",
    );
    for i in &report.items {
        let word = i.verdict.map_or_else(|| "ERROR".to_owned(), |v| v.as_str().to_owned());
        let class = i.verdict.map_or_else(|| "unverifiable".to_owned(), |v| v.as_str().to_lowercase());
        let certificate = match &i.certificate_id {
            Some(id) => format!("<a class=\"mono\" href=\"/c/{id}\">{id}</a> ", id = escape(id)),
            None => String::new(),
        };
        let problem = i.problem.map(|p| format!(" <span class=\"mono\">({})</span>", p.as_str())).unwrap_or_default();
        let _ = write!(
            out,
            "<tr class=\"o-{}\"><td>{}</td><td class=\"mono item\">{}</td><td><span class=\"badge v-{class}\">{word}</span></td>\
             <td>{certificate}{}{problem}</td></tr>",
            i.outcome.as_str(),
            i.index + 1,
            escape(&i.input),
            escape(&i.reason),
        );
    }
    out.push_str("</tbody></table></section>");
    out.push_str(&scripts());
    out
}

/// A refused list as a page, with the way back.
fn refusal_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<section class=\"card\"><h1 style=\"font-size:1.3rem\">The list was not checked</h1><p>{}</p>\
         <p><a href=\"/consignment\">Back to the consignment check</a></p></section>",
        escape(message)
    );
    page(status, "The list was not checked — NanoTrace", &body, false)
}

/// A consignment page: the layout with the pages' CSP; `camera` allows this origin the camera.
fn page(status: StatusCode, title: &str, body: &str, camera: bool) -> Response {
    let mut response = (status, Html(layout(title, body))).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONSIGNMENT_CSP));
    if camera {
        headers
            .insert(HeaderName::from_static("permissions-policy"), HeaderValue::from_static(CONSIGNMENT_PERMISSIONS));
    }
    response
}

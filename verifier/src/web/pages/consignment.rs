//! The consignment pages (issue 48): `GET /consignment`, where a customs officer scans the
//! codes on the packages one after another with the phone's camera (a running table of
//! verdicts, checked item by item through `POST /api/v1/verify`), or pastes or uploads a
//! list; and `POST /consignment`, the list's report as a printable page (the time, the
//! verifier's ledger block and the SHA-256 digest of the CSV report) or as the CSV itself.
//! The checking is [`super::super::consignment::run`], the API's.

use super::certificate::verdict_word;
use super::layout::{date_time, escape, layout};
use crate::web::assets::{PAGE_JS_PATH, ZXING_JS_PATH, ZXING_JS_SRI, ZXING_WASM_PATH};
use crate::web::consignment::{csv_response, run};
use crate::web::extract::ClientIp;
use crate::web::headers::language_headers;
use crate::web::i18n::Lang;
use crate::web::refusal::Refusal;
use crate::web::Web;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use nanotrace_model::consignment::{csv_format, ConsignmentReport, ItemReport, Outcome, Problem, MAX_ITEMS};
use nanotrace_model::link::page_path;
use nanotrace_model::Verdict;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// The consignment pages' content security policy: the verifier's, plus its own scripts,
/// compiling the barcode reader's WebAssembly and asking the verifier's API.
pub const CONSIGNMENT_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; \
     worker-src 'self'; manifest-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; media-src 'self' blob:; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The scanning page may use the camera, and only for this origin (every other page: none).
pub const CONSIGNMENT_PERMISSIONS: &str = "camera=(self), microphone=(), geolocation=(), interest-cohort=()";

/// `GET /consignment`: scan, paste or upload.
pub(in crate::web) async fn consignment_page(lang: Lang) -> Response {
    let t = |id: &str| escape(&lang.t(id));
    let body = format!(
        "<section class=\"card\"><h1 style=\"font-size:1.35rem\">{}</h1>\
         <p>{} <span class=\"mono\">(01)09506000134352(10)LOT-42</span>{}</p>\
         <div id=\"scan\" hidden><div class=\"actions\">\
         <button type=\"button\" id=\"scan-start\" class=\"primary\">{}</button>\
         <button type=\"button\" id=\"scan-stop\" hidden>{}</button></div>\
         <video id=\"scan-video\" playsinline muted hidden></video></div>\
         <p id=\"scan-status\" class=\"muted\" role=\"status\" aria-live=\"polite\"></p>\
         <form id=\"list-form\" method=\"post\" action=\"/consignment\">\
         <label for=\"items\" class=\"muted\">{}</label>\
         <textarea id=\"items\" name=\"items\" rows=\"7\" spellcheck=\"false\" autocomplete=\"off\" \
         placeholder=\"NT-ABCDEFGH2345&#10;https://verify.example.org/c/NT-…?t=…&#10;(01)09506000134352(10)LOT-42\"></textarea>\
         <p id=\"upload-row\" hidden><label for=\"upload\" class=\"muted\">{}</label><br>\
         <input type=\"file\" id=\"upload\" accept=\".csv,.txt,text/csv,text/plain\"></p>\
         <div class=\"actions\"><button type=\"submit\" name=\"format\" value=\"html\" class=\"primary\">{}</button>\
         <button type=\"submit\" name=\"format\" value=\"csv\">{}</button></div></form></section>\
         <section class=\"card\" id=\"running\" hidden><h2>{}</h2>\
         <p id=\"summary\" class=\"summary\"></p>\
         <table class=\"items\"><thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\
         <tbody id=\"rows\"></tbody></table>\
         <p class=\"muted\">{}</p></section>\
         {}",
        t("consignment-title"),
        t("consignment-intro"),
        escape(&lang.t_with("consignment-intro-end", &[("n", MAX_ITEMS.into())])),
        t("scan-start"),
        t("scan-stop"),
        t("items-label"),
        t("upload-label"),
        t("check-list"),
        t("download-csv"),
        t("scanned"),
        t("col-item"),
        t("col-verdict"),
        t("col-why"),
        t("scanned-note"),
        scripts(lang)
    );
    page(lang, StatusCode::OK, &format!("{} — NanoTrace", lang.t("consignment-title")), &body, true)
}

/// The scripts of the consignment pages, pinned by their hashes, and their words.
fn scripts(lang: Lang) -> String {
    format!(
        "<script type=\"application/json\" id=\"words\">{}</script>\
         <script src=\"{ZXING_JS_PATH}\" integrity=\"{ZXING_JS_SRI}\"></script>\
         <script src=\"{PAGE_JS_PATH}\" data-wasm=\"{ZXING_WASM_PATH}\" data-certificate-page=\"{}\"></script>",
        consignment_words(lang),
        nanotrace_model::link::PAGE_ROUTE,
    )
}

/// The words the consignment script shows (it has none of its own), as the page's data
/// block: its messages, every verdict's word, and — the API's reasons being English — in
/// another language a phrase for each problem.
fn consignment_words(lang: Lang) -> String {
    let mut ids: Vec<String> = SCRIPT_WORDS.iter().map(|id| (*id).to_owned()).collect();
    ids.extend(Verdict::ALL.iter().map(|verdict| format!("verdict-{}", verdict.as_str())));
    ids.push("verdict-ERROR".to_owned());
    ids.push("word-foreign-site".to_owned());
    if lang != Lang::En {
        ids.extend(Problem::ALL.iter().map(|p| p.as_str()).chain(["none"]).map(|problem| format!("problem-{problem}")));
    }
    super::script_words(lang, ids, &SCRIPT_VARIABLES)
}

/// The messages of the consignment script.
const SCRIPT_WORDS: [&str; 13] = [
    "count-foreign-site",
    "js-file-too-large",
    "js-file-read",
    "js-no-camera",
    "js-reader-failed",
    "js-summary",
    "js-not-checked",
    "js-checking",
    "js-read",
    "js-unreadable",
    "js-camera-refused",
    "js-point",
    "js-stopped",
];

/// The values the script puts into its messages.
const SCRIPT_VARIABLES: [&str; 7] = ["n", "file", "valid", "not_valid", "errors", "which", "message"];

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
    lang: Lang,
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
            return refusal_page(lang, status, &message);
        }
    };
    let csv = match form.format.as_deref() {
        None | Some("html") => false,
        Some("csv") => true,
        Some(other) => {
            return refusal_page(lang, StatusCode::BAD_REQUEST, &format!("There is no report format “{other}”."))
        }
    };
    let items = match csv_format::read_items(form.items.as_bytes()) {
        Ok(items) => items,
        Err(e) => return refusal_page(lang, StatusCode::BAD_REQUEST, &format!("The list cannot be read: {e}.")),
    };
    let report = match run(&web, ip, items).await {
        Ok(report) => report,
        Err(Refusal { status, message, .. }) => {
            let mut response = refusal_page(lang, status, &format!("{}.", super::layout::capitalise(&message)));
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
    let title = format!("{} — NanoTrace", lang.t("report-title"));
    page(lang, StatusCode::OK, &title, &render_report(lang, &report, &form.items), false)
}

/// The SHA-256 of the report's CSV form (hex): what the printed page states, so the CSV
/// saved with it can be matched to it (`sha256sum`).
pub fn report_digest(report: &ConsignmentReport) -> String {
    hex::encode(Sha256::digest(csv_format::write_report(&report.items)))
}

/// The printable report. `items` is the list as sent (kept in the page to download the
/// same list's CSV).
fn render_report(lang: Lang, report: &ConsignmentReport, items: &str) -> String {
    let s = &report.summary;
    let t = |id: &str| escape(&lang.t(id));
    let mut out = String::with_capacity(2048 + report.items.len() * 256);
    let block = report.ledger_block.map_or_else(|| lang.t("block-none"), |b| b.to_string());
    let _ = write!(
        out,
        "<section class=\"card\"><h1 style=\"font-size:1.35rem\">{}</h1>\
         <p class=\"summary\"><b class=\"n-valid\">{}</b> · <b class=\"n-not-valid\">{}</b> · \
         <b class=\"n-errors\">{}</b>{} {}</p>\
         <dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd id=\"ledger-block\">{}</dd>\
         <dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd class=\"mono\" id=\"digest\">SHA-256 {}</dd></dl>\
         <p class=\"muted\">{}</p>",
        t("report-title"),
        escape(&lang.t_with("count-valid", &[("n", s.valid.into())])),
        escape(&lang.t_with("count-not-valid", &[("n", s.not_valid.into())])),
        escape(&lang.t_with("count-not-checked", &[("n", s.errors.into())])),
        foreign_count(lang, s.foreign_site),
        escape(&lang.t_with("count-of", &[("n", s.total.into())])),
        t("report-checked"),
        date_time(report.checked_at),
        t("report-block"),
        escape(&block),
        t("report-verifier"),
        t("report-verifier-is"),
        t("report-digest"),
        report_digest(report),
        t("report-digest-note"),
    );
    let flagged: Vec<String> = report
        .items
        .iter()
        .filter(|i| i.outcome != Outcome::Valid)
        .map(|i| format!("#{} {}", i.index + 1, escape(&item_word(lang, i))))
        .collect();
    if !flagged.is_empty() {
        let _ = write!(
            out,
            "<div class=\"note bad\" id=\"flagged\"><b>{}</b>{}</div>",
            t("report-flagged"),
            flagged.join(", ")
        );
    }
    let _ = write!(
        out,
        "<form class=\"noprint actions\" method=\"post\" action=\"/consignment\">\
         <textarea name=\"items\" hidden>\n{}</textarea>\
         <button type=\"submit\" name=\"format\" value=\"csv\">{}</button>\
         <button type=\"button\" data-print hidden>{}</button>\
         <a href=\"/consignment\">{}</a></form></section>",
        escape(items),
        t("download-csv"),
        t("print"),
        t("check-another"),
    );
    let _ = write!(
        out,
        "<section class=\"card\"><table class=\"items\"><thead><tr><th>#</th><th>{}</th><th>{}</th>\
         <th>{}</th></tr></thead><tbody>",
        t("col-item"),
        t("col-verdict"),
        t("col-why"),
    );
    for i in &report.items {
        let class = match (i.outcome, i.verdict) {
            // Another site's page: a warning, never a verdict of this verifier.
            (Outcome::ForeignSite, _) => "revoked".to_owned(),
            (_, Some(verdict)) => verdict.as_str().to_lowercase(),
            (_, None) => "unverifiable".to_owned(),
        };
        let certificate = match &i.certificate_id {
            Some(id) => {
                let id = escape(id);
                format!("<a class=\"mono\" href=\"{}\">{id}</a> ", page_path(&id))
            }
            None => String::new(),
        };
        let mut problem =
            i.problem.map(|p| format!(" <span class=\"mono\">({})</span>", p.as_str())).unwrap_or_default();
        if let Some(site) = &i.foreign_site {
            let _ = write!(problem, " <span class=\"mono foreign-site\">— {}</span>", escape(site));
        }
        let _ = write!(
            out,
            "<tr class=\"o-{}\"><td>{}</td><td class=\"mono item\">{}</td><td><span class=\"badge v-{class}\">{}</span></td>\
             <td>{certificate}{}{problem}</td></tr>",
            i.outcome.as_str(),
            i.index + 1,
            escape(&i.input),
            escape(&item_word(lang, i)),
            escape(&item_reason(lang, i)),
        );
    }
    out.push_str("</tbody></table></section>");
    out.push_str(&scripts(lang));
    out
}

/// The count of items of another site, when there are any (` · N name another site`).
fn foreign_count(lang: Lang, n: usize) -> String {
    if n == 0 {
        return String::new();
    }
    format!(" · <b class=\"n-foreign-site\">{}</b>", escape(&lang.t_with("count-foreign-site", &[("n", n.into())])))
}

/// An item's verdict word in `lang` (ERROR for an item that was not checked, OTHER SITE
/// for another site's verification URL).
fn item_word(lang: Lang, item: &ItemReport) -> String {
    match (item.outcome, item.verdict) {
        (Outcome::ForeignSite, _) => lang.t("word-foreign-site"),
        (_, Some(verdict)) => verdict_word(lang, verdict),
        (_, None) => lang.t("verdict-ERROR"),
    }
}

/// Why an item is what it is, in `lang`. The report's reason is English and names the
/// detail (a certifier's reason, what is malformed): the English page shows it; another
/// language says what the problem token means.
fn item_reason(lang: Lang, item: &ItemReport) -> String {
    match (lang, item.problem) {
        (Lang::En, _) => item.reason.clone(),
        (_, Some(problem)) => lang.t(&format!("problem-{}", problem.as_str())),
        (_, None) => lang.t("problem-none"),
    }
}

/// A refused list as a page, with the way back. `message` is English: the English page
/// shows it, another language says what the status means.
fn refusal_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let message = match (lang, status) {
        (Lang::En, _) => message.to_owned(),
        (_, StatusCode::PAYLOAD_TOO_LARGE) => lang.t_with("refused-too-large", &[("n", MAX_ITEMS.into())]),
        (_, StatusCode::TOO_MANY_REQUESTS) => lang.t("refused-too-many"),
        (_, StatusCode::SERVICE_UNAVAILABLE) => lang.t("cannot-read-ledger"),
        _ => lang.t("refused-unreadable"),
    };
    let body = format!(
        "<section class=\"card\"><h1 style=\"font-size:1.3rem\">{}</h1><p>{}</p>\
         <p><a href=\"/consignment\">{}</a></p></section>",
        escape(&lang.t("refused-title")),
        escape(&message),
        escape(&lang.t("back-to-consignment")),
    );
    page(lang, status, &format!("{} — NanoTrace", lang.t("refused-title")), &body, false)
}

/// A consignment page in `lang`: the layout with the pages' CSP; `camera` allows this
/// origin the camera.
fn page(lang: Lang, status: StatusCode, title: &str, body: &str, camera: bool) -> Response {
    let mut response = (status, Html(layout(lang, title, body, ""))).into_response();
    language_headers(&mut response, lang);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONSIGNMENT_CSP));
    if camera {
        headers
            .insert(HeaderName::from_static("permissions-policy"), HeaderValue::from_static(CONSIGNMENT_PERMISSIONS));
    }
    response
}

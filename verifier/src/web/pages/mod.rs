//! The HTML pages: the handlers of the search page, the search form's target, the
//! verification page and a product's page of certificates by lot ([`product`]). The
//! templates are beside them: [`layout`] (frame, CSS, error pages) and [`certificate`]
//! (the verification page's body).

mod certificate;
mod consignment;
mod layout;
mod offline;
mod product;

pub(super) use consignment::{consignment_page, consignment_report};
pub use consignment::{report_digest, CONSIGNMENT_CSP, CONSIGNMENT_PERMISSIONS};
pub use layout::escape;
pub(in crate::web) use layout::layout;
pub(crate) use layout::{choices_page, error_page, not_found_page};
pub(super) use offline::offline_page;
pub(super) use product::product;

use super::extract::{normalize_id, BadId, CertificateId};
use super::i18n::{Arg, Lang};
use super::lookup::{answer, lookup, Lookup};
use super::rendered::{Kind, Rendered};
use super::Web;
use crate::state::{now, AsOf};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use layout::{bad_id_page, html, search_form};
use nanotrace_model::link::page_path;
use nanotrace_model::token::{OfflineToken, OfflineVerification};
use serde::Deserialize;
use std::fmt::Write;

/// A redirect to `location` (a 400 page if it cannot be a header value).
fn redirect(lang: Lang, status: StatusCode, location: &str) -> Response {
    let mut response = status.into_response();
    match HeaderValue::from_str(location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => error_page(lang, StatusCode::BAD_REQUEST, &lang.t("bad-request"), &lang.t("bad-redirect")),
    }
}

/// `GET /`: the search page.
pub(super) async fn index(lang: Lang) -> Response {
    let title = lang.t("index-title");
    let body = format!(
        "<section class=\"card\"><h1 style=\"font-size:1.35rem\">{}</h1><p>{}</p>{}\
         <p class=\"links\"><a href=\"/consignment\">{}</a></p></section>",
        escape(&title),
        escape(&lang.t("index-intro")),
        search_form(lang),
        escape(&lang.t("index-consignment")),
    );
    let mut response = html(lang, StatusCode::OK, &format!("{title} — NanoTrace"), &body);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}

/// The search form's query.
#[derive(Debug, Deserialize)]
pub(super) struct SearchQuery {
    id: Option<String>,
}

/// `GET /c?id=...`: the search form's target.
pub(super) async fn search(lang: Lang, query: Result<Query<SearchQuery>, QueryRejection>) -> Response {
    let typed = match query {
        Ok(Query(SearchQuery { id: Some(id) })) if !id.trim().is_empty() => id,
        Ok(_) => {
            return error_page(lang, StatusCode::BAD_REQUEST, &lang.t("search-empty-title"), &lang.t("search-empty"))
        }
        Err(_) => return bad_id_page(lang, "The query is malformed"),
    };
    match normalize_id(&typed) {
        Some(id) => redirect(lang, StatusCode::SEE_OTHER, &page_path(&id)),
        None => bad_id_page(
            lang,
            &match CertificateId::parse(typed.trim()) {
                Err(message) => message,
                Ok(_) => "That is not a certificate ID".to_owned(),
            },
        ),
    }
}

/// The verification page's query: the offline token of a scanned QR code.
#[derive(Debug, Deserialize)]
pub(super) struct PageQuery {
    t: Option<String>,
}

/// `GET /c/{id}`: the verification page.
pub(super) async fn certificate(
    State(web): State<Web>,
    lang: Lang,
    headers: HeaderMap,
    id: Result<CertificateId, BadId>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    if let Err(BadId { raw: None, .. }) = &id {
        return bad_id_page(lang, "The address is not valid text");
    }
    let Ok(Query(PageQuery { t: token })) = query else {
        return bad_id_page(lang, "The address's query is malformed");
    };
    let id = match id {
        Ok(CertificateId(id)) => id,
        Err(BadId { raw, message }) => {
            // A person typed it: lower case, spaces, no prefix. Send them to the real page.
            if let Some(canonical) = raw.as_deref().and_then(normalize_id) {
                let mut location = page_path(&canonical);
                if let Some(t) = token.as_deref().filter(|t| is_token_text(t)) {
                    let _ = write!(location, "?t={t}");
                }
                return redirect(lang, StatusCode::PERMANENT_REDIRECT, &location);
            }
            return bad_id_page(lang, &message);
        }
    };
    match token {
        // The page for a scanned token depends on the token: rendered every time.
        Some(t) => {
            let found = lookup(&web.app, &id, now()).await;
            web.metrics.verdict(found.verdict());
            let keep = if is_token_text(&t) { format!("t={t}&") } else { String::new() };
            page(lang, &id, &found, Some(&check_token(&t, &found, &id)), &keep).response(None)
        }
        None => answer(&web, Kind::Page(lang), &id, headers.get(header::ACCEPT_ENCODING)).await,
    }
}

/// The page of certificate `id` in `lang` for a lookup, with the check of a scanned
/// token if there was one; `keep`: the query the language links carry on.
pub(super) fn page(lang: Lang, id: &str, found: &Lookup, check: Option<&TokenCheck>, keep: &str) -> Rendered {
    let title = format!("{} — {id} — NanoTrace", certificate::verdict_word(lang, found.verdict()));
    let (body, fresh) = certificate::render_certificate(lang, found, check, id);
    let page = layout(lang, &title, &body, keep);
    let at = page.find(layout::MAIN).map(|main| main + layout::MAIN.len());
    let rendered = Rendered::page(lang, found.status(), found.verdict(), page);
    match at {
        Some(at) if rendered.body.get(at..at + body.len()) == Some(body.as_bytes()) => {
            rendered.with_fresh(at + fresh.start..at + fresh.end)
        }
        _ => rendered,
    }
}

/// The freshness paragraph of the page on `id` in `lang` ([`page`]'s [`Rendered::fresh`]).
pub(super) fn freshness(lang: Lang, id: &str, as_of: &AsOf, at: i64) -> String {
    certificate::freshness(lang, id, as_of, at)
}

/// Characters a token can have (base64url), so it can be copied into a URL as is.
fn is_token_text(t: &str) -> bool {
    t.len() <= nanotrace_model::token::MAX_TOKEN_CHARS
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the offline token in a scanned URL says.
pub(super) enum TokenCheck {
    /// The signature verifies; `same_data` compares its digest with the current record.
    Authentic { offline: OfflineVerification, same_data: Option<bool> },
    /// Authentic, but for another certificate than the page's.
    OtherCertificate(String),
    /// The token does not decode or its signature does not verify.
    Failed(String),
}

fn check_token(text: &str, found: &Lookup, id: &str) -> TokenCheck {
    let verified = OfflineToken::decode(text.trim()).and_then(|t| t.verify(&found.issuers, now()));
    match verified {
        Err(e) => TokenCheck::Failed(e.to_string()),
        Ok(offline) if offline.certificate_id != id => TokenCheck::OtherCertificate(offline.certificate_id),
        Ok(offline) => {
            let same_data = found
                .current()
                .and_then(|c| c.certificate.issuance.as_ref())
                .map(|issuance| issuance.digest == offline.digest);
            TokenCheck::Authentic { offline, same_data }
        }
    }
}

/// The words a page's script shows, as the JSON of the page's `#words` data block:
/// message ID → its text in `lang`, with `{name}` left where the script puts the value of
/// each of `variables`.
fn script_words(lang: Lang, ids: impl IntoIterator<Item = String>, variables: &[&str]) -> String {
    let values: Vec<String> = variables.iter().map(|name| format!("{{{name}}}")).collect();
    let args: Vec<(&str, Arg<'_>)> =
        variables.iter().zip(&values).map(|(name, value)| (*name, Arg::Text(value))).collect();
    let words: serde_json::Map<String, serde_json::Value> = ids
        .into_iter()
        .map(|id| {
            let text = lang.t_with(&id, &args);
            (id, text.into())
        })
        .collect();
    // `<` never reaches the HTML parser inside the data block.
    serde_json::Value::Object(words).to_string().replace('<', "\\u003c")
}

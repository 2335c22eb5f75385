//! The page of a product (a GTIN): each lot with the issued certificate to rely on for it
//! ([`preferred_for_lot`]) and that certificate's verdict now, read the same way as the
//! verification page's; a lot with applications only is not listed, and the product's
//! name is an issued certificate's. It is where the GS1 resolver sends a scan of the GTIN
//! alone, and a scan of a lot the ledger has no certificate for (`?lot=`: the page says so
//! first).

use super::certificate::verdict_word;
use super::layout::{escape, html, search_form};
use super::Web;
use crate::state::now;
use crate::web::i18n::Lang;
use crate::web::lookup::{blocking, lookup};
use crate::web::resolver::{product_lots, DigitalLink, MAX_LOTS};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{HeaderValue, CACHE_CONTROL};
use axum::http::StatusCode;
use axum::response::Response;
use nanotrace_model::link::page_path;
use nanotrace_model::{preferred_for_lot, Verdict};
use serde::Deserialize;
use std::fmt::Write;

/// The page's query: the lot a scan asked for, when the ledger has none of it.
#[derive(Debug, Deserialize)]
pub(in crate::web) struct ProductQuery {
    lot: Option<String>,
}

/// `GET /products/{gtin}`.
pub(in crate::web) async fn product(
    State(web): State<Web>,
    lang: Lang,
    gtin: Result<Path<String>, axum::extract::rejection::PathRejection>,
    query: Result<Query<ProductQuery>, QueryRejection>,
) -> Response {
    let bad = |message: String| super::error_page(lang, StatusCode::BAD_REQUEST, &lang.t("bad-product"), &message);
    let Ok(Path(gtin)) = gtin else { return bad(lang.t("bad-gtin-text")) };
    let Ok(Query(ProductQuery { lot: scanned })) = query else { return bad(lang.t("bad-query")) };
    let link = match DigitalLink::parse(&format!("/01/{gtin}")) {
        Ok(link) => link,
        // The parser's own words are English: shown on the English page only.
        Err(message) if lang == Lang::En => return bad(message.to_string()),
        Err(_) => return bad(lang.t("bad-gtin")),
    };
    let gtin14 = link.gtin14();
    let app = web.app.clone();
    let at = now();
    let read = blocking(move || {
        let issuers = app.cache.issuers().map_err(|e| e.to_string())?;
        Ok((product_lots(&app, &link.gtin, MAX_LOTS)?, issuers))
    })
    .await;
    let ((lots, more), issuers) = match read {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the product index");
            return super::error_page(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                &lang.t("cannot-verify-title"),
                &lang.t("cannot-read-ledger"),
            );
        }
    };
    let mut rows = String::new();
    let mut listed: Vec<&str> = Vec::new();
    // The name under which the product was most recently applied for and certified.
    let mut name: Option<(i64, &str)> = None;
    for (lot, certs) in &lots {
        let Some(cert) = preferred_for_lot(certs, &issuers, at) else { continue };
        listed.push(lot);
        if name.is_none_or(|(applied, _)| cert.applied_at > applied) {
            name = Some((cert.applied_at, &cert.application.product_name));
        }
        let found = lookup(&web.app, &cert.id, at).await;
        let verdict = found.verdict();
        let _ = write!(
            rows,
            "<li><span class=\"lot\">{} <b>{}</b></span> <a class=\"mono\" href=\"{href}\">{id}</a> \
             <span class=\"badge v-{}\">{}</span></li>",
            escape(&lang.t("lot")),
            escape(lot),
            verdict.as_str().to_lowercase(),
            escape(&verdict_word(lang, verdict)),
            id = escape(&cert.id),
            href = page_path(&escape(&cert.id)),
        );
    }
    if rows.is_empty() {
        return match web.app.staleness(at) {
            Some(_) => super::error_page(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                &lang.t("cannot-verify-title"),
                &lang.t("product-stale"),
            ),
            None => super::error_page(
                lang,
                StatusCode::NOT_FOUND,
                &lang.t("product-none-title"),
                &lang.t_with("product-none", &[("what", format!("GTIN {gtin}").as_str().into())]),
            ),
        };
    }
    let mut body = String::with_capacity(2048 + rows.len());
    if let Some(lot) = scanned.filter(|lot| !listed.contains(&lot.as_str())) {
        let _ = write!(
            body,
            "<section class=\"verdict v-unknown\" role=\"status\"><h1 class=\"word\">{}</h1><div class=\"text\">\
             <p class=\"headline\">{}</p><p class=\"reason\">{}</p></div></section>",
            escape(&verdict_word(lang, Verdict::Unknown)),
            escape(&lang.t_with("lot-none", &[("lot", lot.as_str().into())])),
            escape(&lang.t("lot-none-body")),
        );
    }
    let _ = write!(
        body,
        "<section class=\"card\"><h2>{}</h2><p class=\"product\"><b>{}</b><br><span class=\"mono\">GTIN {gtin14}</span></p></section>\
         <section class=\"card\"><h2>{}</h2><ul class=\"lots\">{rows}</ul>{}</section>\
         <section class=\"card\"><h2>{}</h2>{}</section>",
        escape(&lang.t("card-product")),
        escape(name.map_or("", |(_, name)| name)),
        escape(&lang.t("card-by-lot")),
        if more {
            format!("<p class=\"muted\">{}</p>", escape(&lang.t_with("lots-first", &[("n", MAX_LOTS.into())])))
        } else {
            String::new()
        },
        escape(&lang.t("card-verify-another")),
        search_form(lang),
    );
    let mut response = html(lang, StatusCode::OK, &format!("GTIN {gtin14} — NanoTrace"), &body);
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

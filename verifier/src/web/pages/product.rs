//! The page of a product (a GTIN): each lot with the issued certificate to rely on for it
//! ([`preferred_for_lot`]) and that certificate's verdict now, read the same way as the
//! verification page's; a lot with applications only is not listed, and the product's
//! name is an issued certificate's. It is where the GS1 resolver sends a scan of the GTIN
//! alone, and a scan of a lot the ledger has no certificate for (`?lot=`: the page says so
//! first).

use super::layout::{escape, html, SEARCH_FORM};
use super::Web;
use crate::state::now;
use crate::web::lookup::{blocking, lookup};
use crate::web::resolver::{product_lots, DigitalLink, MAX_LOTS};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{HeaderValue, CACHE_CONTROL};
use axum::http::StatusCode;
use axum::response::Response;
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
    gtin: Result<Path<String>, axum::extract::rejection::PathRejection>,
    query: Result<Query<ProductQuery>, QueryRejection>,
) -> Response {
    let bad = |message: &str| super::error_page(StatusCode::BAD_REQUEST, "Bad product", message);
    let Ok(Path(gtin)) = gtin else { return bad("The GTIN is not valid text.") };
    let Ok(Query(ProductQuery { lot: scanned })) = query else { return bad("The address's query is malformed.") };
    let link = match DigitalLink::parse(&format!("/01/{gtin}")) {
        Ok(link) => link,
        Err(message) => return bad(&message.to_string()),
    };
    let gtin14 = link.gtin14();
    let app = web.app.clone();
    let at = now();
    let read = blocking(move || product_lots(&app, &link.gtin, MAX_LOTS)).await;
    let (lots, more) = match read {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the product index");
            return super::error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Cannot verify right now",
                "The verifier cannot read its copy of the ledger.",
            );
        }
    };
    let mut rows = String::new();
    let mut listed: Vec<&str> = Vec::new();
    // The name under which the product was most recently applied for and certified.
    let mut name: Option<(i64, &str)> = None;
    for (lot, certs) in &lots {
        let Some(cert) = preferred_for_lot(certs, at) else { continue };
        listed.push(lot);
        if name.is_none_or(|(applied, _)| cert.applied_at > applied) {
            name = Some((cert.applied_at, &cert.application.product_name));
        }
        let found = lookup(&web.app, &cert.id, at).await;
        let verdict = found.verdict();
        let _ = write!(
            rows,
            "<li><span class=\"lot\">Lot <b>{}</b></span> <a class=\"mono\" href=\"/c/{id}\">{id}</a> \
             <span class=\"badge v-{}\">{}</span></li>",
            escape(lot),
            verdict.as_str().to_lowercase(),
            verdict.as_str(),
            id = escape(&cert.id),
        );
    }
    if rows.is_empty() {
        return match web.app.staleness(at) {
            Some(reason) => super::error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Cannot verify right now",
                &format!(
                    "No certificate is known for this product, but the verifier cannot vouch for its data: {reason}."
                ),
            ),
            None => super::error_page(
                StatusCode::NOT_FOUND,
                "No certificate for this product",
                &format!("No certificate is recorded for GTIN {gtin}. Do not accept the product as certified."),
            ),
        };
    }
    let mut body = String::with_capacity(2048 + rows.len());
    if let Some(lot) = scanned.filter(|lot| !listed.contains(&lot.as_str())) {
        let _ = write!(
            body,
            "<section class=\"verdict v-unknown\" role=\"status\"><h1 class=\"word\">{}</h1><div class=\"text\">\
             <p class=\"headline\">No certificate is recorded for lot {}.</p><p class=\"reason\">Do not accept a product \
             of that lot as certified. The lots of this product that have certificates are listed below.</p></div></section>",
            Verdict::Unknown.as_str(),
            escape(&lot),
        );
    }
    let _ = write!(
        body,
        "<section class=\"card\"><h2>Product</h2><p class=\"product\"><b>{}</b><br><span class=\"mono\">GTIN {gtin14}</span></p></section>\
         <section class=\"card\"><h2>Certificates by lot</h2><ul class=\"lots\">{rows}</ul>{}</section>\
         <section class=\"card\"><h2>Verify another certificate</h2>{SEARCH_FORM}</section>",
        escape(name.map_or("", |(_, name)| name)),
        if more { format!("<p class=\"muted\">Only the first {MAX_LOTS} lots are listed.</p>") } else { String::new() },
    );
    let mut response = html(StatusCode::OK, &format!("GTIN {gtin14} — NanoTrace"), &body);
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

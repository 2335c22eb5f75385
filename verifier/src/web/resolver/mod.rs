//! The GS1 Digital Link resolver, as GS1's resolver standard 1.2.0 asks: a product's
//! GS1 Digital Link URI (`/01/{gtin}`, with `/22/`, `/10/`, `/21/` qualifiers) answers
//! GET, HEAD and OPTIONS with CORS; without `linkType` it redirects (307) to the default
//! link, with one to the link of that type (404 when there is none, listing what there
//! is; 300 with the list when several links of that type share the attributes a request
//! can choose by, media type and language), and `linkType=linkset` or `Accept:
//! application/linkset+json` returns the RFC 9264 linkset with no redirect, valid
//! against GS1's linkset schema. Every answer names the linkset in one `Link` header
//! line, a linkset answer GS1's JSON-LD context in the same line. A URI with no records of its own walks up to the
//! levels above it (a serial number to its lot, an unknown lot to its GTIN). The query
//! string goes along with every redirect. Syntax errors are 400; nothing known is 404
//! (503 while the cache is too old to say so). `/.well-known/gs1resolver` describes the
//! resolver.
//!
//! The lot's links point at the issued certificate a buyer should rely on now
//! ([`preferred_for_lot`]): its verification page is the default link, so a resolved
//! scan always lands on the verifier's own verdict. A lot with applications only
//! (PENDING or REJECTED) has no links of its own: no certifier vouched for what they
//! say, so their SDS links and product names are never published.

mod linkset;
mod negotiate;

use super::i18n::Lang;
use super::lookup::blocking;
use super::pages::{choices_page, error_page};
use super::Web;
use crate::state::{now, AppState};
use axum::extract::State;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use linkset::{gtin_entry, lot_entry, Entry, LinkType, Linkset, LINKSET_CONTEXT};
use nanotrace_model::link::gtin_forms;
use nanotrace_model::{check_issuance, preferred_for_lot, published_sds, Certificate};
use negotiate::{choose, Choice, Wanted};
use std::collections::BTreeMap;

pub(crate) use nanotrace_model::digital_link::DigitalLink;

/// At most this many lots of one product are listed (in its linkset and on its page).
pub(super) const MAX_LOTS: usize = 100;

/// A product's lots, each with its certificates, in lot order.
pub(super) type Lots = Vec<(String, Vec<Certificate>)>;

/// The lots of a product, each with its certificates (in lot order, at most `max_lots`),
/// and whether it has more: the GTIN in every length it may have been recorded in.
pub(super) fn product_lots(app: &AppState, gtin: &str, max_lots: usize) -> Result<(Lots, bool), String> {
    let mut lots: BTreeMap<String, Vec<Certificate>> = BTreeMap::new();
    let mut more = false;
    for form in gtin_forms(gtin) {
        let found = app.cache.by_gtin(&form, max_lots).map_err(|e| e.to_string())?;
        more |= found.more;
        for (lot, records) in found.lots {
            lots.entry(lot).or_default().extend(records.into_iter().map(|r| r.certificate));
        }
    }
    more |= lots.len() > max_lots;
    Ok((lots.into_iter().take(max_lots).collect(), more))
}

/// The certificates of one lot of a product, the GTIN in every length.
pub(super) fn lot_certificates(app: &AppState, gtin: &str, lot: &str) -> Result<Vec<Certificate>, String> {
    let mut out = Vec::new();
    for form in gtin_forms(gtin) {
        let records = app.cache.by_product(&form, lot).map_err(|e| e.to_string())?;
        out.extend(records.into_iter().map(|r| r.certificate));
    }
    Ok(out)
}

/// The levels of `link` the resolver has links for, most specific first. The GTIN's level
/// (every lot of the product read) only when the answer needs it: a request the lot's own
/// links answer — a plain scan of a certified lot, the common case — reads that lot alone.
fn entries(app: &AppState, link: &DigitalLink, at: i64, wanted: &Wanted) -> Result<Vec<Entry>, String> {
    let root = &*app.public_url;
    let gtin14 = link.gtin14();
    let mut out = Vec::new();
    let mut lot_unknown = None;
    let issuers = app.cache.issuers().map_err(|e| e.to_string())?;
    if let Some(lot) = link.lot_level() {
        let certs = lot_certificates(app, &link.gtin, lot)?;
        match preferred_for_lot(&certs, &issuers, at) {
            Some(cert) => {
                let signed = check_issuance(cert, &issuers).is_ok();
                let sds = published_sds(cert, signed, &issuers).reviewed;
                out.push(lot_entry(root, &gtin14, lot, cert, signed, sds))
            }
            None => lot_unknown = Some(lot),
        }
    }
    if let (Some(lot), Wanted::Term(term)) = (out.first(), wanted) {
        if LinkType::ALL.into_iter().any(|t| t.term() == term && lot.of(t).is_some()) {
            return Ok(out);
        }
    }
    let (lots, _) = product_lots(app, &link.gtin, MAX_LOTS)?;
    let preferred: Vec<(&str, &Certificate)> = lots
        .iter()
        .filter_map(|(lot, certs)| preferred_for_lot(certs, &issuers, at).map(|cert| (lot.as_str(), cert)))
        .collect();
    if !preferred.is_empty() {
        out.push(gtin_entry(root, &gtin14, &preferred, lot_unknown));
    }
    Ok(out)
}

/// `GET|HEAD /01/...`: resolves a product's GS1 Digital Link.
pub(super) async fn resolve(State(web): State<Web>, lang: Lang, uri: Uri, headers: HeaderMap) -> Response {
    let link = match DigitalLink::parse(uri.path()) {
        Ok(link) => link,
        Err(message) => {
            // The parser's own words are English: shown on the English page only.
            let message = if lang == Lang::En { message.to_string() } else { lang.t("bad-link") };
            return with_cors(error_page(lang, StatusCode::BAD_REQUEST, &lang.t("bad-link-title"), &message));
        }
    };
    let query = uri.query().unwrap_or("");
    let link_type = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "linkType").map(|(_, v)| v);
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let wanted = negotiate::wanted(link_type.as_deref(), accept);

    let app = web.app.clone();
    let read = {
        let (link, wanted) = (link.clone(), wanted.clone());
        blocking(move || entries(&app, &link, now(), &wanted)).await
    };
    let entries = match read {
        Ok(entries) => entries,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the product index");
            return with_cors(error_page(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                &lang.t("cannot-verify-title"),
                &lang.t("cannot-read-ledger"),
            ));
        }
    };
    if entries.is_empty() {
        return with_cors(nothing_known(&web, lang, &link));
    }
    let linkset_url = format!("{}{}?linkType=linkset", web.app.public_url, uri.path());
    let mut link_header = linkset_link(&linkset_url);
    let response = match wanted {
        Wanted::Linkset(media_type) => {
            link_header.push_str(&format!(", {}", context_link()));
            linkset_response(&Linkset { linkset: entries }, media_type)
        }
        Wanted::Term(term) => {
            let found = LinkType::ALL
                .into_iter()
                .find(|t| t.term() == term)
                .and_then(|t| entries.iter().find_map(|entry| entry.of(t).map(|links| (t, entry, links))));
            match found.and_then(|(t, entry, links)| Some((t, entry, links, choose(links, accept)?))) {
                Some((_, _, _, Choice::One(link))) => redirect(lang, &with_query(&link.href, query)),
                Some((link_type, entry, links, Choice::Ambiguous)) => {
                    if negotiate::prefers_json(accept) {
                        link_header.push_str(&format!(", {}", context_link()));
                    }
                    multiple_choices(lang, entry, link_type, links, accept)
                }
                None => not_available(lang, &format!("gs1:{term}"), &entries),
            }
        }
        Wanted::Foreign(value) => not_available(lang, &value, &entries),
    };
    with_cors(with_link_header(response, &link_header))
}

/// `OPTIONS /01/...`: what a browser asks before a cross-origin request; like every
/// answer on a well-formed Digital Link, it names the link's linkset (`Link`).
pub(super) async fn preflight(State(web): State<Web>, uri: Uri) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::ALLOW, HeaderValue::from_static(METHODS));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    if DigitalLink::parse(uri.path()).is_ok() {
        let linkset_url = format!("{}{}?linkType=linkset", web.app.public_url, uri.path());
        response = with_link_header(response, &linkset_link(&linkset_url));
    }
    with_cors(response)
}

/// `GET /.well-known/gs1resolver`: the resolver description file.
pub(super) async fn description(State(web): State<Web>) -> Response {
    let file = serde_json::json!({
        "name": "NanoTrace certificate verifier",
        "resolverRoot": &*web.app.public_url,
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{ "namespace": linkset::GS1_VOC, "prefix": "gs1:" }],
        "linkTypeDefaultCanBeLinkset": false,
    });
    let mut response = axum::Json(file).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    with_cors(response)
}

/// The methods the resolver answers.
const METHODS: &str = "GET, HEAD, OPTIONS";

/// Lets any origin read the answer (and the headers a resolver's client needs).
fn with_cors(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(METHODS));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("Accept, Accept-Language"));
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("Link, Location"));
    // A page (an error, a choice) is in the reader's language as well.
    let vary =
        if headers.contains_key(header::CONTENT_LANGUAGE) { "Accept, Accept-Language, Cookie" } else { "Accept" };
    headers.insert(header::VARY, HeaderValue::from_static(vary));
    response
}

/// The link to the linkset of the requested URI, titled as GS1's resolver standard asks
/// of every link it exposes.
fn linkset_link(linkset_url: &str) -> String {
    format!(
        "<{linkset_url}>; rel=\"linkset\"; type=\"{}\"; title=\"Every link this resolver knows for the product\"",
        negotiate::LINKSET_JSON
    )
}

/// The link to GS1's JSON-LD context, which turns a JSON linkset into JSON-LD.
fn context_link() -> String {
    format!("<{LINKSET_CONTEXT}>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\"")
}

/// Sets the answer's `Link` header: one line, so that a client that keeps only the last
/// line of a repeated header still sees every link.
fn with_link_header(mut response: Response, links: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(links) {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

/// `href` with the request's query string added to its own.
fn with_query(href: &str, query: &str) -> String {
    match (query.is_empty(), href.contains('?')) {
        (true, _) => href.to_owned(),
        (false, true) => format!("{href}&{query}"),
        (false, false) => format!("{href}?{query}"),
    }
}

/// 307 to `location`.
fn redirect(lang: Lang, location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => error_page(lang, StatusCode::BAD_REQUEST, &lang.t("bad-request"), &lang.t("bad-redirect")),
    }
}

/// The linkset, 200, as `media_type` (the caller names GS1's JSON-LD context).
fn linkset_response(linkset: &Linkset, media_type: &'static str) -> Response {
    let body = match serde_json::to_vec(linkset) {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a linkset");
            return error_page(
                Lang::En,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Cannot answer",
                "The linkset could not be written.",
            );
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    response
}

/// 300 (Multiple Choices) for a link type whose links the request cannot choose between:
/// the level's links of that type, as a linkset of that level for a client that prefers
/// JSON, as a page of links for a person.
fn multiple_choices(
    lang: Lang,
    entry: &Entry,
    link_type: LinkType,
    links: &[linkset::Link],
    accept: Option<&str>,
) -> Response {
    let mut response = if negotiate::prefers_json(accept) {
        let only = Entry {
            anchor: entry.anchor.clone(),
            item_description: entry.item_description.clone(),
            links: vec![(link_type, links.to_vec())],
        };
        let mut response = linkset_response(&Linkset { linkset: vec![only] }, negotiate::LINKSET_JSON);
        *response.status_mut() = StatusCode::MULTIPLE_CHOICES;
        response
    } else {
        let choices: Vec<(&str, &str)> = links.iter().map(|l| (l.href.as_str(), l.title.as_str())).collect();
        let (product, kind) = (entry.item_description.as_str(), format!("gs1:{}", link_type.term()));
        choices_page(
            lang,
            &lang.t_with("choose-title", &[("product", product.into())]),
            &lang.t_with(
                "choose-intro",
                &[("product", product.into()), ("n", links.len().into()), ("type", kind.as_str().into())],
            ),
            &choices,
        )
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// 404 for a link type the product has no link of, saying which it has.
fn not_available(lang: Lang, asked: &str, entries: &[Entry]) -> Response {
    let mut available: Vec<String> = Vec::new();
    for entry in entries {
        for (link_type, _) in &entry.links {
            let name = format!("gs1:{}", link_type.term());
            if !available.contains(&name) {
                available.push(name);
            }
        }
    }
    let available = available.join(", ");
    error_page(
        lang,
        StatusCode::NOT_FOUND,
        &lang.t("no-such-link-title"),
        &lang.t_with("no-such-link", &[("asked", asked.into()), ("available", available.as_str().into())]),
    )
}

/// 404 when the ledger has no certificate for the product (503 while the cache is too
/// old to say so).
fn nothing_known(web: &Web, lang: Lang, link: &DigitalLink) -> Response {
    if web.app.staleness(now()).is_some() {
        return error_page(
            lang,
            StatusCode::SERVICE_UNAVAILABLE,
            &lang.t("cannot-verify-title"),
            &lang.t("product-stale"),
        );
    }
    let what = match &link.lot {
        Some(lot) => lang.t_with("gtin-lot", &[("gtin", link.gtin.as_str().into()), ("lot", lot.into())]),
        None => format!("GTIN {}", link.gtin),
    };
    error_page(
        lang,
        StatusCode::NOT_FOUND,
        &lang.t("product-none-title"),
        &lang.t_with("product-none", &[("what", what.as_str().into())]),
    )
}

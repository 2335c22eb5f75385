//! The HTML pages: a search box, the verification page and error pages. Mobile first,
//! inline CSS and SVG only, every piece of ledger text escaped.

use super::rendered::{Kind, Rendered};
use super::{answer, check_id, date, date_time, lookup, normalize_id, now, Lookup, Web};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use nanotrace_chaincode::model::{Certificate, Verdict};
use nanotrace_chaincode::token::{OfflineToken, OfflineVerification};
use serde::Deserialize;
use std::fmt::Write;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;color:#1b1f24;background:#f2f4f7}
a{color:#0b57d0}
.top{background:#0f2742;color:#fff;padding:.55rem 1rem}
.top a{color:#fff;text-decoration:none;font-weight:700;letter-spacing:.02em}
.top span{font-weight:400;opacity:.8}
main{max-width:44rem;margin:0 auto;padding:.75rem .75rem 1.5rem}
h1,h2{margin:0}
.verdict{display:grid;grid-template-columns:auto minmax(0,1fr);column-gap:.7rem;align-items:center;border:3px solid;border-radius:14px;padding:.8rem .9rem;margin:.25rem 0 .5rem}
.verdict svg{width:3rem;height:3rem}
.verdict .text{grid-column:1/-1;min-width:0}
.word{font-size:clamp(1.35rem,6.8vw,2.2rem);line-height:1.1;font-weight:800;letter-spacing:.02em;overflow-wrap:anywhere}
.headline{margin:.5rem 0 0;font-weight:700;font-size:1.08rem}
.reason{margin:.3rem 0 0;overflow-wrap:anywhere}
.since{margin:.2rem 0 0;font-size:.92rem}
.v-valid{background:#e6f4ea;border-color:#137333;color:#0c3d1d}.v-valid svg,.v-valid .word{color:#137333}
.v-expired,.v-suspended{background:#fff3e0;border-color:#b45309;color:#4a2404}.v-expired svg,.v-expired .word,.v-suspended svg,.v-suspended .word{color:#b45309}
.v-revoked,.v-rejected{background:#fdecea;border-color:#b3261e;color:#4d0f0b}.v-revoked svg,.v-revoked .word,.v-rejected svg,.v-rejected .word{color:#b3261e}
.v-superseded{background:#e8f0fe;border-color:#1a5fb4;color:#0d2a52}.v-superseded svg,.v-superseded .word{color:#1a5fb4}
.v-pending{background:#eef0f2;border-color:#5f6368;color:#26292d}.v-pending svg,.v-pending .word{color:#5f6368}
.v-unknown{background:#eceff1;border-color:#37474f;color:#1d262b}.v-unknown svg,.v-unknown .word{color:#37474f}
.v-unverifiable{background:#f3e8ff;border-color:#6b21a8;color:#35104f}.v-unverifiable svg,.v-unverifiable .word{color:#6b21a8}
.fresh{font-size:.85rem;color:#4a5361;margin:0 0 .75rem}
.note{border-left:5px solid;border-radius:8px;padding:.6rem .75rem;margin:0 0 .75rem;background:#fff;overflow-wrap:anywhere}
.note.ok{border-color:#137333}.note.warn{border-color:#b45309;background:#fffaf2}.note.bad{border-color:#b3261e;background:#fff6f5}.note.info{border-color:#1a5fb4}
.note b{display:block}
.card{background:#fff;border-radius:12px;padding:.75rem .9rem;margin:0 0 .75rem;box-shadow:0 1px 2px rgba(16,24,40,.08)}
.card h2{font-size:.8rem;color:#4a5361;text-transform:uppercase;letter-spacing:.08em;margin:0 0 .45rem}
dl{margin:0;display:grid;grid-template-columns:minmax(5.5rem,30%) minmax(0,1fr);gap:.45rem .7rem}
dt{color:#4a5361;font-size:.85rem;padding-top:.1rem}
dd{margin:0;overflow-wrap:anywhere}
.mono{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.9rem}
.muted{color:#5b6472;font-size:.9rem}
ol.hist{margin:0;padding:0;list-style:none}
ol.hist li{padding:.45rem 0;border-top:1px solid #e6e9ee;overflow-wrap:anywhere}
ol.hist li:first-child{border-top:0;padding-top:0}
ol.hist time{display:block;font-size:.82rem;color:#5b6472}
form.search{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}
form.search input{flex:1 1 12rem;min-width:0;font:inherit;font-size:1.1rem;padding:.6rem .7rem;border:2px solid #9aa4b2;border-radius:10px;text-transform:uppercase}
form.search button{font:inherit;font-weight:700;padding:.6rem 1.1rem;border:0;border-radius:10px;background:#0f2742;color:#fff}
.links{font-size:.9rem}
.links a{margin-right:.9rem;display:inline-block}
footer.foot{max-width:44rem;margin:0 auto;padding:0 .75rem 1.5rem;font-size:.8rem;color:#5b6472}
@media (max-width:20rem){dl{grid-template-columns:minmax(0,1fr)}dd{margin-bottom:.2rem}}
"#;

/// A whole page around `body` (HTML). `title` is plain text.
fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><meta name=\"robots\" content=\"noindex\">\
         <title>{}</title><style>{CSS}</style></head><body>\
         <header class=\"top\"><a href=\"/\">NanoTrace <span>Verify</span></a></header>\
         <main>{body}</main>\
         <footer class=\"foot\">NanoTrace public verifier — answers from its copy of the certificate ledger. \
         <a href=\"/api/v1/openapi.yaml\">JSON API</a></footer></body></html>\n",
        escape(title)
    )
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    (status, Html(layout(title, body))).into_response()
}

const SEARCH_FORM: &str = "<form class=\"search\" method=\"get\" action=\"/c\" role=\"search\">\
    <label for=\"id\" class=\"muted\" style=\"flex-basis:100%\">Certificate ID (on the label, under the QR code)</label>\
    <input id=\"id\" name=\"id\" required maxlength=\"64\" placeholder=\"NT-ABCDEFGH2345\" autocomplete=\"off\" \
    autocapitalize=\"characters\" spellcheck=\"false\"><button type=\"submit\">Verify</button></form>";

/// An error page with the search form. `message` is plain text.
pub(super) fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<section class=\"card\"><h1 style=\"font-size:1.3rem\">{}</h1><p>{}</p>{SEARCH_FORM}</section>",
        escape(title),
        escape(message)
    );
    html(status, title, &body)
}

fn bad_id_page(message: &str) -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "Not a certificate ID",
        &format!(
            "{}. A certificate ID is NT- followed by 12 letters A–Z and digits 2–7, e.g. NT-ABCDEFGH2345.",
            capitalise(message)
        ),
    )
}

fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = status.into_response();
    match HeaderValue::from_str(location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => error_page(StatusCode::BAD_REQUEST, "Bad request", "The address cannot be redirected."),
    }
}

pub(super) async fn index() -> Response {
    let body = format!(
        "<section class=\"card\"><h1 style=\"font-size:1.35rem\">Verify a nanomaterial certificate</h1>\
         <p>Scan the QR code on the package, or type the certificate ID printed on the label. \
         The answer comes from the NanoTrace ledger and says whether the certificate is in force now.</p>\
         {SEARCH_FORM}</section>"
    );
    let mut response = html(StatusCode::OK, "Verify a nanomaterial certificate — NanoTrace", &body);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}

#[derive(Debug, Deserialize)]
pub(super) struct SearchQuery {
    id: Option<String>,
}

/// `GET /c?id=...`: the search form's target.
pub(super) async fn search(query: Result<Query<SearchQuery>, QueryRejection>) -> Response {
    let typed = match query {
        Ok(Query(SearchQuery { id: Some(id) })) if !id.trim().is_empty() => id,
        Ok(_) => return error_page(StatusCode::BAD_REQUEST, "Type a certificate ID", "No certificate ID was given."),
        Err(_) => return bad_id_page("The query is malformed"),
    };
    match normalize_id(&typed) {
        Some(id) => redirect(StatusCode::SEE_OTHER, &format!("/c/{id}")),
        None => bad_id_page(&match check_id(typed.trim()) {
            Err(message) => message,
            Ok(()) => "That is not a certificate ID".to_owned(),
        }),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct PageQuery {
    t: Option<String>,
}

/// `GET /c/{id}`: the verification page.
pub(super) async fn certificate(
    State(web): State<Web>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let Ok(Path(id)) = path else {
        return bad_id_page("The address is not valid text");
    };
    let Ok(Query(PageQuery { t: token })) = query else {
        return bad_id_page("The address's query is malformed");
    };
    if let Err(message) = check_id(&id) {
        // A person typed it: lower case, spaces, no prefix. Send them to the real page.
        if let Some(canonical) = normalize_id(&id) {
            let mut location = format!("/c/{canonical}");
            if let Some(t) = token.as_deref().filter(|t| is_token_text(t)) {
                let _ = write!(location, "?t={t}");
            }
            return redirect(StatusCode::PERMANENT_REDIRECT, &location);
        }
        return bad_id_page(&message);
    }
    let page = |found: &Lookup, check: Option<&TokenCheck>| {
        let title = format!("{} — {id} — NanoTrace", found.verdict());
        Rendered::html(found.status(), found.verdict(), layout(&title, &render_certificate(found, check, &id)))
    };
    match token {
        // The page for a scanned token depends on the token: rendered every time.
        Some(t) => {
            let found = lookup(&web.app, &id, now()).await;
            web.metrics.verdict(found.verdict());
            page(&found, Some(&check_token(&t, &found, &id))).response(None)
        }
        None => answer(&web, Kind::Page, &id, headers.get(header::ACCEPT_ENCODING), |found| page(found, None)).await,
    }
}

/// Characters a token can have (base64url), so it can be copied into a URL as is.
fn is_token_text(t: &str) -> bool {
    t.len() <= nanotrace_chaincode::token::MAX_TOKEN_CHARS
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the offline token in a scanned URL says.
enum TokenCheck {
    /// The signature verifies; `same_data` compares its digest with the current record.
    Authentic {
        offline: OfflineVerification,
        same_data: Option<bool>,
    },
    /// Authentic, but for another certificate than the page's.
    OtherCertificate(String),
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

struct Look {
    class: &'static str,
    headline: &'static str,
    icon: &'static str,
}

const CIRCLE: &str = "<circle cx=\"24\" cy=\"24\" r=\"22\" fill=\"currentColor\"/>";

fn look(verdict: Verdict) -> Look {
    let (class, headline, icon) = match verdict {
        Verdict::Valid => (
            "v-valid",
            "This certificate is valid and in force.",
            "<path d=\"M13 25l7 7 15-16\" fill=\"none\" stroke=\"#fff\" stroke-width=\"5\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
        ),
        Verdict::Expired => (
            "v-expired",
            "Do not accept: this certificate has expired.",
            "<path d=\"M24 12v13l8 5\" fill=\"none\" stroke=\"#fff\" stroke-width=\"4.5\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
        ),
        Verdict::Suspended => (
            "v-suspended",
            "Do not accept: this certificate is suspended.",
            "<rect x=\"15.5\" y=\"14\" width=\"6\" height=\"20\" rx=\"1.5\" fill=\"#fff\"/><rect x=\"26.5\" y=\"14\" width=\"6\" height=\"20\" rx=\"1.5\" fill=\"#fff\"/>",
        ),
        Verdict::Revoked => (
            "v-revoked",
            "Do not accept: this certificate has been revoked.",
            "<path d=\"M16 16l16 16M32 16L16 32\" stroke=\"#fff\" stroke-width=\"5\" stroke-linecap=\"round\"/>",
        ),
        Verdict::Superseded => (
            "v-superseded",
            "Replaced by a newer version: check the current one.",
            "<path d=\"M12 24h22M26 15l9 9-9 9\" fill=\"none\" stroke=\"#fff\" stroke-width=\"4.5\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
        ),
        Verdict::Pending => (
            "v-pending",
            "Not a certificate yet: the application awaits a decision.",
            "<circle cx=\"14\" cy=\"24\" r=\"3.2\" fill=\"#fff\"/><circle cx=\"24\" cy=\"24\" r=\"3.2\" fill=\"#fff\"/><circle cx=\"34\" cy=\"24\" r=\"3.2\" fill=\"#fff\"/>",
        ),
        Verdict::Rejected => (
            "v-rejected",
            "Do not accept: the application was rejected.",
            "<circle cx=\"24\" cy=\"24\" r=\"12\" fill=\"none\" stroke=\"#fff\" stroke-width=\"4.5\"/><path d=\"M15.5 32.5l17-17\" stroke=\"#fff\" stroke-width=\"4.5\"/>",
        ),
        Verdict::Unknown => (
            "v-unknown",
            "No such certificate is recorded. The ID may be mistyped, or the label counterfeit.",
            "<path d=\"M18 18.5a6 6 0 1 1 8.5 5.5c-1.6.8-2.5 2-2.5 3.8V30\" fill=\"none\" stroke=\"#fff\" stroke-width=\"4.5\" stroke-linecap=\"round\"/><circle cx=\"24\" cy=\"36.5\" r=\"2.8\" fill=\"#fff\"/>",
        ),
        Verdict::Unverifiable => (
            "v-unverifiable",
            "Cannot verify right now. Do not rely on this certificate until it can be checked.",
            "",
        ),
    };
    let icon: &'static str = match verdict {
        Verdict::Unverifiable => concat!(
            "<path d=\"M24 4L46 43H2z\" fill=\"currentColor\" stroke=\"currentColor\" stroke-width=\"2\" stroke-linejoin=\"round\"/>",
            "<path d=\"M24 17v13\" stroke=\"#fff\" stroke-width=\"4.5\" stroke-linecap=\"round\"/>",
            "<circle cx=\"24\" cy=\"36.5\" r=\"2.8\" fill=\"#fff\"/>"
        ),
        _ => icon,
    };
    Look { class, headline, icon }
}

fn icon_svg(verdict: Verdict, icon: &str) -> String {
    let circle = if verdict == Verdict::Unverifiable { "" } else { CIRCLE };
    format!("<svg viewBox=\"0 0 48 48\" aria-hidden=\"true\" focusable=\"false\">{circle}{icon}</svg>")
}

/// A `<dt>`/`<dd>` row; `value` is HTML.
fn row(out: &mut String, label: &str, value: &str) {
    let _ = write!(out, "<dt>{}</dt><dd>{value}</dd>", escape(label));
}

fn cert_link(id: &str) -> String {
    let id = escape(id);
    format!("<a href=\"/c/{id}\" class=\"mono\">{id}</a>")
}

fn render_certificate(found: &Lookup, check: Option<&TokenCheck>, id: &str) -> String {
    let v = &found.view.verification;
    let look = look(v.verdict);
    let mut out = String::with_capacity(8 * 1024);

    // The verdict: word, colour and icon.
    let _ = write!(
        out,
        "<section class=\"verdict {}\" role=\"status\">{}<h1 class=\"word\">{}</h1><div class=\"text\"><p class=\"headline\">{}</p><p class=\"reason\">{}</p>",
        look.class,
        icon_svg(v.verdict, look.icon),
        v.verdict.as_str(),
        escape(look.headline),
        escape(&capitalise(&v.reason)),
    );
    if let Some(since) = v.since {
        let label = match v.verdict {
            Verdict::Valid => "Issued",
            Verdict::Expired => "Expired",
            Verdict::Pending => "Applied",
            Verdict::Suspended => "Suspended since",
            Verdict::Revoked => "Revoked",
            Verdict::Rejected => "Rejected",
            Verdict::Superseded => "Replaced",
            _ => "Since",
        };
        let _ = write!(out, "<p class=\"since\">{label} {}</p>", escape(&date_time(since)));
    }
    out.push_str("</div></section>");

    // How fresh the answer is.
    let as_of = &found.view.as_of;
    let _ = write!(
        out,
        "<p class=\"fresh\">Certificate <span class=\"mono\">{}</span> · ledger block {} · {} · checked {}</p>",
        escape(id),
        as_of.block,
        escape(&super::age_text(as_of)),
        escape(&date_time(v.checked_at)),
    );

    if let Some(check) = check {
        render_token_check(&mut out, check, v.verdict);
    }

    if let Some(newer) = found.superseded_by() {
        let _ = write!(
            out,
            "<div class=\"note info\"><b>A newer version replaces this certificate</b>Check the current version: {}</div>",
            cert_link(newer)
        );
    }
    for flag in found.flags() {
        let _ = write!(
            out,
            "<div class=\"note warn\"><b>Supplier certificate not in force</b>This product depends on {} which is {} since {}: {}</div>",
            cert_link(&flag.supplier_certificate),
            flag.supplier_status.as_str(),
            escape(&date(flag.since)),
            escape(&flag.reason)
        );
    }

    match (v.verdict, found.current(), found.view.cached.as_ref()) {
        (Verdict::Unverifiable, _, Some(stale)) => {
            let a = &stale.certificate.application;
            let _ = write!(out, "<section class=\"card\"><h2>Last known product (status not confirmed)</h2><dl>");
            row(&mut out, "Product", &escape(&a.product_name));
            if let Some(gtin) = &a.gtin {
                row(&mut out, "GTIN", &format!("<span class=\"mono\">{}</span>", escape(gtin)));
            }
            row(&mut out, "Batch", &escape(&a.batch));
            out.push_str("</dl></section>");
        }
        (_, Some(current), _) => {
            render_record(&mut out, &current.certificate, found);
            render_history(&mut out, &current.history);
        }
        _ => {
            if v.verdict == Verdict::Unknown {
                let _ = write!(
                    out,
                    "<section class=\"card\"><h2>Check again</h2><p>Compare the ID with the label. A certificate that the \
                     ledger does not know must not be accepted.</p>{SEARCH_FORM}</section>"
                );
            }
        }
    }

    let id_html = escape(id);
    let _ = write!(out, "<p class=\"links\"><a href=\"/api/v1/certificates/{id_html}\">JSON</a>");
    if found.current().is_some_and(|c| c.certificate.issuance.is_some()) {
        let _ = write!(
            out,
            "<a href=\"/qr/{id_html}.svg\">QR code (SVG)</a><a href=\"/qr/{id_html}.png\">QR code (PNG)</a>"
        );
    }
    out.push_str("<a href=\"/\">Verify another</a></p>");
    out
}

fn render_token_check(out: &mut String, check: &TokenCheck, verdict: Verdict) {
    match check {
        TokenCheck::Authentic { offline, same_data } => {
            let not_valid;
            let (class, title) = match same_data {
                Some(false) => (
                    "warn",
                    "The QR code is authentic but older than the ledger's record (the certificate was re-signed)",
                ),
                // Green only when the certificate is also in force: a genuine label of a
                // revoked certificate must not look reassuring.
                _ if verdict == Verdict::Valid => ("ok", "The QR code's signature is authentic"),
                _ => {
                    not_valid = format!("The QR code's signature is authentic, but the certificate is {verdict}");
                    ("info", not_valid.as_str())
                }
            };
            let _ = write!(
                out,
                "<div class=\"note {class}\"><b>{}</b>Signed by {} with key <span class=\"mono\">{}</span>, issued {}, valid until {}{}. \
                 A signature proves the certificate was issued; the verdict above says whether it is still in force.</div>",
                escape(title),
                escape(&offline.issuer.msp_id),
                escape(&offline.issuer_key_id),
                escape(&date(offline.issued_at)),
                escape(&date(offline.valid_until)),
                if offline.expired { " (expired)" } else { "" },
            );
        }
        TokenCheck::OtherCertificate(other) => {
            let _ = write!(
                out,
                "<div class=\"note bad\"><b>The QR code does not belong to this certificate</b>Its signed token is for {}. \
                 The label may have been tampered with.</div>",
                cert_link(other)
            );
        }
        TokenCheck::Failed(reason) => {
            let _ = write!(
                out,
                "<div class=\"note bad\"><b>The QR code's signature does not check out</b>{}. The label may be forged or altered.</div>",
                escape(&capitalise(reason))
            );
        }
    }
}

fn render_record(out: &mut String, cert: &Certificate, found: &Lookup) {
    let a = &cert.application;
    let n = &a.nanomaterial;

    out.push_str("<section class=\"card\"><h2>Product</h2><dl>");
    row(out, "Product", &escape(&a.product_name));
    if let Some(gtin) = &a.gtin {
        row(out, "GTIN", &format!("<span class=\"mono\">{}</span>", escape(gtin)));
    }
    row(out, "Batch / lot", &escape(&a.batch));
    row(out, "Manufacturer", &escape(&cert.manufacturer_msp));
    row(out, "Supplier", &escape(&a.supplier));
    if !a.product_description.is_empty() {
        row(out, "Description", &escape(&a.product_description));
    }
    out.push_str("</dl></section>");

    out.push_str("<section class=\"card\"><h2>Nanomaterial</h2><dl>");
    row(out, "Substance", &escape(&n.substance_name));
    row(out, "CAS number", &format!("<span class=\"mono\">{}</span>", escape(&n.cas_number)));
    if let Some(ec) = &n.ec_number {
        row(out, "EC number", &format!("<span class=\"mono\">{}</span>", escape(ec)));
    }
    let outcome = if cert.assessment.is_nanomaterial { "Nanomaterial" } else { "Not a nanomaterial" };
    row(
        out,
        "EU definition",
        &format!("<strong>{outcome}</strong> <span class=\"muted\">— {}</span>", escape(&cert.assessment.basis)),
    );
    let psd = &n.particle_size;
    row(
        out,
        "Particle size",
        &escape(&format!(
            "D50 {} nm (D10 {} – D90 {} nm), {:.0} % in 1–100 nm",
            psd.d50_nm,
            psd.d10_nm,
            psd.d90_nm,
            psd.fraction_1_100nm * 100.0
        )),
    );
    let shape = format!("{:?}", n.shape).to_lowercase();
    let treatment = if n.surface_treatment.is_empty() { "untreated".to_owned() } else { n.surface_treatment.clone() };
    row(out, "Shape / surface", &escape(&format!("{shape}, {treatment}")));
    out.push_str("</dl></section>");

    out.push_str("<section class=\"card\"><h2>Certificate</h2><dl>");
    row(out, "ID", &format!("<span class=\"mono\">{}</span> (version {})", escape(&cert.id), cert.version));
    let mut status = format!("{} since {}", cert.status.as_str(), date_time(cert.status_since));
    if let Some(reason) = &cert.status_reason {
        let _ = write!(status, ": {reason}");
    }
    if let (Verdict::Expired, Some(issuance)) = (found.verdict(), &cert.issuance) {
        let _ = write!(status, " (validity ended {})", date(issuance.valid_until));
    }
    row(out, "Record status", &escape(&status));
    match &cert.issuance {
        Some(issuance) => {
            row(out, "Issuer", &escape(&issuance.issuer_org));
            let key_state = match found.issuer_key() {
                Some(key) if key.retired_at.is_some() => format!(
                    "on the trust list, retired {}{}",
                    key.retired_at.map(date).unwrap_or_default(),
                    key.retired_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
                ),
                Some(key) => format!("on the trust list (held by {})", key.holder.msp_id),
                None => "NOT on the trust list".to_owned(),
            };
            row(
                out,
                "Issuer key",
                &format!(
                    "<span class=\"mono\">{}</span> <span class=\"muted\">{}</span>",
                    escape(&issuance.issuer_key_id),
                    escape(&key_state)
                ),
            );
            row(out, "Issued", &escape(&date_time(issuance.issued_at)));
            row(out, "Valid until", &escape(&date_time(issuance.valid_until)));
        }
        None => row(out, "Issued", "not issued"),
    }
    row(out, "Applied", &escape(&date_time(cert.applied_at)));
    // The contract admits only http(s) URLs; link nothing else all the same.
    let revision = if a.sds.url.starts_with("https://") || a.sds.url.starts_with("http://") {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer nofollow\">revision {}</a>",
            escape(&a.sds.url),
            a.sds.revision
        )
    } else {
        format!("revision {} <span class=\"mono\">{}</span>", a.sds.revision, escape(&a.sds.url))
    };
    row(
        out,
        "Safety data sheet",
        &format!("{revision}<br><span class=\"mono\">sha256 {}</span>", escape(&a.sds.sha256)),
    );
    if let Some(previous) = &cert.supersedes {
        row(out, "Replaces", &cert_link(previous));
    }
    if let Some(next) = &cert.superseded_by {
        row(out, "Replaced by", &cert_link(next));
    }
    if !a.depends_on.is_empty() {
        let links: Vec<String> = a.depends_on.iter().map(|d| cert_link(d)).collect();
        row(out, "Depends on", &links.join(" "));
    }
    if cert.resign_required {
        row(out, "Note", "the data changed since signing (new SDS revision); it needs a fresh signature");
    }
    out.push_str("</dl></section>");
}

const MAX_HISTORY_SHOWN: usize = 20;

fn render_history(out: &mut String, history: &[nanotrace_chaincode::model::HistoryEntry]) {
    if history.is_empty() {
        return;
    }
    out.push_str("<section class=\"card\"><h2>History (newest first)</h2><ol class=\"hist\">");
    for entry in history.iter().take(MAX_HISTORY_SHOWN) {
        let action = format!("{:?}", entry.action);
        let _ = write!(
            out,
            "<li><time>{}</time><strong>{}</strong> → {} <span class=\"muted\">by {}</span>",
            escape(&date_time(entry.timestamp)),
            escape(&action),
            entry.status.as_str(),
            escape(&entry.actor.msp_id)
        );
        if let Some(reason) = &entry.reason {
            let _ = write!(out, "<br>{}", escape(reason));
        }
        out.push_str("</li>");
    }
    if history.len() > MAX_HISTORY_SHOWN {
        let _ = write!(
            out,
            "<li class=\"muted\">and {} earlier entries (see the JSON API)</li>",
            history.len() - MAX_HISTORY_SHOWN
        );
    }
    out.push_str("</ol></section>");
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `GET /01/{gtin}/10/{lot}`: GS1 Digital Link to the product's newest certificate.
pub(super) async fn digital_link(
    State(web): State<Web>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let Ok(Path((gtin, lot))) = path else {
        return error_page(StatusCode::BAD_REQUEST, "Bad product link", "The product link is not valid text.");
    };
    if let Err(e) = nanotrace_chaincode::validate::gtin("GTIN", &gtin) {
        return error_page(StatusCode::BAD_REQUEST, "Bad product link", &format!("{e}."));
    }
    if let Err(e) =
        nanotrace_chaincode::validate::text("lot", &lot, nanotrace_chaincode::validate::limits::MAX_NAME, true)
    {
        return error_page(StatusCode::BAD_REQUEST, "Bad product link", &format!("{e}."));
    }
    let app = web.app.clone();
    let (gtin_for_read, lot_for_read) = (gtin.clone(), lot.clone());
    let found = super::blocking(move || {
        for candidate in gtin_forms(&gtin_for_read) {
            let certs = app.cache.by_product(&candidate, &lot_for_read).map_err(|e| e.to_string())?;
            if let Some(newest) = certs.into_iter().next() {
                return Ok(Some(newest.certificate.id));
            }
        }
        Ok(None)
    })
    .await;
    match found {
        Ok(Some(id)) => {
            let mut response = redirect(StatusCode::FOUND, &format!("/c/{id}"));
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Ok(None) => match web.app.staleness(now()) {
            Some(reason) => error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Cannot verify right now",
                &format!(
                    "No certificate is known for this product, but the verifier cannot vouch for its data: {reason}."
                ),
            ),
            None => error_page(
                StatusCode::NOT_FOUND,
                "No certificate for this product",
                &format!(
                    "No certificate is recorded for GTIN {gtin}, lot {lot}. Do not accept the product as certified."
                ),
            ),
        },
        Err(e) => {
            tracing::error!(error = %e, "cannot read the product index");
            error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Cannot verify right now",
                "The verifier cannot read its copy of the ledger.",
            )
        }
    }
}

/// A GTIN as given, then the same number in the other lengths (GS1 Digital Link uses
/// 14 digits; labels and applications often carry GTIN-13, -12 or -8).
fn gtin_forms(gtin: &str) -> Vec<String> {
    let digits = gtin.trim_start_matches('0');
    let mut forms = vec![gtin.to_owned()];
    for len in [14, 13, 12, 8] {
        if digits.len() <= len {
            let form = format!("{digits:0>len$}");
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_markup() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(escape("Titanium dioxide – 100 %"), "Titanium dioxide – 100 %");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn gtin_lengths() {
        assert_eq!(gtin_forms("04006381333931"), ["04006381333931", "4006381333931"]);
        assert_eq!(gtin_forms("96385074"), ["96385074", "00000096385074", "0000096385074", "000096385074"]);
    }
}

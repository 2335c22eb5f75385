//! The page frame: inline CSS, the layout every page shares, error pages, escaping and
//! the date formats pages use. Mobile first, every piece of ledger text escaped. Every
//! page loads one script of the verifier's own, `app.js` (it installs the service worker
//! that answers without a connection); no inline script runs anywhere (the CSP).

use crate::state::AsOf;
use crate::web::headers::language_headers;
use crate::web::i18n::Lang;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use std::fmt::Write;

/// Escapes text for HTML element content and quoted attribute values (`&`, `<`, `>`,
/// `"`, `'`: html-escape's quoted-attribute rule, which the notifier's emails use too).
pub fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

const CSS: &str = r#"
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;color:#1b1f24;background:#f2f4f7}
a{color:#0b57d0}
.top{background:#0f2742;color:#fff;padding:.55rem 1rem}
.top{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.3rem .8rem}
.top a{color:#fff;text-decoration:none;font-weight:700;letter-spacing:.02em}
.top span{font-weight:400;opacity:.8}
.langs a{font-weight:400;font-size:.85rem;margin-left:.7rem;text-decoration:underline}
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
.v-revoked,.v-rejected,.v-untrusted{background:#fdecea;border-color:#b3261e;color:#4d0f0b}.v-revoked svg,.v-revoked .word,.v-rejected svg,.v-rejected .word,.v-untrusted svg,.v-untrusted .word{color:#b3261e}
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
dt{color:#4a5361;font-size:.85rem;padding-top:.1rem;hyphens:auto;overflow-wrap:anywhere}
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
ul.lots{margin:0;padding:0;list-style:none}
ul.lots li{display:flex;flex-wrap:wrap;align-items:center;gap:.3rem .7rem;padding:.45rem 0;border-top:1px solid #e6e9ee;overflow-wrap:anywhere}
ul.lots li:first-child{border-top:0;padding-top:0}
.badge{white-space:nowrap;font-size:.78rem;font-weight:800;letter-spacing:.03em;padding:.05rem .45rem;border:2px solid;border-radius:6px}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.6rem 0}
.actions button{font:inherit;font-weight:700;padding:.55rem 1rem;border:2px solid #0f2742;border-radius:10px;background:#fff;color:#0f2742}
.actions button.primary{background:#0f2742;color:#fff}
textarea{display:block;width:100%;font:.88rem/1.4 ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;padding:.5rem;margin:.3rem 0;border:2px solid #9aa4b2;border-radius:10px}
#scan-video{display:block;width:100%;max-height:55vh;border-radius:10px;background:#000;margin:.3rem 0}
.summary{font-size:1.05rem;margin:.2rem 0 .6rem}
table.items{width:100%;border-collapse:collapse;font-size:.92rem}
table.items th{text-align:left;font-size:.78rem;color:#4a5361;border-bottom:2px solid #e6e9ee;padding:.3rem}
table.items td{border-top:1px solid #e6e9ee;padding:.4rem .3rem;vertical-align:top;overflow-wrap:anywhere}
table.items td.item{width:45%;font-size:.82rem}
@media (max-width:40rem){table.items thead{display:none}table.items tr{display:grid;grid-template-columns:2.2rem minmax(0,1fr);border-top:1px solid #e6e9ee;padding:.4rem 0}table.items td{border:0;padding:.1rem .2rem}table.items td:nth-child(n+2){grid-column:2}table.items td.item{width:auto}}
@media print{.top,.foot,.noprint,#scan{display:none!important}body{background:#fff}.card{box-shadow:none}main{max-width:none}}
footer.foot{max-width:44rem;margin:0 auto;padding:0 .75rem 1.5rem;font-size:.8rem;color:#5b6472}
@media (max-width:20rem){dl{grid-template-columns:minmax(0,1fr)}dd{margin-bottom:.2rem}}
"#;

/// The script every page loads (see [`crate::web::assets`]).
const APP_SCRIPT: &str = "<script src=\"/assets/app.js\" defer></script>";

/// Where the layout puts a page's body: right after the first of these (nothing before it
/// in a page says it: the title is escaped).
pub(in crate::web) const MAIN: &str = "<main>";

/// A whole page around `body` (HTML) in `lang`. `title` is plain text. `keep` is the
/// part of the page's query the language switch keeps (`t=…&`, or empty).
pub(in crate::web) fn layout(lang: Lang, title: &str, body: &str, keep: &str) -> String {
    let mut switch = String::new();
    let keep = escape(keep);
    for other in Lang::ALL.into_iter().filter(|other| *other != lang) {
        let _ = write!(
            switch,
            "<a href=\"?{keep}lang={code}\" hreflang=\"{code}\" lang=\"{code}\">{}</a>",
            other.own_name(),
            code = other.code()
        );
    }
    format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><meta name=\"robots\" content=\"noindex\">\
         <title>{}</title><style>{CSS}</style><link rel=\"manifest\" href=\"/manifest.webmanifest\">\
         <link rel=\"icon\" href=\"/assets/icon.svg\" type=\"image/svg+xml\">{APP_SCRIPT}</head><body>\
         <header class=\"top\"><a href=\"/\">NanoTrace <span>{}</span></a><nav class=\"langs\" aria-label=\"{}\">{switch}</nav></header>\
         {MAIN}{body}</main>\
         <footer class=\"foot\">{} <a href=\"/api/v1/openapi.yaml\">{}</a></footer></body></html>\n",
        lang.code(),
        escape(title),
        escape(&lang.t("brand-verify")),
        escape(&lang.t("switch-label")),
        escape(&lang.t("footer")),
        escape(&lang.t("footer-api")),
    )
}

/// A page with `status`: `body` (HTML) in the layout, in `lang`.
pub(in crate::web) fn html(lang: Lang, status: StatusCode, title: &str, body: &str) -> Response {
    let mut response = (status, Html(layout(lang, title, body, ""))).into_response();
    language_headers(&mut response, lang);
    response
}

/// The search form (certificate ID).
pub(in crate::web) fn search_form(lang: Lang) -> String {
    format!(
        "<form class=\"search\" method=\"get\" action=\"/c\" role=\"search\">\
         <label for=\"id\" class=\"muted\" style=\"flex-basis:100%\">{}</label>\
         <input id=\"id\" name=\"id\" required maxlength=\"64\" placeholder=\"NT-ABCDEFGH2345\" autocomplete=\"off\" \
         autocapitalize=\"characters\" spellcheck=\"false\"><button type=\"submit\">{}</button></form>",
        escape(&lang.t("search-label")),
        escape(&lang.t("search-button")),
    )
}

/// An error page with the search form. `message` is plain text.
pub(crate) fn error_page(lang: Lang, status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<section class=\"card\"><h1 style=\"font-size:1.3rem\">{}</h1><p>{}</p>{}</section>",
        escape(title),
        escape(message),
        search_form(lang),
    );
    html(lang, status, title, &body)
}

/// 404: no page at this address.
pub(crate) fn not_found_page(lang: Lang) -> Response {
    error_page(lang, StatusCode::NOT_FOUND, &lang.t("not-found-title"), &lang.t("not-found"))
}

/// A 300 (Multiple Choices) page: `intro` (plain text), then each of `choices` (its
/// `href` and title) as a link.
pub(crate) fn choices_page(lang: Lang, title: &str, intro: &str, choices: &[(&str, &str)]) -> Response {
    let items: String = choices
        .iter()
        .map(|(href, text)| format!("<li><a href=\"{}\">{}</a></li>", escape(href), escape(text)))
        .collect();
    let body = format!(
        "<section class=\"card\"><h1 style=\"font-size:1.3rem\">{}</h1><p>{}</p><ul class=\"lots\">{items}</ul></section>",
        escape(title),
        escape(intro)
    );
    html(lang, StatusCode::MULTIPLE_CHOICES, title, &body)
}

/// A 400 page for text that is not a certificate ID; `message` says why (plain text,
/// English: the checker's own words, shown on the English page only).
pub(super) fn bad_id_page(lang: Lang, message: &str) -> Response {
    let explained = lang.t("bad-id-format");
    let text = match lang {
        Lang::En => format!("{}. {explained}", capitalise(message)),
        _ => explained,
    };
    error_page(lang, StatusCode::BAD_REQUEST, &lang.t("bad-id-title"), &text)
}

/// `text` with its first letter in upper case.
pub(super) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// How long ago the cache was synced, in words.
pub(super) fn age_text(lang: Lang, as_of: &AsOf) -> String {
    match as_of.age_seconds {
        None => lang.t("age-never"),
        Some(s) if s < 120 => lang.t_with("age-seconds", &[("n", s.into())]),
        Some(s) if s < 7200 => lang.t_with("age-minutes", &[("n", (s / 60).into())]),
        Some(s) if s < 172_800 => lang.t_with("age-hours", &[("n", (s / 3600).into())]),
        Some(s) => lang.t_with("age-days", &[("n", (s / 86_400).into())]),
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM UTC`.
pub(super) fn date_time(seconds: i64) -> String {
    use time::macros::format_description;
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(format_description!("[year]-[month]-[day] [hour]:[minute] UTC")).ok())
        .unwrap_or_else(|| format!("{seconds} (Unix time)"))
}

/// Unix seconds as `YYYY-MM-DD`.
pub(super) fn date(seconds: i64) -> String {
    use time::macros::format_description;
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(format_description!("[year]-[month]-[day]")).ok())
        .unwrap_or_else(|| format!("{seconds} (Unix time)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_markup() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#x27;x&#x27;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(escape("Titanium dioxide – 100 %"), "Titanium dioxide – 100 %");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn dates_are_readable() {
        assert_eq!(date_time(1_767_225_600), "2026-01-01 00:00 UTC");
        assert_eq!(date(1_767_225_600), "2026-01-01");
        assert_eq!(date(i64::MAX), format!("{} (Unix time)", i64::MAX));
    }
}

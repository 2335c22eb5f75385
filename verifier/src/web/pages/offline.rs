//! `GET /offline`: the page the service worker (`verifier/assets/sw.js`) keeps and shows
//! for a page it cannot load — a QR code scanned at a border post with no connection.
//! Its script (`offline.js`) checks the scanned URL's signed token in the browser against
//! the trust list the worker saved, and a token with its status-list position against the
//! saved status lists; this page gives it the words, in the reader's
//! language, and the verifier's maximum staleness, beyond which saved data gives no
//! answer.

use super::certificate::verdict_word;
use super::layout::{escape, layout};
use crate::web::assets::OFFLINE_JS_PATH;
use crate::web::headers::language_headers;
use crate::web::i18n::Lang;
use crate::web::Web;
use axum::extract::State;
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use nanotrace_model::Verdict;

/// The messages `offline.js` shows.
const SCRIPT_WORDS: [&str; 38] = [
    "offline-no-position",
    "offline-no-position-reason",
    "offline-word-not-genuine",
    "offline-word-genuine",
    "offline-not-genuine",
    "offline-cannot",
    "offline-no-token",
    "offline-no-data",
    "offline-stale",
    "offline-unreadable",
    "offline-other-certificate",
    "offline-unknown-key",
    "offline-key-not-valid",
    "offline-no-crypto",
    "offline-bad-signature",
    "offline-caveat",
    "offline-expired",
    "offline-genuine",
    "offline-genuine-reason",
    "headline-EXPIRED",
    "fresh-certificate",
    "row-issuer",
    "row-issuer-key",
    "row-issued",
    "row-valid-until",
    "verdict-UNVERIFIABLE",
    "verdict-EXPIRED",
    "offline-word-valid",
    "offline-valid",
    "offline-valid-caveat",
    "offline-revoked",
    "offline-suspended",
    "offline-bad-position",
    "offline-lists-stale",
    "verdict-REVOKED",
    "verdict-SUSPENDED",
    "headline-REVOKED",
    "headline-SUSPENDED",
];

/// The values the script puts into its messages (`{name}` stays for it).
const SCRIPT_VARIABLES: [&str; 6] = ["time", "id", "key", "message", "date", "issuer"];

/// The token's layouts and their lengths in bytes, as JSON (`{"1": 133, …}`): the script
/// reads them from the page rather than restating the model's.
fn token_lengths() -> String {
    use nanotrace_model::token::{TOKEN_BYTES, TOKEN_WITH_BOUND_POSITION_BYTES, TOKEN_WITH_POSITION_BYTES};
    serde_json::json!({ "1": TOKEN_BYTES, "2": TOKEN_WITH_POSITION_BYTES, "3": TOKEN_WITH_BOUND_POSITION_BYTES })
        .to_string()
}

/// `GET /offline`.
pub(in crate::web) async fn offline_page(State(web): State<Web>, lang: Lang) -> Response {
    let t = |id: &str| escape(&lang.t(id));
    let body = format!(
        "<section id=\"offline\" class=\"verdict v-unverifiable\" role=\"status\" data-max-staleness=\"{}\" data-clock-skew=\"{}\" \
         data-token-lengths=\"{}\" data-max-token-chars=\"{}\" data-list-size=\"{}\">\
         <h1 class=\"word\" id=\"o-word\">{}</h1><div class=\"text\"><p class=\"headline\" id=\"o-headline\">{}</p>\
         <p class=\"reason\" id=\"o-reason\">{}</p></div></section>\
         <div class=\"note warn\" id=\"o-caveat\" hidden></div>\
         <section class=\"card\" id=\"o-details\" hidden><h2>{}</h2><dl id=\"o-rows\"></dl></section>\
         <p class=\"muted\">{}</p><p class=\"links\"><a href=\"/\">{}</a></p>\
         <script type=\"application/json\" id=\"words\">{}</script><script src=\"{OFFLINE_JS_PATH}\"></script>",
        web.app.max_staleness.as_secs(),
        nanotrace_model::MAX_CLOCK_SKEW_SECS,
        escape(&token_lengths()),
        nanotrace_model::token::MAX_TOKEN_CHARS,
        nanotrace_model::status::LIST_SIZE,
        escape(&verdict_word(lang, Verdict::Unverifiable)),
        t("offline-checking"),
        t("offline-checking-reason"),
        t("offline-details"),
        t("offline-about"),
        t("link-verify-another"),
        super::script_words(lang, SCRIPT_WORDS.iter().map(|id| (*id).to_owned()), &SCRIPT_VARIABLES),
    );
    let title = format!("{} — NanoTrace", lang.t("offline-title"));
    let mut response = (StatusCode::OK, Html(layout(lang, &title, &body, ""))).into_response();
    language_headers(&mut response, lang);
    // The worker saves it when it installs; a browser's own cache need not.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use nanotrace_model::{status, token};

    /// The script the page runs (`assets.rs` serves the same file).
    const SCRIPT: &str = include_str!("../../../assets/offline.js");

    fn has(text: &str) {
        assert!(SCRIPT.contains(text), "offline.js does not say {text:?}");
    }

    /// `offline.js` restates the token's layouts and the messages its signatures cover (it
    /// runs in the browser, with no network): they must be the model's.
    #[test]
    fn the_offline_script_reads_the_models_token_layouts() {
        // The lengths come from the page (the model's), not from the script.
        let lengths: serde_json::Value = serde_json::from_str(&super::token_lengths()).expect("JSON");
        assert_eq!(lengths["1"], token::TOKEN_BYTES);
        assert_eq!(lengths["2"], token::TOKEN_WITH_POSITION_BYTES);
        assert_eq!(lengths["3"], token::TOKEN_WITH_BOUND_POSITION_BYTES);
        has("JSON.parse(root.dataset.tokenLengths)");
        has("Number(root.dataset.maxTokenChars)");
        has("Number(root.dataset.listSize)");
        assert!(!SCRIPT.contains("1 << 20"), "offline.js restates the status lists' size");
        // The certificate's signed message: the model's prefix, then its fields by lines.
        let signed =
            String::from_utf8(nanotrace_model::signing_input("ID", "DIGEST", "KEY", 1, 2, None)).expect("UTF-8");
        let (prefix, fields) = signed.split_once('\n').expect("a prefix line");
        assert_eq!(fields, "ID\nDIGEST\nKEY\n1\n2");
        has(&format!("`{prefix}\\n${{t.id}}\\n${{t.digest}}\\n${{t.keyId}}\\n${{t.issuedAt}}\\n${{t.validUntil}}`"));
        // With the position it binds (layout 3).
        let signed =
            String::from_utf8(nanotrace_model::signing_input("ID", "DIGEST", "KEY", 1, 2, Some(7))).expect("UTF-8");
        let (prefix, fields) = signed.split_once('\n').expect("a prefix line");
        assert_eq!(fields, "ID\nDIGEST\nKEY\n1\n2\n7");
        has(&format!(
            "`{prefix}\\n${{t.id}}\\n${{t.digest}}\\n${{t.keyId}}\\n${{t.issuedAt}}\\n${{t.validUntil}}\\n${{t.position}}`"
        ));
        // The position's signed message.
        let bound = String::from_utf8(status::position_signing_input("ID", 7)).expect("UTF-8");
        let (prefix, fields) = bound.split_once('\n').expect("a prefix line");
        assert_eq!(fields, "ID\n7");
        has(&format!("`{prefix}\\n${{t.id}}\\n${{t.position}}`"));
    }
}

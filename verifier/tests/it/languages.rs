//! The public pages in the reader's language (issue 48): headless Chromium asks in
//! German, then in French (`--accept-lang`), for the search page, the verification page
//! of a VALID certificate with its QR code's token, a REVOKED, a SUSPENDED and an unknown
//! one, a product page for a lot without a certificate, a missing page, the offline
//! page and the consignment pages (an uploaded list, its report). Each page must say it is in that
//! language, show the verdict in that language's word, and contain no English message
//! of `verifier/locales/en.ftl` that the language translates — so a message the page
//! writes without its translation fails the test. The language switch then turns the
//! pages English, and its cookie keeps them English. Screenshots at 360 and 1280 px in
//! `target/screenshots/verifier-lang-*`.

use crate::common_web::*;
use nanotrace_testkit::browser::{require_chromium, Profile};
use std::collections::BTreeMap;

/// A translation file's messages: ID → text (a message's indented lines joined to it:
/// the variants of a plural).
fn messages(lang: &str) -> BTreeMap<String, String> {
    let path = format!("{}/locales/{lang}.ftl", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut messages: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        if line.starts_with(' ') {
            if let Some(text) = current.as_ref().and_then(|id| messages.get_mut(id)) {
                text.push(' ');
                text.push_str(line.trim());
            }
            continue;
        }
        current = None;
        if let Some((id, text)) = line.split_once(" =").filter(|_| line.starts_with(|c: char| c.is_ascii_alphabetic()))
        {
            messages.insert(id.to_owned(), text.trim().to_owned());
            current = Some(id.to_owned());
        }
    }
    messages
}

/// The messages each language writes as English does, because the words are the same.
const SAME_AS_ENGLISH: [(&str, &[&str]); 2] = [
    ("de", &["card-nanomaterial", "row-gtin", "eu-nanomaterial"]),
    ("fr", &["row-gtin", "row-description", "row-substance", "version", "lot", "gtin-lot", "col-verdict"]),
];

/// The pieces of English a page in `lang` must not contain: of each message, the literal
/// runs between its variables, when long enough not to be a word both languages share.
/// A message the language leaves as English is a failure, unless listed in
/// [`SAME_AS_ENGLISH`].
fn english_leftovers(lang: &str) -> Vec<(String, String)> {
    let english = messages("en");
    let translated = messages(lang);
    let same: &[&str] = SAME_AS_ENGLISH.iter().find(|(l, _)| *l == lang).map_or(&[], |(_, ids)| ids);
    let mut pieces = Vec::new();
    for (id, text) in &english {
        if translated.get(id) == Some(text) {
            assert!(same.contains(&id.as_str()), "{lang}.ftl leaves {id} in English: “{text}”");
            continue;
        }
        // The text outside placeables and variant keys (`{ $n -> [one] … *[other] … }`).
        for piece in text.split(['{', '}', '[', ']']).step_by(2) {
            let piece = piece.trim();
            if piece.chars().count() >= 14 {
                pieces.push((id.clone(), piece.to_owned()));
            }
        }
    }
    assert!(pieces.len() > 100, "{lang}: {} pieces", pieces.len());
    pieces
}

/// Asserts the page shown is in `lang` and has no English left over.
async fn assert_in(browser: &Profile, lang: &str, leftovers: &[(String, String)], what: &str) {
    let shown = browser.eval("document.documentElement.lang").await;
    assert_eq!(shown, lang, "{what}: the page's language");
    let text = browser.eval("document.body.textContent + ' ' + document.title").await;
    let found: Vec<String> = leftovers
        .iter()
        .filter(|(_, piece)| text.contains(piece.as_str()))
        .map(|(id, piece)| format!("{id}: “{piece}”"))
        .collect();
    assert!(found.is_empty(), "{what} in {lang} shows English messages: {found:?}\n{text}");
}

/// The verdict word the page shows.
async fn word(browser: &Profile) -> String {
    browser.eval("document.querySelector('h1.word') ? document.querySelector('h1.word').textContent : ''").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_public_page_reads_in_german_and_french() {
    require_chromium();
    let f = Fixture::new();
    let server = Server::start(f.state.clone(), config()).await;
    let base = format!("http://{}", server.addr);
    let ids = &f.ids;
    let dir = tempfile::tempdir().expect("temp dir");
    let list = dir.path().join("manifest.csv");
    std::fs::write(&list, format!("item\n{}\n{}\nnot an item\n", ids.valid, ids.revoked)).expect("list");

    for (lang, valid, revoked, suspended, unknown, report, uploaded) in [
        ("de", "GÜLTIG", "WIDERRUFEN", "AUSGESETZT", "UNBEKANNT", "Prüfbericht der Sendung", "Zeilen in der Liste"),
        ("fr", "VALIDE", "RÉVOQUÉ", "SUSPENDU", "INCONNU", "Rapport de contrôle de l’envoi", "lignes dans la liste"),
    ] {
        let leftovers = english_leftovers(lang);
        let browser = Profile::launch_with(&format!("{base}/"), &[format!("--accept-lang={lang}")]).await;
        browser.wait_for("the search page", "document.readyState === 'complete'").await;
        assert_in(&browser, lang, &leftovers, "the search page").await;

        let pages = [
            (format!("/c/{}?t={}", ids.valid, f.token(&ids.valid)), valid, "valid"),
            (format!("/c/{}", ids.revoked), revoked, "revoked"),
            (format!("/c/{}", ids.suspended), suspended, "suspended"),
            (format!("/c/{}", ids.unknown), unknown, "unknown"),
            (format!("/products/0{GTIN}?lot=LOT-NEVER"), unknown, "product"),
        ];
        for (path, verdict, name) in pages {
            browser.goto(&format!("{base}{path}")).await;
            assert_eq!(word(&browser).await, verdict, "{lang}: {path}");
            assert_in(&browser, lang, &leftovers, &path).await;
            if matches!(name, "valid" | "product") {
                browser.screenshots(&format!("verifier-lang-{lang}-{name}")).await;
            }
        }
        browser.goto(&format!("{base}/no/such/page")).await;
        assert_in(&browser, lang, &leftovers, "a missing page").await;
        // The offline page, as its script fills it (here: no QR code to check).
        browser.goto(&format!("{base}/offline")).await;
        browser.wait_for("the offline check", "document.getElementById('offline').dataset.outcome").await;
        assert_in(&browser, lang, &leftovers, "the offline page").await;

        // The consignment page: its script's words come from the page.
        browser.goto(&format!("{base}/consignment")).await;
        browser.wait_for("the upload field", "!document.getElementById('upload-row').hidden").await;
        assert_in(&browser, lang, &leftovers, "the consignment page").await;
        browser.choose_file("#upload", &list).await;
        browser
            .wait_for(
                "the upload's status line",
                &format!("document.getElementById('scan-status').textContent.includes({uploaded:?})"),
            )
            .await;
        assert_in(&browser, lang, &leftovers, "the consignment page with a list").await;
        browser.click("#list-form button[value=html]").await;
        browser
            .wait_for(
                "the report",
                &format!("document.querySelector('h1') && document.querySelector('h1').textContent === {report:?}"),
            )
            .await;
        assert_in(&browser, lang, &leftovers, "the consignment report").await;
        let badges = browser.eval("[...document.querySelectorAll('.badge')].map(b => b.textContent).join(',')").await;
        let error = if lang == "de" { "FEHLER" } else { "ERREUR" };
        assert_eq!(badges, format!("{valid},{revoked},{error}"), "{lang}: the report's verdicts");
        browser.screenshots(&format!("verifier-lang-{lang}-report")).await;

        // The switch: English, and the cookie keeps it so while the browser still asks in `lang`.
        browser.goto(&format!("{base}/c/{}", ids.valid)).await;
        browser.click("nav.langs a[hreflang=en]").await;
        browser.wait_for("the English page", "document.documentElement.lang === 'en'").await;
        assert_eq!(word(&browser).await, "VALID");
        browser.goto(&format!("{base}/c/{}", ids.revoked)).await;
        assert_eq!(word(&browser).await, "REVOKED", "{lang}: the switch's choice is kept");
        browser.close().await;
    }
    server.stop().await;
}

/// The answers reused across requests (the rendered memo, and the hot path in front of
/// the router) are kept per language: a German reader right after an English one gets
/// German, with the headers a cache needs to keep them apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_page_is_in_the_language_asked_for() {
    let f = Fixture::new();
    let server = Server::start(f.state.clone(), config()).await;
    let url = format!("http://{}/c/{}", server.addr, f.ids.valid);
    let ask = |headers: &'static [(&'static str, &'static str)]| {
        let url = url.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                let mut request = agent.get(&url);
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                let mut response = request.call().expect("GET");
                let header = |name: &str| {
                    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
                };
                let (language, vary) = (header("content-language"), header("vary"));
                let body = response.body_mut().read_to_string().expect("body");
                (language, vary, body)
            })
            .await
            .expect("client")
        }
    };
    // English first, twice: the second is a reused answer.
    for _ in 0..2 {
        let (language, vary, body) = ask(&[]).await;
        assert_eq!(language, "en");
        assert!(body.contains("<h1 class=\"word\">VALID</h1>"), "{body}");
        for header in ["accept-language", "cookie", "accept-encoding"] {
            assert!(vary.contains(header), "Vary: {vary}");
        }
    }
    for (headers, code, verdict) in [
        (&[("accept-language", "de-DE,de;q=0.9,en;q=0.5")][..], "de", "GÜLTIG"),
        (&[("accept-language", "de-DE"), ("cookie", "nt-lang=fr")][..], "fr", "VALIDE"),
        (&[("accept-language", "pl")][..], "en", "VALID"),
    ] {
        for _ in 0..2 {
            let (language, _, body) = ask(headers).await;
            assert_eq!(language, code, "{headers:?}");
            assert!(body.contains(&format!("<h1 class=\"word\">{verdict}</h1>")), "{headers:?}: {body}");
            assert!(body.contains(&format!("<html lang=\"{code}\">")), "{headers:?}");
        }
    }
    server.stop().await;
}

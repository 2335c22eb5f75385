//! Verification without a network (issue 48): the public pages as an installable web
//! app. Headless Chromium opens the verifier once with a connection — the page installs
//! the service worker, which saves the offline page and the trust list — then the network
//! is cut (the DevTools protocol's offline emulation, and the verifier itself stopped, so
//! nothing can answer) and QR codes are scanned: the worker shows the offline page, whose
//! script checks each code's signed token in the browser (WebCrypto Ed25519) against the
//! saved trust list. A genuine label of a valid certificate is "authentic", never VALID,
//! and says the data's time and that a revocation cannot be seen; so is a genuine label of
//! a revoked one (its token has no status-list position: the limit this test pins down);
//! a tampered token, another certificate's token and an expired certificate are told
//! apart; a typed ID cannot be checked; a trust list older than the verifier's maximum
//! staleness gives no answer. Screenshots at 360 and 1280 px in
//! `target/screenshots/verifier-offline-*`.

use crate::common_web::*;
use nanotrace_testkit::browser::{require_chromium, Profile};

/// Waits for the offline page's outcome and answers it with the verdict word shown.
async fn outcome(browser: &Profile, what: &str) -> (String, String) {
    browser
        .wait_for(
            &format!("the offline check of {what}"),
            "document.getElementById('offline') && document.getElementById('offline').dataset.outcome",
        )
        .await;
    let outcome = browser.eval("document.getElementById('offline').dataset.outcome").await;
    let word = browser.eval("document.getElementById('o-word').textContent").await;
    (outcome, word)
}

async fn text(browser: &Profile) -> String {
    browser.eval("document.body.textContent").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scanned_labels_are_checked_without_a_network() {
    require_chromium();
    let f = Fixture::new();
    let server = Server::start(f.state.clone(), config()).await;
    let base = format!("http://{}", server.addr);
    let ids = &f.ids;

    // With a connection: the worker installs and saves what it needs.
    let browser = Profile::launch(&format!("{base}/")).await;
    browser.wait_for("the service worker in control", "navigator.serviceWorker.controller !== null").await;
    browser
        .wait_for(
            "the saved trust list",
            "(caches.match('/api/v1/issuers').then((r) => { window.savedTrustList = Boolean(r); }), window.savedTrustList === true)",
        )
        .await;
    let manifest = browser.eval("document.querySelector('link[rel=manifest]').href").await;
    assert!(manifest.ends_with("/manifest.webmanifest"), "{manifest}");

    // The network cut: the page offline, and nothing listening any more.
    browser.set_offline(true).await;
    server.stop().await;
    let url = |id: &str, token: &str| format!("{base}/c/{id}?t={token}");

    browser.goto(&url(&ids.valid, &f.token(&ids.valid))).await;
    let (got, word) = outcome(&browser, "a valid certificate's label").await;
    assert_eq!((got.as_str(), word.as_str()), ("offline-word-genuine", "AUTHENTIC LABEL"));
    let page = text(&browser).await;
    assert!(page.contains("Checked offline against data from 20"), "{page}");
    assert!(page.contains("A revocation or suspension cannot be seen this way"), "{page}");
    assert!(page.contains(ids.valid.as_str()) && page.contains("NanoCert"), "the token's fields:\n{page}");
    browser.screenshots("verifier-offline-authentic").await;

    // A revoked certificate's genuine label: authentic too, never VALID.
    browser.goto(&url(&ids.revoked, &f.token(&ids.revoked))).await;
    let (got, _) = outcome(&browser, "a revoked certificate's label").await;
    assert_eq!(got, "offline-word-genuine");
    assert!(text(&browser).await.contains("cannot be checked without a connection"));

    // A tampered token; another certificate's token under this one's ID.
    let token = f.token(&ids.valid);
    let flip = if token.ends_with('A') { 'B' } else { 'A' };
    let tampered = format!("{}{flip}", &token[..token.len() - 1]);
    browser.goto(&url(&ids.valid, &tampered)).await;
    let (got, word) = outcome(&browser, "a tampered token").await;
    assert_eq!((got.as_str(), word.as_str()), ("offline-word-not-genuine", "DO NOT ACCEPT"));
    assert!(text(&browser).await.contains("The signature does not match"));
    browser.screenshots("verifier-offline-forged").await;
    browser.goto(&url(&ids.valid, &f.token(&ids.renewed))).await;
    let (got, _) = outcome(&browser, "another certificate's token").await;
    assert_eq!(got, "offline-word-not-genuine");
    assert!(text(&browser).await.contains(&format!("for another certificate, {}", ids.renewed)));

    // An expired certificate's label says so (its validity is in the signed token).
    browser.goto(&url(&ids.expired, &f.token(&ids.expired))).await;
    let (got, word) = outcome(&browser, "an expired certificate's label").await;
    assert_eq!((got.as_str(), word.as_str()), ("verdict-EXPIRED", "EXPIRED"));

    // A typed ID has no token to check.
    browser.goto(&format!("{base}/c/{}", ids.valid)).await;
    let (got, word) = outcome(&browser, "a typed ID").await;
    assert_eq!((got.as_str(), word.as_str()), ("verdict-UNVERIFIABLE", "UNVERIFIABLE"));

    // Saved data older than the verifier's maximum staleness gives no answer.
    browser
        .wait_for(
            "the saved trust list aged",
            &format!(
                "((window.aged || (window.aged = (async () => {{ \
                   const cache = await caches.open('nanotrace-offline-v1'); \
                   const saved = await cache.match('/api/v1/issuers'); \
                   const headers = new Headers(saved.headers); \
                   headers.set('x-nanotrace-fetched', String(Date.now() - {} * 1000)); \
                   await cache.put('/api/v1/issuers', new Response(await saved.arrayBuffer(), {{ headers }})); \
                   window.agedDone = true; }})())), window.agedDone === true)",
                MAX_STALENESS + 60
            ),
        )
        .await;
    browser.goto(&url(&ids.valid, &f.token(&ids.valid))).await;
    let (got, _) = outcome(&browser, "a label with stale saved data").await;
    assert_eq!(got, "verdict-UNVERIFIABLE");
    assert!(text(&browser).await.contains("too old to rely on"));
    browser.screenshots("verifier-offline-stale").await;
    browser.close().await;
}

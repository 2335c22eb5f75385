//! Verification without a network (issue 48): the public pages as an installable web
//! app. Headless Chromium opens the verifier once with a connection — the page installs
//! the service worker, which saves the offline page and the trust list — then the network
//! is cut (the DevTools protocol's offline emulation, and the verifier itself stopped, so
//! nothing can answer) and QR codes are scanned: the worker shows the offline page, whose
//! script checks each code's signed token in the browser (WebCrypto Ed25519) against the
//! saved trust list. A label whose token has no status-list position (layout 1) is never a
//! pass: UNVERIFIABLE, "cannot show a revocation" (such a token holds nothing the
//! certificate's public record does not), with the data's time — a revoked certificate's
//! too, and a revoked label's layout-2 token cut down to layout 1; a tampered token, another certificate's token and
//! an expired certificate are told apart; a typed ID cannot be checked; a trust list older
//! than the verifier's maximum staleness gives no answer. A label with its position
//! (layout 3, the position under the issuance signature; layout 2, the credential recorded
//! with the position's signature) is read in the status lists the worker saved: "valid
//! offline" with the data's time, REVOKED or SUSPENDED by lists saved after the change,
//! still "valid offline" by lists saved before it (with the caveat), and DO NOT ACCEPT for
//! a position a forger changed or a layout-3 token cut down to layout 1. Screenshots
//! at 360 and 1280 px in `target/screenshots/verifier-offline-*`.

use crate::common_web::*;
use nanotrace_model::token::OfflineToken;
use nanotrace_model::*;
use nanotrace_testkit::browser::{require_chromium, Profile};
use nanotrace_verifier::cache::{Cache, Update};
use nanotrace_verifier::state::now;
use std::time::Duration;

/// What the worker saves besides its pages: the trust list, the status index and the
/// status lists it names (two of each purpose: the fixture's `gone` is in list 1).
const SAVED_DATA: [&str; 6] = [
    "/api/v1/issuers",
    "/api/v1/status",
    "/api/v1/status/revocation/0",
    "/api/v1/status/suspension/0",
    "/api/v1/status/revocation/1",
    "/api/v1/status/suspension/1",
];

/// Opens the verifier with a connection and waits until its service worker controls the
/// page and has saved the trust list and the status lists. A worker that activates after
/// the page loaded claims the page; should the claim not reach it, the page is loaded
/// again, as a reader's next page would be. A loaded machine can take long to install a
/// worker: its activation gets a minute.
async fn installed(base: &str) -> Profile {
    let browser = Profile::launch(&format!("{base}/")).await;
    // The registration's state, kept by the page for the message should it never activate.
    let state = "(navigator.serviceWorker.getRegistration().then((r) => { window.workerState = r ? \
                 JSON.stringify([r.installing, r.waiting, r.active].map((w) => w && w.state)) : 'none'; }), \
                 window.workerState)";
    let start = std::time::Instant::now();
    loop {
        let seen = browser.eval(state).await;
        if seen.ends_with("\"activated\"]") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the service worker never activated: {seen}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if browser.eval("navigator.serviceWorker.controller !== null").await != "true" {
        browser.goto(&format!("{base}/")).await;
    }
    browser.wait_for("the service worker in control", "navigator.serviceWorker.controller !== null").await;
    let saved = SAVED_DATA.map(|path| format!("caches.match('{path}')")).join(", ");
    browser
        .wait_for(
            "the saved trust list and status lists",
            &format!("(Promise.all([{saved}]).then((r) => {{ window.savedAll = r.every(Boolean); }}), window.savedAll === true)"),
        )
        .await;
    browser
}

/// Fetches the trust list and the status lists through the page (the worker saves each
/// 200), as a page opened with a connection does when its copies are a minute old.
async fn refreshed(browser: &Profile, round: u32) {
    let fetches = SAVED_DATA.map(|path| format!("fetch('{path}').then((r) => r.ok)")).join(", ");
    browser
        .wait_for(
            "the trust list and status lists fetched again",
            &format!(
                "((window.refreshing{round} || (window.refreshing{round} = Promise.all([{fetches}]).then((ok) => {{                    window.refreshed{round} = ok.every(Boolean); }}))), window.refreshed{round} === true)"
            ),
        )
        .await;
}

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

/// Opens `url` and waits until the document is that page's: a navigation may report done
/// while the previous page, whose outcome the next check would read, is still shown.
async fn open(browser: &Profile, url: &str) {
    browser.goto(url).await;
    let quoted = serde_json::to_string(url).expect("a URL is a JSON string");
    browser.wait_for(&format!("the page {url}"), &format!("document.URL === {quoted}")).await;
}

async fn text(browser: &Profile) -> String {
    browser.eval("document.body.textContent").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scanned_labels_are_checked_without_a_network() {
    require_chromium();
    let f = Fixture::new();
    let ids = &f.ids;
    // Certificates with their status-list positions signed, by the fixture's certifier
    // key, in the fixture's cache: `live` issued with its credential in one transaction (a
    // layout-3 token: the issuance signature binds the position) and in force, `paused`
    // (layout 2: the position signed with a credential recorded apart) in force, `gone`
    // (layout 2) revoked, and in the second status list (the first counted full before it).
    let mut w = world();
    let live = issued_with_its_credential(&mut w, "LOT-OFFLINE-LIVE", 0x0ff0);
    let paused = issued_with_position(&mut w, "LOT-OFFLINE-PAUSED", 0x0ff2);
    w.ledger
        .execute(&creator(Who::Certifier), w.ts(), |s| {
            use nanotrace_shim::Stub;
            s.put_state("\u{0}status~full\u{0}0\u{0}", br#"{"list":0,"tx_id":"x"}"#)
        })
        .expect("list 0 counted full");
    let gone = issued_with_position(&mut w, "LOT-OFFLINE-GONE", 0x0ff3);
    assert_eq!(nanotrace_model::status::list_of(w.cert(&gone).status_index.expect("position")), 1);
    assert_eq!(nanotrace_model::status::list_of(w.cert(&live).status_index.expect("position")), 0);
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&gone, REVOKE_REASON));
    let positioned = [&live, &paused, &gone];
    for id in positioned {
        assert!(f.cache.certificate(id).expect("read").is_none(), "{id} is one of the fixture's certificates");
    }
    apply(&f.cache, &w, &positioned);
    // The two ledgers assign positions alike: a position of the fixture's (its revoked
    // certificate's, say) would be this test's too, and its bit would answer for both.
    for known in f.ids.all_known() {
        let theirs = f.cache.certificate(known).expect("read").and_then(|r| r.certificate.status_index);
        for id in positioned {
            assert!(theirs.is_none() || theirs != w.cert(id).status_index, "{id} shares {known}'s position {theirs:?}");
        }
    }
    let server = Server::start(f.state.clone(), config()).await;
    let addr = server.addr;
    let base = format!("http://{addr}");
    let url = |id: &str, token: &str| format!("{base}/c/{id}?t={token}");

    // With a connection: the worker installs and saves what it needs.
    let browser = installed(&base).await;
    let manifest = browser.eval("document.querySelector('link[rel=manifest]').href").await;
    assert!(manifest.ends_with("/manifest.webmanifest"), "{manifest}");

    // The network cut: the page offline (the emulation cuts the page's own requests), and
    // nothing listening any more (the worker's).
    browser.set_offline(true).await;
    server.stop().await;

    open(&browser, &url(&ids.valid, &f.token(&ids.valid))).await;
    let (got, word) = outcome(&browser, "a valid certificate's label").await;
    assert_eq!((got.as_str(), word.as_str()), ("verdict-UNVERIFIABLE", "UNVERIFIABLE"));
    assert!(text(&browser).await.contains("cannot show a revocation or suspension without a connection"));
    let page = text(&browser).await;
    assert!(page.contains("Checked offline against data from 20"), "{page}");
    assert!(page.contains("A revocation or suspension cannot be seen this way"), "{page}");
    assert!(page.contains(ids.valid.as_str()) && page.contains("NanoCert"), "the token's fields:\n{page}");
    browser.screenshots("verifier-offline-layout1").await;

    // A revoked certificate's genuine label of layout 1: the same, never a pass.
    open(&browser, &url(&ids.revoked, &f.token(&ids.revoked))).await;
    let (got, _) = outcome(&browser, "a revoked certificate's label").await;
    assert_eq!(got, "verdict-UNVERIFIABLE");
    assert!(text(&browser).await.contains("a code like it can be made from any issued certificate's public record"));

    // A tampered token; another certificate's token under this one's ID.
    let token = f.token(&ids.valid);
    // A character inside the signature (the last one's low bits are padding a browser's
    // decoder ignores).
    let at = token.len() - 10;
    let flip = if token[at..].starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{}{flip}{}", &token[..at], &token[at + 1..]);
    open(&browser, &url(&ids.valid, &tampered)).await;
    let (got, word) = outcome(&browser, "a tampered token").await;
    assert_eq!((got.as_str(), word.as_str()), ("offline-word-not-genuine", "DO NOT ACCEPT"));
    assert!(text(&browser).await.contains("The signature does not match"));
    browser.screenshots("verifier-offline-forged").await;
    open(&browser, &url(&ids.valid, &f.token(&ids.renewed))).await;
    let (got, _) = outcome(&browser, "another certificate's token").await;
    assert_eq!(got, "offline-word-not-genuine");
    assert!(text(&browser).await.contains(&format!("for another certificate, {}", ids.renewed)));

    // An expired certificate's label says so (its validity is in the signed token).
    open(&browser, &url(&ids.expired, &f.token(&ids.expired))).await;
    let (got, word) = outcome(&browser, "an expired certificate's label").await;
    assert_eq!((got.as_str(), word.as_str()), ("verdict-EXPIRED", "EXPIRED"));

    // A typed ID has no token to check.
    browser.goto(&format!("{base}/c/{}", ids.valid)).await;
    let (got, word) = outcome(&browser, "a typed ID").await;
    assert_eq!((got.as_str(), word.as_str()), ("verdict-UNVERIFIABLE", "UNVERIFIABLE"));

    // Labels with their status-list position, read in the lists saved with the worker.
    open(&browser, &url(&live, &positioned_token(&w, &live))).await;
    let (got, word) = outcome(&browser, "a valid certificate's label with its position").await;
    assert_eq!((got.as_str(), word.as_str()), ("offline-word-valid", "VALID OFFLINE"));
    let page = text(&browser).await;
    assert!(page.contains("Checked offline against data from 20"), "{page}");
    assert!(page.contains("after that time cannot be seen"), "{page}");
    browser.screenshots("verifier-offline-valid").await;
    open(&browser, &url(&gone, &positioned_token(&w, &gone))).await;
    let (got, word) = outcome(&browser, "a label revoked before the lists were saved").await;
    assert_eq!((got.as_str(), word.as_str()), ("verdict-REVOKED", "REVOKED"));
    browser.screenshots("verifier-offline-revoked").await;

    // The downgrade (issue 71): the revoked label's token cut to layout 1 (its position
    // and the position's signature dropped; the certificate's signature still verifies)
    // must not pass for an authentic label: a layout-1 token proves only what the
    // certificate's public record says, so it gets "check online", never a pass.
    let mut cut = OfflineToken::decode(&positioned_token(&w, &gone)).expect("decode");
    cut.position = None;
    let cut = cut.encode().expect("encode");
    assert_eq!(cut.len(), 178, "a layout-1 token");
    open(&browser, &url(&gone, &cut)).await;
    let (got, word) = outcome(&browser, "a revoked label's token cut to layout 1").await;
    assert_ne!(got, "offline-word-genuine", "a downgraded revoked label is not an authentic label");
    assert_eq!((got.as_str(), word.as_str()), ("verdict-UNVERIFIABLE", "UNVERIFIABLE"));
    let page = text(&browser).await;
    assert!(page.contains("cannot show a revocation"), "{page}");

    // A layout-3 token cannot be cut down: its signature covers the position, so without
    // it the signature is no longer the certificate's.
    let mut cut = OfflineToken::decode(&positioned_token(&w, &live)).expect("decode");
    assert!(cut.position.as_ref().is_some_and(|p| p.signature.is_none()), "live's token has layout 3");
    cut.position = None;
    open(&browser, &url(&live, &cut.encode().expect("encode"))).await;
    let (got, _) = outcome(&browser, "a layout-3 token cut to layout 1").await;
    assert_eq!(got, "offline-word-not-genuine");
    let mut moved = OfflineToken::decode(&positioned_token(&w, &live)).expect("decode");
    if let Some(binding) = moved.position.as_mut() {
        binding.position ^= 1;
    }
    open(&browser, &url(&live, &moved.encode().expect("encode"))).await;
    let (got, _) = outcome(&browser, "a layout-3 token with a changed position").await;
    assert_eq!(got, "offline-word-not-genuine");

    // A forger points the revoked label at another position (a clear bit): refused.
    let mut moved = OfflineToken::decode(&positioned_token(&w, &gone)).expect("decode");
    if let Some(binding) = moved.position.as_mut() {
        binding.position ^= 1;
    }
    open(&browser, &url(&gone, &moved.encode().expect("encode"))).await;
    let (got, _) = outcome(&browser, "a label with a changed position").await;
    assert_eq!(got, "offline-word-not-genuine");
    assert!(text(&browser).await.contains("place in the status lists is not signed"));

    // `live` is revoked and `paused` suspended after the lists were saved: the saved lists
    // cannot show it, and the page says so.
    w.ok::<Certificate>(Who::Certifier, "Revoke", &World::reason(&live, REVOKE_REASON));
    w.ok::<Certificate>(Who::Certifier, "Suspend", &World::reason(&paused, SUSPEND_REASON));
    apply(&f.cache, &w, &positioned);
    open(&browser, &url(&live, &positioned_token(&w, &live))).await;
    let (got, _) = outcome(&browser, "a label revoked after the lists were saved").await;
    assert_eq!(got, "offline-word-valid", "lists saved before the revocation cannot show it");

    // With a connection again the lists are fetched anew; then offline, both are seen.
    let server = Server::start_on(addr, f.state.clone(), config()).await;
    browser.set_offline(false).await;
    browser.goto(&format!("{base}/")).await;
    refreshed(&browser, 1).await;
    browser.set_offline(true).await;
    server.stop().await;
    open(&browser, &url(&live, &positioned_token(&w, &live))).await;
    let (got, word) = outcome(&browser, "a label revoked before the lists were saved again").await;
    assert_eq!((got.as_str(), word.as_str()), ("verdict-REVOKED", "REVOKED"));
    assert!(text(&browser).await.contains("according to the status list saved on 20"));
    open(&browser, &url(&paused, &positioned_token(&w, &paused))).await;
    let (got, word) = outcome(&browser, "a suspended certificate's label").await;
    assert_eq!((got.as_str(), word.as_str()), ("verdict-SUSPENDED", "SUSPENDED"));
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
    open(&browser, &url(&ids.valid, &f.token(&ids.valid))).await;
    let (got, _) = outcome(&browser, "a label with stale saved data").await;
    assert_eq!(got, "verdict-UNVERIFIABLE");
    assert!(text(&browser).await.contains("too old to rely on"));
    browser.screenshots("verifier-offline-stale").await;
    browser.close().await;
}

/// [`world_with_verifier_base`] a day in the past.
fn world() -> World {
    let mut w = world_with_verifier_base();
    w.now = now() - DAY;
    w
}

/// Applies for `lot` under a transaction ID of its own (`n`), so that the certificate's
/// ID, drawn from its transaction's, is none of the fixture's (whose world draws its
/// transaction IDs from a count of them, as this one does).
fn applied(w: &mut World, lot: &str, n: u64) -> String {
    let out = w.submit_with_tx_id(Who::Applicant, &test_tx_id(n), "Apply", &sample_application(lot)).expect("Apply");
    let ids: IdsResponse = serde_json::from_slice(&out).expect("the IDs");
    ids.certificate_ids[0].clone()
}

/// Issues a certificate for `lot` (applied under transaction `n`) and records its
/// credential apart, the status-list position signed with it: its QR code's token has
/// layout 2.
fn issued_with_position(w: &mut World, lot: &str, n: u64) -> String {
    let id = applied(w, lot, n);
    let approval = w.approval(Who::Certifier, &id);
    // Transaction IDs of its own (positions come from them): not the fixture's.
    w.submit_with_tx_id(Who::Certifier, &test_tx_id(n + 0x100), "Approve", &approval).expect("Approve");
    let organizations: Vec<Organization> =
        w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {}).expect("Organizations");
    let req =
        sign_credential_with(&w.cert(&id), &issuer_signing_key(Who::Certifier), &organizations, PUBLIC_URL, w.now);
    w.submit_with_tx_id(Who::Certifier, &test_tx_id(n + 0x200), "AttachCredential", &req).expect("AttachCredential");
    id
}

/// Issues a certificate for `lot` (applied under transaction `n`) with its credential in
/// the approval's own transaction (`n + 1`), the approval's signature binding the
/// position: its QR code's token has layout 3.
fn issued_with_its_credential(w: &mut World, lot: &str, n: u64) -> String {
    let id = applied(w, lot, n);
    let tx_id = test_tx_id(n + 1);
    let [req] = <[ApproveRequest; 1]>::try_from(w.approvals_with_credentials(Who::Certifier, &[&id], &tx_id))
        .expect("one approval");
    w.submit_with_tx_id(Who::Certifier, &tx_id, "Approve", &req).expect("Approve with its credential");
    id
}

/// The records of `ids` as `w` holds them now into `cache` (the fixture's: its trust list
/// has the same certifier key, its organisations are the same).
fn apply(cache: &Cache, w: &World, ids: &[&String]) {
    let update = Update { issuers: None, organizations: None, ..update_of(w, ids) };
    cache.apply(&update).expect("apply");
}

fn positioned_token(w: &World, id: &str) -> String {
    let token = OfflineToken::for_certificate(&w.cert(id)).expect("issued");
    assert!(token.position.is_some(), "{id}'s token carries its status-list position");
    token.encode().expect("encode")
}

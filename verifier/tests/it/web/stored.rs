//! Answers stored as the follower writes the records (issue 76): the same bytes as the
//! answers rendered when asked, served without reading the record, changed in the batch
//! that changes what they show, and never served once stale.

use super::gs1::{act, issue, world};
use super::*;
use nanotrace_model::*;
use nanotrace_verifier::cache::{Backfill, Cache, LookupStats};
use nanotrace_verifier::state::AppState;
use nanotrace_verifier::web::Prerender;
use std::sync::Arc;

/// `uri` asked of both routers within one second (their answers say when they were
/// checked, to the second).
async fn both(a: &Router, b: &Router, uri: &str, language: Option<&str>) -> (Reply, Reply) {
    let request = || {
        let mut request = Request::get(uri);
        if let Some(language) = language {
            request = request.header(header::ACCEPT_LANGUAGE, language);
        }
        request.body(Body::empty()).expect("request")
    };
    loop {
        let second = now();
        let (x, y) = (send(a, request()).await, send(b, request()).await);
        if now() == second {
            return (x, y);
        }
    }
}

fn same(x: &Reply, y: &Reply, what: &str) {
    assert_eq!(x.status, y.status, "{what}");
    for name in ["content-type", "content-language", "vary", "content-encoding"] {
        assert_eq!(x.headers.get(name), y.headers.get(name), "{what}: {name}");
    }
    assert!(x.body == y.body, "{what}: the bodies differ:\n{}\n---\n{}", x.text(), y.text());
}

/// Every certificate's JSON answer and English page, served from the answers stored as
/// the records were written, are byte for byte the answers a verifier without them
/// renders when asked (freshness included: the same data, the same second), and are
/// served without reading a record; the other languages' pages are rendered when asked.
#[tokio::test]
async fn stored_answers_are_the_answers_rendered_when_asked() {
    let (plain, stored) = (Fixture::new(), Fixture::with_stored_answers());
    let synced = now();
    let plain_app = app(Fixture::state_over(&plain.cache, Some(synced), true));
    let stored_app = app(Fixture::state_over(&stored.cache, Some(synced), true));
    let ids = stored.ids.all_known();
    for id in &ids {
        for uri in [format!("/api/v1/certificates/{id}"), format!("/c/{id}")] {
            let (x, y) = both(&plain_app, &stored_app, &uri, None).await;
            same(&x, &y, &uri);
        }
    }
    let s = stored.cache.lookup_stats();
    assert_eq!(s.answers_rendered, ids.len() as u64, "every record's answers stored as it was written: {s:?}");
    assert!(s.answers_read >= 2 * ids.len() as u64, "every first ask took the stored answers: {s:?}");
    assert_eq!(s.disk_reads, 0, "no record read: {s:?}");
    // On disk: one segment, every byte of it in force.
    let text = get(&stored_app, "/metrics").await.text();
    let gauge = |what: &str| -> u64 {
        let name = format!("nanotrace_verifier_answers_stored{{what=\"{what}\"}} ");
        let line = text.lines().find(|l| l.starts_with(&name)).unwrap_or_else(|| panic!("no {name}:\n{text}"));
        line[name.len()..].parse().expect("a count")
    };
    assert_eq!(gauge("segments"), 1, "{text}");
    assert!(gauge("bytes") > 0 && gauge("live_bytes") == gauge("bytes"), "{text}");
    // A language not stored: rendered when asked, as before.
    for id in &ids {
        let uri = format!("/c/{id}");
        let (x, y) = both(&plain_app, &stored_app, &uri, Some("de")).await;
        same(&x, &y, &format!("{uri} in German"));
    }
    assert!(stored.cache.lookup_stats().disk_reads > 0, "the German pages read their records");
    // Unknown: nothing stored, the same 404.
    let unknown = format!("/api/v1/certificates/{}", stored.ids.unknown);
    let (x, y) = both(&plain_app, &stored_app, &unknown, None).await;
    same(&x, &y, &unknown);
}

/// A cache with stored answers holding `ids` as `w` has them, and a router over it.
fn stored_over(w: &World, ids: &[&String]) -> (tempfile::TempDir, Arc<Cache>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Arc::new(Cache::open(&dir.path().join("cache")).expect("open cache"));
    cache.render_answers_with(Arc::new(Prerender::new(PUBLIC_URL)));
    cache.apply(&update_of(w, ids)).expect("apply");
    (dir, cache)
}

/// The answers stored for `id`, as stored.
fn stored_bytes(cache: &Cache, id: &str) -> Option<Vec<u8>> {
    cache.stored_answers(id, |bytes| Some(bytes.to_vec())).expect("read")
}

/// The verdict `app` answers on `id` (JSON) and whether the stored answers gave it.
async fn verdict(app: &Router, cache: &Cache, id: &str) -> (String, bool) {
    let before: LookupStats = cache.lookup_stats();
    let reply = get(app, &format!("/api/v1/certificates/{id}")).await;
    let page = get(app, &format!("/c/{id}")).await;
    let verdict = reply.json()["verdict"].as_str().expect("a verdict").to_owned();
    assert_verdict_word(&page.text(), &verdict);
    let after = cache.lookup_stats();
    let from_store = after.answers_read == before.answers_read + 2 && after.disk_reads == before.disk_reads;
    (verdict, from_store)
}

fn state(cache: &Arc<Cache>) -> AppState {
    Fixture::state_over(cache, Some(now()), true)
}

/// A suspension, a revocation, a renewal and a new safety data sheet each change the
/// stored answers in the batch that writes them: served at once, from the store, as the
/// change says. A retired issuer key (a change of the trust list) makes every stored
/// answer stale in its batch: answered as before until rendered again in the background.
#[tokio::test]
async fn changes_are_stored_in_their_batch_and_stale_answers_never_served() {
    let mut w = world();
    let ids: Vec<String> =
        ["LOT-S", "LOT-R", "LOT-N", "LOT-SDS", "LOT-STILL"].iter().map(|l| issue(&mut w, l)).collect();
    let [suspended, revoked, renewed, sds, still] = [0, 1, 2, 3, 4].map(|i| ids[i].clone());
    let (_dir, cache) = stored_over(&w, &ids.iter().collect::<Vec<_>>());
    let app = app(state(&cache));
    for id in &ids {
        assert_eq!(verdict(&app, &cache, id).await, ("VALID".to_owned(), true), "{id}");
    }
    let before: Vec<Option<Vec<u8>>> = ids.iter().map(|id| stored_bytes(&cache, id)).collect();
    assert!(before.iter().all(Option::is_some));

    act(&mut w, "Suspend", &suspended);
    act(&mut w, "Revoke", &revoked);
    w.now += 3600;
    let renewal = w.renewal(Who::Certifier, &renewed);
    let new: IdsResponse = w.ok(Who::Certifier, "Renew", &renewal);
    let newer = new.certificate_ids[1].clone();
    w.now += 3600;
    let revision = w.cert(&sds).application.sds.revision + 1;
    let sheet = SafetyDataSheet { url: "https://example.org/sds-2.pdf".into(), sha256: "a".repeat(64), revision };
    w.ok::<Certificate>(Who::Applicant, "UpdateSds", &UpdateSdsRequest { certificate_id: sds.clone(), sds: sheet });
    cache.apply(&update_of(&w, &[&suspended, &revoked, &renewed, &newer, &sds])).expect("apply the changes");
    // In the same batch: the stored answers are the new ones already.
    for (i, id) in ids.iter().enumerate() {
        let changed = id != &still;
        assert_eq!(stored_bytes(&cache, id) != before[i], changed, "{id}'s stored answers changed: {changed}");
    }
    let app = super::app(state(&cache));
    for (id, expected) in [
        (&suspended, "SUSPENDED"),
        (&revoked, "REVOKED"),
        (&renewed, "SUPERSEDED"),
        (&newer, "VALID"),
        (&sds, "SUSPENDED"),
        (&still, "VALID"),
    ] {
        assert_eq!(verdict(&app, &cache, id).await, (expected.to_owned(), true), "{id}");
    }

    // The issuer key retired: the trust list changes, and so does every answer naming the
    // key; none stored before is served.
    w.now += 3600;
    let retire = RetireIssuerKeyRequest { key_id: crate::common_web::issuer_key_id(), reason: "rotation".into() };
    w.ok::<IssuerKey>(Who::Admin, "RetireIssuerKey", &retire);
    cache.apply(&update_of(&w, &[])).expect("apply the retirement");
    assert!(stored_bytes(&cache, &still).is_none(), "stale in the batch that changed the trust list");
    let app = super::app(state(&cache));
    let rendered = get(&app, &format!("/api/v1/certificates/{still}")).await;
    assert_eq!(rendered.json()["issuer"]["retired_reason"], "rotation", "{}", rendered.text());
    assert!(!verdict(&app, &cache, &newer).await.1, "answered as before, not from the store");
    // Rendered again in the background: served from the store, the same answer.
    assert!(!cache.answers_complete());
    while cache.render_missing(2).expect("render") != Backfill::Done {}
    assert!(cache.answers_complete());
    let app = super::app(state(&cache));
    assert_eq!(verdict(&app, &cache, &still).await, ("VALID".to_owned(), true));
    let again = get(&app, &format!("/api/v1/certificates/{still}")).await;
    assert_eq!(again.json()["issuer"], rendered.json()["issuer"]);

    // A stale cache answers UNVERIFIABLE, not what was stored.
    let stale = super::app(Fixture::state_over(&cache, Some(now() - 3600), true));
    let reads = cache.lookup_stats().answers_read;
    assert_eq!(get(&stale, &format!("/api/v1/certificates/{still}")).await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(cache.lookup_stats().answers_read, reads);
}

/// A record written by a process without a renderer (the benchmarks' build, a verifier
/// with `--store-answers false`) has its stored answers deleted with it, and the cache
/// no longer says every answer is stored: the next verifier with a renderer renders
/// what is missing. A record read through on a miss has none either.
#[tokio::test]
async fn a_write_without_answers_deletes_the_stale_ones() {
    let mut w = world();
    let (a, b) = (issue(&mut w, "LOT-A"), issue(&mut w, "LOT-B"));
    let dir = {
        let (dir, cache) = stored_over(&w, &[&a, &b]);
        while cache.render_missing(16).expect("render") != Backfill::Done {}
        assert!(cache.answers_complete());
        dir
    };
    act(&mut w, "Suspend", &a);
    {
        let cache = Cache::open(&dir.path().join("cache")).expect("reopen without a renderer");
        cache.apply(&update_of(&w, &[&a])).expect("apply");
    }
    let cache = Arc::new(Cache::open(&dir.path().join("cache")).expect("reopen"));
    cache.render_answers_with(Arc::new(Prerender::new(PUBLIC_URL)));
    assert!(stored_bytes(&cache, &a).is_none(), "the VALID answer stored before is gone");
    assert!(stored_bytes(&cache, &b).is_some());
    assert_eq!(verdict(&app(state(&cache)), &cache, &a).await, ("SUSPENDED".to_owned(), false));
    assert_eq!(cache.render_missing(16).expect("render"), Backfill::Done);
    assert!(cache.answers_complete());
    assert_eq!(verdict(&app(state(&cache)), &cache, &a).await, ("SUSPENDED".to_owned(), true));

    // Read through on a miss (as on Fabric): stored, without answers.
    let c = issue(&mut w, "LOT-C");
    let record = update_of(&w, &[&c]).certificates.remove(0);
    cache.read_misses_from(Arc::new(move |_: &str| Ok(Some(record.clone()))));
    let app = app(state(&cache));
    let reply = get(&app, &format!("/api/v1/certificates/{c}")).await;
    assert_eq!(reply.json()["verdict"], "VALID");
    assert!(stored_bytes(&cache, &c).is_none());
}

//! Answers never go back in time: a record read from the ledger on a miss (newer than the
//! follower's position) is kept, and a follower update carrying an older version of the
//! same certificate (read while processing an earlier block) does not replace it. Seen on
//! the real network: the API answered VALID (read through) and the page, a moment later,
//! PENDING (the follower's record of the application) until the next pass.

use super::*;
use nanotrace_model::*;
use nanotrace_verifier::cache::{Cache, CertificateRecord, Update};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn cached(w: &World, id: &str) -> CertificateRecord {
    let req = CertificateIdRequest { certificate_id: id.to_owned() };
    let history = w.evaluate(Who::Unknown, "History", &req).expect("History");
    CertificateRecord { certificate: w.cert(id), history }
}

/// The same certificate as applied (PENDING, one history entry) and as approved (ACTIVE).
fn versions() -> (CertificateRecord, CertificateRecord) {
    let mut w = World::governed();
    w.now = now() - DAY;
    let id = w.apply("LOT-MONO");
    let pending = cached(&w, &id);
    w.now += 60;
    let req = w.approval(Who::Certifier, &id);
    w.ok::<IdsResponse>(Who::Certifier, "Approve", &req);
    let active = cached(&w, &id);
    assert_eq!(pending.certificate.status, CertificateStatus::Pending);
    assert_eq!(active.certificate.status, CertificateStatus::Active);
    assert!(active.history.len() > pending.history.len());
    (pending, active)
}

fn status(cache: &Cache, id: &str) -> CertificateStatus {
    cache.certificate(id).expect("read").expect("a record").certificate.status
}

#[test]
fn an_update_never_replaces_a_record_with_an_older_version() {
    let (pending, active) = versions();
    let id = active.certificate.id.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(&dir.path().join("cache")).expect("open");
    cache.apply(&Update { certificates: vec![active.clone()], ..Default::default() }).expect("apply");
    cache.apply(&Update { certificates: vec![pending.clone()], ..Default::default() }).expect("apply");
    assert_eq!(status(&cache, &id), CertificateStatus::Active);
    // A newer version still replaces an older one.
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(&dir.path().join("cache")).expect("open");
    cache.apply(&Update { certificates: vec![pending], ..Default::default() }).expect("apply");
    assert_eq!(status(&cache, &id), CertificateStatus::Pending);
    cache.apply(&Update { certificates: vec![active], ..Default::default() }).expect("apply");
    assert_eq!(status(&cache, &id), CertificateStatus::Active);
}

#[test]
fn a_record_read_on_a_miss_is_kept_and_not_replaced_by_an_older_update() {
    let (pending, active) = versions();
    let id = active.certificate.id.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(&dir.path().join("cache")).expect("open");
    let reads = Arc::new(AtomicUsize::new(0));
    let ledger = active.clone();
    let counter = reads.clone();
    cache.read_misses_from(Arc::new(move |_id: &str| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(Some(ledger.clone()))
    }));
    assert_eq!(status(&cache, &id), CertificateStatus::Active);
    // The follower, one block behind, stores what it read of the application.
    cache.apply(&Update { certificates: vec![pending], ..Default::default() }).expect("apply");
    assert_eq!(status(&cache, &id), CertificateStatus::Active, "the answer went back in time");
    assert_eq!(reads.load(Ordering::SeqCst), 1, "a record read on a miss is read from the ledger once");
    // Kept on disk: a reopened cache answers it without the ledger.
    drop(cache);
    let cache = Cache::open(&dir.path().join("cache")).expect("reopen");
    assert_eq!(status(&cache, &id), CertificateStatus::Active);
}

//! Listing after large batches, on the in-memory ledger and on the embedded RocksDB
//! ledger: four `ApplyBatch` of 1,000 applications, then `ListByStatus PENDING` in pages
//! of 1,000 following the bookmarks to the end lists each of the 4,000 exactly once (a
//! load generator on Fabric saw some missing; see bench/load, the load generator).

use std::collections::BTreeSet;

use nanotrace_model::{ApplyBatchRequest, CertificatePage, CertificateStatus, IdsResponse, ListByStatusRequest};
use nanotrace_testkit::{sample_application, DiskWorld, Who, World};

const TXS: usize = 4;
const PER_TX: usize = 1000;

fn batch(tx: usize) -> ApplyBatchRequest {
    ApplyBatchRequest { applications: (0..PER_TX).map(|i| sample_application(&format!("P-{tx}-{i}"))).collect() }
}

/// Lists PENDING in pages of 1,000 through `page`, checking every page and that no ID
/// shows twice; answers the IDs.
fn list_pending(mut page: impl FnMut(ListByStatusRequest) -> CertificatePage) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut bookmark = String::new();
    let mut pages = 0;
    loop {
        let req = ListByStatusRequest { status: CertificateStatus::Pending, page_size: 1000, bookmark };
        let p = page(req);
        pages += 1;
        assert!(p.certificates.len() <= 1000, "page {pages} has {} certificates", p.certificates.len());
        for cert in p.certificates {
            assert_eq!(cert.status, CertificateStatus::Pending, "{} listed as PENDING", cert.id);
            assert!(seen.insert(cert.id.clone()), "{} listed twice", cert.id);
        }
        if p.bookmark.is_empty() {
            assert_eq!(pages, TXS * PER_TX / 1000, "pages of 1,000 over {} certificates", TXS * PER_TX);
            return seen;
        }
        bookmark = p.bookmark;
    }
}

/// Applies the four batches through `apply`; answers the new IDs (all distinct).
fn apply_all(mut apply: impl FnMut(&ApplyBatchRequest) -> IdsResponse) -> BTreeSet<String> {
    let mut applied = BTreeSet::new();
    for tx in 0..TXS {
        let ids = apply(&batch(tx));
        assert_eq!(ids.certificate_ids.len(), PER_TX);
        applied.extend(ids.certificate_ids);
    }
    assert_eq!(applied.len(), TXS * PER_TX);
    applied
}

#[test]
fn four_batches_of_1000_are_all_listed_in_memory() {
    let mut w = World::governed();
    let applied = apply_all(|req| w.ok(Who::Applicant, "ApplyBatch", req));
    let listed = list_pending(|req| w.evaluate(Who::Certifier, "ListByStatus", &req).unwrap());
    assert_eq!(listed, applied);
}

#[test]
fn four_batches_of_1000_are_all_listed_embedded() {
    let mut w = DiskWorld::governed();
    let applied = apply_all(|req| w.ok(Who::Applicant, "ApplyBatch", req));
    let listed = list_pending(|req| w.evaluate(Who::Certifier, "ListByStatus", &req).unwrap());
    assert_eq!(listed, applied);
}

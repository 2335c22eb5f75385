//! The cache's unit tests: the Fabric-shaped checkpoint (gaps, blocks of many
//! transactions, duplicates, restarts) and the on-disk format.

use super::layout::{ALL_CFS, CF_META, CF_TXLOG, CHECKPOINT_KEY, FORMAT_KEY};
use super::*;
use rocksdb::{ColumnFamilyDescriptor, Options, DB};
use std::sync::Arc;

/// Transaction `index` of block `block`, named after both.
fn tx_at(block: u64, index: u32) -> SeenTx {
    SeenTx {
        block,
        tx_index: index,
        tx_id: format!("tx{block}.{index}"),
        timestamp: 10 + block as i64,
        event_name: None,
        event: None,
    }
}

fn tx(block: u64) -> SeenTx {
    SeenTx { tx_id: format!("tx{block}"), ..tx_at(block, 0) }
}

fn txs(txs: Vec<SeenTx>) -> Update {
    Update { txs, ..Default::default() }
}

fn positions(cache: &Cache) -> Vec<(u64, u32)> {
    cache.seen(0, usize::MAX).expect("seen").iter().map(|t| (t.block, t.tx_index)).collect()
}

#[test]
fn checkpoint_moves_only_forward_and_atomically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(dir.path()).expect("open");
    assert_eq!(cache.checkpoint().expect("cp").block_number, 0);
    let cp = cache.apply(&txs(vec![tx(1), tx(2)])).expect("apply");
    assert_eq!(cp.block_number, 2);
    // A replay is skipped and changes nothing.
    assert_eq!(cache.apply(&txs(vec![tx(2)])).expect("replay"), cp);
    assert_eq!(cache.checkpoint().expect("cp"), cp);
    assert_eq!(cache.seen(1, 10).expect("seen").len(), 2);
    // With misses read from a ledger (that has none of it), an unknown ID is read from
    // RocksDB and the ledger once, then answered from the negative cache, also after an
    // update that did not apply it.
    cache.read_misses_from(std::sync::Arc::new(|_: &str| Ok(None)));
    let before = cache.lookup_stats();
    assert_eq!(cache.certificate("NT-AAAAAAAAAAAA").expect("read"), None);
    assert_eq!(cache.memoized_certificate("NT-AAAAAAAAAAAA"), Some(None));
    cache.apply(&txs(vec![tx(3)])).expect("apply");
    assert_eq!(cache.memoized_certificate("NT-AAAAAAAAAAAA"), Some(None));
    assert_eq!(cache.certificate("NT-AAAAAAAAAAAA").expect("read"), None);
    let after = cache.lookup_stats();
    assert_eq!(after.disk_reads - before.disk_reads, 1, "{after:?}");
    assert_eq!(after.negative_hits - before.negative_hits, 3, "{after:?}");
    assert_eq!((after.negative_entries, after.ledger_reads, after.filter_absent), (1, 1, 0), "{after:?}");
    // Turned off, nothing is remembered.
    cache.limit_negatives(0, Duration::from_secs(60));
    assert_eq!(cache.memoized_certificate("NT-AAAAAAAAAAAA"), None);
    assert_eq!(cache.certificate("NT-AAAAAAAAAAAA").expect("read"), None);
    assert_eq!(cache.memoized_certificate("NT-AAAAAAAAAAAA"), None);
    assert_eq!(cache.lookup_stats().disk_reads - before.disk_reads, 2);
    drop(cache);
    let cache = Cache::open(dir.path()).expect("reopen");
    assert_eq!(cache.checkpoint().expect("cp").transaction_id, "tx3");
}

#[test]
fn gaps_in_block_numbers_are_fine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(dir.path()).expect("open");
    // A chaincode-event stream skips blocks without events.
    let cp = cache.apply(&txs(vec![tx(3), tx(7)])).expect("apply");
    assert_eq!((cp.block_number, cp.transaction_id.as_str(), cp.block_time), (7, "tx7", 17));
    let cp = cache.apply(&txs(vec![tx(1000)])).expect("a later block");
    assert_eq!(cp.block_number, 1000);
    assert_eq!(positions(&cache), [(3, 0), (7, 0), (1000, 0)]);
}

#[test]
fn a_block_of_many_transactions_applies_across_two_updates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(dir.path()).expect("open");
    let cp = cache.apply(&txs(vec![tx_at(5, 0), tx_at(7, 0), tx_at(7, 1)])).expect("first part");
    assert_eq!((cp.block_number, cp.transaction_id.as_str(), cp.transaction_index), (7, "tx7.1", 1));
    // The next read starts at block 7 again, from its first transaction: resume after
    // the last transaction ID applied within it.
    let cp = cache.apply(&txs(vec![tx_at(7, 0), tx_at(7, 1), tx_at(7, 2), tx_at(7, 3), tx_at(9, 0)])).expect("rest");
    assert_eq!((cp.block_number, cp.transaction_id.as_str(), cp.transaction_index), (9, "tx9.0", 0));
    assert_eq!(positions(&cache), [(5, 0), (7, 0), (7, 1), (7, 2), (7, 3), (9, 0)]);
    assert_eq!(cache.seen_from(7, 2, 10).expect("seen").first().map(|t| t.tx_id.clone()).as_deref(), Some("tx7.2"));
}

#[test]
fn duplicates_are_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(dir.path()).expect("open");
    cache.apply(&txs(vec![tx_at(4, 0), tx_at(4, 1), tx_at(6, 0)])).expect("apply");
    let before = cache.seen(0, usize::MAX).expect("seen");
    let cp = cache.checkpoint().expect("cp");
    // Earlier blocks, the checkpoint's own transaction, an earlier index in its block.
    let mut forged = tx_at(6, 0);
    forged.tx_id = "another".into();
    for replay in [vec![tx_at(2, 0)], vec![tx_at(4, 1)], vec![forged], vec![tx_at(4, 5)]] {
        assert_eq!(cache.apply(&txs(replay)).expect("replay"), cp);
    }
    assert_eq!(cache.seen(0, usize::MAX).expect("seen"), before);
    // Within one update too: an entry earlier than one before it is skipped.
    let cp = cache.apply(&txs(vec![tx_at(8, 0), tx_at(7, 0), tx_at(8, 0), tx_at(8, 1)])).expect("apply");
    assert_eq!((cp.block_number, cp.transaction_index), (8, 1));
    assert_eq!(positions(&cache), [(4, 0), (4, 1), (6, 0), (8, 0), (8, 1)]);
}

#[test]
fn a_restart_resumes_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let update = txs(vec![tx_at(1, 0), tx_at(2, 0), tx_at(2, 1)]);
    {
        let cache = Cache::open(dir.path()).expect("open");
        cache.apply(&update).expect("apply");
    }
    let cache = Cache::open(dir.path()).expect("reopen");
    let cp = cache.checkpoint().expect("cp");
    assert_eq!((cp.block_number, cp.transaction_id.as_str()), (2, "tx2.1"));
    // A follower that crashed before its checkpoint reached the source re-reads from
    // further back: what was applied is not applied again.
    let mut again = update.txs.clone();
    again.extend([tx_at(2, 2), tx_at(3, 0)]);
    cache.apply(&txs(again)).expect("resume");
    assert_eq!(positions(&cache), [(1, 0), (2, 0), (2, 1), (2, 2), (3, 0)]);
    drop(cache);
    let cache = Cache::open(dir.path()).expect("reopen");
    assert_eq!(cache.checkpoint().expect("cp").transaction_id, "tx3.0");
    assert_eq!(positions(&cache).len(), 5);
}

/// Writes a cache as version 1 wrote it: log keyed by block, old checkpoint, no format key.
fn write_v1(path: &Path, blocks: u64) {
    let mut opts = Options::default();
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    let cfs = ALL_CFS.iter().map(|name| ColumnFamilyDescriptor::new(*name, Options::default()));
    let db = DB::open_cf_descriptors(&opts, path, cfs).expect("open raw");
    let txlog = db.cf_handle(CF_TXLOG).expect("cf");
    for block in 1..=blocks {
        let value = serde_json::json!({
            "block": block, "tx_id": format!("tx{block}"), "timestamp": 10, "event_name": null, "event": null
        });
        db.put_cf(txlog, block.to_be_bytes(), value.to_string()).expect("put");
    }
    let checkpoint = serde_json::json!({"block": blocks, "tx_id": format!("tx{blocks}"), "block_time": 10});
    db.put_cf(db.cf_handle(CF_META).expect("cf"), CHECKPOINT_KEY, checkpoint.to_string()).expect("put");
}

#[test]
fn a_version_1_cache_is_migrated() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_v1(dir.path(), 3);
    let cache = Cache::open(dir.path()).expect("open a version-1 cache");
    let cp = cache.checkpoint().expect("cp");
    assert_eq!((cp.block_number, cp.transaction_id.as_str(), cp.transaction_index, cp.block_time), (3, "tx3", 0, 10));
    assert_eq!(positions(&cache), [(1, 0), (2, 0), (3, 0)]);
    assert_eq!(cache.seen(2, 1).expect("seen")[0].tx_id, "tx2");
    cache.apply(&txs(vec![tx(3), tx(4)])).expect("go on");
    assert_eq!(positions(&cache), [(1, 0), (2, 0), (3, 0), (4, 0)]);
    drop(cache);
    Cache::open(dir.path()).expect("reopen a migrated cache");
}

#[test]
fn an_unknown_format_is_refused_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(Cache::open(dir.path()).expect("open"));
    {
        let cfs = ALL_CFS.iter().map(|name| ColumnFamilyDescriptor::new(*name, Options::default()));
        let db = DB::open_cf_descriptors(&Options::default(), dir.path(), cfs).expect("open raw");
        db.put_cf(db.cf_handle(CF_META).expect("cf"), FORMAT_KEY, b"3").expect("put");
    }
    // A segment of stored answers none of this build's pointers names: a newer build's.
    let segment = dir.path().join("answers").join("00000007.seg");
    std::fs::create_dir_all(dir.path().join("answers")).expect("answers directory");
    std::fs::write(&segment, b"a newer build's answers").expect("segment");
    let err = Cache::open(dir.path()).expect_err("format 3");
    let text = err.to_string();
    assert!(matches!(err, CacheError::Format { .. }), "{text}");
    assert!(text.contains("format 3") && text.contains("delete the cache directory"), "{text}");
    assert!(segment.exists(), "a cache refused keeps its files");
}

#[test]
fn a_cache_serves_only_the_source_it_was_built_from() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fabric = |channel: &str, chaincode: &str| {
        std::collections::BTreeMap::from([
            ("source".to_owned(), "fabric".to_owned()),
            ("channel".to_owned(), channel.to_owned()),
            ("chaincode".to_owned(), chaincode.to_owned()),
        ])
    };
    let cache = Cache::open(dir.path()).expect("open");
    assert_eq!(cache.binding().expect("binding"), None);
    cache.bind(&fabric("nanotrace", "nanotrace")).expect("a new cache takes its binding");
    cache.bind(&fabric("nanotrace", "nanotrace")).expect("the same again");
    drop(cache);
    let cache = Cache::open(dir.path()).expect("reopen");
    for other in [fabric("other", "nanotrace"), fabric("nanotrace", "other")] {
        let err = cache.bind(&other).expect_err("another channel or chaincode");
        let text = err.to_string();
        assert!(matches!(err, CacheError::Binding { .. }), "{text}");
        assert!(text.contains("channel=nanotrace") && text.contains("cannot serve another ledger"), "{text}");
    }
    assert_eq!(cache.binding().expect("binding"), Some(fabric("nanotrace", "nanotrace")), "unchanged by refusals");

    // A cache written before bindings existed, with data: an embedded ledger's.
    let old = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(old.path()).expect("open");
    cache.apply(&txs(vec![tx(1)])).expect("apply");
    let embedded = std::collections::BTreeMap::from([("source".to_owned(), "embedded".to_owned())]);
    assert!(matches!(cache.bind(&fabric("nanotrace", "nanotrace")), Err(CacheError::Binding { .. })));
    cache.bind(&embedded).expect("an old cache is an embedded ledger's");
}

/// After a failed write the cache is reopened in place ([`Cache::reopen`]): while that
/// fails it is closed (every read an error, never stale data); a cache that turns out to
/// be bound to another source is refused; the reopened one holds what was written, with
/// its memo dropped, and accepts writes again.
#[test]
fn a_reopen_fails_closed_rechecks_the_binding_and_then_serves_what_was_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache");
    let moved = dir.path().join("moved");
    let embedded = BTreeMap::from([("source".to_owned(), "embedded".to_owned())]);
    let cache = Cache::open(&path).expect("open");
    // Misses read from a ledger that has none: an unknown ID is then remembered in memory.
    cache.read_misses_from(std::sync::Arc::new(|_: &str| Ok(None)));
    cache.bind(&embedded).expect("bind");
    cache.apply(&txs(vec![tx(1), tx(2)])).expect("apply");
    assert_eq!(cache.certificate("NT-AAAAAAAAAAAA").expect("read"), None);
    assert_eq!(cache.memoized_certificate("NT-AAAAAAAAAAAA"), Some(None));
    assert!(!cache.needs_reopen());

    // The directory is gone (a file in its place): the reopen fails and the cache is closed.
    std::fs::rename(&path, &moved).expect("move away");
    std::fs::write(&path, b"not a directory").expect("file");
    assert!(matches!(cache.reopen(), Err(CacheError::Open { .. })));
    assert!(cache.needs_reopen());
    assert!(matches!(cache.checkpoint(), Err(CacheError::Closed { .. })), "a closed cache serves nothing");
    assert!(matches!(cache.certificate("NT-AAAAAAAAAAAA"), Err(CacheError::Closed { .. })), "nor its memo");
    assert!(matches!(cache.apply(&txs(vec![tx(3)])), Err(CacheError::Closed { .. })));

    // In its place, a cache built from another source: refused, still closed.
    std::fs::remove_file(&path).expect("remove file");
    {
        let other = Cache::open(&path).expect("other");
        other.bind(&BTreeMap::from([("source".to_owned(), "fabric".to_owned())])).expect("bind other");
    }
    assert!(matches!(cache.reopen(), Err(CacheError::Binding { .. })));
    assert!(cache.needs_reopen());
    assert!(matches!(cache.checkpoint(), Err(CacheError::Closed { .. })));

    // The original back: reopened with what was written, writable again.
    std::fs::remove_dir_all(&path).expect("remove other");
    std::fs::rename(&moved, &path).expect("move back");
    cache.reopen().expect("reopen");
    assert!(!cache.needs_reopen());
    assert_eq!(cache.checkpoint().expect("cp").transaction_id, "tx2");
    assert_eq!(cache.memoized_certificate("NT-AAAAAAAAAAAA"), None, "the memo does not survive a reopen");
    assert_eq!(cache.apply(&txs(vec![tx(3)])).expect("apply").transaction_id, "tx3");
    assert_eq!(positions(&cache), [(1, 0), (2, 0), (3, 0)]);
}

#[test]
fn only_an_empty_cache_starts_at_a_snapshots_first_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(dir.path()).expect("open");
    let start = Checkpoint { block_number: 40, ..Checkpoint::default() };
    let cp = cache.apply(&Update { start_at: Some(start.clone()), ..Default::default() }).expect("start");
    assert_eq!(cp, start, "nothing of block 40 applied yet");
    // Block 40's transactions are the next ones; earlier blocks are not.
    let cp = cache.apply(&txs(vec![tx(39), tx_at(40, 0), tx_at(40, 1)])).expect("apply");
    assert_eq!((cp.block_number, cp.transaction_index), (40, 1));
    assert_eq!(positions(&cache), vec![(40, 0), (40, 1)]);
    // A cache that has a checkpoint keeps it.
    let again = cache.apply(&Update { start_at: Some(start), ..Default::default() }).expect("again");
    assert_eq!(again, cp);
}

/// Two certificates as the ledger has them, with an empty audit trail.
fn two_records() -> (CertificateRecord, CertificateRecord) {
    let mut world = nanotrace_testkit::world::World::governed();
    let (a, b) = (world.apply("LOT-MEMO-A"), world.apply("LOT-MEMO-B"));
    let record = |id: &str| CertificateRecord { certificate: world.cert(id), history: Vec::new() };
    (record(&a), record(&b))
}

/// One block's update writing `certificates`, the trust list and organisations untouched.
fn update(block: u64, certificates: Vec<CertificateRecord>) -> Update {
    Update { txs: vec![tx(block)], certificates, issuers: None, organizations: None, start_at: None }
}

/// An update drops from memory what it touched and keeps the rest (issue 49); a record
/// read before an update is not remembered after it.
#[test]
fn an_update_forgets_only_what_it_touched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(dir.path()).expect("open");
    let (a, b) = two_records();
    let (id_a, id_b) = (a.certificate.id.clone(), b.certificate.id.clone());
    cache.apply(&update(1, vec![a.clone(), b.clone()])).expect("apply");
    for id in [&id_a, &id_b] {
        assert!(cache.certificate(id).expect("read").is_some());
        assert!(matches!(cache.memoized_certificate(id), Some(Some(_))), "{id} in memory");
    }
    let issuers = cache.issuers().expect("trust list");
    assert_eq!(cache.memoized_issuers(), Some(issuers.clone()));

    // A's record changes; B and the trust list stay in memory.
    let mut changed = a.clone();
    changed.certificate.status_reason = Some("changed by the second update".into());
    cache.apply(&update(2, vec![changed.clone()])).expect("apply");
    assert_eq!(cache.memoized_certificate(&id_a), None, "A was touched: read again");
    assert_eq!(cache.memoized_certificate(&id_b), Some(Some(b.clone())), "B was not touched: kept");
    assert_eq!(cache.memoized_issuers(), Some(issuers.clone()), "the trust list was not touched: kept");
    assert_eq!(cache.certificate(&id_a).expect("read"), Some(changed.clone()), "A as the update left it");

    // An update that changes the trust list drops it.
    let new_list = Update { issuers: Some(Vec::new()), ..update(3, Vec::new()) };
    cache.apply(&new_list).expect("apply");
    assert_eq!(cache.memoized_issuers(), None);
    assert_eq!(cache.memoized_certificate(&id_b), Some(Some(b.clone())));

    // A read made before an update is not remembered after it.
    let before = cache.generation();
    cache.apply(&update(4, vec![b.clone()])).expect("apply");
    cache.remember(before, |memo| memo.insert_certificate(&id_b, b.clone()));
    assert_eq!(cache.memoized_certificate(&id_b), None, "a stale read is not remembered");
}

/// What an answer rendered under an older generation may rely on: whether its
/// certificate, the trust list and the organisations were touched since (issue 49).
#[test]
fn unchanged_since_tells_whether_an_update_touched_a_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(dir.path()).expect("open");
    let (a, b) = two_records();
    let (id_a, id_b) = (a.certificate.id.clone(), b.certificate.id.clone());
    cache.apply(&update(1, vec![a.clone(), b.clone()])).expect("apply");
    let g1 = cache.generation();
    assert!(cache.unchanged_since(&id_a, g1) && cache.unchanged_since(&id_b, g1), "the current generation");
    assert!(!cache.unchanged_since(&id_a, g1 + 1), "a generation not reached yet");

    cache.apply(&update(2, vec![a.clone()])).expect("apply");
    assert!(!cache.unchanged_since(&id_a, g1), "A was touched");
    assert!(cache.unchanged_since(&id_b, g1), "B was not");
    assert!(cache.unchanged_since("NT-NEVER-WRITTEN", g1), "nor an ID nobody wrote");

    // A trust-list or organisations change touches every answer.
    let g2 = cache.generation();
    cache.apply(&Update { organizations: Some(Vec::new()), ..update(3, Vec::new()) }).expect("apply");
    assert!(!cache.unchanged_since(&id_b, g2) && !cache.unchanged_since(&id_b, g1));

    // However many updates ago (past the window of the last updates that touched_since
    // reads): an answer of a certificate no update wrote is still good, and one whose
    // certificate an update wrote long ago is not.
    let g3 = cache.generation();
    cache.apply(&update(4, vec![a.clone()])).expect("apply");
    for block in 5..6 + 2 * memo::RECENT_UPDATES as u64 {
        cache.apply(&update(block, Vec::new())).expect("apply");
    }
    assert_eq!(cache.touched_since(g3), None, "the window of the last updates has moved on");
    assert!(cache.unchanged_since(&id_b, g3), "B untouched since g3, {} updates ago", 2 * memo::RECENT_UPDATES);
    assert!(!cache.unchanged_since(&id_a, g3), "A written right after g3");
    assert!(cache.unchanged_since(&id_a, g3 + 1), "A untouched since its update");
    assert!(!cache.unchanged_since(&id_b, g2), "the organisations changed after g2");

    // A reopen starts the memo over: nothing from before it is vouched for.
    let g4 = cache.generation();
    cache.reopen().expect("reopen");
    assert!(!cache.unchanged_since(&id_b, g4));
    assert!(cache.unchanged_since(&id_b, cache.generation()));
}

/// What updates since a generation wrote, for readers that keep something derived from
/// every certificate (the status lists' bits): each certificate once, a trust-list change
/// adding none, and nothing that cannot be told.
#[test]
fn touched_since_names_what_updates_wrote() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::open(dir.path()).expect("open");
    let (a, b) = two_records();
    let (id_a, id_b) = (a.certificate.id.clone(), b.certificate.id.clone());
    cache.apply(&update(1, vec![a.clone()])).expect("apply");
    let g1 = cache.generation();
    assert_eq!(cache.touched_since(g1), Some(Vec::new()), "nothing since the current generation");
    assert_eq!(cache.touched_since(g1 + 1), None, "a generation not reached yet");
    cache.apply(&update(2, vec![b.clone()])).expect("apply");
    cache.apply(&update(3, vec![a.clone(), b.clone()])).expect("apply");
    cache.apply(&Update { organizations: Some(Vec::new()), ..update(4, Vec::new()) }).expect("apply");
    let mut both = vec![id_a.clone(), id_b.clone()];
    both.sort();
    assert_eq!(cache.touched_since(g1), Some(both), "each once, sorted; the organisations add none");
    assert_eq!(cache.touched_since(cache.generation() - 1), Some(Vec::new()));
    // Past the updates it remembers, or across a reopen, it cannot tell.
    for block in 5..6 + memo::RECENT_UPDATES as u64 {
        cache.apply(&update(block, Vec::new())).expect("apply");
    }
    assert_eq!(cache.touched_since(g1), None, "older than what is remembered");
    let g = cache.generation();
    cache.reopen().expect("reopen");
    assert_eq!(cache.touched_since(g), None);
}

/// Without a ledger to read misses from, an unknown ID is answered from memory by the
/// memtables and the tables' Bloom filters (no RocksDB read, no blocking task), while a
/// certificate the cache holds — in a memtable, or in a table after a reopen — never is.
#[test]
fn unknown_ids_are_told_by_the_filters_and_known_ones_never() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = two_records();
    let (id_a, id_b) = (a.certificate.id.clone(), b.certificate.id.clone());
    for reopened in [false, true] {
        let cache = Cache::open(dir.path()).expect("open");
        if !reopened {
            cache.apply(&update(1, vec![a.clone(), b.clone()])).expect("apply");
        }
        let before = cache.lookup_stats();
        let unknown: Vec<String> = (0..200).map(|i| format!("NT-ZZ{i:010}")).collect();
        let told = unknown.iter().filter(|id| cache.memoized_certificate(id) == Some(None)).count();
        // A Bloom filter of 10 bits a key answers "may exist" for ~1 % of absent keys.
        assert!(told >= 190, "{told} of 200 unknown IDs told absent (reopened: {reopened})");
        for id in [&id_a, &id_b] {
            assert_ne!(cache.memoized_certificate(id), Some(None), "{id} (reopened: {reopened})");
            assert_eq!(cache.certificate(id).expect("read").map(|r| r.certificate.id), Some(id.clone()));
        }
        let after = cache.lookup_stats();
        assert_eq!(after.filter_absent - before.filter_absent, told as u64, "{after:?}");
        assert_eq!(after.disk_reads - before.disk_reads, 2, "only the known ones were read: {after:?}");
        assert_eq!(after.negative_hits, before.negative_hits, "{after:?}");
    }
}

/// Renders a record's answers as its ID and the how-manieth render this is.
struct Numbered(std::sync::atomic::AtomicUsize);

impl Renderer for Numbered {
    fn identity(&self) -> [u8; 16] {
        [7; 16]
    }
    fn render(&self, what: &ToRender<'_>) -> Option<Vec<u8>> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Some(format!("{} #{n}", what.record.certificate.id).into_bytes())
    }
}

fn stored(cache: &Cache, id: &str) -> Option<String> {
    cache.stored_answers(id, |bytes| Some(String::from_utf8_lossy(bytes).into_owned())).expect("read")
}

fn rendering(path: &Path) -> Cache {
    let cache = Cache::open(path).expect("open");
    cache.render_answers_with(Arc::new(Numbered(std::sync::atomic::AtomicUsize::new(0))));
    cache
}

/// Stored answers are served as last written, across restarts; replaced ones leave dead
/// bytes that a compaction reclaims, moving the live answers without changing what any
/// lookup reads, durably.
#[test]
fn stored_answers_survive_restarts_and_compaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = two_records();
    let (id_a, id_b) = (a.certificate.id.clone(), b.certificate.id.clone());
    let cache = rendering(dir.path());
    cache.apply(&update(1, vec![a.clone(), b.clone()])).expect("apply");
    cache.apply(&update(2, vec![a.clone()])).expect("apply");
    assert_eq!(stored(&cache, &id_a), Some(format!("{id_a} #2")));
    assert_eq!(stored(&cache, &id_b), Some(format!("{id_b} #1")));
    assert!(!cache.compact_answers().expect("compact"), "the segment appended to is left alone");
    drop(cache);

    // After a restart, under the same renderer: the same answers, a new segment for the
    // next ones.
    let cache = rendering(dir.path());
    assert_eq!(stored(&cache, &id_a), Some(format!("{id_a} #2")));
    cache.apply(&update(3, vec![a.clone()])).expect("apply");
    assert_eq!(stored(&cache, &id_a), Some(format!("{id_a} #0")), "the new process's first render");
    let (files, size, live) = cache.answer_file_sizes();
    assert_eq!(files, 2);
    cache.answer_log().set_min_reclaim(1);
    assert!(cache.compact_answers().expect("compact"), "the first segment is two-thirds dead");
    let (files_after, size_after, live_after) = cache.answer_file_sizes();
    assert_eq!((files_after, live_after), (1, live), "{size} → {size_after} bytes");
    assert!(size_after < size);
    assert_eq!(stored(&cache, &id_a), Some(format!("{id_a} #0")));
    assert_eq!(stored(&cache, &id_b), Some(format!("{id_b} #1")), "moved, unchanged");
    assert!(!cache.compact_answers().expect("compact"), "nothing more to reclaim");
    drop(cache);
    let cache = rendering(dir.path());
    assert_eq!(stored(&cache, &id_b), Some(format!("{id_b} #1")), "its pointer moved with it");
    assert_eq!(cache.answer_file_sizes().0, 1);
}

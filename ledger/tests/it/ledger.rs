//! The RocksDB ledger's own behaviour: receipts, the hash-chained log, tamper checks,
//! reopening, concurrency. Fabric semantics shared with every backend are in `conformance`.

use std::sync::Arc;

use nanotrace_ledger::column_families::{CF_HISTORY, CF_LOG, CF_STATE, CF_WRITESETS};
use nanotrace_ledger::{Ledger, LedgerError, LogEntry, GENESIS_PREV_HASH};
use nanotrace_shim::{Creator, EndorsementPolicy, PolicyRole, Stub, StubError, TxTimestamp};

fn alice() -> Creator {
    Creator { msp_id: "Org1MSP".into(), id_bytes: b"-----BEGIN CERTIFICATE----- alice".to_vec() }
}

fn ts(seconds: i64) -> Option<TxTimestamp> {
    Some(TxTimestamp { seconds, nanos: 0 })
}

fn open() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("db")).unwrap();
    (dir, ledger)
}

/// A `submit` with a generic stub function, as the CLI calls the contract.
fn put(ledger: &Ledger, key: &str, value: &[u8]) -> nanotrace_ledger::TxReceipt {
    fn run(stub: &mut impl Stub, key: &str, value: &[u8]) -> Result<(), StubError> {
        stub.put_state(key, value)
    }
    let args = vec![key.as_bytes().to_vec(), value.to_vec()];
    ledger.submit(&alice(), "Put", &args, None, |stub| run(stub, key, value)).unwrap().1
}

fn get(ledger: &Ledger, key: &str) -> Option<Vec<u8>> {
    ledger.evaluate(&alice(), None, |s| s.get_state(key)).unwrap()
}

#[test]
fn submit_commits_and_has_no_read_your_writes() {
    let (_dir, ledger) = open();
    assert_eq!(ledger.height().unwrap(), 0);
    let (seen, receipt) = ledger
        .submit(&alice(), "Put", &[], ts(10), |s| {
            s.put_state("k", b"v")?;
            s.get_state("k")
        })
        .unwrap();
    assert_eq!(seen, None);
    assert_eq!(receipt.block, 1);
    assert_eq!(receipt.timestamp, TxTimestamp { seconds: 10, nanos: 0 });
    assert_eq!(receipt.tx_id.len(), 64);
    assert_eq!(get(&ledger, "k"), Some(b"v".to_vec()));
    assert_eq!(ledger.height().unwrap(), 1);
}

#[test]
fn dyn_stub_callers_work_too() {
    fn invoke(stub: &mut dyn Stub, function: &str) -> Result<String, StubError> {
        stub.put_state(function, b"x")?;
        Ok(stub.tx_id().to_owned())
    }
    let (_dir, ledger) = open();
    let (tx_id, receipt) = ledger.submit(&alice(), "Apply", &[], None, |stub| invoke(stub, "Apply")).unwrap();
    assert_eq!(tx_id, receipt.tx_id);
}

#[test]
fn failed_transaction_writes_nothing() {
    let (_dir, ledger) = open();
    put(&ledger, "a", b"1");
    let log_before = ledger.log_entries(1, 100).unwrap();
    let result: Result<((), _), StubError> = ledger.submit(&alice(), "Boom", &[], None, |s| {
        s.put_state("a", b"2")?;
        s.put_state("b", b"2")?;
        s.set_event("E", b"x")?;
        Err(StubError::Ledger("contract said no".into()))
    });
    assert!(result.is_err());
    assert_eq!(get(&ledger, "a"), Some(b"1".to_vec()));
    assert_eq!(get(&ledger, "b"), None);
    assert_eq!(ledger.height().unwrap(), 1);
    assert_eq!(ledger.log_entries(1, 100).unwrap(), log_before);
    let history = ledger.evaluate(&alice(), None, |s| s.get_history_for_key("a")).unwrap();
    assert_eq!(history.len(), 1);
    assert!(ledger.check().unwrap().is_ok());
}

#[test]
fn log_entries_chain_and_carry_events() {
    let (_dir, ledger) = open();
    let args = vec![b"a".to_vec(), b"b".to_vec()];
    let (_, r1) = ledger
        .submit(&alice(), "Apply", &args, ts(5), |s| {
            s.put_state("x", b"1")?;
            s.set_event("CertificateApplied", br#"{"certificate_ids":["NT-1"]}"#)
        })
        .unwrap();
    put(&ledger, "y", b"2");
    let entries = ledger.log_entries(0, 10).unwrap();
    assert_eq!(entries.len(), 2);
    let e1: &LogEntry = &entries[0];
    assert_eq!(e1.block, 1);
    assert_eq!(e1.tx_id, r1.tx_id);
    assert_eq!(e1.function, "Apply");
    assert_eq!(e1.creator_msp, "Org1MSP");
    assert_eq!(e1.args_sha256, nanotrace_ledger::args_sha256(&args));
    assert_eq!(e1.prev_hash, GENESIS_PREV_HASH);
    assert_eq!(e1.hash, e1.compute_hash().unwrap());
    assert_eq!(e1.event, Some(("CertificateApplied".into(), br#"{"certificate_ids":["NT-1"]}"#.to_vec())));
    assert_eq!(entries[1].prev_hash, e1.hash);
    assert_eq!(entries[1].event, None);
    assert_eq!(ledger.head_hash().unwrap(), entries[1].hash);
    assert_eq!(ledger.log_entries(2, 10).unwrap(), entries[1..].to_vec());
    assert!(ledger.log_entries(3, 10).unwrap().is_empty());
    assert!(ledger.log_entries(1, 0).unwrap().is_empty());
}

#[test]
fn reopening_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let policy = EndorsementPolicy::all_of(["Org1MSP"], PolicyRole::Member);
    let (entries, head) = {
        let ledger = Ledger::open(&path).unwrap();
        put(&ledger, "a", b"1");
        put(&ledger, "a", b"2");
        ledger
            .submit(&alice(), "F", &[], None, |s| {
                s.set_state_validation_parameter("a", &policy)?;
                s.set_event("E", b"p")
            })
            .unwrap();
        (ledger.log_entries(1, 10).unwrap(), ledger.head_hash().unwrap())
    };
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.height().unwrap(), 3);
    assert_eq!(ledger.head_hash().unwrap(), head);
    assert_eq!(ledger.log_entries(1, 10).unwrap(), entries);
    assert_eq!(get(&ledger, "a"), Some(b"2".to_vec()));
    let history = ledger.evaluate(&alice(), None, |s| s.get_history_for_key("a")).unwrap();
    assert_eq!(history.len(), 2);
    let got = ledger.evaluate(&alice(), None, |s| s.get_state_validation_parameter("a")).unwrap();
    assert_eq!(got, Some(policy));
    let receipt = put(&ledger, "b", b"3");
    assert_eq!(receipt.block, 4);
    let report = ledger.check().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.entries_checked, 4);
}

fn ledger_with_blocks() -> (tempfile::TempDir, Ledger) {
    let (dir, ledger) = open();
    put(&ledger, "a", b"1");
    put(&ledger, "b", b"2");
    put(&ledger, "a", b"3");
    let report = ledger.check().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.entries_checked, 3);
    assert_eq!(report.height, 3);
    (dir, ledger)
}

#[test]
fn check_detects_a_tampered_log_entry() {
    let (_dir, ledger) = ledger_with_blocks();
    let db = ledger.raw_db();
    let cf = db.cf_handle(CF_LOG).unwrap();
    let raw = db.get_cf(cf, 2u64.to_be_bytes()).unwrap().unwrap();
    let mut entry: LogEntry = serde_json::from_slice(&raw).unwrap();
    entry.function = "Forged".into();
    db.put_cf(cf, 2u64.to_be_bytes(), serde_json::to_vec(&entry).unwrap()).unwrap();
    let report = ledger.check().unwrap();
    assert!(!report.is_ok());
    assert_eq!(report.first_bad_block(), Some(2), "{report:?}");
    assert!(report.first_bad.unwrap().reason.contains("hash mismatch"));
}

#[test]
fn check_detects_a_rehashed_log_entry_at_the_next_link() {
    let (_dir, ledger) = ledger_with_blocks();
    let db = ledger.raw_db();
    let cf = db.cf_handle(CF_LOG).unwrap();
    let raw = db.get_cf(cf, 2u64.to_be_bytes()).unwrap().unwrap();
    let mut entry: LogEntry = serde_json::from_slice(&raw).unwrap();
    entry.creator_msp = "EvilMSP".into();
    entry.hash = entry.compute_hash().unwrap();
    db.put_cf(cf, 2u64.to_be_bytes(), serde_json::to_vec(&entry).unwrap()).unwrap();
    let report = ledger.check().unwrap();
    assert_eq!(report.first_bad_block(), Some(3), "{report:?}");
    assert!(report.first_bad.unwrap().reason.contains("prev_hash"));
}

#[test]
fn check_detects_a_tampered_write_set() {
    let (_dir, ledger) = ledger_with_blocks();
    let db = ledger.raw_db();
    let cf = db.cf_handle(CF_WRITESETS).unwrap();
    let mut raw = db.get_cf(cf, 2u64.to_be_bytes()).unwrap().unwrap();
    // The value of "b" is stored raw: a put (1), its length (u32 1) and b"2".
    let at = value_position(&raw, b"2");
    raw[at] = b'9';
    db.put_cf(cf, 2u64.to_be_bytes(), &raw).unwrap();
    let report = ledger.check().unwrap();
    assert_eq!(report.first_bad_block(), Some(2), "{report:?}");
    assert!(report.first_bad.unwrap().reason.contains("write set hash mismatch"));
}

/// Where the one-byte value `value` of a put sits in an encoded write set.
fn value_position(write_set: &[u8], value: &[u8; 1]) -> usize {
    let needle = [1, 0, 0, 0, 1, value[0]];
    let at = write_set.windows(needle.len()).position(|w| w == needle).expect("value in the write set");
    at + needle.len() - 1
}

/// Flips one bit of byte `at` of the value stored under `key` in `cf`.
fn flip(ledger: &Ledger, cf: &str, key: &[u8], at: usize) {
    let db = ledger.raw_db();
    let cf = db.cf_handle(cf).unwrap();
    let mut raw = db.get_cf(cf, key).unwrap().unwrap();
    raw[at] ^= 0x01;
    db.put_cf(cf, key, &raw).unwrap();
}

/// One flipped byte anywhere in the binary records (format 2) is found, and blamed on
/// the right block: a stored write set (its value, a length, a tag), a history entry (its
/// kind, offset or length), a state value.
#[test]
fn check_detects_a_flipped_byte_in_the_binary_records() {
    let mut history_a1 = b"a\0".to_vec();
    history_a1.extend_from_slice(&1u64.to_be_bytes());

    let raw_ws = {
        let (_dir, ledger) = ledger_with_blocks();
        let db = ledger.raw_db();
        db.get_cf(db.cf_handle(CF_WRITESETS).unwrap(), 2u64.to_be_bytes()).unwrap().unwrap()
    };
    for at in 0..raw_ws.len() {
        let (_dir, ledger) = ledger_with_blocks();
        flip(&ledger, CF_WRITESETS, &2u64.to_be_bytes(), at);
        let report = ledger.check().unwrap();
        assert_eq!(report.first_bad_block(), Some(2), "write set byte {at}: {report:?}");
        assert!(report.first_bad.unwrap().reason.contains("write set hash mismatch"));
    }

    let raw_history = {
        let (_dir, ledger) = ledger_with_blocks();
        let db = ledger.raw_db();
        db.get_cf(db.cf_handle(CF_HISTORY).unwrap(), &history_a1).unwrap().unwrap()
    };
    assert_eq!(raw_history.len(), 10, "tag, kind, offset and length of a put");
    for at in 0..raw_history.len() {
        let (_dir, ledger) = ledger_with_blocks();
        flip(&ledger, CF_HISTORY, &history_a1, at);
        let report = ledger.check().unwrap();
        assert_eq!(report.first_bad_block(), Some(1), "history byte {at}: {report:?}");
        assert!(report.first_bad.unwrap().reason.contains("history"), "history byte {at}");
    }

    let (_dir, ledger) = ledger_with_blocks();
    flip(&ledger, CF_STATE, b"a", 0);
    let report = ledger.check().unwrap();
    assert_eq!(report.first_bad_block(), Some(3), "{report:?}");
    assert!(report.first_bad.unwrap().reason.contains("state value of \"a\" differs"));
}

/// The ledger's RocksDB database opened directly, bypassing `Ledger::open`'s checks.
fn open_raw(path: &std::path::Path) -> rocksdb::DB {
    let cfs = rocksdb::DB::list_cf(&rocksdb::Options::default(), path).unwrap();
    rocksdb::DB::open_cf(&rocksdb::Options::default(), path, cfs).unwrap()
}

/// History values come from the write sets, with each block's tx ID and timestamp.
#[test]
fn history_reads_values_from_the_write_sets() {
    let (_dir, ledger) = open();
    let first = ledger
        .submit(&alice(), "Put", &[], ts(10), |s| {
            s.put_state("k", b"one")?;
            s.put_state("other", b"x")
        })
        .unwrap()
        .1;
    let second = ledger.submit(&alice(), "Del", &[], ts(20), |s| s.del_state("k")).unwrap().1;
    let third = ledger.submit(&alice(), "Put", &[], ts(30), |s| s.put_state("k", b"three")).unwrap().1;
    let history = ledger.evaluate(&alice(), None, |s| s.get_history_for_key("k")).unwrap();
    let got: Vec<_> =
        history.iter().map(|m| (m.tx_id.clone(), m.timestamp.seconds, m.value.clone(), m.is_delete)).collect();
    assert_eq!(
        got,
        vec![
            (third.tx_id, 30, b"three".to_vec(), false),
            (second.tx_id, 20, Vec::new(), true),
            (first.tx_id, 10, b"one".to_vec(), false),
        ]
    );
    assert!(ledger.check().unwrap().is_ok());
}

/// A ledger of another stored format is refused at open with an error naming the format,
/// and left as it was; `check` reports a changed format record.
#[test]
fn another_stored_format_is_refused_with_its_name() {
    use nanotrace_ledger::column_families::CF_META;
    use nanotrace_ledger::STORED_FORMAT;
    assert_eq!(STORED_FORMAT, 2);
    let (dir, ledger) = ledger_with_blocks();
    let path = dir.path().join("db");
    let db = ledger.raw_db();
    let meta = db.cf_handle(CF_META).unwrap();
    assert_eq!(db.get_cf(meta, b"format").unwrap(), Some(2u64.to_be_bytes().to_vec()));

    // Format 3 recorded: `check` on the open ledger reports it; `open` refuses it.
    db.put_cf(meta, b"format", 3u64.to_be_bytes()).unwrap();
    let report = ledger.check().unwrap();
    assert!(report.problems.iter().any(|p| p.reason.contains("stored format")), "{report:?}");
    drop(ledger);
    let err = Ledger::open(&path).unwrap_err();
    assert!(matches!(err, LedgerError::UnsupportedFormat { found: 3, .. }), "{err:?}");
    assert!(err.to_string().contains("stored format 3") && err.to_string().contains("newer"), "{err}");

    // No format record on a ledger with blocks: format 1, from before formats were
    // recorded. Refused, and not rewritten: it is still refused the second time.
    {
        let db = open_raw(&path);
        db.delete_cf(db.cf_handle(CF_META).unwrap(), b"format").unwrap();
    }
    for _ in 0..2 {
        let err = Ledger::open(&path).unwrap_err();
        assert!(matches!(err, LedgerError::UnsupportedFormat { found: 1, .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("stored format 1") && text.contains("only format 2"), "{text}");
        assert!(text.contains("nanotrace init"), "{text}");
        let follower_scratch = dir.path().join("follower");
        let err = Ledger::open_follower(&path, &follower_scratch).unwrap_err();
        assert!(matches!(err, LedgerError::UnsupportedFormat { found: 1, .. }), "{err:?}");
    }

    // Put back, it opens and checks clean again.
    {
        let db = open_raw(&path);
        db.put_cf(db.cf_handle(CF_META).unwrap(), b"format", 2u64.to_be_bytes()).unwrap();
    }
    let ledger = Ledger::open(&path).unwrap();
    assert!(ledger.check().unwrap().is_ok());
    assert_eq!(get(&ledger, "a"), Some(b"3".to_vec()));
}

#[test]
fn check_detects_tampered_state_and_history() {
    let (_dir, ledger) = ledger_with_blocks();
    let db = ledger.raw_db();
    db.put_cf(db.cf_handle(CF_STATE).unwrap(), b"b", b"forged").unwrap();
    let report = ledger.check().unwrap();
    assert_eq!(report.first_bad_block(), Some(2), "{report:?}");

    let (_dir, ledger) = ledger_with_blocks();
    let db = ledger.raw_db();
    db.put_cf(db.cf_handle(CF_STATE).unwrap(), b"new", b"x").unwrap();
    assert!(!ledger.check().unwrap().is_ok());

    let (_dir, ledger) = ledger_with_blocks();
    let db = ledger.raw_db();
    let cf = db.cf_handle(CF_HISTORY).unwrap();
    let mut key = b"a\0".to_vec();
    key.extend_from_slice(&1u64.to_be_bytes());
    // Point the entry at another byte of the write set.
    let mut raw = db.get_cf(cf, &key).unwrap().unwrap();
    raw[5] = raw[5].wrapping_sub(1);
    db.put_cf(cf, &key, raw).unwrap();
    let report = ledger.check().unwrap();
    assert_eq!(report.first_bad_block(), Some(1), "{report:?}");

    let (_dir, ledger) = ledger_with_blocks();
    let db = ledger.raw_db();
    db.delete_cf(db.cf_handle(CF_HISTORY).unwrap(), &key).unwrap();
    assert_eq!(ledger.check().unwrap().first_bad_block(), Some(1));
}

#[test]
fn check_detects_a_removed_log_entry() {
    let (_dir, ledger) = ledger_with_blocks();
    let db = ledger.raw_db();
    db.delete_cf(db.cf_handle(CF_LOG).unwrap(), 2u64.to_be_bytes()).unwrap();
    let report = ledger.check().unwrap();
    assert_eq!(report.first_bad_block(), Some(2), "{report:?}");
}

#[test]
fn concurrent_submits_commit_serially_with_a_consistent_chain() {
    let (_dir, ledger) = open();
    let ledger = Arc::new(ledger);
    const THREADS: usize = 8;
    const PER_THREAD: usize = 10;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let ledger = Arc::clone(&ledger);
            std::thread::spawn(move || {
                let mut blocks = Vec::new();
                for i in 0..PER_THREAD {
                    let (_, receipt) = ledger
                        .submit(&alice(), "Increment", &[], None, |s| {
                            // Read-modify-write: only correct if transactions are serial.
                            let n = match s.get_state("counter")? {
                                Some(b) => String::from_utf8(b).unwrap().parse::<u64>().unwrap(),
                                None => 0,
                            };
                            s.put_state("counter", (n + 1).to_string().as_bytes())?;
                            s.put_state(&format!("t{t}-{i}"), b"x")?;
                            s.set_event("Incremented", (n + 1).to_string().as_bytes())
                        })
                        .unwrap();
                    blocks.push(receipt.block);
                }
                blocks
            })
        })
        .collect();
    let mut blocks: Vec<u64> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    blocks.sort_unstable();
    let total = (THREADS * PER_THREAD) as u64;
    assert_eq!(blocks, (1..=total).collect::<Vec<_>>());
    assert_eq!(get(&ledger, "counter"), Some(total.to_string().into_bytes()));
    let entries = ledger.log_entries(1, 1000).unwrap();
    assert_eq!(entries.len() as u64, total);
    for (i, e) in entries.iter().enumerate() {
        // Event n was emitted by block n.
        assert_eq!(e.event.as_ref().unwrap().1, (i + 1).to_string().into_bytes());
    }
    let report = ledger.check().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.entries_checked, total);
}

#[test]
fn ledger_errors_convert_for_closure_error_types() {
    let err: StubError = LedgerError::Corrupt("x".into()).into();
    assert!(matches!(err, StubError::Ledger(_)));
    let inner: StubError = LedgerError::Stub(StubError::InvalidBookmark("b".into())).into();
    assert_eq!(inner, StubError::InvalidBookmark("b".into()));
}

#[test]
fn open_fails_cleanly_on_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, b"not a db").unwrap();
    assert!(matches!(Ledger::open(&file), Err(LedgerError::Open { .. })));
}

/// Deletions and policies are compared from the check's scratch database as values are:
/// a key the write sets deleted but the state still holds, a policy changed, dropped or
/// never set, each blamed on the block that last wrote the key; the scratch folder is
/// gone after each check, and a scratch folder that cannot be made is a clear error.
#[test]
fn check_compares_deletions_and_policies_and_leaves_no_scratch_behind() {
    use nanotrace_ledger::column_families::CF_VPARAMS;
    let policy = EndorsementPolicy::all_of(["Org1MSP"], PolicyRole::Member);
    let other = EndorsementPolicy::all_of(["Org2MSP"], PolicyRole::Member);
    let build = || {
        let (dir, ledger) = open();
        put(&ledger, "a", b"1");
        put(&ledger, "b", b"2");
        ledger.submit(&alice(), "Del", &[], None, |s| s.del_state("b")).unwrap();
        ledger.submit(&alice(), "Policy", &[], None, |s| s.set_state_validation_parameter("a", &policy)).unwrap();
        (dir, ledger)
    };
    let scratch = tempfile::tempdir().unwrap();
    let check = |ledger: &Ledger| {
        let report = ledger.check_in(scratch.path()).unwrap();
        assert_eq!(std::fs::read_dir(scratch.path()).unwrap().count(), 0, "the scratch folder is left behind");
        report
    };
    let (_dir, ledger) = build();
    let report = check(&ledger);
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.state_keys_checked, 1, "{report:?}");

    let (_dir, ledger) = build();
    ledger.raw_db().put_cf(ledger.raw_db().cf_handle(CF_STATE).unwrap(), b"b", b"2").unwrap();
    let report = check(&ledger);
    assert_eq!(report.first_bad_block(), Some(3), "{report:?}");
    assert!(report.first_bad.unwrap().reason.contains("\"b\" is not produced"));

    let (_dir, ledger) = build();
    let cf = ledger.raw_db().cf_handle(CF_VPARAMS).unwrap();
    ledger.raw_db().put_cf(cf, b"a", serde_json::to_vec(&other).unwrap()).unwrap();
    let report = check(&ledger);
    assert_eq!(report.first_bad_block(), Some(4), "{report:?}");
    assert!(report.first_bad.unwrap().reason.contains("policy of \"a\" differs"));

    let (_dir, ledger) = build();
    let cf = ledger.raw_db().cf_handle(CF_VPARAMS).unwrap();
    ledger.raw_db().delete_cf(cf, b"a").unwrap();
    let report = check(&ledger);
    assert_eq!(report.first_bad_block(), Some(4), "{report:?}");
    assert!(report.first_bad.unwrap().reason.contains("policy of \"a\" is missing"));

    let (_dir, ledger) = build();
    let cf = ledger.raw_db().cf_handle(CF_VPARAMS).unwrap();
    ledger.raw_db().put_cf(cf, b"b", serde_json::to_vec(&other).unwrap()).unwrap();
    let report = check(&ledger);
    assert_eq!(report.problem_count, 1, "{report:?}");
    assert!(report.first_bad.unwrap().reason.contains("policy of \"b\" is not set by any write set"));

    let not_a_folder = scratch.path().join("file");
    std::fs::write(&not_a_folder, b"x").unwrap();
    match ledger.check_in(&not_a_folder) {
        Err(LedgerError::Scratch { path, .. }) => assert_eq!(path, not_a_folder),
        other => panic!("expected a scratch error, got {other:?}"),
    }
}

//! A follower (another process's read-only view) sees the owner's commits after
//! `catch_up`, can evaluate the contract, and cannot submit.

use nanotrace_ledger::{Ledger, LedgerError};
use nanotrace_shim::{Creator, StubError, TxTimestamp};

fn creator() -> Creator {
    Creator { msp_id: "TestMSP".into(), id_bytes: b"test creator".to_vec() }
}

#[test]
fn follower_catches_up_and_is_read_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ledger");
    let owner = Ledger::open(&path).expect("open owner");
    let at = Some(TxTimestamp { seconds: 1_700_000_000, nanos: 0 });
    owner
        .submit(&creator(), "Put", &[], at, |stub| {
            use nanotrace_shim::Stub;
            stub.put_state("a", b"1")?;
            stub.set_event("E", b"{}")?;
            Ok::<_, StubError>(())
        })
        .expect("submit");
    let follower = Ledger::open_follower(&path, &dir.path().join("scratch")).expect("open follower");
    assert_eq!(follower.height().expect("height"), 1);
    owner
        .submit(&creator(), "Put", &[], at, |stub| {
            use nanotrace_shim::Stub;
            stub.put_state("a", b"2")?;
            Ok::<_, StubError>(())
        })
        .expect("submit");
    follower.catch_up().expect("catch up");
    assert_eq!(follower.height().expect("height"), 2);
    let value = follower
        .evaluate(&creator(), at, |stub| {
            use nanotrace_shim::Stub;
            stub.get_state("a")
        })
        .expect("evaluate");
    assert_eq!(value.as_deref(), Some(&b"2"[..]));
    assert_eq!(follower.log_entries(1, 10).expect("log").len(), 2);
    let refused = follower.submit(&creator(), "Put", &[], at, |_stub| Ok::<_, StubError>(()));
    assert!(matches!(refused, Err(StubError::Ledger(m)) if m.contains("read-only")));
    let err: Result<((), _), LedgerError> = follower.submit(&creator(), "Put", &[], at, |_| Ok(()));
    assert!(matches!(err, Err(LedgerError::ReadOnly(_))));
}

/// A RocksDB secondary instance cannot take snapshots: range scans and key history must
/// still work in a follower's queries (the contract's IssuerKeys and History use them).
#[test]
fn follower_queries_can_scan_and_read_history() {
    use nanotrace_shim::Stub;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ledger");
    let owner = Ledger::open(&path).expect("open owner");
    let at = Some(TxTimestamp { seconds: 1_700_000_000, nanos: 0 });
    for value in [b"1", b"2"] {
        owner
            .submit(&creator(), "Put", &[], at, |stub| {
                stub.put_state("k1", value)?;
                stub.put_state("k2", value)?;
                Ok::<_, StubError>(())
            })
            .expect("submit");
    }
    let follower = Ledger::open_follower(&path, &dir.path().join("scratch")).expect("open follower");
    let (keys, history) = follower
        .evaluate(&creator(), at, |stub| {
            let page = stub.get_state_by_range("k", "l", 10, "")?;
            let history = stub.get_history_for_key("k1")?;
            Ok::<_, StubError>((page.entries.into_iter().map(|(k, _)| k).collect::<Vec<_>>(), history.len()))
        })
        .expect("evaluate on the follower");
    assert_eq!(keys, ["k1", "k2"]);
    assert_eq!(history, 2);
}

/// Many keys read at once (one RocksDB MultiGet) answer what reading each alone does, in
/// the order asked, absent keys and repeats included, on the owner and on a follower,
/// from the memtable and from tables.
#[test]
fn many_keys_read_at_once_answer_what_each_read_alone_does() {
    use nanotrace_shim::Stub;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ledger");
    let owner = Ledger::open(&path).expect("open owner");
    let at = Some(TxTimestamp { seconds: 1_700_000_000, nanos: 0 });
    owner
        .submit(&creator(), "Put", &[], at, |stub| {
            for i in 0..50 {
                stub.put_state(&format!("k{i:03}"), format!("v{i}").as_bytes())?;
            }
            Ok::<_, StubError>(())
        })
        .expect("submit");
    owner.raw_db().flush_cf(owner.raw_db().cf_handle("state").expect("state")).expect("flush");
    owner
        .submit(&creator(), "Put", &[], at, |stub| {
            stub.put_state("k007", b"newer")?;
            stub.del_state("k008")?;
            Ok::<_, StubError>(())
        })
        .expect("submit");
    let follower = Ledger::open_follower(&path, &dir.path().join("scratch")).expect("open follower");
    let keys: Vec<String> =
        ["k049", "k007", "missing", "k008", "k000", "k007"].iter().map(|k| (*k).to_owned()).collect();
    for ledger in [&owner, &follower] {
        let (many, one_by_one) = ledger
            .evaluate(&creator(), at, |stub| {
                let many = stub.get_state_multiple(&keys)?;
                let one_by_one = keys.iter().map(|k| stub.get_state(k)).collect::<Result<Vec<_>, _>>()?;
                Ok::<_, StubError>((many, one_by_one))
            })
            .expect("evaluate");
        assert_eq!(many, one_by_one);
        let expected: Vec<Option<&[u8]>> = vec![Some(b"v49"), Some(b"newer"), None, None, Some(b"v0"), Some(b"newer")];
        assert_eq!(many.iter().map(|v| v.as_deref()).collect::<Vec<_>>(), expected);
    }
}

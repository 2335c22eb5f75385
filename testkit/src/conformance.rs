//! Conformance tests every ledger backend must pass: the Fabric transaction semantics
//! the contract relies on (no read-your-writes, atomic commit, key history, range and
//! composite-key pagination that never leaks composite keys, key-level endorsement
//! parameters that follow Fabric's commit rule, key-level endorsement validated at commit
//! with the submitter's organisation as the endorser, queries that commit nothing).
//!
//! A backend implements [`Backend`]; [`conformance_tests!`](crate::conformance_tests)
//! expands to one `#[test]` per scenario for it.

use nanotrace_ledger::memory::MemoryLedger;
use nanotrace_ledger::Ledger;
use nanotrace_shim::{
    create_composite_key, Creator, EndorsementPolicy, KeyWrite, PolicyRole, Stub, StubError, TxTimestamp,
};

/// A transaction body: runs against the stub, may fail.
pub type TxBody<'a> = &'a mut dyn FnMut(&mut dyn Stub) -> Result<(), StubError>;

/// A ledger under test.
pub trait Backend {
    /// Runs `body` as one transaction of `creator` at `seconds`; commits its writes if it
    /// succeeds and answers the transaction ID; writes nothing if it fails.
    fn transact(&mut self, creator: &Creator, seconds: i64, body: TxBody<'_>) -> Result<String, StubError>;
    /// Runs `body` as a query: nothing it writes is committed.
    fn query(&mut self, creator: &Creator, seconds: i64, body: TxBody<'_>) -> Result<(), StubError>;
    /// Committed blocks.
    fn height(&self) -> u64;
    /// Asserts the backend's own integrity checks pass (e.g. the RocksDB ledger's hash
    /// chain and replay); run at the end of every scenario.
    fn assert_intact(&self) {}
    /// The head of the backend's hash chain, if it keeps one.
    fn head_hash(&self) -> Option<String> {
        None
    }
    /// Closes and opens the backend again from its storage (a no-op in memory).
    fn reopen(&mut self) {}
}

impl Backend for MemoryLedger {
    fn transact(&mut self, creator: &Creator, seconds: i64, body: TxBody<'_>) -> Result<String, StubError> {
        self.execute(creator, TxTimestamp { seconds, nanos: 0 }, |s| body(s)).map(|((), tx)| tx)
    }
    fn query(&mut self, creator: &Creator, seconds: i64, body: TxBody<'_>) -> Result<(), StubError> {
        self.evaluate(creator, TxTimestamp { seconds, nanos: 0 }, |s| body(s))
    }
    fn height(&self) -> u64 {
        MemoryLedger::height(self)
    }
}

/// The RocksDB ledger in a temporary directory.
pub struct TempLedger {
    /// `None` only while [`Backend::reopen`] swaps it.
    ledger: Option<Ledger>,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for TempLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TempLedger").finish_non_exhaustive()
    }
}

impl TempLedger {
    /// A new, empty ledger.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let ledger = Ledger::open(&dir.path().join("db")).expect("open ledger");
        TempLedger { ledger: Some(ledger), dir }
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        self.ledger.as_ref().expect("ledger is open")
    }
}

impl Default for TempLedger {
    fn default() -> Self {
        Self::new()
    }
}

impl Backend for TempLedger {
    fn transact(&mut self, creator: &Creator, seconds: i64, body: TxBody<'_>) -> Result<String, StubError> {
        let at = Some(TxTimestamp { seconds, nanos: 0 });
        self.ledger().submit(creator, "Conformance", &[], at, |s| body(s)).map(|((), receipt)| receipt.tx_id)
    }
    fn query(&mut self, creator: &Creator, seconds: i64, body: TxBody<'_>) -> Result<(), StubError> {
        self.ledger().evaluate(creator, Some(TxTimestamp { seconds, nanos: 0 }), |s| body(s))
    }
    fn height(&self) -> u64 {
        self.ledger().height().expect("height")
    }
    fn assert_intact(&self) {
        let report = self.ledger().check().expect("check runs");
        assert!(report.is_ok(), "ledger check: {report:?}");
    }
    fn head_hash(&self) -> Option<String> {
        Some(self.ledger().head_hash().expect("head hash"))
    }
    fn reopen(&mut self) {
        drop(self.ledger.take());
        self.ledger = Some(Ledger::open(&self.dir.path().join("db")).expect("reopen ledger"));
    }
}

fn alice() -> Creator {
    Creator { msp_id: "Org1MSP".into(), id_bytes: b"-----BEGIN CERTIFICATE----- alice".to_vec() }
}

fn read(b: &mut dyn Backend, key: &str) -> Option<Vec<u8>> {
    let mut out = None;
    b.query(&alice(), 1_000, &mut |s| {
        out = s.get_state(key)?;
        Ok(())
    })
    .expect("query");
    out
}

/// A transaction does not read its own writes; the next one does; heights and tx IDs advance.
pub fn commit_and_no_read_your_writes(b: &mut dyn Backend) {
    assert_eq!(b.height(), 0);
    let mut seen = Some(Vec::new());
    let t1 = b
        .transact(&alice(), 1, &mut |s| {
            s.put_state("k", b"v1")?;
            seen = s.get_state("k")?;
            Ok(())
        })
        .expect("first transaction");
    assert_eq!(seen, None, "a transaction must not read its own writes");
    assert_eq!(b.height(), 1);
    assert_eq!(t1.len(), 64, "tx IDs are hex SHA-256: {t1}");
    let t2 = b
        .transact(&alice(), 2, &mut |s| {
            seen = s.get_state("k")?;
            Ok(())
        })
        .expect("second transaction");
    assert_eq!(seen, Some(b"v1".to_vec()));
    assert_ne!(t1, t2);
    assert_eq!(b.height(), 2);
    b.assert_intact();
}

/// A failed transaction writes nothing: no state, no history, no height, no event.
pub fn failed_transaction_writes_nothing(b: &mut dyn Backend) {
    b.transact(&alice(), 1, &mut |s| s.put_state("a", b"1")).expect("seed");
    let result = b.transact(&alice(), 2, &mut |s| {
        s.put_state("a", b"2")?;
        s.put_state("b", b"2")?;
        s.set_event("E", b"x")?;
        Err(StubError::Ledger("contract said no".into()))
    });
    assert!(result.is_err());
    assert_eq!(read(b, "a"), Some(b"1".to_vec()));
    assert_eq!(read(b, "b"), None);
    assert_eq!(b.height(), 1);
    let mut history = 0;
    b.query(&alice(), 3, &mut |s| {
        history = s.get_history_for_key("a")?.len();
        Ok(())
    })
    .expect("history");
    assert_eq!(history, 1);
    b.assert_intact();
}

/// Key history is newest first, records deletes, and never mixes a composite key with
/// a longer one that shares its prefix.
pub fn history_is_newest_first_with_deletes(b: &mut dyn Backend) {
    let short = create_composite_key("t", &[]).expect("key"); // "\0t\0"
    let long = create_composite_key("t", &["", "x"]).expect("key"); // shares the prefix
    let (s1, l1) = (short.clone(), long.clone());
    let t1 = b.transact(&alice(), 1, &mut |s| s.put_state(&s1, b"1")).expect("t1");
    b.transact(&alice(), 2, &mut |s| s.put_state(&l1, b"other")).expect("long");
    let t2 = b.transact(&alice(), 3, &mut |s| s.put_state(&s1, b"2")).expect("t2");
    let t3 = b.transact(&alice(), 4, &mut |s| s.del_state(&s1)).expect("t3");
    let t4 = b.transact(&alice(), 5, &mut |s| s.put_state(&s1, b"4")).expect("t4");
    let mut got = Vec::new();
    let mut long_len = 0;
    let mut missing = 1;
    b.query(&alice(), 6, &mut |s| {
        got = s
            .get_history_for_key(&short)?
            .into_iter()
            .map(|m| (m.tx_id, m.timestamp.seconds, m.value, m.is_delete))
            .collect();
        long_len = s.get_history_for_key(&long)?.len();
        missing = s.get_history_for_key("nope")?.len();
        Ok(())
    })
    .expect("history");
    assert_eq!(
        got,
        vec![
            (t4, 5, b"4".to_vec(), false),
            (t3, 4, Vec::new(), true),
            (t2, 3, b"2".to_vec(), false),
            (t1, 1, b"1".to_vec(), false),
        ]
    );
    assert_eq!(long_len, 1);
    assert_eq!(missing, 0);
    b.assert_intact();
}

fn all_pages(
    s: &mut dyn Stub,
    mut page: impl FnMut(&mut dyn Stub, &str) -> Result<nanotrace_shim::Page, StubError>,
) -> Result<Vec<String>, StubError> {
    let mut keys = Vec::new();
    let mut bookmark = String::new();
    loop {
        let p = page(s, &bookmark)?;
        keys.extend(p.entries.into_iter().map(|(k, _)| k));
        if p.bookmark.is_empty() {
            return Ok(keys);
        }
        bookmark = p.bookmark;
    }
}

/// Range scans with an empty start never return composite keys; pages of any size
/// visit every key once; bookmarks from elsewhere are refused; bounded ranges are bounded.
pub fn range_and_composite_pages_cover_everything(b: &mut dyn Backend) {
    b.transact(&alice(), 1, &mut |s| {
        for i in 0..123 {
            s.put_state(&format!("k{i:03}"), b"s")?;
            s.put_state(&create_composite_key("idx", &["a", &format!("{i:03}")])?, b"c")?;
        }
        s.put_state(&create_composite_key("idx", &["b", "zzz"])?, b"c")
    })
    .expect("seed");
    for page_size in [0u32, 1, 4, 10, 122, 123, 2000] {
        let (mut simple, mut composite) = (Vec::new(), Vec::new());
        b.query(&alice(), 2, &mut |s| {
            simple = all_pages(s, |s, bm| s.get_state_by_range("", "", page_size, bm))?;
            composite = all_pages(s, |s, bm| s.get_state_by_partial_composite_key("idx", &["a"], page_size, bm))?;
            Ok(())
        })
        .expect("pages");
        assert_eq!(simple, (0..123).map(|i| format!("k{i:03}")).collect::<Vec<_>>(), "page size {page_size}");
        assert_eq!(composite.len(), 123, "page size {page_size}");
        assert!(composite.iter().all(|k| k.starts_with('\u{0}')));
        let mut dedup = composite.clone();
        dedup.dedup();
        assert_eq!(dedup.len(), 123);
    }
    let mut bad = Ok(());
    let mut bounded = 0;
    b.query(&alice(), 3, &mut |s| {
        bad = s.get_state_by_range("k010", "k020", 5, "k999").map(|_| ());
        bounded = s.get_state_by_range("k010", "k020", 0, "")?.entries.len();
        Ok(())
    })
    .expect("query");
    assert_eq!(bad, Err(StubError::InvalidBookmark("k999".into())));
    assert_eq!(bounded, 10);
    b.assert_intact();
}

/// Key-level endorsement parameters are buffered until commit, apply only to keys that
/// exist after the transaction, and go with a deleted key.
pub fn validation_parameters_follow_fabric_rules(b: &mut dyn Backend) {
    // Alice's organisation alone satisfies it, so alice may delete the key later.
    let policy = EndorsementPolicy::peer_of("Org1MSP");
    let mut buffered = Some(policy.clone());
    b.transact(&alice(), 1, &mut |s| {
        s.put_state("cert", b"v")?;
        s.set_state_validation_parameter("cert", &policy)?;
        s.set_state_validation_parameter("ghost", &policy)?;
        buffered = s.get_state_validation_parameter("cert")?;
        Ok(())
    })
    .expect("set");
    assert_eq!(buffered, None, "a transaction must not read its own validation parameters");
    let (mut cert, mut ghost) = (None, Some(policy.clone()));
    b.query(&alice(), 2, &mut |s| {
        cert = s.get_state_validation_parameter("cert")?;
        ghost = s.get_state_validation_parameter("ghost")?;
        Ok(())
    })
    .expect("read");
    assert_eq!(cert, Some(policy.clone()));
    assert_eq!(ghost, None);
    b.transact(&alice(), 3, &mut |s| s.del_state("cert")).expect("delete");
    b.query(&alice(), 4, &mut |s| {
        cert = s.get_state_validation_parameter("cert")?;
        Ok(())
    })
    .expect("read");
    assert_eq!(cert, None);
    b.assert_intact();
}

fn bob() -> Creator {
    Creator { msp_id: "Org2MSP".into(), id_bytes: b"-----BEGIN CERTIFICATE----- bob".to_vec() }
}

/// What an endorsement scenario compares before and after a refused transaction.
#[derive(Debug, PartialEq)]
struct Observed {
    values: Vec<Option<Vec<u8>>>,
    histories: Vec<usize>,
    policies: Vec<Option<EndorsementPolicy>>,
    height: u64,
    head: Option<String>,
}

fn observe(b: &mut dyn Backend, keys: &[&str]) -> Observed {
    let (mut values, mut histories, mut policies) = (Vec::new(), Vec::new(), Vec::new());
    b.query(&alice(), 1_000, &mut |s| {
        for key in keys {
            values.push(s.get_state(key)?);
            histories.push(s.get_history_for_key(key)?.len());
            policies.push(s.get_state_validation_parameter(key)?);
        }
        Ok(())
    })
    .expect("observe");
    Observed { values, histories, policies, height: b.height(), head: b.head_hash() }
}

/// Key-level endorsement is validated at commit, as Fabric's validator does, with the
/// submitting identity's organisation as the one endorser: a write, a delete or a
/// validation-parameter change of a key whose committed policy that organisation does
/// not satisfy invalidates the whole transaction with `ENDORSEMENT_POLICY_FAILURE` (naming
/// the key, its policy and the submitter's organisation), and nothing of it is written:
/// state, history, policies, height, hash chain and events stay as they were, also after
/// the ledger is opened again. Keys without a policy fall back to the chaincode-level
/// policy (satisfied); a policy set by a transaction guards only later ones.
pub fn key_level_endorsement_is_enforced(b: &mut dyn Backend) {
    let org1 = EndorsementPolicy::peer_of("Org1MSP");
    let org2 = EndorsementPolicy::all_of(["Org2MSP"], PolicyRole::Member);
    let (p1, p2) = (org1.clone(), org2.clone());
    // Alice protects "cert" for her organisation; "free" has no policy.
    b.transact(&alice(), 1, &mut |s| {
        s.put_state("cert", b"v1")?;
        s.set_state_validation_parameter("cert", &p1)?;
        s.put_state("free", b"f1")
    })
    .expect("protect");
    // Bob may write an unprotected key (chaincode-level policy).
    b.transact(&bob(), 2, &mut |s| s.put_state("free", b"f2")).expect("unprotected write");
    let keys = ["cert", "free", "other"];
    let before = observe(b, &keys);
    assert_eq!(before.policies[0], Some(org1.clone()));
    type Attempt = (KeyWrite, Box<dyn Fn(&mut dyn Stub) -> Result<(), StubError>>);
    let attempts: Vec<Attempt> = vec![
        (KeyWrite::Value, Box::new(|s| s.put_state("cert", b"bob's"))),
        (KeyWrite::Delete, Box::new(|s| s.del_state("cert"))),
        (KeyWrite::Value, Box::new(|s| s.put_state("cert", b""))),
        (KeyWrite::ValidationParameter, Box::new(move |s| s.set_state_validation_parameter("cert", &p2))),
        // Alongside allowed writes and an event: the whole transaction goes.
        (
            KeyWrite::Value,
            Box::new(|s| {
                s.put_state("free", b"f3")?;
                s.put_state("other", b"o")?;
                s.put_state("cert", b"bob's")?;
                s.set_event("E", b"x")
            }),
        ),
    ];
    for (i, (write, attempt)) in attempts.iter().enumerate() {
        let expected_write = if i == 2 { KeyWrite::Delete } else { *write };
        let result = b.transact(&bob(), 10 + i as i64, &mut |s| attempt(s));
        match &result {
            Err(StubError::EndorsementPolicyFailure(f)) => {
                assert_eq!((f.key.as_str(), f.write, &f.policy), ("cert", expected_write, &org1), "attempt {i}: {f}");
                assert_eq!(f.endorser_msp, "Org2MSP");
                let text = f.to_string();
                assert!(text.starts_with("ENDORSEMENT_POLICY_FAILURE: "), "{text}");
                assert!(
                    text.contains("\"cert\"") && text.contains("'Org1MSP.peer'") && text.contains("Org2MSP"),
                    "{text}"
                );
            }
            other => panic!("attempt {i}: expected ENDORSEMENT_POLICY_FAILURE, got {other:?}"),
        }
        assert_eq!(observe(b, &keys), before, "attempt {i} changed the ledger");
    }
    b.reopen();
    assert_eq!(observe(b, &keys), before, "after reopening");
    b.assert_intact();

    // The protecting organisation may write and move the policy (its metadata write is
    // checked against the committed policy, which it satisfies); from then on the new
    // policy guards the key.
    let p2 = org2.clone();
    b.transact(&alice(), 20, &mut |s| {
        s.put_state("cert", b"v2")?;
        s.set_state_validation_parameter("cert", &p2)
    })
    .expect("owner moves the policy");
    b.transact(&bob(), 21, &mut |s| s.put_state("cert", b"v3")).expect("the new owner writes");
    let result = b.transact(&alice(), 22, &mut |s| s.put_state("cert", b"v4"));
    assert!(
        matches!(&result, Err(StubError::EndorsementPolicyFailure(f)) if f.policy == org2 && f.endorser_msp == "Org1MSP"),
        "{result:?}"
    );
    // A policy that needs two organisations is never satisfied by one endorser.
    let both = EndorsementPolicy::all_of(["Org1MSP", "Org2MSP"], PolicyRole::Peer);
    let p = both.clone();
    b.transact(&bob(), 23, &mut |s| s.set_state_validation_parameter("cert", &p)).expect("bob sets AND");
    for who in [alice(), bob()] {
        let result = b.transact(&who, 24, &mut |s| s.del_state("cert"));
        assert!(matches!(&result, Err(StubError::EndorsementPolicyFailure(f)) if f.policy == both), "{result:?}");
    }
    let mut value = None;
    b.query(&alice(), 25, &mut |s| {
        value = s.get_state("cert")?;
        Ok(())
    })
    .expect("read");
    assert_eq!(value, Some(b"v3".to_vec()));
    b.reopen();
    b.assert_intact();
}

fn carol() -> Creator {
    Creator { msp_id: "Org3MSP".into(), id_bytes: b"-----BEGIN CERTIFICATE----- carol".to_vec() }
}

/// A qualified majority, `AND('Org1MSP.peer', OR('Org2MSP.peer', 'Org3MSP.peer'))`, is
/// endorsed by the peers it names, gathered as Fabric's gateway gathers them (see
/// `EndorsementPolicy::is_endorsed_on_one_machine_by`); a policy those peers cannot meet
/// refuses the write; a policy no ledger can enforce is refused when set; the policy reads
/// back as it was set, across a reopen.
pub fn qualified_majority_is_enforced(b: &mut dyn Backend) {
    let peer = |m: &str| EndorsementPolicy::SignedBy(nanotrace_shim::Principal::peer(m));
    let majority = EndorsementPolicy::qualified_majority("Org1MSP", ["Org2MSP", "Org3MSP"]);
    assert_eq!(majority.to_string(), "AND('Org1MSP.peer', OR('Org2MSP.peer', 'Org3MSP.peer'))");
    let p = majority.clone();
    b.transact(&alice(), 1, &mut |s| {
        s.put_state("gov", b"v1")?;
        s.set_state_validation_parameter("gov", &p)
    })
    .expect("alice protects gov");
    b.transact(&bob(), 2, &mut |s| s.put_state("gov", b"v2")).expect("the named peers are gathered");
    // Two endorsements of Org2MSP: one machine gathers one peer per organisation.
    let twice = EndorsementPolicy::out_of(2, vec![peer("Org2MSP"), peer("Org2MSP")]);
    let p = twice.clone();
    b.transact(&carol(), 3, &mut |s| s.set_state_validation_parameter("other", &p).and(s.put_state("other", b"o")))
        .expect("set");
    let result = b.transact(&carol(), 4, &mut |s| s.put_state("other", b"forged"));
    assert!(
        matches!(&result, Err(StubError::EndorsementPolicyFailure(f)) if f.policy == twice && f.endorser_msp == "Org3MSP"),
        "{result:?}"
    );
    let never = EndorsementPolicy::out_of(3, vec![peer("Org2MSP"), peer("Org3MSP")]);
    let result = b.transact(&alice(), 5, &mut |s| {
        s.put_state("gov", b"v3")?;
        s.set_state_validation_parameter("gov", &never)
    });
    assert!(matches!(&result, Err(StubError::InvalidPolicy { key, .. }) if key == "gov"), "{result:?}");
    b.reopen();
    let mut seen = (None, None);
    b.query(&carol(), 6, &mut |s| {
        seen = (s.get_state("gov")?, s.get_state_validation_parameter("gov")?);
        Ok(())
    })
    .expect("read");
    assert_eq!(seen, (Some(b"v2".to_vec()), Some(majority)));
    b.assert_intact();
}

/// A query's writes are thrown away.
pub fn queries_commit_nothing(b: &mut dyn Backend) {
    b.transact(&alice(), 1, &mut |s| s.put_state("a", b"1")).expect("seed");
    let mut seen = None;
    b.query(&alice(), 2, &mut |s| {
        s.put_state("a", b"2")?;
        seen = s.get_state("a")?;
        Ok(())
    })
    .expect("query");
    assert_eq!(seen, Some(b"1".to_vec()));
    assert_eq!(read(b, "a"), Some(b"1".to_vec()));
    assert_eq!(b.height(), 1);
    b.assert_intact();
}

/// One `#[test]` per conformance scenario for the backend that `$make` builds.
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        #[test]
        fn commit_and_no_read_your_writes() {
            $crate::conformance::commit_and_no_read_your_writes(&mut $make);
        }
        #[test]
        fn failed_transaction_writes_nothing() {
            $crate::conformance::failed_transaction_writes_nothing(&mut $make);
        }
        #[test]
        fn history_is_newest_first_with_deletes() {
            $crate::conformance::history_is_newest_first_with_deletes(&mut $make);
        }
        #[test]
        fn range_and_composite_pages_cover_everything() {
            $crate::conformance::range_and_composite_pages_cover_everything(&mut $make);
        }
        #[test]
        fn validation_parameters_follow_fabric_rules() {
            $crate::conformance::validation_parameters_follow_fabric_rules(&mut $make);
        }
        #[test]
        fn key_level_endorsement_is_enforced() {
            $crate::conformance::key_level_endorsement_is_enforced(&mut $make);
        }
        #[test]
        fn qualified_majority_is_enforced() {
            $crate::conformance::qualified_majority_is_enforced(&mut $make);
        }
        #[test]
        fn queries_commit_nothing() {
            $crate::conformance::queries_commit_nothing(&mut $make);
        }
    };
}

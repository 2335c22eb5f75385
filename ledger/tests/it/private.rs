//! Private data on the RocksDB ledger: values kept apart from the state and the
//! hash-chained write sets (which carry only their hashes), read by the collection's
//! organisations only, surviving a reopen, and checked by `check`.

use nanotrace_ledger::column_families::{CF_PRIVATE, CF_PRIVATE_HASHES, CF_STATE, CF_WRITESETS};
use nanotrace_ledger::sim::private_data_hash;
use nanotrace_ledger::{Ledger, LedgerError};
use nanotrace_shim::{CollectionAccess, CollectionConfig, Collections, Creator, Stub, StubError};

fn member(msp_id: &str) -> Creator {
    Creator { msp_id: msp_id.into(), id_bytes: format!("cert of {msp_id}").into_bytes() }
}

fn body() -> Creator {
    member("BodyMSP")
}

fn other() -> Creator {
    member("OtherMSP")
}

/// A ledger whose collection `fees-BodyMSP-MakerMSP` is the body's and the maker's.
fn open() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("db")).unwrap();
    let fees = CollectionConfig::members_only("fees-BodyMSP-MakerMSP", ["BodyMSP", "MakerMSP"]);
    ledger.set_collections(&Collections::from_configs([fees]).unwrap()).unwrap();
    (dir, ledger)
}

const FEES: &str = "fees-BodyMSP-MakerMSP";

fn put_private(ledger: &Ledger, who: &Creator, key: &str, value: &[u8]) -> Result<(), LedgerError> {
    ledger.submit(who, "PutPrivate", &[], None, |s| s.put_private_data(FEES, key, value).map_err(LedgerError::Stub))?;
    Ok(())
}

fn read(ledger: &Ledger, who: &Creator, key: &str) -> Result<Option<Vec<u8>>, StubError> {
    ledger.evaluate(who, None, |s| s.get_private_data(FEES, key).map_err(LedgerError::Stub)).map_err(|e| match e {
        LedgerError::Stub(e) => e,
        other => panic!("{other}"),
    })
}

fn hash(ledger: &Ledger, who: &Creator, key: &str) -> Option<Vec<u8>> {
    ledger.evaluate(who, None, |s| s.get_private_data_hash(FEES, key).map_err(LedgerError::Stub)).unwrap()
}

fn raw_values(ledger: &Ledger, cf: &str) -> Vec<Vec<u8>> {
    ledger.raw_entries(cf).unwrap().into_iter().map(|(_, v)| v).collect()
}

#[test]
fn private_values_are_stored_apart_and_only_their_hashes_are_chained() {
    let (dir, ledger) = open();
    let maker = member("MakerMSP");
    let secret = b"invoice 2026-0001: EUR 1,200.00";
    put_private(&ledger, &maker, "invoice-1", secret).unwrap();
    assert_eq!(read(&ledger, &body(), "invoice-1").unwrap(), Some(secret.to_vec()));
    assert_eq!(hash(&ledger, &other(), "invoice-1"), Some(private_data_hash(secret).to_vec()));
    for cf in [CF_STATE, CF_WRITESETS] {
        for value in raw_values(&ledger, cf) {
            let text = String::from_utf8_lossy(&value);
            assert!(!text.contains("invoice"), "a private key or value is in {cf}: {text}");
        }
    }
    assert_eq!(raw_values(&ledger, CF_PRIVATE), vec![secret.to_vec()]);
    assert_eq!(raw_values(&ledger, CF_PRIVATE_HASHES), vec![private_data_hash(secret).to_vec()]);
    let report = ledger.check().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.private_values_checked, 1);

    // Reopened, the values, hashes and definitions are there; a delete removes both.
    drop(ledger);
    let ledger = Ledger::open(&dir.path().join("db")).unwrap();
    assert_eq!(ledger.collections().unwrap().get(FEES).map(|c| c.member_orgs.len()), Some(2));
    assert_eq!(read(&ledger, &maker, "invoice-1").unwrap(), Some(secret.to_vec()));
    ledger
        .submit(&body(), "DelPrivate", &[], None, |s| s.del_private_data(FEES, "invoice-1").map_err(LedgerError::Stub))
        .unwrap();
    assert_eq!(read(&ledger, &maker, "invoice-1").unwrap(), None);
    assert_eq!(hash(&ledger, &other(), "invoice-1"), None);
    assert!(ledger.raw_entries(CF_PRIVATE_HASHES).unwrap().is_empty());
    assert!(ledger.check().unwrap().is_ok());
}

#[test]
fn a_third_organisation_is_refused_and_a_refused_transaction_writes_nothing() {
    let (_dir, ledger) = open();
    put_private(&ledger, &body(), "quote-1", b"EUR 900.00").unwrap();
    let height = ledger.height().unwrap();
    let refused = |access| StubError::CollectionAccess { collection: FEES.into(), msp_id: "OtherMSP".into(), access };
    assert_eq!(read(&ledger, &other(), "quote-1"), Err(refused(CollectionAccess::Read)));
    let written = ledger.submit(&other(), "PutPrivate", &[], None, |s| {
        s.put_state("public", b"x").map_err(LedgerError::Stub)?;
        s.put_private_data(FEES, "quote-1", b"EUR 1.00").map_err(LedgerError::Stub)
    });
    assert!(matches!(written, Err(LedgerError::Stub(ref e)) if *e == refused(CollectionAccess::Write)), "{written:?}");
    assert_eq!(ledger.height().unwrap(), height, "nothing committed");
    assert_eq!(read(&ledger, &body(), "quote-1").unwrap(), Some(b"EUR 900.00".to_vec()));
    let unknown = ledger.submit(&body(), "PutPrivate", &[], None, |s| {
        s.put_private_data("fees-BodyMSP-OtherMSP", "k", b"v").map_err(LedgerError::Stub)
    });
    assert!(
        matches!(unknown, Err(LedgerError::Stub(StubError::UnknownCollection(ref c))) if c == "fees-BodyMSP-OtherMSP"),
        "{unknown:?}"
    );
    assert_eq!(ledger.height().unwrap(), height);
}

#[test]
fn check_finds_a_changed_private_value_a_changed_hash_and_a_lost_value() {
    let (_dir, ledger) = open();
    put_private(&ledger, &body(), "a", b"first").unwrap();
    put_private(&ledger, &body(), "b", b"second").unwrap();
    assert!(ledger.check().unwrap().is_ok());
    let db = ledger.raw_db();
    let (private, hashes) = (db.cf_handle(CF_PRIVATE).unwrap(), db.cf_handle(CF_PRIVATE_HASHES).unwrap());
    let key_a = [FEES.as_bytes(), b"\0a"].concat();
    db.put_cf(private, &key_a, b"forged").unwrap();
    let report = ledger.check().unwrap();
    assert_eq!(report.problem_count, 1, "{report:?}");
    assert!(report.problems[0].reason.contains("does not match its hash"), "{report:?}");
    db.put_cf(private, &key_a, b"first").unwrap();

    let hash_b = [FEES.as_bytes(), b"\0", &private_data_hash(b"b")].concat();
    db.put_cf(hashes, &hash_b, private_data_hash(b"forged")).unwrap();
    let report = ledger.check().unwrap();
    let reasons: Vec<_> = report.problems.iter().map(|p| p.reason.as_str()).collect();
    assert!(reasons.iter().any(|r| r.contains("differs from the write sets")), "{reasons:?}");
    assert_eq!(report.first_bad_block(), Some(2), "blamed on the block that wrote it");
    db.put_cf(hashes, &hash_b, private_data_hash(b"second")).unwrap();
    assert!(ledger.check().unwrap().is_ok());

    db.delete_cf(private, [FEES.as_bytes(), b"\0b"].concat()).unwrap();
    let report = ledger.check().unwrap();
    assert_eq!(report.problem_count, 1, "{report:?}");
    assert!(report.problems[0].reason.contains("is missing"), "{report:?}");
}

//! `nanotrace ledger check` finds a log entry rewritten behind the ledger's back.

use crate::support::*;
use serde_json::Value;

#[test]
fn ledger_check_detects_a_tampered_log_entry() {
    use nanotrace_ledger::column_families::CF_LOG;

    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    init(data);
    let id = apply_value(data, &example_value());
    ok_json(data, Some(CERTIFIER), &["approve", &id]);
    ok_json(data, Some(CERTIFIER), &["suspend", &id, "--reason", "audit"]);
    let h = height(data);
    // 9 blocks of set-up, the Apply, the Approve (its credential in the same transaction),
    // the Suspend.
    assert_eq!(h, 12);

    // Rewrite block 10 (the Apply, after 9 blocks of set-up) as if another organisation had
    // sent it, without fixing its hash. The CLI is not running: the database is ours.
    const BLOCK: u64 = 10;
    {
        let ledger = nanotrace_ledger::Ledger::open(&data.join("ledger")).expect("open the ledger");
        let db = ledger.raw_db();
        let cf = db.cf_handle(CF_LOG).expect("log column family");
        let key = BLOCK.to_be_bytes();
        let stored = db.get_cf(cf, key).unwrap().expect("the Apply's block is in the log");
        let mut entry: Value = serde_json::from_slice(&stored).unwrap();
        assert_eq!(entry["block"], BLOCK);
        assert_eq!(entry["function"], "Apply");
        entry["creator_msp"] = "CertifierMSP".into();
        db.put_cf(cf, key, serde_json::to_vec(&entry).unwrap()).unwrap();
    }

    let r = nt(data, None, &["ledger", "check"]);
    assert_no_panic(&r);
    assert_ne!(r.code, 0, "ledger check passed a tampered ledger:\n{}", r.stdout);
    assert!(r.stdout.contains("TAMPERED"), "{}", r.stdout);
    assert!(r.stdout.contains(&format!("block {BLOCK}: log entry hash mismatch")), "{}", r.stdout);

    let r = nt(data, None, &["--json", "ledger", "check"]);
    assert_ne!(r.code, 0);
    let report = r.json();
    assert_eq!(report["ok"], false);
    let problems = report["problems"].as_array().unwrap();
    assert!(!problems.is_empty());
    assert!(problems.iter().all(|p| p["block"] == BLOCK), "problems outside block {BLOCK}: {report}");

    // The rest of the CLI still reads the ledger; it is `check` that tells.
    assert_eq!(nt(data, None, &["ledger", "log"]).code, 0);
}

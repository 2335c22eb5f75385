//! `nanotrace ledger backup` and `ledger restore`: a consistent copy of a data directory
//! taken while another process owns its ledger and keeps writing; the original wiped, the
//! backup restored into a new directory with the same head hash, a clean `ledger check`,
//! and members that still work (their keys came back with it). Every refusal changes
//! nothing.

use crate::support::*;
use nanotrace_client::Wait;
use nanotrace_embedded::datadir::DataDir;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[test]
fn a_backup_taken_while_the_ledger_is_written_restores_to_the_same_head_and_working_members() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    init(&data);
    let first = apply_value(&data, &example_value());
    assert_eq!(nt(&data, Some(CERTIFIER), &["approve", &first]).code, 0);

    // Another process's view: this test owns the ledger (as the console would) and applies
    // without pause while the CLI backs it up as a follower.
    let owner = Arc::new(DataDir::open(&data).expect("own the data directory"));
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (owner, writing) = (owner.clone(), writing.clone());
        std::thread::spawn(move || {
            let dave = owner.client(APPLICANT).expect("dave");
            let mut n = 0;
            while writing.load(Ordering::Relaxed) {
                let app = nanotrace_testkit::sample_application(&format!("LOT-BACKUP-{n}"));
                dave.apply(&app).wait().expect("apply while the backup runs");
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    let online = tmp.path().join("backup-online");
    let report = ok_json(&data, None, &["ledger", "backup", online.to_str().expect("utf-8")]);
    writing.store(false, Ordering::Relaxed);
    let applied = writer.join().expect("the writer");
    assert!(applied > 0, "nothing was written during the backup");
    assert_eq!(report["check"], "intact", "{report}");
    // The copy is the ledger as it was at one block: its head is that block's hash.
    let height = report["height"].as_u64().expect("height");
    let at = owner.ledger.log_entries(height, 1).expect("the log");
    assert_eq!(Value::from(at[0].hash.clone()), report["head_hash"], "the copy's head is block {height}'s hash");
    assert!(owner.ledger.height().expect("height") >= height);
    let final_head = owner.ledger.head_hash().expect("head");
    drop(owner);

    // Offline, the whole ledger; then the original is lost.
    let backup = tmp.path().join("backup");
    let report = ok_json(&data, None, &["ledger", "backup", backup.to_str().expect("utf-8")]);
    assert_eq!(report["head_hash"], Value::from(final_head.clone()));
    assert!(report["files"].as_u64().expect("files") >= 8, "identities and keys copied: {report}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).expect("backup").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the backup holds private keys: only its owner may enter it");
    }
    std::fs::remove_dir_all(&data).expect("wipe the original");

    let restored = tmp.path().join("restored");
    let report = ok_json(&restored, None, &["ledger", "restore", backup.to_str().expect("utf-8")]);
    assert_eq!(report["head_hash"], Value::from(final_head.clone()), "{report}");
    let check = ok_json(&restored, None, &["ledger", "check"]);
    assert_eq!((check["ok"].clone(), check["head_hash"].clone()), (Value::Bool(true), Value::from(final_head)));
    // The restored organisation keeps working: verdicts, and members signing with keys
    // that came back with it.
    assert_verdict(&restored, &first, "VALID");
    let again = apply_value(&restored, &example_value());
    assert_eq!(nt(&restored, Some(CERTIFIER), &["approve", &again]).code, 0);
    assert_verdict(&restored, &again, "VALID");
    // The online backup restores too.
    let from_online = tmp.path().join("restored-online");
    let r = ok_json(&from_online, None, &["ledger", "restore", online.to_str().expect("utf-8")]);
    assert_eq!(r["height"].as_u64(), Some(height));
}

#[test]
fn backups_and_restores_refuse_to_write_over_anything() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    init(&data);
    let backup = tmp.path().join("backup");
    let path = backup.to_str().expect("utf-8");
    assert_eq!(nt(&data, None, &["ledger", "backup", path]).code, 0);
    // Over an existing backup: refused, the backup untouched.
    let before = std::fs::read_dir(&backup).expect("backup").count();
    assert_clean_error(&nt(&data, None, &["ledger", "backup", path]), &["exists", "never writes over"]);
    assert_eq!(std::fs::read_dir(&backup).expect("backup").count(), before);
    // Of a directory without a ledger.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let other = tmp.path().join("other-backup");
    assert_clean_error(&nt(&empty, None, &["ledger", "backup", other.to_str().expect("utf-8")]), &["holds no ledger"]);
    assert!(!other.exists());
    // Into a data directory in use, or from something that is no backup.
    let h = height(&data);
    assert_clean_error(&nt(&data, None, &["ledger", "restore", path]), &["not empty"]);
    assert_eq!(height(&data), h);
    let fresh = tmp.path().join("fresh");
    assert_clean_error(&nt(&fresh, None, &["ledger", "restore", empty.to_str().expect("utf-8")]), &["not a backup"]);
    assert!(!fresh.exists(), "a refused restore creates nothing");
    // Not on Fabric.
    assert_clean_error(&nt(&data, None, &["--network", "fabric", "ledger", "backup", "x"]), &["embedded ledger only"]);
}

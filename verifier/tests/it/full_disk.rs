//! Issue 15, a full disk under the verifier's cache: the cache directory on a small tmpfs
//! that fills up while the ledger moves on. The verifier must not panic, must say in its
//! log that there is no space left and where, must never answer from a cache it could
//! not update (a revoked certificate never reads VALID), and once space is freed it must
//! catch up without a restart; `check` then finds the cache equal to the ledger.
//!
//! Needs `mount -t tmpfs` (root or CAP_SYS_ADMIN); where that is not permitted the test
//! says so loudly on stderr and passes without running (docs/RELIABILITY.md).

use crate::common_follow::*;
use nanotrace_testkit::tmpfs::Tmpfs;
use std::time::{Duration, Instant};

/// The verifier recovers in place: after ENOSPC RocksDB refuses every write until the
/// database is reopened, so the follower reopens the cache (re-checking its format and
/// binding) on every pass until that succeeds, then catches up; fail-closed meanwhile.
#[test]
fn a_full_cache_disk_fails_closed_and_recovers_in_place_once_space_is_freed() {
    full_cache_disk(false);
}

/// Fail-closed while the disk is full, and a restart after space was freed also catches
/// up (the cache opens from what was written whole); `check` finds the cache equal to the ledger.
#[test]
fn a_full_cache_disk_fails_closed_and_a_restart_recovers_once_space_is_freed() {
    full_cache_disk(true);
}

fn full_cache_disk(restart: bool) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let Some(fs) = Tmpfs::mount_or_skip(&tmp.path().join("small"), "32m", "full_disk (verifier cache)") else {
        return;
    };
    let data = tmp.path().join("data");
    let cache = fs.path.join("cache");
    let log = tmp.path().join("verifier.log");
    let dir = sample_network(&data);
    let first = issue(&dir, "LOT-DISK-0");
    let mut verifier = Verifier::start(&data, &cache, &log, &["--max-staleness-secs", "2", "--poll-ms", "100"]);
    verifier.wait_ready(Duration::from_secs(60));
    assert_eq!(verifier.verdict(&first), "VALID");

    // The cache's disk fills; the ledger goes on: new certificates and a revocation.
    let filler = fs.fill("filler", 0);
    let mut later = Vec::new();
    for n in 1..=30 {
        later.push(issue(&dir, &format!("LOT-DISK-{n}")));
    }
    revoke(&dir, &first);
    let revoked_at = Instant::now();
    // The verifier fails closed as specified: it may answer from its last good cache for
    // up to --max-staleness-secs (2 s here, plus one poll and a second of slack for a
    // loaded machine), never after; and it says why it is stuck.
    let grace = Duration::from_secs(3);
    let deadline = revoked_at + Duration::from_secs(20);
    let (mut saw_no_space, mut unverifiable_after) = (false, None);
    while Instant::now() < deadline {
        let verdict = verifier.verdict(&first);
        if revoked_at.elapsed() > grace {
            assert_ne!(
                verdict,
                "VALID",
                "a revoked certificate still read VALID {:?} after its revocation, from a cache that could not be updated",
                revoked_at.elapsed()
            );
        }
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(!text.contains("panicked"), "the verifier panicked:\n{text}");
        saw_no_space |= text.contains("No space left on device");
        if verdict == "UNVERIFIABLE" && unverifiable_after.is_none() {
            unverifiable_after = Some(revoked_at.elapsed());
        }
        if saw_no_space && unverifiable_after.is_some() && revoked_at.elapsed() > grace {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let unverifiable_after = unverifiable_after.expect("the revoked certificate never became UNVERIFIABLE");
    assert!(!verifier.ready(), "/readyz says ready while the cache cannot be written");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(saw_no_space, "the verifier's log does not say the disk is full:\n{}", verifier.log_text());
    let line = text.lines().find(|l| l.contains("No space left on device")).unwrap_or_default().to_owned();
    assert!(line.contains(&cache.display().to_string()), "the error does not name the cache path: {line}");
    eprintln!("full cache disk: UNVERIFIABLE {unverifiable_after:?} after the revocation; the log says: {line}");

    // Space freed: it catches up (restarted first, with `restart`).
    std::fs::remove_file(&filler).expect("remove filler");
    if restart {
        let status = verifier.terminate(Duration::from_secs(30));
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(!text.contains("panicked"), "the verifier panicked on the way out ({status}):\n{text}");
        verifier = Verifier::start(&data, &cache, &log, &["--max-staleness-secs", "2", "--poll-ms", "100"]);
        verifier.wait_ready(Duration::from_secs(60));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if verifier.verdict(&first) == "REVOKED" && later.iter().all(|id| verifier.verdict(id) == "VALID") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the verifier did not recover after space was freed (verdict of the revoked one: {}); its log apart from \
             request failures:\n{}",
            verifier.verdict(&first),
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.contains("response failed"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(verifier.ready(), "/readyz after recovery");
    if !restart {
        // Recovered by reopening the cache in place, each attempt logged.
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let attempts = text.lines().filter(|l| l.contains("reopening the cache after a failed write")).count();
        let failed = text.lines().filter(|l| l.contains("cannot reopen the cache yet")).count();
        assert!(text.contains("cache reopened"), "the log does not say the cache was reopened:\n{text}");
        let first_failure = text.lines().find(|l| l.contains("cannot reopen the cache yet")).unwrap_or_default();
        eprintln!(
            "full cache disk: {attempts} reopen attempts, {failed} failed while the disk was full: {first_failure}"
        );
    }
    let status = verifier.terminate(Duration::from_secs(30));
    assert!(status.success(), "{status}");
    let (equal, out, err) = check(&data, &cache);
    assert!(equal, "check after recovery: {out}{err}");
}

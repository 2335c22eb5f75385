//! The follower end to end: real `nanotrace-verifier` processes on 127.0.0.1 following
//! embedded ledgers built in-process, through restarts, SIGKILL and an unreadable
//! ledger. Every process is killed when its guard drops, even on a failed assertion.

use crate::common_follow::{check, issue, issue_batch, revoke, sample_network, Verifier};
use nanotrace_client::Wait;
use nanotrace_embedded::datadir::{self, APPLICANT, CERTIFIER, CERTIFIER_MSP};
use nanotrace_testkit::sample_application;
use nanotrace_verifier::cache::Cache;
use std::time::{Duration, Instant};

const READY: Duration = Duration::from_secs(60);
const STOP: Duration = Duration::from_secs(15);

/// Stop the verifier, revoke while it is down, restart: from the first answer after the
/// restart on, the API never says VALID, and once /readyz is 200 it says REVOKED.
#[test]
fn restart_after_a_revocation_never_shows_valid() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (data, cache, log) = (tmp.path().join("data"), tmp.path().join("cache"), tmp.path().join("verifier.log"));
    let dir = sample_network(&data);
    let id = issue(&dir, "LOT-RESTART-1");

    let mut verifier = Verifier::start(&data, &cache, &log, &[]);
    verifier.wait_ready(READY);
    assert_eq!(verifier.verdict(&id), "VALID");
    let status = verifier.terminate(STOP);
    assert!(status.success(), "graceful stop on SIGTERM should exit 0, got {status}");

    revoke(&dir, &id);

    let mut verifier = Verifier::start(&data, &cache, &log, &[]);
    let deadline = Instant::now() + READY;
    // Every answer read while /readyz was not yet 200 (the answer is read first, so it
    // was computed before readiness): fail-closed, HTTP 503 and UNVERIFIABLE, no record.
    let mut before_ready = 0;
    loop {
        let (status, body) = verifier.get(&format!("/api/v1/certificates/{id}"));
        let json: serde_json::Value = serde_json::from_str(&body).expect("a JSON answer");
        assert_ne!(json["verdict"], "VALID", "a revoked certificate was shown VALID after the restart");
        if verifier.ready() {
            break;
        }
        before_ready += 1;
        assert_eq!(
            (status, json["verdict"].as_str()),
            (503, Some("UNVERIFIABLE")),
            "answer {before_ready} before ready must fail closed: {body}"
        );
        assert!(json["certificate"].is_null() && json["token"].is_null(), "no record shown before ready: {body}");
        assert!(json["reason"].as_str().is_some_and(|r| r.starts_with("cannot verify now")), "{body}");
        assert!(Instant::now() < deadline, "not ready within {READY:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    // Once ready: REVOKED, every time.
    for _ in 0..5 {
        let (status, body) = verifier.get(&format!("/api/v1/certificates/{id}"));
        let json: serde_json::Value = serde_json::from_str(&body).expect("a JSON answer");
        assert_eq!((status, json["verdict"].as_str()), (200, Some("REVOKED")), "{body}");
    }
    println!("{before_ready} answers before ready after the restart, all 503 UNVERIFIABLE");
    let status = verifier.terminate(STOP);
    assert!(status.success(), "graceful stop on SIGTERM should exit 0, got {status}");
}

/// SIGKILL during the catch-up of a long ledger, again and again: every restart resumes
/// after the checkpoint, and in the end the cache equals the ledger (`check`), with
/// every block in its log exactly once.
#[test]
fn kill_9_while_catching_up_resumes_exactly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (data, cache, log) = (tmp.path().join("data"), tmp.path().join("cache"), tmp.path().join("verifier.log"));
    let dir = sample_network(&data);

    // Many blocks: a batch of certificates, then single transactions on them.
    let started = Instant::now();
    let certifier = dir.client(CERTIFIER).expect("certifier");
    let ids = issue_batch(&dir, "LOT-KILL", 200);
    for i in 0..SINGLES {
        let id = &ids[i % ids.len()];
        if (i / ids.len()) % 2 == 0 {
            certifier.suspend(id, "audit").wait().expect("suspend");
        } else {
            certifier.reinstate(id, "audit passed", None).wait().expect("reinstate");
        }
    }
    let height = dir.ledger.height().expect("height");
    println!("ledger: {height} blocks built in {:.1} s", started.elapsed().as_secs_f64());

    // The brief's sequence first, then longer delays until two kills have landed in the
    // middle of the catch-up (start-up plus the first chunk take ~0.7 s in debug).
    let mut checkpoints: Vec<(u64, u64)> = Vec::new();
    for delay_ms in [50u64, 150, 300, 600, 900, 1200, 1500, 2000, 3000, 4000] {
        let mid_way = checkpoints.iter().filter(|&&(_, b)| b > 0 && b < height).count();
        let done = checkpoints.last().is_some_and(|&(_, b)| b == height);
        if checkpoints.len() >= 4 && (mid_way >= 2 || done) {
            break;
        }
        let mut verifier = Verifier::spawn(&data, &cache, &log, &[]);
        std::thread::sleep(Duration::from_millis(delay_ms));
        verifier.kill9();
        drop(verifier);
        if !cache.join("CURRENT").exists() {
            checkpoints.push((delay_ms, 0));
            continue;
        }
        let c = Cache::open(&cache).expect("open the cache after SIGKILL");
        let block = c.checkpoint().expect("checkpoint").block_number;
        let seen = c.seen(1, usize::MAX).expect("seen");
        assert_eq!(seen.iter().map(|t| t.block).collect::<Vec<_>>(), (1..=block).collect::<Vec<_>>());
        checkpoints.push((delay_ms, block));
    }
    println!("checkpoints after each SIGKILL (delay ms, block): {checkpoints:?} of {height}");
    assert!(
        checkpoints.windows(2).all(|w| w[0].1 <= w[1].1),
        "the checkpoint went back across restarts: {checkpoints:?}"
    );
    assert!(
        checkpoints.iter().any(|&(_, b)| b > 0 && b < height),
        "no SIGKILL landed in the middle of the catch-up: {checkpoints:?} of {height}"
    );
    let before = checkpoints.last().map_or(0, |c| c.1);

    let mut verifier = Verifier::start(&data, &cache, &log, &[]);
    let ready_after = verifier.wait_ready(READY);
    let rate = (height - before) as f64 / ready_after.as_secs_f64();
    println!(
        "final catch-up: {} blocks in {:.2} s since start ({rate:.0} blocks/s including start-up)",
        height - before,
        ready_after.as_secs_f64()
    );
    let caught_up = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .rfind(|l| l.contains("caught up with the ledger"))
        .map(str::to_owned)
        .unwrap_or_default();
    println!("listening {:?} after the spawn; the verifier logged: {caught_up}", verifier.listening_after);
    let status = verifier.terminate(STOP);
    assert!(status.success(), "graceful stop should exit 0, got {status}");
    drop(verifier);

    let (ok, stdout, stderr) = check(&data, &cache);
    println!("check:\n{stdout}{stderr}");
    assert!(ok, "the cache does not equal the ledger:\n{stdout}{stderr}");

    let c = Cache::open(&cache).expect("open cache");
    assert_eq!(c.checkpoint().expect("checkpoint").block_number, height);
    let seen = c.seen(1, usize::MAX).expect("seen");
    let ledger_log = dir.ledger.log_entries(1, usize::MAX).expect("log");
    assert_eq!(seen.len() as u64, height, "every block once");
    for (tx, entry) in seen.iter().zip(&ledger_log) {
        assert_eq!((tx.block, &tx.tx_id), (entry.block, &entry.tx_id));
    }
    assert_eq!(seen.iter().map(|t| t.block).collect::<Vec<_>>(), (1..=height).collect::<Vec<_>>());
    // The catch-up rate from scratch, without interruptions (printed, not asserted).
    let fresh_log = tmp.path().join("fresh.log");
    let mut fresh = Verifier::start(&data, &tmp.path().join("fresh-cache"), &fresh_log, &[]);
    let took = fresh.wait_ready(READY);
    let logged = std::fs::read_to_string(&fresh_log)
        .unwrap_or_default()
        .lines()
        .find(|l| l.contains("caught up with the ledger"))
        .map(str::to_owned)
        .unwrap_or_default();
    println!(
        "catch-up from scratch: {height} blocks ready {:.2} s after the spawn ({:.0} blocks/s); the verifier logged: {logged}",
        took.as_secs_f64(),
        height as f64 / took.as_secs_f64()
    );
    assert!(fresh.terminate(STOP).success());

    let last = c.certificate(&ids[0]).expect("read").expect("cached");
    assert_eq!(last.certificate, dir.client(CERTIFIER).expect("c").get_certificate(&ids[0]).wait().expect("get"));
}

/// Single transactions in the SIGKILL test (after a batch of 200 and its approval).
const SINGLES: usize = 1500;

/// The ledger becomes unreadable: past the maximum staleness every verdict is
/// UNVERIFIABLE (never VALID); when it is back, VALID again.
#[test]
fn unreadable_ledger_turns_verdicts_unverifiable() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (data, cache, log) = (tmp.path().join("data"), tmp.path().join("cache"), tmp.path().join("verifier.log"));
    let id = {
        let dir = sample_network(&data);
        issue(&dir, "LOT-STALE-1")
    };
    let mut verifier = Verifier::start(&data, &cache, &log, &["--max-staleness-secs", "2", "--poll-ms", "100"]);
    verifier.wait_ready(READY);
    assert_eq!(verifier.verdict(&id), "VALID");

    let ledger = data.join("ledger");
    let away = data.join("ledger-moved-away");
    std::fs::rename(&ledger, &away).expect("move the ledger away");
    let moved = Instant::now();
    // VALID until the data is older than the limit (2 s), then UNVERIFIABLE.
    await_verdict(&mut verifier, &id, "UNVERIFIABLE", "VALID", Duration::from_secs(30), Duration::from_millis(20));
    let unverifiable_after = moved.elapsed();
    let deadline = moved + Duration::from_secs(30);
    let (status, body) = verifier.get(&format!("/api/v1/certificates/{id}"));
    assert_eq!(status, 503, "{body}");
    // And it stays so while the data ages: every answer UNVERIFIABLE until /readyz reports
    // the data two seconds older than the limit.
    loop {
        assert_eq!(verifier.verdict(&id), "UNVERIFIABLE");
        let (ready_status, ready_body) = verifier.get("/readyz");
        assert_eq!(ready_status, 503, "not ready while the ledger is unreadable: {ready_body}");
        let age = data_age_secs(&ready_body);
        assert!(age.is_some(), "/readyz says why: {ready_body}");
        if age >= Some(4) {
            break;
        }
        assert!(Instant::now() < deadline, "/readyz never reported data 4 s old: {ready_body}");
        std::thread::sleep(Duration::from_millis(20));
    }

    std::fs::rename(&away, &ledger).expect("move the ledger back");
    let back = Instant::now();
    await_verdict(&mut verifier, &id, "VALID", "UNVERIFIABLE", Duration::from_secs(10), Duration::from_millis(20));
    println!(
        "UNVERIFIABLE {} ms after the ledger went away; VALID again {} ms after it came back (outage {:.1} s)",
        unverifiable_after.as_millis(),
        back.elapsed().as_millis(),
        moved.elapsed().as_secs_f64()
    );
    assert!(verifier.ready());
    let status = verifier.terminate(STOP);
    assert!(status.success(), "graceful stop should exit 0, got {status}");
    // Its log, a file here: every 503 above logged once with its status, none again at
    // ERROR as a failed response, and no terminal colour codes in the file.
    let log = std::fs::read_to_string(&verifier.log).expect("read the log");
    assert!(log.contains("the ledger"), "the outage is in the log:\n{log}");
    assert!(!log.contains('\u{1b}'), "escape codes in the log file:\n{}", verifier.log_text());
    let failures: Vec<&str> = log.lines().filter(|l| l.contains("ERROR") && l.contains("response failed")).collect();
    assert!(failures.is_empty(), "503s logged as failed responses at ERROR: {failures:?}");
}

/// Polls the verdict on `id` every `every` until it is `want`, failing if it is ever
/// anything but `want` or `meanwhile`, or not `want` within `within`.
fn await_verdict(verifier: &mut Verifier, id: &str, want: &str, meanwhile: &str, within: Duration, every: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let verdict = verifier.verdict(id);
        if verdict == want {
            return;
        }
        assert_eq!(verdict, meanwhile, "only {meanwhile} before {want}");
        assert!(Instant::now() < deadline, "not {want} within {within:?} (still {meanwhile})");
        std::thread::sleep(every);
    }
}

/// The age /readyz gives the verifier's data ("the verifier's data is N s old"), if it
/// gives one.
fn data_age_secs(readyz: &str) -> Option<u64> {
    let (before, _) = readyz.split_once(" s old")?;
    before.rsplit(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// How long from a revocation's commit until the verifier (default poll) says REVOKED.
#[test]
fn revocation_reaches_the_verifier_quickly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (data, cache, log) = (tmp.path().join("data"), tmp.path().join("cache"), tmp.path().join("verifier.log"));
    let dir = sample_network(&data);
    let id = issue(&dir, "LOT-LATENCY-1");
    let mut verifier = Verifier::start(&data, &cache, &log, &[]);
    verifier.wait_ready(READY);
    assert_eq!(verifier.verdict(&id), "VALID");

    let mut samples = Vec::new();
    // Seeing VALID happens right after a poll, so revoke at different offsets into the
    // poll period to sample the whole range (best case ~0, worst case ~one poll).
    for (round, offset_ms) in [0u64, 50, 100, 150, 190].into_iter().enumerate() {
        let id = if round == 0 { id.clone() } else { issue(&dir, &format!("LOT-LATENCY-{}", round + 1)) };
        if round > 0 {
            let deadline = Instant::now() + Duration::from_secs(10);
            while verifier.verdict(&id) != "VALID" {
                assert!(Instant::now() < deadline, "the new certificate was not VALID within 10 s");
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        std::thread::sleep(Duration::from_millis(offset_ms));
        revoke(&dir, &id);
        let committed = Instant::now();
        await_verdict(&mut verifier, &id, "REVOKED", "VALID", Duration::from_secs(10), Duration::from_millis(5));
        samples.push(committed.elapsed());
    }
    let ms: Vec<u128> = samples.iter().map(Duration::as_millis).collect();
    println!(
        "revocation commit -> REVOKED on the verifier (default poll 200 ms), revoked 0/50/100/150/190 ms after a poll: \
         {ms:?} ms"
    );
    let status = verifier.terminate(STOP);
    assert!(status.success(), "graceful stop should exit 0, got {status}");
}

/// What the verifier reads from the ledger through the embedded source, shown on the
/// page and in the API, for two things the contract records beyond a status: a
/// dependent of a suspended supplier certificate carries the flag (VALID, with the
/// supplier named), and a label printed before a re-signature is recognised as authentic
/// but older than the record. Everything goes through the contract's public API (Apply,
/// Approve, Suspend, UpdateSds, Reinstate with a fresh signature), so it holds however
/// the contract stores flags and SDS revisions.
#[test]
fn the_verifier_shows_dependency_flags_and_re_signed_labels() {
    use nanotrace_model::token::OfflineToken;
    use nanotrace_model::SafetyDataSheet;

    let tmp = tempfile::tempdir().expect("tempdir");
    let (data, cache, log) = (tmp.path().join("data"), tmp.path().join("cache"), tmp.path().join("verifier.log"));
    let dir = sample_network(&data);
    let applicant = dir.client(APPLICANT).expect("applicant");
    let certifier = dir.client(CERTIFIER).expect("certifier");
    let signer = dir.signer(CERTIFIER).expect("signer");

    // A supplier certificate, a product certificate that depends on it, and a third one
    // whose SDS changes after its label was printed.
    let supplier = issue(&dir, "LOT-SUPPLIER-1");
    let mut app = sample_application("LOT-DEPENDENT-1");
    app.depends_on = vec![supplier.clone()];
    let dependent = applicant.apply(&app).wait().expect("apply").value;
    certifier.approve(&dependent, &signer, CERTIFIER_MSP, datadir::now(), None).wait().expect("approve");
    let resigned = issue(&dir, "LOT-RESIGN-1");
    let cert = certifier.get_certificate(&resigned).wait().expect("get");
    let old_label = OfflineToken::for_certificate(&cert).expect("issued").encode().expect("encode");

    // An application whose VSSA is below the EU definition's 6 m²/cm³.
    let mut app = sample_application("LOT-LOW-VSSA-1");
    app.nanomaterial.vssa_m2_per_cm3 = 4.0;
    let low_vssa = applicant.apply(&app).wait().expect("apply").value;

    certifier.suspend(&supplier, "audit pending").wait().expect("suspend");
    let sds = SafetyDataSheet {
        url: "https://sds.example.com/rev-next.pdf".into(),
        sha256: "ab".repeat(32),
        revision: cert.application.sds.revision + 1,
    };
    applicant.update_sds(&resigned, sds).wait().expect("update SDS");
    certifier.reinstate(&resigned, "new SDS reviewed", Some(&signer)).wait().expect("reinstate with a fresh signature");

    let mut verifier = Verifier::start(&data, &cache, &log, &[]);
    verifier.wait_ready(READY);

    // The dependent: VALID, flagged, the supplier named with its status.
    let (status, body) = verifier.get(&format!("/api/v1/certificates/{dependent}"));
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!((status, json["verdict"].as_str()), (200, Some("VALID")), "{body}");
    let flags = json["flags"].as_array().expect("flags");
    assert_eq!(flags.len(), 1, "{body}");
    assert_eq!(flags[0]["supplier_certificate"], supplier.as_str());
    assert_eq!(flags[0]["supplier_status"], "SUSPENDED");
    assert!(json["reason"].as_str().is_some_and(|r| r.contains("supplier certificate(s)")), "{body}");
    let (_, page) = verifier.get(&format!("/c/{dependent}"));
    assert!(page.contains("<h1 class=\"word\">VALID</h1>"), "{page}");
    assert!(page.contains("Supplier certificate not in force"), "{page}");
    assert!(page.contains(&format!("href=\"/c/{supplier}\"")), "the page links the supplier");
    // The supplier itself: SUSPENDED, no flags. A certificate with no suspended
    // supplier carries none either.
    let (_, body) = verifier.get(&format!("/api/v1/certificates/{supplier}"));
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!((json["verdict"].as_str(), json["flags"].as_array().map(Vec::len)), (Some("SUSPENDED"), Some(0)));

    // The re-signed certificate: VALID again; its old label is authentic but older than
    // the record, and the page says it was re-signed; today's label matches the record.
    let (status, body) = verifier.get(&format!("/api/v1/certificates/{resigned}"));
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!((status, json["verdict"].as_str()), (200, Some("VALID")), "{body}");
    assert_eq!(json["certificate"]["resign_required"], false, "{body}");
    let new_label = json["token"].as_str().expect("a token").to_owned();
    assert_ne!(new_label, old_label, "the re-signature gives a new label");
    let (_, page) = verifier.get(&format!("/c/{resigned}?t={old_label}"));
    assert!(
        page.contains(
            "The QR code is authentic but older than the ledger&#x27;s record (the certificate was re-signed)"
        ),
        "{page}"
    );
    assert!(page.contains("<h1 class=\"word\">VALID</h1>"), "{page}");
    let (_, page) = verifier.get(&format!("/c/{resigned}?t={new_label}"));
    assert!(page.contains("The QR code&#x27;s signature is authentic"), "{page}");
    assert!(!page.contains("re-signed"), "today's label is not called old: {page}");

    // The EU definition as the contract applied it, on the page and in the API.
    let basis = "VSSA 4.0 m²/cm³ is below 6 m²/cm³: not a nanomaterial, whatever its size distribution \
                 (92.0 % of particles by number in 1–100 nm)";
    let (_, body) = verifier.get(&format!("/api/v1/certificates/{low_vssa}"));
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        json["certificate"]["assessment"],
        serde_json::json!({ "is_nanomaterial": false, "basis": basis, "rule": "EU 2022/C 229/01" }),
        "{body}"
    );
    let (_, page) = verifier.get(&format!("/c/{low_vssa}"));
    let row =
        format!("<dt>EU definition</dt><dd><strong>Not a nanomaterial</strong> <span class=\"muted\">— {basis}</span>");
    assert!(page.contains(&row), "{page}");

    let status = verifier.terminate(STOP);
    assert!(status.success(), "graceful stop should exit 0, got {status}");
}

//! The soak (`scripts/chaos/fabric-soak.sh [minutes]`): the same mixed load for N
//! minutes with no fault, and a `nanotrace-verifier --source fabric` following the
//! Regulator's peer. Once a minute it samples the submits' outcomes and the queries'
//! errors of that minute, the resident memory (VmRSS) of the chaincode server, the
//! verifier and the three peers, and the verifier's verdict on the certificate that
//! was the newest approved a minute before. At the end: the table, the growth of memory
//! from the first full minute to the last, the checks of the fault test (every committed transaction on the ledger
//! with its result, one certificate per reference, the peers equal), and
//! `nanotrace-verifier check` (the cache equals the ledger).

use crate::load::{self, Load, Outcome, Record};
use crate::{profile, Run, PACE};
use nanotrace_testkit::fabric::verifier::{get, VerifierProcess};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// VmRSS of `pid` in KiB (0 when gone).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| l.strip_prefix("VmRSS:").and_then(|v| v.split_whitespace().next()?.parse().ok()))
        })
        .unwrap_or(0)
}

/// One minute's sample.
struct Sample {
    minute: u64,
    committed: usize,
    failed: usize,
    unknown: usize,
    query_errors: u64,
    cc_rss: u64,
    verifier_rss: u64,
    peers_rss: [u64; 3],
    verdict: String,
}

pub(crate) fn soak(minutes: u64) {
    let Some(mut run) = Run::start("soak") else { return };
    let verifier_bin = nanotrace_testkit::bins::named_or_workspace_bin("NANOTRACE_VERIFIER_BIN", "nanotrace-verifier");
    let scratch = run.net.scratch().to_owned();
    let (cache, log) = (scratch.join("soak-verifier-cache"), scratch.join("soak-verifier.log"));
    let rita = profile(&run.net, "regulator-rita");
    let verifier = VerifierProcess::start(&verifier_bin, &rita, &cache, &log, &["--max-staleness-secs", "30"]);
    let load = Load::new(format!("soak{:x}", crate::now()));
    let clients = Arc::new(run.clients());
    let workers = load::start(&load, &clients, PACE);
    let pid = |name: &str| crate::node::node_pid(&run.net.run_dir, name);
    let cc = pid("chaincode-nanotrace");
    let peers = [
        pid("peer0.manufacturer.nanotrace.test"),
        pid("peer0.certifier.nanotrace.test"),
        pid("peer0.regulator.nanotrace.test"),
    ];
    let started = Instant::now();
    let mut samples: Vec<Sample> = Vec::new();
    let mut seen = 0usize;
    let mut queries_before = 0u64;
    let mut newest: Option<String> = None;
    eprintln!("[soak] {minutes} minute(s) of mixed load, the verifier following the Regulator's peer");
    eprintln!(
        "[soak] minute  committed failed unknown query-errors  chaincode-RSS  verifier-RSS  peers-RSS (KiB)  verdict"
    );
    for minute in 1..=minutes {
        let until = started + Duration::from_secs(60 * minute);
        std::thread::sleep(until.saturating_duration_since(Instant::now()));
        let records: Vec<Record> = load.records.lock().expect("records")[seen..].to_vec();
        seen += records.len();
        let count = |kind: &str| records.iter().filter(|r| r.outcome.kind() == kind).count();
        let queries_failed: u64 = load.queries.lock().expect("queries").values().map(|(_, f)| *f).sum();
        // The verdict on the certificate that was the newest approved a minute ago (the
        // newest one now may be a block ahead of the verifier's peer: PENDING there).
        let asked = newest.take();
        newest = load.approved.lock().expect("approved").last().cloned();
        let verdict = match &asked {
            Some(id) => {
                let (status, body) = get(verifier.addr, &format!("/api/v1/certificates/{id}"));
                let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                format!("{status} {}", v["verdict"].as_str().unwrap_or("?"))
            }
            None => "-".into(),
        };
        let s = Sample {
            minute,
            committed: count("committed"),
            failed: count("failed") + count("refused"),
            unknown: count("unknown"),
            query_errors: queries_failed - queries_before,
            cc_rss: rss_kib(cc),
            verifier_rss: rss_kib(verifier.child.id()),
            peers_rss: peers.map(rss_kib),
            verdict,
        };
        queries_before = queries_failed;
        eprintln!(
            "[soak] {:>6}  {:>9} {:>6} {:>7} {:>12}  {:>13}  {:>12}  {:?}  {}",
            s.minute,
            s.committed,
            s.failed,
            s.unknown,
            s.query_errors,
            s.cc_rss,
            s.verifier_rss,
            s.peers_rss,
            s.verdict
        );
        samples.push(s);
    }
    load.stop();
    for w in workers {
        w.join().expect("a load worker panicked");
    }
    let first = samples.get(1).or(samples.first()).expect("at least one minute");
    let last = samples.last().expect("at least one minute");
    let growth = |a: u64, b: u64| if a == 0 { f64::NAN } else { (b as f64 - a as f64) / a as f64 * 100.0 };
    eprintln!(
        "[soak] growth from minute {} to {}: chaincode server {} → {} KiB ({:+.1} %), verifier {} → {} KiB ({:+.1} %), \
         peers {:?} → {:?}",
        first.minute,
        last.minute,
        first.cc_rss,
        last.cc_rss,
        growth(first.cc_rss, last.cc_rss),
        first.verifier_rss,
        last.verifier_rss,
        growth(first.verifier_rss, last.verifier_rss),
        first.peers_rss,
        last.peers_rss
    );
    let records = load.records.lock().expect("records").clone();
    let errors: usize = samples.iter().map(|s| s.failed + s.unknown).sum();
    let query_errors: u64 = samples.iter().map(|s| s.query_errors).sum();
    let committed: usize = samples.iter().map(|s| s.committed).sum();
    eprintln!(
        "[soak] {committed} committed submits, {errors} failed or unknown, {query_errors} query errors in {minutes} minute(s)"
    );
    for r in records.iter().filter(|r| !matches!(r.outcome, Outcome::Committed { .. })).take(5) {
        eprintln!("[soak]   {:?}", r.outcome);
    }
    assert_memory_flat(&samples);
    assert_eq!(errors, 0, "no fault was injected, yet submits failed");
    assert_eq!(query_errors, 0, "no fault was injected, yet queries failed");
    for s in samples.iter().skip(1) {
        assert!(s.verdict.ends_with("VALID"), "minute {}: the verifier answered {}", s.minute, s.verdict);
    }
    let checked = crate::check(&run, &records, &load, &clients);
    eprintln!("[soak] {checked}");
    // The verifier's cache equals the ledger, once it has followed the last blocks (the
    // checks' repeat batch) with its 200 ms poll.
    let t = Instant::now();
    while get(verifier.addr, "/readyz").0 != 200 {
        assert!(t.elapsed() < Duration::from_secs(30), "the verifier is not ready");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(3));
    let verifier_rss = rss_kib(verifier.child.id());
    drop(verifier);
    eprintln!("[soak] verifier RSS at the end {verifier_rss} KiB");
    let out = Command::new(&verifier_bin)
        .args(["check", "--source", "fabric", "--profile"])
        .arg(&rita)
        .arg("--cache-dir")
        .arg(&cache)
        .output()
        .expect("nanotrace-verifier check");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "check: {text}{}", String::from_utf8_lossy(&out.stderr));
    eprintln!("[soak] nanotrace-verifier check:\n{text}");
    run.finish(Vec::new());
}

/// The least-squares slope of `value` over `samples`, in KiB per minute.
fn slope(samples: &[Sample], value: impl Fn(&Sample) -> u64) -> f64 {
    let n = samples.len() as f64;
    let xs: Vec<f64> = samples.iter().map(|s| s.minute as f64).collect();
    let ys: Vec<f64> = samples.iter().map(|s| value(s) as f64).collect();
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let var: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    if var == 0.0 {
        0.0
    } else {
        cov / var
    }
}

/// Growth over the soak's second half, bounded: the chaincode server's RSS may rise by at
/// most [`CC_SLOPE_KIB_PER_MIN`] a minute (measured: +0.05 MiB/min over 10 minutes) and
/// the verifier's stays under [`VERIFIER_RSS_BOUND_KIB`] (its RocksDB memtables and block
/// cache are bounded by construction: 48 + 32 MiB over a ~30 MiB base). Needs 4 minutes.
fn assert_memory_flat(samples: &[Sample]) {
    if samples.len() < 4 {
        eprintln!("[soak] {} minute(s): too short to judge memory (4 needed)", samples.len());
        return;
    }
    let tail = &samples[samples.len() / 2..];
    let cc = slope(tail, |s| s.cc_rss);
    let verifier = slope(tail, |s| s.verifier_rss);
    let peak = samples.iter().map(|s| s.verifier_rss).max().unwrap_or_default();
    eprintln!(
        "[soak] RSS slope over minutes {}..{}: chaincode server {cc:+.0} KiB/min, verifier {verifier:+.0} KiB/min \
         (peak {peak} KiB)",
        tail[0].minute,
        tail[tail.len() - 1].minute
    );
    assert!(cc <= CC_SLOPE_KIB_PER_MIN, "the chaincode server's memory grows {cc:.0} KiB/min over the second half");
    assert!(peak <= VERIFIER_RSS_BOUND_KIB, "the verifier reached {peak} KiB (bound {VERIFIER_RSS_BOUND_KIB} KiB)");
}

/// See [`assert_memory_flat`].
const CC_SLOPE_KIB_PER_MIN: f64 = 512.0;
/// See [`assert_memory_flat`].
const VERIFIER_RSS_BOUND_KIB: u64 = 160 * 1024;

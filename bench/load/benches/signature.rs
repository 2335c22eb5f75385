//! What checking the certifier's signature costs a verifier's lookup (no harness: it
//! prints its figures).
//!
//!     cargo bench -p nanotrace-bench --bench signature
//!     BENCH_CERTIFICATES=5000 BENCH_ROUNDS=20 cargo bench -p nanotrace-bench --bench signature
//!
//! Issues `--certificates` certificates with the real contract on the in-memory ledger,
//! writes them into a verifier's cache as its follower would, then measures, side by side
//! in one run, each over every certificate `--rounds` times:
//!
//! 1. the check itself (`check_issuance`: the canonical digest and one Ed25519
//!    `verify_strict`), which a verifier makes once per record version;
//! 2. a lookup from memory as the verifier made it before the check existed (the
//!    freshness, the record from the memo, the verdict rule): the anchor;
//! 3. the same lookup now (`AppState::verdict_memoized`: the record and its remembered
//!    check from the memo, the verdict rule), with the check remembered (2 and 3
//!    alternated five times, each the median);
//! 4. the same lookup when every answer's check is made anew (the memo's remembered
//!    checks dropped before each round by an update that writes the trust list).
//!
//! A kept (already rendered) answer is served without any of these, so the hot path's
//! cost is that of before; (2) against (3) is what a lookup that renders pays more.

use anyhow::{ensure, Result};
use clap::Parser;
use nanotrace_model::{check_issuance, verdict_with, CertificateIdRequest, EmptyRequest, IssuerKey, Verdict};
use nanotrace_testkit::{Who, World};
use nanotrace_verifier_store::cache::{Cache, CertificateRecord, Update};
use nanotrace_verifier_store::state::{now, AppState, SyncState};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The cost of the certifier's signature check in a verifier's lookup.
#[derive(Debug, Parser)]
#[command(name = "signature")]
struct Args {
    /// Certificates issued and looked up.
    #[arg(long, value_name = "N", env = "BENCH_CERTIFICATES", default_value_t = 2000)]
    certificates: usize,
    /// Passes over every certificate per measurement.
    #[arg(long, value_name = "N", env = "BENCH_ROUNDS", default_value_t = 10)]
    rounds: usize,
    /// Passed by `cargo bench`; nothing to do.
    #[arg(long, hide = true)]
    bench: bool,
    /// Benchmark filters `cargo bench` passes on; this benchmark has no parts to filter.
    #[arg(hide = true)]
    filters: Vec<String>,
}

/// Nanoseconds per item of `total` over `items`.
fn ns_per(total: Duration, items: usize) -> f64 {
    total.as_nanos() as f64 / items.max(1) as f64
}

fn main() -> Result<()> {
    let args = Args::parse();
    ensure!(args.certificates > 0 && args.rounds > 0, "--certificates and --rounds must be at least 1");
    let started = Instant::now();
    let mut w = World::governed();
    let ids: Vec<String> = (0..args.certificates).map(|i| w.issue(&format!("LOT-{i}"))).collect();
    let records: Vec<CertificateRecord> =
        ids.iter().map(|id| CertificateRecord { certificate: w.cert(id), history: Vec::new() }).collect();
    let issuers: Vec<IssuerKey> = w.evaluate(Who::Unknown, "IssuerKeys", &EmptyRequest {})?;
    let organizations = w.evaluate(Who::Unknown, "Organizations", &EmptyRequest {})?;
    let _ = w.evaluate::<_, nanotrace_model::Verification>(
        Who::Unknown,
        "Verify",
        &CertificateIdRequest { certificate_id: ids[0].clone() },
    )?;
    println!("issued {} certificates in {:.1} s", ids.len(), started.elapsed().as_secs_f64());

    let dir = tempfile::tempdir()?;
    let cache = Arc::new(Cache::open(&dir.path().join("cache"))?);
    let trust_list_update = || Update {
        txs: vec![],
        certificates: vec![],
        issuers: Some(issuers.clone()),
        organizations: None,
        start_at: None,
    };
    cache.apply(&Update {
        txs: vec![],
        certificates: records.clone(),
        issuers: Some(issuers.clone()),
        organizations: Some(organizations),
        start_at: None,
    })?;
    let sync = Arc::new(SyncState::default());
    let checkpoint = cache.checkpoint()?;
    sync.update(|s| {
        s.checkpoint = checkpoint;
        s.synced_at = Some(now());
        s.ready = true;
    });
    let state = AppState {
        cache: cache.clone(),
        sync,
        max_staleness: Duration::from_secs(3600),
        public_url: "https://verify.example.org".into(),
        status_key: None,
    };
    let at = now();
    // Every record and the trust list into the memo, and every check made once.
    for id in &ids {
        let found = state.verdict(id, at)?;
        ensure!(found.verification.verdict == Verdict::Valid, "{id} is {}", found.verification.verdict);
    }
    let lookups = ids.len() * args.rounds;

    // 1. The check alone.
    let t = Instant::now();
    for _ in 0..args.rounds {
        for r in &records {
            ensure!(
                black_box(check_issuance(&r.certificate, &issuers)).is_ok(),
                "{} does not verify",
                r.certificate.id
            );
        }
    }
    let check = ns_per(t.elapsed(), lookups);

    // 2 and 3, alternated five times (each figure the median of its five): the anchor, the
    // freshness, the record from the memo and the rule, as `verdict_memoized` read them
    // before the check; then the lookup now, the check remembered.
    let (mut anchors, mut nows) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..args.rounds {
            for id in &ids {
                // What `AppState::judge` did: the rule on a copy of the record, kept beside it.
                let as_of = state.as_of(at);
                let record = cache.memoized_certificate(id).flatten();
                let v = verdict_with(id, record.as_ref().map(|r| r.certificate.clone()), |_| Ok(()), at);
                ensure!(v.verdict == Verdict::Valid, "{id}");
                black_box((v, record, as_of));
            }
        }
        anchors.push(ns_per(t.elapsed(), lookups));
        let t = Instant::now();
        for _ in 0..args.rounds {
            for id in &ids {
                let found = state.verdict_memoized(id, at);
                ensure!(black_box(found).is_some_and(|f| f.verification.verdict == Verdict::Valid), "{id}");
            }
        }
        nows.push(ns_per(t.elapsed(), lookups));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (before, remembered) = (median(anchors), median(nows));

    // 4. Now, every check made anew (an update writing the trust list drops the checks the
    // memo remembered before each round; the records stay in the memo).
    let mut anew = Duration::ZERO;
    for _ in 0..args.rounds {
        cache.apply(&trust_list_update())?;
        let t = Instant::now();
        for id in &ids {
            let found = state.verdict(id, at)?;
            ensure!(black_box(found).verification.verdict == Verdict::Valid, "{id}");
        }
        anew += t.elapsed();
    }
    let checked_anew = ns_per(anew, lookups);

    println!("signature check, per lookup ({} certificates x {} rounds, one thread):", ids.len(), args.rounds);
    println!("  check_issuance alone (digest + Ed25519 verify_strict)      {:>10.0} ns", check);
    println!("  lookup from memory before the check (anchor)               {:>10.0} ns", before);
    println!(
        "  lookup from memory now, the check remembered               {:>10.0} ns  ({:.2}x the anchor)",
        remembered,
        remembered / before
    );
    println!(
        "  lookup from memory with every check made anew              {:>10.0} ns  (check {:.0} % of it)",
        checked_anew,
        100.0 * check / checked_anew
    );
    Ok(())
}

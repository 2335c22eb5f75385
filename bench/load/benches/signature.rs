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
//! 4. the same lookup when the memo has no check for it (dropped before each round by an
//!    update that writes the trust list), alternated five times: (a) the trust list
//!    unchanged, so the check is the one the follower made as it wrote the record, read
//!    from its mark (issue 76: what a certificate's first ask pays now); (b) a new trust
//!    list, so the marks are stale and the check is made anew (what a first ask paid
//!    before the marks: the anchor of (a));
//! 5. writing the records as the follower does (`Cache::apply` of every certificate),
//!    their signatures checked on the machine's cores: what the marks cost a cache build.
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

    // 4. The memo's checks dropped before each round by an update that writes the trust
    // list (the records stay in the memo): (a) the same list, so each lookup takes the
    // mark the follower made; (b) a new list each round (one more key, never used), so
    // each mark is stale and the check is made anew. Alternated five times.
    let spare = |round: usize| IssuerKey { key_id: format!("spare-{round}"), ..issuers[0].clone() };
    let (mut marked, mut anew) = (Vec::new(), Vec::new());
    for round in 0..5 {
        for (stale, times) in [(false, &mut marked), (true, &mut anew)] {
            let mut total = Duration::ZERO;
            for pass in 0..args.rounds {
                let mut list = issuers.clone();
                if stale {
                    list.push(spare(round * args.rounds + pass));
                }
                cache.apply(&Update { issuers: Some(list), ..trust_list_update() })?;
                let t = Instant::now();
                for id in &ids {
                    let found = state.verdict(id, at)?;
                    ensure!(black_box(found).verification.verdict == Verdict::Valid, "{id}");
                }
                total += t.elapsed();
            }
            times.push(ns_per(total, lookups));
        }
    }
    let (from_mark, checked_anew) = (median(marked), median(anew));

    // 5. Every record written again as the follower writes it, its signature checked.
    let t = Instant::now();
    let stats = cache.lookup_stats();
    cache.apply(&Update { certificates: records.clone(), ..trust_list_update() })?;
    let write = ns_per(t.elapsed(), records.len());
    let written = cache.lookup_stats().signed_on_write - stats.signed_on_write;
    ensure!(written == records.len() as u64, "{written} of {} records checked as written", records.len());

    println!("signature check, per lookup ({} certificates x {} rounds, one thread):", ids.len(), args.rounds);
    println!("  check_issuance alone (digest + Ed25519 verify_strict)      {:>10.0} ns", check);
    println!("  lookup from memory before the check (anchor)               {:>10.0} ns", before);
    println!(
        "  lookup from memory now, the check remembered               {:>10.0} ns  ({:.2}x the anchor)",
        remembered,
        remembered / before
    );
    println!(
        "  lookup, no check in memory: made anew (before the marks)   {:>10.0} ns  (check {:.0} % of it)",
        checked_anew,
        100.0 * check / checked_anew
    );
    println!(
        "  lookup, no check in memory: the follower's mark            {:>10.0} ns  ({:.2}x made anew)",
        from_mark,
        from_mark / checked_anew
    );
    println!(
        "  writing every record as the follower does, checks included {:>10.0} ns per record ({} threads at most)",
        write,
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).min(4)
    );
    Ok(())
}

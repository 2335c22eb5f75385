//! Cost as the embedded ledger grows: CPU and disk per certificate, the hash chain's
//! check and the verifier's cache build, at each size on the way to the largest (no
//! harness: it prints its figures).
//!
//!     cargo bench -p nanotrace-bench --bench scale
//!     BENCH_SIZES=100000,1000000 cargo bench -p nanotrace-bench --bench scale
//!     cargo bench -p nanotrace-bench --bench scale -- --sizes 100000 --keep /tmp/ledger-1e5
//!     cargo bench -p nanotrace-bench --bench scale -- --reuse /tmp/ledger-1e5 --commit-per-sec 100
//!     cargo bench -p nanotrace-bench --bench scale -- --reuse /tmp/ledger-1e5   # the cache build alone
//!
//! The ledger is grown through the contract itself, as the product grows it: rounds of
//! one `ApplyBatch` of 1,000 applications and one `ApproveBatch` of 990 approvals (signed
//! client-side, each carrying its certificate's credential), then single transactions that put certificates in every other state —
//! of each 1,000, 5 rejected, 5 left pending, 2 suspended and 3 revoked. What is on disk
//! is therefore exactly what transactions write (the same blocks, hash chain, world
//! state and history), at ~12 transactions per 1,000 certificates rather than one per
//! certificate; `ledger check` verifies it at every size.
//!
//! At each size it prints, for the certificates added since the previous size: wall time
//! and CPU per certificate (the whole process: contract, ledger, RocksDB's background
//! work and the client's signing); then the ledger's bytes on disk by column family and
//! the write-ahead log, per certificate; the hash chain's check (blocks/s); and the
//! verifier's cache brought up to date from the ledger (certificates/s and bytes per
//! certificate), as a verifier following this ledger builds it.

mod common;

use anyhow::{ensure, Context, Result};
use clap::Parser;
use common::{load_average, ms_per, per_sec, CpuTimes};
use nanotrace_client::{ApprovalSigning, CredentialTerms, Wait};
use nanotrace_embedded::datadir::{self, DataDir, APPLICANT, CERTIFIER, CERTIFIER_MSP};
use nanotrace_model::{Application, Verdict};
use nanotrace_verifier_store::cache::Cache;
use nanotrace_verifier_store::follower::sync_once;
use nanotrace_verifier_store::source::embedded::EmbeddedSource;
use nanotrace_verifier_store::state::SyncState;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The embedded ledger grown to each of `--sizes` certificates, with its costs at each.
/// Every option also reads its environment variable.
#[derive(Debug, Parser)]
#[command(name = "scale")]
struct Args {
    /// The sizes to measure at, in certificates, ascending (multiples of 1,000).
    #[arg(long, value_name = "N,N,…", env = "BENCH_SIZES", value_delimiter = ',', default_values_t = [10_000, 100_000])]
    sizes: Vec<usize>,
    /// The folder the temporary ledger goes in (default: the system's temp dir).
    #[arg(long, value_name = "DIR", env = "BENCH_DIR")]
    dir: Option<PathBuf>,
    /// Keep the ledger (and the verifier's cache next to it) in this new folder instead
    /// of a temporary one: for the lookup benchmarks (scripts/bench/verifier-scale.sh).
    #[arg(long, value_name = "DIR", env = "BENCH_KEEP")]
    keep: Option<PathBuf>,
    /// Skip the verifier's cache build.
    #[arg(long, env = "BENCH_NO_CACHE")]
    no_cache: bool,
    /// With `--keep`: after the last size, write every certificate ID to `DIR/ids.txt`,
    /// create `DIR/ready`, wait for `DIR/go` to appear, then commit this many
    /// certificates per second (one ApplyBatch and one ApproveBatch each second) until
    /// `DIR/stop` appears — the ledger under live commits of scripts/bench/verifier-scale.sh.
    #[arg(long, value_name = "N", env = "BENCH_COMMIT_PER_SEC")]
    commit_per_sec: Option<usize>,
    /// A folder an earlier run kept (`--keep`): grow nothing, bring its cache up to date
    /// with its ledger (an empty or missing `DIR/cache` is built from the whole ledger:
    /// the cache build at that size, again), then `--commit-per-sec` on it (its IDs from
    /// the cache) if given. A ledger of 10⁶ certificates takes minutes to grow; this
    /// measures it again at once.
    #[arg(long, value_name = "DIR", env = "BENCH_REUSE", conflicts_with_all = ["keep", "no_cache"])]
    reuse: Option<PathBuf>,
    /// Passed by `cargo bench`; nothing to do.
    #[arg(long, hide = true)]
    bench: bool,
    /// Benchmark filters `cargo bench` passes on; this benchmark has no parts to filter.
    #[arg(hide = true)]
    filters: Vec<String>,
}

/// Certificates per round: one ApplyBatch (the contract's batch limit).
const ROUND: usize = 1_000;
/// Of each round: approved in one ApproveBatch ...
const APPROVED: usize = 990;
/// ... then rejected, one transaction each (the rest of the round stays pending) ...
const REJECTED: usize = 5;
/// ... and of the approved, suspended, then revoked, one transaction each.
const SUSPENDED: usize = 2;
const REVOKED: usize = 3;

/// The typed API on the embedded ledger.
type Api = nanotrace_client::NanoTrace<nanotrace_embedded::transport::EmbeddedTransport>;

/// The allocator of the `nanotrace` binary, whose embedded ledger this measures.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn application(round: usize, n: usize) -> Result<Application> {
    let mut app = datadir::sample_application()?;
    app.batch = format!("SCALE-{round:05}-{n:03}");
    Ok(app)
}

/// Bytes of every file under `dir`, and of those of them named `*.log` (RocksDB's
/// write-ahead log).
fn disk_usage(dir: &Path) -> Result<(u64, u64)> {
    let (mut total, mut wal) = (0, 0);
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        // A compaction running beside the walk removes the tables it has rewritten: a file
        // listed a moment ago may be gone, and it holds no bytes any more.
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("reading {}", entry.path().display())),
        };
        if meta.is_dir() {
            let (t, w) = disk_usage(&entry.path())?;
            total += t;
            wal += w;
        } else {
            total += meta.len();
            if entry.path().extension().is_some_and(|e| e == "log") {
                wal += meta.len();
            }
        }
    }
    Ok((total, wal))
}

fn kib_per(bytes: u64, certs: usize) -> f64 {
    bytes as f64 / 1024.0 / certs as f64
}

/// One round: 1,000 applications, 990 approvals (each carrying its certificate's credential,
/// named under `terms`, as every client approves since issue 72), and the other states.
fn round(
    r: usize,
    applicant: &Api,
    certifier: &Api,
    signer: &nanotrace_client::IssuerSigner,
    terms: &CredentialTerms,
) -> Result<Vec<String>> {
    let apps = (0..ROUND).map(|i| application(r, i)).collect::<Result<Vec<_>>>()?;
    let ids = applicant.apply_batch(apps).wait()?.value;
    ensure!(ids.len() == ROUND, "ApplyBatch returned {} IDs", ids.len());
    let certs = certifier.get_certificates(&ids[..APPROVED]).wait()?;
    let signing = ApprovalSigning { signer, issuer_org: CERTIFIER_MSP, validity_days: None };
    let approved = certifier.approve_certificates(&certs, &signing, datadir::now(), Some(terms)).wait()?.value;
    ensure!(approved.len() == APPROVED, "ApproveBatch returned {} IDs", approved.len());
    for id in &ids[APPROVED..APPROVED + REJECTED] {
        certifier.reject(id, "scale benchmark: rejected").wait()?;
    }
    for id in &ids[..SUSPENDED] {
        certifier.suspend(id, "scale benchmark: suspended").wait()?;
    }
    for id in &ids[SUSPENDED..SUSPENDED + REVOKED] {
        certifier.revoke(id, "scale benchmark: revoked").wait()?;
    }
    Ok(ids)
}

fn main() -> Result<()> {
    let Args { sizes, dir, keep, no_cache, commit_per_sec, reuse, .. } = Args::parse();
    ensure!(commit_per_sec.is_none_or(|n| (1..=1000).contains(&n)), "--commit-per-sec must be 1..=1000");
    ensure!(commit_per_sec.is_none() || keep.is_some() || reuse.is_some(), "--commit-per-sec needs --keep or --reuse");
    if let Some(root) = reuse {
        return reuse_kept(&root, commit_per_sec);
    }
    ensure!(!sizes.is_empty(), "--sizes (BENCH_SIZES) is empty");
    ensure!(
        sizes.iter().all(|n| *n > 0 && n % ROUND == 0) && sizes.windows(2).all(|w| w[0] < w[1]),
        "--sizes (BENCH_SIZES) must be ascending positive multiples of {ROUND}: {sizes:?}"
    );
    let (_tmp, root) = match keep {
        Some(path) => {
            std::fs::create_dir(&path).with_context(|| format!("--keep {} must be a new folder", path.display()))?;
            (None, path)
        }
        None => {
            let parent: PathBuf = dir.unwrap_or_else(std::env::temp_dir);
            let tmp = tempfile::Builder::new()
                .prefix("nanotrace-scale-")
                .tempdir_in(&parent)
                .with_context(|| format!("cannot create a temporary folder in {}", parent.display()))?;
            let path = tmp.path().to_owned();
            (Some(tmp), path)
        }
    };
    let data = root.join("data");
    let dir = DataDir::open(&data)?;
    dir.init_sample_network(datadir::now())?;
    let applicant = dir.client(APPLICANT)?;
    let certifier = dir.client(CERTIFIER)?;
    let signer = dir.signer(CERTIFIER)?;
    let terms = certifier
        .credential_terms(CERTIFIER_MSP, nanotrace_model::sample::STATUS_BASE)
        .wait()?
        .context("the sample certification body has a status base")?;

    println!("NanoTrace as the embedded ledger grows (release build)");
    println!("  ledger:  {}", dir.ledger.path().display());
    println!("  sizes:   BENCH_SIZES={}", sizes.iter().map(usize::to_string).collect::<Vec<_>>().join(","));
    println!("  rounds:  ApplyBatch of {ROUND}, ApproveBatch of {APPROVED}, {REJECTED} rejected, {SUSPENDED} suspended, {REVOKED} revoked, {} pending", ROUND - APPROVED - REJECTED);
    println!("  cpus:    {}", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0));
    println!("  load:    {} (1, 5, 15 min)", load_average());
    println!();
    println!(
        "{:>10} {:>9} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>11} {:>11} {:>10} {:>10}",
        "certs",
        "added/s",
        "wall_ms",
        "cpu_ms",
        "disk_KiB",
        "wal_KiB",
        "sst_KiB",
        "blocks",
        "check_blk/s",
        "cache_c/s",
        "cache_KiB",
        "cache_MB"
    );
    println!(
        "{:>10} {:>9} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>11} {:>11} {:>10} {:>10}",
        "", "", "per cert", "per cert", "per cert", "per cert", "per cert", "", "", "", "per cert", "total"
    );

    let cache_dir = root.join("cache");
    let scratch = root.join("follower-scratch");
    let cache = if no_cache { None } else { Some(Cache::open(&cache_dir)?) };
    let sync = SyncState::default();
    let mut source: Option<EmbeddedSource> = None;
    let mut done = 0usize;
    let mut previous = 0usize;
    let mut by_cf = Vec::new();
    let mut last_ids = Vec::new();
    let mut all_ids: Vec<String> = Vec::new();
    for &size in &sizes {
        let t = Instant::now();
        let cpu_before = CpuTimes::now();
        while done < size {
            last_ids = round(done / ROUND, &applicant, &certifier, &signer, &terms)?;
            if commit_per_sec.is_some() {
                all_ids.extend(last_ids.iter().cloned());
            }
            done += ROUND;
        }
        let added = size - previous;
        previous = size;
        let wall = t.elapsed();
        let cpu = CpuTimes::now().since(&cpu_before);

        // On disk as the ledger left it (tables and write-ahead log), then its tables alone
        // by column family once every memtable is flushed.
        let ledger = &dir.ledger;
        let (disk, wal) = disk_usage(ledger.path())?;
        let db = ledger.raw_db();
        by_cf.clear();
        for name in nanotrace_ledger::column_families::ALL {
            let cf = db.cf_handle(name).with_context(|| format!("column family {name}"))?;
            db.flush_cf(cf).with_context(|| format!("flushing {name}"))?;
            let sst = db.property_int_value_cf(cf, "rocksdb.total-sst-files-size")?.unwrap_or(0);
            by_cf.push((name, sst));
        }
        let sst: u64 = by_cf.iter().map(|(_, b)| b).sum();

        let t_check = Instant::now();
        let report = ledger.check()?;
        ensure!(report.is_ok(), "ledger check failed at {size}: {:?}", report.first_bad);
        let check = per_sec(report.entries_checked as usize, t_check.elapsed());
        for id in last_ids.get(SUSPENDED + REVOKED).into_iter().chain(last_ids.get(APPROVED - 1)) {
            let v = certifier.verify(id).wait()?;
            ensure!(v.verdict == Verdict::Valid, "{id} is {}", v.verdict);
        }

        let (cache_rate, cache_per, cache_mb) = match &cache {
            Some(cache) => {
                let source = match &mut source {
                    Some(s) => s,
                    None => source.insert(EmbeddedSource::open(&data, &scratch)?),
                };
                let t = Instant::now();
                let mut applied = 0u64;
                loop {
                    let n = sync_once(source, cache, &sync, usize::MAX)?;
                    if n == 0 {
                        break;
                    }
                    applied += n;
                }
                ensure!(applied > 0, "the cache applied nothing");
                let rate = per_sec(added, t.elapsed());
                let (bytes, _) = disk_usage(&cache_dir)?;
                (format!("{rate:.0}"), format!("{:.2}", kib_per(bytes, size)), format!("{:.0}", bytes as f64 / 1e6))
            }
            None => ("-".into(), "-".into(), "-".into()),
        };
        println!(
            "{:>10} {:>9.0} {:>10.3} {:>10.3} {:>9.2} {:>9.2} {:>9.2} {:>9} {:>11.0} {:>11} {:>10} {:>10}",
            size,
            per_sec(added, wall),
            ms_per(wall, added),
            ms_per(cpu.process, added),
            kib_per(disk, size),
            kib_per(wal, size),
            kib_per(sst, size),
            report.entries_checked,
            check,
            cache_rate,
            cache_per,
            cache_mb,
        );
    }
    println!();
    println!("The ledger's tables by column family at {done} certificates, memtables flushed (KiB per certificate):");
    for (name, bytes) in &by_cf {
        println!("  {name:<10} {:>8.3}", kib_per(*bytes, done));
    }
    println!("load average after: {}", load_average());
    if let Some(rate) = commit_per_sec {
        drop(cache);
        // Rounds past any the growth used (it used fewer than one per certificate).
        commit_live(&root, &all_ids, LIVE_ROUNDS + all_ids.len(), rate, &applicant, &certifier, &signer)?;
    }
    Ok(())
}

/// `--reuse`: the kept ledger at `root`, its cache brought up to date (and timed), then,
/// with a `rate`, committed to at `rate` certificates a second.
fn reuse_kept(root: &Path, rate: Option<usize>) -> Result<()> {
    for signal in ["ready", "go", "stop"] {
        let path = root.join(signal);
        if path.exists() {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    let data = root.join("data");
    ensure!(data.is_dir(), "--reuse {}: no data folder (keep one with --keep)", root.display());
    let dir = DataDir::open(&data)?;
    let (applicant, certifier, signer) = (dir.client(APPLICANT)?, dir.client(CERTIFIER)?, dir.signer(CERTIFIER)?);
    let cache_dir = root.join("cache");
    let cache = Cache::open(&cache_dir)?;
    let from_nothing = cache.checkpoint()? == Default::default();
    let source = EmbeddedSource::open(&data, &root.join("follower-scratch"))?;
    let cpu = CpuTimes::now();
    let t = Instant::now();
    let mut applied = 0;
    loop {
        let n = sync_once(&source, &cache, &SyncState::default(), usize::MAX)?;
        if n == 0 {
            break;
        }
        applied += n;
    }
    let (wall, cpu) = (t.elapsed(), CpuTimes::now().since(&cpu));
    let ids = cache.certificate_ids()?;
    println!(
        "reusing {}: {} certificates, the cache caught up with {applied} transactions in {:.1} s ({:.1} s of CPU)",
        root.display(),
        ids.len(),
        wall.as_secs_f64(),
        cpu.process.as_secs_f64(),
    );
    if from_nothing {
        let (bytes, _) = disk_usage(&cache_dir)?;
        println!(
            "cache build from nothing: {:.0} certificates/s, {:.2} KiB per certificate on disk",
            per_sec(ids.len(), wall),
            kib_per(bytes, ids.len())
        );
    }
    drop(cache);
    let Some(rate) = rate else { return Ok(()) };
    // Rounds past any this ledger used: fewer than one per certificate, whether grown or
    // committed live before.
    commit_live(root, &ids, LIVE_ROUNDS + ids.len(), rate, &applicant, &certifier, &signer)
}

/// Where the live commits' rounds start counting, plus the certificates already there (an
/// application's batch names its round: the same round twice would apply the same
/// applications twice).
const LIVE_ROUNDS: usize = 1_000_000;

/// Writes the IDs and `ready`, waits for `go`, then commits `rate` certificates a
/// second until `stop` appears (see `--commit-per-sec`), each approval carrying its
/// credential as every client's does. When `root/touch.txt` lists IDs (the benchmark's
/// most-asked ones), each second also suspends one of them, revokes the next and renews
/// the one after (with its new version's credential: the ID asked is then SUPERSEDED) —
/// the certificates people are looking up change under them — and appends each change that
/// committed to `root/changed.txt` as `ID VERDICT`, for the benchmark to check what the
/// verifier answers on them. An ID the contract refuses to change (already suspended,
/// say) is passed over.
fn commit_live(
    root: &Path,
    ids: &[String],
    first_round: usize,
    rate: usize,
    applicant: &Api,
    certifier: &Api,
    signer: &nanotrace_client::IssuerSigner,
) -> Result<()> {
    use std::io::Write;
    std::fs::write(root.join("ids.txt"), ids.join("\n") + "\n").context("writing ids.txt")?;
    std::fs::write(root.join("ready"), b"").context("writing ready")?;
    println!("ready: waiting for {}", root.join("go").display());
    while !root.join("go").exists() {
        if root.join("stop").exists() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let terms = certifier
        .credential_terms(CERTIFIER_MSP, nanotrace_model::sample::STATUS_BASE)
        .wait()?
        .context("the sample certification body has a status base")?;
    let signing = ApprovalSigning { signer, issuer_org: CERTIFIER_MSP, validity_days: None };
    let touch = match std::fs::read_to_string(root.join("touch.txt")) {
        Ok(text) => text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).context("reading touch.txt"),
    };
    let mut touch = touch.iter();
    let changed_path = root.join("changed.txt");
    let mut changed_file = std::fs::File::create(&changed_path).context("creating changed.txt")?;
    let start = Instant::now();
    let mut second = 0u64;
    let (mut committed, mut changed) = (0usize, 0usize);
    while !root.join("stop").exists() {
        let apps = (0..rate).map(|i| application(first_round + second as usize, i)).collect::<Result<Vec<_>>>()?;
        let new_ids = applicant.apply_batch(apps).wait()?.value;
        let certs = certifier.get_certificates(&new_ids).wait()?;
        certifier.approve_certificates(&certs, &signing, datadir::now(), Some(&terms)).wait()?;
        committed += new_ids.len();
        for verdict in [Verdict::Suspended, Verdict::Revoked, Verdict::Superseded] {
            // The next ID the contract lets change (one already suspended or revoked, or
            // never approved, is refused and passed over).
            for id in touch.by_ref() {
                let done = match verdict {
                    Verdict::Suspended => {
                        certifier.suspend(id, "scale benchmark: suspended while looked up").wait().map(drop)
                    }
                    Verdict::Revoked => {
                        certifier.revoke(id, "scale benchmark: revoked while looked up").wait().map(drop)
                    }
                    _ => certifier.renew_with_credential(id, &signing, datadir::now(), Some(&terms)).wait().map(drop),
                };
                if done.is_ok() {
                    writeln!(changed_file, "{id} {verdict}").context("writing changed.txt")?;
                    changed += 1;
                    break;
                }
            }
        }
        changed_file.flush().context("writing changed.txt")?;
        second += 1;
        // Paced: the next batch at the next whole second since the start.
        let next = std::time::Duration::from_secs(second);
        if let Some(wait) = next.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
    }
    println!(
        "committed {committed} certificates in {:.1} s ({:.1}/s) while the lookups ran, and changed {changed} looked-up ones ({})",
        start.elapsed().as_secs_f64(),
        per_sec(committed, start.elapsed()),
        changed_path.display(),
    );
    Ok(())
}

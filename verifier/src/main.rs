//! `nanotrace-verifier`: the public NanoTrace verification service.
//!
//! `serve` (the default) binds the listener, prints `listening on <ip:port>` on stdout,
//! follows the ledger into the cache and serves pages, the JSON API and QR codes;
//! `/readyz` answers 503 until the first catch-up has finished. `check` compares the
//! cache with the ledger without changing the cache.

use anyhow::{bail, Context, Result};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use nanotrace_startup::{init_logging, one_line, shutdown_signal, LogFormat};
use nanotrace_verifier::cache::SeenTx;
use nanotrace_verifier::cache::{Cache, Checkpoint};
use nanotrace_verifier::config::{Config, SourceKind};
use nanotrace_verifier::follower::{self, touched};
use nanotrace_verifier::source::{EmbeddedSource, FabricSource, Source};
use nanotrace_verifier::state::{AppState, SyncState};
use nanotrace_verifier::web::tls::Tls;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tracing::{error, info, warn};

/// jemalloc (feature `jemalloc`), configured for a flat footprint: two arenas (the
/// machine's cores; Rust's threads are many, the blocking pool's come and go), a
/// background thread that purges, and freed pages returned to the system after a second.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read once at its start (`MALLOC_CONF` syntax; the `_rjem_` prefix is
/// tikv-jemallocator's symbol prefix).
#[cfg(feature = "jemalloc")]
#[allow(non_upper_case_globals)]
// The workspace denies unsafe code; exporting a symbol counts as such (two crates exporting
// one name would be undefined behaviour). This name is jemalloc's documented option symbol
// under tikv-jemallocator's prefix, and nothing else in the process exports it.
#[allow(unsafe_code)]
#[export_name = "_rjem_malloc_conf"]
pub static malloc_conf: &[u8] = b"narenas:2,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

const AFTER_HELP: &str = "\
Every option can also be set through the environment variable shown with it; options \
may be given before or after the subcommand.

Sources: --source embedded follows the embedded ledger in --data-dir; --source fabric \
follows a Fabric channel through the Gateway client as the connection profile --profile \
says (default: the Regulator's user rita of `scripts/network.sh up`, so the verifier \
reads the Regulator's own peer). On Fabric the ledger's height comes from the qscc \
system chaincode's GetChainInfo and the data's age is the time since the verifier last \
had every block up to that height: with the peer down or far behind, every verdict is \
UNVERIFIABLE once --max-staleness-secs have passed, and /readyz says why. A cache \
remembers the channel and chaincode it was built from and refuses to serve another.

Files: the cache is a RocksDB database in --cache-dir; the read-only follower of the \
embedded ledger keeps its scratch files in <cache-dir>/follower (and `check` in \
<cache-dir>/check-follower).

Exit status: 0 success (for `check`: the cache equals the ledger); 1 `check` found the \
cache behind the ledger or different from it; 2 error (one line on stderr).";

#[derive(Debug, Parser)]
#[command(
    name = "nanotrace-verifier",
    version,
    about = "The public NanoTrace verification service",
    long_about = "The public NanoTrace verification service: follows the ledger into its own \
                  RocksDB cache and serves verification pages, a JSON API and QR codes. \
                  Verdicts fail closed: when the cache has not caught up with the ledger for \
                  longer than --max-staleness-secs, every verdict is UNVERIFIABLE.",
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Debug, Clone, Copy, Subcommand)]
enum Command {
    /// Follow the ledger and serve pages, the JSON API and QR codes (the default).
    ///
    /// Prints `listening on <ip:port>` on stdout once the listener is bound (use
    /// `--listen 127.0.0.1:0` for any free port). `/healthz` answers at once; `/readyz`
    /// answers 503 until the cache has caught up with the ledger. Stops gracefully on
    /// SIGTERM or Ctrl-C.
    Serve,
    /// Compare the cache with the ledger, without changing the cache.
    ///
    /// Catches the ledger up, requires the cache to be at the ledger's height (else
    /// reports how far behind it is), then compares the transaction log block by block,
    /// every cached certificate and audit trail with the ledger's current record, the set
    /// of cached certificate IDs with the IDs named by all the ledger's events, and the
    /// issuer trust list. Exit 0 only if all are equal. Stop the verifier that uses the
    /// cache first (RocksDB allows one process per cache).
    Check,
}

fn parse() -> Cli {
    // Global: the options work before and after the subcommand.
    let matches = Cli::command().mut_args(|arg| arg.global(true)).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

fn main() -> ExitCode {
    let cli = parse();
    let format = if cli.config.log_json { LogFormat::Json } else { LogFormat::Text };
    if let Err(e) = init_logging(&cli.config.log, format) {
        eprintln!("nanotrace-verifier: {}", one_line(&e));
        return ExitCode::from(2);
    }
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => run_serve(cli.config).map(|()| true),
        Command::Check => check(&cli.config),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("nanotrace-verifier: {}", one_line(e.as_ref()));
            ExitCode::from(2)
        }
    }
}

fn follower_scratch(config: &Config) -> PathBuf {
    config.cache_dir.join("follower")
}

/// Opens the configured source (Fabric: connects to the gateway peer). Call it outside
/// the async runtime: the Fabric source blocks on a runtime of its own.
fn open_source(config: &Config, scratch: &Path) -> Result<Arc<dyn Source>> {
    Ok(match config.source {
        SourceKind::Embedded => Arc::new(EmbeddedSource::open(&config.data_dir, scratch)?),
        SourceKind::Fabric => Arc::new(FabricSource::from_profile(&config.profile)?),
    })
}

fn run_serve(config: Config) -> Result<()> {
    let status_key = match &config.status_key {
        Some(path) => {
            Some(Arc::new(nanotrace_embedded::devmsp::read_issuer_key_file(path).with_context(|| {
                format!("--status-key {}: cannot read the status lists' signing key", path.display())
            })?))
        }
        None => None,
    };
    // The ledger first: a wrong --data-dir or --profile should not leave a new cache behind.
    let source = open_source(&config, &follower_scratch(&config))?;
    let cache = Arc::new(Cache::open(&config.cache_dir)?);
    cache.limit_negatives(config.negative_cache_size, Duration::from_secs(config.negative_cache_ttl_secs));
    cache.bind(&source.binding())?;
    // A cache ahead of the ledger, or whose checkpoint block is another transaction,
    // follows another ledger: refuse to start rather than serve its verdicts. (The first
    // catch-up itself runs in the follower; /readyz is 503 until it has finished.)
    let checkpoint = cache.checkpoint()?;
    let height = match source.refresh().and_then(|()| source.height()) {
        Ok(height) => {
            follower::same_ledger(source.as_ref(), &checkpoint, height)?;
            height
        }
        Err(e) => {
            // Maybe transient: the follower retries, and /readyz says 503 meanwhile.
            warn!(error = %e, "cannot read the ledger yet");
            0
        }
    };
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(Arc::new(Tls::load(cert, key)?)),
        _ => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("nanotrace-verifier")
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(serve(config, source, cache, checkpoint, height, status_key, tls));
    // A follower pass still on the blocking pool ends at its chunk boundary; do not wait
    // for longer than that could reasonably take.
    runtime.shutdown_timeout(Duration::from_secs(10));
    result
}

/// Reads the TLS certificate and key again on every SIGHUP (new connections get them; a
/// reload that fails is logged and changes nothing).
fn reload_on_sighup(tls: Arc<Tls>) -> Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hup = signal(SignalKind::hangup()).context("cannot install the SIGHUP handler")?;
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                match tls.reload() {
                    Ok(()) => info!("SIGHUP: TLS certificate and key reloaded; new connections use them"),
                    Err(e) => {
                        error!(error = %e, "SIGHUP: the TLS certificate and key were not reloaded; still serving the previous ones")
                    }
                }
            }
        });
    }
    #[cfg(not(unix))]
    let _ = tls;
    Ok(())
}

async fn serve(
    mut config: Config,
    source: Arc<dyn Source>,
    cache: Arc<Cache>,
    checkpoint: Checkpoint,
    height: u64,
    status_key: Option<Arc<ed25519_dalek::SigningKey>>,
    tls: Option<Arc<Tls>>,
) -> Result<()> {
    let signal = shutdown_signal()?;
    if let Some(tls) = &tls {
        reload_on_sighup(tls.clone())?;
    }
    if config.source == SourceKind::Fabric {
        // A certificate the cache does not hold (yet) is read from the peer once; a peer
        // failure answers UNVERIFIABLE, never UNKNOWN.
        let reader = source.clone();
        cache.read_misses_from(Arc::new(move |id: &str| reader.certificate(id).map_err(|e| e.to_string())));
    }
    let sync = Arc::new(SyncState::default());
    sync.update(|s| {
        s.checkpoint = checkpoint.clone();
        s.source_height = height;
    });

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let bound = listener.local_addr().context("cannot read the listener's address")?;
    config.listen = bound;
    {
        // The one line on stdout: tests and scripts read the bound port from it.
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {bound}").and_then(|()| out.flush()).context("cannot write to stdout")?;
    }
    info!(
        address = %bound,
        source = %source.describe(),
        cache_dir = %config.cache_dir.display(),
        checkpoint = checkpoint.block_number,
        height,
        "listening; catching up with the ledger before reporting ready"
    );

    // Answers rendered as the follower writes their records, stored in the cache (issue
    // 76); those missing (a cache built without them, a new build) in the background.
    let (stop_tx, stop_rx) = watch::channel(false);
    if config.store_answers {
        cache.render_answers_with(Arc::new(nanotrace_verifier::web::Prerender::new(&config.public_url())));
    }
    let rendering = config.store_answers.then(|| follower::spawn_answers(cache.clone(), stop_rx.clone()));
    let stop_tx = Arc::new(stop_tx);
    let poll = Duration::from_millis(config.poll_ms.max(1));
    let follower = follower::spawn(source, cache.clone(), sync.clone(), poll, stop_rx);

    let state = AppState {
        cache,
        sync,
        max_staleness: Duration::from_secs(config.max_staleness_secs),
        public_url: config.public_url().into(),
        status_key,
    };
    let stop_on_signal = stop_tx.clone();
    let shutdown = async move {
        signal.await;
        let _ = stop_on_signal.send(true);
    };
    let served = nanotrace_verifier::web::serve(listener, state, &config, tls, shutdown).await;
    let _ = stop_tx.send(true);
    if tokio::time::timeout(Duration::from_secs(10), follower).await.is_err() {
        warn!("the follower did not stop within 10 s");
    }
    if let Some(rendering) = rendering {
        if tokio::time::timeout(Duration::from_secs(10), rendering).await.is_err() {
            warn!("the answers' render did not stop within 10 s");
        }
    }
    served.with_context(|| format!("the HTTP server on {bound} failed"))?;
    info!("stopped");
    Ok(())
}

/// How many differences to print of each kind.
const SHOW: usize = 10;

/// `check`: whether the cache equals the ledger.
fn check(config: &Config) -> Result<bool> {
    if !config.cache_dir.join("CURRENT").is_file() {
        bail!(
            "no verifier cache at {}: run `nanotrace-verifier serve` first or pass --cache-dir",
            config.cache_dir.display()
        );
    }
    let cache = Cache::open(&config.cache_dir).map_err(|e| {
        let text = e.to_string();
        if text.to_ascii_lowercase().contains("lock") {
            anyhow::anyhow!("{text} (is a verifier serving from this cache? stop it first)")
        } else {
            e.into()
        }
    })?;
    let source = open_source(config, &config.cache_dir.join("check-follower"))?;
    let binding = source.binding();
    if let Some(cached) = cache.binding()? {
        if cached != binding {
            // Refused without recording anything: `check` never changes the cache.
            cache.bind(&binding)?;
        }
    }
    source.refresh()?;
    let height = source.height()?;
    let checkpoint = cache.checkpoint()?;
    println!("cache:  {} at block {}", config.cache_dir.display(), checkpoint.block_number);
    println!("ledger: {} at height {height}", source.describe());
    if checkpoint.block_number > height {
        println!(
            "ahead by {} blocks: the cache follows another ledger (or the ledger was reset)",
            checkpoint.block_number - height
        );
        return Ok(false);
    }
    if !source.transactions(&checkpoint, 1)?.is_empty() {
        println!(
            "behind: the ledger has transactions after block {} (height {height}): run the verifier until it is \
             ready, then check again",
            checkpoint.block_number
        );
        return Ok(false);
    }
    if let Err(e) = follower::same_ledger(source.as_ref(), &checkpoint, height) {
        println!("{e}");
        return Ok(false);
    }
    let mut equal = true;

    // The transaction log, position by position; and every certificate the events name.
    let mut named = BTreeSet::new();
    let mut log_differences = 0usize;
    let mut compared = 0usize;
    let mut cursor = Checkpoint::default();
    loop {
        let ledger_txs = source.transactions(&cursor, 1024)?;
        let Some(first) = ledger_txs.first() else { break };
        let cached: BTreeMap<(u64, u32), SeenTx> = cache
            .seen_from(first.block, first.tx_index, ledger_txs.len())?
            .into_iter()
            .map(|tx| ((tx.block, tx.tx_index), tx))
            .collect();
        for tx in &ledger_txs {
            let (ids, _) = touched(tx)?;
            named.extend(ids);
            match cached.get(&(tx.block, tx.tx_index)) {
                Some(cached) if cached == tx => {}
                other => {
                    log_differences += 1;
                    if log_differences <= SHOW {
                        match other {
                            Some(cached) => println!(
                                "  block {} (tx {}): the cache has tx {} ({:?}), the ledger tx {} ({:?})",
                                tx.block, tx.tx_index, cached.tx_id, cached.event_name, tx.tx_id, tx.event_name
                            ),
                            None => println!("  block {} (tx {}): missing from the cache's log", tx.block, tx.tx_index),
                        }
                    }
                }
            }
        }
        compared += ledger_txs.len();
        cursor = ledger_txs.last().map_or(cursor, Checkpoint::after);
    }
    // Entries in the cache's log after the ledger's last transaction.
    let (from_block, from_index) = if cursor.transaction_id.is_empty() {
        (0, 0)
    } else {
        match cursor.transaction_index.checked_add(1) {
            Some(index) => (cursor.block_number, index),
            None => (cursor.block_number.saturating_add(1), 0),
        }
    };
    let extra_log = cache.seen_from(from_block, from_index, SHOW)?;
    for tx in &extra_log {
        println!("  block {} (tx {}): in the cache's log but not on the ledger", tx.block, tx.tx_index);
    }
    log_differences += extra_log.len();
    println!("transactions: {compared} compared, {log_differences} differ");
    equal &= log_differences == 0;

    // Certificates: the cached set against the named set, and each record.
    let cached_ids: BTreeSet<String> = cache.certificate_ids()?.into_iter().collect();
    let missing: Vec<&String> = named.difference(&cached_ids).collect();
    let extra: Vec<&String> = cached_ids.difference(&named).collect();
    let mut differ = Vec::new();
    for id in &cached_ids {
        let cached = cache.certificate(id)?;
        let current = source.certificate(id)?;
        if cached != current {
            differ.push(id);
        }
    }
    for id in missing.iter().take(SHOW) {
        println!("  {id}: named by the ledger's events but not cached");
    }
    for id in extra.iter().take(SHOW) {
        println!("  {id}: cached but named by no event on the ledger");
    }
    for id in differ.iter().take(SHOW) {
        println!("  {id}: the cached record or audit trail differs from the ledger's");
    }
    println!(
        "certificates: {} cached, {} named by events, {} differ, {} missing, {} extra",
        cached_ids.len(),
        named.len(),
        differ.len(),
        missing.len(),
        extra.len()
    );
    equal &= missing.is_empty() && extra.is_empty() && differ.is_empty();

    let cached_issuers = cache.issuers()?;
    let issuers_equal = cached_issuers == source.issuer_keys()?;
    println!("trust list:   {} keys cached, {}", cached_issuers.len(), if issuers_equal { "equal" } else { "DIFFERS" });
    equal &= issuers_equal;
    let cached_orgs = cache.organizations()?;
    let orgs_equal = cached_orgs == source.organizations()?;
    println!("organisations: {} cached, {}", cached_orgs.len(), if orgs_equal { "equal" } else { "DIFFERS" });
    equal &= orgs_equal;

    if equal {
        println!("OK: the cache equals the ledger at block {height}");
    } else {
        println!("DIFFERENT: the cache does not equal the ledger at block {height}");
    }
    Ok(equal)
}

//! `nanotrace-notify`: follows the ledger and tells subscribers what happened to the
//! certificates they depend on, by signed webhook and by email.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use nanotrace_follow::source::{EmbeddedSource, FabricSource, Source};
use nanotrace_notify::service::{self, Timing};
use nanotrace_notify::webhook::redact_urls;
use nanotrace_notify::{Config, Notifier, Store};
use nanotrace_startup::{init_logging, one_line, shutdown_signal, LogFormat};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tracing::info;

const AFTER_HELP: &str = "\
Every option can also be set through the environment variable shown with it.

The subscription file (TOML) says which certificates and events concern whom, and the \
targets: webhooks (signed per the Standard Webhooks specification) and email addresses \
(through the [smtp] section). See notify/subscriptions.example.toml. Contact addresses \
are personal data: they live in this file, never on the ledger, and are not logged.

The store folder (--store, the same for `run` and `dead-letters`) holds a RocksDB \
database in db/ with the checkpoint, the outbox, the dead letters and the certificates \
watched for expiry. One process at a time: stop the service before `dead-letters resend`.

Billing ([[billing]] subscriptions: invoice_issued, credit_note_issued, invoice_paid) is \
read from the organisation's private billing records, as one of its members: --as NAME \
with the embedded ledger, a --profile of the organisation's own member on Fabric. Emails \
carry the invoice as a Factur-X PDF and as UBL XML; webhooks are invoice.issued, \
credit_note.issued and invoice.paid.

Webhook URLs are never shown in full (errors, logs, the dead-letter list): only their \
scheme, host and port, as https://host:port/…

Exit status: 0 success; 2 error (one line on stderr).";

#[derive(Debug, Parser)]
#[command(name = "nanotrace-notify", version, about = "NanoTrace notifications: webhooks and emails that follow the ledger", after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log filter (tracing's EnvFilter syntax).
    #[arg(long, global = true, env = "NANOTRACE_NOTIFY_LOG", default_value = "info")]
    log: String,
    /// Logs as JSON lines.
    #[arg(long, global = true, env = "NANOTRACE_NOTIFY_LOG_JSON", value_parser = clap::builder::BoolishValueParser::new())]
    log_json: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Follow the ledger and deliver notifications until SIGTERM or Ctrl-C.
    ///
    /// Prints `listening on <ip:port>` on stdout once the operations listener
    /// (`/metrics`, `/healthz`, `/readyz`) is bound. `/readyz` answers 503 until the
    /// first catch-up with the ledger, while the ledger cannot be read, and while the
    /// SMTP server is unreachable.
    Run(Run),
    /// Check a subscription file and print what it subscribes.
    Check {
        /// The subscription file.
        #[arg(long, env = "NANOTRACE_NOTIFY_CONFIG")]
        config: PathBuf,
    },
    /// List or re-send the messages given up on.
    #[command(subcommand)]
    DeadLetters(DeadLetters),
    /// Print a new random webhook signing secret (`whsec_…`).
    Secret,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SourceKind {
    /// The embedded ledger in --data-dir, read beside its owner.
    Embedded,
    /// A Fabric channel through the Gateway client (--profile).
    Fabric,
}

#[derive(Debug, Args)]
struct Run {
    /// The subscription file.
    #[arg(long, env = "NANOTRACE_NOTIFY_CONFIG")]
    config: PathBuf,
    /// The notifier's store folder (created if missing; a folder that holds anything else
    /// is refused). The dead-letter commands take the same folder.
    #[arg(long, env = "NANOTRACE_NOTIFY_STORE", default_value = "nanotrace-notify-store")]
    store: PathBuf,
    /// Where the ledger is.
    #[arg(long, env = "NANOTRACE_NOTIFY_SOURCE", value_enum, default_value = "embedded")]
    source: SourceKind,
    /// The embedded ledger's data directory (--source embedded).
    #[arg(long, env = "NANOTRACE_DATA_DIR", default_value = "nanotrace-data")]
    data_dir: PathBuf,
    /// The connection profile (--source fabric): gateway peer, identity, channel, chaincode.
    /// With [[billing]] subscriptions, a profile of the organisation's own member, whose
    /// gateway peer holds the organisation's billing collections.
    #[arg(long, env = "NANOTRACE_PROFILE", default_value = ".run/fabric/profiles/regulator-rita.yaml")]
    profile: PathBuf,
    /// The local identity of the data directory to read the ledger as (--source
    /// embedded), as `nanotrace --as`: a member of the organisation whose private billing
    /// records the [[billing]] subscriptions are about (only its certificate is read, never
    /// a key). Without it, the public records are read as an identity of no organisation.
    #[arg(long = "as", env = "NANOTRACE_IDENTITY", value_name = "NAME")]
    identity: Option<String>,
    /// Address of the operations endpoints.
    #[arg(long, env = "NANOTRACE_NOTIFY_LISTEN", default_value = "127.0.0.1:9470")]
    listen: SocketAddr,
    /// How often to look for new blocks once caught up, in milliseconds.
    #[arg(long, env = "NANOTRACE_NOTIFY_POLL_MS", default_value_t = 250,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    poll_ms: u64,
    /// How often to look for certificates whose expiry reminder is due, in seconds.
    #[arg(long, env = "NANOTRACE_NOTIFY_EXPIRY_EVERY_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    expiry_every_secs: u64,
}

#[derive(Debug, Subcommand)]
enum DeadLetters {
    /// List the dead letters: ID, target, event, certificate, attempts, last error.
    List {
        /// The notifier's store folder: the --store given to `run`.
        #[arg(long, env = "NANOTRACE_NOTIFY_STORE", default_value = "nanotrace-notify-store")]
        store: PathBuf,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Put dead letters back into the outbox (attempts reset), to be sent by the next
    /// `run`: the IDs given, or all with --all.
    Resend {
        /// The notifier's store folder: the --store given to `run`.
        #[arg(long, env = "NANOTRACE_NOTIFY_STORE", default_value = "nanotrace-notify-store")]
        store: PathBuf,
        /// Every dead letter.
        #[arg(long, conflicts_with = "ids")]
        all: bool,
        /// Notification IDs (`msg_…`, as `list` shows them).
        #[arg(required_unless_present = "all")]
        ids: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = if cli.log_json { LogFormat::Json } else { LogFormat::Text };
    if let Err(e) = init_logging(&cli.log, format) {
        eprintln!("nanotrace-notify: {}", one_line(&e));
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Run(run) => serve(run),
        Command::Check { config } => check(&config),
        Command::DeadLetters(DeadLetters::List { store, json }) => list(&store, json),
        Command::DeadLetters(DeadLetters::Resend { store, all, ids }) => resend(&store, all, ids),
        Command::Secret => {
            println!("{}", nanotrace_notify::webhook::Secret::generate());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nanotrace-notify: {}", one_line(e.as_ref()));
            ExitCode::from(2)
        }
    }
}

fn check(path: &Path) -> Result<()> {
    let config = Config::load(path)?;
    println!(
        "{}: {} subscription(s), {} webhook(s), {} email target(s); links to {}",
        path.display(),
        config.subscriptions.len(),
        config.webhooks.len(),
        config.emails.len(),
        config.verify_url
    );
    for (i, s) in config.subscriptions.iter().enumerate() {
        let mut which = Vec::new();
        if s.all {
            which.push("every certificate".to_owned());
        }
        if let Some(org) = &s.organization {
            which.push(format!("organisation {org}"));
        }
        if let Some(id) = &s.certificate {
            which.push(format!("certificate {id}"));
        }
        if let Some(gtin) = &s.product {
            which.push(format!("product {gtin}"));
        }
        let events: Vec<&str> = s.events.iter().map(|k| k.as_str()).collect();
        println!("  {}. {} — {} → {}", i + 1, which.join(", "), events.join(", "), s.notify.join(", "));
    }
    for (i, b) in config.billing.iter().enumerate() {
        let events: Vec<&str> = b.events.iter().map(|k| k.as_str()).collect();
        let with =
            b.counterparty.as_deref().map_or_else(|| "every counterparty".to_owned(), |c| format!("counterparty {c}"));
        println!("  billing {}. {with} — {} → {}", i + 1, events.join(", "), b.notify.join(", "));
    }
    Ok(())
}

fn list(store: &Path, json: bool) -> Result<()> {
    let store = Store::open_folder(store)?;
    let mut dead = store.dead_letters()?;
    let mut out = std::io::stdout().lock();
    for e in &mut dead {
        // Errors stored before URLs were redacted may still quote one.
        e.last_error = e.last_error.as_deref().map(redact_urls);
        let n = &e.notification;
        if json {
            writeln!(out, "{}", serde_json::to_string(e)?)?;
        } else {
            writeln!(
                out,
                "{}  {}  {}  {}  attempts {}  {}",
                n.id,
                n.target,
                n.kind.as_str(),
                n.certificate_id,
                e.attempts,
                e.last_error.as_deref().unwrap_or("")
            )?;
        }
    }
    if !json {
        writeln!(out, "{} dead letter(s)", dead.len())?;
    }
    Ok(())
}

fn resend(store: &Path, all: bool, ids: Vec<String>) -> Result<()> {
    let store = Store::open_folder(store)?;
    if !all {
        let known: Vec<String> = store.dead_letters()?.into_iter().map(|e| e.notification.id).collect();
        let unknown: Vec<&String> = ids.iter().filter(|id| !known.contains(id)).collect();
        if !unknown.is_empty() {
            anyhow::bail!("no dead letter {unknown:?} (see `nanotrace-notify dead-letters list`); nothing was changed");
        }
    }
    let moved = store.resend(if all { &[] } else { &ids }, service::now_ms())?;
    println!("{} message(s) back in the outbox; the running service sends them", moved.len());
    Ok(())
}

fn serve(run: Run) -> Result<()> {
    let config = Arc::new(Config::load(&run.config)?);
    // A folder that is not the store's refused before anything is written into it.
    Store::check_folder(&run.store)?;
    // The ledger next: a wrong --data-dir or --profile should not leave a new store behind.
    let scratch = Store::follower_path(&run.store);
    let source: Arc<dyn Source> = match (run.source, &run.identity) {
        (SourceKind::Embedded, None) => Arc::new(EmbeddedSource::open(&run.data_dir, &scratch)?),
        (SourceKind::Embedded, Some(name)) => Arc::new(EmbeddedSource::open_as_local(&run.data_dir, &scratch, name)?),
        (SourceKind::Fabric, None) => Arc::new(FabricSource::from_profile(&run.profile)?),
        (SourceKind::Fabric, Some(_)) => {
            anyhow::bail!("--as is for the embedded ledger: on Fabric the ledger is read as --profile's identity")
        }
    };
    let store = Arc::new(Store::create_in_folder(&run.store)?);
    let notifier = Arc::new(Notifier::new(config, store, source)?);
    let timing = Timing {
        poll: Duration::from_millis(run.poll_ms),
        expiry_every: Duration::from_secs(run.expiry_every_secs),
        ..Timing::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("nanotrace-notify")
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(run.listen)
            .await
            .with_context(|| format!("cannot listen on {}", run.listen))?;
        let addr = listener.local_addr().context("cannot read the bound address")?;
        println!("listening on {addr}");
        std::io::stdout().flush().ok();
        info!(%addr, "operations endpoints up");
        let (stop, stopped) = watch::channel(false);
        let work = tokio::spawn(service::run(notifier.clone(), timing, stopped.clone()));
        let mut http_stop = stopped.clone();
        let http = axum::serve(listener, service::router(notifier)).with_graceful_shutdown(async move {
            let _ = http_stop.wait_for(|s| *s).await;
        });
        let http = tokio::spawn(async move { http.await });
        shutdown_signal()?.await;
        let _ = stop.send(true);
        let _ = work.await;
        let _ = http.await;
        anyhow::Ok(())
    });
    runtime.shutdown_timeout(Duration::from_secs(10));
    result
}

//! `nanotrace`: certificates for nanomaterial products on the embedded ledger.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use nanotrace::setup::{self, DataDir};
use nanotrace::{batch, demo, render};
use nanotrace_chaincode::api::NanoTrace;
use nanotrace_chaincode::model::*;
use nanotrace_ledger::devmsp::NodeType;
use nanotrace_ledger::transport::EmbeddedTransport;
use serde::Serialize;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "nanotrace", version, about = "Certificates for nanomaterial products, recorded on a ledger", long_about = None)]
struct Cli {
    /// Data directory of the embedded ledger and its local identities [default:
    /// ./nanotrace-data; for `demo`, a new temporary directory].
    #[arg(long, global = true, env = "NANOTRACE_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Identity to act as (see `nanotrace identity list`).
    #[arg(long = "as", global = true, env = "NANOTRACE_IDENTITY", value_name = "NAME")]
    identity: Option<String>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Base URL of the verification service, used in QR codes.
    #[arg(long, global = true, env = "NANOTRACE_VERIFY_URL", default_value = "http://127.0.0.1:8080")]
    verify_url: String,
    /// Log filter (e.g. `info`, `nanotrace_ledger=debug`).
    #[arg(long, global = true, env = "NANOTRACE_LOG", default_value = "warn")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole lifecycle on a fresh embedded ledger: apply, approve, verify, suspend, revoke.
    Demo,
    /// Create the sample network in the data directory (regulator, certifier, manufacturer).
    Init,
    /// Local identities of the embedded ledger.
    #[command(subcommand)]
    Identity(IdentityCmd),
    /// Register an organisation (admin).
    RegisterOrg {
        msp_id: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        kind: Kind,
    },
    /// Grant a role to an identity (admin).
    Grant {
        identity: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// Revoke a role from an identity (admin).
    Ungrant {
        identity: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// The issuer trust list and certifiers' Ed25519 keys.
    #[command(subcommand)]
    Key(KeyCmd),
    /// Apply for a certificate (manufacturer). The file holds one application as JSON (`-` = stdin).
    Apply {
        #[arg(long)]
        file: PathBuf,
    },
    /// Approve a pending application, signing it with your issuer key (certifier).
    Approve {
        id: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Reject a pending application (certifier).
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Suspend an issued certificate (certifier of the issuing organisation).
    Suspend {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Reinstate a suspended certificate; re-signs it if its data changed (certifier).
    Reinstate {
        id: String,
        #[arg(long)]
        reason: String,
        /// Issuer key name (default: your identity's).
        #[arg(long)]
        key: Option<String>,
    },
    /// Revoke a certificate for good (certifier of the issuing organisation).
    Revoke {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Issue a new version that supersedes the certificate (certifier).
    Renew {
        id: String,
        #[command(flatten)]
        signing: Signing,
    },
    /// Record a new safety data sheet revision; suspends an issued certificate until reviewed (manufacturer).
    UpdateSds {
        id: String,
        #[arg(long)]
        url: String,
        #[arg(long)]
        sha256: String,
        #[arg(long)]
        revision: u32,
    },
    /// The verdict on a certificate: VALID, EXPIRED, SUSPENDED, REVOKED, SUPERSEDED, PENDING, REJECTED or UNKNOWN.
    /// With --offline, checks a QR code's token against a saved trust list, with no ledger at all.
    Verify {
        /// The certificate ID (not needed with --offline).
        #[arg(required_unless_present = "offline")]
        id: Option<String>,
        /// An offline token, or the whole scanned URL that carries it (`...?t=TOKEN`).
        #[arg(long, value_name = "TOKEN", requires = "trust_list")]
        offline: Option<String>,
        /// The trust list saved with `nanotrace key list --json > trust.json`.
        #[arg(long, value_name = "FILE")]
        trust_list: Option<PathBuf>,
    },
    /// The full certificate record.
    Show { id: String },
    /// The audit trail of a certificate: every change, who, when, transaction ID.
    History { id: String },
    /// Print the QR code of a certificate's verification URL.
    Qr { id: String },
    /// Certificates by status: the approval queue by default (certifier, admin, auditor).
    Queue {
        #[arg(long, default_value = "PENDING", value_parser = parse_status)]
        status: CertificateStatus,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Your organisation's certificates (or another's, with --msp, for certifiers, admins, auditors).
    Mine {
        #[arg(long)]
        msp: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Your identity, roles and organisation as the contract sees them.
    Whoami,
    /// Batch submission from JSON-lines files, with a progress bar and a summary.
    #[command(subcommand)]
    Batch(BatchCmd),
    /// The embedded ledger itself.
    #[command(subcommand)]
    Ledger(LedgerCmd),
}

#[derive(Subcommand)]
enum IdentityCmd {
    /// Issue a new identity from its organisation's local CA.
    Create {
        name: String,
        #[arg(long)]
        msp: String,
        /// Issue an admin identity (NodeOU admin) instead of a client one.
        #[arg(long)]
        admin: bool,
    },
    /// List local identities.
    List,
}

#[derive(Subcommand)]
enum KeyCmd {
    /// Create an Ed25519 issuer key for an identity and register it on the trust list (admin registers).
    Create {
        /// The certifier identity that will hold the key.
        holder: String,
        /// Validity in days from now.
        #[arg(long, default_value_t = 1826)]
        days: u32,
    },
    /// Retire a key from the trust list (admin).
    Retire {
        key_id: String,
        #[arg(long)]
        reason: String,
    },
    /// Show the trust list.
    List,
}

#[derive(Subcommand)]
enum BatchCmd {
    /// Apply for every application in a JSON-lines file.
    Apply {
        #[arg(long)]
        file: PathBuf,
        /// Applications per transaction (1-1000).
        #[arg(long, default_value_t = 100)]
        chunk: usize,
    },
    /// Approve every certificate ID in a file (one per line, or JSON lines with `certificate_id`).
    Approve {
        #[arg(long)]
        file: PathBuf,
        #[arg(long, default_value_t = 100)]
        chunk: usize,
        #[command(flatten)]
        signing: Signing,
    },
}

#[derive(Subcommand)]
enum LedgerCmd {
    /// Verify the hash chain, each block's write set and the state against a replay.
    Check,
    /// Print the transaction log.
    Log {
        #[arg(long, default_value_t = 1)]
        from: u64,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

#[derive(Args)]
struct Signing {
    /// Issuer key name (default: your identity's).
    #[arg(long)]
    key: Option<String>,
    /// Validity in days (default and maximum: what the applicant requested).
    #[arg(long)]
    valid_days: Option<u32>,
}

#[derive(Args)]
struct PageArgs {
    #[arg(long, default_value_t = 50)]
    page_size: u32,
    #[arg(long, default_value = "")]
    bookmark: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Manufacturer,
    Certifier,
    Regulator,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Certifier,
    Auditor,
}

fn parse_status(s: &str) -> Result<CertificateStatus, String> {
    CertificateStatus::parse(s).ok_or_else(|| {
        format!("unknown status {s:?}; one of {}", CertificateStatus::ALL.map(|s| s.as_str()).join(", "))
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter =
        tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // One line: each cause once (a context often repeats its source's text).
            let mut message = String::new();
            for cause in e.chain().map(|c| c.to_string()) {
                if !message.contains(&cause) {
                    if !message.is_empty() {
                        message.push_str(": ");
                    }
                    message.push_str(&cause);
                }
            }
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Ctx {
    json: bool,
    identity: Option<String>,
    verify_url: String,
}

impl Ctx {
    fn who(&self) -> Result<&str> {
        self.identity
            .as_deref()
            .context("which identity? pass --as NAME or set NANOTRACE_IDENTITY (see `nanotrace identity list`)")
    }

    /// Prints `value` as JSON, or `text` for a person. A reader that went away (`| head`)
    /// is not an error: the output is simply cut short, and the exit code still counts.
    fn print<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) -> Result<()> {
        use std::io::Write;
        let out = if self.json { serde_json::to_string_pretty(value)? + "\n" } else { text() };
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.context("cannot write to stdout"),
        }
    }
}

/// A reader identity: the one given, or the first local one (reads are public).
fn reader(dir: &DataDir, ctx: &Ctx) -> Result<NanoTrace<EmbeddedTransport>> {
    match &ctx.identity {
        Some(name) => dir.client(name),
        None => {
            let first =
                dir.msp.list()?.into_iter().next().context("no local identities: run `nanotrace init` first")?;
            dir.client(&first.name)
        }
    }
}

fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).context("cannot read stdin")?;
        Ok(buf)
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let ctx = Ctx { json: cli.json, identity: cli.identity.clone(), verify_url: cli.verify_url.clone() };
    if let Command::Demo = &cli.command {
        let dir = match &cli.data_dir {
            Some(d) => d.clone(),
            None => std::env::temp_dir().join(format!("nanotrace-demo-{}-{}", std::process::id(), setup::now())),
        };
        let mut stdout = std::io::stdout();
        demo::run(&dir, &ctx.verify_url, &mut stdout)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Verify { offline: Some(token), trust_list: Some(trust_list), .. } = &cli.command {
        return verify_offline(&ctx, token, trust_list);
    }
    let dir = DataDir::open(cli.data_dir.as_deref().unwrap_or(Path::new("nanotrace-data")))?;
    match cli.command {
        // Handled above, before any data directory is opened.
        Command::Demo => {}
        Command::Init => {
            dir.init_sample_network(setup::now())?;
            let ids = dir.msp.list()?;
            ctx.print(&ids.iter().map(|i| (&i.name, &i.msp_id)).collect::<Vec<_>>(), || {
                let mut s = format!("Sample network created in {}\n", dir.path.display());
                for i in &ids {
                    s.push_str(&format!("  {:<22} {}\n", i.name, i.msp_id));
                }
                s.push_str(&format!(
                    "Try: nanotrace --data-dir {} --as {} apply --file examples/application.json\n",
                    dir.path.display(),
                    setup::APPLICANT
                ));
                s
            })?;
        }
        Command::Identity(IdentityCmd::Create { name, msp, admin }) => {
            let id = dir.msp.enroll(&name, &msp, if admin { NodeType::Admin } else { NodeType::Client })?;
            let actor = dir.actor(&name)?;
            ctx.print(&actor, || format!("Created {} in {}\n  id: {}\n", id.name, id.msp_id, actor.id))?;
        }
        Command::Identity(IdentityCmd::List) => {
            let ids = dir.msp.list()?;
            ctx.print(
                &ids.iter().map(|i| serde_json::json!({"name": i.name, "msp_id": i.msp_id})).collect::<Vec<_>>(),
                || ids.iter().map(|i| format!("{:<24} {}\n", i.name, i.msp_id)).collect(),
            )?;
        }
        Command::RegisterOrg { msp_id, name, kind } => {
            let kind = match kind {
                Kind::Manufacturer => OrgKind::Manufacturer,
                Kind::Certifier => OrgKind::Certifier,
                Kind::Regulator => OrgKind::Regulator,
            };
            let out = dir.client(ctx.who()?)?.register_organization(&msp_id, &name, kind)?;
            ctx.print(&out.value, || {
                format!("Registered {} ({:?}) in tx {}\n", out.value.msp_id, out.value.kind, out.tx_id)
            })?;
        }
        Command::Grant { identity, role } => {
            let target = dir.actor(&identity)?;
            let out = dir.client(ctx.who()?)?.grant_role(target, role_of(role))?;
            ctx.print(&out.value, || format!("Granted {} to {identity}\n", out.value.role.as_str()))?;
        }
        Command::Ungrant { identity, role } => {
            let target = dir.actor(&identity)?;
            let out = dir.client(ctx.who()?)?.revoke_role(target, role_of(role))?;
            ctx.print(&out.value, || format!("Revoked {} from {identity}\n", out.value.role.as_str()))?;
        }
        Command::Key(KeyCmd::Create { holder, days }) => {
            let admin = dir.client(ctx.who()?)?;
            let holder_actor = dir.actor(&holder)?;
            let key = dir.msp.create_issuer_key(&holder)?;
            let signer = nanotrace_chaincode::api::IssuerSigner::new(key);
            let now = setup::now();
            let out = admin.register_issuer_key(&RegisterIssuerKeyRequest {
                public_key: signer.public_key_hex(),
                holder: holder_actor,
                valid_from: now - 60,
                valid_until: now + i64::from(days) * 86_400,
            })?;
            ctx.print(&out.value, || format!("Registered issuer key {} for {holder}\n", out.value.key_id))?;
        }
        Command::Key(KeyCmd::Retire { key_id, reason }) => {
            let out = dir.client(ctx.who()?)?.retire_issuer_key(&key_id, &reason)?;
            ctx.print(&out.value, || format!("Retired issuer key {}\n", out.value.key_id))?;
        }
        Command::Key(KeyCmd::List) => {
            let keys = reader(&dir, &ctx)?.issuer_keys()?;
            ctx.print(&keys, || render::issuer_keys(&keys))?;
        }
        Command::Apply { file } => {
            let bytes = read_input(&file)?;
            let application: Application = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a valid application", file.display()))?;
            let out = dir.client(ctx.who()?)?.apply(&application)?;
            ctx.print(&serde_json::json!({"certificate_id": out.value, "tx_id": out.tx_id}), || {
                format!("Applied: {} (PENDING) in tx {}\n", out.value, out.tx_id)
            })?;
        }
        Command::Approve { id, signing } => {
            let who = ctx.who()?;
            let signer = dir.signer(signing.key.as_deref().unwrap_or(who))?;
            let out = dir.client(who)?.approve(&id, &signer, &dir.msp_of(who)?, setup::now(), signing.valid_days)?;
            ctx.print(&serde_json::json!({"certificate_id": id, "tx_id": out.tx_id}), || {
                format!("Approved {id} in tx {}\n", out.tx_id)
            })?;
        }
        Command::Reject { id, reason } => {
            let out = dir.client(ctx.who()?)?.reject(&id, &reason)?;
            ctx.print(&out.value, || format!("Rejected {id} in tx {}\n", out.tx_id))?;
        }
        Command::Suspend { id, reason } => {
            let out = dir.client(ctx.who()?)?.suspend(&id, &reason)?;
            ctx.print(&out.value, || format!("Suspended {id} in tx {}\n", out.tx_id))?;
        }
        Command::Reinstate { id, reason, key } => {
            let who = ctx.who()?;
            // A key named with --key must load; without one, the caller's own key is used
            // when it has one (a reinstatement needs a signature only after an SDS update).
            let signer = match key.as_deref() {
                Some(key) => Some(dir.signer(key)?),
                None => dir.signer(who).ok(),
            };
            let out = dir.client(who)?.reinstate(&id, &reason, signer.as_ref())?;
            ctx.print(&out.value, || format!("Reinstated {id} in tx {}\n", out.tx_id))?;
        }
        Command::Revoke { id, reason } => {
            let out = dir.client(ctx.who()?)?.revoke(&id, &reason)?;
            ctx.print(&out.value, || format!("Revoked {id} in tx {}\n", out.tx_id))?;
        }
        Command::Renew { id, signing } => {
            let who = ctx.who()?;
            let signer = dir.signer(signing.key.as_deref().unwrap_or(who))?;
            let out = dir.client(who)?.renew(&id, &signer, &dir.msp_of(who)?, setup::now(), signing.valid_days)?;
            let new_id = out.value.get(1).cloned().unwrap_or_default();
            ctx.print(&serde_json::json!({"superseded": id, "certificate_id": new_id, "tx_id": out.tx_id}), || {
                format!("Renewed {id} as {new_id} in tx {}\n", out.tx_id)
            })?;
        }
        Command::UpdateSds { id, url, sha256, revision } => {
            let out = dir.client(ctx.who()?)?.update_sds(&id, SafetyDataSheet { url, sha256, revision })?;
            ctx.print(&out.value, || {
                format!("Recorded SDS revision {revision} for {id}; status {}\n", out.value.status)
            })?;
        }
        Command::Verify { id, .. } => {
            let id = id.context("a certificate ID is required")?;
            let v = reader(&dir, &ctx)?.verify(&id)?;
            ctx.print(&v, || render::verification(&v))?;
            // Scripts can rely on the exit code: 0 only for VALID.
            if v.verdict != Verdict::Valid {
                return Ok(ExitCode::from(2));
            }
        }
        Command::Show { id } => {
            let c = reader(&dir, &ctx)?.get_certificate(&id)?;
            ctx.print(&c, || render::certificate(&c))?;
        }
        Command::History { id } => {
            let h = reader(&dir, &ctx)?.history(&id)?;
            ctx.print(&h, || render::history(&id, &h))?;
        }
        Command::Qr { id } => {
            nanotrace_chaincode::validate::certificate_id("certificate ID", &id)?;
            let cert = reader(&dir, &ctx)?.get_certificate(&id)?;
            let url = render::verification_url(&ctx.verify_url, &cert);
            let qr = render::qr(&url)?;
            ctx.print(&serde_json::json!({"url": url}), || format!("{qr}\n{url}\n"))?;
        }
        Command::Queue { status, page } => {
            let p = dir.client(ctx.who()?)?.queue(status, page.page_size, &page.bookmark)?;
            ctx.print(&p, || render::page(&format!("{status} certificates"), &p))?;
        }
        Command::Mine { msp, page } => {
            let p = dir.client(ctx.who()?)?.mine(msp, page.page_size, &page.bookmark)?;
            ctx.print(&p, || render::page("Certificates of the organisation", &p))?;
        }
        Command::Whoami => {
            let w = dir.client(ctx.who()?)?.who_am_i()?;
            ctx.print(&w, || {
                format!(
                    "{}\n  roles: {}\n  organisation: {}\n",
                    w.identity,
                    if w.roles.is_empty() {
                        "none".into()
                    } else {
                        w.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
                    },
                    w.organization
                        .as_ref()
                        .map(|o| format!("{} ({:?})", o.name, o.kind))
                        .unwrap_or_else(|| "not registered".into())
                )
            })?;
        }
        Command::Batch(cmd) => {
            let show = !ctx.json && std::io::stderr().is_terminal();
            let who = ctx.who()?.to_owned();
            let api = dir.client(&who)?;
            let outcome = match cmd {
                BatchCmd::Apply { file, chunk } => batch::apply_file(&api, &file, chunk, show)?,
                BatchCmd::Approve { file, chunk, signing } => {
                    let signer = dir.signer(signing.key.as_deref().unwrap_or(&who))?;
                    batch::approve_file(&api, &signer, &dir.msp_of(&who)?, &file, chunk, signing.valid_days, show)?
                }
            };
            ctx.print(&outcome, || {
                let mut s = format!(
                    "Committed {} item(s) in {} transaction(s); {} failed\n",
                    outcome.committed.len(),
                    outcome.transactions,
                    outcome.failed.len()
                );
                for (line, reason) in &outcome.failed {
                    s.push_str(&format!("  line {line}: {reason}\n"));
                }
                s
            })?;
            if !outcome.failed.is_empty() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Ledger(LedgerCmd::Check) => {
            let report = dir.ledger.check()?;
            let ok = report.is_ok();
            ctx.print(&serde_json::json!({
                "ok": ok, "height": report.height, "head_hash": report.head_hash,
                "entries_checked": report.entries_checked, "problems": report.problems.iter().map(|p| serde_json::json!({"block": p.block, "reason": p.reason})).collect::<Vec<_>>(),
            }), || {
                if ok {
                    format!("Ledger OK: {} blocks, head {}\n", report.entries_checked, report.head_hash)
                } else {
                    let mut s = format!("Ledger TAMPERED: {} problem(s)\n", report.problem_count);
                    for p in &report.problems {
                        s.push_str(&format!("  block {}: {}\n", p.block.map(|b| b.to_string()).unwrap_or_else(|| "-".into()), p.reason));
                    }
                    s
                }
            })?;
            if !ok {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Ledger(LedgerCmd::Log { from, limit }) => {
            let entries = dir.ledger.log_entries(from, limit)?;
            ctx.print(&entries, || {
                entries
                    .iter()
                    .map(|e| {
                        format!(
                            "#{:<6} {}  {:<22} {:<16} {}\n",
                            e.block,
                            render::when(e.timestamp.seconds),
                            e.function,
                            e.creator_msp,
                            e.event.as_ref().map(|(n, _)| n.as_str()).unwrap_or("-")
                        )
                    })
                    .collect()
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks an offline token (or a scanned URL carrying one) against a saved trust list.
fn verify_offline(ctx: &Ctx, token: &str, trust_list: &Path) -> Result<ExitCode> {
    use nanotrace_chaincode::token::OfflineToken;
    let text = token.trim();
    let text = match text.split_once("t=") {
        Some((_, rest)) if text.contains("://") => rest.split('&').next().unwrap_or(rest),
        _ => text,
    };
    let bytes =
        std::fs::read(trust_list).with_context(|| format!("cannot read trust list {}", trust_list.display()))?;
    let keys: Vec<IssuerKey> = serde_json::from_slice(&bytes).with_context(|| {
        format!("{} is not a trust list (save one with `nanotrace key list --json`)", trust_list.display())
    })?;
    let checked = OfflineToken::decode(text).and_then(|t| t.verify(&keys, setup::now())).context("token rejected")?;
    ctx.print(&checked, || {
        format!(
            "{} AUTHENTIC{} — certificate {} signed by {} with key {}\n  issued {}, valid until {}\n  \
             (offline: a revocation after issue cannot be seen without the ledger)\n",
            if checked.expired { "✘" } else { "✔" },
            if checked.expired { " but EXPIRED" } else { "" },
            checked.certificate_id,
            render::actor_name(&checked.issuer),
            checked.issuer_key_id,
            render::when(checked.issued_at),
            render::when(checked.valid_until)
        )
    })?;
    Ok(if checked.expired { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

fn role_of(role: RoleArg) -> Role {
    match role {
        RoleArg::Admin => Role::Admin,
        RoleArg::Certifier => Role::Certifier,
        RoleArg::Auditor => Role::Auditor,
    }
}
